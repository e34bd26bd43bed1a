"""Every command, fed malformed input: one line naming the problem, exit code 2, no traceback,
and no file the user already had is touched. Nothing here trains: each error comes first."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Malformed inputs and files the user owns (which must survive every error)."""
    root = tmp_path_factory.mktemp("bad_input")
    nan = np.ones((8, 3))
    nan[3, 1] = np.nan
    np.save(root / "nan.npy", nan)
    np.save(root / "complex.npy", np.ones((8, 3)) * (1 + 1j))
    (root / "two_columns.csv").write_text("0,0\n1,0\n")
    (root / "empty.xyz").write_text("")
    (root / "garbage.cif").write_text("this is not a CIF file\n")
    (root / "empty.cif").write_text("data_x\n")
    (root / "molecule.xyz").write_text("3\n\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n")
    (root / "not_json.json").write_text("{ not json")
    (root / "foreign.json").write_text(json.dumps({"a": 1}))
    (root / "bad_points.json").write_text(json.dumps({"source": {"points": [1, 2]},
                                                      "relaxed": {"theta": [{"irreps": "0e", "values": [1]}]}}))
    (root / "bad_theta.json").write_text(json.dumps({"source": {"points": [[0, 0, 1], [0, 0, -1]]},
                                                     "relaxed": {"theta": [{"irreps": "1o", "values": [1]}]}}))
    (root / "folder").mkdir()
    (root / "keep.json").write_text('{"mine": true}\n')
    return root


