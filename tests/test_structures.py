import ase.io
import numpy as np
import pytest
from ase import Atoms
from scipy.spatial.transform import Rotation

from symbreak.structures import BUILTIN_STRUCTURES, builtin_structure, load_structure, match_structures
from symbreak.symmetry import space_group

CUBIC, TETRAGONAL = "BaTiO3-cubic", "BaTiO3-tetragonal"
R = Rotation.from_euler("zyx", [30, 20, 10], degrees=True).as_matrix()


def _expected_displacements():
    """From the tabulated data: z shifts (fractions of c) placed in the cubic cell, mean removed."""
    dz = np.array([0.0, 0.482 - 0.5, 0.016, 0.515 - 0.5, 0.515 - 0.5]) * 4.00
    u = np.zeros((5, 3))
    u[:, 2] = dz - dz.mean()
    return u


def _rotated(atoms, rotation):
    atoms = atoms.copy()
    atoms.set_cell(atoms.cell.array @ rotation.T, scale_atoms=True)
    return atoms


# ----------------------------------------------------------------------------- built-ins and I/O


def test_builtin_batio3_phases_have_the_published_space_groups():
    assert space_group(builtin_structure(CUBIC)) == ("Pm-3m", 221)
    assert space_group(builtin_structure(TETRAGONAL)) == ("P4mm", 99)
    tetragonal = builtin_structure(TETRAGONAL)
    np.testing.assert_allclose(tetragonal.cell.cellpar(), [3.9998, 3.9998, 4.0180, 90, 90, 90])
    assert {CUBIC, TETRAGONAL} <= set(BUILTIN_STRUCTURES)
    assert builtin_structure(CUBIC) is not builtin_structure(CUBIC)  # fresh copies


@pytest.mark.parametrize("filename, fmt", [("t.cif", None), ("POSCAR", "vasp"), ("t.extxyz", None)])
def test_load_structure_reads_files_ase_reads(tmp_path, filename, fmt):
    path = tmp_path / filename
    ase.io.write(path, builtin_structure(TETRAGONAL), format=fmt)
    atoms = load_structure(path)
    assert atoms.get_chemical_formula() == "BaO3Ti"
    assert atoms.info["name"] == str(path)
    assert space_group(atoms) == ("P4mm", 99)


def test_load_structure_takes_atoms_and_names():
    original = builtin_structure(CUBIC)
    atoms = load_structure(original, name="mine")
    assert atoms is not original and atoms.info["name"] == "mine"
    assert load_structure(CUBIC).info["name"] == CUBIC


def test_load_structure_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="unknown structure 'BaTiO4'.*BaTiO3-cubic"):
        load_structure("BaTiO4")
    with pytest.raises(ValueError, match="no such file"):
        load_structure(tmp_path / "missing.cif")
    molecule = tmp_path / "m.xyz"
    ase.io.write(molecule, Atoms("H2O", positions=[[0, 0, 0], [0.9, 0, 0], [0, 0.9, 0]]))
    with pytest.raises(ValueError, match="periodic"):
        load_structure(molecule)
    garbage = tmp_path / "bad.cif"
    garbage.write_text("this is not a cif file\n")
    with pytest.raises(ValueError, match="bad.cif"):
        load_structure(garbage)
    with pytest.raises(ValueError, match="expected a built-in name"):
        load_structure(3.0)


# ----------------------------------------------------------------------------- matching


def test_identical_structures_match_with_zero_displacement_and_strain():
    match = match_structures(CUBIC, CUBIC)
    np.testing.assert_allclose(match.displacements, 0, atol=1e-12)
    np.testing.assert_allclose(match.strain, 0, atol=1e-12)
    assert not match.cells_differ
    assert match.permutation.tolist() == [0, 1, 2, 3, 4]


def test_cubic_to_tetragonal_displacements_and_strain():
    match = match_structures(CUBIC, TETRAGONAL)
    np.testing.assert_allclose(match.displacements, _expected_displacements(), atol=1e-12)
    np.testing.assert_allclose(match.strain, np.diag([3.9998 / 4 - 1, 3.9998 / 4 - 1, 4.0180 / 4 - 1]), atol=1e-12)
    np.testing.assert_allclose(match.rotation, np.eye(3), atol=1e-12)
    assert match.cells_differ
    np.testing.assert_allclose(match.displacements.mean(axis=0), 0, atol=1e-15)
    assert match.max_displacement == pytest.approx(0.0944, abs=1e-12)
    # the target rebuilt in the source frame has the target's space group
    assert space_group(match.target_in_source_frame()) == ("P4mm", 99)


