"""Shared helpers of the point-group network tests: groups in frames nobody chose, random graphs."""

from __future__ import annotations

import numpy as np
import torch

from symbreak.symmetry import PointGroup


def orbit_points(name: str, seeds: int = 2, rng=None) -> np.ndarray:
    """Orbits of a few generic points under the named group: a point set whose symmetry is
    exactly that group (one orbit of C_n alone would be a regular polygon, C_nv)."""
    rng = np.random.default_rng(0) if rng is None else rng
    mats = PointGroup.from_name(name).matrices
    starts = rng.normal(size=(seeds, 3))
    return np.concatenate([mats @ s for s in starts])


def rotated_group(name: str, seed: int) -> PointGroup:
    """``name`` found from a randomly rotated point set (its own frame, not the standard one)."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    group = PointGroup.from_points(orbit_points(name, rng=rng) @ q.T, tol=0.01)
    assert group.name == name and not group.is_standard
    return group


def random_graph(generator, num_nodes=6):
    positions = torch.randn(num_nodes, 3, generator=generator, dtype=torch.float64)
    pairs = [(j, i) for i in range(num_nodes) for j in range(num_nodes) if i != j]
    edge_index = torch.tensor(pairs).T
    return edge_index, positions[edge_index[0]] - positions[edge_index[1]]


def randomise(module, generator) -> None:
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=parameter.dtype))
