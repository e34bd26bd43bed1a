"""How a low-symmetry child structure sits on a supercell of its high-symmetry parent.

:func:`find_relation` finds, with no input beyond the two structures (any order of atoms, any
orientation, origin, setting or supercell of the child):

1. **Supercell matrix** ``H`` (integer, rows = child lattice vectors in the parent basis): the
   number of parent cells is ``n = N_child / N_parent`` (same composition per formula unit);
   among the sublattices of index ``n`` (Hermite normal forms of determinant ``n``) those whose
   reduced cell matches the child's reduced cell with the smallest homogeneous strain are tried.
2. **Rotation, strain and atom pairing** of the child onto the undistorted parent supercell
   :func:`~symbreak.modes.quotient.parent_supercell`: :func:`symbreak.structures.match_structures`
   (polar decomposition of the lattice map: the symmetric part is the strain, the orthogonal part
   the rotation of the child's frame onto the parent's; atoms paired by species and nearest
   periodic image, every origin shift tried). Among equally strained candidates (orientation
   domains) the smallest total squared displacement wins, then the rotation closest to identity.
3. **Origin shift**: the uniform translation removed from the displacements (their mean is set
   to zero: a uniform shift is not an order parameter), reported in the parent's fractional
   coordinates.

Errors (one line each): different compositions per formula unit, a child cell that is not a
supercell of the parent's lattice, an atom of the child with no parent site of its species
within ``max_distance`` (named, with the distance).
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..structures import _lattice_candidates, load_structure, match_structures
from .quotient import parent_supercell

if TYPE_CHECKING:  # pragma: no cover
    import ase

__all__ = ["Relation", "find_relation", "shift_origin", "primitive_parent"]


@dataclasses.dataclass(frozen=True)
class Relation:
    """A child structure expressed on a supercell of the parent.

    Attributes
    ----------
    parent : ase.Atoms
        The parent, with the origin used for the labels (after ``origin`` was applied).
    child : ase.Atoms
        The child as given.
    matrix : (3, 3) int
        Child lattice vectors (rows) in the parent basis: child cell ≈ ``matrix @ parent.cell``
        (in the parent frame, before strain).
    supercell : ase.Atoms
        The undistorted parent supercell ``parent_supercell(parent, matrix)``.
    permutation : (N,) int
        ``permutation[j]``: the child atom paired with supercell atom ``j``.
    displacements : (N, 3) float64
        Child minus supercell position of every supercell atom (Å, parent frame, strain removed,
        mean removed).
    strain : (3, 3) float64
        Symmetric Biot strain taking the supercell's cell onto the child's (parent frame).
    rotation : (3, 3) float64
        Proper rotation from the child's frame to the parent's: a child vector ``v`` (row) is
        ``v @ rotation`` in the parent frame.
    origin_shift : (3,) float64
        The uniform translation removed, in parent fractional coordinates.
    child_primitive_atoms : int
        Atoms in the child's primitive cell (spglib), for the AMPLIMODES normalisation.
    """

    parent: Any
    child: Any
    matrix: np.ndarray
    supercell: Any
    permutation: np.ndarray
    displacements: np.ndarray
    strain: np.ndarray
    rotation: np.ndarray
    origin_shift: np.ndarray
    child_primitive_atoms: int

    @property
    def n_cells(self) -> int:
        """Parent cells in the child's cell."""
        return abs(int(round(np.linalg.det(self.matrix))))

    @property
    def max_displacement(self) -> float:
        """Longest displacement (Å)."""
        return float(np.linalg.norm(self.displacements, axis=1).max())


def shift_origin(atoms: "ase.Atoms", origin) -> "ase.Atoms":
    """A copy of ``atoms`` (``info``, e.g. its name, included) described with its origin at ``origin``
    (fractional): x → x − origin."""
    o = np.asarray(origin, dtype=np.float64).reshape(3)
    if not np.all(np.isfinite(o)):
        raise ValueError(f"origin must be three finite numbers, got {origin!r}")
    out = atoms.copy()
    out.set_scaled_positions(atoms.get_scaled_positions(wrap=False) - o)
    out.wrap()
    return out


