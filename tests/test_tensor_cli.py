"""``symbreak tensor``: allowed forms, groups from structures, symmetrising a file, JSON."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from symbreak.cli import app

runner = CliRunner()


def test_allowed_form_of_hexagonal_elastic():
    result = runner.invoke(app, ["tensor", "--kind", "elastic", "--group", "6/mmm"])
    assert result.exit_code == 0, result.output
    assert "independent components: 5 of 21" in result.output
    assert "C66 = (C11 - C12)/2" in result.output


def test_structure_values_and_json(tmp_path):
    """A cubic cell (axes along x, y, z), a noisy cubic stiffness: symmetrised back to cubic form."""
    from ase.build import bulk

    bulk("Cu", "fcc", a=3.61, cubic=True).write(tmp_path / "Cu.cif")
    exact = np.zeros((6, 6))
    exact[:3, :3] = 120.0
    exact[np.arange(3), np.arange(3)] = 170.0
    exact[np.arange(3, 6), np.arange(3, 6)] = 75.0
    noise = np.random.default_rng(0).normal(scale=0.5, size=(6, 6))
    np.save(tmp_path / "C.npy", exact + (noise + noise.T) / 2)
    result = runner.invoke(app, ["tensor", "--kind", "elastic", "--structure", str(tmp_path / "Cu.cif"),
                                 "--values", str(tmp_path / "C.npy"), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "point group m-3m (Oh)" in result.output and "max deviation" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["schema"] == "symbreak.tensor"
    assert report["allowed_form"]["num_independent"] == 3
    symmetrized = np.array(report["projection"]["symmetrized"])
    assert np.abs(symmetrized - exact).max() < 1.0  # the noise averaged over equivalent entries
    assert report["projection"]["relative_violation"] > 0
    assert set(report["projection"]["constants"]) == {"C11", "C12", "C44"}


def test_docs_python_example_runs(capsys):
    """The Python example of docs/tensors.md runs as written and prints what its comments say."""
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "tensors.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(page), "exec"), {"__name__": "__docs__"})
    printed = capsys.readouterr().out
    assert "5 ['C11', 'C12', 'C13', 'C33', 'C44']" in printed
    assert "'C66 = (C11 - C12)/2'" in printed


def test_standard_frame_of_a_primitive_cell(tmp_path):
    """A CIF puts the primitive fcc cell's cube axes off x, y, z; --standard-frame reads the
    tensor back in textbook form with the constants it was built from."""
    from ase.build import bulk
    from ase.io import read

    from symbreak.symmetry import PointGroup
    from symbreak.tensors import tensor_kind

    bulk("Cu", "fcc", a=3.61).write(tmp_path / "Cu.cif")
    frame = PointGroup.from_atoms(read(tmp_path / "Cu.cif")).frame
    kind = tensor_kind("elastic")
    cubic = np.zeros((6, 6))
    cubic[:3, :3] = 120.0
    cubic[np.arange(3), np.arange(3)] = 170.0
    cubic[np.arange(3, 6), np.arange(3, 6)] = 75.0
    in_cif_frame = (kind.cartesian_representation(frame.T) @ kind.from_voigt(cubic).reshape(-1)).reshape(kind.shape)
    np.save(tmp_path / "C.npy", in_cif_frame)  # full Cartesian array
    result = runner.invoke(app, ["tensor", "--kind", "elastic", "--structure", str(tmp_path / "Cu.cif"),
                                 "--values", str(tmp_path / "C.npy"), "--standard-frame"])
    assert result.exit_code == 0, result.output
    assert "values rotated into it from the structure's frame by the group's frame" in result.output
    assert "(C11, C12, C44)" in result.output
    assert "C11 = 170, C12 = 120, C44 = 75" in result.output
