import numpy as np
import pytest
import torch
from e3nn import o3

from symbreak.analysis import breaking_analysis, without_background
from symbreak.symmetry import PointGroup


def harmonic(function, l, seed=0):
    points = torch.randn(80, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    sh = o3.spherical_harmonics(l, points, normalize=False)
    return torch.linalg.lstsq(sh, function(*points.T)[:, None]).solution[:, 0]


def theta_with(blocks: dict[str, torch.Tensor], irreps="0e+1o+2e+4e"):
    irreps = o3.Irreps(irreps)
    theta = torch.zeros(irreps.dim, dtype=torch.float64)
    theta[0] = 1.0  # background
    for (mul, ir), s in zip(irreps, irreps.slices()):
        if str(ir) in blocks:
            theta[s] = blocks[str(ir)]
    return theta, irreps


def test_tetragonal_breaking_of_the_cube_is_eg_with_residual_d4h():
    oh = PointGroup.from_name("Oh")
    theta, irreps = theta_with({"2e": harmonic(lambda x, y, z: 2 * z**2 - x**2 - y**2, 2)})
    result = breaking_analysis([(theta, irreps)], oh, PointGroup.from_name("D4h"))
    assert result.breaking_irreps == ["Eg"]
    assert result.decomposition["Eg"] == pytest.approx(1.0, abs=1e-9)
    assert result.residual_group == "D4h" and result.residual_contains_target


def test_polar_breaking_is_t1u_with_residual_c4v_and_layers_combine():
    oh = PointGroup.from_name("Oh")
    layer0 = theta_with({"1o": torch.tensor([0.0, 0.0, 0.7], dtype=torch.float64)})
    layer1 = theta_with({"2e": harmonic(lambda x, y, z: 2 * z**2 - x**2 - y**2, 2)})
    result = breaking_analysis([layer0, layer1], oh, PointGroup.from_name("C4v"))
    assert set(result.breaking_irreps) == {"T1u", "Eg"}
    assert result.residual_group == "C4v" and result.residual_contains_target
    e1 = float(layer0[0][1:].pow(2).sum())
    e2 = float(layer1[0][1:].pow(2).sum())
    assert result.decomposition["T1u"] == pytest.approx(e1 / (e1 + e2), abs=1e-9)


def test_scalar_theta_breaks_nothing():
    oh = PointGroup.from_name("Oh")
    cubic = harmonic(lambda x, y, z: x**4 + y**4 + z**4 - 0.6 * (x**2 + y**2 + z**2) ** 2, 4)
    for theta in (theta_with({}), theta_with({"4e": cubic})):
        result = breaking_analysis([theta], oh, oh)
        assert result.breaking_irreps == [] and result.residual_group == "Oh"
        assert "nothing is broken" in result.sentence


def test_residual_that_misses_the_target_is_flagged():
    oh = PointGroup.from_name("Oh")
    theta = theta_with({"1o": torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)})  # a vector along x
    result = breaking_analysis([theta], oh, PointGroup.from_name("C4v"))  # C4v about z
    assert result.residual_group == "C4v" and not result.residual_contains_target
    assert "does NOT contain" in result.sentence


def test_without_background_zeroes_only_scalars():
    irreps = o3.Irreps("2x0e+0o+1o")
    cleaned = without_background(torch.arange(1.0, 7.0), irreps)
    assert np.array_equal(cleaned, [0, 0, 3, 4, 5, 6])
