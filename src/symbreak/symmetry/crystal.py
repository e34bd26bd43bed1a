"""Crystallographic point group and space group of a periodic structure (via spglib).

spglib returns rotations :math:`W` acting on fractional coordinates (column vectors),
:math:`x' = W x + w`. With ASE's row-vector lattice :math:`L` (rows = lattice vectors) the
Cartesian position is :math:`r = L^\\top x`, so the Cartesian rotation is

.. math:: R = L^\\top W L^{-\\top}.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from .._optional import require
from ._identify import IdentificationError, identify
from ._names import HERMANN_MAUGUIN
from .group import PointGroup

if TYPE_CHECKING:  # pragma: no cover
    import ase

__all__ = ["point_group_of_atoms", "space_group", "cartesian_rotations"]


def _dataset(atoms: "ase.Atoms", symprec: float):
    if not all(atoms.pbc):
        raise ValueError("from_atoms needs a periodic structure (atoms.pbc all True); "
                         "use PointGroup.from_points for molecules and finite shapes")
    cell = np.asarray(atoms.cell.array, dtype=np.float64)
    if abs(np.linalg.det(cell)) < 1e-12:
        raise ValueError("the cell of the structure is singular")
    data = (cell, atoms.get_scaled_positions(wrap=True), atoms.numbers)
    spglib = require("spglib", "crystal symmetry (space and point groups of structures)")
    with warnings.catch_warnings():
        # spglib >= 2.5 warns about its legacy error handling (None instead of an exception)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            ds = spglib.get_symmetry_dataset(data, symprec=symprec)
        except Exception as exc:  # SpglibError with the new error handling
            raise ValueError(f"spglib failed (symprec={symprec}): {exc}") from exc
        if ds is None:
            raise ValueError(f"spglib found no symmetry (symprec={symprec}): "
                             f"{spglib.get_error_message()}")
    return cell, ds


def cartesian_rotations(cell: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """Cartesian rotations :math:`L^\\top W L^{-\\top}` of fractional ``rotations`` (n, 3, 3)."""
    lt = cell.T
    return np.einsum("ij,njk,kl->nil", lt, rotations.astype(np.float64), np.linalg.inv(lt))


def point_group_of_atoms(atoms: "ase.Atoms", symprec: float = 1e-3) -> PointGroup:
    """Point group of a crystal: the rotation parts of its space-group operations.

    Parameters
    ----------
    atoms : ase.Atoms
        Periodic structure.
    symprec : float
        spglib's distance tolerance (Å).

    Returns
    -------
    PointGroup
        Named by spglib's point-group symbol (mapped to Schoenflies), operations in the Cartesian
        frame of ``atoms``; ``frame`` rotates it to standard orientation (identity when the
        crystal axes are already standard, e.g. a tetragonal cell with c along z).
    """
    cell, ds = _dataset(atoms, symprec)
    rots = np.unique(np.asarray(ds.rotations), axis=0)
    cart = cartesian_rotations(cell, rots)
    name = HERMANN_MAUGUIN[ds.pointgroup.strip()]
    try:
        # a lattice distorted within symprec gives slightly non-orthogonal matrices
        atol = max(1e-5, 10.0 * symprec / float(np.linalg.norm(cell, axis=1).min()))
        name, frame, _ = identify(cart, atol=atol, name=name)
    except IdentificationError as exc:  # pragma: no cover (spglib returns exact groups)
        raise ValueError(f"cannot orient the point group {name} of this crystal: {exc}") from exc
    return PointGroup(name, frame)


def space_group(atoms: "ase.Atoms", symprec: float = 1e-3) -> tuple[str, int]:
    """International (Hermann–Mauguin) symbol and number of the space group, e.g. ``("Pm-3m", 221)``."""
    _, ds = _dataset(atoms, symprec)
    return str(ds.international), int(ds.number)