def primitive_parent(parent: "ase.Atoms", symprec: float = 1e-3) -> "ase.Atoms":
    r"""The parent in a primitive cell, same Cartesian frame and origin (unchanged if already primitive).

    A centred conventional cell (spglib lists pure translations besides the identity) would make
    wavevectors that differ by a vector of the conventional reciprocal lattice look equal, which
    breaks the k-star bookkeeping; the primitive lattice is :math:`\mathbb{Z}^3` plus the centring
    vectors, whose basis comes from an integer row reduction.
    """
    import spglib
    from ase import Atoms

    from .quotient import _row_basis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sym = spglib.get_symmetry((parent.cell.array, parent.get_scaled_positions(), parent.numbers), symprec=symprec)
    pure = [t % 1.0 for r, t in zip(sym["rotations"], sym["translations"])
            if np.array_equal(r, np.eye(3)) and np.abs(t - np.rint(t)).max() > 1e-6]
    if not pure:
        return parent
    denominator = 12  # centring vectors are multiples of 1/2 or 1/3
    gens = np.rint(np.concatenate([np.array(pure), np.eye(3)]) * denominator).astype(np.int64)
    basis = _row_basis(gens) / denominator  # rows: primitive vectors in the conventional basis
    cell = _standard_basis(basis @ parent.cell.array)
    frac = parent.positions @ np.linalg.inv(cell)
    keep: list[int] = []
    for i, x in enumerate(frac):
        if not any(parent.numbers[j] == parent.numbers[i] and np.abs((x - frac[j]) - np.rint(x - frac[j])).max() < 1e-5
                   for j in keep):
            keep.append(i)
    out = Atoms(numbers=parent.numbers[keep], positions=parent.positions[keep], cell=cell, pbc=True)
    out.info.update(parent.info)
    return out


def _standard_basis(cell: np.ndarray) -> np.ndarray:
    """The Minkowski-reduced basis of the lattice of ``cell`` (rows), right-handed, with its
    vectors ordered and signed to lie closest to the Cartesian x, y, z axes.

    The row reduction of the centring vectors gives *a* primitive basis, often a skew one (a
    parent given as a √2×√2×2 supercell comes back with vectors like (a, 0, a)). Labels need the
    conventional one: for a primitive cubic lattice the reduced basis is the three cube edges, on
    which :func:`~symbreak.modes.labels.kpoint_letter` recognises X, M and R.
    """
    from ase.geometry import minkowski_reduce

    reduced, _ = minkowski_reduce(cell)
    unit = reduced / np.linalg.norm(reduced, axis=1, keepdims=True)
    best, best_score = None, -np.inf
    for order in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            candidate = np.asarray(signs)[:, None] * unit[list(order)]
            if np.linalg.det(candidate) <= 0:
                continue
            score = float(np.trace(candidate))  # alignment of row i with Cartesian axis i
            if score > best_score + 1e-9:
                best, best_score = (order, signs), score
    order, signs = best
    return np.asarray(signs)[:, None] * reduced[list(order)]


def primitive_atom_count(atoms: "ase.Atoms", types: np.ndarray, symprec: float) -> int:
    """Atoms in spglib's primitive cell of ``atoms`` with the atoms told apart by ``types`` (the
    species, or species and field value): the cell of the AMPLIMODES normalisation."""
    import spglib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # spglib >= 2.5 on its legacy error handling
        primitive = spglib.find_primitive((atoms.cell.array, atoms.get_scaled_positions(), types), symprec=symprec)
    return len(atoms) if primitive is None else len(primitive[2])


