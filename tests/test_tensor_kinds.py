"""Tensor kinds: irreps content, change of basis, Cartesian ↔ irreps ↔ Voigt, conventions."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from symbreak.symmetry import wigner_matrices
from symbreak.tensors import tensor_kind, tensor_kinds

# Irreps content of the standard property tensors (e3nn notation; e.g. Heilman 2025 §2.2,
# Nye ch. VIII: the 21 elastic constants = 2 scalars (bulk, shear) + 2 deviators + one l=4 part).
IRREPS = {
    "dielectric": "1x0e+1x2e",
    "pyroelectric": "1x1o",
    "piezoelectric": "2x1o+1x2o+1x3o",
    "elastic": "2x0e+2x2e+1x4e",
    "shg": "2x1o+1x2o+1x3o",
    "optical_activity": "1x0o+1x2o",
}


def _rotations(n, seed):
    r = Rotation.random(n, random_state=seed).as_matrix()
    r[: n // 2] *= -1  # half improper: parity matters for axial kinds
    return r


@pytest.mark.parametrize("name", sorted(IRREPS))
def test_irreps_content(name):
    kind = tensor_kind(name)
    assert str(kind.irreps.simplify()) == IRREPS[name]
    assert kind.dim == kind.irreps.dim


def test_named_kinds_and_aliases():
    kinds = tensor_kinds()
    for name in ("dielectric", "polarizability", "thermal_expansion", "pyroelectric", "piezoelectric",
                 "elastic", "compliance", "shg", "optical_activity"):
        assert name in kinds
    assert tensor_kind("permittivity") == tensor_kind("dielectric")
    assert tensor_kind("Gyration").axial
    assert tensor_kind("ij=ji", axial=True).irreps == tensor_kind("optical_activity").irreps


@pytest.mark.parametrize("name", ["dielectric", "piezoelectric", "elastic", "optical_activity", "ijk=jik", "ij"])
def test_change_of_basis_intertwines(name):
    """Q C(R) Qᵀ equals e3nn's D(R) of the irreps (exact Wigner matrices), proper and improper R."""
    kind = tensor_kind(name)
    q = kind.change_of_basis().reshape(kind.dim, -1)
    np.testing.assert_allclose(q @ q.T, np.eye(kind.dim), atol=1e-14)
    r = _rotations(6, seed=len(name))
    np.testing.assert_allclose(kind.irreps_representation(r), wigner_matrices(kind.irreps, r), atol=1e-12)


def test_axial_rank2_is_not_built_from_axial_vectors():
    """An axial rank-2 tensor flips sign under inversion: irreps 0o+2o (not 0e+2e)."""
    kind = tensor_kind("optical_activity")
    g = np.random.default_rng(0).normal(size=(3, 3))
    g = g + g.T
    inverted = (kind.cartesian_representation(-np.eye(3)) @ g.reshape(-1)).reshape(3, 3)
    np.testing.assert_allclose(inverted, -g)


def test_cartesian_irreps_round_trip_numpy_and_torch():
    kind = tensor_kind("elastic")
    rng = np.random.default_rng(1)
    c = rng.normal(size=(4, 6, 6))
    c = c + c.transpose(0, 2, 1)
    t = kind.from_voigt(c)  # batched
    assert t.shape == (4, 3, 3, 3, 3)
    np.testing.assert_allclose(kind.to_cartesian(kind.from_cartesian(t)), t, atol=1e-13)
    x32 = kind.from_cartesian(torch.tensor(t, dtype=torch.float32))
    assert x32.dtype == torch.float32 and x32.shape == (4, 21)
    np.testing.assert_allclose(x32.numpy(), kind.from_cartesian(t), atol=1e-5)
    # the irreps vector has the Frobenius norm of the Cartesian tensor (orthonormal Q)
    np.testing.assert_allclose(np.linalg.norm(kind.from_cartesian(t), axis=-1), np.linalg.norm(t.reshape(4, -1), axis=-1))


