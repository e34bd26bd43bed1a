import numpy as np
import pytest
import torch
from e3nn import o3

from symbreak.signals import (
    evaluate_signal,
    format_polynomial,
    points_to_signals,
    relaxed_signal,
    signal_polynomial,
    signals_to_points,
)


def harmonic_coefficients(function, l, generator):
    """Coefficients of a degree-l harmonic polynomial in e3nn's Y^l, by least squares."""
    points = torch.randn(60, 3, generator=generator, dtype=torch.float64)
    sh = o3.spherical_harmonics(l, points, normalize=False)
    return torch.linalg.lstsq(sh, function(*points.T)[:, None]).solution[:, 0]


@pytest.mark.parametrize("lmax", [2, 4])
def test_points_round_trip_through_signals(generator, lmax):
    points = torch.randn(6, 3, generator=generator, dtype=torch.float64)
    signals = points_to_signals(points, lmax)
    # peak value is the norm, at the point's direction
    values = evaluate_signal(signals, points)
    assert torch.allclose(torch.diagonal(values), points.norm(dim=1), atol=1e-10)
    assert (signals_to_points(signals, lmax) - points).abs().max() < 1e-7


def test_origin_gives_zero_signal_and_back():
    signals = points_to_signals([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], 2)
    assert torch.all(signals[0] == 0)
    assert torch.all(signals_to_points(signals, 2)[0] == 0)


def test_points_must_be_finite():
    with pytest.raises(ValueError, match="NaN or inf in row"):
        points_to_signals([[0.0, np.nan, 1.0]], 2)


def test_polynomial_of_known_harmonics(generator):
    coefficients = torch.zeros(9, dtype=torch.float64)
    coefficients[4:9] = harmonic_coefficients(lambda x, y, z: x**2 - y**2, 2, generator)
    assert format_polynomial(coefficients) == "x^2 - y^2"
    coefficients[4:9] = harmonic_coefficients(lambda x, y, z: x**2 + y**2 - 2 * z**2, 2, generator)
    assert format_polynomial(coefficients, normalize=False) == "x^2 + y^2 - 2 z^2"
    terms = signal_polynomial(coefficients)
    assert terms[(0, 0, 2)] == pytest.approx(-2.0) and terms[(2, 0, 0)] == pytest.approx(1.0)


def test_relaxed_signal_splits_parities():
    irreps = o3.Irreps("0e+0o+1o+1e+2e")
    theta = torch.arange(1.0, irreps.dim + 1)
    scalar, lmax = relaxed_signal(theta, irreps, "scalar")
    pseudo, _ = relaxed_signal(theta, irreps, "pseudoscalar")
    assert lmax == 2
    assert scalar[0] == 0  # background removed
    assert torch.equal(scalar[1:4], theta[2:5]) and torch.equal(scalar[4:9], theta[8:13])
    assert pseudo[0] == theta[1] and torch.equal(pseudo[1:4], theta[5:8]) and torch.all(pseudo[4:] == 0)
    with_background, _ = relaxed_signal(theta, irreps, subtract_background=False)
    assert with_background[0] == theta[0]
    with pytest.raises(ValueError, match="shape"):
        relaxed_signal(theta[:-1], irreps)
