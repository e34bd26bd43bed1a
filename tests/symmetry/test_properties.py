"""Property-based tests (hypothesis) of the group axioms, character theory and decompositions."""

from __future__ import annotations

import numpy as np
import pytest
from _symmetry_shapes import cube, icosahedron, octahedron, prism, rectangle, tetrahedron
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbreak.symmetry import (
    CRYSTALLOGRAPHIC,
    PointGroup,
    decompose,
    point_group_names,
    projectors,
    representation,
)

NAMES = sorted(set(point_group_names()) | set(CRYSTALLOGRAPHIC))
FAST = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

names = st.sampled_from(NAMES)
# small groups for the Wigner-matrix tests keep each example fast
small_names = st.sampled_from([n for n in NAMES if PointGroup.from_name(n).order <= 48])
irreps_strings = st.lists(
    st.tuples(st.integers(1, 2), st.integers(0, 4), st.sampled_from("eo")), min_size=1, max_size=3
).map(lambda terms: " + ".join(f"{m}x{l}{p}" for m, l, p in terms))
rotations = st.integers(0, 2**32 - 1).map(
    lambda seed: _random_rotation(np.random.default_rng(seed)))

SHAPES = {"cube": (cube, "Oh"), "octahedron": (octahedron, "Oh"), "tetrahedron": (tetrahedron, "Td"),
          "icosahedron": (icosahedron, "Ih"), "rectangle": (rectangle, "D2h"),
          "hexagonal prism": (lambda: prism(6), "D6h")}


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def _assert_group_axioms(g: PointGroup) -> None:
    m, t, inv = g.matrices, g.multiplication_table, g.inverse
    np.testing.assert_allclose(m[0], np.eye(3), atol=1e-12)  # identity first
    np.testing.assert_allclose(np.einsum("aij,bjk->abik", m, m), m[t], atol=1e-9)  # closure
    assert np.all(np.sort(t, axis=1) == np.arange(g.order))  # Latin square: cancellation
    assert np.all(t[np.arange(g.order), inv] == 0) and np.all(t[inv, np.arange(g.order)] == 0)
    np.testing.assert_allclose(np.einsum("aij,akj->aik", m, m), np.broadcast_to(np.eye(3), m.shape),
                               atol=1e-12)  # orthogonal


@FAST
@given(names, rotations)
def test_group_axioms_of_named_and_rotated_groups(name, q):
    _assert_group_axioms(PointGroup.from_name(name))
    _assert_group_axioms(PointGroup(name, q))


@FAST
@given(st.sampled_from(list(SHAPES)), rotations, st.integers(0, 2**32 - 1))
def test_detected_groups_of_moved_shapes(shape, q, seed):
    build, name = SHAPES[shape]
    rng = np.random.default_rng(seed)
    x = build() @ q.T + rng.normal(size=3)
    x = x[rng.permutation(len(x))]
    g = PointGroup.from_points(x)
    assert g.name == name
    _assert_group_axioms(g)
    centred = x - x.mean(axis=0)
    moved = np.einsum("gij,nj->gni", g.matrices, centred)
    assert np.linalg.norm(moved[:, :, None] - centred[None, None], axis=-1).min(axis=2).max() < 1e-9


@FAST
@given(names)
def test_character_theory(name):
    g = PointGroup.from_name(name)
    assert np.sum(g.irrep_dims**2) == g.order
    chi = np.stack([g.characters(lab, real=False) for lab in g.irrep_labels])  # (irreps, order)
    np.testing.assert_allclose(chi.conj() @ chi.T / g.order, np.eye(len(chi)), atol=1e-10)
    sizes = g.class_sizes
    table = g.character_table  # columns: classes
    # column orthogonality: Σ_Γ χ_Γ(C)* χ_Γ(C') = δ_CC' |G| / |C|
    np.testing.assert_allclose(table.conj().T @ table * sizes[:, None] / g.order,
                               np.eye(len(sizes)), atol=1e-10)
    np.testing.assert_allclose(chi[:, 0], g.irrep_dims, atol=1e-12)


@FAST
@given(small_names, irreps_strings, rotations)
def test_representation_property(name, irreps, q):
    g = PointGroup(name, q)
    d = representation(irreps, g)
    t = g.multiplication_table
    np.testing.assert_allclose(np.einsum("aij,bjk->abik", d, d), d[t], atol=1e-11)
    np.testing.assert_allclose(np.einsum("aij,akj->aik", d, d), np.broadcast_to(np.eye(d.shape[1]),
                               d.shape), atol=1e-11)


@FAST
@given(small_names, irreps_strings, st.integers(0, 2**32 - 1))
def test_decomposition_is_complete(name, irreps, seed):
    g = PointGroup.from_name(name)
    p = projectors(irreps, g)
    dim = next(iter(p.values())).shape[0]
    np.testing.assert_allclose(sum(p.values()), np.eye(dim), atol=1e-10)
    mats = list(p.values())
    for i, a in enumerate(mats):
        np.testing.assert_allclose(a @ a, a, atol=1e-10)
        np.testing.assert_allclose(a, a.T, atol=1e-10)
        for b in mats[i + 1:]:
            np.testing.assert_allclose(a @ b, 0.0, atol=1e-10)
    x = np.random.default_rng(seed).normal(size=(3, dim))
    dec = decompose(x, irreps, g)
    assert sum(dec.fractions.values()) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(sum(dec.components.values()), x, atol=1e-10)
