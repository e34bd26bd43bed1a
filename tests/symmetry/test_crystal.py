"""Crystallographic point groups via spglib, in the Cartesian frame of the structure."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

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
