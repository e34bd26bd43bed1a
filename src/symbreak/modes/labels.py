"""ISO-IR labels of space-group irreps: k-point letter + Bradley–Cracknell index + parity.

The ISO-IR convention (Stokes & Hatch; used by ISOTROPY, ISODISTORT and AMPLIMODES) names an
irrep of a space group at wavevector k by the letter of k (``GM`` for Γ, ``X``, ``M``, ``R``, … for
the parent's Bravais lattice), the index of the irrep of the little co-group in the numbering of
Bradley & Cracknell (1972) (= Cracknell, Davies, Miller & Love 1979, CDML), and ``+``/``-`` when
the little co-group contains the inversion (character of ``{-1|0}`` positive / negative).

For a symmorphic parent whose origin is a point of full site symmetry, the small irreps at k are
:math:`\\Gamma(R)\\,e^{-2\\pi i k\\cdot t}` with Γ an irrep of the little co-group, so Γ is read off
the characters of the operations ``{R|0}`` on one arm of the star. The labels therefore depend on
the origin: moving it to another point of full site symmetry multiplies Γ by a one-dimensional
character (ABO3 perovskite at R: R4+ with B at the origin, R5- with A at the origin).

Numbering of the small irreps (Mulliken label of the little co-group irrep, in the frame with the
principal axis along a lattice axis and the C2' / σv along the next lattice axis → index):

- Γ and R of m-3m (Oh): A1 1, A2 2, E 3, T1 4, T2 5. Anchored on published labels: the polar
  T1u mode of Pm-3m at Γ is Γ4-; the out-of-phase octahedral tilt of ABO3 with B at the origin
  is R4+ (T1g), and R5- (T2u) with A at the origin.
- Γ of 4/mmm, 4mm (D4h, C4v): A1 1, B1 2, B2 3, A2 4, E 5; Γ of mmm (D2h): Ag 1, B1g 2, B3g 3,
  B2g 4. These are the CDML columns (Cracknell, Davies, Miller & Love 1979, the numbering
  ISO-IR follows) of the Bilbao Crystallographic Server's tables of 4mm and mmm1' (REPRESENTATIONS
  PG / COREPRESENTATIONS PG); note that they differ from Bradley & Cracknell's own point-group
  numbering (B1 is Γ3 there), and D4h follows 4mm with the parity added.
- M (½,½,0) of the primitive cubic lattice (D4h, axis z): A1 1, B1 2, A2 3, B2 4, E 5. CDML
  number the small irreps of each k-point separately, so the Γ order does not carry over. Anchored
  on published labels with B at the origin: the in-phase tilt a0a0c+ (A2g here) is M3+ and the
  in-phase Jahn–Teller distortion Q2 of LaMnO3 (B1g here) is M2+; B2 is 4 by elimination.
- X (0,½,0) (D4h, axis y): E 5 and A1 1 only (X5+: the antipolar A-cation displacement of
  CaTiO3-type Pnma); the other X irreps get a descriptive label.

Moving the origin from B to A by (½,½,½) multiplies the small irreps at M by B2g (characters
-1 on C4 and on C2 about x, +1 on the inversion: k·(1,1,1) is an integer at M), so the parity at M
does not change: with A at the origin the in-phase tilt reads M2+ (not M2-), while at R the tilt
reads R5- (T1g × A2u = T2u).

Letters are assigned for the primitive cubic lattice (Γ, X (0,½,0), M (½,½,0), R (½,½,½)) and for
Γ of every lattice. Other wavevectors, non-symmorphic parents at k ≠ 0, and little co-groups
without a table above get a descriptive label (k and the Mulliken label of the little co-group
irrep) marked as not ISO-IR.
"""

from __future__ import annotations

import numpy as np

from ..symmetry import PointGroup
from ..symmetry._identify import IdentificationError, identify

__all__ = ["BC_INDEX", "format_k", "kpoint_letter", "little_cogroup", "iso_ir_label"]

# (k letter or "GM", Schoenflies name of the little co-group) -> {Mulliken without g/u: index}
BC_INDEX: dict[tuple[str, str], dict[str, int]] = {
    ("GM", "Oh"): {"A1": 1, "A2": 2, "E": 3, "T1": 4, "T2": 5},
    ("R", "Oh"): {"A1": 1, "A2": 2, "E": 3, "T1": 4, "T2": 5},
    ("GM", "D4h"): {"A1": 1, "B1": 2, "B2": 3, "A2": 4, "E": 5},
    ("GM", "C4v"): {"A1": 1, "B1": 2, "B2": 3, "A2": 4, "E": 5},
    ("GM", "D2h"): {"A": 1, "B1": 2, "B3": 3, "B2": 4},
    ("M", "D4h"): {"A1": 1, "B1": 2, "A2": 3, "B2": 4, "E": 5},
    ("X", "D4h"): {"A1": 1, "E": 5},
}

_CUBIC_P_LETTERS = {0: "GM", 1: "X", 2: "M", 3: "R"}


def format_k(k) -> str:
    """``(1/2,1/2,0)``-style text of a wavevector with components in (-1/2, 1/2]."""
    from fractions import Fraction

    parts = []
    for v in np.asarray(k, dtype=float):
        f = Fraction(v).limit_denominator(48)
        parts.append(str(f) if f.denominator != 1 else str(f.numerator))
    return "(" + ",".join(parts) + ")"


