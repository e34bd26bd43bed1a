"""Discover E and B from a charged particle's trajectory (Hofgard et al. 2024, §5.2).

A particle of charge q and mass m moves in uniform fields; at each step the
Lorentz force is :math:`F = q(E + v\\times B)` (:mod:`.fields_sim`). A network on a
single node with its zero-length self-interaction edge (no positions) maps the node
features (q: ``0e``, v: ``1o``) onto F (``1o``). On such an edge the harmonics are the
scalar :math:`Y^0` only, so the filter of a relaxed layer is θ itself: θ^{1o} enters
as a vector (E-like: ``0e ⊗ 1o → 1o`` gives q θ^{1o}) and θ^{1e} as a pseudovector
(B-like: ``1o ⊗ 1e → 1o`` gives v × θ^{1e}). The equivariant baseline (same class,
θ off) can only output vectors parallel to v (Curie's principle) and stays stuck.

Read-out (:func:`read_fields`): the E direction is θ^{1o}, the B direction θ^{1e},
each up to the sign (and scale) the network chose; the sign is fixed by probing the
trained model (its force at v = 0 gives qE; the antisymmetric part of
∂F/∂v gives B), and the magnitudes by a least-squares fit of
:math:`F = q(a\\,\\hat e + b\\, v\\times\\hat b)` on the training data.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from typing import Any, ClassVar

import torch
from e3nn import o3

from .._dtype import default_dtype
from ..graph import self_loops
from ..io import write_json
from ..nn import RelaxedNetwork
from ..results import Result, fit_verdict
from ..run import FittedModel, convergence_notes, fit_models
from ..train import TrainSettings
from .fields_plot import plot_fields
from .fields_readout import probe_fields, read_fields
from .fields_sim import Trajectory, as_field, boris_push, lorentz_force, simulate

__all__ = [
    "FieldsResult",
    "FieldSettings",
    "FieldProblem",
    "ForceNetwork",
    "Trajectory",
    "boris_push",
    "lorentz_force",
    "simulate",
    "probe_fields",
    "read_fields",
    "run_fields",
    "plot_fields",
]


@dataclasses.dataclass(frozen=True)
class FieldSettings:
    """Data, model and training settings of the fields experiment.

    Attributes
    ----------
    q, m : float
        Charge (non-zero: with q = 0 there is no force to learn) and mass (> 0).
    steps, dt, n_particles : int, float, int
        ``n_particles`` trajectories of ``steps`` Boris steps of size ``dt`` (paper: one
        trajectory of 500 steps). Every (particle, step) is one training sample.
    batch_size : int
        Samples per optimiser step (paper: 50). The samples are split into batches
        by one seeded permutation; the batch order is reshuffled every epoch.
    irreps_relaxed : str
        θ of every relaxed layer (paper: ``0e+0o+1o+1e``).
    num_layers : int
        Relaxed convolutions. 1 (the paper's) is exact for F = q(E + v × B) at fixed q,
        and its θ *is* the filter, so θ^{1o} ∥ E and θ^{1e} ∥ B. With more layers
        (gated, ``irreps_hidden``) the breaking may be shared between layers in
        combinations (e.g. θ^{0o} times a 1e feature), so one layer's blocks need not
        point along the fields; the read-out then uses the layer with the largest block.
    irreps_hidden : str
        Hidden irreps (``num_layers >= 2`` only).
    lmax_sh : int
        Degree of the edge harmonics (>= 1; on a self edge only Y^0 is non-zero).
    radial_neurons : int
        Width of the radial MLP (it only sees the zero edge length here).
    start_at_zero : bool
        Start the last layer's equivariant part at zero: its self-connection and every
        path through the scalar filter (here the term ∝ v). The initial prediction is
        then F = 0, and the breaking paths (q θ^{1o}, v × θ^{1e}) keep their random
        initial weights. A random initial term ∝ v has a constant mean over the
        trajectory, which would give θ^{1o} a spurious gradient: in a pure magnetic
        field θ^{1o} could grow early and stay large after the network stops using it.
    epochs, lr, schedule, penalty, penalty_weight, seed : see :class:`~symbreak.train.TrainSettings`.
        ``seed`` also seeds the initial conditions (the test trajectory uses ``seed + 1``).
    """

    q: float = 1.0
    m: float = 1.0
    steps: int = 500
    dt: float = 0.05
    n_particles: int = 1
    batch_size: int = 50
    irreps_relaxed: str = "0e+0o+1o+1e"
    num_layers: int = 1
    irreps_hidden: str = "4x0e+4x0o+4x1o+4x1e"
    lmax_sh: int = 1
    radial_neurons: int = 16
    start_at_zero: bool = True
    epochs: int = 100
    lr: float = 1e-2
    schedule: str = "cosine"
    penalty: str = "norm"
    penalty_weight: float = 1e-4
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("q", "m", "dt", "lr", "penalty_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if self.q == 0:
            raise ValueError("q must be non-zero: a neutral particle feels no force, so there is nothing to learn")
        for name in ("m", "dt"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("steps", "n_particles", "batch_size", "num_layers", "epochs", "radial_neurons"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if isinstance(self.lmax_sh, bool) or not isinstance(self.lmax_sh, int) or self.lmax_sh < 1:
            raise ValueError(f"lmax_sh must be an integer >= 1 (θ^1 must reach the filter), got {self.lmax_sh!r}")
        self.train_settings()  # validates lr, penalty, penalty_weight

    def train_settings(self, checkpoint_every: int = 0) -> TrainSettings:
        """:class:`~symbreak.train.TrainSettings` of the fields shared by name."""
        return TrainSettings.from_task(self, checkpoint_every=checkpoint_every)


class ForceNetwork(torch.nn.Module):
    """Force ``F(q, v)`` in physical units from a :class:`~symbreak.nn.RelaxedNetwork`.

    Each sample is one node with a self-loop (zero edge vector); the network sees
    ``(q / q_scale, v / v_scale)`` and its output is multiplied by ``force_scale``
    (fixed positive scales from the training data: they keep the optimisation well
    conditioned and do not change any direction).

    Parameters
    ----------
    network : RelaxedNetwork
        ``irreps_in = "0e + 1o"``, ``irreps_out = "1o"``.
    charge_scale, velocity_scale, force_scale : float
    """

    def __init__(self, network: RelaxedNetwork, charge_scale: float, velocity_scale: float,
                 force_scale: float) -> None:
        super().__init__()
        self.network = network
        dtype = next(network.parameters()).dtype
        for name, value in (("charge_scale", charge_scale), ("velocity_scale", velocity_scale),
                            ("force_scale", force_scale)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be > 0, got {value!r}")
            self.register_buffer(name, torch.tensor(float(value), dtype=dtype))

    def relaxed_weights(self):
        """θ of every relaxed layer (see :meth:`RelaxedNetwork.relaxed_weights`)."""
        return self.network.relaxed_weights()

    def forward(self, charge: torch.Tensor, velocity: torch.Tensor) -> torch.Tensor:
        """Forces ``(M, 3)`` from charges ``(M,)`` and velocities ``(M, 3)``."""
        dtype = self.force_scale.dtype
        charge = torch.as_tensor(charge, dtype=dtype).reshape(-1, 1)
        velocity = torch.as_tensor(velocity, dtype=dtype)
        if velocity.dim() != 2 or velocity.shape[1] != 3 or velocity.shape[0] != charge.shape[0]:
            raise ValueError(
                f"expected charges (M,) and velocities (M, 3), got {tuple(charge.shape)} and {tuple(velocity.shape)}"
            )
        features = torch.cat([charge / self.charge_scale, velocity / self.velocity_scale], dim=1)
        count = features.shape[0]
        edge_vec = features.new_zeros(count, 3)
        return self.network(features, self_loops(count), edge_vec) * self.force_scale


class FieldProblem:
    """Simulated data, batches, model recipe and metrics for one (E, B, settings).

    Attributes
    ----------
    trajectory, test_trajectory : Trajectory
        Training data (seed ``settings.seed``) and a held-out trajectory (``seed + 1``).
    charges, velocities, forces : torch.Tensor
        Training samples ``(M,)``, ``(M, 3)``, ``(M, 3)`` in float64.
    batches : list of torch.LongTensor
        Sample indices of each batch.
    """

    def __init__(self, E, B, settings: FieldSettings = FieldSettings()) -> None:
        self.E, self.B = as_field(E, "E"), as_field(B, "B")
        if not (self.E.any() or self.B.any()):
            raise ValueError("E and B are both zero: the force vanishes, so there is nothing to learn")
        self.settings = s = settings
        common = dict(q=s.q, m=s.m, steps=s.steps, dt=s.dt, n_particles=s.n_particles)
        self.trajectory = simulate(self.E, self.B, seed=s.seed, **common)
        self.test_trajectory = simulate(self.E, self.B, seed=s.seed + 1, **common)
        self.charges, self.velocities, self.forces = _samples(self.trajectory)
        self.mean_squared_force = float(self.forces.pow(2).mean())
        if not self.mean_squared_force > 0:
            raise ValueError("the simulated forces are all zero; nothing to learn")
        self.scales = {
            "charge_scale": abs(s.q),
            "velocity_scale": float(self.velocities.pow(2).mean().sqrt()) or 1.0,
            "force_scale": math.sqrt(self.mean_squared_force),
        }
        order = torch.randperm(len(self.forces), generator=torch.Generator().manual_seed(s.seed))
        self.batches = list(order.split(s.batch_size))

    def build_model(self, relaxed: bool) -> ForceNetwork:
        """The relaxed network, or (``relaxed=False``) its equivariant baseline; float64, seeded."""
        s = self.settings
        with torch.random.fork_rng(devices=[]), default_dtype(torch.float64):
            torch.manual_seed(s.seed)
            network = RelaxedNetwork(
                "0e + 1o",
                s.irreps_hidden,
                "1o",
                s.lmax_sh,
                s.irreps_relaxed if relaxed else None,
                num_layers=s.num_layers,
                radial_neurons=s.radial_neurons,
                avg_num_neighbors=1.0,
            )
            if s.start_at_zero:
                _zero_equivariant_output(network.output)
            return ForceNetwork(network, **self.scales)

    def loss(self, model: ForceNetwork, batch: torch.Tensor) -> torch.Tensor:
        """MSE of the forces of one batch, relative to the mean squared force."""
        prediction = model(self.charges[batch], self.velocities[batch])
        return (prediction - self.forces[batch]).pow(2).mean() / self.mean_squared_force

    def errors(self, model: ForceNetwork, trajectory: Trajectory | None = None) -> dict[str, float]:
        """``mse`` (per force component) and ``mse_relative`` (÷ the data's mean squared force)
        on ``trajectory`` (default: the training data)."""
        charges, velocities, forces = (
            (self.charges, self.velocities, self.forces) if trajectory is None else _samples(trajectory)
        )
        with torch.no_grad():
            mse = float((model(charges, velocities) - forces).pow(2).mean())
        return {"mse": mse, "mse_relative": mse / float(forces.pow(2).mean())}

    def evaluate(self, model: ForceNetwork) -> dict[str, float]:
        """Training and held-out errors (:meth:`errors`) and the number of parameters."""
        test = self.errors(model, self.test_trajectory)
        return {**self.errors(model), "test_mse": test["mse"], "test_mse_relative": test["mse_relative"],
                "parameters": sum(p.numel() for p in model.parameters())}


def _zero_equivariant_output(conv) -> None:
    """Zero the self-connection of ``conv`` and its paths through the scalar filter (0e)."""
    scalar = o3.Irrep("0e")
    mids: dict[int, set[bool]] = {}
    for ins in conv.tp.instructions:
        mids.setdefault(ins.i_out, set()).add(conv.tp.irreps_in2[ins.i_in2].ir == scalar)
    equivariant = {index for index, kinds in mids.items() if kinds == {True}}
    offset = 0
    with torch.no_grad():
        for ins in conv.linear_out.instructions:
            size = math.prod(ins.path_shape)
            if ins.i_in in equivariant:
                conv.linear_out.weight[offset : offset + size] = 0.0
            offset += size
        if conv.self_connection is not None:
            conv.self_connection.weight.zero_()


def _samples(trajectory: Trajectory) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    velocities = torch.as_tensor(trajectory.velocities.reshape(-1, 3), dtype=torch.float64)
    forces = torch.as_tensor(trajectory.forces.reshape(-1, 3), dtype=torch.float64)
    charges = torch.full((len(forces),), trajectory.q, dtype=torch.float64)
    return charges, velocities, forces


def _check_checkpoint_dir(directory: Path, problem_spec: dict[str, Any], resume: bool) -> None:
    """Refuse to resume checkpoints written for other fields or settings."""
    marker = directory / "fields_problem.json"
    if resume and marker.exists():
        saved = json.loads(marker.read_text())
        if saved != problem_spec:
            raise ValueError(
                f"{directory} holds checkpoints of another fields run ({marker}); "
                "resume with the same E, B and settings or use a new directory"
            )
    write_json(marker, problem_spec)


FORCE_TOLERANCE = 0.01
"""A model fits when its RMS force error is at most this fraction of the RMS force."""


@dataclasses.dataclass
class FieldsResult(Result):
    """Result of :func:`run_fields`.

    Attributes
    ----------
    settings : FieldSettings
    problem : FieldProblem
        The simulated data.
    models : dict of str to FittedModel
    fields : dict
        :func:`~symbreak.tasks.fields_readout.read_fields` of the relaxed model.
    seconds : float
    """

    kind: ClassVar[str] = "fields"

    settings: FieldSettings
    problem: FieldProblem = dataclasses.field(repr=False)
    models: dict[str, FittedModel]
    fields: dict[str, Any]
    seconds: float

    def payload(self) -> dict[str, Any]:
        p = self.problem
        entries = {label: fitted.to_dict() for label, fitted in self.models.items()}
        histories = {label: entry.pop("history") for label, entry in entries.items()}
        return {
            "settings": {**dataclasses.asdict(self.settings), "E": p.E.tolist(), "B": p.B.tolist()},
            "data": {"samples": len(p.forces), "mean_squared_force": p.mean_squared_force, **p.scales},
            "trajectory": {"positions": p.trajectory.positions, "dt": self.settings.dt},
            "histories": histories,
            **entries,
            "fields": self.fields,
            "force_tolerance": FORCE_TOLERANCE,
            "verdict": self.verdict,
            "seconds": self.seconds,
        }

    @property
    def relative_errors(self) -> dict[str, float]:
        """RMS force error over the RMS force, per model (training data)."""
        return {label: math.sqrt(fitted.metrics["mse_relative"]) for label, fitted in self.models.items()}

    @property
    def fits(self) -> dict[str, bool]:
        """Whether each model's relative force error is within :data:`FORCE_TOLERANCE`."""
        return {label: error <= FORCE_TOLERANCE for label, error in self.relative_errors.items()}

    @property
    def verdict(self) -> str:
        """Whether each model fitted the forces: RMS force error / RMS force (see :data:`FORCE_TOLERANCE`)."""
        return fit_verdict(self.relative_errors, FORCE_TOLERANCE, "RMS force error / RMS force")

    def summary(self) -> str:
        f = self.fields
        rows = [("", "true", "learned (unit)", "angle (°)", "|true|", "|learned|")]
        for name in ("E", "B"):
            true, learned, angle = f[f"{name}_true"], f[f"{name}_learned"], f[f"{name}_angle_deg"]
            rows.append((
                name,
                "0" if true is None else ", ".join(f"{v:.3g}" for v in true),
                "-" if learned is None else ", ".join(f"{v:.4f}" for v in learned),
                "-" if angle is None else f"{angle:.2e}",
                f"{f[f'{name}_magnitude']['true']:.4g}", f"{f[f'{name}_magnitude']['learned']:.4g}",
            ))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        table = "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows)
        line = f"training MSE / mean squared force: relaxed {self.models['relaxed'].metrics['mse_relative']:.1e}"
        if "equivariant" in self.models:
            line += f", equivariant {self.models['equivariant'].metrics['mse_relative']:.1e}"
        return "\n".join(["[bold]fields read out of the relaxed weights[/]", table, line, self.verdict,
                          *convergence_notes(self.models, self.fits)])

    def figures(self, out_dir: str | Path) -> list[Path]:
        return plot_fields(self.to_dict(), out_dir)


def run_fields(
    E,
    B,
    settings: FieldSettings | None = None,
    *,
    baseline: bool = True,
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    checkpoint_every: int = 50,
    **overrides: Any,
) -> FieldsResult:
    """Simulate, train the relaxed network (and the equivariant baseline), read out E and B.

    Parameters
    ----------
    E, B : array-like, shape ``(3,)``
        The true fields (one of them may be zero).
    settings : FieldSettings, optional
    baseline : bool
        Also train the equivariant baseline.
    progress : bool
        Show progress bars.
    checkpoint_dir, resume, checkpoint_every
        Checkpoints ``relaxed.pt`` / ``equivariant.pt`` (atomic) and resuming.
    **overrides
        Fields of :class:`FieldSettings` (``q``, ``m``, ``steps``, ``epochs``,
        ``batch_size``, ``seed``...) replacing those of ``settings``.
    """
    settings = settings or FieldSettings()
    known = {f.name for f in dataclasses.fields(FieldSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
    settings = dataclasses.replace(settings, **overrides)
    started = time.perf_counter()
    problem = FieldProblem(E, B, settings)
    spec = {**dataclasses.asdict(settings), "E": problem.E.tolist(), "B": problem.B.tolist()}
    if checkpoint_dir is not None:
        _check_checkpoint_dir(Path(checkpoint_dir), spec, resume)
    models = fit_models(
        problem, settings.train_settings(checkpoint_every), baseline=baseline, progress=progress,
        checkpoint_dir=checkpoint_dir, resume=resume,
    )
    fields = read_fields(models["relaxed"].model, problem)
    return FieldsResult(settings, problem, models, fields, time.perf_counter() - started)
