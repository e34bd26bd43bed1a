"""Bad input to the symmetry-mode analysis: one clear line, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.modes import decompose_distortion, decompose_field
from symbreak.structures import builtin_structure


def test_different_compositions():
    with pytest.raises(ValueError, match="different compositions per formula unit"):
        decompose_distortion("SrTiO3-cubic", "BaTiO3-tetragonal")


def test_child_more_symmetric_than_parent_is_not_a_subgroup():
    # on the parent's (tetragonal) lattice, strain removed, cubic BaTiO3 is P4/mmm: above P4mm
    with pytest.raises(ValueError, match=r"not group-subgroup related: the child has space group P4/mmm \(123\)"):
        decompose_distortion("BaTiO3-tetragonal", "BaTiO3-cubic")


def test_unmatched_atom_is_named_with_its_distance():
    child = builtin_structure("SrTiO3-cubic")
    child.positions[2] += [0.0, 0.0, 0.9]  # 0.9 Å; 0.72 Å once the mean shift (0.18 Å) is removed
    with pytest.raises(ValueError, match=r"unmatched atom: child atom 2 \(O\) is 0\.72 Å"):
        decompose_distortion("SrTiO3-cubic", child, max_distance=0.5)


def test_cell_that_is_not_a_parent_supercell():
    child = builtin_structure("SrTiO3-cubic")
    child.set_cell(child.cell.array * [1.0, 1.0, 1.5], scale_atoms=True)
    with pytest.raises(ValueError, match="not a supercell|cannot be matched"):
        decompose_distortion("SrTiO3-cubic", child)


def test_bad_matrix_and_field_shapes():
    with pytest.raises(ValueError, match="determinant"):
        decompose_distortion("SrTiO3-cubic", "SrTiO3-tetragonal", matrix=np.eye(3))
    with pytest.raises(ValueError, match="shape"):
        decompose_field("SrTiO3-cubic", (1, 1, 1), np.zeros((5, 2)), "1e")
    with pytest.raises(ValueError, match="one O\\(3\\) irrep"):
        decompose_field("SrTiO3-cubic", (1, 1, 1), np.zeros((5, 3)), "1x1e+1x0e")
    with pytest.raises(ValueError, match="supercell .* atoms"):
        decompose_field("SrTiO3-cubic", (2, 1, 1), np.zeros((5, 3)), "1e")


@pytest.mark.parametrize("args, message", [
    (["--parent", "SrTiO3-cubic", "--child", "BaTiO3-tetragonal"], "different compositions"),
    (["--parent", "SrTiO3-cubic", "--child", "nonexistent.cif"], "no such file"),
    (["--parent", "SrTiO3-cubic", "--child", "SrTiO3-tetragonal", "--origin", "0.5,x"], "--origin"),
    (["--parent", "SrTiO3-cubic", "--child", "SrTiO3-tetragonal", "--matrix", "1,0,0"], "--matrix"),
    (["--parent", "SrTiO3-cubic", "--child", "SrTiO3-tetragonal", "--field-irrep", "1e"], "needs --field"),
    (["--parent", "SrTiO3-cubic", "--child", "SrTiO3-tetragonal", "--field", "magmoms"],
     "no per-atom array 'magmoms'; it has: none"),
])
def test_cli_errors_are_one_line(args, message):
    result = CliRunner().invoke(app, ["modes", *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.output


def test_partially_occupied_site_is_refused_by_name(tmp_path):
    """ASE keeps one species of a mixed site (here Ca of Sr0.5Ca0.5): without the check the error
    would be a misleading 'different compositions'."""
    lines = ["data_mixed", "_cell_length_a 3.9", "_cell_length_b 3.9", "_cell_length_c 3.9",
             "_cell_angle_alpha 90", "_cell_angle_beta 90", "_cell_angle_gamma 90",
             "_symmetry_space_group_name_H-M 'P 1'", "loop_", "_symmetry_equiv_pos_as_xyz", "'x, y, z'",
             "loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
             "_atom_site_fract_z", "_atom_site_occupancy",
             "Sr1 Sr 0 0 0 0.5", "Ca1 Ca 0 0 0 0.5", "Ti1 Ti 0.5 0.5 0.5 1", "O1 O 0.5 0.5 0 1",
             "O2 O 0.5 0 0.5 1", "O3 O 0 0.5 0.5 1"]
    (tmp_path / "mixed.cif").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["modes", "--parent", str(tmp_path / "mixed.cif"), "--child", "SrTiO3-tetragonal"])
    assert result.exit_code == 2 and "partially occupied (Sr 0.5, Ca 0.5)" in result.output, result.output
    import ase.io

    ase.io.write(tmp_path / "ordered.cif", builtin_structure("SrTiO3-cubic"))  # occupancies 1: accepted
    assert decompose_distortion(str(tmp_path / "ordered.cif"), "SrTiO3-tetragonal").modes[0].irrep == "R4+"
