"""``symbreak tensor-fit`` and ``tensor-prestrain`` on bad input: one line, exit code 2, before any training."""

import numpy as np
import pytest
from ase.build import bulk
from typer.testing import CliRunner

from symbreak.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    import ase.io

    root = tmp_path_factory.mktemp("tensor_cli")
    good, nan, molecule = bulk("Cu", "fcc", a=3.61), bulk("Cu", "fcc", a=3.61), bulk("Cu", "fcc", a=3.61)
    good.info["C"] = np.eye(6)
    nan.info["C"] = np.full((6, 6), np.nan)
    ase.io.write(root / "good.extxyz", [good])
    ase.io.write(root / "nan.extxyz", [good, nan])
    return root


@pytest.mark.parametrize("args, message", [
    (["--emt", "5", "--data", "x.extxyz"], "give either --data FILE --key KEY or --emt N"),
    ([], "give either"),
    (["--data", "{root}/good.extxyz"], "--data needs --key"),
    (["--data", "{root}/missing.extxyz", "--key", "C"], "no such file"),
    (["--data", "{root}/good.extxyz", "--key", "stiffness"], "structure 0 (Cu): no key 'stiffness'"),
    (["--data", "{root}/nan.extxyz", "--key", "C"], "structure 1 (Cu): elastic tensor: values must be finite"),
    (["--data", "{root}/good.extxyz", "--key", "C", "--kind", "elastik"], "unknown tensor kind 'elastik'"),
    (["--data", "{root}/good.extxyz", "--key", "C", "--kind", "dielectric"], "expected shape (3, 3)"),
    (["--emt", "4", "--kind", "dielectric"], "--emt makes elastic tensors"),
    (["--emt", "0"], "count must be an integer >= 1"),
    (["--data", "{root}/good.extxyz", "--key", "C", "--validation", "1.5"], "validation fraction must be in (0, 1)"),
])
def test_tensor_fit_bad_input(data, args, message):
    result = runner.invoke(app, ["tensor-fit", "--quiet", *[a.format(root=data) for a in args]])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in " ".join(result.output.split())


def test_tensor_prestrain_bad_strain():
    result = runner.invoke(app, ["tensor-prestrain", "--strain", "0.5", "--quiet"])
    assert result.exit_code == 2 and "0 < |strain| < 0.2" in result.output
