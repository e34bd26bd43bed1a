"""Learn a tensor property of crystals with symmetry guaranteed (and relaxed where the data break it).

:class:`TensorTask` is a :class:`~symbreak.run.Task`: structures → tensor, trained by
:func:`~symbreak.run.fit_models` (the relaxed :class:`~symbreak.tasks.tensor_model.TensorNetwork`
and its equivariant baseline of the same architecture), full batch, float64. The loss is the
mean squared error of the irreps coefficients over the training RMS squared (the Cartesian
error up to the kind's fixed weights per irrep). Errors are reported in the data's units as the
RMSE over the independent Voigt entries :math:`C_{IJ}, I \\le J` (21 for elastic tensors).

:func:`neumann_violation` measures Neumann's principle on predictions: for a structure with
point group :math:`G` (found by spglib, in the structure's own Cartesian frame) and predicted
tensor :math:`T`, :math:`\\max_{g\\in G} \\lVert g\\star T - T\\rVert_\\infty / \\lVert T\\rVert_\\infty`,
with :math:`(g\\star T)_{ijkl} = g_{ia}g_{jb}g_{kc}g_{ld}T_{abcd}` (times :math:`\\det g` for axial
kinds), computed in Cartesian form, independently of the irreps basis; and the relative norm of
what :func:`~symbreak.tensors.neumann_projection` removes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import numpy as np
import torch

from ..run import FittedModel, fit_models
from ..train import TrainSettings
from ..tensors import tensor_kind
from .tensor_data import TensorDataset
from .tensor_model import StructureGraphs, TensorNetwork

__all__ = ["TensorSettings", "TensorTask", "fit_tensor_models", "neumann_violation", "voigt_rmse",
           "rotate_structure"]


@dataclasses.dataclass(frozen=True)
class TensorSettings:
    """Model and training settings of :class:`TensorTask`.

    Attributes
    ----------
    cutoff : float
        Neighbour cutoff (Å) of the periodic graphs.
    lmax_sh : int
        Degree of the edge harmonics (``4`` for elastic tensors: their ``4e`` part).
    lmax_relaxed : int
        θ of every relaxed layer has every irrep up to this degree, both parities.
    irreps_hidden : str
    num_layers, num_basis, radial_neurons : int
    epochs, lr, penalty, penalty_weight, seed : see :class:`~symbreak.train.TrainSettings`.
    """

    cutoff: float = 4.5
    lmax_sh: int = 4
    lmax_relaxed: int = 2
    irreps_hidden: str = "8x0e+4x1o+4x2e+2x3o+2x4e"
    num_layers: int = 2
    num_basis: int = 8
    radial_neurons: int = 16
    epochs: int = 300
    lr: float = 1e-2
    penalty: str = "norm"
    penalty_weight: float = 1e-4
    seed: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cutoff) and self.cutoff > 0):
            raise ValueError(f"cutoff must be a positive number (Å), got {self.cutoff!r}")
        if not (isinstance(self.lmax_sh, int) and self.lmax_sh >= 0):
            raise ValueError(f"lmax_sh must be an integer >= 0, got {self.lmax_sh!r}")

    def train_settings(self) -> TrainSettings:
        """:class:`~symbreak.train.TrainSettings` of the fields shared by name."""
        return TrainSettings.from_task(self)


def voigt_rmse(predicted: np.ndarray, target: np.ndarray) -> float:
    """RMSE over the independent Voigt entries (upper triangle, ``I <= J``) of rank-4 tensors,
    or over the independent Cartesian entries (``i <= j``) of rank-2 ones."""
    difference = np.asarray(predicted) - np.asarray(target)
    if difference.ndim >= 4 and difference.shape[-4:] == (3, 3, 3, 3):
        upper = np.triu_indices(6)
        entries = tensor_kind("elastic").to_voigt(difference)[..., upper[0], upper[1]]
    elif difference.shape[-2:] == (3, 3):
        upper = np.triu_indices(3)
        entries = difference[..., upper[0], upper[1]]
    else:
        entries = difference
    return float(np.sqrt(np.mean(entries**2)))


class TensorTask:
    """Structures → tensor: data, model recipe, loss and metrics (a :class:`~symbreak.run.Task`).

    Parameters
    ----------
    train : TensorDataset
    settings : TensorSettings
    validation : TensorDataset, optional
        Held-out structures, measured by :meth:`evaluate`.
    species : sequence of int, optional
        Atomic numbers of the one-hot input (default: those of ``train`` and ``validation``).
    """

    def __init__(self, train: TensorDataset, settings: TensorSettings = TensorSettings(),
                 validation: TensorDataset | None = None, species: Sequence[int] | None = None) -> None:
        if len(train) == 0:
            raise ValueError("the training set is empty")
        self.train, self.validation, self.settings = train, validation, settings
        sets = [train] + ([validation] if validation is not None else [])
        found = sorted({int(z) for data in sets for atoms in data.structures for z in atoms.numbers})
        self.species = list(species) if species is not None else found
        self.graphs = StructureGraphs(train.structures, self.species, settings.cutoff)
        self.validation_graphs = (None if validation is None
                                  else StructureGraphs(validation.structures, self.species, settings.cutoff))
        targets = train.irreps  # (n, dim)
        self.target_irreps = torch.as_tensor(targets, dtype=torch.float64)
        self.offset = targets.mean(axis=0)
        centred = targets - self.offset * _scalar_mask(train.kind)
        self.scale = float(np.sqrt(np.mean(centred**2))) or 1.0
        self.batches = [None]

    def build_model(self, relaxed: bool) -> TensorNetwork:
        """The relaxed network, or (``relaxed=False``) its equivariant baseline; float64, seeded."""
        s = self.settings
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s.seed)
            model = TensorNetwork(
                self.train.kind, self.species, s.lmax_relaxed if relaxed else None,
                offset=self.offset, scale=self.scale, irreps_hidden=s.irreps_hidden, lmax_sh=s.lmax_sh,
                num_layers=s.num_layers, cutoff=s.cutoff, num_basis=s.num_basis,
                radial_neurons=s.radial_neurons, avg_num_neighbors=self.graphs.avg_num_neighbors,
            )
        return model.to(torch.float64)

    def loss(self, model: torch.nn.Module, batch: Any = None) -> torch.Tensor:
        """Mean squared error of the irreps coefficients, over the training RMS squared."""
        return (model.irreps(self.graphs) - self.target_irreps).pow(2).mean() / self.scale**2

    def predict(self, model: torch.nn.Module, structures: Sequence | None = None) -> np.ndarray:
        """Cartesian tensors of ``structures`` (default: the training set), float64 numpy."""
        graphs = self.graphs if structures is None else StructureGraphs(structures, self.species, self.settings.cutoff)
        with torch.no_grad():
            return model(graphs).numpy()

    def evaluate(self, model: torch.nn.Module) -> dict[str, Any]:
        """``train_rmse`` (and ``validation_rmse``): RMSE over the independent Voigt entries."""
        with torch.no_grad():
            entry = {"train_rmse": voigt_rmse(model(self.graphs).numpy(), self.train.tensors)}
            if self.validation_graphs is not None:
                predicted = model(self.validation_graphs).numpy()
                entry["validation_rmse"] = voigt_rmse(predicted, self.validation.tensors)
        return entry


def _scalar_mask(kind: str) -> np.ndarray:
    from e3nn import o3

    irreps = o3.Irreps(tensor_kind(kind).irreps)
    mask = np.zeros(irreps.dim)
    for (_, ir), part in zip(irreps, irreps.slices()):
        if ir == o3.Irrep("0e"):
            mask[part] = 1.0
    return mask


def fit_tensor_models(train: TensorDataset, settings: TensorSettings = TensorSettings(),
                      validation: TensorDataset | None = None, *, baseline: bool = True,
                      relaxed: bool = True, progress: bool = False) -> tuple[TensorTask, dict[str, FittedModel]]:
    """Train the relaxed network and (``baseline``) its equivariant baseline on ``train``.

    ``relaxed=False`` trains the equivariant network only (the relaxed one is then absent).
    Returns the task and ``{"relaxed": ..., "equivariant": ...}``.
    """
    task = TensorTask(train, settings, validation)
    if relaxed:
        return task, fit_models(task, settings.train_settings(), baseline=baseline, progress=progress)

    from ..train import train as run_training

    model, train_settings = task.build_model(False), settings.train_settings()
    result = run_training(model, list(task.batches), task.loss, train_settings, description="equivariant",
                          progress=progress)
    return task, {"equivariant": FittedModel("equivariant", model, result, task.evaluate(model), [], train_settings,
                                             len(task.batches))}


# ----------------------------------------------------------------------------- Neumann


def rotate_structure(atoms, rotation: np.ndarray):
    """A copy of ``atoms`` with positions and cell rotated by ``rotation`` (3×3 orthogonal)."""
    copy = atoms.copy()
    copy.set_cell(atoms.cell.array @ np.asarray(rotation).T, scale_atoms=False)
    copy.positions = atoms.positions @ np.asarray(rotation).T
    return copy


def neumann_violation(tensors: np.ndarray, structures: Sequence, kind: str = "elastic",
                      symprec: float = 1e-3, *, projection: bool = True) -> list[dict[str, Any]]:
    r"""For every structure: its point group and how far its tensor is from obeying it.

    Two measures, by two routes: ``violation``, the largest entry of :math:`g\star T - T` over
    the group's operations (Cartesian, :meth:`~symbreak.tensors.TensorKind.cartesian_representation`)
    over the largest entry of :math:`T`; and ``projection_violation``, the relative norm of what
    :func:`~symbreak.tensors.neumann_projection` removes.

    Returns
    -------
    list of dict
        ``point_group`` (Schoenflies), ``order``, ``violation``, ``projection_violation``.
    """
    from ..symmetry import PointGroup
    from ..tensors import neumann_projection

    kind = tensor_kind(kind)
    out = []
    for tensor, atoms in zip(np.asarray(tensors, dtype=np.float64), structures):
        group = PointGroup.from_atoms(atoms, symprec=symprec)
        flat = tensor.reshape(-1)
        moved = kind.cartesian_representation(group.matrices) @ flat  # (order, 3**rank)
        scale = max(float(np.abs(flat).max()), 1e-300)
        entry = {"point_group": group.name, "order": group.order,
                 "violation": float(np.abs(moved - flat).max() / scale)}
        if projection:
            entry["projection_violation"] = neumann_projection(kind, tensor, group).relative_violation
        out.append(entry)
    return out