def _hermite_forms(n: int) -> list[np.ndarray]:
    """All lower-triangular Hermite normal forms of determinant ``n`` (the index-n sublattices)."""
    out = []
    for a in range(1, n + 1):
        if n % a:
            continue
        for c in range(1, n // a + 1):
            if (n // a) % c:
                continue
            f = n // (a * c)
            for b, d, e in itertools.product(range(a), range(a), range(c)):
                out.append(np.array([[a, 0, 0], [b, c, 0], [d, e, f]], dtype=np.int64))
    return out


def _composition_ratio(parent: "ase.Atoms", child: "ase.Atoms") -> int:
    from ase.formula import Formula

    p_num, p_cnt = np.unique(parent.numbers, return_counts=True)
    c_num, c_cnt = np.unique(child.numbers, return_counts=True)
    fp = Formula.from_list(parent.get_chemical_symbols()).reduce()[0]
    fc = Formula.from_list(child.get_chemical_symbols()).reduce()[0]
    if not np.array_equal(p_num, c_num) or len(child) % len(parent) or not np.array_equal(
            c_cnt, p_cnt * (len(child) // len(parent))):
        raise ValueError(f"parent ({fp}) and child ({fc}) have different compositions per formula unit; "
                         "a child must be a distorted supercell of the parent")
    return len(child) // len(parent)


def _sorted_lengths(cell: np.ndarray) -> np.ndarray:
    from ase.geometry import minkowski_reduce

    return np.sort(np.linalg.norm(minkowski_reduce(cell)[0], axis=1))


def _candidate_matrices(parent: "ase.Atoms", child: "ase.Atoms", n: int, max_strain: float) -> list[np.ndarray]:
    """Supercell matrices of determinant n whose lattice matches the child's with the least strain."""
    a = parent.cell.array
    target = child.cell.array
    lengths = _sorted_lengths(target)
    scored = []
    for h in _hermite_forms(n):
        cell = h @ a
        if np.abs(_sorted_lengths(cell) / lengths - 1).max() > max_strain:
            continue
        try:
            cands = _lattice_candidates(cell, target, max_strain, 1e-3)
        except ValueError:
            continue
        strain = min(float(np.linalg.norm(c["strain"])) for c in cands)
        scored.append((strain, h))
    if not scored:
        raise ValueError(f"the child's cell is not a supercell of {n} parent cells within max_strain = "
                         f"{max_strain:g}: parent and child are not group-subgroup related on a common lattice")
    best = min(s for s, _ in scored)
    return [h for s, h in scored if s <= best + 1e-3]


def find_relation(
    parent: Any,
    child: Any,
    *,
    matrix: Any = None,
    origin: Any = None,
    max_strain: float = 0.15,
    max_distance: float = 1.0,
    symprec: float = 1e-3,
) -> Relation:
    """Map ``child`` onto a supercell of ``parent``: matrix, rotation, strain, pairing, displacements.

    Parameters
    ----------
    parent, child : ase.Atoms, str or Path
        Anything :func:`symbreak.structures.load_structure` accepts (built-in name or file).
    matrix : (3, 3) int, optional
        The child's lattice vectors in the basis of the parent cell as given (rows); found
        automatically if omitted. A parent given in a centred or supercell is analysed on its
        primitive cell, and the matrix is re-expressed on it (``Relation.matrix``).
    origin : 3 floats, optional
        Put the parent's origin here (parent fractional coordinates) before anything else; the
        ISO-IR labels refer to this origin.
    max_strain : float
        Largest Frobenius norm of the homogeneous strain accepted.
    max_distance : float
        Largest displacement (Å) of a child atom from its parent site.
    symprec : float
        spglib tolerance (Å) for the child's primitive cell.

    Returns
    -------
    Relation

    Raises
    ------
    ValueError
        Different compositions, a cell that is not a parent supercell, unmatched atoms.
    """
    parent = load_structure(parent)
    child = load_structure(child)
    if origin is not None:
        parent = shift_origin(parent, origin)
    given = parent
    parent = primitive_parent(parent, symprec)
    n = _composition_ratio(parent, child)
    if matrix is not None:
        h = np.asarray(matrix, dtype=np.float64)
        if h.shape != (3, 3) or np.abs(h - np.rint(h)).max() > 1e-9:
            raise ValueError(f"the supercell matrix must be 3x3 integers, got {np.asarray(matrix).tolist()}")
        # the matrix refers to the parent cell as given; the analysis runs on its primitive cell,
        # of which the given cell is an integer combination T (given = T @ primitive)
        h = np.rint(h) @ np.rint(given.cell.array @ np.linalg.inv(parent.cell.array))
        h = np.rint(h).astype(np.int64)
        if abs(round(np.linalg.det(h))) != n:
            raise ValueError(f"the supercell matrix has determinant {round(np.linalg.det(h))}, but the child has "
                             f"{n} times the parent's atoms")
        candidates = [h if np.linalg.det(h) > 0 else -h]
    else:
        candidates = _candidate_matrices(parent, child, n, max_strain)
    best = None
    errors = []
    for h in candidates:
        supercell = parent_supercell(parent, h)
        try:
            m = match_structures(supercell, child, max_strain=max_strain)
        except ValueError as error:
            errors.append(str(error))
            continue
        cost = float(np.sum(m.displacements**2))
        angle = float(np.arccos(np.clip((np.trace(m.rotation) - 1) / 2, -1, 1)))
        key = (round(cost, 8), round(angle, 6))
        if best is None or key < best[0]:
            best = (key, h, supercell, m)
    if best is None:
        raise ValueError(errors[0])
    _, h, supercell, m = best
    lengths = np.linalg.norm(m.displacements, axis=1)
    worst = int(np.argmax(lengths))
    if lengths[worst] > max_distance:
        symbol = child.get_chemical_symbols()[m.permutation[worst]]
        raise ValueError(f"unmatched atom: child atom {m.permutation[worst]} ({symbol}) is {lengths[worst]:.3g} Å "
                         f"from the nearest free parent site of its species (max_distance {max_distance:g} Å); "
                         "the child is not a small distortion of this parent")
    n_prim = primitive_atom_count(child, child.numbers, symprec)
    return Relation(
        parent=parent,
        child=child,
        matrix=h,
        supercell=supercell,
        permutation=m.permutation,
        displacements=m.displacements,
        strain=m.strain,
        rotation=m.rotation,
        origin_shift=m.translation @ np.linalg.inv(parent.cell.array),
        child_primitive_atoms=int(n_prim),
    )