def _is_cubic_p(cell: np.ndarray, n_ops: int) -> bool:
    lengths = np.linalg.norm(cell, axis=1)
    gram = cell @ cell.T / np.outer(lengths, lengths)
    return bool(np.allclose(lengths, lengths[0], rtol=1e-6) and np.allclose(gram, np.eye(3), atol=1e-6)
                and n_ops in (24, 48))


def kpoint_letter(k: np.ndarray, cell: np.ndarray, n_ops: int) -> str | None:
    """ISO-IR letter of ``k`` (parent reciprocal fractional), or None where not tabulated here."""
    k = np.asarray(k, dtype=float)
    if np.allclose(k, 0, atol=1e-8):
        return "GM"
    if _is_cubic_p(cell, n_ops):
        half = np.isclose(np.abs(k), 0.5, atol=1e-8)
        zero = np.isclose(k, 0, atol=1e-8)
        if np.all(half | zero):
            return _CUBIC_P_LETTERS[int(half.sum())]
    return None


def representative_arm(star: np.ndarray, letter: str | None) -> np.ndarray:
    """The arm of a star used for labels: CDML's representative where known (X = (0,½,0),
    M = (½,½,0), R = (½,½,½)), otherwise the first arm in lexicographic order."""
    reference = {"X": (0, 0.5, 0), "M": (0.5, 0.5, 0), "R": (0.5, 0.5, 0.5), "GM": (0, 0, 0)}.get(letter or "")
    if reference is not None:
        for k in star:
            if np.allclose(np.abs(k), reference, atol=1e-8):
                return k
    return star[np.lexsort(star.T[::-1])[0]]


def little_cogroup(k: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """Indices of the rotations W with :math:`W^\\top k \\equiv k` (mod reciprocal lattice)."""
    moved = np.einsum("pji,j->pi", rotations.astype(np.float64), k)
    diff = moved - k[None]
    return np.flatnonzero(np.abs(diff - np.rint(diff)).max(axis=1) < 1e-8)


def _frame(cartesian: np.ndarray, cell: np.ndarray) -> np.ndarray | None:
    """Frame with the principal axis along the lattice axis of highest rotation order and the
    secondary axis along the next lattice axis (orthogonal cells only), else None."""
    lengths = np.linalg.norm(cell, axis=1)
    axes = cell / lengths[:, None]
    if not np.allclose(axes @ axes.T, np.eye(3), atol=1e-6):
        return None

    orders = []
    for axis in axes:
        proper = cartesian * np.sign(np.linalg.det(cartesian))[:, None, None]
        fixed = np.abs(np.einsum("pij,j->pi", proper, axis) - axis).max(axis=1) < 1e-6
        angles = np.arccos(np.clip((np.einsum("pii->p", proper[fixed]) - 1) / 2, -1, 1))
        orders.append(int(round(2 * np.pi / angles[angles > 1e-6].min())) if np.any(angles > 1e-6) else 1)
    principal = 2 if orders[2] == max(orders) else int(np.argmax(orders))
    rows = [axes[(principal + 1) % 3], axes[(principal + 2) % 3], axes[principal]]
    frame = np.array(rows)
    return frame if np.linalg.det(frame) > 0 else None


def point_group_of(cartesian: np.ndarray, cell: np.ndarray) -> tuple[PointGroup, np.ndarray, bool]:
    """A :class:`PointGroup` for a stack of Cartesian operations, and the index of each operation.

    Returns (group, index, standard) where ``group.matrices[index[i]] == cartesian[i]`` and
    ``standard`` says whether the frame follows the lattice axes (so that Bradley–Cracknell
    labels apply) rather than an arbitrary identified frame.
    """
    try:
        name, frame, _ = identify(cartesian, atol=1e-6)
    except IdentificationError as error:  # pragma: no cover (spglib groups are crystallographic)
        raise ValueError(f"cannot name the little co-group: {error}") from None
    lattice_frame = _frame(cartesian, cell)
    # the labels of cubic groups do not depend on which fourfold (or twofold) axis is z
    standard = name in ("Oh", "O", "Td", "Th", "T")
    group = PointGroup(name, frame)
    if lattice_frame is not None:
        candidate = PointGroup(name, lattice_frame)
        if candidate.order == len(cartesian) and candidate.contains(cartesian):
            group, standard = candidate, True
    index = np.array([group.index_of(m) for m in cartesian])
    return group, index, standard


def iso_ir_label(letter: str | None, k: np.ndarray, group: PointGroup, mulliken: str, standard: bool) -> tuple[str, bool]:
    """(label, is_iso_ir): ``"R4+"``-style when tabulated, else ``"k=(..) T1g of Oh (not ISO-IR)"``."""
    core = mulliken.rstrip("gu")
    parity = mulliken[len(core):]
    index = BC_INDEX.get((letter or "", group.name), {}).get(core)
    if letter is not None and standard and index is not None:
        sign = {"g": "+", "u": "-", "": ""}[parity]
        return f"{letter}{index}{sign}", True
    where = letter if letter is not None else f"k={format_k(k)}"
    return f"{where}: {mulliken} of {group.name} (not ISO-IR)", False
