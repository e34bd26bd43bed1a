"""The point-group argument of the tensor functions: a ``PointGroup``, a name, or a structure."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..symmetry import HERMANN_MAUGUIN, PointGroup

__all__ = ["as_point_group", "hermann_mauguin"]

# first Hermann–Mauguin spelling of each crystallographic group ("-42m" before "-4m2")
_HM_OF: dict[str, str] = {}
for _hm, _schoenflies in HERMANN_MAUGUIN.items():
    _HM_OF.setdefault(_schoenflies, _hm)


def hermann_mauguin(group: PointGroup) -> str | None:
    """Hermann–Mauguin symbol of a crystallographic group (``"6/mmm"``), None for others."""
    return _HM_OF.get(group.name)


def as_point_group(group: Any, symprec: float = 1e-3, tol: float = 0.1) -> PointGroup:
    """``group`` as a :class:`~symbreak.symmetry.PointGroup`.

    Parameters
    ----------
    group : PointGroup, str or ase.Atoms
        A group; a Hermann–Mauguin (``"6/mmm"``, ``"m-3m"``, ``"-42m"``) or Schoenflies
        (``"D6h"``) name, giving the group in standard orientation (principal axis z, C2' or the
        normal of a σv along x; see ``docs/symmetry.md``); or an ``ase.Atoms``: a periodic
        structure's point group is found with :meth:`PointGroup.from_atoms` (spglib, ``symprec``
        in Å), a molecule's (``pbc`` all False) with :meth:`PointGroup.from_points` (``tol``,
        relative to the nearest-neighbour distance, atoms of different elements never swapped),
        both in the structure's own Cartesian frame.
    """
    if isinstance(group, PointGroup):
        return group
    if isinstance(group, str):
        return PointGroup.from_name(group)
    if hasattr(group, "get_scaled_positions") and hasattr(group, "pbc"):  # ase.Atoms, duck-typed
        if not np.any(group.pbc):
            return PointGroup.from_points(group.get_positions(), tol=tol, species=group.get_chemical_symbols())
        return PointGroup.from_atoms(group, symprec=symprec)
    if isinstance(group, np.ndarray):
        raise ValueError("group: pass a PointGroup, a point-group name or an ase.Atoms, not an array of matrices")
    raise ValueError(
        f"group: expected a PointGroup, a point-group name like '6/mmm' or 'D6h', or an ase.Atoms; "
        f"got {type(group).__name__}"
    )
