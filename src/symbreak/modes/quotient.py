"""The parent space group acting on the atoms of a supercell: the finite quotient G / T_S.

A space-group operation :math:`g = \\{W | w\\}` (spglib: :math:`W` integer, acting on fractional
column vectors of the parent cell, :math:`x \\mapsto W x + w`) composed with any parent lattice
translation :math:`t` permutes the atoms of a supercell and rotates what sits on them. The
supercell translations :math:`T_S` act trivially on a field defined on the supercell, so the group
that acts is the finite quotient :math:`Q = G / T_S` of order :math:`|P| \\cdot n`, with
:math:`|P|` the operations spglib lists for the parent cell (the point group times any centring
translations) and :math:`n = |\\det H|` the number of parent cells in the supercell.

Elements are indexed ``e = i * n + s``: spglib operation ``i`` followed by the parent lattice
translation ``translations[s]`` (a coset representative of :math:`\\mathbb{Z}^3 / H^\\top\\mathbb{Z}^3`),
i.e. :math:`x \\mapsto W_i x + w_i + t_s`. Element 0 is the identity.

The supercell is built by :func:`parent_supercell`: its rows are :math:`S = H A` (``H`` integer,
``A`` the parent cell), and atom ``s * n_parent + a`` is parent atom ``a`` shifted by
``translations[s]`` (translation-major order).

Everything here is exact integer bookkeeping (translations are compared as integer vectors modulo
the supercell lattice), so the multiplication table needs no float matching. The character table
comes from the existing Burnside–Dixon routine of :mod:`symbreak.symmetry`: irreducible
representations of Q are exactly the irreps of the space group whose wavevectors are commensurate
with the supercell, so isotypic projectors of Q give the symmetry modes for symmorphic and
non-symmorphic parents alike (no tables of space-group irreps needed).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .._optional import require
from ..symmetry._tables import clean, conjugacy_classes

if TYPE_CHECKING:  # pragma: no cover
    import ase

__all__ = ["SpaceGroupAction", "lattice_points", "parent_supercell", "invariant_supercell"]


def _row_basis(generators: np.ndarray) -> np.ndarray:
    """A basis (rows) of the integer lattice spanned by integer ``generators`` (rows), by
    Euclid's algorithm column by column (a row-style Hermite reduction; numpy has none)."""
    a = [list(map(int, row)) for row in generators]
    rank = 0
    for col in range(3):
        while True:
            rows = [i for i in range(rank, len(a)) if a[i][col] != 0]
            if not rows:
                break
            pivot = min(rows, key=lambda i: abs(a[i][col]))
            a[rank], a[pivot] = a[pivot], a[rank]
            clean = True
            for i in range(rank + 1, len(a)):
                if a[i][col]:
                    q = a[i][col] // a[rank][col]
                    a[i] = [x - q * y for x, y in zip(a[i], a[rank])]
                    clean = clean and a[i][col] == 0
            if clean:
                break
        if any(a[i][col] for i in range(rank, len(a))):
            rank += 1
    return np.array(a[:rank], dtype=np.int64)


def invariant_supercell(matrix, rotations: np.ndarray) -> np.ndarray:
    r"""Smallest supercell contained in ``matrix`` whose lattice every rotation maps onto itself.

    ``G / T_S`` is a group only when the supercell lattice :math:`T_S` is invariant under the
    point group (:math:`W T_S = T_S`); a child cell such as √2×√2×2 of a cubic parent is not. The
    invariant sublattice is :math:`\bigcap_W W T_S`; its dual is the sum of the duals
    :math:`W^{-\top} K` of the commensurate wavevectors :math:`K = \{k : H k \in \mathbb{Z}^3\}`.

    Parameters
    ----------
    matrix : (3, 3) int
        Supercell rows in the parent basis.
    rotations : (p, 3, 3) int
        The parent's rotations (fractional, spglib's).

    Returns
    -------
    (3, 3) int array with positive determinant; equal to ``matrix`` (up to a change of basis)
    when its lattice is already invariant.
    """
    h = np.asarray(matrix, dtype=np.int64)
    det = abs(int(round(np.linalg.det(h))))
    inv_h = np.linalg.inv(h.astype(np.float64))
    # rows: the wavevectors W^{-T} H^{-1} e_j, scaled by det to integers
    gens = [np.rint(det * (np.linalg.inv(w.astype(np.float64)).T @ inv_h).T).astype(np.int64) for w in rotations]
    basis = _row_basis(np.concatenate(gens + [det * np.eye(3, dtype=np.int64)])) / det  # rows span K
    out = np.linalg.inv(basis).T  # rows t with basis @ t integer
    result = np.rint(out).astype(np.int64)
    if np.abs(out - result).max() > 1e-6:  # pragma: no cover (duality of integer lattices)
        raise RuntimeError("invariant supercell is not integral")
    if np.linalg.det(result) < 0:
        result[0] *= -1
    if abs(np.linalg.det(h)) == abs(np.linalg.det(result)):
        return h if np.linalg.det(h) > 0 else -h
    from ase.geometry import minkowski_reduce

    reduced = np.rint(minkowski_reduce(result.astype(np.float64))[0]).astype(np.int64)  # shortest basis
    if np.linalg.det(reduced) < 0:
        reduced = -reduced
    return reduced


