"""Shape deformation (Hofgard et al. 2024, §5.1): learn to map one point set onto another.

Every node of the source shape gets the same scalar input 1; the network must
output, at node ``i``, the signal of target vertex ``i`` (:func:`points_to_signals`,
``lmax = 2``). Both shapes are centred on their centroids, so the task is defined up
to a translation. An equivariant network can only output signals at least as
symmetric as the source (Curie's principle); the relaxed network learns θ that
breaks exactly the symmetry the target lacks.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from .._dtype import default_dtype
from ..analysis import BreakingAnalysis, breaking_analysis, deformation_decomposition, noise_tolerances
from ..graph import edge_vectors, isolated_nodes, radius_graph
from ..nn import RelaxedNetwork, average_num_neighbors
from ..point_sets import BUILTIN_SHAPES, Shape, builtin_shape, resolve_shape
from ..results import Result, fit_verdict, format_number
from ..run import FittedModel, convergence_notes, fit_models
from ..signals import points_to_signals, signal_irreps, signals_to_points
from ..symmetry import PointGroup
from ..train import TrainSettings

__all__ = [
    "Shape",
    "ShapeSettings",
    "ShapeProblem",
    "BUILTIN_SHAPES",
    "builtin_shape",
    "resolve_shape",
    "run_shapes",
    "ShapesResult",
    "VERTEX_TOLERANCE",
    "matching_tolerance",
    "naming_tolerances",
    "deformation_shares",
    "group_text",
]


CLEAN_PENALTY_WEIGHT = 1e-6
"""Default λ of the group-norm penalty on θ for noise-free shapes."""


@dataclasses.dataclass(frozen=True)
class ShapeSettings:
    """Model and training settings of the shapes experiment.

    Attributes
    ----------
    lmax_signal : int
        Degree of the vertex signals the network outputs (paper: 2).
    lmax_sh : int
        Degree of the edge spherical harmonics.
    lmax_relaxed : int
        θ has every irrep up to this degree with both parities (paper: 4).
    irreps_hidden : str
        Hidden irreps (only the reachable ones are used, so the equivariant
        baseline has no odd-parity hidden features from a scalar input).
    num_layers : int
    cutoff : float or None
        Neighbour cutoff; ``None``: 1.01 × the largest distance (every pair).
    signal : {"position", "displacement"}
        What vertex ``i``'s signal encodes: the target vertex seen from the centroid
        (Hofgard et al. 2024) or its displacement from source vertex ``i`` (Smidt et al. 2021).
    epochs, lr, penalty, seed : see :class:`~symbreak.train.TrainSettings`.
    penalty_weight : float or None
        λ of the group-norm penalty on θ. ``None``: :data:`CLEAN_PENALTY_WEIGHT` (1e-6), raised
        to σ² for noisy data, σ the largest deviation of the detected point groups relative
        to the shapes' size: fitting noise of that size gains about σ² in the loss, so a
        penalty of that order keeps θ from spreading over irreps only the noise needs.
    symmetry_tol : float
        Tolerance of the point-group detection of both shapes, as a fraction of the
        nearest-neighbour distance (:meth:`PointGroup.from_points`' ``tol``); raise it for noisy data.
    """

    lmax_signal: int = 2
    lmax_sh: int = 2
    lmax_relaxed: int = 4
    irreps_hidden: str = "8x0e+8x0o+4x1o+4x1e+4x2e+4x2o"
    num_layers: int = 2
    cutoff: float | None = None
    signal: str = "position"
    epochs: int = 300
    lr: float = 1e-2
    penalty: str = "norm"
    penalty_weight: float | None = None
    seed: int = 0
    symmetry_tol: float = 0.1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.symmetry_tol) and 0 < self.symmetry_tol < 0.5):
            raise ValueError(f"symmetry_tol must be in (0, 0.5) (a fraction of the nearest-neighbour "
                             f"distance), got {self.symmetry_tol!r}")
        if self.signal not in ("position", "displacement"):
            raise ValueError(f"signal must be 'position' or 'displacement', got {self.signal!r}")
        for name in ("lmax_signal", "lmax_sh", "lmax_relaxed"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")

    def resolved_penalty_weight(self, noise: float = 0.0) -> float:
        """λ to train with: the one given, or the default for data of relative noise ``noise``."""
        if self.penalty_weight is not None:
            return self.penalty_weight
        return max(CLEAN_PENALTY_WEIGHT, noise**2)

    def train_settings(self, checkpoint_every: int = 0, noise: float = 0.0) -> TrainSettings:
        """:class:`~symbreak.train.TrainSettings` of the fields shared by name (λ resolved for ``noise``)."""
        return TrainSettings.from_task(self, checkpoint_every=checkpoint_every,
                                       penalty_weight=self.resolved_penalty_weight(noise))


class ShapeProblem:
    """Data of one source → target pair: graph, inputs, target signals, and metrics.

    Parameters
    ----------
    source, target : Shape
        Point ``i`` of the source maps onto point ``i`` of the target.
    settings : ShapeSettings
    """

    def __init__(self, source: Shape, target: Shape, settings: ShapeSettings) -> None:
        if len(source.points) != len(target.points):
            raise ValueError(
                f"source {source.name} has {len(source.points)} points but target {target.name} "
                f"has {len(target.points)}; point i of the source maps onto point i of the target"
            )
        if len(source.points) < 2:
            raise ValueError("a shape needs at least 2 points")
        self.source, self.target, self.settings = source, target, settings
        distances = np.linalg.norm(source.points[:, None] - source.points[None], axis=-1)
        cutoff = settings.cutoff if settings.cutoff is not None else 1.01 * distances.max()
        if not cutoff > 0:
            raise ValueError(f"cutoff must be > 0, got {cutoff}")
        self.cutoff = float(cutoff)
        self.edge_index = radius_graph(source.points, self.cutoff)
        lonely = isolated_nodes(self.edge_index, len(source.points))
        if len(lonely):
            np.fill_diagonal(distances, np.inf)
            needed = distances[lonely].min(axis=1).max()
            raise ValueError(
                f"cutoff {self.cutoff:g} leaves point(s) {', '.join(map(str, lonely[:5]))} of "
                f"{source.name} without neighbours; use a cutoff above {needed:.4g}"
            )
        positions = torch.as_tensor(source.points, dtype=torch.float64)
        self.edge_vec = edge_vectors(positions, self.edge_index)
        # fixed once from this graph: the model's normalisation never depends on a batch
        self.avg_num_neighbors = average_num_neighbors(self.edge_index, len(source.points))
        self.batches = [None]
        self.inputs = torch.ones(len(source.points), 1, dtype=torch.float64)
        self.offsets = source.points if settings.signal == "displacement" else np.zeros_like(source.points)
        self.targets = points_to_signals(target.points - self.offsets, settings.lmax_signal)

    def build_model(self, relaxed: bool) -> RelaxedNetwork:
        """The relaxed network, or (``relaxed=False``) its equivariant baseline; float64, seeded."""
        s = self.settings
        with torch.random.fork_rng(devices=[]), default_dtype(torch.float64):
            torch.manual_seed(s.seed)
            model = RelaxedNetwork(
                "0e",
                s.irreps_hidden,
                signal_irreps(s.lmax_signal),
                s.lmax_sh,
                s.lmax_relaxed if relaxed else None,
                num_layers=s.num_layers,
                cutoff=self.cutoff,
                avg_num_neighbors=self.avg_num_neighbors,
            )
        return model.to(torch.float64)

    def predict(self, model: torch.nn.Module) -> torch.Tensor:
        """Predicted signals ``(N, (lmax_signal+1)^2)``."""
        return model(self.inputs, self.edge_index, self.edge_vec)

    def loss(self, model: torch.nn.Module, batch: Any = None) -> torch.Tensor:
        """Mean squared error over nodes and signal components."""
        return (self.predict(model) - self.targets).pow(2).mean()

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        """``loss`` (SH-MSE), ``vertex_error`` (max distance of a recovered vertex to its
        target, divided by the target's size) and ``recovered_points`` ``(N, 3)``."""
        with torch.no_grad():
            prediction = self.predict(model)
            mse = (prediction - self.targets).pow(2).mean().item()
        recovered = signals_to_points(prediction, self.settings.lmax_signal).numpy() + self.offsets
        error = np.linalg.norm(recovered - self.target.points, axis=1).max() / self.target.size
        return {"loss": mse, "vertex_error": float(error), "recovered_points": recovered}


VERTEX_TOLERANCE = 0.01
"""A model "reaches" the target when every recovered vertex is within this fraction of the
target's size (largest distance from its centroid) of its target vertex."""


@dataclasses.dataclass
class ShapesResult(Result):
    """Result of :func:`run_shapes`.

    Attributes
    ----------
    source, target : Shape
    source_group, target_group : PointGroup
        Point groups of the shapes (detected at :meth:`PointGroup.from_points`' default tolerance).
    settings : ShapeSettings
    cutoff : float
        Neighbour cutoff used.
    models : dict of str to FittedModel
        ``"relaxed"`` and, with the baseline, ``"equivariant"``.
    breaking : BreakingAnalysis
        The θ of all layers named in the source's point group.
    deformation : dict of str to float
        Shares of the deformation itself (target − source displacements) in the real irreps
        of the source's point group (:func:`~symbreak.analysis.deformation_decomposition`).
    noise : float
        The data's noise (:func:`detection_noise`), relative to the shapes' size.
    """

    kind: ClassVar[str] = "shapes"

    source: Shape
    target: Shape
    source_group: PointGroup
    target_group: PointGroup
    settings: ShapeSettings
    cutoff: float
    models: dict[str, FittedModel]
    breaking: BreakingAnalysis
    deformation: dict[str, float] | None
    noise: float = 0.0

    @property
    def vertex_tolerance(self) -> float:
        """:data:`VERTEX_TOLERANCE`, or twice the data's noise if larger (noise is not to be fitted)."""
        return max(VERTEX_TOLERANCE, 2.0 * self.noise)

    @property
    def relaxed(self) -> FittedModel:
        """The relaxed model."""
        return self.models["relaxed"]

    def payload(self) -> dict[str, Any]:
        return {
            "source": {"name": self.source.name, "points": self.source.points,
                       "point_group": self.source_group.name, "max_deviation": self.source_group.max_deviation},
            "target": {"name": self.target.name, "points": self.target.points,
                       "point_group": self.target_group.name, "max_deviation": self.target_group.max_deviation},
            "settings": {**dataclasses.asdict(self.settings), "cutoff": self.cutoff},
            **{label: fitted.to_dict() for label, fitted in self.models.items()},
            "vertex_tolerance": self.vertex_tolerance,
            "noise": self.noise,
            "verdict": self.verdict,
            "breaking": self.breaking.to_dict(),
            "deformation": self.deformation,
        }

    @property
    def fits(self) -> dict[str, bool]:
        """Whether each model's max vertex error is within :attr:`vertex_tolerance`."""
        return {label: m.metrics["vertex_error"] <= self.vertex_tolerance for label, m in self.models.items()}

    @property
    def verdict(self) -> str:
        """Whether each model reached the target, judged on the vertex error (see :data:`VERTEX_TOLERANCE`)."""
        errors = {label: fitted.metrics["vertex_error"] for label, fitted in self.models.items()}
        return fit_verdict(errors, self.vertex_tolerance, "Max vertex error / target size")

    def summary(self) -> str:
        rows = [("", *self.models)]
        rows.append(("SH-MSE (loss)", *(format_number(m.metrics["loss"]) for m in self.models.values())))
        rows.append(("vertex error / size", *(format_number(m.metrics["vertex_error"]) for m in self.models.values())))
        rows.append(("training time (s)", *(f"{m.training.seconds:.1f}" for m in self.models.values())))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        table = "\n".join("  " + "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in
                                            enumerate(zip(row, widths))) for row in rows)
        lines = [f"\n[bold]symbreak shapes: {self.source.name} → {self.target.name}[/] "
                 f"({len(self.source.points)} points; point groups {group_text(self.source_group)} → "
                 f"{group_text(self.target_group)}, tolerance {self.settings.symmetry_tol} × nearest-neighbour "
                 "distance)", table, self.verdict, *convergence_notes(self.models, self.fits),
                 "[bold]Learned symmetry breaking[/] (θ blocks other than 0e; signal with the 0e background removed):"]
        for index, theta in enumerate(self.relaxed.thetas):
            norms = theta.breaking_norms(relative=1e-3)
            lines.append(f"  layer {index}: " + (", ".join(f"{k} {v:.3g}" for k, v in norms.items())
                                                 or "none (θ is a scalar)"))
            if norms:
                lines.append(f"           scalar signal ∝ {theta.polynomial('scalar')}")
                pseudo = theta.polynomial("pseudoscalar")
                if pseudo != "0":
                    lines.append(f"           pseudoscalar signal ∝ {pseudo}")
        lines.append(self.breaking.sentence)
        if self.deformation is None:
            lines.append("The deformation itself could not be decomposed: the source's vertices do not match "
                         f"under {self.source_group.name} within the tolerance.")
        else:
            lines.append(f"The deformation itself (target − source) in irreps of {self.source_group.name}: "
                         + _shares_text(self.deformation, self.source_group.real_irrep_labels[0]))
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import plot_loss_curves, plot_shapes, plot_sphere_signals

        out = Path(out_dir)
        title = f"{self.source.name} → {self.target.name}"
        paths = [plot_loss_curves({k: m.history for k, m in self.models.items()}, out / "loss.png", title)]
        signals = [theta.signal("scalar") for theta in self.relaxed.thetas]
        titles = [f"layer {index}: scalar signal of θ" for index in range(len(signals))]
        paths.append(plot_sphere_signals(signals, titles, out / "theta_signal.png"))
        predictions = {k: np.asarray(m.metrics["recovered_points"]) for k, m in self.models.items()}
        paths.append(plot_shapes(self.source.points, self.target.points, predictions, out / "shapes.png", title))
        return paths


def run_shapes(
    source: str | Path | np.ndarray | Shape,
    target: str | Path | np.ndarray | Shape,
    settings: ShapeSettings = ShapeSettings(),
    *,
    baseline: bool = True,
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    checkpoint_every: int = 100,
) -> ShapesResult:
    """Train the relaxed network (and the equivariant baseline) on source → target, name θ.

    The θ of all layers are decomposed in the source's point group
    (:func:`~symbreak.analysis.breaking_analysis`), whose residual group is checked to
    contain the target's. Point groups are detected with :meth:`PointGroup.from_points`
    at its default tolerance.
    """
    source = source if isinstance(source, Shape) else resolve_shape(source)
    target = target if isinstance(target, Shape) else resolve_shape(target)
    problem = ShapeProblem(source, target, settings)
    source_group = PointGroup.from_points(source.points, tol=settings.symmetry_tol)
    target_group = PointGroup.from_points(target.points, tol=settings.symmetry_tol)
    noise = detection_noise(source, target, source_group, target_group)
    models = fit_models(
        problem, settings.train_settings(checkpoint_every, noise), baseline=baseline, progress=progress,
        checkpoint_dir=checkpoint_dir, resume=resume,
    )
    tol, named_share = naming_tolerances(source, target, source_group, target_group,
                                         fit_error=models["relaxed"].metrics["vertex_error"])
    deformation = deformation_shares(source, target, source_group,
                                     matching_tolerance(source.points, settings.symmetry_tol))
    breaking = breaking_analysis(models["relaxed"].thetas, source_group, target_group, tol=tol,
                                 named_share=named_share, contains_atol=max(1e-3, tol), reference=deformation)
    return ShapesResult(source, target, source_group, target_group, settings, problem.cutoff, models, breaking,
                        deformation, noise)


def group_text(group: PointGroup) -> str:
    """``"Oh (max deviation 0.0031)"``: a detected group with the tolerance it actually needed."""
    return group.name if group.max_deviation is None else f"{group.name} (max deviation {group.max_deviation:.2g})"


def detection_noise(source: Shape, target: Shape, source_group: PointGroup, target_group: PointGroup) -> float:
    """The data's noise: how far the source is from its detected group (its ``max_deviation``),
    relative to the shapes' size.

    Only the source counts: it is taken as symmetric up to noise. The target's deviation
    cannot tell noise from deformation: at a loose tolerance a stretched target is detected
    in a higher group, and its deviation is then the deformation itself.
    """
    size = max(target.size, source.size, 1e-300)
    return (source_group.max_deviation or 0.0) / size


def naming_tolerances(source: Shape, target: Shape, source_group: PointGroup,
                      target_group: PointGroup, fit_error: float = 0.0) -> tuple[float, float]:
    """Stabiliser tolerance and named share for θ learned on these shapes (:func:`noise_tolerances`).

    The noise is the larger of :func:`detection_noise` and ``fit_error`` (the relaxed model's
    max vertex error over the target's size: θ is known only as precisely as it fits), the
    deformation the largest vertex displacement, both relative to the shapes' size."""
    size = max(target.size, source.size, 1e-300)
    deformation = float(np.linalg.norm(target.points - source.points, axis=1).max()) / size
    noise = max(detection_noise(source, target, source_group, target_group), fit_error)
    return noise_tolerances(noise, deformation)


def deformation_shares(source: Shape, target: Shape, group: PointGroup, tol: float) -> dict[str, float] | None:
    """Shares of the deformation itself (target − source) in ``group``'s irreps
    (:func:`~symbreak.analysis.deformation_decomposition`), or ``None`` when the source's
    vertices do not match under ``group`` within ``tol``: an analysis step never loses a result."""
    try:
        return deformation_decomposition(source.points, target.points - source.points, group, tol=tol)
    except ValueError:
        return None


def matching_tolerance(points: np.ndarray, tol: float) -> float:
    """``tol`` × the nearest-neighbour distance, as a fraction of the largest radius: the detection
    tolerance of :meth:`PointGroup.from_points` in the units of :func:`~symbreak.analysis.vertex_permutations`."""
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    return float(tol * distances.min() / max(np.linalg.norm(points, axis=1).max(), 1e-300))


def _shares_text(shares: dict[str, float], trivial: str) -> str:
    """``"Eg 100%"``, breaking irreps first (largest first), then the invariant part, named as such."""
    shown = sorted(((k, v) for k, v in shares.items() if v >= 0.005 and k != trivial), key=lambda kv: -kv[1])
    text = ", ".join(f"{k} {v:.0%}" for k, v in shown) or "nothing breaks the symmetry"
    if shares.get(trivial, 0.0) >= 0.005:
        text += f"; invariant part ({trivial}, breaks nothing) {shares[trivial]:.0%}"
    return text
