"""One entry point that turns what a user calls a symmetry into a :class:`PointGroup` value."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._identify import IdentificationError, identify
from .group import PointGroup

__all__ = ["as_point_group", "trivial_irrep"]


def as_point_group(symmetry: Any, atol: float = 1e-6) -> PointGroup:
    """A :class:`PointGroup` from a group, a name or a stack of 3×3 orthogonal matrices.

    Parameters
    ----------
    symmetry : PointGroup or str or array-like, shape ``(order, 3, 3)``
        A group (returned as is, in its own orientation), a Schoenflies or Hermann–Mauguin
        name (standard orientation), or the operations themselves in any orientation.
        Matrices must be orthogonal, contain the identity and be closed under products:
        they are then named and oriented (:func:`~symbreak.symmetry._identify.identify`).
    atol : float
        Entry-wise tolerance of the orthogonality, closure and naming checks.

    Raises
    ------
    ValueError
        For an unknown name, matrices that are not orthogonal 3×3, or a set that is not a group
        (the message names a product that falls outside the set).
    """
    if isinstance(symmetry, PointGroup):
        return symmetry
    if isinstance(symmetry, str):
        return PointGroup.from_name(symmetry)
    try:
        mats = np.asarray(symmetry, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"symmetry must be a PointGroup, a group name or an array of 3x3 matrices, got {type(symmetry).__name__}"
        ) from None
    if mats.ndim == 2:
        mats = mats[None]
    if mats.ndim != 3 or mats.shape[1:] != (3, 3) or len(mats) == 0:
        raise ValueError(f"symmetry matrices must have shape (order, 3, 3), got {mats.shape}")
    if not np.all(np.isfinite(mats)):
        raise ValueError("symmetry matrices must be finite numbers")
    gram = np.einsum("gij,gkj->gik", mats, mats)
    bad = np.flatnonzero(np.abs(gram - np.eye(3)).reshape(len(mats), 9).max(axis=1) > atol)
    if bad.size:
        raise ValueError(f"symmetry matrix {bad[0]} is not orthogonal (M Mᵀ ≠ I): point-group operations are")
    flat = mats.reshape(len(mats), 9)
    if np.abs(flat - np.eye(3).reshape(9)).max(axis=1).min() > atol:
        raise ValueError("symmetry matrices do not form a group: the identity is missing")
    products = np.einsum("aij,bjk->abik", mats, mats).reshape(len(mats), len(mats), 9)
    distance = np.abs(products[:, :, None, :] - flat[None, None]).max(axis=3).min(axis=2)
    outside = np.argwhere(distance > atol)
    if outside.size:
        a, b = outside[0]
        raise ValueError(
            f"symmetry matrices do not form a group: the product of matrices {a} and {b} is not among them "
            "(a point group must be closed under multiplication)"
        )
    pairwise = np.abs(flat[:, None] - flat[None]).max(axis=2) + np.eye(len(mats)) * (1 + atol)
    if pairwise.min() <= atol:  # duplicates would give the group a wrong order and wrong projectors
        raise ValueError("symmetry matrices contain the same operation twice")
    try:
        name, frame, _ = identify(mats, atol=atol)
    except IdentificationError as error:
        raise ValueError(f"symmetry matrices form a group that cannot be named: {error}") from None
    return PointGroup(name, frame=frame)


def trivial_irrep(group: PointGroup) -> str:
    """Label of the trivial (totally symmetric) irrep of ``group``: A1g, A1, A', Ag, A..."""
    for label, row in zip(group.real_irrep_labels, group.real_character_table):
        if np.allclose(row, 1.0):
            return label
    raise AssertionError(f"{group.name} has no trivial irrep")  # pragma: no cover
