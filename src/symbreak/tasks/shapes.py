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
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._validation import as_points
from ..analysis import breaking_analysis
from ..graph import edge_vectors, isolated_nodes, radius_graph
from ..io import load_points
from ..nn import RelaxedNetwork
from ..signals import points_to_signals, signal_irreps, signals_to_points
from ..symmetry import PointGroup
from ._fitting import fit_model
from ..train import TrainSettings
from ..theta import theta_report

__all__ = [
    "Shape",
    "ShapeSettings",
    "ShapeProblem",
    "BUILTIN_SHAPES",
    "builtin_shape",
    "resolve_shape",
    "run_shapes",
]


def _cube() -> np.ndarray:
    return np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])


def _random8() -> np.ndarray:
    # The asymmetric 8-point shape of the reference experiment (Hofgard et al. 2024,
    # Fig. 1): half lengths 0.6, 0.75, 0.9 times per-vertex factors.
    h = np.array([0.6, 0.75, 0.9])
    factors = np.array(
        [
            [-1, -1, -1],
            [1, -1, -1],
            [0.8, 1.2, -0.6],
            [-1.2, 0.8, -1.4],
            [-0.7, -1.3, 1],
            [1.3, -0.7, 0.5],
            [1, 1, 1],
            [-1, 1, 1],
        ]
    )
    # Listed in the cube's vertex order (x slowest, z fastest) so vertex i of the
    # cube maps onto vertex i of this shape as in the reference.
    reference_cube_order = np.array(
        [[-1, -1, -1], [1, -1, -1], [1, 1, -1], [-1, 1, -1], [-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]]
    )
    ours = np.sign(_cube())
    permutation = [int(np.flatnonzero((reference_cube_order == v).all(axis=1))[0]) for v in ours]
    return (factors * h)[permutation]


def _prism() -> np.ndarray:
    return _cube() * np.array([0.5, 0.5, 2.0])


def _square() -> np.ndarray:
    return np.array([[x, y, 0.0] for x in (-0.5, 0.5) for y in (-0.5, 0.5)])


def _rectangle() -> np.ndarray:
    return _square() * np.array([1.2, 0.8, 1.0])


def _octahedron() -> np.ndarray:
    return np.concatenate([np.eye(3), -np.eye(3)]) * 0.5


def _tetrahedron() -> np.ndarray:
    cube = _cube()
    return cube[np.prod(np.sign(cube), axis=1) > 0]


BUILTIN_SHAPES = {
    "cube": (_cube, "cube of edge 1 (Oh)"),
    "prism": (_prism, "cube scaled by (0.5, 0.5, 2): square prism along z (D4h)"),
    "random": (_random8, "the asymmetric 8-point shape of Hofgard et al. 2024 (C1)"),
    "square": (_square, "square of edge 1 in the xy-plane, edges along x and y (D4h)"),
    "rectangle": (_rectangle, "the square scaled by (1.2, 0.8): long along x (D2h)"),
    "octahedron": (_octahedron, "6 points at ±0.5 on each axis (Oh)"),
    "tetrahedron": (_tetrahedron, "alternate vertices of the cube (Td)"),
}


@dataclasses.dataclass(frozen=True)
class Shape:
    """A named point set, centred on its centroid.

    Attributes
    ----------
    name : str
        Built-in name or file path.
    points : np.ndarray, shape ``(N, 3)``
    """

    name: str
    points: np.ndarray

    @property
    def size(self) -> float:
        """Largest distance of a point from the centroid (the length errors are measured in)."""
        return float(np.linalg.norm(self.points, axis=1).max())


def builtin_shape(name: str) -> Shape:
    """One of :data:`BUILTIN_SHAPES`, by name."""
    if name not in BUILTIN_SHAPES:
        raise ValueError(
            f"unknown shape {name!r}: expected a built-in name ({', '.join(BUILTIN_SHAPES)}) "
            "or a file (.xyz, .extxyz, .npy, .csv)"
        )
    return _centred(name, BUILTIN_SHAPES[name][0]())


def resolve_shape(spec: str | Path | np.ndarray, name: str | None = None) -> Shape:
    """A shape from a built-in name, a file path, or an ``(N, 3)`` array."""
    if isinstance(spec, (str, Path)):
        text = str(spec)
        if text in BUILTIN_SHAPES:
            return builtin_shape(text)
        if not Path(text).exists():
            if Path(text).suffix:
                raise ValueError(f"{text}: no such file")
            return builtin_shape(text)
        return _centred(name or text, load_points(text))
    return _centred(name or "points", as_points(spec))


