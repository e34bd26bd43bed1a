"""Group-theoretic properties of every named point group (exhaustive over the elements)."""

from __future__ import annotations

import numpy as np
import pytest

from symbreak.symmetry import (
    CRYSTALLOGRAPHIC,
    HERMANN_MAUGUIN,
    PointGroup,
    irreps_content,
    point_group_names,
    projectors,
)
from symbreak.symmetry._standard import standard_tables

NAMES = point_group_names()


def test_name_list_covers_the_brief():
    required = list(CRYSTALLOGRAPHIC) + ["I", "Ih"]
    for n in range(2, 9):
        required += [f"C{n}", f"C{n}v", f"C{n}h", f"D{n}", f"D{n}h", f"D{n}d", f"S{2 * n}"]
    assert set(required) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_group_axioms_and_character_table(name):
    g = PointGroup.from_name(name)
    m = g.matrices
    n = g.order
    assert g.name == name and g.is_standard
    # orthogonal, identity first, closed (the table reproduces every product)
    np.testing.assert_allclose(np.einsum("gij,gkj->gik", m, m), np.broadcast_to(np.eye(3), m.shape), atol=1e-12)
    np.testing.assert_allclose(m[0], np.eye(3))
    t = g.multiplication_table
    np.testing.assert_allclose(np.einsum("aij,bjk->abik", m, m), m[t], atol=1e-10)
    assert all(sorted(row) == list(range(n)) for row in t)  # Latin square
    np.testing.assert_array_equal(t[np.arange(n), g.inverse], 0)
    # classes partition the group and are closed under conjugation
    assert sorted(np.concatenate(g.classes).tolist()) == list(range(n))
    for k, cls in enumerate(g.classes):
        for h in range(n):
            assert set(g.class_of[t[t[h, cls], g.inverse[h]]]) == {k}
    # character table: square, Σ d² = |G|, orthogonality of rows and columns
    chi = np.asarray(g.character_table, dtype=complex)
    sizes = g.class_sizes
    assert chi.shape == (len(g.classes), len(g.classes))
    assert len(g.irrep_labels) == len(set(g.irrep_labels)) == len(g.classes)
    assert int(np.sum(g.irrep_dims**2)) == n
    np.testing.assert_allclose((chi * sizes) @ chi.conj().T, n * np.eye(len(sizes)), atol=1e-9)
    np.testing.assert_allclose(chi.conj().T @ chi, np.diag(n / sizes), atol=1e-9)
    # first row trivial; Frobenius–Schur indicator 1 for real rows, 0 for complex ones
    np.testing.assert_allclose(chi[0], 1.0)
    squares = np.diagonal(t).copy()
    for row, label in zip(chi, g.irrep_labels):
        fs = np.sum(row[g.class_of[squares]]) / n
        is_complex = bool(np.any(np.abs(row.imag) > 1e-9))
        assert abs(fs - (0 if is_complex else 1)) < 1e-9, label
        assert label[0].isdigit() == is_complex
    # real irreps: pairs combined, dimensions add up
    assert int(np.sum(g.real_irrep_dims * g.irrep_dims[[g.irrep_labels.index(l) if l in g.irrep_labels else g.irrep_labels.index("1" + l) for l in g.real_irrep_labels]])) == n


@pytest.mark.parametrize("name", NAMES)
def test_characters_match_traces_of_representations(name):
    g = PointGroup.from_name(name)
    # the vector representation decomposes into non-negative integer multiplicities
    content = irreps_content("1o", g)
    assert sum(mult * g.real_irrep_dims[g.real_irrep_labels.index(l)] for l, mult in content.items()) == 3
    # the real projectors of a mixed representation are orthogonal, idempotent and complete
    irreps = "0e + 1o + 1e + 2e + 3o"
    p = projectors(irreps, g)
    total = sum(p.values())
    np.testing.assert_allclose(total, np.eye(total.shape[0]), atol=1e-9)
    for a, pa in p.items():
        np.testing.assert_allclose(pa @ pa, pa, atol=1e-9)
        np.testing.assert_allclose(pa, pa.T, atol=1e-9)
        for b, pb in p.items():
            if a != b:
                np.testing.assert_allclose(pa @ pb, 0.0, atol=1e-9)


def test_signatures_identify_each_group():
    sigs = [standard_tables(n).signature for n in NAMES]
    for i, a in enumerate(sigs):
        for j in range(i + 1, len(sigs)):
            assert a != sigs[j] or len(standard_tables(NAMES[i]).matrices) != len(standard_tables(NAMES[j]).matrices)


def test_hermann_mauguin_and_aliases():
    assert PointGroup.from_name("m-3m").name == "Oh"
    assert PointGroup.from_name("4/mmm").name == "D4h"
    assert PointGroup.from_name("4mm").name == "C4v"
    assert PointGroup.from_name("mmm").name == "D2h"
    assert PointGroup.from_name("C3i").name == "S6"
    assert {HERMANN_MAUGUIN[k] for k in HERMANN_MAUGUIN} == set(CRYSTALLOGRAPHIC)
    for hm, sch in HERMANN_MAUGUIN.items():
        assert PointGroup.from_name(hm).same_operations(PointGroup.from_name(sch))


@pytest.mark.parametrize("bad", ["X7", "C0", "D1", "S3", "C13v", "", "oh"])
def test_unknown_name_lists_valid_names(bad):
    with pytest.raises(ValueError, match="valid names.*D4h"):
        PointGroup.from_name(bad)


def test_standard_orientation():
    d4h = PointGroup.from_name("D4h")
    assert d4h.contains(np.diag([1.0, -1.0, -1.0]))  # C2' along x
    c4v = PointGroup.from_name("C4v")
    assert c4v.contains(np.diag([1.0, -1.0, 1.0]))  # σv = xz
    d2d = PointGroup.from_name("D2d")
    assert d2d.contains(np.diag([1.0, -1.0, -1.0]))  # C2' along x
    assert not d2d.contains(np.diag([1.0, -1.0, 1.0]))  # σd bisect the C2' axes
    assert PointGroup.from_name("C2v").contains(np.diag([1.0, -1.0, 1.0]))
    assert PointGroup.from_name("Cs").contains(np.diag([1.0, 1.0, -1.0]))


def test_membership_and_immutability():
    oh, d4h, c4v = (PointGroup.from_name(n) for n in ("Oh", "D4h", "C4v"))
    assert d4h.is_subgroup_of(oh) and c4v.is_subgroup_of(d4h) and not oh.is_subgroup_of(d4h)
    assert oh.index_of(np.eye(3)) == 0
    assert oh.index_of(-np.eye(3)) == oh.index_of(oh.matrices[oh.index_of(-np.eye(3))])
    with pytest.raises(ValueError, match="not an operation"):
        c4v.index_of(-np.eye(3))
    with pytest.raises(AttributeError):
        oh.name = "D4h"
    with pytest.raises(ValueError):
        oh.matrices[0, 0, 0] = 2.0
    with pytest.raises(ValueError, match="no irrep"):
        oh.characters("B1g")
