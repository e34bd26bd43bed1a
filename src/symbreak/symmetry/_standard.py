"""Tables of each named point group in standard orientation, computed once and cached."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ._labels import class_names, irrep_labels, irrep_sort_key
from ._names import GroupName, generators, parse_name
from ._ops import axis_of, closure, op_type
from ._tables import burnside_dixon, conjugacy_classes, multiplication_table

__all__ = ["StandardTables", "standard_tables", "element_order"]


def element_order(det: int, q: Fraction) -> int:
    """Order of an element of type ``(det, q)`` (see :func:`~._ops.op_type`)."""
    if det > 0:
        return q.denominator if q else 1
    if q == 0:
        return 2  # mirror
    den = q.denominator
    return den if den % 2 == 0 else 2 * den


def _ro(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class StandardTables:
    """Everything about one named group in standard orientation (element order fixed).

    Attributes
    ----------
    gname : GroupName
    matrices : (order, 3, 3) float64
    table : (order, order) int, ``matrices[table[a, b]] = matrices[a] @ matrices[b]``
    inverse : (order,) int
    classes : list of int arrays; class_of : (order,) int
    class_names : list of str
    characters : (n_irreps, n_classes) complex
    labels : list of str; dims : (n_irreps,) int
    real_labels, real_characters (real), real_dims, real_components (tuple of irrep rows)
    types : list of (det, q) element types; signature : Counter of the types
    principal, secondary : index of the element used to orient the group (or None) and, for the
        secondary, the axis (``"x"`` or ``"y"``) it lies along.
    """

    gname: GroupName
    matrices: np.ndarray
    table: np.ndarray
    inverse: np.ndarray
    classes: list
    class_of: np.ndarray
    class_names: list
    characters: np.ndarray
    labels: list
    dims: np.ndarray
    real_labels: list
    real_characters: np.ndarray
    real_dims: np.ndarray
    real_components: list
    types: list
    signature: Counter
    principal: int | None
    secondary: tuple[int, str] | None


def _class_key(mats, cls, axial):
    m = mats[cls[0]]
    det, q = op_type(m)
    special = (det > 0 and q == 0) or (det < 0 and q == Fraction(1, 2))
    a = axis_of(m)
    off_z = 0 if (a is None or not axial or abs(abs(a[2]) - 1) < 1e-8) else 1
    den = q.denominator if q else 1
    return (det < 0, not special, off_z, -den, float(q), int(cls[0]))


def _orienting_elements(mats, types):
    def best_along(v):
        idx = []
        for i, m in enumerate(mats):
            a = axis_of(m)
            if a is not None and abs(abs(a @ v) - 1) < 1e-8:
                det, q = types[i]
                idx.append((-element_order(det, q), -det, i))
        return min(idx)[2] if idx else None

    principal = best_along(np.array([0.0, 0.0, 1.0]))
    for name, v in (("x", np.array([1.0, 0.0, 0.0])), ("y", np.array([0.0, 1.0, 0.0]))):
        i = best_along(v)
        if i is not None:
            return principal, (i, name)
    return principal, None


@lru_cache(maxsize=None)
def standard_tables(name: str) -> StandardTables:
    """Tables of the group ``name`` (any accepted spelling) in standard orientation."""
    g = parse_name(name)
    if g.name != name:
        return standard_tables(g.name)
    mats = closure(np.stack(generators(g)), atol=1e-8)
    table = multiplication_table(mats, atol=1e-6)
    classes, _, inverse = conjugacy_classes(table)
    classes = sorted(classes, key=lambda c: _class_key(mats, c, not g.polyhedral))
    class_of = np.empty(len(mats), dtype=np.int64)
    for k, c in enumerate(classes):
        class_of[c] = k
    chars = burnside_dixon(table, classes, class_of, inverse)
    labels = irrep_labels(mats, g, chars, class_of)
    order = sorted(range(len(labels)), key=lambda i: irrep_sort_key(labels[i]))
    chars, labels = chars[order], [labels[i] for i in order]
    if len(set(labels)) != len(labels):
        raise RuntimeError(f"duplicate irrep labels in {g.name}: {labels}")
    dims = np.round(chars[:, 0].real).astype(np.int64)
    # physically irreducible (real) irreps: complex-conjugate pairs summed
    real_labels, real_chars, real_dims, comps = [], [], [], []
    for i, row in enumerate(chars):
        if np.all(np.abs(row.imag) < 1e-8):
            real_labels.append(labels[i]); real_chars.append(row.real)
            real_dims.append(dims[i]); comps.append((i,))
        elif labels[i].startswith("1"):
            j = next(j for j in range(len(chars)) if np.allclose(chars[j], row.conj()))
            real_labels.append(labels[i][1:]); real_chars.append(2.0 * row.real)
            real_dims.append(2 * dims[i]); comps.append((i, j))
    types = [op_type(m) for m in mats]
    principal, secondary = _orienting_elements(mats, types)
    return StandardTables(
        gname=g, matrices=_ro(mats), table=_ro(table), inverse=_ro(inverse),
        classes=[_ro(c) for c in classes], class_of=_ro(class_of),
        class_names=class_names(mats, g, classes), characters=_ro(chars), labels=labels,
        dims=_ro(dims), real_labels=real_labels, real_characters=_ro(np.array(real_chars)),
        real_dims=_ro(np.array(real_dims)), real_components=comps, types=types,
        signature=Counter(types), principal=principal, secondary=secondary,
    )