def _centred(name: str, points: np.ndarray) -> Shape:
    points = as_points(points, name=name)
    return Shape(name, points - points.mean(axis=0))


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
    epochs, lr, penalty, penalty_weight, seed : see :class:`~symbreak.train.TrainSettings`.
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
    penalty_weight: float = 1e-6
    seed: int = 0

    def __post_init__(self) -> None:
        if self.signal not in ("position", "displacement"):
            raise ValueError(f"signal must be 'position' or 'displacement', got {self.signal!r}")
        for name in ("lmax_signal", "lmax_sh", "lmax_relaxed"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")

    def train_settings(self, checkpoint_every: int = 0) -> TrainSettings:
        """:class:`~symbreak.train.TrainSettings` of the fields shared by name."""
        return TrainSettings.from_task(self, checkpoint_every=checkpoint_every)


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
        self.inputs = torch.ones(len(source.points), 1, dtype=torch.float64)
        self.offsets = source.points if settings.signal == "displacement" else np.zeros_like(source.points)
        self.targets = points_to_signals(target.points - self.offsets, settings.lmax_signal)

    def build_model(self, relaxed: bool) -> RelaxedNetwork:
        """The relaxed network, or (``relaxed=False``) its equivariant baseline; float64, seeded."""
        s = self.settings
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s.seed)
            model = RelaxedNetwork(
                "0e",
                s.irreps_hidden,
                signal_irreps(s.lmax_signal),
                s.lmax_sh,
                s.lmax_relaxed if relaxed else None,
                num_layers=s.num_layers,
                cutoff=self.cutoff,
            )
        return model.to(torch.float64)

    def predict(self, model: torch.nn.Module) -> torch.Tensor:
        """Predicted signals ``(N, (lmax_signal+1)^2)``."""
        return model(self.inputs, self.edge_index, self.edge_vec)

    def loss(self, model: torch.nn.Module, batch: Any = None) -> torch.Tensor:
        """Mean squared error over nodes and signal components."""
        return (self.predict(model) - self.targets).pow(2).mean()

    def evaluate(self, model: torch.nn.Module) -> dict[str, float]:
        """``loss`` (SH-MSE) and ``vertex_error``: max distance of a recovered vertex to its
        target, divided by the target's size."""
        with torch.no_grad():
            prediction = self.predict(model)
            mse = (prediction - self.targets).pow(2).mean().item()
        recovered = signals_to_points(prediction, self.settings.lmax_signal).numpy() + self.offsets
        error = np.linalg.norm(recovered - self.target.points, axis=1).max() / self.target.size
        return {"loss": mse, "vertex_error": float(error), "recovered": recovered}


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
) -> dict[str, Any]:
    """Train the relaxed network (and the equivariant baseline) on source → target.

    Returns
    -------
    dict
        The report: ``source``, ``target``, ``settings``, ``relaxed`` (``loss``,
        ``vertex_error``, ``seconds``, ``theta`` per layer, ``history``), with
        ``baseline`` ``equivariant``, and ``breaking`` (:func:`~symbreak.analysis.breaking_analysis`
        of all layers' θ in the source's point group: decomposition, residual group,
        whether it contains the target's group). Point groups are detected with
        :meth:`PointGroup.from_points` at its default tolerance. JSON-serialisable apart from the
        ``"_models"`` entry (the trained networks), which callers may pop.
    """
    source = source if isinstance(source, Shape) else resolve_shape(source)
    target = target if isinstance(target, Shape) else resolve_shape(target)
    problem = ShapeProblem(source, target, settings)
    checkpoint = None if checkpoint_dir is None else Path(checkpoint_dir)

    source_group = PointGroup.from_points(source.points)
    target_group = PointGroup.from_points(target.points)
    report: dict[str, Any] = {
        "source": {"name": source.name, "points": source.points.tolist(), "point_group": source_group.name},
        "target": {"name": target.name, "points": target.points.tolist(), "point_group": target_group.name},
        "settings": {**dataclasses.asdict(settings), "cutoff": problem.cutoff},
        "_models": {},
    }
    runs = [True, False] if baseline else [True]
    for relaxed in runs:
        model, result = fit_model(
            problem, relaxed, problem.settings.train_settings(checkpoint_every),
            progress=progress, checkpoint_dir=checkpoint, resume=resume,
        )
        metrics = problem.evaluate(model)
        entry = {
            "loss": metrics["loss"],
            "vertex_error": metrics["vertex_error"],
            "recovered_points": metrics["recovered"].tolist(),
            "best_epoch": result.best_epoch,
            "seconds": result.seconds,
            "history": result.history["data_loss"],
        }
        if relaxed:
            entry["theta"] = theta_report(model)
            report["breaking"] = breaking_analysis(
                [(theta.weight, theta.irreps) for theta in model.relaxed_weights()],
                source_group,
                target_group,
            )
        report["relaxed" if relaxed else "equivariant"] = entry
        report["_models"]["relaxed" if relaxed else "equivariant"] = model
    return report
