"""End to end: ``symbreak modes`` on built-in names and on CIF / POSCAR files (slow: CI runs it)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from symbreak.structures import builtin_structure


@pytest.mark.slow
def test_modes_command_on_files_writes_json_and_figure(tmp_path):
    import ase.io

    parent, child = builtin_structure("SrTiO3-cubic"), builtin_structure("SrTiO3-tetragonal")
    ase.io.write(tmp_path / "parent.cif", parent)
    ase.io.write(tmp_path / "POSCAR", child, format="vasp")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "symbreak.cli", "modes", "--parent", str(tmp_path / "parent.cif"),
               "--child", str(tmp_path / "POSCAR"), "--json", str(tmp_path / "modes.json"), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "R4+" in result.stdout and "I4/mcm (140)" in result.stdout
    data = json.loads((tmp_path / "modes.json").read_text())
    assert data["schema"] == "symbreak.modes"
    first = data["modes"][0]
    assert first["irrep"] == "R4+" and first["k"] == [0.5, 0.5, 0.5]
    assert first["isotropy_subgroup"] == "I4/mcm (140)"
    assert first["amplitude"] == pytest.approx(3.9053 * np.tan(np.radians(2.0)), abs=1e-6)
    assert set(data) >= {"modes", "strain", "origin", "supercell"}
    assert (out / "mode_amplitudes.png").stat().st_size > 1000
    assert (out / "report.json").is_file()
