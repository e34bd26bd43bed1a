"""Mulliken labels of irreps and names of conjugacy classes (groups in standard orientation).

Irrep labels (computed from the characters, never typed in):

- letter by dimension: 1 → A/B, 2 → E, 3 → T, 4 → G, 5 → H. A one-dimensional irrep is A if its
  character on the principal element is +1, B if −1; the principal element is the rotation
  :math:`C_n` by 2π/n about z, except for groups without inversion and σh whose highest-order axis
  is an improper :math:`S_{2n}` (S4, S8, D2d, D4d, …), where it is :math:`S_{2n}`. Cubic groups
  use A1/A2 and T1/T2 by the character on C4 (O, Oh) or S4 (Td) about z; icosahedral groups
  T1/T2 by the sign of the character on C5 (2π/5).
- complex-conjugate pairs of one-dimensional irreps (C3, C4, S4, C3h, T, …) are labelled
  ``1E``/``2E``: ``1E`` has :math:`\\operatorname{Im}\\chi > 0` on the principal element (on the
  C3 by +2π/3 about (1, 1, 1) in T and Th). Their sum is the real ("physically irreducible")
  two-dimensional irrep ``E``.
- numeric subscripts: E_k (and the pairs) carry k when the principal element of order p allows
  several, ``p >= 5``, with :math:`\\chi(C_p) = 2\\cos(2\\pi k/p)`; A/B carry 1/2 by the character on
  the C2' along x or, without C2', on the σv = xz plane; D2 and D2h use B1/B2/B3 for the irrep
  symmetric under C2(z)/C2(y)/C2(x).
- g/u by the sign of the character on the inversion; ' / '' by the sign on σh when the group
  has σh but no inversion.
"""

from __future__ import annotations

import numpy as np

from ._names import GroupName
from ._ops import axis_of, op_type, rotation, signed_angle

__all__ = ["irrep_labels", "class_names", "irrep_sort_key"]

_Z = np.array([0.0, 0.0, 1.0])
_X = np.array([1.0, 0.0, 0.0])
_Y = np.array([0.0, 1.0, 0.0])


def _find(mats: np.ndarray, target: np.ndarray) -> int | None:
    d = np.abs(mats - target[None]).reshape(len(mats), 9).max(axis=1)
    i = int(np.argmin(d))
    return i if d[i] < 1e-8 else None


def _rot_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


_SIGMA_Z = np.diag([1.0, 1.0, -1.0])


def principal_element(mats: np.ndarray, g: GroupName) -> tuple[int | None, int]:
    """Index and order p of the principal element used for A/B and E_k (see module doc)."""
    if g.family in ("O", "Oh"):
        return _find(mats, _rot_z(np.pi / 2)), 4
    if g.family == "Td":
        return _find(mats, _SIGMA_Z @ _rot_z(np.pi / 2)), 4
    if g.family in ("I", "Ih"):
        return _find(mats, rotation([0.0, 1.0, (1 + 5**0.5) / 2], 2 * np.pi / 5)), 5
    if g.polyhedral or g.n < 2:
        return None, 1
    has_i = _find(mats, -np.eye(3)) is not None
    has_h = _find(mats, _SIGMA_Z) is not None
    s2n = _find(mats, _SIGMA_Z @ _rot_z(np.pi / g.n))
    if s2n is not None and not has_i and not has_h:
        return s2n, 2 * g.n
    return _find(mats, _rot_z(2 * np.pi / g.n)), g.n


