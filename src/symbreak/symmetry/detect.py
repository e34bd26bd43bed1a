"""Point group of a finite point set (molecule, shape), robust to small noise.

Algorithm
---------
1. Centre the points at their centroid (every symmetry permutes points of equal species, so it
   fixes the centroid). Merge exact duplicates (their multiplicity becomes part of the species).
   The length scale is the smallest distance ``d_nn`` between distinct points; the absolute
   tolerance is ``tol * d_nn``.
2. Degenerate sets: all points at the centre → stand-in ``Ih`` for the full orthogonal group
   (``limit_group = "Kh"``); all points on a line through the centre → stand-in ``D12h``
   (``"D∞h"``, when the inversion maps the set onto itself) or ``C12v`` (``"C∞v"``) with the
   principal axis along the line (the finite stand-in is exact for irreps with |m| < 6).
3. Candidate operations: points are grouped by species and radius (symmetry-equivalent sets).
   Two reference points ``p1``, ``p2`` (not collinear with the centre, from small sets) fix an
   orthogonal map once their images ``q1``, ``q2`` are chosen in their sets with
   ``|q1 - q2| ≈ |p1 - p2|``: one proper and one improper candidate per pair of images.
4. A candidate is kept if it maps every point to a distinct point of the same species within the
   tolerance; it is then refined by orthogonal Procrustes on that permutation.
5. The kept operations are closed into a group, named (:mod:`._identify`) and replaced by the
   exact operations of the named group in the matching frame; the exact group is checked against
   the points again, with the same tolerance ``tol * d_nn`` (no extra slack: a cube whose top
   face is twisted by 10° fits Oh within 0.12 edge lengths and must come out D4 at tol = 0.1).
   The largest distance found there is the group's ``max_deviation``. An axis of order n > MAX_AXIS_ORDER is reduced to the subgroup of the
   largest divisor n' <= MAX_AXIS_ORDER of n. If anything else fails, the least accurate
   operation is dropped and step 5 repeats (C1 at worst).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy.spatial import cKDTree

from .._validation import as_points
from ._identify import IdentificationError, identify
from ._names import MAX_AXIS_ORDER
from ._ops import axis_of, closure, op_type, rotation
from ._tables import multiplication_table
from .group import PointGroup

__all__ = ["point_group_of_points"]


def _validate(points: Any, species: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_points(points)
    if species is None:
        codes = np.zeros(len(x), dtype=np.int64)
    else:
        sp = list(species)
        if len(sp) != len(x):
            raise ValueError(f"species has {len(sp)} entries for {len(x)} points")
        lookup: dict = {}
        codes = np.array([lookup.setdefault(s, len(lookup)) for s in sp], dtype=np.int64)
    return x, codes


def _merge_duplicates(x: np.ndarray, codes: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    tree = cKDTree(x)
    groups = tree.query_ball_point(x, r=eps)
    seen = np.zeros(len(x), dtype=bool)
    keep, labels = [], []
    for i, g in enumerate(groups):
        if seen[i]:
            continue
        g = [j for j in g if not seen[j]]
        seen[g] = True
        keep.append(i)
        labels.append(tuple(sorted(codes[g].tolist())))
    lookup: dict = {}
    new_codes = np.array([lookup.setdefault(lab, len(lookup)) for lab in labels], dtype=np.int64)
    return x[keep], new_codes


class _Matcher:
    """Checks whether an orthogonal matrix maps the species-labelled points onto themselves."""

    def __init__(self, x: np.ndarray, codes: np.ndarray, atol: float) -> None:
        self.x, self.codes, self.atol = x, codes, atol
        self.index = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
        self.trees = [cKDTree(x[i]) for i in self.index]

    def permutations(self, mats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each matrix: max residual and the permutation (``-1`` rows where not one-to-one)."""
        k, n = len(mats), len(self.x)
        y = np.einsum("kij,nj->kni", mats, self.x)  # (k, n, 3) images
        res = np.zeros((k, n))
        perm = np.zeros((k, n), dtype=np.int64)
        for c, idx in enumerate(self.index):
            d, j = self.trees[c].query(y[:, idx].reshape(-1, 3))
            res[:, idx] = d.reshape(k, len(idx))
            perm[:, idx] = idx[j.reshape(k, len(idx))]
        worst = res.max(axis=1)  # bijectivity below:
        srt = np.sort(perm, axis=1)
        bijective = np.all(srt == np.arange(n)[None, :], axis=1)
        worst[~bijective] = np.inf
        return worst, perm

    def prefilter(self, mats: np.ndarray, atol: float, n_probe: int = 12) -> np.ndarray:
        """Boolean mask of the matrices that map a few probe points within ``atol``."""
        probe = np.linspace(0, len(self.x) - 1, min(n_probe, len(self.x))).astype(np.int64)
        y = np.einsum("kij,nj->kni", mats, self.x[probe])
        ok = np.ones(len(mats), dtype=bool)
        for a, i in enumerate(probe):
            c = self.codes[i]
            d, _ = self.trees[c].query(y[:, a])
            ok &= d <= atol
        return ok

    def procrustes(self, det: float, perm: np.ndarray) -> np.ndarray:
        """Orthogonal R with given determinant minimising Σ |R x_i - x_perm(i)|²."""
        h = self.x[perm].T @ self.x  # Σ y_i x_iᵀ
        u, _, vt = np.linalg.svd(h)
        d = np.sign(det) * np.sign(np.linalg.det(u @ vt))
        return u @ np.diag([1.0, 1.0, d]) @ vt


