"""Decomposition of e3nn irreps signals into isotypic components of a point group.

For a representation :math:`D` of O(3) (here ``Irreps.D_from_matrix``) restricted to a finite
group G, the projector onto the isotypic component of the irrep Γ is

.. math:: P_\\Gamma = \\frac{d_\\Gamma}{|G|} \\sum_{g \\in G} \\chi_\\Gamma(g)^* D(g).

For a complex-conjugate pair Γ, Γ* the sum :math:`P_\\Gamma + P_{\\Gamma^*} = \\frac{d_\\Gamma}{|G|}
\\sum_g 2\\,\\mathrm{Re}\\,\\chi_\\Gamma(g)\\, D(g)` is real: the projector onto the physically
irreducible (real) irrep ``E``. All projectors used here are real and orthogonal (D(g) is
orthogonal), so the squared norms of the components add up to the squared norm of the signal.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ._names import generators
from ._standard import standard_tables
from .group import PointGroup

if TYPE_CHECKING:  # pragma: no cover
    from e3nn import o3

__all__ = ["Decomposition", "decompose", "irreps_content", "projectors", "representation"]

# torch and e3nn are imported inside the functions that need Wigner matrices, so that naming a
# group (detection, tables, labels) starts in well under a second instead of ~10 s.


def _irreps(irreps: str | o3.Irreps) -> o3.Irreps:
    from e3nn import o3

    try:
        return o3.Irreps(irreps)
    except (ValueError, AssertionError, TypeError) as exc:
        raise ValueError(f"invalid irreps {irreps!r}: {exc}") from exc


def _fixed_rotations() -> np.ndarray:
    """A few fixed generic rotations, (4, 3, 3), used to keep e3nn away from gimbal lock."""
    rng = np.random.default_rng(2024)
    qs = []
    for _ in range(4):
        q, r = np.linalg.qr(rng.normal(size=(3, 3)))
        q = q * np.sign(np.diag(r))
        qs.append(q if np.linalg.det(q) > 0 else -q)
    return np.stack(qs)


_Q = _fixed_rotations()


def _wigner(ir: o3.Irreps, mats: np.ndarray) -> np.ndarray:
    r"""``ir.D_from_matrix(M)`` for a stack of orthogonal matrices ``(g, 3, 3)``, float64 ``(g, dim, dim)``.

    Two precautions, both measured against an independent float64 construction
    (eigendecomposition of the generators) over all named groups, irreps l ≤ 8 of both parities:

    * e3nn builds its so(3) generators in torch's *default* dtype: under float32 the matrices are
      off by 4.5e-6 even for float64 input; with the default dtype float64 (set here for the
      call) they agree to 5e-14 and D(g)D(h) = D(gh) holds to 9e-14.
    * e3nn goes through Y-X-Y Euler angles, whose β = acos(M_yy) loses precision when M maps y
      close to, but not exactly onto, ±y (gimbal lock): an error ε in M_yy gives errors up to
      √ε in D (6e-8 for a rotation 1e-8 rad off the y axis). A rotated frame can land there, so
      :math:`D(M) = D(Q)^\top D(QM)` with a fixed generic rotation Q chosen per element such
      that QM maps y far from ±y; this brings the error back to 1e-13.
    """
    import torch

    y = np.einsum("qij,gj->gqi", _Q, mats[:, :, 1])  # Q M e_y, (g, q, 3)
    choice = np.argmin(np.abs(y[:, :, 1]), axis=1)
    qm = np.einsum("gij,gjk->gik", _Q[choice], mats)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # e3nn's generators follow the default dtype
    try:
        d_qm = ir.D_from_matrix(torch.as_tensor(qm, dtype=torch.float64)).numpy()
        d_q = ir.D_from_matrix(torch.as_tensor(_Q, dtype=torch.float64)).numpy()
    finally:
        torch.set_default_dtype(previous)
    return np.einsum("gji,gjk->gik", d_q[choice], d_qm)  # D(Q)ᵀ D(QM), (g, dim, dim)


@lru_cache(maxsize=256)
def _standard_representation(name: str, irreps: str) -> np.ndarray:
    """``D(g)`` for the standard group ``name``: e3nn on the generators, products elsewhere.

    Every element is reached from the identity by a breadth-first search on the
    multiplication table, ``D(s a) = D(s) D(a)`` for a generator ``s``.
    """
    t = standard_tables(name)
    gens = [int(np.argmin(np.abs(t.matrices - m).reshape(len(t.matrices), 9).max(axis=1)))
            for m in generators(t.gname)]
    d_gen = _wigner(_irreps(irreps), t.matrices[gens])
    dim = d_gen.shape[1]
    d = np.full((len(t.matrices), dim, dim), np.nan)
    d[0] = np.eye(dim)
    frontier = [0]
    while frontier:
        new = []
        for a in frontier:
            for s, ds in zip(gens, d_gen):
                c = t.table[s, a]
                if np.isnan(d[c, 0, 0]):
                    d[c] = ds @ d[a]
                    new.append(c)
        frontier = new
    d.setflags(write=False)
    return d


def representation(irreps: str | o3.Irreps, group: PointGroup) -> np.ndarray:
    """Matrices :math:`D(g)` of ``irreps`` for every operation of ``group``, (order, dim, dim).

    Uses ``e3nn.o3.Irreps.D_from_matrix`` (parity applied for improper operations), float64.
    """
    ir = _irreps(irreps)
    key = ("D", str(ir))
    cache = group._cache  # noqa: SLF001 (per-group cache of derived arrays)
    if key not in cache:
        if ir.dim == 0:
            d = np.zeros((group.order, 0, 0))
        else:
            d = _standard_representation(group.name, str(ir))
            if not group.is_standard:
                d_f = _wigner(ir, np.array(group.frame)[None])[0]
                d = np.einsum("ji,gjk,kl->gil", d_f, d, d_f)  # D(Fᵀ S F) = D(F)ᵀ D(S) D(F)
        d.setflags(write=False)
        cache[key] = d
    return cache[key]


def projectors(irreps: str | o3.Irreps, group: PointGroup) -> dict[str, np.ndarray]:
    """Real projectors ``{label: P (dim, dim)}`` onto each real irrep of ``group`` (all labels)."""
    ir = _irreps(irreps)
    key = ("P", str(ir))
    cache = group._cache  # noqa: SLF001
    if key not in cache:
        d = representation(ir, group)
        out = {}
        for label, dim in zip(group.real_irrep_labels, group.real_irrep_dims):
            chi = group.characters(label)  # real; a pair's characters summed
            # d_Γ of one member of a pair is dim / 2, and chi is the summed (real) character
            n_members = 2 if label not in group.irrep_labels else 1
            p = (dim / n_members) / group.order * np.einsum("g,gij->ij", chi, d)
            p.setflags(write=False)
            out[label] = p
        cache[key] = out
    return cache[key]


@dataclass(frozen=True)
class Decomposition:
    """Isotypic decomposition of a signal under a point group.

    Attributes
    ----------
    group : str
        Name of the point group.
    fractions : dict[str, float]
        Fraction of the squared norm in each real irrep (every irrep of the group, in table
        order); sums to 1 for a nonzero signal, all 0.0 for a zero signal.
    components : dict[str, ndarray]
        Projected components :math:`P_\\Gamma x`, same shape as the signal; they sum to the signal.
    norm : float
        Euclidean norm of the signal (over all entries).
    """

    group: str
    fractions: dict[str, float]
    components: dict[str, np.ndarray]
    norm: float

    def dominant(self, threshold: float = 1e-6) -> list[str]:
        """Labels with fraction above ``threshold``, largest first."""
        items = sorted(self.fractions.items(), key=lambda kv: -kv[1])
        return [k for k, v in items if v > threshold]

    def __str__(self) -> str:
        parts = [f"{v:.3g} {k}" for k, v in self.fractions.items() if v > 1e-9]
        return f"{self.group}: " + (" + ".join(parts) if parts else "0")


def _signal(signal: Any, dim: int) -> np.ndarray:
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    if torch is not None and isinstance(signal, torch.Tensor):
        signal = signal.detach().cpu().numpy()
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] != dim:
        raise ValueError(f"signal has shape {x.shape}; its last axis must equal irreps.dim = {dim}")
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains NaN or infinite values")
    return x


def decompose(signal: Any, irreps: str | o3.Irreps, group: PointGroup) -> Decomposition:
    """Split a signal into the isotypic components of the real irreps of ``group``.

    Parameters
    ----------
    signal : array_like or torch.Tensor, shape (..., irreps.dim)
        Coefficients in e3nn's basis; leading axes are a batch (fractions pool all entries).
    irreps : str or e3nn.o3.Irreps
        The O(3) irreps of the last axis, e.g. ``"1x0e + 1x2e"``.
    group : PointGroup

    Returns
    -------
    Decomposition
    """
    ir = _irreps(irreps)
    x = _signal(signal, ir.dim)
    comps = {k: np.einsum("ij,...j->...i", p, x) for k, p in projectors(ir, group).items()}
    norm2 = float(np.sum(x * x))
    if norm2 > 0:
        fractions = {k: float(np.sum(c * c) / norm2) for k, c in comps.items()}
    else:
        fractions = {k: 0.0 for k in comps}
    return Decomposition(group.name, fractions, comps, float(np.sqrt(norm2)))


def irreps_content(irreps: str | o3.Irreps, group: PointGroup) -> dict[str, int]:
    """Multiplicity of each real irrep of ``group`` in the representation ``irreps``.

    .. math:: n_\\Gamma = \\frac{1}{|G|} \\sum_g \\chi_\\Gamma(g)^* \\operatorname{tr} D(g)

    (for a complex pair, the multiplicity of one member). Only nonzero multiplicities are
    returned, in table order; e.g. Oh and ``"2e"`` → ``{"Eg": 1, "T2g": 1}``.
    """
    ir = _irreps(irreps)
    tr = np.trace(representation(ir, group), axis1=1, axis2=2)
    out = {}
    for label in group.irrep_labels:
        chi = group.characters(label, real=False)
        m = np.vdot(chi, tr).real / group.order
        n = int(round(m))
        if abs(m - n) > 1e-6:  # pragma: no cover (characters are exact)
            raise RuntimeError(f"non-integer multiplicity {m} of {label}")
        if n and not label.startswith("2"):
            out[label[1:] if label.startswith("1") else label] = n
    return out
