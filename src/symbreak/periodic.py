"""Periodic graphs: neighbours within a cutoff under periodic boundary conditions.

Conventions (the same as :mod:`symbreak.graph`):

- ``cell`` holds the lattice vectors as **rows** (ASE's convention), so the Cartesian
  position of fractional coordinates ``s`` is ``s @ cell``.
- An edge ``(source j, target i)`` carries a message from ``j`` to ``i``. Its integer
  image shift ``S`` (three integers) says which periodic image of ``j`` is meant, and its
  vector points from the receiving atom to that image:

  .. math:: \\mathbf r_{ji} = \\mathbf x_j - \\mathbf x_i + S\\,L

  with :math:`L` = ``cell``.
- Full neighbour lists: every pair appears in both directions, ``(j, i, S)`` and
  ``(i, j, -S)``. A cutoff larger than the cell is allowed; an atom then neighbours its own
  periodic images (``source == target``, ``S != 0``).
"""

from __future__ import annotations

import numpy as np
import torch

from ._optional import require
from ._validation import as_points

__all__ = ["periodic_radius_graph", "periodic_edge_vectors", "as_cell", "as_pbc"]


def as_cell(cell, name: str = "cell") -> np.ndarray:
    """A finite float64 ``(3, 3)`` array (rows = lattice vectors); also accepts ase's ``Cell``."""
    if hasattr(cell, "array"):
        cell = cell.array
    if isinstance(cell, torch.Tensor):
        cell = cell.detach().cpu().numpy()
    try:
        array = np.asarray(cell, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: cannot read as an array of numbers ({error})") from None
    if array.shape != (3, 3):
        raise ValueError(f"{name}: expected a 3x3 matrix (rows = lattice vectors), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: entries must be finite numbers")
    return array


def as_pbc(pbc, name: str = "pbc") -> np.ndarray:
    """Periodicity per lattice direction as a bool array of shape ``(3,)``; a single bool applies to all."""
    array = np.asarray(pbc)
    if array.ndim == 0:
        array = np.repeat(array, 3)
    if array.shape != (3,) or array.dtype.kind not in "biu" or not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name}: expected a bool or three bools, got {pbc!r}")
    return array.astype(bool)


def periodic_radius_graph(
    positions,
    cell,
    pbc=True,
    cutoff: float = 5.0,
    self_loops: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """All pairs closer than ``cutoff`` under periodic boundary conditions, with image shifts.

    Parameters
    ----------
    positions : array-like or torch.Tensor, shape ``(N, 3)``
        Cartesian positions (Å); they need not lie inside the cell.
    cell : array-like, shape ``(3, 3)``
        Lattice vectors as rows; any (triclinic) cell. Must be non-singular along the
        periodic directions.
    pbc : bool or sequence of 3 bools
        Periodicity along each lattice vector.
    cutoff : float
        Pairs (including an atom and its own images) with distance ``< cutoff`` are
        connected, in both directions. May exceed the cell size.
    self_loops : bool
        Also add the edge ``(i, i)`` with zero shift (zero vector) for every atom.

    Returns
    -------
    edge_index : torch.LongTensor, shape ``(2, E)``
        ``(source, target)``, sorted by target, then source, then shift.
    shifts : torch.LongTensor, shape ``(E, 3)``
        Integer image shifts ``S``: the edge vector is
        ``positions[source] - positions[target] + S @ cell``
        (:func:`periodic_edge_vectors`).

    Raises
    ------
    ValueError
        For positions that are not ``(N, 3)`` finite numbers, a cell that is not a finite
        ``(3, 3)`` matrix or is singular along a periodic direction, a bad ``pbc``, or a
        cutoff that is not a positive finite number.
    """
    if isinstance(positions, torch.Tensor):
        positions = positions.detach().cpu().numpy()
    points = as_points(positions, name="positions")
    lattice = as_cell(cell)
    periodic = as_pbc(pbc)
    if not (isinstance(cutoff, (int, float, np.floating, np.integer)) and np.isfinite(cutoff) and cutoff > 0):
        raise ValueError(f"cutoff must be a positive finite number, got {cutoff!r}")
    if periodic.any():
        vectors = lattice[periodic]
        # Gram determinant: zero iff the periodic lattice vectors are linearly dependent.
        gram = np.linalg.det(vectors @ vectors.T)
        scale = np.prod(np.sum(vectors**2, axis=1))
        if not gram > 1e-12 * scale or scale == 0:
            raise ValueError(
                "cell: the lattice vectors along the periodic directions are (nearly) linearly "
                f"dependent or zero (pbc={periodic.tolist()}, cell={lattice.tolist()})"
            )
    box = lattice if periodic.any() else np.zeros((3, 3))
    # vesin: a maintained cell-list neighbour search (see DEPENDENCIES.md).
    # Its convention D = x[j] - x[i] + S @ box, so (source, target) = (j, i).
    vesin = require("vesin", "the periodic neighbour search")
    i, j, s = vesin.NeighborList(cutoff=float(cutoff), full_list=True).compute(
        points=points, box=box, periodic=periodic.tolist(), quantities="ijS"
    )
    source = np.asarray(j, dtype=np.int64)
    target = np.asarray(i, dtype=np.int64)
    shifts = np.asarray(s, dtype=np.int64).reshape(-1, 3)
    if self_loops:
        nodes = np.arange(len(points), dtype=np.int64)
        source = np.concatenate([source, nodes])
        target = np.concatenate([target, nodes])
        shifts = np.concatenate([shifts, np.zeros((len(points), 3), dtype=np.int64)])
    order = np.lexsort((shifts[:, 2], shifts[:, 1], shifts[:, 0], source, target))
    edge_index = torch.from_numpy(np.stack([source[order], target[order]]))
    return edge_index, torch.from_numpy(np.ascontiguousarray(shifts[order]))


def periodic_edge_vectors(
    positions: torch.Tensor,
    cell: torch.Tensor,
    edge_index: torch.Tensor,
    shifts: torch.Tensor,
) -> torch.Tensor:
    """Edge vectors ``positions[source] - positions[target] + shifts @ cell``, shape ``(E, 3)``.

    Differentiable in ``positions`` and ``cell`` (both tensors of the same floating dtype;
    ``cell`` rows = lattice vectors). ``shifts`` are the integer image shifts of
    :func:`periodic_radius_graph`.
    """
    if not isinstance(positions, torch.Tensor) or not isinstance(cell, torch.Tensor):
        raise ValueError("positions and cell must be torch tensors (use torch.as_tensor)")
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise ValueError(f"positions: expected shape (N, 3), got {tuple(positions.shape)}")
    if cell.shape != (3, 3):
        raise ValueError(f"cell: expected shape (3, 3), got {tuple(cell.shape)}")
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index: expected shape (2, E), got {tuple(edge_index.shape)}")
    if shifts.shape != (edge_index.shape[1], 3):
        raise ValueError(f"shifts: expected shape ({edge_index.shape[1]}, 3), got {tuple(shifts.shape)}")
    source, target = edge_index
    return positions[source] - positions[target] + shifts.to(cell.dtype) @ cell
