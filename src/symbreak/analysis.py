"""Name learned symmetry breaking: irreps of the parent group, residual group, Landau check.

Shared by every task: give it irreps signals (each layer's θ, or a learned input) and the
point group of the high-symmetry input, in the same Cartesian frame.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from .symmetry import PointGroup, representation, subgroup
from .theta import Theta

__all__ = [
    "BreakingAnalysis",
    "breaking_analysis",
    "deformation_decomposition",
    "noise_tolerances",
    "describe_axes",
    "without_background",
    "vertex_permutations",
    "curie_check",
]

# Below this share of the non-scalar weight, a non-trivial part is round-off, not breaking.
_ROUND_OFF_SHARE = 1e-6
# Irreps holding less than this share of the non-trivial weight are not named.
_NAMED_SHARE = 0.01


def without_background(signal: Any, irreps: Any) -> np.ndarray:
    """The signal (float64) with every ``0e`` block set to zero (the symmetric background of θ)."""
    values = signal.detach().cpu() if hasattr(signal, "detach") else signal
    return Theta(str(irreps), np.asarray(values, dtype=np.float64)).without_background()


@dataclasses.dataclass(frozen=True)
class BreakingAnalysis:
    """What symmetry learned signals break, named by the irreps of the input's point group.

    Attributes
    ----------
    group : PointGroup
        Symmetry of the input.
    decomposition : dict of str to float
        Share of the squared norm (background removed) in every real irrep of ``group``.
    breaking_irreps : list of str
        Non-trivial irreps with at least 1 % of the non-trivial weight, largest first.
    residual : PointGroup
        Stabiliser of all signals together in ``group``.
    norm : float
        Norm of all signals together, background removed.
    per_signal : list of dict
        ``norm`` and ``fractions`` of each signal (e.g. each layer's θ).
    target_group : PointGroup or None
        Symmetry of the target, in the same frame, if given.
    residual_contains_target : bool or None
        Curie's check: the residual must contain the target's group.
    subject : str
        What the sentence calls the signals.
    tol : float
        Relative tolerance of the stabiliser that gave :attr:`residual`.
    named_share : float
        Smallest share of the non-trivial weight that is named as breaking.
    treated_as_zero : dict of str to float
        Non-trivial irreps with some weight (above round-off) but below ``named_share``:
        noise, not named (share of the non-trivial weight).
    """

    group: PointGroup
    decomposition: dict[str, float]
    breaking_irreps: list[str]
    residual: PointGroup
    norm: float
    per_signal: list[dict[str, Any]]
    target_group: PointGroup | None = None
    residual_contains_target: bool | None = None
    subject: str = "the learned symmetry breaking"
    tol: float = 1e-4
    named_share: float = _NAMED_SHARE
    treated_as_zero: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def residual_group(self) -> str:
        """Name of :attr:`residual`."""
        return self.residual.name

    @property
    def invariant_share(self) -> float:
        """Share of the weight in the trivial irrep of :attr:`group`: present, but breaking nothing."""
        return self.decomposition.get(self.group.real_irrep_labels[0], 0.0)

    @property
    def sentence(self) -> str:
        """One line: the breaking irreps with their shares, the residual group with its axes,
        Curie's check, and the invariant part (which breaks nothing) last."""
        subject = self.subject[:1].upper() + self.subject[1:]
        if not self.breaking_irreps:
            text = f"{subject} is symmetric under {self.group.name}: nothing is broken"
        else:
            trivial = self.group.real_irrep_labels[0]
            nontrivial = {k: v for k, v in self.decomposition.items() if k != trivial}
            total = sum(nontrivial.values())
            if len(self.breaking_irreps) == 1:
                shares = self.breaking_irreps[0]
            else:
                shares = ", ".join(f"{label} {nontrivial[label] / total:.0%}" for label in self.breaking_irreps)
            axes = describe_axes(self.residual)
            text = (f"{subject} transforms as {shares} of {self.group.name}; residual symmetry "
                    f"{self.residual.name}" + (f" ({axes})" if axes else ""))
        if self.target_group is not None:
            relation = "contains" if self.residual_contains_target else "does NOT contain"
            text += f" ({relation} the target's {self.target_group.name})"
        if self.treated_as_zero:
            shown = ", ".join(f"{k} {v:.1%}" for k, v in sorted(self.treated_as_zero.items(), key=lambda kv: -kv[1]))
            text += (f"; treated as zero (below {self.named_share:.1%} of the breaking weight, or absent from "
                     f"the data's own deformation): {shown}")
        if self.breaking_irreps and self.invariant_share >= _NAMED_SHARE:
            text += (f"; its {self.group.real_irrep_labels[0]} part ({self.invariant_share:.0%} of the weight) "
                     f"is invariant under {self.group.name} and breaks nothing")
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the keys of the version-1 reports)."""
        out: dict[str, Any] = {
            "group": self.group.name,
            "decomposition": dict(self.decomposition),
            "breaking_irreps": list(self.breaking_irreps),
            "residual_group": self.residual.name,
            "residual_axes": describe_axes(self.residual),
            "stabilizer_tol": self.tol,
            "named_share": self.named_share,
            "treated_as_zero": dict(self.treated_as_zero),
            "invariant_share": self.invariant_share,
            "norm": self.norm,
            "per_signal": self.per_signal,
        }
        if self.target_group is not None:
            out["residual_contains_target"] = self.residual_contains_target
        out["sentence"] = self.sentence
        return out


def _as_theta(signal: Any) -> Theta:
    if isinstance(signal, Theta):
        return signal
    values, irreps = signal
    values = values.detach().cpu() if hasattr(values, "detach") else values
    return Theta(str(irreps), np.asarray(values, dtype=np.float64))


def breaking_analysis(
    signals: Sequence[Theta | tuple[Any, Any]],
    group: PointGroup,
    target_group: PointGroup | None = None,
    *,
    tol: float = 1e-4,
    subject: str = "the learned symmetry breaking",
    named_share: float = _NAMED_SHARE,
    contains_atol: float = 1e-3,
    reference: dict[str, float] | None = None,
) -> BreakingAnalysis:
    r"""Decompose learned signals into irreps of ``group`` and find what symmetry is left.

    The ``0e`` blocks (symmetric background) are removed first. For irreps
    :math:`\Gamma` of ``group`` (real, physically irreducible), the weight is

    .. math:: w_\Gamma = \frac{\sum_s \lVert P_\Gamma x_s \rVert^2}{\sum_s \lVert x_s \rVert^2},
              \qquad P_\Gamma = \frac{d_\Gamma}{|G|}\sum_{g} \chi_\Gamma(g)^* D(g)

    summed over the signals :math:`x_s` (e.g. the θ of every layer). The residual group
    is the stabiliser of all signals together, after the irreps treated as zero (below
    ``named_share`` of the breaking weight: noise) are projected out,
    :math:`\{g \in G : \lVert D(g)x_s - x_s\rVert \le \mathrm{tol}\,\lVert x \rVert\ \forall s\}`.
    The trivial irrep's share (e.g. the cubic harmonic in the ``4e`` block for Oh)
    breaks nothing and is reported but not named as breaking. All of it runs in float64.

    Parameters
    ----------
    signals : sequence of Theta or (values, irreps)
    group : PointGroup
        Symmetry of the input, in the frame of the signals.
    target_group : PointGroup, optional
        Symmetry of the target in the same frame: checks residual ⊇ target (Curie).
    tol : float
        Relative tolerance of the stabiliser.
    subject : str
        What the sentence calls the signals.
    named_share : float
        Non-trivial irreps with less than this share of the non-trivial weight are reported
        as treated as zero, not named; raise it with the data's noise (:func:`noise_tolerances`).
    contains_atol : float
        Tolerance on matrix entries of the check residual ⊇ target.
    reference : dict of str to float, optional
        Shares of the same irreps in the data itself (e.g. the deformation,
        :func:`deformation_decomposition`). An irrep of the signals that holds less than
        ``named_share`` of the reference is treated as zero: a breaking the data do not
        carry can only be the fit following noise.
    """
    from .symmetry import stabilizer

    thetas = [_as_theta(signal) for signal in signals]
    cleaned = [theta.without_background() for theta in thetas]
    total = sum(float(np.sum(x**2)) for x in cleaned)
    trivial = group.real_irrep_labels[0]
    weights = {label: 0.0 for label in group.real_irrep_labels}
    per_signal, parts_of = [], []
    for theta in thetas:
        parts = theta.decompose(group)
        parts_of.append(parts)
        per_signal.append({"norm": parts.norm, "fractions": parts.fractions})
        for label, fraction in parts.fractions.items():
            if total > 0:
                weights[label] += fraction * parts.norm**2 / total
    nontrivial = {label: w for label, w in weights.items() if label != trivial}
    nontrivial_total = sum(nontrivial.values())
    significant = nontrivial_total > _ROUND_OFF_SHARE
    reference_total = None if reference is None else sum(v for k, v in reference.items() if k != trivial)

    def in_data(label: str) -> bool:
        if not reference_total:
            return True
        return reference.get(label, 0.0) >= named_share * reference_total

    breaking = sorted(
        (label for label, w in nontrivial.items()
         if significant and w >= named_share * nontrivial_total and in_data(label)),
        key=lambda label: -nontrivial[label],
    )
    treated_as_zero = {
        label: w / nontrivial_total for label, w in nontrivial.items()
        if significant and w > _ROUND_OFF_SHARE * nontrivial_total and label not in breaking
    }
    # The residual group is that of what was named: the components treated as zero (noise,
    # round-off) are left out, so the residual agrees with the named irreps.
    kept = [trivial, *breaking]
    named_signals = [sum((parts.components[label] for label in kept), np.zeros(len(x)))
                     for parts, x in zip(parts_of, cleaned)]
    residual = group
    if total > 0 and any(np.any(x) for x in named_signals):
        concatenated = np.concatenate(named_signals)
        all_irreps = "+".join(theta.irreps for theta in thetas)
        residual = stabilizer(concatenated, all_irreps, group, tol=tol)
    contains = None if target_group is None else bool(residual.contains(target_group, atol=contains_atol))
    return BreakingAnalysis(
        group=group,
        decomposition=weights,
        breaking_irreps=breaking,
        residual=residual,
        norm=float(np.sqrt(total)),
        per_signal=per_signal,
        target_group=target_group,
        residual_contains_target=contains,
        subject=subject,
        tol=tol,
        named_share=named_share,
        treated_as_zero=treated_as_zero,
    )


def noise_tolerances(noise: float, deformation: float, base_tol: float = 1e-4) -> tuple[float, float]:
    r"""Stabiliser tolerance and named share for learned signals fitted to noisy data.

    Noise of relative size :math:`\sigma` (largest deviation of the detected symmetry, over
    the shape's size) on a deformation of relative size :math:`\delta` perturbs the learned
    signals by about :math:`r = \sigma / \delta` relative to their size. The stabiliser then
    accepts :math:`\lVert D(g)\theta - \theta\rVert \le 3r\lVert\theta\rVert` (at least
    ``base_tol``, at most 0.3), and irreps below :math:`r^2` of the breaking weight (at least
    1 %, at most 20 %) are noise: a part of relative amplitude r carries a share r².

    Returns
    -------
    (tol, named_share) : tuple of float
    """
    if not (noise >= 0 and deformation >= 0):
        raise ValueError(f"noise and deformation must be >= 0, got {noise!r} and {deformation!r}")
    relative = noise / max(deformation, noise, 1e-300) if noise > 0 else 0.0
    tol = min(max(base_tol, 3.0 * relative), 0.3)
    return tol, max(_NAMED_SHARE, min(relative**2, 0.2))


def deformation_decomposition(
    points: np.ndarray, displacements: np.ndarray, group: PointGroup, tol: float = 1e-3
) -> dict[str, float]:
    r"""Shares of a per-point displacement field in the real irreps of ``group``.

    ``group`` maps the points onto themselves (:func:`vertex_permutations`); it acts on a
    field :math:`u` by :math:`(T_g u)_{\pi_g(i)} = g\, u_i` (the mechanical representation).
    The share of :math:`\Gamma` is :math:`\lVert P_\Gamma u \rVert^2 / \lVert u \rVert^2` with
    :math:`P_\Gamma = \frac{d_\Gamma}{|G|} \sum_g \chi_\Gamma(g) T_g`. These are the shares of
    the deformation itself (the symmetry modes at the Γ point), independent of any model;
    the trivial irrep's share (e.g. a uniform breathing) keeps the symmetry.

    Parameters
    ----------
    points : array, (N, 3)
        The symmetric input, centred like the group's frame.
    displacements : array, (N, 3)
        Target minus input.
    group : PointGroup
    tol : float
        Relative tolerance of :func:`vertex_permutations` (raise it for noisy points).

    Returns
    -------
    dict of str to float
        Share of each real irrep (all labels; they sum to 1 for a non-zero field).
    """
    u = np.asarray(displacements, dtype=np.float64)
    permutations = vertex_permutations(points, group, tol)  # (order, N)
    count = len(u)
    # T_g as an (order, 3N, 3N) stack would be large for big sets: apply it to u directly
    moved = np.zeros((group.order, count, 3))
    images = np.einsum("gij,nj->gni", group.matrices, u)
    for g in range(group.order):
        moved[g, permutations[g]] = images[g]
    norm2 = float(np.sum(u * u))
    shares = {}
    for label, dim in zip(group.real_irrep_labels, group.real_irrep_dims):
        members = 1 if label in group.irrep_labels else 2
        part = (dim / members) / group.order * np.einsum("g,gni->ni", group.characters(label), moved)
        shares[label] = float(np.sum(part * part) / norm2) if norm2 > 0 else 0.0
    return shares


def describe_axes(group: PointGroup) -> str:
    """The orientation of a group in words: its principal and secondary axes (``"axis z"``)."""
    parts = []
    for name, axis in (("axis", group.principal_axis), ("secondary axis", group.secondary_axis)):
        if axis is None or group.order <= 1:
            continue
        axis = np.asarray(axis, dtype=float)
        axis = axis * np.sign(axis[np.argmax(np.abs(axis) > 1e-6)])  # an axis has no sign: first non-zero > 0
        cartesian = [k for k in range(3) if abs(abs(axis[k]) - 1) < 1e-6]
        text = "xyz"[cartesian[0]] if cartesian else "[" + ", ".join(f"{c:.3g}" for c in axis) + "]"
        parts.append(f"{name} {text}")
    return ", ".join(parts)


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
    points: np.ndarray, signals: Any, irreps: Any, group: PointGroup, tol: float = 1e-3
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
    signals = np.asarray(signals.detach().cpu() if hasattr(signals, "detach") else signals, dtype=np.float64)
    permutations = vertex_permutations(points, group, tol)
    d = representation(irreps, group)  # (order, dim, dim)
    transformed = np.einsum("gab,nb->gna", d, signals)
    mapped = signals[permutations]  # (order, N, dim)
    scale = max(float(np.linalg.norm(signals, axis=1).max()), 1e-300)
    violation = float(np.linalg.norm(transformed - mapped, axis=-1).max() / scale)
    sites = sorted({subgroup(group, np.flatnonzero(permutations[:, i] == i)).name for i in range(len(points))})
    return {"group": group.name, "max_violation": violation, "site_groups": sites}
