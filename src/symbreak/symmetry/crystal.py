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


def _standard_rotations(ds, spglib) -> np.ndarray:
    """Every rotation of the crystal's point group in the input Cartesian frame, (n, 3, 3).

    spglib's ``ds.rotations`` are only the operations whose rotation is integral in the *input*
    basis: for a supercell or a non-conventional cell (√2×√2×2 perovskite, orthorhombic fcc) some
    point-group operations map the crystal onto itself but not the cell, and are missing. The
    standardised conventional cell carries the whole point group (its holohedry is integral in
    the conventional basis), so its rotations :math:`W_s` (from spglib's database for the Hall
    number) are mapped back. With :math:`L_s` the idealised standard lattice (columns) and
    :math:`Q` = ``std_rotation_matrix`` (it rotates the input-frame standard cell onto
    :math:`L_s`), the standard basis in the input frame is :math:`Q^\\top L_s`, so

    .. math:: R = Q^\\top L_s W_s L_s^{-1} Q,

    exactly orthogonal (the idealised lattice has exact metric symmetry).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # see _dataset
        table = spglib.get_symmetry_from_database(int(ds.hall_number))
    if table is None:  # pragma: no cover (every Hall number is in spglib's database)
        raise ValueError(f"spglib has no operations for Hall number {ds.hall_number}")
    w = np.unique(np.asarray(table["rotations"]), axis=0).astype(np.float64)  # (n, 3, 3)
    ls = np.asarray(ds.std_lattice, dtype=np.float64).T  # columns = standard lattice vectors
    q = np.asarray(ds.std_rotation_matrix, dtype=np.float64)
    return np.einsum("ji,jk,nkl,lm,mo->nio", q, ls, w, np.linalg.inv(ls), q)


def _deviation(atoms: "ase.Atoms", rotation: np.ndarray) -> float:
    """How far x ↦ R x + t is from mapping the periodic structure onto itself, best t (Å).

    The largest distance between a moved atom and the nearest atom of its species (up to
    lattice vectors of the input cell), minimised over the translations t that take atom 0
    onto an atom of its species (one of them is right when R is a symmetry).
    """
    cell = np.asarray(atoms.cell.array, dtype=np.float64)  # rows = lattice vectors
    inv = np.linalg.inv(cell)
    pos = atoms.get_positions()  # (N, 3)
    numbers = atoms.numbers
    rotated = pos @ rotation.T  # rows R x_i
    offsets = np.array(np.meshgrid(*[[-1, 0, 1]] * 3, indexing="ij")).reshape(3, -1).T @ cell
    best = np.inf
    for j in np.flatnonzero(numbers == numbers[0]):
        diff = (rotated + (pos[j] - rotated[0]))[:, None, :] - pos[None, :, :]  # (N, N, 3)
        frac = diff @ inv
        diff = (frac - np.round(frac)) @ cell  # into the cell, then the nearest of 27 images
        dist = np.linalg.norm(diff[:, :, None, :] + offsets[None, None], axis=-1).min(axis=2)
        dist[numbers[:, None] != numbers[None, :]] = np.inf
        best = min(best, float(dist.min(axis=1).max()))
    return best


def point_group_of_atoms(atoms: "ase.Atoms", symprec: float = 1e-3) -> PointGroup:
    """Point group of a crystal: the rotation parts of its space-group operations.

    Works for any cell of the crystal: primitive, conventional, supercells, rotated cells and
    shifted origins all give the full point group, in the Cartesian frame of ``atoms``.

    Parameters
    ----------
    atoms : ase.Atoms
        Periodic structure.
    symprec : float
        spglib's distance tolerance (Å); also the tolerance of the final check that every
        operation maps the structure onto itself (with a suitable translation).

    Returns
    -------
    PointGroup
        Named by spglib's point-group symbol (mapped to Schoenflies), operations in the Cartesian
        frame of ``atoms``; ``frame`` rotates it to standard orientation (identity when the
        crystal axes are already standard, e.g. a tetragonal cell with c along z).
        ``max_deviation`` is the largest distance (Å) between an atom moved by an operation of
        the returned group and the atom it lands on.

    Raises
    ------
    ValueError
        If the structure is not periodic, spglib fails, or an operation found does not map the
        structure onto itself within ``symprec`` (should not happen).
    """
    spglib = require("spglib", "crystal symmetry (space and point groups of structures)")
    cell, ds = _dataset(atoms, symprec)
    cart = _standard_rotations(ds, spglib)
    name = HERMANN_MAUGUIN[ds.pointgroup.strip()]
    try:
        name, frame, _ = identify(cart, atol=1e-6, name=name)
    except IdentificationError as exc:  # pragma: no cover (spglib returns exact groups)
        raise ValueError(f"cannot orient the point group {name} of this crystal: {exc}") from exc
    deviation = max(_deviation(atoms, r) for r in PointGroup(name, frame).matrices)
    # spglib accepts a symmetry when atoms match within symprec after its own lattice
    # idealisation; allow the same again for the idealised rotations on the raw lattice
    if deviation > 2.0 * symprec:
        raise ValueError(
            f"the point group {name} found by spglib maps the structure onto itself only within "
            f"{deviation:.3g} Å, above 2 × symprec = {2 * symprec:.3g} Å; try a larger symprec")
    return PointGroup(name, frame, max_deviation=deviation)


def space_group(atoms: "ase.Atoms", symprec: float = 1e-3) -> tuple[str, int]:
    """International (Hermann–Mauguin) symbol and number of the space group, e.g. ``("Pm-3m", 221)``."""
    _, ds = _dataset(atoms, symprec)
    return str(ds.international), int(ds.number)
