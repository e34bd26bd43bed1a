"""Per-atom fields read from a child structure file, for :func:`~symbreak.modes.decompose_field`.

ASE keeps the per-atom columns of a file in ``atoms.arrays``: an extxyz line
``Properties=species:S:1:pos:R:3:initial_magmoms:R:3`` gives ``arrays["initial_magmoms"]``
(N, 3). The names users know are accepted for the two ASE keeps under other names:
``magmoms`` (``initial_magmoms``) and ``charges`` (``initial_charges``).

The O(3) irrep of the field decides how the parent's operations act on it, and cannot be read
from the numbers: three columns may be a polar vector (``1o``, a displacement or a dipole) or an
axial one (``1e``, a magnetic moment). Magnetic moments default to ``1e``, one column to ``0e``;
anything else has to be said. Magnetic moments are also time-odd, which the decomposition uses for
their labels (``mR4+``) and isotropy groups (magnetic space groups).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..structures import load_structure
from .isotypic import parse_irrep

if TYPE_CHECKING:  # pragma: no cover
    import ase

__all__ = ["child_field"]

_ALIASES = {"magmoms": "initial_magmoms", "magmom": "initial_magmoms", "charges": "initial_charges"}
_MAGNETIC = "initial_magmoms"
_STRUCTURAL = ("numbers", "positions", "spacegroup_kinds")  # structure, not fields (the last is ASE's site index)


def child_field(child: Any, name: str, irrep: str | None = None) -> tuple["ase.Atoms", np.ndarray, str, bool]:
    """The child structure, the per-atom array ``name`` of it, the array's O(3) irrep, and whether
    it is time-odd (magnetic moments).

    Parameters
    ----------
    child : str, Path or ase.Atoms
        Anything :func:`~symbreak.structures.load_structure` accepts; a file must carry the array
        (extxyz, or any format ASE reads per-atom properties from).
    name : str
        ``"magmoms"``, ``"charges"`` or the key of ``atoms.arrays``.
    irrep : str, optional
        ``"1e"``, ``"0e"``, ``"1o"``, ``"2e"``, …; default ``1e`` for magnetic moments given as
        vectors and ``0e`` for a single column.

    Raises
    ------
    ValueError
        No such array (the ones present are listed), collinear moments asked for as vectors,
        or a shape that does not fit the irrep.
    """
    atoms = load_structure(child)
    key = _ALIASES.get(name, name)
    if key not in atoms.arrays or key in _STRUCTURAL:
        present = sorted(k for k in atoms.arrays if k not in _STRUCTURAL)
        raise ValueError(f"the child has no per-atom array {name!r}; it has: {', '.join(present) or 'none'} "
                         "(magnetic moments and charges are read from extxyz columns initial_magmoms / "
                         "initial_charges)")
    values = np.asarray(atoms.arrays[key], dtype=np.float64)
    columns = 1 if values.ndim == 1 else values.shape[1]
    if irrep is None:
        if key == _MAGNETIC and columns == 3:
            irrep = "1e"
        elif columns == 1:
            irrep = "0e"
        else:
            raise ValueError(f"say which O(3) irrep the {columns} columns of {name!r} are (--field-irrep 1o for "
                             "polar vectors, 1e for axial ones, 2e for 5 quadrupole components, ...)")
    text, dim = parse_irrep(irrep)
    if key == _MAGNETIC and columns == 1 and dim == 3:
        raise ValueError(f"the magnetic moments of {name!r} are collinear numbers, one per atom: give them as "
                         "3-vectors (extxyz initial_magmoms:R:3) or decompose them as scalars (--field-irrep 0e)")
    if columns != dim:
        raise ValueError(f"{name!r} has {columns} column(s) per atom, but irrep {text} has {dim} components")
    magnetic = key == _MAGNETIC and text in ("1e", "0e")  # moments: time-odd axial vectors or collinear values
    return atoms, values.reshape(len(atoms), dim), text, magnetic
