"""Elementary orthogonal operations in 3D and their geometric type.

Every symmetry operation is a 3×3 orthogonal Cartesian matrix :math:`M` acting on column
vectors, :math:`x' = M x`. A proper rotation has :math:`\\det M = +1`; an improper operation is
written :math:`M = R(\\varphi, \\hat a)\\,\\sigma_{\\hat a}` with :math:`\\sigma_{\\hat a} = I - 2\\hat a
\\hat a^\\top` the mirror perpendicular to the axis :math:`\\hat a` (a rotation-reflection
:math:`S_n` when :math:`\\varphi = 2\\pi/n`; a mirror when :math:`\\varphi = 0`; the inversion when
:math:`\\varphi = \\pi`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

__all__ = [
    "rotation",
    "reflection",
    "rotoreflection",
    "INVERSION",
    "axis_of",
    "signed_angle",
    "op_type",
    "closure",
    "match_sets",
]

INVERSION = -np.eye(3)


def rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    """Proper rotation by ``angle`` (radians, counter-clockwise) about ``axis`` (Rodrigues).

    .. math:: R = I + \\sin\\varphi\\,K + (1 - \\cos\\varphi) K^2, \\quad K = [\\hat a]_\\times
    """
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def reflection(normal: np.ndarray) -> np.ndarray:
    """Mirror through the plane perpendicular to ``normal``: :math:`I - 2\\hat n\\hat n^\\top`."""
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    return np.eye(3) - 2.0 * np.outer(n, n)


def rotoreflection(axis: np.ndarray, angle: float) -> np.ndarray:
    """Improper rotation :math:`\\sigma_{\\hat a} R(\\varphi, \\hat a)` (:math:`S_n` for φ = 2π/n)."""
    return reflection(axis) @ rotation(axis, angle)


def _proper_part(m: np.ndarray) -> np.ndarray:
    return m * np.sign(np.linalg.det(m))


def axis_of(m: np.ndarray) -> np.ndarray | None:
    """Unit axis of an orthogonal matrix (rotation axis of ``det(m) * m``), sign arbitrary.

    Returns ``None`` for the identity and the inversion (no axis). For an improper matrix the
    axis is the rotation axis of :math:`-M` (the mirror normal for a mirror).
    """
    r = _proper_part(m)
    if np.trace(r) > 3.0 - 1e-9:
        return None
    w, v = np.linalg.eigh(0.5 * (r + r.T))
    a = v[:, np.argmax(w)]
    return a / np.linalg.norm(a)


def signed_angle(m: np.ndarray, axis: np.ndarray) -> float:
    """Angle φ ∈ [0, 2π) of the rotation part of ``m`` about the oriented ``axis``.

    For a proper ``m`` this is the rotation angle of ``m``; for an improper ``m`` the angle of
    :math:`R = M\\,\\sigma_{\\hat a}` (so that :math:`M = R\\,\\sigma_{\\hat a}`).
    """
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    r = m if np.linalg.det(m) > 0 else m @ reflection(a)
    # pick two orthonormal vectors u, w = a × u spanning the plane ⊥ a
    u = np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    w = np.cross(a, u)
    ru = r @ u
    return float(np.arctan2(ru @ w, ru @ u) % (2.0 * np.pi))


def op_type(m: np.ndarray, tol: float = 1e-3, max_denominator: int = 60) -> tuple[int, Fraction]:
    """Conjugacy-invariant type ``(det, q)`` of an orthogonal matrix.

    ``q = φ / 2π ∈ [0, 1/2]`` is the unsigned rotation angle of the rotation part (see
    :func:`signed_angle`) as a fraction: ``(1, 0)`` identity, ``(1, 1/n)`` a :math:`C_n`,
    ``(-1, 0)`` a mirror, ``(-1, 1/2)`` the inversion, ``(-1, 1/n)`` an :math:`S_n`.
    Two elements of O(3) are conjugate in O(3) iff they have the same type.

    Raises
    ------
    ValueError
        If the angle is not within ``tol`` (in turns) of a fraction with denominator
        ``<= max_denominator``.
    """
    det = 1 if np.linalg.det(m) > 0 else -1
    tr = float(np.trace(m))
    # proper: tr = 1 + 2cos φ ; improper M = R σ: tr = 2cos φ - 1
    c = (tr - 1.0) / 2.0 if det > 0 else (tr + 1.0) / 2.0
    q = float(np.arccos(np.clip(c, -1.0, 1.0)) / (2.0 * np.pi))
    frac = Fraction(q).limit_denominator(max_denominator)
    if abs(float(frac) - q) > tol:
        raise ValueError(f"rotation angle {q:.5f} turns is not a rational multiple of 2π")
    return det, frac


def match_sets(a: np.ndarray, b: np.ndarray, atol: float) -> np.ndarray | None:
    """Permutation ``p`` with ``a[p[i]] ≈ b[i]`` (Frobenius distance ≤ atol), or ``None``.

    ``a`` and ``b`` are stacks of matrices ``(n, 3, 3)``; the match must be one-to-one.
    """
    if len(a) != len(b):
        return None
    fa, fb = a.reshape(len(a), 9), b.reshape(len(b), 9)
    d2 = (fb**2).sum(1)[:, None] + (fa**2).sum(1)[None, :] - 2.0 * fb @ fa.T  # (n_b, n_a)
    p = np.argmin(d2, axis=1)
    if np.any(d2[np.arange(len(b)), p] > atol**2) or len(np.unique(p)) != len(p):
        return None
    return p


def closure(generators: np.ndarray, atol: float = 1e-6, max_order: int = 240) -> np.ndarray:
    """All products of ``generators`` (orthogonal 3×3), deduplicated within ``atol``.

    Returns the group elements, identity first, in breadth-first order ``(order, 3, 3)``.

    Raises
    ------
    ValueError
        If more than ``max_order`` distinct elements appear (the generators do not generate a
        finite group within the tolerance).
    """
    gens = [np.asarray(g, dtype=np.float64) for g in generators]
    elements = [np.eye(3)]
    flat = np.eye(3).reshape(1, 9)
    frontier = [np.eye(3)]
    while frontier:
        new = []
        for x in frontier:
            for g in gens:
                y = g @ x
                if np.abs(flat - y.reshape(1, 9)).max(axis=1).min() > atol:
                    elements.append(y)
                    flat = np.vstack([flat, y.reshape(1, 9)])
                    new.append(y)
                    if len(elements) > max_order:
                        raise ValueError(f"generators produce more than {max_order} elements")
        frontier = new
    return np.stack(elements)
