"""Point sets with known symmetry for the detection tests."""

from __future__ import annotations

import itertools

import numpy as np

PHI = (1.0 + np.sqrt(5.0)) / 2.0


def cube() -> np.ndarray:
    return np.array(list(itertools.product([-1.0, 1.0], repeat=3)))


def octahedron() -> np.ndarray:
    return np.concatenate([np.eye(3), -np.eye(3)])


def tetrahedron() -> np.ndarray:
    return np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)


def square() -> np.ndarray:
    """Square in the xy-plane with edges along x and y."""
    return np.array([[1, 1, 0], [-1, 1, 0], [-1, -1, 0], [1, -1, 0]], dtype=float)


def rectangle() -> np.ndarray:
    return square() * [1.0, 2.0, 1.0]


def rectangular_prism() -> np.ndarray:
    """Square base along x, y; elongated along z."""
    return cube() * [1.0, 1.0, 2.0]


def icosahedron() -> np.ndarray:
    out = []
    for s1 in (-1.0, 1.0):
        for s2 in (-1.0, 1.0):
            out += [[0.0, s1, s2 * PHI], [s1, s2 * PHI, 0.0], [s2 * PHI, 0.0, s1]]
    return np.array(out)


def prism(n: int, half_height: float = 1.0) -> np.ndarray:
    """Regular n-gon prism, vertices at angles 2πk/n in the planes z = ±half_height."""
    a = 2 * np.pi * np.arange(n) / n
    ring = np.stack([np.cos(a), np.sin(a), np.zeros(n)], axis=1)
    return np.concatenate([ring + [0, 0, half_height], ring - [0, 0, half_height]])


def _spherical(r: float, theta: float, phi: float) -> list[float]:
    return [r * np.sin(theta) * np.cos(phi), r * np.sin(theta) * np.sin(phi), r * np.cos(theta)]


# azimuths chosen so that no pair differs by nearly a multiple of π/n (n <= 24): no
# accidental mirror planes common to all seeds
_SEEDS = np.array([_spherical(1.0, 1.1, 4.729), _spherical(1.4, 0.7, 4.838),
                   _spherical(1.9, 1.9, 1.263), _spherical(2.3, 2.5, 3.1)])


def orbit(matrices: np.ndarray) -> np.ndarray:
    """Union of the orbits of generic points (different radii) under the matrices.

    Three seeds (four for groups of order <= 2, whose orbits of three points are planar).
    """
    seeds = _SEEDS if len(matrices) <= 2 else _SEEDS[:3]
    pts = np.einsum("gij,pj->gpi", matrices, seeds).reshape(-1, 3)
    return pts


def nearest_distance(points: np.ndarray) -> float:
    d = np.linalg.norm(points[:, None] - points[None], axis=2)
    return float(d[~np.eye(len(points), dtype=bool)].min())


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q
