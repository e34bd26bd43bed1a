"""Symmetry modes of a per-atom field on a supercell: isotypic projectors of ``G / T_S``.

A field :math:`f_j \\in \\mathbb{R}^d` on the supercell atoms (displacements ``1o``, axial vectors
``1e``, scalars ``0e``, quadrupoles ``2e``, …) carries the representation

.. math:: (g \\cdot f)_{\\pi_g(j)} = D(R_g)\\, f_j

of the quotient Q (:class:`~symbreak.modes.quotient.SpaceGroupAction`), with :math:`D` e3nn's
Wigner matrix of the field's O(3) irrep (parity applied for improper R). For each physically
irreducible representation Γ of Q (a k-star and a small irrep; complex pairs combined), the
isotypic projector

.. math:: P_\\Gamma = \\frac{d_\\Gamma}{|Q|} \\sum_{g \\in Q} \\chi_\\Gamma(g)^*\\, D(g)

is real, symmetric and idempotent (D(g) is orthogonal); the projectors of different Γ are
orthogonal and sum to the identity, so the components :math:`P_\\Gamma f` are orthogonal and add up
to :math:`f`. Each Γ present in the field gives one *mode subspace* (its image, of dimension
multiplicity × dim Γ) with an orthonormal basis from the eigenvectors of :math:`P_\\Gamma`.

The k-star of Γ follows from its characters on the translations (:math:`\\chi(t) = \\sum_{k} d\\,
e^{-2\\pi i k\\cdot t}`), the label from the characters of the little co-group on one arm
(:mod:`symbreak.modes.labels`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..symmetry import wigner_matrices
from .labels import format_k, iso_ir_label, kpoint_letter, little_cogroup, point_group_of, representative_arm
from .quotient import SpaceGroupAction, lattice_points

__all__ = ["ModeSpace", "mode_spaces", "field_matrices", "apply_element", "stabilizer", "stabilizer_order"]


@dataclasses.dataclass(frozen=True)
class ModeSpace:
    """One isotypic subspace of the field space on the supercell.

    Attributes
    ----------
    label : str
        ISO-IR label (``"R4+"``) or a descriptive one ending in ``(not ISO-IR)``.
    iso_ir : bool
        Whether ``label`` is an ISO-IR label.
    k : (3,) float
        Representative arm of the star (parent reciprocal fractional coordinates, in (-½, ½]).
    star : (s, 3) float
        All arms of the star commensurate with the supercell.
    small_irrep : str
        Mulliken label of the little co-group irrep and the group, e.g. ``"T1g of Oh"``.
    dimension : int
        Dimension of the physically irreducible representation of Q (arms × small irrep).
    multiplicity : int
        Copies of it in the field.
    basis : (N * d, dimension * multiplicity) float64
        Orthonormal basis of the subspace (field flattened atom-major).
    """

    label: str
    iso_ir: bool
    k: np.ndarray
    star: np.ndarray
    small_irrep: str
    dimension: int
    multiplicity: int
    basis: np.ndarray

    @property
    def projector(self) -> np.ndarray:
        """:math:`P_\\Gamma = B B^\\top` (N d, N d), built on demand: the bases of all subspaces
        together hold one (N d)² matrix, where a stored projector per subspace would hold one each."""
        return self.basis @ self.basis.T

    def project(self, flat: np.ndarray) -> np.ndarray:
        """:math:`P_\\Gamma f = B (B^\\top f)` of a flattened field (N d,), in O(N d · rank)."""
        return self.basis @ (self.basis.T @ flat)


def parse_irrep(irrep: str) -> tuple[str, int]:
    """Canonical text and dimension of one O(3) irrep ``"lp"`` (``"1e"``, ``"2e"``, ``"0o"``, …)."""
    import re

    match = re.fullmatch(r"\s*(?:1x)?(\d+)([eo])\s*", str(irrep))
    if match is None:
        raise ValueError(f"irrep must be one O(3) irrep such as '1o', '1e', '0e' or '2e', got {irrep!r}")
    l = int(match.group(1))
    return f"{l}{match.group(2)}", 2 * l + 1


def wigner(irrep: str, matrices: np.ndarray) -> np.ndarray:
    """:math:`D(M)` of one O(3) irrep for orthogonal matrices (g, 3, 3) in e3nn's basis.

    l ≤ 1 is written directly (e3nn's ``1o`` basis is (x, y, z), so D = R; ``1e``: det(R) R;
    ``0e``: 1; ``0o``: det R), which avoids importing torch for displacements; l ≥ 2 uses
    e3nn's harmonics through :func:`symbreak.symmetry.wigner_matrices`.
    """
    text, _ = parse_irrep(irrep)
    r = np.asarray(matrices, dtype=np.float64)
    det = np.linalg.det(r)[:, None, None]
    direct = {"1o": lambda: r, "1e": lambda: det * r, "0e": lambda: np.ones((len(r), 1, 1)), "0o": lambda: det}
    if text in direct:
        return np.array(direct[text](), dtype=np.float64)
    return wigner_matrices(text, r)


def field_matrices(action: SpaceGroupAction, irrep: str) -> np.ndarray:
    """:math:`D(R_i)` of the field's O(3) irrep for every spglib operation, (p, d, d)."""
    return wigner(irrep, action.cartesian)


