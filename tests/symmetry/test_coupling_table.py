"""Products of point-group irreps and their coupling coefficients, against characters and Dirac's formula.

References nobody here wrote: the character tables' orthogonality (multiplicities from the
complex character table, computed in the test), the textbook product T1u ⊗ T1u = A1g + Eg +
T1g + T2g of Oh (e.g. Dresselhaus, Dresselhaus & Jorio, Group Theory, table of Oh products),
and Dirac's projection formula (Heilman 2025, §3) as an independent route to the coefficients.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.symmetry import (
    PointGroup,
    coupling_coefficients,
    coupling_table,
    dirac_coupling_coefficients,
    intertwiner_count,
    irrep_matrices,
    product_multiplicities,
)


def character_multiplicities(group: PointGroup, a: str, b: str) -> dict[str, int]:
    """n_c = (1/|G|) Σ_classes |K| χ_a χ_b χ_c* from the character table (groups without
    complex pairs, where the real irreps are the irreps)."""
    table, sizes, labels = group.character_table, group.class_sizes, group.irrep_labels
    row = {label: table[i] for i, label in enumerate(labels)}
    product = row[a] * row[b]
    out = {}
    for label in labels:
        n = np.sum(sizes * product * np.conj(row[label])).real / group.order
        assert abs(n - round(n)) < 1e-9
        if round(n):
            out[label] = int(round(n))
    return out


@pytest.mark.parametrize("name", ["Oh", "D6h", "Td"])
def test_multiplicities_agree_with_the_character_formula(name):
    group = PointGroup.from_name(name)
    assert set(group.irrep_labels) == set(group.real_irrep_labels)  # all real: no pairs to merge
    labels = group.real_irrep_labels
    for a in labels:
        for b in labels:
            expected = character_multiplicities(group, a, b)
            assert product_multiplicities(group, a, b) == expected, (a, b)
            dims = dict(zip(labels, group.real_irrep_dims))
            assert sum(n * dims[c] for c, n in expected.items()) == dims[a] * dims[b]


def test_textbook_product_in_oh():
    oh = PointGroup.from_name("Oh")
    assert product_multiplicities(oh, "T1u", "T1u") == {"A1g": 1, "Eg": 1, "T1g": 1, "T2g": 1}
    assert product_multiplicities(oh, "Eg", "Eg") == {"A1g": 1, "A2g": 1, "Eg": 1}
    assert product_multiplicities(oh, "T1u", "T2u") == {"A2g": 1, "Eg": 1, "T1g": 1, "T2g": 1}


def check_coefficients(group: PointGroup, a: str, b: str, c: str, coefficients: np.ndarray) -> None:
    ra, rb, rc = (irrep_matrices(group, x) for x in (a, b, c))
    n = product_multiplicities(group, a, b).get(c, 0) * intertwiner_count(group, c)
    assert coefficients.shape == (n, ra.shape[1], rb.shape[1], rc.shape[1])
    for coefficient in coefficients:
        lhs = np.einsum("gai,gbj,ijc->gabc", ra, rb, coefficient)
        rhs = np.einsum("abk,gkc->gabc", coefficient, rc)
        assert np.abs(lhs - rhs).max() < 1e-12
    gram = np.einsum("kabc,labc->kl", coefficients, coefficients) / rc.shape[1]
    assert np.allclose(gram, np.eye(n), rtol=0, atol=1e-12)  # orthonormal (Frobenius, norm² = d_c)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["Td", pytest.param("Oh", marks=pytest.mark.slow),
                                  pytest.param("D6h", marks=pytest.mark.slow)])
def test_coefficients_intertwine_and_are_orthonormal(name):
    group = PointGroup.from_name(name)
    labels = group.real_irrep_labels
    for a in labels:
        for b in labels:
            for c in labels:
                check_coefficients(group, a, b, c, coupling_coefficients(group, a, b, c))


def test_coefficients_are_cached_per_group():
    oh = PointGroup.from_name("Oh")
    assert coupling_coefficients(oh, "T1u", "T1u", "T2g") is coupling_coefficients(oh, "T1u", "T1u", "T2g")
    assert not coupling_coefficients(oh, "T1u", "T1u", "T2g").flags.writeable


@pytest.mark.parametrize(
    "name, a, b, c",
    [("Oh", "T1u", "T1u", "T2g"), ("Oh", "T1u", "T2g", "T1u"), ("Td", "T2", "T2", "T2"),
     ("Ih", "Hg", "Hg", "Hg"),  # multiplicity 2: Dirac's formula from two reference triples
     ("C3", "E", "E", "E"), ("C3h", "E'", "E''", "E''"),  # complex pairs: two solutions per copy
     ("D6h", "E1u", "E2g", "E1u")],
)
def test_dirac_formula_spans_the_same_space(name, a, b, c):
    group = PointGroup.from_name(name)
    intertwiner = coupling_coefficients(group, a, b, c)
    dirac = dirac_coupling_coefficients(group, a, b, c)
    check_coefficients(group, a, b, c, dirac)
    d_c = intertwiner.shape[3]
    mixing = np.einsum("kabc,labc->kl", dirac, intertwiner) / d_c
    # an orthogonal matrix within the multiplicity space relates the two bases
    assert np.abs(mixing @ mixing.T - np.eye(len(mixing))).max() < 1e-10
    assert np.abs(np.einsum("kl,labc->kabc", mixing, intertwiner) - dirac).max() < 1e-10


def test_dirac_formula_with_a_transposed_gamma_would_not_intertwine():
    """Why the dagger of Γγ†_na in the paper is read as complex conjugation: the transpose
    reading, Σ_g Γα_iq Γβ_js Γγ_an, fails to intertwine (here by ~0.2)."""
    oh = PointGroup.from_name("Oh")
    ra, rc = irrep_matrices(oh, "T1u"), irrep_matrices(oh, "T1g")
    transposed = np.einsum("giq,gjs,gan->ijnqsa", ra, ra, rc)[..., 0, 1, 2] / oh.order
    lhs = np.einsum("gai,gbj,ijc->gabc", ra, ra, transposed)
    rhs = np.einsum("abk,gkc->gabc", transposed, rc)
    assert np.abs(lhs - rhs).max() > 1e-2


def test_coupling_command_prints_the_table_and_writes_json(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["coupling", "Oh"])
    assert result.exit_code == 0, result.output
    assert "T1u ⊗ T1u = A1g + Eg + T1g + T2g" in result.output
    path = tmp_path / "c.json"
    result = runner.invoke(app, ["coupling", "Oh", "--irreps", "T1u", "T1u", "--json", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(path.read_text())
    assert data["pair"] == ["T1u", "T1u"] and set(data["coefficients"]) == {"A1g", "Eg", "T1g", "T2g"}
    # the scalar product x·x' + y·y' + z·z' / √3 in the basis (x, y, z) of T1u
    a1g = np.array(data["coefficients"]["A1g"])[0, :, :, 0]
    assert np.allclose(np.abs(a1g), np.eye(3) / np.sqrt(3), atol=1e-12)
    assert coupling_table(PointGroup.from_name("Oh"), ("T1u", "T1u"), "T2g").coefficients.keys() == {"T2g"}