def _cases():
    shapes = ["shapes", "--quiet", "--source", "cube", "--target"]
    crystal = ["crystal", "--quiet", "--source", "BaTiO3-cubic", "--target"]
    op = ["order-parameter", "--quiet", "--source", "square", "--target"]
    fields = ["fields", "--quiet", "--B", "0,1,0", "--E"]
    group = ["decompose", "--group", "D4h", "--irreps", "1o", "--values"]
    return [
        # shapes
        (shapes + ["pentagon"], "unknown shape 'pentagon'"),
        (shapes + ["square"], "has 8 points but target square has 4"),
        (shapes + ["prism", "--cutoff", "0.3"], "without neighbours"),
        (shapes + ["prism", "--cutoff", "-1"], "cutoff must be > 0"),
        (shapes + ["prism", "--epochs", "0"], "epochs must be an integer"),
        (shapes + ["prism", "--epochs", "1000000000"], "epochs must be an integer in [1, 10000000]"),
        (shapes + ["prism", "--resume"], "--resume needs --checkpoint-dir"),
        (shapes + ["prism", "--json", "{root}/folder"], "is a folder; expected the path of a file"),
        (shapes + ["prism", "--out", "{root}/keep.json"], "is a file; expected a folder"),
        (shapes + ["prism", "--checkpoint-dir", "{root}/keep.json"], "is a file; expected a folder"),
        (shapes + ["prism", "--json", "{root}/keep.json/r.json"], "is a file, so"),
        (shapes + ["prism", "--out", "/proc/symbreak-out"], "cannot write in /proc"),
        (shapes + ["prism", "--threads", "0"], "--threads must be >= 1"),
        (shapes + ["prism", "--tol", "0.7"], "symmetry_tol must be in (0, 0.5)"),
        (shapes + ["prism", "--tol", "-1"], "symmetry_tol must be in (0, 0.5)"),
        (shapes + ["prism", "--lmax-relaxed", "-1"], "lmax_relaxed must be an integer >= 0"),
        (shapes + ["prism", "--penalty-weight", "-1"], "penalty_weight"),
        (shapes + ["prism", "--penalty-weight", "nan"], "penalty_weight"),
        (["shapes", "--quiet", "--source", "{root}/nan.npy", "--target", "cube"], "NaN or inf in row(s) 3"),
        (["shapes", "--quiet", "--source", "{root}/complex.npy", "--target", "cube"], "complex"),
        (["shapes", "--quiet", "--source", "{root}/two_columns.csv", "--target", "cube"], "expected 3 columns"),
        (["shapes", "--quiet", "--source", "{root}/missing.npy", "--target", "cube"], "no such file"),
        (["shapes", "--quiet", "--source", "{root}/empty.xyz", "--target", "cube"], "empty.xyz"),
        # demo
        (["demo", "--quiet", "--out", "{root}/keep.json"], "is a file; expected a folder"),
        (["demo", "--quiet", "--epochs", "-5"], "epochs must be an integer"),
        # crystal
        (crystal + ["unobtainium"], "unobtainium"),
        (["crystal", "--quiet", "--source", "{root}/empty.cif", "--target", "BaTiO3-tetragonal"], "empty.cif"),
        (["crystal", "--quiet", "--source", "{root}/garbage.cif", "--target", "BaTiO3-tetragonal"], "garbage.cif"),
        (["crystal", "--quiet", "--source", "{root}/molecule.xyz", "--target", "BaTiO3-tetragonal"], "periodic"),
        (crystal + ["BaTiO3-tetragonal", "--cutoff", "-1"], "cutoff must be a positive number"),
        (crystal + ["BaTiO3-tetragonal", "--cutoff", "1.0"], "without neighbours"),
        (crystal + ["BaTiO3-tetragonal", "--symprec", "0"], "symprec must be a positive number"),
        (crystal + ["BaTiO3-tetragonal", "--epochs", "0"], "epochs must be an integer"),
        (crystal + ["BaTiO3-tetragonal", "--json", "{root}/folder"], "is a folder"),
        # order-parameter
        (op + ["pentagon"], "unknown shape 'pentagon'"),
        (op + ["rectangle", "--lmax", "-1"], "lmax of the learnable input"),
        (op + ["rectangle", "--penalty", "l2"], "penalty must be"),
        (op + ["rectangle", "--epochs", "0"], "epochs of the alternating phase must be >= 1"),
        (op + ["rectangle", "--tol", "2"], "symmetry_tol must be in (0, 0.5)"),
        (op + ["rectangle", "--out", "{root}/keep.json"], "is a file; expected a folder"),
        # fields
        (fields + ["1,0"], "three finite"),
        (fields + ["1,nan,0"], "three finite"),
        (fields + ["a,b,c"], "three comma-separated numbers"),
        (["fields", "--quiet", "--E", "0,0,0", "--B", "0,0,0"], "both zero"),
        (fields + ["1,0,0", "--q", "0"], "q"),
        (fields + ["1,0,0", "--m", "-1"], "m must"),
        (fields + ["1,0,0", "--steps", "0"], "steps"),
        (fields + ["1,0,0", "--epochs", "0"], "epochs must be an integer"),
        (fields + ["1,0,0", "--json", "{root}/folder"], "is a folder"),
        # symmetry
        (["symmetry", "{root}/missing.cif"], "no such file"),
        (["symmetry", "{root}/garbage.cif"], "cannot read as a structure"),
        (["symmetry", "cube", "--tol", "0.9"], "tol"),
        # decompose
        (group + ["0,1"], "dimension 3, but 2 values"),
        (group + ["a,b,c"], "comma-separated numbers"),
        (group + ["0,0,inf"], "finite"),
        (["decompose", "--group", "Q9", "--irreps", "1o", "--values", "0,0,1"], "Q9"),
        (["decompose", "--group", "D4h", "--irreps", "1q", "--values", "0,0,1"], "cannot read irreps"),
        (["decompose", "--group", "D4h"], "give --group, --irreps and --values"),
        (["decompose", "--report", "{root}/missing.json"], "no such file"),
        (["decompose", "--report", "{root}/not_json.json"], "not JSON"),
        (["decompose", "--report", "{root}/foreign.json"], "not a symbreak shapes report"),
        (["decompose", "--report", "{root}/bad_points.json"], "not a symbreak shapes report"),
        (["decompose", "--report", "{root}/bad_theta.json"], "has 3 components"),
        (["decompose", "--report", "{root}/foreign.json", "--values", "1"], "either --report"),
    ]


CASES = _cases()


def test_the_sweep_is_wide():
    assert len(CASES) >= 40
    assert {args[0] for args, _ in CASES} == {"shapes", "demo", "crystal", "order-parameter", "fields",
                                              "symmetry", "decompose"}


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_clear_line(files, args, message):
    args = [a.format(root=files) for a in args]
    before = {p: p.read_bytes() for p in files.rglob("*") if p.is_file()}
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message.format(root=files) in errors[0], result.output
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in files.rglob("*") if p.is_file()}
    assert after == before  # nothing the user had was changed, nothing half-written was left