def test_voigt_conventions_make_hookes_law_a_matrix_product():
    """σ_I = C_IJ ε_J with engineering strain; ε_I = s_IJ σ_J with s (factors 2, 4) = C⁻¹;
    ε_J = d_iJ E_i with d_i4 = 2 d_i23 (Nye 1957, ch. VII §2, ch. VIII §3)."""
    rng = np.random.default_rng(2)
    elastic, compliance, strain = tensor_kind("elastic"), tensor_kind("compliance"), tensor_kind("ij=ji")
    a = rng.normal(size=(6, 6))
    c_voigt = a @ a.T + 6 * np.eye(6)
    c = elastic.from_voigt(c_voigt)
    eps = strain.to_cartesian(rng.normal(size=6))
    sigma = np.einsum("ijkl,kl->ij", c, eps)
    np.testing.assert_allclose(strain.to_voigt(sigma, "stress"), c_voigt @ strain.to_voigt(eps, "strain"), atol=1e-12)
    # compliance: the inverse of c on symmetric tensors, in the compliance convention = inverse matrix
    s = compliance.from_voigt(np.linalg.inv(c_voigt))
    back = np.einsum("ijkl,kl->ij", s, sigma)
    np.testing.assert_allclose(back, eps, atol=1e-12)
    np.testing.assert_allclose(compliance.to_voigt(s), np.linalg.inv(c_voigt), atol=1e-12)
    # piezoelectric d: converse effect ε_jk = d_ijk E_i
    piezo = tensor_kind("piezoelectric")
    d_voigt = rng.normal(size=(3, 6))
    d = piezo.from_voigt(d_voigt)
    e_field = rng.normal(size=3)
    eps = np.einsum("ijk,i->jk", d, e_field)
    np.testing.assert_allclose(strain.to_voigt(eps, "strain"), e_field @ d_voigt, atol=1e-12)
    assert d[0, 1, 2] == pytest.approx(d_voigt[0, 3] / 2)
    # SHG keeps d_14 = d_123 (no factor)
    assert tensor_kind("shg").from_voigt(d_voigt)[0, 1, 2] == pytest.approx(d_voigt[0, 3])


def test_voigt_shapes():
    assert tensor_kind("dielectric").voigt_shape == (6,)
    assert tensor_kind("piezoelectric").voigt_shape == (3, 6)
    assert tensor_kind("ijk=jik").voigt_shape == (6, 3)
    assert tensor_kind("elastic").voigt_shape == (6, 6)
    assert not tensor_kind("pyroelectric").has_voigt


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: tensor_kind("elastik"), "unknown tensor kind"),
        (lambda: tensor_kind("ij=jk"), "permute"),
        (lambda: tensor_kind("ij=-ij"), "only the zero tensor"),
        (lambda: tensor_kind("elastic").from_voigt(np.zeros((3, 3))), r"shape \(\.\.\., 6, 6\)"),
        (lambda: tensor_kind("dielectric").from_cartesian(np.zeros((3, 4))), "shape"),
        (lambda: tensor_kind("pyroelectric").to_voigt(np.zeros(3)), "no Voigt form"),
        (lambda: tensor_kind("elastic").to_voigt(np.zeros((3,) * 4), convention="engineering"), "convention"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(["dielectric", "piezoelectric", "elastic", "ijk=jik", "ijkl=jikl=ijlk"]),
    convention=st.sampled_from(["stress", "strain", "stiffness", "compliance"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_voigt_round_trip_and_rotation_commute_with_irreps(name, convention, seed):
    """Voigt ↔ Cartesian are inverse on tensors with the index symmetry, in every convention,
    and the irreps coordinates rotate with D(R): Q(R·T) = D(R) Q T."""
    kind = tensor_kind(name)
    rng = np.random.default_rng(seed)
    t = kind.to_cartesian(rng.normal(size=kind.dim))
    np.testing.assert_allclose(kind.from_voigt(kind.to_voigt(t, convention), convention), t, atol=1e-13)
    r = _rotations(2, seed % 1000)[seed % 2]
    moved = (kind.cartesian_representation(r) @ t.reshape(-1)).reshape(kind.shape)
    np.testing.assert_allclose(kind.from_cartesian(moved), kind.irreps_representation(r) @ kind.from_cartesian(t),
                               atol=1e-12)
