"""Real irrep matrices and coupling (generalised Clebsch–Gordan) coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from symbreak.symmetry import PointGroup, coupling_coefficients, irrep_matrices


@pytest.mark.parametrize("name", ["Oh", "D4h", "C3", "T", "Ih", "D6h", "S4", "C5v"])
def test_irrep_matrices(name):
    g = PointGroup.from_name(name)
    t = g.multiplication_table
    for label in g.real_irrep_labels:
        rho = irrep_matrices(g, label)
        np.testing.assert_allclose(np.einsum("aij,bjk->abik", rho, rho), rho[t], atol=1e-9)
        np.testing.assert_allclose(np.trace(rho, axis1=1, axis2=2), g.characters(label), atol=1e-9)


@pytest.mark.parametrize(
    "name, a, b, c, k",
    [
        ("Oh", "Eg", "Eg", "A1g", 1),
        ("Oh", "Eg", "Eg", "A2g", 1),
        ("Oh", "Eg", "Eg", "Eg", 1),
        ("Oh", "Eg", "Eg", "T1g", 0),
        ("Oh", "T1u", "T1u", "T2g", 1),
        ("Oh", "T1u", "T1u", "A1g", 1),
        ("Oh", "T1u", "T1u", "T1u", 0),
        ("Ih", "Hg", "Hg", "Hg", 2),
        ("C3", "E", "E", "A", 2),  # complex-type E: real solutions come in pairs
    ],
)
def test_coupling_coefficients(name, a, b, c, k):
    g = PointGroup.from_name(name)
    cc = coupling_coefficients(g, a, b, c)
    assert cc.shape[0] == k
    ra, rb, rc = (irrep_matrices(g, x) for x in (a, b, c))
    for coef in cc:
        lhs = np.einsum("gai,gbj,ijc->gabc", ra, rb, coef)
        rhs = np.einsum("abk,gkc->gabc", coef, rc)
        np.testing.assert_allclose(lhs, rhs, atol=1e-9)
        np.testing.assert_allclose(np.einsum("abc,abd->cd", coef, coef), np.eye(rc.shape[1]), atol=1e-9)


def test_unknown_label():
    with pytest.raises(ValueError, match="no real irrep"):
        irrep_matrices(PointGroup.from_name("Oh"), "B1g")