def lattice_points(matrix: np.ndarray) -> np.ndarray:
    """Integer vectors ``t`` (rows, parent fractional) with ``t @ inv(matrix)`` in [0, 1)^3.

    These are the parent lattice translations inside one supercell whose rows are ``matrix @ A``;
    there are ``|det matrix|`` of them: the zero vector first, then lexicographic order.
    """
    h = np.asarray(matrix, dtype=np.int64)
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)]) @ h
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    grid = np.stack(np.meshgrid(*[np.arange(a, b + 1) for a, b in zip(lo, hi)], indexing="ij"), -1).reshape(-1, 3)
    frac = grid @ np.linalg.inv(h.astype(np.float64))
    inside = np.all((frac > -1e-9) & (frac < 1 - 1e-9), axis=1)
    points = grid[inside]
    order = np.lexsort(points.T[::-1])
    out = points[order]
    zero = int(np.flatnonzero(~out.any(axis=1))[0])
    out = np.concatenate([out[zero:zero + 1], out[:zero], out[zero + 1:]])  # identity translation first
    if len(out) != abs(round(np.linalg.det(h))):  # pragma: no cover (counting identity)
        raise RuntimeError("lattice point enumeration failed")
    return out


def parent_supercell(parent: "ase.Atoms", matrix) -> "ase.Atoms":
    """The undistorted supercell ``matrix @ parent.cell`` in translation-major atom order.

    Atom ``s * len(parent) + a`` is parent atom ``a`` shifted by ``lattice_points(matrix)[s]``.
    """
    from ase import Atoms

    h = np.asarray(matrix, dtype=np.int64)
    points = lattice_points(h)
    frac = parent.get_scaled_positions(wrap=False)
    positions = (points[:, None, :] + frac[None]).reshape(-1, 3) @ parent.cell.array
    return Atoms(numbers=np.tile(parent.numbers, len(points)), positions=positions,
                 cell=h @ parent.cell.array, pbc=True)


