"""Crystallographic point groups via spglib, in the Cartesian frame of the structure."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, make_supercell

from symbreak.symmetry import PointGroup, space_group
from symbreak.symmetry.crystal import cartesian_rotations


def perovskite(dz: float = 0.0, a: float = 4.0) -> Atoms:
    """BaTiO3-like cubic perovskite (Pm-3m); ``dz`` displaces Ti along z (fractional)."""
    return Atoms(
        "BaTiO3",
        scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5 + dz], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]],
        cell=np.eye(3) * a,
        pbc=True,
    )


def test_cubic_perovskite_is_oh():
    g = PointGroup.from_atoms(perovskite())
    assert g.name == "Oh" and g.same_operations(PointGroup.from_name("Oh"))
    assert space_group(perovskite()) == ("Pm-3m", 221)


def test_displaced_ti_is_c4v_in_standard_orientation():
    atoms = perovskite(dz=0.03)
    g = PointGroup.from_atoms(atoms)
    assert g.name == "C4v"
    assert g.same_operations(PointGroup.from_name("C4v"), atol=1e-10)
    assert space_group(atoms) == ("P4mm", 99)


@pytest.mark.parametrize(
    "atoms, name",
    [
        (bulk("Mg", "hcp", a=3.2, c=5.2), "D6h"),
        (bulk("Cu", "fcc", a=3.6), "Oh"),  # primitive (non-orthogonal) cell
        (bulk("Si", "diamond", a=5.43), "Oh"),
        (bulk("ZnS", "zincblende", a=5.41), "Td"),
    ],
)
def test_other_lattices(atoms, name):
    g = PointGroup.from_atoms(atoms)
    assert g.name == name
    lat = atoms.cell.array  # rows = lattice vectors
    for r in g.matrices:
        # R maps the lattice onto itself: the rotated vectors have integer coordinates
        frac = (lat @ r.T) @ np.linalg.inv(lat)
        np.testing.assert_allclose(frac, np.round(frac), atol=1e-8)
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-10)


def test_cartesian_conversion_formula():
    atoms = bulk("Mg", "hcp", a=3.2, c=5.2)
    lat = atoms.cell.array
    w = np.array([[[0, -1, 0], [1, -1, 0], [0, 0, 1]]])  # C3 in the hexagonal basis
    r = cartesian_rotations(lat, w)[0]
    np.testing.assert_allclose(r @ lat[0], lat[1], atol=1e-12)  # a1 -> a2


def test_molecule_is_rejected():
    with pytest.raises(ValueError, match="periodic"):
        PointGroup.from_atoms(Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]]))


# ---------------------------------------------------------------- any cell of the crystal
def strontium_titanate(a: float = 3.905) -> Atoms:
    """Cubic SrTiO3 (Pm-3m): Sr at the origin, Ti at the body centre, O at the face centres."""
    return Atoms("SrTiO3", scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0],
                                             [0.5, 0, 0.5], [0, 0.5, 0.5]],
                 cell=np.eye(3) * a, pbc=True)


def tetragonal_barium_titanate() -> Atoms:
    """BaTiO3 P4mm: Ti and O displaced along c (values of the order of the real structure)."""
    return Atoms("BaTiO3", scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.515], [0.5, 0.5, -0.024],
                                             [0.5, 0, 0.486], [0, 0.5, 0.486]],
                 cell=np.diag([3.994, 3.994, 4.034]), pbc=True)


def rotated_and_shifted(atoms: Atoms, seed: int) -> tuple[Atoms, np.ndarray]:
    """Copy with cell and positions rotated by a random proper rotation Q and the origin moved."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    q = q if np.linalg.det(q) > 0 else -q
    out = atoms.copy()
    out.set_cell(atoms.cell.array @ q.T, scale_atoms=False)
    out.set_positions(atoms.get_positions() @ q.T + rng.normal(size=3))
    out.wrap()
    return out, q


SETTINGS = {
    "Cu primitive": (lambda: bulk("Cu", "fcc", a=3.6), "Oh"),
    "Cu conventional": (lambda: bulk("Cu", "fcc", a=3.6, cubic=True), "Oh"),
    "Cu orthorhombic": (lambda: bulk("Cu", "fcc", a=3.6, orthorhombic=True), "Oh"),
    "SrTiO3": (strontium_titanate, "Oh"),
    "SrTiO3 sqrt2 x sqrt2 x 2": (
        lambda: make_supercell(strontium_titanate(), [[1, 1, 0], [-1, 1, 0], [0, 0, 2]]), "Oh"),
    "BaTiO3 P4mm": (tetragonal_barium_titanate, "C4v"),
    "BaTiO3 P4mm 2x2x1": (lambda: make_supercell(tetragonal_barium_titanate(), np.diag([2, 2, 1])),
                          "C4v"),
    "Mg hcp": (lambda: bulk("Mg", "hcp", a=3.21, c=5.21), "D6h"),
}


def _assert_symmetries(atoms: Atoms, group: PointGroup, atol: float = 1e-6) -> None:
    """Every matrix is orthogonal and, with some translation, maps the crystal onto itself."""
    from symbreak.symmetry.crystal import _deviation

    for r in group.matrices:
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
        assert _deviation(atoms, r) < atol


@pytest.mark.parametrize("key", list(SETTINGS))
def test_full_point_group_in_any_cell(key):
    build, name = SETTINGS[key]
    atoms = build()
    g = PointGroup.from_atoms(atoms)
    assert g.name == name
    assert g.max_deviation is not None and g.max_deviation < 1e-8
    _assert_symmetries(atoms, g)


@pytest.mark.parametrize("key", ["Cu orthorhombic", "SrTiO3 sqrt2 x sqrt2 x 2", "BaTiO3 P4mm 2x2x1",
                                 "Mg hcp"])
@pytest.mark.parametrize("seed", [0, 1])
def test_rotated_and_shifted_cell_gives_rotated_group(key, seed):
    build, name = SETTINGS[key]
    atoms = build()
    moved, q = rotated_and_shifted(atoms, seed)
    g0, g = PointGroup.from_atoms(atoms), PointGroup.from_atoms(moved)
    assert g.name == name
    # the operations are those of the original crystal, seen in the rotated frame: Q R Qᵀ
    assert g.same_operations(PointGroup(g0.name, g0.frame @ q.T), atol=1e-8)
    assert g.contains(np.einsum("ij,njk,lk->nil", q, g0.matrices, q), atol=1e-8)
    _assert_symmetries(moved, g)


def test_the_frame_names_the_axes_of_the_tetragonal_supercell():
    atoms = make_supercell(tetragonal_barium_titanate(), [[1, 1, 0], [-1, 1, 0], [0, 0, 1]])
    g = PointGroup.from_atoms(atoms)
    assert g.name == "C4v"
    np.testing.assert_allclose(np.abs(g.principal_axis), [0, 0, 1], atol=1e-10)


def test_distorted_input_reports_its_deviation():
    atoms = strontium_titanate()
    atoms.positions[1] += [2e-4, 0, 0]  # Ti off centre, well inside symprec = 1e-3 Å
    g = PointGroup.from_atoms(atoms, symprec=1e-3)
    assert g.name == "Oh"
    assert 1e-4 < g.max_deviation < 2e-3