def apply_element(action: SpaceGroupAction, blocks: np.ndarray, element: int, field: np.ndarray) -> np.ndarray:
    """:math:`g \\cdot f` for one element; ``field`` (N, d, ...) → same shape."""
    op = int(action.op_of(element))
    out = np.empty_like(field)
    out[action.permutations[element]] = np.einsum("ab,jb...->ja...", blocks[op], field)
    return out


def stabilizer_order(action: SpaceGroupAction, blocks: np.ndarray, field: np.ndarray, atol: float) -> int:
    r"""Number of elements g of Q with :math:`\max_j |(g\cdot f)_j - f_j| \le` ``atol``: the order of
    the isotropy group of ``field`` (N, d) in Q (translations of the supercell excluded)."""
    return len(stabilizer(action, blocks, field, atol))


def stabilizer(action: SpaceGroupAction, blocks: np.ndarray, field: np.ndarray, atol: float,
               sign: float = 1.0) -> np.ndarray:
    r"""Indices of the elements g of Q with :math:`\max_j |(g\cdot f)_j - s f_j| \le` ``atol``: the
    isotropy group of ``field`` (N, d) in Q for ``sign`` s = 1 (name it with
    :meth:`~symbreak.modes.quotient.SpaceGroupAction.space_group_of`); with s = −1 the elements
    that reverse it, which combined with time reversal keep a time-odd field."""
    # (g·f)_{π_g(j)} = D(R_g) f_j, so g keeps f iff D(R_g) f_j = f_{π_g(j)} for every atom j.
    # Most elements fail on the atoms of largest |f|: screen all elements on 1, then 8 of those,
    # and check only the survivors on every atom (the full (|Q|, N, d) comparison took 12 s of a
    # 640-atom decomposition).
    rotated = np.einsum("pab,jb->pja", blocks, field)  # (p, N, d)
    ops = action.op_of(np.arange(action.order))
    by_size = np.argsort(-np.einsum("ja,ja->j", field, field), kind="stable")
    candidates = np.arange(action.order)
    for atoms in (by_size[:1], by_size[:8], by_size):
        diff = rotated[ops[candidates][:, None], atoms[None, :]] - sign * field[action.permutations[candidates][:, atoms]]
        candidates = candidates[np.einsum("gja,gja->gj", diff, diff).max(axis=1) <= atol**2]
        if len(candidates) == 0:
            break
    return candidates


def _permutation_entries(action: SpaceGroupAction) -> np.ndarray:
    """Flat index of entry (i, π_g(j), j) of the stack of M_i for every element g = (i, t) and atom
    j, shape (|Q|, N): the same for every irrep, so :func:`mode_spaces` computes it once."""
    p = len(action.rotations)
    n_atoms = action.permutations.shape[1]
    ops = np.repeat(np.arange(p), action.n_cells)[:, None]
    return (ops * n_atoms + action.permutations) * n_atoms + np.arange(n_atoms)[None, :]


