"""Spherical signals: points as signals and back, and the signals of relaxed weights.

A signal is a vector of coefficients of the real spherical harmonics (e3nn,
``component`` normalisation) up to some ``lmax``,
:math:`s(\\hat x) = \\sum_{l} c^l \\cdot Y^l(\\hat x)`.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import torch
from e3nn import o3
from e3nn.io import SphericalTensor

from ._validation import as_irreps, as_points

__all__ = [
    "signal_irreps",
    "points_to_signals",
    "signals_to_points",
    "relaxed_signal",
    "evaluate_signal",
    "signal_polynomial",
    "format_polynomial",
]


def signal_irreps(lmax: int, parity: int = 1) -> SphericalTensor:
    """Irreps of a scalar (``parity=1``: ``0e+1o+2e+…``) or pseudoscalar (``-1``: ``0o+1e+2o+…``) signal."""
    if not isinstance(lmax, (int, np.integer)) or lmax < 0:
        raise ValueError(f"lmax must be an integer >= 0, got {lmax!r}")
    return SphericalTensor(int(lmax), p_val=parity, p_arg=-1)


def points_to_signals(points, lmax: int) -> torch.Tensor:
    r"""One signal per point, peaked at its direction with peak value its norm.

    Smidt et al. 2021, eq. 17: :math:`F_i = c\,\sum_{l \le L} Y^l(\hat r_i)` with ``c`` such
    that :math:`\max_{\hat x} F_i(\hat x) = F_i(\hat r_i) = \lVert r_i \rVert`
    (e3nn's ``SphericalTensor.with_peaks_at``). A point at the origin gives the
    zero signal.

    Parameters
    ----------
    points : array-like or torch.Tensor, shape ``(N, 3)``
    lmax : int

    Returns
    -------
    torch.Tensor, shape ``(N, (lmax+1)**2)``, float64
    """
    sphere = signal_irreps(lmax)
    array = torch.as_tensor(as_points(points), dtype=torch.float64)
    signals = torch.zeros(array.shape[0], sphere.dim, dtype=torch.float64)
    for n, point in enumerate(array):
        if torch.any(point != 0):  # e3nn fails on a lone zero vector
            signals[n] = sphere.with_peaks_at(point[None])
    return signals


def signals_to_points(signals: torch.Tensor, lmax: int, *, resolution: int = 60) -> torch.Tensor:
    """Recover one point per signal: direction of its highest peak times the peak value.

    The inverse of :func:`points_to_signals` for exact signals. The maximum is located
    on e3nn's grid (``SphericalTensor.signal_on_grid``; e3nn's ``find_peaks`` fails on
    signals whose peak sits at a grid pole) and then refined by BFGS on the sphere,
    so recovered points are accurate to ~1e-8 of their norm. Signals whose maximum
    is not positive give the origin.

    Returns
    -------
    torch.Tensor, shape ``(N, 3)``, float64
    """
    sphere = signal_irreps(lmax)
    signals = torch.as_tensor(signals, dtype=torch.float64).detach().cpu()
    if signals.dim() != 2 or signals.shape[1] != sphere.dim:
        raise ValueError(f"signals must have shape (N, {sphere.dim}), got {tuple(signals.shape)}")
    out = torch.zeros(signals.shape[0], 3, dtype=torch.float64)
    for n, signal in enumerate(signals):
        if not torch.any(signal != 0):
            continue
        grid, values = sphere.signal_on_grid(signal.to(torch.get_default_dtype()), resolution)
        start = grid.reshape(-1, 3)[values.reshape(-1).argmax()]
        direction, value = _refine_peak(signal, sphere, start.double())
        if value > 0:
            out[n] = direction * value
    return out


def _refine_peak(signal: torch.Tensor, sphere: SphericalTensor, start: torch.Tensor):
    # Grid peaks are ~pi/resolution off; a smooth local ascent makes them exact.
    def negative(u: np.ndarray):
        vector = torch.tensor(u, dtype=torch.float64, requires_grad=True)
        value = o3.spherical_harmonics(sphere, vector, normalize=True) @ signal
        (grad,) = torch.autograd.grad(value, vector)
        return -value.item(), -grad.numpy()

    result = scipy.optimize.minimize(negative, start.numpy(), jac=True, method="BFGS", options={"gtol": 1e-12})
    direction = torch.tensor(result.x / np.linalg.norm(result.x), dtype=torch.float64)
    return direction, -result.fun


def relaxed_signal(
    theta: torch.Tensor, irreps, kind: str = "scalar", *, subtract_background: bool = True
) -> tuple[torch.Tensor, int]:
    r"""Scalar or pseudoscalar signal of relaxed weights θ (Hofgard et al. 2024, eq. 8).

    .. math:: s(\hat x) = \sum_{l,\; p = (-1)^l} \theta^{l,p} \cdot Y^l(\hat x) \quad
              \text{(scalar)}, \qquad
              \tilde s(\hat x) = \sum_{l,\; p = -(-1)^l} \theta^{l,p} \cdot Y^l(\hat x)
              \quad \text{(pseudoscalar)}

    Copies of the same irrep are summed. With ``subtract_background`` the
    :math:`\theta^{0e}` background, which breaks nothing, is left out.

    Returns
    -------
    coefficients : torch.Tensor, shape ``((lmax+1)**2,)``
        In the irreps of :func:`signal_irreps` ``(lmax, parity)``.
    lmax : int
    """
    if kind not in ("scalar", "pseudoscalar"):
        raise ValueError(f"kind must be 'scalar' or 'pseudoscalar', got {kind!r}")
    irreps = as_irreps(irreps, "irreps")
    theta = torch.as_tensor(theta, dtype=torch.float64).detach().cpu()
    if theta.shape != (irreps.dim,):
        raise ValueError(f"theta must have shape ({irreps.dim},) for irreps {irreps}, got {tuple(theta.shape)}")
    lmax = irreps.lmax
    coefficients = torch.zeros((lmax + 1) ** 2, dtype=torch.float64)
    wanted_parity = 1 if kind == "scalar" else -1
    for (mul, ir), s in zip(irreps, irreps.slices()):
        if ir.p != wanted_parity * (-1) ** ir.l:
            continue
        if subtract_background and kind == "scalar" and ir.l == 0:
            continue
        block = theta[s].reshape(mul, ir.dim).sum(0)
        coefficients[ir.l**2 : (ir.l + 1) ** 2] += block
    return coefficients, lmax


def evaluate_signal(coefficients: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """Values of one signal ``(dim,)`` or of several ``(S, dim)`` at directions ``(P, 3)``.

    Directions are normalised here. Returns ``(P,)`` or ``(P, S)``.
    """
    coefficients = torch.as_tensor(coefficients, dtype=torch.float64)
    lmax = int(round(coefficients.shape[-1] ** 0.5)) - 1
    if (lmax + 1) ** 2 != coefficients.shape[-1]:
        raise ValueError(f"a signal has (lmax+1)^2 coefficients, got {coefficients.shape[-1]}")
    directions = torch.as_tensor(directions, dtype=torch.float64)
    sh = o3.spherical_harmonics(list(range(lmax + 1)), directions, normalize=True)
    return sh @ (coefficients.T if coefficients.dim() == 2 else coefficients)


def _monomials(degree: int) -> list[tuple[int, int, int]]:
    return [
        (a, b, degree - a - b) for a in range(degree, -1, -1) for b in range(degree - a, -1, -1)
    ]


def _harmonic_monomial_matrix(l: int) -> np.ndarray:
    """Coefficients of each component of Y^l (e3nn, unnormalised input) in the degree-l monomials.

    Derived numerically, never typed in: e3nn's Y^l (with ``normalize=False``) is a
    homogeneous polynomial of degree ``l``, so a least-squares fit on random points
    recovers it exactly (to round-off).
    """
    monomials = _monomials(l)
    generator = torch.Generator().manual_seed(l)
    points = torch.randn(4 * len(monomials) + 8, 3, generator=generator, dtype=torch.float64)
    sh = o3.spherical_harmonics(l, points, normalize=False).numpy()  # (P, 2l+1)
    design = np.stack([np.prod(points.numpy() ** np.array(m), axis=1) for m in monomials], axis=1)
    solution, *_ = np.linalg.lstsq(design, sh, rcond=None)  # (monomials, 2l+1)
    return solution


def signal_polynomial(coefficients: torch.Tensor) -> dict[tuple[int, int, int], float]:
    """The signal as a polynomial in Cartesian ``x, y, z`` (exponents → coefficient).

    Each degree-``l`` block is written as its harmonic homogeneous polynomial of degree
    ``l``; on the unit sphere the polynomial equals the signal.
    """
    coefficients = torch.as_tensor(coefficients, dtype=torch.float64).numpy()
    lmax = int(round(len(coefficients) ** 0.5)) - 1
    terms: dict[tuple[int, int, int], float] = {}
    for l in range(lmax + 1):
        block = coefficients[l**2 : (l + 1) ** 2]
        if not np.any(block):
            continue
        values = _harmonic_monomial_matrix(l) @ block
        for monomial, value in zip(_monomials(l), values):
            terms[monomial] = terms.get(monomial, 0.0) + float(value)
    return terms


def format_polynomial(
    terms: dict[tuple[int, int, int], float] | torch.Tensor,
    *,
    normalize: bool = True,
    digits: int = 3,
    relative_threshold: float = 1e-3,
) -> str:
    """Readable form, e.g. ``"0.5 x^2 + 0.5 y^2 - z^2"``.

    With ``normalize`` the coefficients are divided by the largest magnitude. Terms
    below ``relative_threshold`` of the largest are dropped.
    """
    if isinstance(terms, torch.Tensor):
        terms = signal_polynomial(terms)
    scale = max((abs(v) for v in terms.values()), default=0.0)
    if scale == 0.0:
        return "0"
    pieces = []
    for monomial, value in sorted(terms.items(), key=lambda kv: (-sum(kv[0]), [-e for e in kv[0]])):
        if abs(value) < relative_threshold * scale:
            continue
        coefficient = value / scale if normalize else value
        factors = "".join(
            f" {name}" + (f"^{power}" if power > 1 else "")
            for name, power in zip("xyz", monomial)
            if power
        ).strip()
        magnitude = f"{abs(coefficient):.{digits}g}"
        if factors and magnitude == "1":
            magnitude = ""
        body = (magnitude + " " + factors).strip() if factors else magnitude
        pieces.append(("- " if coefficient < 0 else "+ ") + body)
    text = " ".join(pieces)
    return text[2:] if text.startswith("+ ") else "-" + text[1:]