class SpaceGroupAction:
    """The quotient ``G / T_S`` of the parent's space group acting on a supercell's atoms.

    Parameters
    ----------
    parent : ase.Atoms
        The parent structure, in the setting (cell and origin) whose operations define the
        labels; its symmetry is taken from spglib with ``symprec``.
    matrix : (3, 3) int array
        Supercell matrix ``H``: supercell rows ``H @ parent.cell``.
    symprec : float
        spglib's tolerance (Å) for the parent's operations.

    Attributes
    ----------
    rotations : (p, 3, 3) int
        spglib's :math:`W_i` (fractional, parent cell).
    shifts : (p, 3) float
        spglib's :math:`w_i` in [0, 1).
    cartesian : (p, 3, 3) float64
        :math:`R_i = A^\\top W_i A^{-\\top}`, snapped to the nearest orthogonal matrix.
    translations : (n, 3) int
        The parent lattice translations modulo the supercell (:func:`lattice_points`).
    permutations : (p * n, N) int
        ``permutations[e, j]`` is the supercell atom onto which element ``e`` moves atom ``j``.
    """

    def __init__(self, parent: "ase.Atoms", matrix, symprec: float = 1e-3) -> None:
        spglib = require("spglib", "space groups of crystal structures")
        self.parent = parent
        self.matrix = np.asarray(matrix, dtype=np.int64)
        self.symprec = float(symprec)
        cell = parent.cell.array
        frac = parent.get_scaled_positions(wrap=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            sym = spglib.get_symmetry((cell, frac, parent.numbers), symprec=symprec)
        if sym is None:  # pragma: no cover (spglib always finds the identity)
            raise ValueError(f"spglib found no symmetry in the parent (symprec={symprec})")
        rot = np.asarray(sym["rotations"], dtype=np.int64)
        shift = np.asarray(sym["translations"], dtype=np.float64) % 1.0
        shift[np.isclose(shift, 1.0, atol=1e-6)] = 0.0
        identity = int(np.flatnonzero([(np.array_equal(r, np.eye(3)) and np.allclose(s, 0, atol=1e-6))
                                       for r, s in zip(rot, shift)])[0])
        order = [identity] + [i for i in range(len(rot)) if i != identity]
        self.rotations, self.shifts = rot[order], shift[order]
        lt = cell.T
        cart = np.einsum("ij,njk,kl->nil", lt, self.rotations.astype(np.float64), np.linalg.inv(lt))
        u, _, vt = np.linalg.svd(cart)  # spglib tolerates a slightly strained lattice; snap to O(3)
        self.cartesian = u @ vt
        for w in self.rotations:
            image = self.matrix @ w.T.astype(np.float64) @ np.linalg.inv(self.matrix.astype(np.float64))
            if np.abs(image - np.rint(image)).max() > 1e-6:
                raise ValueError(f"the supercell {self.matrix.tolist()} is not invariant under the parent's point "
                                 "group; use invariant_supercell() to extend it")
        self.translations = lattice_points(self.matrix)
        self._inv_h = np.linalg.inv(self.matrix.astype(np.float64))
        self._det = abs(int(round(np.linalg.det(self.matrix))))
        self._codes = self._encode(self.translations)
        self._sorter = np.argsort(self._codes)
        self._atom_map = self._map_parent_atoms(frac)
        self.permutations = self._permutations()

    # ------------------------------------------------------------------ bookkeeping
    @property
    def order(self) -> int:
        """Order :math:`|Q|` = (operations per parent cell) × (parent cells per supercell)."""
        return len(self.rotations) * len(self.translations)

    @property
    def n_cells(self) -> int:
        """Parent cells in the supercell, ``|det H|``."""
        return len(self.translations)

    def _residue(self, vectors: np.ndarray) -> np.ndarray:
        r""":math:`v\,\mathrm{adj}(H) \bmod \det H` (integer, linear in v): equal for vectors that
        differ by a supercell lattice vector, different otherwise."""
        adj = np.rint(self._inv_h * self._det).astype(np.int64)
        return (np.asarray(vectors, dtype=np.int64) @ adj) % self._det

    def _code(self, y: np.ndarray) -> np.ndarray:
        y = y % self._det
        return (y[..., 0] * self._det + y[..., 1]) * self._det + y[..., 2]

    def _encode(self, vectors: np.ndarray) -> np.ndarray:
        """Integer code of each integer vector modulo the supercell lattice (rows of H)."""
        return self._code(self._residue(vectors))

    def _index_of_code(self, codes: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self._codes, codes, sorter=self._sorter)
        return self._sorter[pos]

    def translation_index(self, vectors: np.ndarray) -> np.ndarray:
        """Index into :attr:`translations` of integer vectors (..., 3) modulo the supercell."""
        codes = self._encode(np.asarray(vectors, dtype=np.int64))
        pos = np.searchsorted(self._codes, codes, sorter=self._sorter)
        return self._sorter[pos]

    def _map_parent_atoms(self, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each operation i and parent atom a: ``W_i x_a + w_i = x_{σ_i(a)} + L_{i,a}``."""
        numbers = self.parent.numbers
        moved = np.einsum("pij,aj->pai", self.rotations.astype(np.float64), frac) + self.shifts[:, None, :]
        diff = moved[:, :, None, :] - frac[None, None, :, :]  # (p, a, b, 3)
        lattice = np.rint(diff)
        dist = np.linalg.norm((diff - lattice) @ self.parent.cell.array, axis=-1)
        dist[:, numbers[:, None] != numbers[None, :]] = np.inf
        sigma = np.argmin(dist, axis=2)
        worst = np.take_along_axis(dist, sigma[..., None], 2).max()
        if worst > 2 * self.symprec + 1e-9:
            raise ValueError(f"the parent's operations map atoms only within {worst:.3g} Å "
                             f"(symprec {self.symprec:g}); symmetrise the parent or raise symprec")
        shift = np.take_along_axis(lattice, sigma[..., None, None].repeat(3, -1), 2)[:, :, 0, :]
        return sigma, shift.astype(np.int64)

    def _permutations(self) -> np.ndarray:
        sigma, shift = self._atom_map  # (p, a), (p, a, 3)
        t = self.translations
        n_atoms = len(self.parent)
        # image of atom (s_j, a) under element (i, s_g): parent atom σ_i(a), translation L + W t_j + t_g
        wt = np.einsum("pij,sj->psi", self.rotations, t)  # (p, s_j, 3)
        total = shift[:, None, None, :, :] + wt[:, None, :, None, :] + t[None, :, None, None, :]
        cell_index = self.translation_index(total)  # (p, s_g, s_j, a)
        atom = cell_index * n_atoms + sigma[:, None, None, :]
        return atom.reshape(self.order, -1)

    # ------------------------------------------------------------------ group structure
    @cached_property
    def multiplication_table(self) -> np.ndarray:
        """``table[e1, e2]`` = index of the product ``e1 e2`` (apply e2 first), shape :math:`(|Q|, |Q|)`."""
        p, n = len(self.rotations), self.n_cells
        rot = self.rotations
        prod = np.einsum("aij,bjk->abik", rot, rot)  # (p, p, 3, 3)
        flat = rot.reshape(p, 9)
        k = np.array([[int(np.flatnonzero((flat == prod[a, b].reshape(9)).all(1))[0]) for b in range(p)]
                      for a in range(p)])
        # W_a (w_b + t_b) + w_a + t_a = w_k + [W_a w_b + w_a - w_k] + W_a t_b + t_a
        carry = np.einsum("aij,bj->abi", rot.astype(np.float64), self.shifts) + self.shifts[:, None, :] - self.shifts[k]
        carry_int = np.rint(carry).astype(np.int64)
        if np.abs(carry - carry_int).max() > 1e-6:  # pragma: no cover (closure of spglib's group)
            raise RuntimeError("spglib's operations are not closed modulo lattice translations")
        t = self.translations
        wt = np.einsum("aij,sj->asi", rot, t)  # (p, s_b, 3)
        # the residue is linear: add the residues of the three terms instead of the vectors
        carry_res, wt_res, t_res = self._residue(carry_int), self._residue(wt), self._residue(t)
        table = np.empty((p, n, p, n), dtype=np.int64)  # (a, s_a, b, s_b)
        for a in range(p):  # one row block at a time: the (p, p, n, n, 3) sums would take |Q|² · 24 bytes
            # (b, s_a, s_b, 3)
            y = carry_res[a][:, None, None, :] + wt_res[a][None, None, :, :] + t_res[None, :, None, :]
            s = self._index_of_code(self._code(y))
            table[a] = (k[a][:, None, None] * n + s).transpose(1, 0, 2)
        return table.reshape(p * n, p * n)

    @cached_property
    def _classes(self):
        return conjugacy_classes(self.multiplication_table)

    @cached_property
    def characters(self) -> np.ndarray:
        r"""Complex character table, rows = irreps of Q, columns = elements, shape (n_irreps, :math:`|Q|`).

        Burnside's method as in :func:`symbreak.symmetry._tables.burnside_dixon` (central
        characters ω are the common eigenvectors of the class multiplication matrices
        :math:`(M_j)_{kl} = c_{jkl}`), made well conditioned for groups of hundreds of classes:
        the ω of different irreps are orthogonal with weights :math:`1/|C_l|` and the adjoint of
        :math:`M_j` in that product is :math:`M_{j^{-1}}`, so with real random :math:`a_j, b_j`
        the combination :math:`\sum_j a_j (M_j + M_{j^{-1}}) + i\,b_j (M_j - M_{j^{-1}})` is
        self-adjoint, and after the similarity :math:`W^{1/2} \cdot W^{-1/2}`, :math:`W =
        \mathrm{diag}(1/|C_l|)`, a Hermitian matrix for ``eigh``: orthogonal eigenvectors, no
        ill-conditioned ``eig`` of a non-normal matrix. The identity must be element 0.
        """
        classes, class_of, inverse = self._classes
        table = self.multiplication_table
        order, k = len(table), len(classes)
        sizes = np.array([len(c) for c in classes], dtype=np.float64)
        c = np.zeros((k, k, k))
        for l, members in enumerate(classes):
            g = members[0]
            kk = class_of[table[inverse, g]]  # class of x^-1 g for every x
            np.add.at(c[:, :, l], (class_of, kk), 1.0)
        inverse_class = class_of[inverse[[m[0] for m in classes]]]
        rng = np.random.default_rng(12345)
        a, b = rng.normal(size=k), rng.normal(size=k)
        sym = c + c[inverse_class]
        anti = c - c[inverse_class]
        m = np.einsum("j,jkl->kl", a, sym) + 1j * np.einsum("j,jkl->kl", b, anti)
        w = np.sqrt(1.0 / sizes)
        h = w[:, None] * m / w[None, :]
        h = 0.5 * (h + h.conj().T)
        _, vectors = np.linalg.eigh(h)
        omega = (vectors / w[:, None]).T  # rows: eigenvectors in the class-sum basis
        omega = omega / omega[:, :1]
        dims = np.sqrt(order / np.sum(np.abs(omega) ** 2 / sizes[None, :], axis=1))
        if np.abs(dims - np.round(dims)).max() > 1e-6 or abs(np.sum(np.round(dims) ** 2) - order) > 0.5:
            raise RuntimeError("character table of G/T_S failed (degenerate eigenvalues)")  # pragma: no cover
        chars = np.round(dims)[:, None] * omega / sizes[None, :]
        return clean(chars)[:, class_of]

    def physical_irreps(self) -> list[tuple[np.ndarray, int]]:
        """Real ("physically irreducible") characters and their real dimensions.

        A complex irrep (character not real) is combined with its conjugate: the character of
        the pair, :math:`\\chi + \\chi^*`, is real, and so is its projector.
        """
        chars = self.characters
        done = np.zeros(len(chars), dtype=bool)
        out = []
        for i, row in enumerate(chars):
            if done[i]:
                continue
            done[i] = True
            if np.abs(row.imag).max() < 1e-8:
                out.append((row.real.copy(), int(round(row[0].real))))
                continue
            j = int(np.argmin(np.abs(chars - row.conj()[None]).max(axis=1)))
            done[j] = True
            out.append((2.0 * row.real, 2 * int(round(row[0].real))))
        return out

    def element(self, op: int, translation: int = 0) -> int:
        """Index of element ``{W_op | w_op + translations[translation]}``."""
        return op * self.n_cells + translation

    def op_of(self, element: np.ndarray | int) -> np.ndarray | int:
        """spglib operation index of element(s)."""
        return np.asarray(element) // self.n_cells

    def _in_supercell_basis(self, elements: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rotations (intc), translations in [0, 1) and lattice of elements, in the supercell basis."""
        h_t = self.matrix.T.astype(np.float64)
        to_super = np.linalg.inv(h_t)
        ops = self.op_of(elements)
        rotations = np.einsum("ij,njk,kl->nil", to_super, self.rotations[ops].astype(np.float64), h_t)
        translations = (self.shifts[ops] + self.translations[elements % self.n_cells]) @ to_super.T
        lattice = self.matrix.astype(np.float64) @ self.parent.cell.array
        return np.rint(rotations).astype(np.intc), translations % 1.0, lattice

    def magnetic_group_of(self, unitary, reversed_) -> str | None:
        """BNS number and type of the magnetic group made of the elements ``unitary`` (keep a
        time-odd field) and ``reversed_`` (reverse it; with time reversal they keep it), e.g.
        ``"BNS 140.550 (type IV)"``; None if spglib cannot name it.

        Named from the operations (spglib ``get_magnetic_spacegroup_type_from_symmetry``), as
        :meth:`space_group_of` does for ordinary groups; spglib's structure search with moments
        (``get_magnetic_symmetry_dataset``) crashed the interpreter on small noise-like modes."""
        import spglib

        elements = np.concatenate([np.asarray(unitary, dtype=np.int64), np.asarray(reversed_, dtype=np.int64)])
        rotations, translations, lattice = self._in_supercell_basis(elements)
        time_reversals = np.r_[np.zeros(len(unitary)), np.ones(len(reversed_))].astype(np.intc)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            found = spglib.get_magnetic_spacegroup_type_from_symmetry(rotations, translations, time_reversals,
                                                                      lattice, symprec=1e-5)
        if found is None:  # pragma: no cover (a closed set of operations of a crystal)
            return None
        return f"BNS {found.bns_number} (type {('I', 'II', 'III', 'IV')[int(found.type) - 1]})"

    def space_group_of(self, elements) -> tuple[str, int] | None:
        r"""(Hermann–Mauguin symbol, number) of the space group made of these elements of Q (a
        subgroup, e.g. the isotropy group of a field) and the supercell's lattice translations.

        The operations :math:`x \mapsto W x + w + t` (parent fractional) are written in the
        supercell basis, :math:`y \mapsto H^{-\top} W H^{\top} y + H^{-\top}(w + t)` (parent
        fractional :math:`x = H^\top y`), and named by spglib's
        ``get_spacegroup_type_from_symmetry``: this names the isotropy group of any field
        (scalars, axial vectors, quadrupoles), where spglib's structure search sees positions only.
        None if spglib cannot name it.
        """
        import spglib

        rotations, translations, lattice = self._in_supercell_basis(np.asarray(elements, dtype=np.int64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # spglib >= 2.5 on its legacy error handling
            found = spglib.get_spacegroup_type_from_symmetry(rotations, translations, lattice, symprec=1e-5)
        return None if found is None else (found.international_short, int(found.number))