def irrep_labels(mats: np.ndarray, g: GroupName, chars: np.ndarray, class_of: np.ndarray) -> list[str]:
    """Mulliken label of each row of ``chars`` (complex, rows = irreps, columns = classes)."""
    def chi(row: np.ndarray, idx: int | None) -> complex | None:
        return None if idx is None else complex(row[class_of[idx]])

    inv = _find(mats, -np.eye(3))
    sigma_h = _find(mats, _SIGMA_Z) if inv is None else None
    princ, p = principal_element(mats, g)
    second = _find(mats, np.diag([1.0, -1.0, -1.0]))  # C2' along x
    if second is None:
        second = _find(mats, np.diag([1.0, -1.0, 1.0]))  # σv = xz plane
    c2 = {ax: _find(mats, np.diag(d)) for ax, d in
          (("z", [-1.0, -1.0, 1.0]), ("y", [-1.0, 1.0, -1.0]), ("x", [1.0, -1.0, -1.0]))}
    c3_111 = _find(mats, np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    n_sub = (p - 1) // 2  # number of distinct E_k
    labels = []
    for row in chars:
        d = int(round(row[0].real))
        complex_row = bool(np.any(np.abs(row.imag) > 1e-8))
        prefix, num, letter = "", "", ""
        cp = chi(row, princ)
        if complex_row:
            letter = "E"
            ref = cp if cp is not None and abs(cp.imag) > 1e-8 else chi(row, c3_111)
            prefix = "1" if ref.imag > 0 else "2"
            if princ is not None and n_sub > 1:
                k = round(np.angle(cp) / (2 * np.pi) * p) % p
                num = str(min(k, p - k))
        elif d == 1:
            if g.polyhedral:
                letter = "A"
                cubic = g.family in ("O", "Oh", "Td")
                num = "" if not cubic else ("1" if cp.real > 0 else "2")
            else:
                letter = "A" if cp is None or cp.real > 0 else "B"
                if g.family in ("D", "Dh") and g.n == 2:
                    if any(chi(row, c2[ax]).real < 0 for ax in "xyz"):
                        letter = "B"
                        num = next(str(i + 1) for i, ax in enumerate("zyx")
                                   if chi(row, c2[ax]).real > 0)
                elif second is not None:
                    num = "1" if chi(row, second).real > 0 else "2"
        elif d == 2:
            letter = "E"
            if not g.polyhedral and n_sub > 1:
                k = round(np.arccos(np.clip(cp.real / 2, -1, 1)) / (2 * np.pi) * p)
                num = str(k)
        elif d == 3:
            letter = "T"
            if cp is not None:
                num = "1" if cp.real > 0 else "2"
        else:
            letter = {4: "G", 5: "H"}[d]
        gu = ""
        if inv is not None:
            gu = "g" if chi(row, inv).real > 0 else "u"
        prime = ""
        if sigma_h is not None:
            prime = "'" if chi(row, sigma_h).real > 0 else "''"
        labels.append(f"{prefix}{letter}{num}{gu}{prime}")
    return labels


def irrep_sort_key(label: str) -> tuple:
    """Textbook row order: g before u (' before ''), then A, B, E, T, G, H, then subscripts."""
    parity = 1 if (label.endswith("u") or label.endswith("''")) else 0
    core = label.rstrip("'").rstrip("gu")
    prefix = core[0] if core[0].isdigit() else ""
    core = core[len(prefix):]
    letter, num = core[0], core[1:]
    return (parity, "ABETGH".index(letter), int(num or 0), prefix)


def class_names(mats: np.ndarray, g: GroupName, classes: list[np.ndarray]) -> list[str]:
    """Readable names of the conjugacy classes, e.g. ``"8C3"``, ``"6C2'"``, ``"3σh"``, ``"i"``."""
    axial = not g.polyhedral
    d2 = g.family in ("D", "Dh", "Cv") and g.n == 2
    ref = _Z if axial else np.array([1.0, 1.0, 1.0]) / np.sqrt(3.0)
    x_c2 = _find(mats, np.diag([1.0, -1.0, -1.0]))
    xz_mirror = _find(mats, np.diag([1.0, -1.0, 1.0]))
    axis_names = {"x": _X, "y": _Y, "z": _Z}
    names = []
    for cls in classes:
        m0 = mats[cls[0]]
        det, q = op_type(m0)
        count = "" if len(cls) == 1 else str(len(cls))
        if det > 0 and q == 0:
            names.append("E")
            continue
        if det < 0 and q == 0.5:
            names.append(count + "i")
            continue
        # representative: element whose axis is most aligned with ref, smallest power
        best = None
        for e in cls:
            a = axis_of(mats[e])
            align = abs(a @ ref)
            a = a if a @ ref >= 0 else -a
            if abs(a @ ref) < 1e-9:  # axis ⊥ ref: orient by a generic direction
                a = a if a @ np.array([0.9, 0.3, 0.1]) >= 0 else -a
            qq = signed_angle(mats[e], a) / (2 * np.pi)
            if det < 0 and q.denominator % 2 == 1 and q != 0:
                # S_n^j (n odd): prefer the smallest odd power j, j ≡ k (mod n)
                kk = int(round(qq * q.denominator)) % q.denominator
                qq = (kk if kk % 2 else kk + q.denominator) / q.denominator
            key = (-round(align, 6), qq)
            if best is None or key < best[0]:
                best = (key, a)
        a = best[1]
        qq = best[0][1]
        den = q.denominator if q != 0 else 1
        k = int(round(qq * den)) % den if den > 1 else 0
        if det < 0 and den % 2 == 1 and den > 1:
            k = int(round(qq * den))
        along = {ax for ax, v in axis_names.items() if abs(abs(a @ v) - 1) < 1e-8}
        if det > 0:
            sym = f"C{den}" + (f"^{k}" if k > 1 else "")
            if den == 2:
                if d2:
                    sym = f"C2({next(iter(along))})" if g.family != "Cv" else "C2"
                elif axial and abs(a @ _Z) < 1e-8:
                    sym = "C2'" if x_c2 is not None and x_c2 in cls else "C2''"
                elif g.family in ("O", "Oh") and not along:
                    sym = "C2'"
        elif q == 0:  # mirror, a = normal
            if d2:
                plane = "".join(sorted("xyz".replace(next(iter(along)), "")))
                sym = f"σ({plane})"
                if g.family == "Cv":
                    sym = "σv(xz)" if plane == "xz" else "σv'(yz)"
            elif g.family in ("I", "Ih"):
                sym = "σ"
            elif g.polyhedral:
                sym = "σh" if along else "σd"
            elif abs(abs(a @ _Z) - 1) < 1e-8:
                sym = "σh"
            elif g.family != "Dd" and xz_mirror is not None and xz_mirror in cls:
                sym = "σv"
            else:
                sym = "σd"
        else:
            # S_den^j with j odd, S^j = σ^j C^j: C^j ≡ C^k (mod den)
            j = k if (k % 2 == 1 or den % 2 == 0) else k + den
            sym = f"S{den}" + (f"^{j}" if j > 1 else "")
        names.append(count + sym)
    return names
