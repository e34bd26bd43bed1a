"""The energy + forces objective of potential training, with its error statistics."""

from __future__ import annotations

import torch

from ..data import pool

__all__ = ["EnergyForcesLoss"]


class EnergyForcesLoss:
    r"""Per-structure loss of an energy model and its validation errors.

    .. math::
        \ell_s = w_E \Big(\frac{\hat E_s - E_s}{N_s}\Big)^2
               + w_F \frac{1}{3 N_s} \sum_{i \in s} \lVert \hat F_i - F_i \rVert^2

    Energy per atom (so structures of every size weigh alike) and the mean squared force
    component of the structure. Units: eV²/atom² and (eV/Å)². It is a sum over
    structures, which keeps the distributed average exact (see
    :func:`~symbreak.train.train_on_dataset`).

    Parameters
    ----------
    energy_weight, forces_weight : float
        :math:`w_E`, :math:`w_F`; ``forces_weight=0`` trains on energies only (no double
        backward).
    """

    names = ("graphs", "loss", "energy_abs", "energy_sq", "force_components", "force_abs", "force_sq")

    def __init__(self, energy_weight: float = 1.0, forces_weight: float = 1.0) -> None:
        for name, value in (("energy_weight", energy_weight), ("forces_weight", forces_weight)):
            if not (isinstance(value, (int, float)) and value >= 0):
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if energy_weight == 0 and forces_weight == 0:
            raise ValueError("energy_weight and forces_weight are both 0: nothing to train")
        self.energy_weight, self.forces_weight = float(energy_weight), float(forces_weight)

    @property
    def uses_forces(self) -> bool:
        return self.forces_weight > 0

    def _terms(self, model, batch):
        out = model(batch, forces=self.uses_forces or batch.forces is not None)
        energy_error = (out["energy"] - batch.energy) / batch.num_atoms.to(out["energy"])
        force_error = None
        if "forces" in out and batch.forces is not None:
            force_error = out["forces"] - batch.forces
        return energy_error, force_error

    def _loss(self, batch, energy_error, force_error) -> torch.Tensor:
        loss = self.energy_weight * energy_error.pow(2)
        if self.uses_forces:
            per_atom = force_error.pow(2).mean(dim=1)
            per_graph = pool(per_atom, batch.batch, batch.num_graphs) / batch.num_atoms.to(per_atom)
            loss = loss + self.forces_weight * per_graph
        return loss

    def per_graph_loss(self, model, batch) -> torch.Tensor:
        """:math:`\\ell_s` of every structure, ``(G,)``."""
        return self._loss(batch, *self._terms(model, batch))

    def error_sums(self, model, batch) -> dict[str, torch.Tensor]:
        """Sums of absolute and squared energy-per-atom and force-component errors, and counts."""
        energy_error, force_error = self._terms(model, batch)
        zero = energy_error.new_zeros(())
        sums = {
            "graphs": energy_error.new_tensor(float(batch.num_graphs)),
            "loss": self._loss(batch, energy_error, force_error).sum(),
            "energy_abs": energy_error.abs().sum(),
            "energy_sq": energy_error.pow(2).sum(),
            "force_components": zero if force_error is None else energy_error.new_tensor(float(force_error.numel())),
            "force_abs": zero if force_error is None else force_error.abs().sum(),
            "force_sq": zero if force_error is None else force_error.pow(2).sum(),
        }
        return {key: value.detach() for key, value in sums.items()}

    def errors(self, sums: dict[str, float]) -> dict[str, float]:
        """``loss`` (mean :math:`\\ell_s`), ``energy_mae``/``energy_rmse`` (eV/atom),
        ``force_mae``/``force_rmse`` (eV/Å per component; absent without forces)."""
        graphs = max(sums["graphs"], 1.0)
        out = {
            "loss": sums["loss"] / graphs,
            "energy_mae": sums["energy_abs"] / graphs,
            "energy_rmse": (sums["energy_sq"] / graphs) ** 0.5,
        }
        if sums["force_components"] > 0:
            out["force_mae"] = sums["force_abs"] / sums["force_components"]
            out["force_rmse"] = (sums["force_sq"] / sums["force_components"]) ** 0.5
        return out
