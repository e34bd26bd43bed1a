"""Name learned symmetry breaking: irreps of the parent group, residual group, Landau check.

Shared by every task: give it irreps signals (each layer's θ, or a learned input) and the
point group of the high-symmetry input, in the same Cartesian frame.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from e3nn import o3

from .symmetry import PointGroup, decompose, representation, stabilizer, subgroup

__all__ = ["breaking_analysis", "without_background", "vertex_permutations", "curie_check"]

SCALAR = o3.Irrep("0e")


def without_background(signal: torch.Tensor, irreps: o3.Irreps) -> np.ndarray:
    """The signal with every ``0e`` block set to zero (the symmetric background of θ)."""
    signal = torch.as_tensor(signal).detach().cpu().double().numpy().copy()
    for (mul, ir), s in zip(o3.Irreps(irreps), o3.Irreps(irreps).slices()):
        if ir == SCALAR:
            signal[s] = 0.0
    return signal


def breaking_analysis(
    signals: Sequence[tuple[torch.Tensor, o3.Irreps | str]],
    group: PointGroup,
    target_group: PointGroup | None = None,
    *,
    tol: float = 1e-4,
    subject: str = "the learned symmetry breaking",
) -> dict[str, Any]:
    r"""Decompose learned signals into irreps of ``group`` and find what symmetry is left.

    The ``0e`` blocks (symmetric background) are removed first. For irreps
    :math:`\Gamma` of ``group`` (real, physically irreducible), the weight is

    .. math:: w_\Gamma = \frac{\sum_s \lVert P_\Gamma x_s \rVert^2}{\sum_s \lVert x_s \rVert^2},
              \qquad P_\Gamma = \frac{d_\Gamma}{|G|}\sum_{g} \chi_\Gamma(g)^* D(g)

    summed over the signals :math:`x_s` (e.g. the θ of every layer). The residual group
    is the stabiliser of all signals together,
    :math:`\{g \in G : \lVert D(g)x_s - x_s\rVert \le \mathrm{tol}\,\lVert x \rVert\ \forall s\}`.
    The trivial irrep's share (e.g. the cubic harmonic in the ``4e`` block for Oh)
    breaks nothing and is reported but not named as breaking.

    Parameters
    ----------
    signals : sequence of (values, irreps)
    group : PointGroup
        Symmetry of the input, in the frame of the signals.
    target_group : PointGroup, optional
        Symmetry of the target in the same frame: checks residual ⊇ target (Curie).
    tol : float
        Relative tolerance of the stabiliser.
    subject : str
        What the sentence calls the signals.

    Returns
    -------
    dict
        ``group``, ``decomposition`` (label → weight, all irreps), ``breaking_irreps``
        (non-trivial labels with weight ≥ 1 % of the non-trivial total, largest first),
        ``residual_group``, ``residual_contains_target`` (if a target group is
        given), ``norm``, ``per_signal`` (each signal's ``norm`` and ``fractions``) and
        a one-line ``sentence``.
    """
    cleaned = [(without_background(values, irreps), o3.Irreps(irreps)) for values, irreps in signals]
    total = sum(float(np.sum(x**2)) for x, _ in cleaned)
    trivial = group.real_irrep_labels[0]
    weights = {label: 0.0 for label in group.real_irrep_labels}
    per_signal = []
    for x, irreps in cleaned:
        parts = decompose(x, irreps, group)
        per_signal.append({"norm": parts.norm, "fractions": parts.fractions})
        for label, fraction in parts.fractions.items():
            if total > 0:
                weights[label] += fraction * parts.norm**2 / total
    nontrivial = {label: w for label, w in weights.items() if label != trivial}
    nontrivial_total = sum(nontrivial.values())
    # Below 1e-6 of the non-scalar weight, non-trivial parts are round-off, not breaking.
    breaking = sorted(
        (label for label, w in nontrivial.items()
         if nontrivial_total > 1e-6 and w >= 0.01 * nontrivial_total),
        key=lambda label: -nontrivial[label],
    )
    if total > 0:
        concatenated = np.concatenate([x for x, _ in cleaned])
        all_irreps = sum((irreps for _, irreps in cleaned), o3.Irreps(""))
        residual = stabilizer(concatenated, all_irreps, group, tol=tol)
    else:
        residual = group
    result: dict[str, Any] = {
        "group": group.name,
        "decomposition": weights,
        "breaking_irreps": breaking,
        "residual_group": residual.name,
        "norm": float(np.sqrt(total)),
        "per_signal": per_signal,
    }
    if not breaking:
        sentence = f"{subject.capitalize()} is symmetric under {group.name}: nothing is broken."
    else:
        if len(breaking) == 1:
            shares = breaking[0]
        else:
            shares = ", ".join(f"{label} {nontrivial[label] / nontrivial_total:.0%}" for label in breaking)
        sentence = f"{subject.capitalize()} transforms as {shares} of {group.name}; residual symmetry {residual.name}"
    if target_group is not None:
        contains = bool(residual.contains(target_group, atol=1e-3))
        result["residual_contains_target"] = contains
        relation = "contains" if contains else "does NOT contain"
        sentence += f" ({relation} the target's {target_group.name})"
    result["sentence"] = sentence + "."
    result["_residual"] = residual
    return result


def vertex_permutations(points: np.ndarray, group: PointGroup, tol: float = 1e-3) -> np.ndarray:
    r"""For every operation g, the permutation π_g with :math:`g\,x_i = x_{\pi_g(i)}`.

    ``points`` must be centred like the group's frame. Returns ``(order, N)`` ints;
    ``ValueError`` if some operation does not map the points onto themselves.
    """
    points = np.asarray(points, dtype=float)
    scale = max(float(np.linalg.norm(points, axis=1).max()), 1e-12)
    images = np.einsum("gij,nj->gni", group.matrices, points)
    distances = np.linalg.norm(images[:, :, None] - points[None, None], axis=-1)
    permutations = distances.argmin(axis=-1)
    worst = distances.min(axis=-1).max()
    if worst > tol * scale:
        raise ValueError(f"the points are not symmetric under {group.name} (mismatch {worst:.3g})")
    return permutations


def curie_check(
    points: np.ndarray, signals: torch.Tensor, irreps: o3.Irreps | str, group: PointGroup
) -> dict[str, Any]:
    r"""How far per-vertex signals are from keeping the symmetry of the input.

    Curie's principle for an equivariant network with a ``group``-symmetric input:
    :math:`D(g)\,s_i = s_{\pi_g(i)}` for every g. In particular each vertex's signal is
    invariant under its site-symmetry group :math:`\{g : \pi_g(i) = i\}`.

    Returns
    -------
    dict
        ``max_violation`` (max over g, i of :math:`\lVert D(g)s_i - s_{\pi_g(i)}\rVert`
        divided by the largest :math:`\lVert s_i \rVert`), ``site_groups`` (the
        distinct site-symmetry groups of the vertices) and ``group``.
    """
    signals = torch.as_tensor(signals).detach().cpu().double().numpy()
    permutations = vertex_permutations(points, group)
    d = representation(irreps, group)  # (order, dim, dim)
    transformed = np.einsum("gab,nb->gna", d, signals)
    mapped = signals[permutations]  # (order, N, dim)
    scale = max(float(np.linalg.norm(signals, axis=1).max()), 1e-300)
    violation = float(np.linalg.norm(transformed - mapped, axis=-1).max() / scale)
    sites = sorted({subgroup(group, np.flatnonzero(permutations[:, i] == i)).name for i in range(len(points))})
    return {"group": group.name, "max_violation": violation, "site_groups": sites}
