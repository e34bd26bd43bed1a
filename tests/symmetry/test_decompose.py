"""Isotypic decomposition of irreps signals and representation content."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from e3nn import o3

from symbreak.symmetry import PointGroup, decompose, irreps_content, representation


def polynomial_coefficients(l: int, poly) -> np.ndarray:
    """Coefficients c with Σ_m c_m Y^l_m(r) = poly(r) (e3nn's unnormalised Y^l), by least squares.

    Which index of Y^l is which polynomial is derived here, never assumed.
    """
    rng = np.random.default_rng(0)
    r = rng.normal(size=(200, 3))
    y = o3.spherical_harmonics(l, torch.tensor(r), normalize=False).numpy()
    c, *_ = np.linalg.lstsq(y, poly(*r.T), rcond=None)
    np.testing.assert_allclose(y @ c, poly(*r.T), atol=1e-9)  # the polynomial lies in Y^l
    return c


@pytest.mark.parametrize(
    "group, irreps, expected",
    [
        ("Oh", "2e", {"Eg": 1, "T2g": 1}),
        ("Oh", "3o", {"A2u": 1, "T1u": 1, "T2u": 1}),
        ("Oh", "6e", {"A1g": 1, "A2g": 1, "Eg": 1, "T1g": 1, "T2g": 2}),
        ("Ih", "3o", {"T2u": 1, "Gu": 1}),
        ("Ih", "2e", {"Hg": 1}),
        ("D5h", "1o", {"E1'": 1, "A2''": 1}),
        ("D4h", "1o", {"A2u": 1, "Eu": 1}),
        ("C2v", "1o", {"A1": 1, "B1": 1, "B2": 1}),
        ("D2d", "1o", {"B2": 1, "E": 1}),
        ("C4", "1o", {"A": 1, "E": 1}),
        ("T", "2e", {"E": 1, "T": 1}),
        ("Oh", "2x1o + 0e", {"A1g": 1, "T1u": 2}),
    ],
)
def test_irreps_content(group, irreps, expected):
    assert irreps_content(irreps, PointGroup.from_name(group)) == expected


def _check_fractions(dec, expected):
    assert set(dec.fractions) >= set(expected)
    for label, value in dec.fractions.items():
        assert value == pytest.approx(expected.get(label, 0.0), abs=1e-9), label
    assert sum(dec.fractions.values()) == pytest.approx(1.0, abs=1e-12)


def test_vector_along_z_in_d4h_is_a2u():
    d4h = PointGroup.from_name("D4h")
    dec = decompose(np.array([0.0, 0.0, 1.0]), "1o", d4h)
    _check_fractions(dec, {"A2u": 1.0})
    dec = decompose(np.array([1.0, 1.0, 0.0]), "1o", d4h)
    _check_fractions(dec, {"Eu": 1.0})


def test_quadratic_polynomials_in_d4h():
    d4h = PointGroup.from_name("D4h")
    x2y2 = polynomial_coefficients(2, lambda x, y, z: x**2 - y**2)
    xy = polynomial_coefficients(2, lambda x, y, z: x * y)
    z2 = polynomial_coefficients(2, lambda x, y, z: 2 * z**2 - x**2 - y**2)
    xz = polynomial_coefficients(2, lambda x, y, z: x * z)
    _check_fractions(decompose(x2y2, "2e", d4h), {"B1g": 1.0})
    _check_fractions(decompose(xy, "2e", d4h), {"B2g": 1.0})
    _check_fractions(decompose(z2, "2e", d4h), {"A1g": 1.0})
    _check_fractions(decompose(xz, "2e", d4h), {"Eg": 1.0})
    # a mixture: fractions are the squared-norm shares, components add up to the signal
    signal = 3.0 * x2y2 / np.linalg.norm(x2y2) + 4.0 * xy / np.linalg.norm(xy)
    dec = decompose(signal, "2e", d4h)
    _check_fractions(dec, {"B1g": 9 / 25, "B2g": 16 / 25})
    np.testing.assert_allclose(sum(dec.components.values()), signal, atol=1e-12)
    assert dec.norm == pytest.approx(5.0)
    assert dec.dominant() == ["B2g", "B1g"]
    # in Oh, x²-y² and 2z²-x²-y² are Eg, xy is T2g
    oh = PointGroup.from_name("Oh")
    _check_fractions(decompose(x2y2, "2e", oh), {"Eg": 1.0})
    _check_fractions(decompose(xy, "2e", oh), {"T2g": 1.0})


def test_c2v_and_d2d_conventions():
    _check_fractions(decompose(np.array([1.0, 0.0, 0.0]), "1o", PointGroup.from_name("C2v")), {"B1": 1.0})
    _check_fractions(decompose(np.array([0.0, 1.0, 0.0]), "1o", PointGroup.from_name("C2v")), {"B2": 1.0})
    _check_fractions(decompose(np.array([0.0, 0.0, 1.0]), "1o", PointGroup.from_name("D2d")), {"B2": 1.0})


def test_batches_torch_and_mixed_irreps():
    oh = PointGroup.from_name("Oh")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 1 + 3 + 5))
    dec = decompose(torch.tensor(x), "0e + 1o + 2e", oh)
    assert dec.components["T1u"].shape == (4, 9)
    np.testing.assert_allclose(dec.components["T1u"][:, 1:4], x[:, 1:4], atol=1e-12)
    np.testing.assert_allclose(dec.components["A1g"][:, 0], x[:, 0], atol=1e-12)
    total = np.sum(x**2)
    assert dec.fractions["A1g"] == pytest.approx(np.sum(x[:, 0] ** 2) / total, abs=1e-12)
    assert dec.fractions["Eg"] + dec.fractions["T2g"] == pytest.approx(np.sum(x[:, 4:] ** 2) / total)
    assert "Oh:" in str(dec)
    zero = decompose(np.zeros(9), o3.Irreps("0e + 1o + 2e"), oh)
    assert zero.norm == 0.0 and all(v == 0.0 for v in zero.fractions.values())


def test_complex_pairs_use_real_projectors():
    c3 = PointGroup.from_name("C3")
    dec = decompose(np.array([1.0, 0.3, 0.0]), "1o", c3)  # in-plane vector: the real E of C3
    _check_fractions(dec, {"E": 1.0})
    assert all(np.isrealobj(c) for c in dec.components.values())
    c4h = PointGroup.from_name("C4h")
    rng = np.random.default_rng(2)
    dec = decompose(rng.normal(size=5 + 7), "2e + 3o", c4h)
    assert set(dec.fractions) == {"Ag", "Bg", "Eg", "Au", "Bu", "Eu"}
    assert sum(dec.fractions.values()) == pytest.approx(1.0, abs=1e-12)


def test_rotated_group_decomposes_consistently():
    """A signal and the group rotated together give the same fractions."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q if np.linalg.det(q) > 0 else -q
    g = PointGroup("D4h", frame=q.T)  # operations q S qᵀ
    x2y2 = polynomial_coefficients(2, lambda x, y, z: x**2 - y**2)
    d = o3.Irreps("2e").D_from_matrix(torch.tensor(q)).numpy()
    _check_fractions(decompose(d @ x2y2, "2e", g), {"B1g": 1.0})


def test_representation_is_a_homomorphism():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    for g in (PointGroup.from_name("Oh"), PointGroup.from_name("Ih"), PointGroup("D6h", frame=q)):
        d = representation("1o + 2e + 3o + 4e", g)
        t = g.multiplication_table
        np.testing.assert_allclose(np.einsum("aij,bjk->abik", d, d), d[t], atol=1e-12)
        np.testing.assert_allclose(d[:, 0:3, 0:3], g.matrices, atol=1e-12)  # 1o is the vector


@pytest.mark.parametrize(
    "signal, irreps, match",
    [
        (np.zeros(4), "1o", "irreps.dim = 3"),
        (np.zeros((2, 5)), "1o", "last axis"),
        (np.array(1.0), "0e", "last axis"),
        (np.array([np.nan, 0, 0]), "1o", "NaN"),
        (np.zeros(3), "1x", "invalid irreps"),
    ],
)
def test_bad_signals(signal, irreps, match):
    with pytest.raises(ValueError, match=match):
        decompose(signal, irreps, PointGroup.from_name("Oh"))


def test_wigner_matrices_equal_e3nn_in_float64_also_near_gimbal_lock():
    """representation() is e3nn's D_from_matrix (float64 generators), also for frames that map
    y to within 1e-9 rad of ±y, where e3nn's Euler angles alone lose ~1e-8."""
    from symbreak.symmetry._ops import rotation

    irreps = "0e + 1o + 2e + 3o + 4e + 6o + 8e"
    near_y = rotation(np.array([1.0, 0.0, 0.0]), 1e-9) @ rotation(np.array([0.0, 1.0, 0.0]), 0.7)
    previous = torch.get_default_dtype()
    for frame in (None, near_y):
        g = PointGroup("D6h", frame)
        d = representation(irreps, g)
        np.testing.assert_allclose(np.einsum("aij,bjk->abik", d, d), d[g.multiplication_table],
                                   atol=1e-12)
        torch.set_default_dtype(torch.float64)
        try:
            ref = o3.Irreps(irreps).D_from_matrix(torch.tensor(g.matrices)).numpy()
        finally:
            torch.set_default_dtype(previous)
        # e3nn alone is exact for the standard group, off by up to √ε near gimbal lock
        np.testing.assert_allclose(d, ref, atol=1e-12 if frame is None else 1e-6)
    assert torch.get_default_dtype() == previous
