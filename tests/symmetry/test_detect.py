"""Point-group detection of finite point sets: exact, rotated, noisy, species, degenerate, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from _symmetry_shapes import (
    cube,
    icosahedron,
    nearest_distance,
    octahedron,
    orbit,
    prism,
    random_rotation,
    rectangle,
    rectangular_prism,
    square,
    tetrahedron,
)
from symbreak.symmetry import PointGroup, point_group_names

NAMES = point_group_names()


def _noisy_rotated(x: np.ndarray, seed: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    r = random_rotation(rng)
    y = x @ r.T + rng.normal(size=3)
    y = y + rng.normal(scale=noise * nearest_distance(x), size=y.shape)
    return y, r


@pytest.mark.parametrize("name", NAMES)
def test_orbit_of_generic_points(name):
    g = PointGroup.from_name(name)
    x = orbit(g.matrices)
    found = PointGroup.from_points(x)
    assert found.name == name
    assert found.same_operations(g) and found.is_standard  # labels agree with from_name
    seed = NAMES.index(name)
    rotated, r = _noisy_rotated(x, seed, 0.0)
    found = PointGroup.from_points(rotated)
    assert found.name == name
    # the operations are those of the named group conjugated by the rotation
    assert found.same_operations(PointGroup(name, frame=r.T), atol=1e-8)
    m = found.matrices
    centred = rotated - rotated.mean(axis=0)
    for op in m:  # every exact operation maps the points onto themselves
        img = centred @ op.T
        assert np.abs(img[:, None] - centred[None]).sum(-1).min(axis=1).max() < 1e-6
    np.testing.assert_allclose(found.frame @ m @ found.frame.T, PointGroup.from_name(name).matrices, atol=1e-9)
    noisy, _ = _noisy_rotated(x, seed, 0.01)
    assert PointGroup.from_points(noisy).name == name


SHAPES = {
    "cube": (cube(), "Oh"),
    "octahedron": (octahedron(), "Oh"),
    "tetrahedron": (tetrahedron(), "Td"),
    "square": (square(), "D4h"),
    "rectangle": (rectangle(), "D2h"),
    "rectangular prism": (rectangular_prism(), "D4h"),
    "icosahedron": (icosahedron(), "Ih"),
    "hexagonal prism": (prism(6), "D6h"),
    "pentagonal prism": (prism(5), "D5h"),
    "octahedron with centre": (np.concatenate([octahedron(), np.zeros((1, 3))]), "Oh"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_classic_shapes(shape):
    x, name = SHAPES[shape]
    assert PointGroup.from_points(x).name == name
    for seed in range(3):
        rotated, _ = _noisy_rotated(x, seed, 0.0)
        assert PointGroup.from_points(rotated).name == name
        noisy, _ = _noisy_rotated(x, 100 + seed, 0.01)
        assert PointGroup.from_points(noisy).name == name


def test_square_in_standard_frame_has_standard_labels():
    g = PointGroup.from_points(square() + [3.0, -1.0, 2.0])
    assert g.name == "D4h" and g.is_standard
    assert g.same_operations(PointGroup.from_name("D4h"))
    # a square rotated about z by 45° is D4h with the C2' axes along the diagonals of the frame
    c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)
    rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    g = PointGroup.from_points(square() @ rz.T)
    assert g.name == "D4h"
    np.testing.assert_allclose(abs(g.principal_axis[2]), 1.0, atol=1e-12)


def test_rotated_group_exposes_frame():
    rng = np.random.default_rng(3)
    r = random_rotation(rng)
    g = PointGroup.from_points(rectangular_prism() @ r.T)
    assert g.name == "D4h" and not g.is_standard
    np.testing.assert_allclose(abs(g.principal_axis @ (r @ [0, 0, 1.0])), 1.0, atol=1e-9)
    np.testing.assert_allclose(g.frame @ g.frame.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(g.frame), 1.0)


def test_species():
    sp = ["A", "B", "A", "B"]  # alternating around the square
    g = PointGroup.from_points(square(), species=sp)
    assert g.name == "D2h"
    # one odd vertex: the diagonal mirror, the plane of the square and the C2 along the diagonal
    assert PointGroup.from_points(square(), species=["A", "A", "A", "B"]).name == "C2v"
    # a cube with one corner tetrahedron of another species: Td
    x = cube()
    sp = ["A" if np.prod(p) > 0 else "B" for p in x]
    assert PointGroup.from_points(x, species=sp).name == "Td"


def test_reduced_symmetry_and_generic_sets():
    x = rectangular_prism().copy()
    x[0] += [0.0, 0.0, 0.8]  # one corner moved along z: only the diagonal mirror remains
    assert PointGroup.from_points(x).name == "Cs"
    rng = np.random.default_rng(0)
    assert PointGroup.from_points(rng.normal(size=(7, 3))).name == "C1"
    # ammonia-like pyramid: C3v
    a = 2 * np.pi * np.arange(3) / 3
    nh3 = np.concatenate([np.stack([np.cos(a), np.sin(a), np.zeros(3)], 1), [[0, 0, 0.4]]])
    assert PointGroup.from_points(nh3, species=["H", "H", "H", "N"]).name == "C3v"


def test_axes_above_the_supported_order_give_a_subgroup():
    assert PointGroup.from_points(prism(16)).name == "D8h"
    assert PointGroup.from_points(prism(24)).name == "D12h"
    assert PointGroup.from_points(prism(13)).name == "C2v"


def test_linear_and_degenerate_sets():
    co2 = np.array([[0, 0, -1.16], [0, 0, 0], [0, 0, 1.16]])
    g = PointGroup.from_points(co2, species=["O", "C", "O"])
    assert g.limit_group == "D∞h" and g.name == "D12h"
    hcn = np.array([[0, 0, -1.06], [0, 0, 0], [0, 0, 1.16]])
    g = PointGroup.from_points(hcn @ random_rotation(np.random.default_rng(1)).T, species=["H", "C", "N"])
    assert g.limit_group == "C∞v" and g.name == "C12v"
    two = PointGroup.from_points([[1.0, 2.0, 3.0], [2.0, 2.0, 3.0]])
    assert two.limit_group == "D∞h"
    np.testing.assert_allclose(abs(two.principal_axis[0]), 1.0, atol=1e-12)
    single = PointGroup.from_points([[1.0, 2.0, 3.0]])
    assert single.limit_group == "Kh" and single.name == "Ih"
    dup = PointGroup.from_points(np.concatenate([square(), square()]))
    assert dup.name == "D4h"


@pytest.mark.parametrize(
    "points, match",
    [
        (np.zeros((0, 3)), r"at least 1 point\(s\)"),
        (np.zeros((4, 2)), "shape"),
        (np.zeros(3), "shape"),
        ([[0.0, 0.0, np.nan]], "NaN"),
        ([[0.0, 0.0, np.inf], [1.0, 0, 0]], "NaN or inf in row"),
        ("abc", "array of numbers"),
    ],
)
def test_bad_points(points, match):
    with pytest.raises(ValueError, match=match):
        PointGroup.from_points(points)


def test_bad_species_and_tol():
    with pytest.raises(ValueError, match="species"):
        PointGroup.from_points(square(), species=["A"])
    with pytest.raises(ValueError, match="tol"):
        PointGroup.from_points(square(), tol=0.0)


def test_never_crashes_on_random_finite_input():
    rng = np.random.default_rng(5)
    for k in range(30):
        n = int(rng.integers(1, 12))
        x = rng.normal(size=(n, 3)) * 10.0 ** rng.integers(-6, 6)
        if k % 3 == 0:
            x = np.round(x, 0)  # coincident and lattice-like points
        g = PointGroup.from_points(x)
        assert isinstance(g, PointGroup)


# ---------------------------------------------------------------- honest tolerance
def _twisted_cube(degrees: float) -> np.ndarray:
    """Unit-edge cube with its top face rotated about z: true group D4 (Oh when 0°)."""
    x = cube() / 2.0
    t = np.radians(degrees)
    rz = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
    top = x[:, 2] > 0
    x[top] = x[top] @ rz.T
    return x


@pytest.mark.parametrize("degrees", [10.0, 20.0])
def test_twisted_cube_is_d4_not_oh(degrees):
    g = PointGroup.from_points(_twisted_cube(degrees))
    assert g.name == "D4"
    assert g.max_deviation < 1e-12
    np.testing.assert_allclose(np.abs(g.principal_axis), [0, 0, 1], atol=1e-8)


@pytest.mark.parametrize("seed", range(6))
def test_cube_with_one_percent_noise_is_still_oh(seed):
    edge = 1.0
    x = cube() * edge / 2 + np.random.default_rng(seed).normal(scale=0.01 * edge, size=(8, 3))
    g = PointGroup.from_points(x)
    assert g.name == "Oh"
    # the deviation is reported, it is of the size of the noise and within tol * d_nn
    assert 0.005 * edge < g.max_deviation <= 0.1 * nearest_distance(x)
    centred = x - x.mean(axis=0)
    moved = np.einsum("gij,nj->gni", g.matrices, centred)
    worst = np.linalg.norm(moved[:, :, None] - centred[None, None], axis=-1).min(axis=2).max()
    assert np.isclose(g.max_deviation, worst)


def test_max_deviation_of_exact_and_named_groups():
    assert PointGroup.from_name("Oh").max_deviation is None
    g = PointGroup.from_points(cube() * 3.0)
    assert g.name == "Oh" and g.max_deviation < 1e-12
    assert "max_deviation" in repr(g)
    assert PointGroup.from_points([[1.0, 2.0, 3.0]]).max_deviation == 0.0
