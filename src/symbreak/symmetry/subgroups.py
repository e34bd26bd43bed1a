"""Residual symmetry of a signal (stabiliser) and Landau's symmetry-breaking irreps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._identify import IdentificationError, identify
from .decompose import _irreps, _signal, representation
from .group import PointGroup

if TYPE_CHECKING:  # pragma: no cover
    from e3nn import o3

__all__ = ["stabilizer", "breaking_irreps", "subgroup"]


def subgroup(group: PointGroup, indices: Any) -> PointGroup:
    """The subgroup of ``group`` formed by the operations ``indices``, named and oriented.

    The frame is the rotation to standard orientation closest to the identity, so a subgroup
    that is already in standard orientation (e.g. C4v about z with σv = xz) keeps frame = I.

    Raises
    ------
    ValueError
        If the operations are not closed under multiplication.
    """
    idx = np.unique(np.asarray(indices, dtype=np.int64))
    table = group.multiplication_table[np.ix_(idx, idx)]
    if not np.all(np.isin(table, idx)):
        raise ValueError("the selected operations do not form a subgroup")
    try:
        name, frame, _ = identify(group.matrices[idx], atol=1e-6)
    except IdentificationError as exc:  # pragma: no cover (subgroups of named groups are named)
        raise ValueError(f"cannot name the subgroup: {exc}") from exc
    return PointGroup(name, frame)


def stabilizer(
    signal: Any, irreps: str | o3.Irreps, group: PointGroup, tol: float = 1e-6
) -> PointGroup:
    """Residual symmetry of a signal: :math:`\\{g \\in G : \\|D(g)x - x\\| \\le \\mathrm{tol}\\,\\|x\\|\\}`.

    Parameters
    ----------
    signal : array_like or torch.Tensor, shape (..., irreps.dim)
        A batch is stabilised by g when every row is.
    irreps : str or e3nn.o3.Irreps
    group : PointGroup
    tol : float
        Relative tolerance on the norm of the change.

    Returns
    -------
    PointGroup
        The stabiliser, named (e.g. ``"C4v"``) and oriented (see :func:`subgroup`). A zero
        signal is stabilised by the whole group.
    """
    ir = _irreps(irreps)
    x = _signal(signal, ir.dim)
    d = representation(ir, group)
    flat = x.reshape(-1, ir.dim)
    moved = np.einsum("gij,bj->gbi", d, flat) - flat[None]
    change = np.sqrt(np.sum(moved**2, axis=(1, 2)))
    norm = float(np.sqrt(np.sum(flat**2)))
    keep = np.flatnonzero(change <= tol * norm)
    return subgroup(group, keep)


def breaking_irreps(group: PointGroup, residual: PointGroup, atol: float = 1e-6) -> list[str]:
    """Non-trivial real irreps Γ of G whose restriction to H contains H's trivial irrep.

    The multiplicity of the trivial irrep of H in Γ restricted to H is
    :math:`\\frac{1}{|H|}\\sum_{h \\in H} \\chi_\\Gamma(h)`; the Γ with a nonzero value are the
    candidate order parameters of a transition G → H (Landau). The trivial irrep of G is excluded.

    Parameters
    ----------
    group : PointGroup
        The high-symmetry group G.
    residual : PointGroup
        The subgroup H, whose matrices must all be operations of G (same frame), e.g. the
        result of :func:`stabilizer`.
    atol : float
        Tolerance for matching H's matrices to G's.

    Raises
    ------
    ValueError
        If H is not a subgroup of G.
    """
    if not group.contains(residual, atol):
        raise ValueError(f"{residual.name} is not a subgroup of {group.name} "
                         "(its matrices are not all operations of G; check the orientation)")
    idx = np.array([group.index_of(m, atol) for m in residual.matrices])
    out = []
    for label in group.real_irrep_labels:
        chi_g = group.characters(label)
        if np.allclose(chi_g, 1.0):
            continue  # the trivial irrep of G
        chi = chi_g[idx]
        if chi.sum() / len(idx) > 0.5:
            out.append(label)
    return out
