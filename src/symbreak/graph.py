"""Graphs of point sets: neighbours within a cutoff, edge vectors, self loops.

Convention (used by every layer): an edge ``(source j, target i)`` carries a message
from ``j`` to ``i``, and its vector is ``x_j - x_i``, pointing from the receiving
node to its neighbour.
"""

from __future__ import annotations

import numpy as np
import torch

from ._optional import require
from ._validation import as_points

__all__ = ["radius_graph", "edge_vectors", "isolated_nodes", "self_loops"]


def radius_graph(points, cutoff: float, *, self_loops: bool = False) -> torch.Tensor:
    """Edges between all pairs of distinct points closer than ``cutoff`` (open boundaries).

    Parameters
    ----------
    points : array-like or torch.Tensor, shape ``(N, 3)``
    cutoff : float
        Pairs with distance ``< cutoff`` are connected, in both directions.
    self_loops : bool
        Also add the edge ``(i, i)`` of every node (zero vector).

    Returns
    -------
    torch.LongTensor, shape ``(2, E)``
        ``(source, target)``, sorted by target then source.
    """
    if isinstance(points, torch.Tensor):
        points = points.detach().cpu().numpy()
    array = as_points(points)
    if not cutoff > 0:
        raise ValueError(f"cutoff must be > 0, got {cutoff!r}")
    # vesin: a maintained O(N) cell-list neighbour search (see DEPENDENCIES.md).
    vesin = require("vesin", "the neighbour search of point sets")
    i, j = vesin.NeighborList(cutoff=float(cutoff), full_list=True).compute(
        points=array, box=np.zeros((3, 3)), periodic=False, quantities="ij"
    )
    edge_index = torch.from_numpy(np.stack([j, i]).astype(np.int64))
    if self_loops:
        edge_index = torch.cat([edge_index, _self_loops(array.shape[0])], dim=1)
    order = np.lexsort((edge_index[0].numpy(), edge_index[1].numpy()))
    return edge_index[:, torch.from_numpy(order)]


def self_loops(num_nodes: int) -> torch.Tensor:
    """The edges ``(i, i)`` of ``num_nodes`` nodes, shape ``(2, N)``: a graph of self-interactions."""
    return _self_loops(num_nodes)


def _self_loops(num_nodes: int) -> torch.Tensor:
    nodes = torch.arange(num_nodes, dtype=torch.int64)
    return torch.stack([nodes, nodes])


def edge_vectors(positions: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """``positions[source] - positions[target]``, shape ``(E, 3)``; differentiable in positions."""
    source, target = edge_index
    return positions[source] - positions[target]


def isolated_nodes(edge_index: torch.Tensor, num_nodes: int) -> np.ndarray:
    """Indices of nodes that receive no message from another node (self loops do not count)."""
    source, target = edge_index
    has_neighbour = np.zeros(num_nodes, dtype=bool)
    has_neighbour[target[source != target].cpu().numpy()] = True
    return np.flatnonzero(~has_neighbour)