def test_centre_of_mass_convention():
    match = match_structures(CUBIC, TETRAGONAL, translation="mass")
    masses = match.source.get_masses()
    np.testing.assert_allclose(masses @ match.displacements, 0, atol=1e-12)
    relative = match.displacements - match.displacements[0]
    np.testing.assert_allclose(relative, _expected_displacements() - _expected_displacements()[0], atol=1e-12)
    with pytest.raises(ValueError, match="translation"):
        match_structures(CUBIC, TETRAGONAL, translation="origin")


def test_reordered_and_shifted_target_gives_the_same_answer():
    target = builtin_structure(TETRAGONAL)
    order = [3, 0, 4, 2, 1]
    target = target[order]
    target.translate([1.3, -0.4, 2.2])  # another origin, atoms outside the cell
    match = match_structures(CUBIC, target)
    np.testing.assert_allclose(match.displacements, _expected_displacements(), atol=1e-12)
    assert [order[j] for j in match.permutation] == [0, 1, 2, 3, 4]


def test_rotated_files_in_the_same_frame_give_the_rotated_answer(tmp_path):
    source, target = tmp_path / "source.extxyz", tmp_path / "CONTCAR"
    ase.io.write(source, _rotated(builtin_structure(CUBIC), R))
    ase.io.write(target, _rotated(builtin_structure(TETRAGONAL), R)[[4, 2, 0, 3, 1]], format="vasp")
    match = match_structures(source, target)
    # POSCAR stores about 8 significant digits
    np.testing.assert_allclose(match.displacements, _expected_displacements() @ R.T, atol=1e-7)
    strain = np.diag([3.9998 / 4 - 1, 3.9998 / 4 - 1, 4.0180 / 4 - 1])
    np.testing.assert_allclose(match.strain, R @ strain @ R.T, atol=1e-7)
    np.testing.assert_allclose(match.rotation, np.eye(3), atol=1e-7)


def test_target_rotated_alone_is_rotated_back_onto_a_cubic_axis():
    target = _rotated(builtin_structure(TETRAGONAL), R)
    match = match_structures(CUBIC, target)
    np.testing.assert_allclose(match.rotation @ match.rotation.T, np.eye(3), atol=1e-12)
    # the polar axis comes back onto a cube axis of the source; same displacement lengths
    axis = np.abs(match.displacements[1]) / np.linalg.norm(match.displacements[1])
    assert np.isclose(axis.max(), 1.0, atol=1e-9)
    np.testing.assert_allclose(np.sort(np.linalg.norm(match.displacements, axis=1)),
                               np.sort(np.linalg.norm(_expected_displacements(), axis=1)), atol=1e-9)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(match.strain)),
                               np.sort([3.9998 / 4 - 1, 3.9998 / 4 - 1, 4.0180 / 4 - 1]), atol=1e-9)


def test_a_non_reduced_cell_setting_of_the_target_is_recognised():
    target = builtin_structure(TETRAGONAL)
    a, b, c = target.cell.array
    skewed = target.copy()
    skewed.set_cell([a, a + b, c - b], scale_atoms=False)  # same lattice, another basis
    match = match_structures(CUBIC, skewed)
    np.testing.assert_allclose(match.displacements, _expected_displacements(), atol=1e-12)
    np.testing.assert_allclose(match.strain, match_structures(CUBIC, TETRAGONAL).strain, atol=1e-12)


def test_two_by_two_by_two_supercells_give_the_same_displacements():
    match = match_structures(builtin_structure(CUBIC).repeat(2), builtin_structure(TETRAGONAL).repeat(2))
    np.testing.assert_allclose(match.displacements, np.tile(_expected_displacements(), (8, 1)), atol=1e-12)
    np.testing.assert_allclose(match.strain, match_structures(CUBIC, TETRAGONAL).strain, atol=1e-12)


def test_different_compositions_are_refused():
    srtio3 = builtin_structure(CUBIC)
    srtio3.symbols[0] = "Sr"
    with pytest.raises(ValueError, match="different compositions"):
        match_structures(srtio3, TETRAGONAL)


def test_a_supercell_against_a_single_cell_asks_for_the_same_supercell():
    with pytest.raises(ValueError, match="same supercell"):
        match_structures(builtin_structure(CUBIC).repeat(2), TETRAGONAL)


def test_an_ambiguous_match_is_refused():
    target = builtin_structure(CUBIC)
    target.positions[1] += [2.0, 0.0, 0.0]  # Ti halfway to its next image along x
    with pytest.raises(ValueError, match="ambiguous"):
        match_structures(CUBIC, target)


def test_lattices_that_cannot_be_matched_are_refused():
    target = builtin_structure(TETRAGONAL)
    target.set_cell(target.cell.array * [1.0, 1.0, 1.6], scale_atoms=True)
    with pytest.raises(ValueError, match="lattices cannot be matched"):
        match_structures(CUBIC, target)
