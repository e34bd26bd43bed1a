"""Point sets: the built-in shapes and shapes read from files, centred on their centroids.

Kept free of torch so that naming the point group of a shape (``symbreak symmetry cube``)
starts fast.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ._validation import as_points
from .io import load_points

__all__ = ["Shape", "BUILTIN_SHAPES", "builtin_shape", "resolve_shape"]


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
