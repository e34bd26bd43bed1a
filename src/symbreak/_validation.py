"""Checks at the library's boundary: bad input fails here, with a message that names it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # e3nn (and torch) load only when irreps are read: point-set checks stay light
    from e3nn import o3

__all__ = ["as_irreps", "as_sh_irreps", "as_points", "as_real_array"]


def as_irreps(irreps, name: str) -> o3.Irreps:
    """``irreps`` as ``o3.Irreps``; ``ValueError`` naming the argument if it cannot be read."""
    from e3nn import o3

    try:
        return o3.Irreps(irreps)
    except (ValueError, AssertionError, TypeError) as error:
        raise ValueError(f"{name}: cannot read irreps {irreps!r} ({error})") from None


def as_sh_irreps(irreps_sh) -> o3.Irreps:
    """Irreps of spherical harmonics from an ``lmax`` or irreps; each ``l`` must have parity (-1)^l."""
    from e3nn import o3

    if isinstance(irreps_sh, (int, np.integer)):
        if irreps_sh < 0:
            raise ValueError(f"irreps_sh: lmax must be >= 0, got {irreps_sh}")
        return o3.Irreps.spherical_harmonics(int(irreps_sh))
    irreps = as_irreps(irreps_sh, "irreps_sh")
    for mul, ir in irreps:
        if ir.p != (-1) ** ir.l:
            raise ValueError(
                f"irreps_sh: spherical harmonics of degree {ir.l} have parity "
                f"{'e' if ir.l % 2 == 0 else 'o'}, got {ir} in {irreps}"
            )
    return irreps


def as_real_array(value, name: str, what: str = "values") -> np.ndarray:
    """``value`` (array-like or torch tensor) as a float64 numpy array; ``ValueError`` naming ``name``
    for complex numbers or anything that is not an array of numbers (shape and finiteness unchecked)."""
    raw = value.detach().cpu().numpy() if hasattr(value, "detach") else value
    if np.iscomplexobj(raw):
        # numpy would drop the imaginary part with only a warning
        raise ValueError(f"{name}: {what} must be real numbers, got complex values")
    try:
        return np.array(raw, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: cannot read as an array of numbers ({error})") from None


def as_points(points, name: str = "points", min_points: int = 1) -> np.ndarray:
    """A finite float64 array of shape ``(N, 3)`` with ``N >= min_points``."""
    array = as_real_array(points, name, "coordinates")
    if array.ndim != 2 or array.shape[1] != 3:
        raise ValueError(f"{name}: expected an array of shape (N, 3), got shape {array.shape}")
    if array.shape[0] < min_points:
        raise ValueError(f"{name}: expected at least {min_points} point(s), got {array.shape[0]}")
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        rows = ", ".join(str(i) for i in np.flatnonzero(bad)[:5])
        raise ValueError(f"{name}: coordinates must be finite numbers; NaN or inf in row(s) {rows}")
    return array
