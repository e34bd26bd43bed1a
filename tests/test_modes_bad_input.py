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