def _projector(action: SpaceGroupAction, blocks: np.ndarray, coefficients: np.ndarray,
               entries: np.ndarray) -> np.ndarray:
    r""":math:`\sum_g c(g) D(g)` as a dense (N d, N d) matrix, grouped by rotation:
    :math:`\sum_i M_i \otimes D(R_i)` with :math:`M_i = \sum_t c(i, t)\,\Pi_{(i,t)}`
    (``bincount`` over ``entries`` = :func:`_permutation_entries` for the M_i, one matrix product
    for the sum of Kronecker products)."""
    p = len(action.rotations)
    n_atoms = action.permutations.shape[1]
    weights = np.broadcast_to(coefficients[:, None], entries.shape)
    m = np.bincount(entries.ravel(), weights=weights.ravel(), minlength=p * n_atoms * n_atoms)
    d = blocks.shape[1]
    kron = (m.reshape(p, n_atoms * n_atoms).T @ blocks.reshape(p, d * d)).reshape(n_atoms, n_atoms, d, d)
    return kron.transpose(0, 2, 1, 3).reshape(n_atoms * d, n_atoms * d)


def _image_basis(projector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Orthonormal basis of the image of an orthogonal projector of rank r = tr P.

    QR of :math:`P G` for a Gaussian (n, r) matrix G, refined once (:math:`P Q` then QR again):
    O(n² r) per irrep, so O(n³) for all irreps together, where an ``eigh`` per irrep would cost
    O(n³) each (measured: 24 s → see docs/modes.md for the 320-atom cell).
    """
    rank = int(round(float(np.trace(projector))))
    q, _ = np.linalg.qr(projector @ rng.normal(size=(len(projector), rank)))
    q, _ = np.linalg.qr(projector @ q)
    return q


def _commensurate_k(action: SpaceGroupAction) -> np.ndarray:
    """The n wavevectors k (rows, parent reciprocal fractional, in (-½, ½]) with H k integral."""
    q = lattice_points(action.matrix.T)
    k = q @ np.linalg.inv(action.matrix.astype(np.float64)).T
    k = k - np.floor(k + 0.5 - 1e-9)  # into (-1/2, 1/2]
    return k


def _arm_projection(action: SpaceGroupAction, k: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """:math:`P_k v = \\frac1n \\sum_t e^{2\\pi i k\\cdot t} D(t) v` for columns of ``vectors`` (N d, r)."""
    n_atoms = action.permutations.shape[1]
    v = vectors.reshape(n_atoms, -1, vectors.shape[-1])
    out = np.zeros(v.shape, dtype=np.complex128)
    phases = np.exp(2j * np.pi * action.translations @ k)
    for s, phase in enumerate(phases):
        out[action.permutations[s]] += phase * v  # element (identity op, translation s) = index s
    return (out / action.n_cells).reshape(vectors.shape)


def _star(action: SpaceGroupAction, character: np.ndarray, dimension: int) -> np.ndarray:
    ks = _commensurate_k(action)
    chi_t = character[: action.n_cells]  # elements (identity op, translation s)
    weight = (np.exp(2j * np.pi * ks @ action.translations.T) @ chi_t).real / action.n_cells
    return ks[weight > 0.5]


def _label(action: SpaceGroupAction, blocks: np.ndarray, star: np.ndarray, basis: np.ndarray,
           groups: dict) -> tuple[str, bool, np.ndarray, str]:
    cell = action.parent.cell.array
    letter = kpoint_letter(star[0], cell, len(action.rotations)) if len(star) else None
    k = representative_arm(star, letter)
    little = little_cogroup(k, action.rotations)
    key = tuple(little.tolist())
    if key not in groups:  # naming a group costs ~30 ms; stars share little co-groups
        groups[key] = point_group_of(action.cartesian[little], cell)
    group, index, standard = groups[key]
    at_gamma = np.allclose(k, 0, atol=1e-8)
    symmorphic_here = np.allclose(action.shifts[little], 0, atol=1e-6)
    if not (at_gamma or symmorphic_here):
        text = f"k={format_k(k)} (non-symmorphic or origin off full site symmetry: not ISO-IR)"
        return text, False, k, "-"
    arm = _arm_projection(action, k, basis) if not at_gamma else basis.astype(np.complex128)
    n_atoms = action.permutations.shape[1]
    d = blocks.shape[1]
    chi = np.empty(len(little), dtype=np.complex128)
    for j, op in enumerate(little):
        moved = apply_element(action, blocks, action.element(op, 0), arm.reshape(n_atoms, d, -1)).reshape(arm.shape)
        chi[j] = np.trace(arm.conj().T @ moved)
    chars = group.character_table if np.iscomplexobj(group.character_table) else group.character_table.astype(complex)
    per_element = chars[:, group.class_of][:, index]  # (irreps, little ops)
    weights = (per_element.conj() @ chi).real / len(little)
    present = [(lab, w) for lab, w in zip(group.irrep_labels, weights) if w > 0.5]
    if len(present) != 1:
        names = "+".join(lab for lab, _ in present)
        return f"{letter or 'k=' + format_k(k)}: {names} of {group.name} (not ISO-IR)", False, k, f"{names} of {group.name}"
    mulliken = present[0][0]
    label, iso = iso_ir_label(letter, k, group, mulliken, standard)
    return label, iso, k, f"{mulliken} of {group.name}"


def mode_spaces(action: SpaceGroupAction, irrep: str = "1o", atol: float = 1e-8) -> list[ModeSpace]:
    """Every symmetry-mode subspace of the field space ``irrep`` on the supercell of ``action``.

    Parameters
    ----------
    action : SpaceGroupAction
        The parent's space group on the supercell.
    irrep : str
        O(3) irrep of the per-atom values in e3nn notation: ``"1o"`` displacements (polar
        vectors), ``"1e"`` axial vectors (magnetic-like moments), ``"0e"`` scalars, ``"2e"``
        quadrupoles; any single e3nn irrep.
    atol : float
        Eigenvalue tolerance of the projectors.

    Returns
    -------
    list of ModeSpace, sorted by label (labels that would repeat, where no table names the
    irrep, get ``#1``, ``#2``, …); their bases together are an orthonormal basis of the whole
    field space.
    """
    blocks = field_matrices(action, irrep)
    d = blocks.shape[1]
    n_atoms = action.permutations.shape[1]
    fixed = action.permutations == np.arange(n_atoms)[None, :]
    trace = np.einsum("pii->p", blocks)[action.op_of(np.arange(action.order))]
    chi_field = fixed.sum(axis=1) * trace
    spaces = []
    groups: dict = {}
    rng = np.random.default_rng(0)
    entries = _permutation_entries(action)
    for character, dim in action.physical_irreps():
        overlap = float(character @ chi_field) / action.order  # = multiplicity × (1 or 2 for a pair)
        if overlap < 0.5:
            continue
        pair = 2 if _is_pair(action, character, dim) else 1
        projector = _projector(action, blocks, (dim / pair) / action.order * character, entries)
        projector = 0.5 * (projector + projector.T)
        basis = _image_basis(projector, rng)
        if np.abs(projector @ basis - basis).max() > atol ** 0.5:  # pragma: no cover (exact characters)
            raise RuntimeError("projector is not idempotent")
        star = _star(action, character, dim)
        label, iso, k, small = _label(action, blocks, star, basis, groups)
        spaces.append(ModeSpace(label, iso, k, star, small, dim, basis.shape[1] // dim, basis))
    total = sum(s.basis.shape[1] for s in spaces)
    if total != n_atoms * d:  # pragma: no cover (completeness of characters)
        raise RuntimeError(f"mode subspaces span {total} of {n_atoms * d} dimensions")
    spaces.sort(key=lambda s: (not s.iso_ir, s.label))
    counts: dict[str, int] = {}
    for s in spaces:
        counts[s.label] = counts.get(s.label, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for s in spaces:  # distinct irreps that read alike (no table): number them
        if counts[s.label] > 1:
            seen[s.label] = seen.get(s.label, 0) + 1
            head, paren, tail = s.label.partition(" (")
            s = dataclasses.replace(s, label=f"{head} #{seen[s.label]}{paren}{tail}")
        out.append(s)
    return out


def _is_pair(action: SpaceGroupAction, character: np.ndarray, dim: int) -> bool:
    """Whether a physical character came from a complex-conjugate pair (norm 2|Q| instead of |Q|)."""
    return bool(round(float(character @ character) / action.order) == 2)


def flatten(values: Any) -> np.ndarray:
    """Per-atom values (N, d) → (N d,) float64."""
    return np.asarray(values, dtype=np.float64).reshape(-1)
