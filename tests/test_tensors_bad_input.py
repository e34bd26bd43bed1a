"""Bad input to the tensor library and ``symbreak tensor``: one line naming the problem, exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.tensors import allowed_form, neumann_projection

runner = CliRunner()

_ASYMMETRIC_6X6 = np.arange(36.0).reshape(6, 6)
_NAN_3X3 = np.eye(3)
_NAN_3X3[1, 2] = _NAN_3X3[2, 1] = np.nan


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: neumann_projection("elastic", np.zeros((5, 5)), "m-3m"),
         "expected shape (3, 3, 3, 3) (Cartesian) or (6, 6) (Voigt)"),
        (lambda: neumann_projection("elastic", _ASYMMETRIC_6X6, "m-3m"), "symmetric 6x6 Voigt matrix"),
        (lambda: neumann_projection("dielectric", np.arange(9.0).reshape(3, 3), "m-3m"), "symmetric 3x3 matrix"),
        (lambda: neumann_projection("piezoelectric", np.arange(27.0).reshape(3, 3, 3), "4mm"),
         "index symmetry ijk=ikj"),
        (lambda: neumann_projection("dielectric", _NAN_3X3, "m-3m"), "finite numbers"),
        (lambda: neumann_projection("dielectric", [["a", "b"]], "m-3m"), "cannot read as an array"),
        (lambda: neumann_projection("dielectrik", np.eye(3), "m-3m"), "unknown tensor kind 'dielectrik'"),
        (lambda: neumann_projection("dielectric", np.eye(3), "m3mm"), "unknown point group 'm3mm'"),
        (lambda: neumann_projection("dielectric", np.eye(3), 42), "expected a PointGroup"),
        (lambda: neumann_projection("elastic", np.eye(6), "m-3m", convention="voigt"), "unknown Voigt convention"),
        (lambda: neumann_projection("pyroelectric", np.eye(3), "mm2"), "expected shape (3,) (Cartesian)"),
        (lambda: allowed_form("ij=jk", "m-3m"), "every term must permute"),
        (lambda: allowed_form("elastic", "m-3m").tensor({"C11": 1.0}), "missing ['C12', 'C44']"),
    ],
)
def test_library_bad_input(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("tensor_bad_input")
    np.savetxt(root / "asymmetric.txt", _ASYMMETRIC_6X6)
    np.savetxt(root / "five.txt", np.zeros((5, 5)))
    np.save(root / "nan.npy", _NAN_3X3)
    (root / "ragged.txt").write_text("1 2 3\n4 5\n")
    (root / "not_json.json").write_text("{ nope")
    (root / "foreign.json").write_text(json.dumps({"a": 1}))
    (root / "strings.json").write_text(json.dumps([["x", "y"]]))
    (root / "garbage.cif").write_text("this is not a CIF file\n")
    (root / "keep.json").write_text('{"mine": true}\n')
    return root


CLI_CASES = [
    (["--kind", "elastik", "--group", "m-3m"], "unknown tensor kind 'elastik'"),
    (["--kind", "elastic", "--group", "6/mmmm"], "unknown point group '6/mmmm'"),
    (["--kind", "elastic"], "give exactly one of a group (--group) and a structure (--structure)"),
    (["--group", "m-3m"], "give --kind"),
    (["--kind", "elastic", "--group", "m-3m", "--structure", "{root}/garbage.cif"], "exactly one of"),
    (["--kind", "elastic", "--structure", "{root}/missing.cif"], "no such file"),
    (["--kind", "elastic", "--structure", "{root}/garbage.cif"], "cannot read as a structure"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/asymmetric.txt"], "symmetric 6x6 Voigt matrix"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/five.txt"], "expected shape"),
    (["--kind", "dielectric", "--group", "m-3m", "--values", "{root}/nan.npy"], "finite numbers"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/ragged.txt"], "different numbers of values"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/not_json.json"], "cannot read a tensor"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/foreign.json"], "one of the keys"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/strings.json"], "cannot read a tensor"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/missing.txt"], "no such file"),
    (["--kind", "elastic", "--group", "m-3m", "--json", "{root}"], "is a folder"),
    (["--kind", "elastic", "--group", "m-3m", "--out", "{root}/keep.json"], "is a file"),
    (["--kind", "elastic", "--group", "m-3m", "--values", "{root}/asymmetric.txt", "--convention", "x"],
     "unknown Voigt convention"),
    (["--kind", "elastic", "--group", "m-3m", "--residual-tol", "0"], "--residual-tol must be in (0, 1)"),
    (["--kind", "dielectric", "--group", "m-3m", "--axial"], "is polar; axial=True applies to formulas only"),
]


@pytest.mark.parametrize("args, message", CLI_CASES, ids=[" ".join(a)[:50] for a, _ in CLI_CASES])
def test_cli_bad_input_is_one_line_exit_2(files, args, message):
    args = ["tensor"] + [a.format(root=files) for a in args]
    before = {p: p.read_bytes() for p in files.rglob("*") if p.is_file()}
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in files.rglob("*") if p.is_file()} == before


def test_named_polar_kind_refuses_axial():
    from symbreak.tensors import tensor_kind

    with pytest.raises(ValueError, match="is polar; axial=True applies to formulas only"):
        tensor_kind("dielectric", axial=True)
