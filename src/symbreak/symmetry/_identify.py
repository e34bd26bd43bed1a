"""Name a finite group of orthogonal matrices and find the rotation to standard orientation.

The Schoenflies name follows from the multiset of element types ``(det, φ/2π)`` (conjugacy
classes of O(3)), compared with the named groups of the same order. The *frame* is a rotation
``F`` with ``F @ M @ F.T`` ∈ standard group for every element ``M``; it maps the group's principal
axis to z and its secondary element (C2' axis, σv plane, …) to x. Among all such frames the one
closest to the identity (largest ``trace(F)``) is returned, so a group that already is in
standard orientation keeps ``F = I`` and its labels agree with :meth:`PointGroup.from_name`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ._names import MAX_AXIS_ORDER
from ._ops import axis_of, match_sets, op_type
from ._standard import StandardTables, standard_tables

__all__ = ["identify", "IdentificationError"]


class IdentificationError(ValueError):
    """The matrices do not form a recognisable finite point group within tolerance."""


def _candidate_names(types: list, mats: np.ndarray) -> list[str]:
    proper_orders = [q.denominator for det, q in types if det > 0 and q != 0]
    n = max(proper_orders, default=1)
    high_axes: list[np.ndarray] = []
    for (det, q), m in zip(types, mats):
        if det > 0 and q != 0 and q.denominator >= 3:
            a = axis_of(m)
            if all(abs(abs(a @ b) - 1) > 1e-3 for b in high_axes):
                high_axes.append(a)
    if len(high_axes) > 1:
        return ["T", "Th", "O", "Td", "Oh", "I", "Ih"]
    if n == 1:
        return ["C1", "Ci", "Cs"]
    if n > MAX_AXIS_ORDER:
        raise IdentificationError(
            f"rotation axis of order {n} exceeds the supported maximum {MAX_AXIS_ORDER}"
        )
    return [f"C{n}", f"C{n}v", f"C{n}h", f"D{n}", f"D{n}h", f"D{n}d", f"S{2 * n}"]


def name_of(mats: np.ndarray, angle_tol: float = 2e-3) -> str:
    """Schoenflies name of the group ``mats`` (closed, deduplicated)."""
    try:
        types = [op_type(m, tol=angle_tol, max_denominator=2 * MAX_AXIS_ORDER) for m in mats]
    except ValueError as exc:
        raise IdentificationError(str(exc)) from exc
    sig = Counter(types)
    for name in _candidate_names(types, mats):
        t = standard_tables(name)
        if len(t.matrices) == len(mats) and t.signature == sig:
            return name
    raise IdentificationError(f"no point group matches these {len(mats)} operations")


def _axes_of_type(mats, types, wanted) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for m, t in zip(mats, types):
        if t == wanted:
            a = axis_of(m)
            if a is not None and all(abs(abs(a @ b) - 1) > 1e-6 for b in out):
                out.append(a)
    return out


def _frame(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    z = z / np.linalg.norm(z)
    x = x - (x @ z) * z
    x = x / np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z])


def _candidate_frames(mats, types, t: StandardTables, axis_tol: float):
    if t.principal is None:
        yield np.eye(3)
        return
    ptype = t.types[t.principal]
    for a in _axes_of_type(mats, types, ptype):
        for z in (a, -a):
            if t.secondary is None:
                ref = np.eye(3)[0] if abs(z[0]) < 0.9 else np.eye(3)[1]
                yield _frame(ref, z)
                continue
            idx, along = t.secondary
            for b in _axes_of_type(mats, types, t.types[idx]):
                if abs(b @ z) > axis_tol:
                    continue
                for s in (b, -b):
                    yield _frame(s if along == "x" else np.cross(s, z), z)


def identify(
    matrices: np.ndarray, atol: float = 1e-6, name: str | None = None
) -> tuple[str, np.ndarray, np.ndarray]:
    """Name, frame and element correspondence of a finite group of orthogonal matrices.

    Parameters
    ----------
    matrices : (order, 3, 3) array
        The group elements (closed under products within ``atol``), any order, any orientation.
    atol : float
        Largest entry-wise difference allowed between ``F @ M @ F.T`` and the standard element.
    name : str, optional
        Known Schoenflies name (skips the name search).

    Returns
    -------
    name : str
        Schoenflies name.
    frame : (3, 3) array
        Proper rotation ``F`` with ``F @ matrices[index[j]] @ F.T ≈ standard[j]``.
    index : (order,) int array
        ``index[j]`` is the element of ``matrices`` corresponding to standard element ``j``.

    Raises
    ------
    IdentificationError
        If no named group and frame match.
    """
    mats = np.asarray(matrices, dtype=np.float64)
    angle_tol = max(2e-3, 0.5 * atol)
    if name is None:
        name = name_of(mats, angle_tol)
    t = standard_tables(name)
    if len(t.matrices) != len(mats):
        raise IdentificationError(f"{len(mats)} operations cannot form the group {name}")
    types = [op_type(m, tol=angle_tol, max_denominator=2 * MAX_AXIS_ORDER) for m in mats]
    best = None
    axis_tol = max(1e-6, 2 * atol)
    for f in _candidate_frames(mats, types, t, axis_tol):
        rotated = np.einsum("ij,njk,lk->nil", f, mats, f)
        p = match_sets(rotated, t.matrices, atol)
        if p is not None and (best is None or np.trace(f) > np.trace(best[0]) + 1e-9):
            best = (f, p)
    if best is None:
        raise IdentificationError(f"the operations have the types of {name} but no frame matches")
    f, p = best
    return name, f, p