def _frame_from_pair(p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    e1 = p1 / np.linalg.norm(p1)
    e2 = p2 - (p2 @ e1) * e1
    e2 /= np.linalg.norm(e2)
    return np.stack([e1, e2, np.cross(e1, e2)], axis=1)  # columns


def _cluster_radii(r: np.ndarray, codes: np.ndarray, atol: float) -> np.ndarray:
    """Label of the symmetry-equivalence candidate set (species, radius shell) of each point."""
    labels = -np.ones(len(r), dtype=np.int64)
    nxt = 0
    for c in np.unique(codes):
        idx = np.flatnonzero(codes == c)
        order = idx[np.argsort(r[idx])]
        labels[order[0]] = nxt
        for a, b in zip(order[:-1], order[1:]):
            if r[b] - r[a] > atol:
                nxt += 1
            labels[b] = nxt
        nxt += 1
    return labels


def _candidates(x: np.ndarray, codes: np.ndarray, atol: float) -> np.ndarray:
    r = np.linalg.norm(x, axis=1)
    shells = _cluster_radii(r, codes, atol)
    sizes = np.bincount(shells)
    usable = [i for i in np.argsort(sizes[shells], kind="stable") if r[i] > atol]
    p1 = usable[0]
    u1 = x[p1] / r[p1]
    # p2: well-conditioned partner, preferring small shells
    best = None
    for i in usable:
        s = np.linalg.norm(np.cross(u1, x[i] / r[i]))
        key = (s < 0.3, sizes[shells[i]], -s)
        if s > 1e-6 and (best is None or key < best[0]):
            best = (key, i)
    if best is None:
        return np.zeros((0, 3, 3))
    p2 = best[1]
    s1 = np.flatnonzero(shells == shells[p1])
    s2 = np.flatnonzero(shells == shells[p2])
    d12 = np.linalg.norm(x[p1] - x[p2])
    e = _frame_from_pair(x[p1], x[p2])
    dist = np.linalg.norm(x[s1][:, None] - x[s2][None], axis=2)  # (|s1|, |s2|)
    i1, i2 = np.nonzero(np.abs(dist - d12) <= 2.0 * atol)
    q1, q2 = x[s1[i1]], x[s2[i2]]
    cross = np.linalg.norm(np.cross(q1, q2), axis=1)
    ok = cross > 1e-9 * np.linalg.norm(q1, axis=1) * np.linalg.norm(q2, axis=1)
    q1, q2 = q1[ok], q2[ok]
    f1 = q1 / np.linalg.norm(q1, axis=1, keepdims=True)
    f2 = q2 - np.sum(q2 * f1, axis=1, keepdims=True) * f1
    f2 /= np.linalg.norm(f2, axis=1, keepdims=True)
    f3 = np.cross(f1, f2)
    proper = np.stack([f1, f2, f3], axis=2) @ e.T  # columns f1, f2, f3
    improper = np.stack([f1, f2, -f3], axis=2) @ e.T
    return np.concatenate([proper, improper])


def _linear(x: np.ndarray, codes: np.ndarray, matcher: _Matcher) -> PointGroup:
    _, _, vt = np.linalg.svd(x)
    z = vt[0]
    if z[2] < 0 or (abs(z[2]) < 1e-12 and z @ np.array([1.0, 1.0, 0.5]) < 0):
        z = -z
    ref = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    xx = ref - (ref @ z) * z
    xx /= np.linalg.norm(xx)
    frame = np.stack([xx, np.cross(z, xx), z])
    worst, _ = matcher.permutations(-np.eye(3)[None])
    centro = worst[0] <= matcher.atol
    n = MAX_AXIS_ORDER
    name, limit = (f"D{n}h", "D∞h") if centro else (f"C{n}v", "C∞v")
    worst, _ = matcher.permutations(PointGroup(name, frame).matrices)
    return PointGroup(name, frame, limit_group=limit, max_deviation=float(worst.max()))


def point_group_of_points(points: Any, tol: float = 0.1, species: Sequence | None = None) -> PointGroup:
    """Largest point group mapping the point set onto itself within a tolerance.

    Parameters
    ----------
    points : (N, 3) array_like
        Coordinates in any frame and with any origin.
    tol : float
        Tolerance relative to the smallest distance between distinct points, ``d_nn``: an
        operation is accepted when every point lands within ``tol * d_nn`` of a distinct point
        of the same species. The default 0.1 accepts Gaussian noise of about 1.5 % of ``d_nn`` (all 20 seeds
        of a noisy cube), not a cube with its top face twisted by 10° (deviation 0.12 ``d_nn``).
    species : sequence of length N, optional
        Labels (any hashable); points of different species are never mapped onto each other.

    Returns
    -------
    PointGroup
        Exact operations acting on coordinates centred at the centroid, in the input frame; its
        ``frame`` rotates it to standard orientation (identity when the input already is). Its
        ``max_deviation`` is :math:`\\max_{g,i} |g x_i - x_{\\pi_g(i)}|` over the exact
        operations, in the units of ``points`` (at most ``tol * d_nn``); e.g. a unit cube with
        Gaussian noise σ = 0.01 gives 0.02-0.06 (20 seeds).

    Raises
    ------
    ValueError
        If ``points`` is not (N, 3) with N ≥ 1, contains NaN/inf, or ``species`` has the wrong
        length.
    """
    x, codes = _validate(points, species)
    if not (np.isfinite(tol) and 0 < tol < 0.5):
        raise ValueError(f"tol must be in (0, 0.5), got {tol}")
    scale = max(1.0, float(np.abs(x).max()))
    x = x - x.mean(axis=0)
    extent = float(np.linalg.norm(x, axis=1).max())
    if extent <= 1e-14 * scale:
        return PointGroup("Ih", limit_group="Kh", max_deviation=extent)
    x, codes = _merge_duplicates(x, codes, 1e-9 * extent)
    if len(x) == 1:
        return PointGroup("Ih", limit_group="Kh", max_deviation=0.0)
    dist, _ = cKDTree(x).query(x, k=2)
    d_nn = float(dist[:, 1].min())
    atol = tol * d_nn
    matcher = _Matcher(x, codes, atol)
    # linear set: every point within atol of the principal line
    _, sv, vt = np.linalg.svd(x)
    perp = x - np.outer(x @ vt[0], vt[0])
    if np.linalg.norm(perp, axis=1).max() <= atol:
        return _linear(x, codes, matcher)
    cand = _candidates(x, codes, atol)
    ops = [np.eye(3)]
    errs = [0.0]
    # candidates built from two noisy points are less accurate than the refined operations:
    # accept them loosely (nearest neighbours stay unique below d_nn / 2), refine, then check
    loose = min(3.0 * atol, 0.45 * d_nn)
    cand = cand[matcher.prefilter(cand, loose)] if len(cand) else cand
    if len(cand):
        worst, perm = matcher.permutations(cand)
        good = np.flatnonzero(worst <= loose)
        refined = np.array([matcher.procrustes(np.linalg.det(cand[k]), perm[k]) for k in good])
        if len(refined):
            worst, _ = matcher.permutations(refined)
            for r, w in zip(refined, worst):
                if w <= atol and np.abs(np.stack(ops) - r).reshape(-1, 9).max(axis=1).min() > 1e-3:
                    ops.append(r)
                    errs.append(float(w))
    order = np.argsort(errs, kind="stable")
    ops = [ops[i] for i in order]
    group = _try_group(np.stack(ops), matcher)
    if group is not None:
        return group
    reduced = _reduce_high_order_axis(np.stack(ops))
    if reduced is not None:
        group = _try_group(reduced, matcher)
        if group is not None:
            return group
    while ops:
        group = _try_group(np.stack(ops), matcher)
        if group is not None:
            return group
        ops.pop()  # drop the least accurate operation
    return PointGroup("C1")  # pragma: no cover (identity alone always works)


def _reduce_high_order_axis(ops: np.ndarray) -> np.ndarray | None:
    """For an axial group with an axis of order n > MAX_AXIS_ORDER: the subgroup for n'.

    n' is the largest divisor of n that is <= MAX_AXIS_ORDER; the subgroup is made of the
    operations that map the principal axis z to ±z and the star of n' in-plane directions
    ``R_z(2πk/n') u`` onto itself (u along a C2' axis or in a σv plane when there is one).
    Returns ``None`` when the closure has no such axis.
    """
    try:
        mats = closure(ops, atol=0.05, max_order=8 * 60)
    except ValueError:
        return None
    best = (1, None)
    for m in mats:
        if np.linalg.det(m) > 0:
            try:
                det, q = op_type(m, tol=2e-3, max_denominator=60)
            except ValueError:
                continue
            if q != 0 and q.denominator > best[0]:
                best = (q.denominator, axis_of(m))
    n, z = best
    if n <= MAX_AXIS_ORDER or z is None:
        return None
    n_sub = max(d for d in range(1, MAX_AXIS_ORDER + 1) if n % d == 0)
    u = None
    for m in mats:
        a = axis_of(m)
        if a is not None and abs(a @ z) < 1e-2:
            u = a if np.linalg.det(m) > 0 else np.cross(z, a)  # C2' axis or in the σv plane
            break
    if u is None:
        u = np.cross(z, [1.0, 0.0, 0.0] if abs(z[0]) < 0.9 else [0.0, 1.0, 0.0])
    u = u - (u @ z) * z
    u /= np.linalg.norm(u)
    star = np.stack([rotation(z, 2 * np.pi * k / n_sub) @ u for k in range(n_sub)])
    keep = []
    for m in mats:
        if abs(abs(m @ z @ z) - 1) > 1e-2:
            continue
        img = star @ m.T
        if np.abs(img[:, None] - star[None]).sum(-1).min(axis=1).max() < 3e-2:
            keep.append(m)
    return np.stack(keep)


def _try_group(ops: np.ndarray, matcher: _Matcher) -> PointGroup | None:
    try:
        try:  # usually the candidates already are the whole group
            multiplication_table(ops, atol=0.05)
            mats = ops
        except ValueError:
            mats = closure(ops, atol=0.05, max_order=120)
        name, frame, _ = identify(mats, atol=0.05)
    except (ValueError, IdentificationError):
        return None
    group = PointGroup(name, frame)
    worst, _ = matcher.permutations(group.matrices)
    if np.all(worst <= matcher.atol):
        return PointGroup(name, frame, max_deviation=float(worst.max()))
    return None
