"""Naming a point group must not import torch or e3nn (they take ~10 s to import)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> subprocess.CompletedProcess:
    # a fresh interpreter: this test session has long imported torch
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def test_point_group_of_a_molecule_does_not_import_torch():
    result = _run("""
        import sys
        import symbreak.symmetry as s
        methane = [[0, 0, 0], [1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
        g = s.PointGroup.from_points(methane, species="CHHHH")
        water = [[0, 0, 0.12], [0, 0.76, -0.47], [0, -0.76, -0.47]]
        h = s.PointGroup.from_points(water, species="OHH")
        print(g.name, h.name, g.irrep_labels, h.character_table.shape)
        oh = s.PointGroup.from_name("Oh")
        assert oh.class_names and oh.real_irrep_labels
        heavy = sorted(m for m in ("torch", "e3nn") if m in sys.modules)
        assert not heavy, heavy
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["Td", "C2v"]


def test_point_group_of_a_crystal_does_not_import_torch():
    pytest.importorskip("spglib")
    result = _run("""
        import sys
        from ase.build import bulk
        import symbreak.symmetry as s
        print(s.PointGroup.from_atoms(bulk("Cu", "fcc", a=3.6)).name)
        assert "torch" not in sys.modules
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Oh"


def test_lazy_top_level_names():
    result = _run("""
        import sys
        import symbreak
        assert "torch" not in sys.modules
        assert {"RelaxedNetwork", "train", "radius_graph"} <= set(dir(symbreak))
        assert set(symbreak.__all__) <= set(dir(symbreak))
        import symbreak.train  # the submodule must not shadow the exported function
        from symbreak import RelaxedNetwork, train
        assert callable(train) and not isinstance(train, type(sys)), train
        assert symbreak.train is train
        for name in symbreak.__all__:
            getattr(symbreak, name)
        try:
            symbreak.no_such_name
        except AttributeError as error:
            assert "no_such_name" in str(error)
        else:
            raise AssertionError("expected AttributeError")
    """)
    assert result.returncode == 0, result.stderr
