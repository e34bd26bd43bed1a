"""The command line: real runs and clear one-line errors with exit code 2."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app

runner = CliRunner()


@pytest.mark.e2e
def test_shapes_command_writes_report_and_figures(tmp_path):
    result = runner.invoke(
        app,
        ["shapes", "--source", "square", "--target", "rectangle", "--epochs", "60", "--quiet",
         "--json", str(tmp_path / "r.json"), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    for key in ("loss", "vertex_error", "theta"):
        assert key in report["relaxed"]
    assert {"loss", "vertex_error"} <= set(report["equivariant"])
    assert report["source"]["name"] == "square" and report["target"]["name"] == "rectangle"
    assert report["settings"]["epochs"] == 60
    assert set(report["relaxed"]["theta"][0]["blocks"]) == {
        "0e", "0o", "1o", "1e", "2e", "2o", "3o", "3e", "4e", "4o"
    }
    for name in ("loss.png", "theta_signal.png", "shapes.png", "report.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert "SH-MSE" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--source", "cube", "--target", "blob"], "unknown shape 'blob'"),
        (["--source", "cube", "--target", "square"], "has 8 points but target square has 4"),
        (["--source", "cube", "--target", "prism", "--cutoff", "0.3"], "without neighbours"),
        (["--source", "cube", "--target", "prism", "--epochs", "0"], "epochs must be an integer in [1, "),
        (["--source", "cube", "--target", "prism", "--resume"], "--resume needs --checkpoint-dir"),
    ],
)
def test_bad_input_is_one_clear_line(args, message):
    result = runner.invoke(app, ["shapes", *args, "--quiet"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_nan_coordinates_in_a_file(tmp_path):
    points = np.ones((8, 3))
    points[3, 1] = np.nan
    np.save(tmp_path / "nan.npy", points)
    result = runner.invoke(app, ["shapes", "--source", str(tmp_path / "nan.npy"), "--target", "cube"])
    assert result.exit_code == 2
    assert "NaN or inf in row(s) 3" in result.output


def test_symmetry_command_names_groups(tmp_path):
    result = runner.invoke(app, ["symmetry", "prism", "--no-table"])
    assert result.exit_code == 0 and "point group D4h" in result.output
    result = runner.invoke(app, ["symmetry", "cube"])
    assert "T1u" in result.output and "character table of Oh" in result.output
    from ase.build import bulk

    bulk("Cu", "fcc", a=3.6).write(tmp_path / "cu.cif")
    result = runner.invoke(app, ["symmetry", str(tmp_path / "cu.cif"), "--no-table"])
    assert result.exit_code == 0 and "Oh" in result.output and "Fm-3m" in result.output


def test_decompose_command():
    result = runner.invoke(app, ["decompose", "--group", "D4h", "--irreps", "1o", "--values", "0,0,1"])
    assert result.exit_code == 0 and "A2u" in result.output and "1.0000" in result.output
    bad = runner.invoke(app, ["decompose", "--group", "D4h", "--irreps", "1o", "--values", "0,1"])
    assert bad.exit_code == 2 and "dimension 3, but 2 values" in bad.output
    bad = runner.invoke(app, ["decompose", "--group", "Q9", "--irreps", "1o", "--values", "0,0,1"])
    assert bad.exit_code == 2 and "Q9" in bad.output and "Traceback" not in bad.output


def test_crystal_command_rejects_unknown_structures(tmp_path):
    result = runner.invoke(app, ["crystal", "--source", "BaTiO3-cubic", "--target", "unobtainium", "--quiet"])
    assert result.exit_code == 2 and "unobtainium" in result.output and "Traceback" not in result.output
    (tmp_path / "empty.cif").write_text("data_x\n")
    result = runner.invoke(app, ["crystal", "--source", str(tmp_path / "empty.cif"), "--target", "BaTiO3-tetragonal"])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.e2e
def test_fields_command(tmp_path):
    result = runner.invoke(app, ["fields", "--E", "1,0,0", "--B", "0,1,0", "--epochs", "30", "--quiet",
                                 "--json", str(tmp_path / "f.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "f.json").read_text())
    assert report["fields"]["B_angle_deg"] < 5
    for bad, message in ((["--E", "1,0"], "three finite"), (["--E", "1,nan,0"], "three finite")):
        result = runner.invoke(app, ["fields", *bad, "--B", "0,1,0"])
        assert result.exit_code == 2 and message in result.output


def test_a_missing_native_dependency_is_one_clear_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "vesin", None)  # as on a platform without a vesin wheel
    result = runner.invoke(app, ["shapes", "--source", "cube", "--target", "prism", "--quiet"])
    assert result.exit_code == 2
    assert "needs the package 'vesin'" in result.output and "Traceback" not in result.output
