"""``symbreak modes --field``: per-atom fields read from a child file (issue 14, item 2).

Reference nobody here wrote: G-type antiferromagnetic order (every nearest-neighbour pair of B
moments antiparallel) is the staggered axial vector at R = (½,½,½) of the cubic perovskite; on the
B site (Oh, at the origin) an axial vector is T1g, so the order is R4+ (as the octahedral tilt,
which is also a staggered axial vector on B). Its magnetic primitive cell holds two formula units.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.modes.fields import child_field
from symbreak.structures import builtin_structure


def _g_type(tmp_path, collinear: bool = False):
    import ase.io
    from ase.build import make_supercell

    cell = make_supercell(builtin_structure("SrTiO3-cubic"), 2 * np.eye(3, dtype=int))
    titanium = np.array(cell.get_chemical_symbols()) == "Ti"
    sign = (-1) ** np.rint(2 * cell.get_scaled_positions().sum(axis=1)).astype(int)
    moments = np.where(titanium, sign, 0).astype(float)
    cell.set_initial_magnetic_moments(moments if collinear else np.outer(moments, [0.6, 0.0, 0.8]) * 2.5)
    cell.set_initial_charges(np.where(titanium, 0.1 * sign, 0.0))
    rng = np.random.default_rng(3)
    order = rng.permutation(len(cell))
    path = tmp_path / "g_type.extxyz"
    ase.io.write(path, cell[order])
    return path


def test_g_type_moments_are_r4_plus_per_magnetic_primitive_cell(tmp_path):
    out = CliRunner().invoke(app, ["modes", "--parent", "SrTiO3-cubic", "--child", str(_g_type(tmp_path)),
                                   "--field", "magmoms", "--json", str(tmp_path / "m.json")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "m.json").read_text())
    first = data["modes"][0]
    assert data["field"] == "1e" and data["time_odd"] and first["share"] == pytest.approx(1, abs=1e-12)
    assert first["irrep"] == "mR4+"  # magnetic moments are time-odd: ISODISTORT's m prefix
    # 8 Ti moments of 2.5 μB in 8 parent cells: 2.5 per parent cell, and the magnetic primitive
    # cell (10 atoms, two formula units) holds two of them
    assert first["amplitude_parent_cell"] == pytest.approx(2.5, rel=1e-12)
    assert first["amplitude"] == pytest.approx(2.5 * np.sqrt(2), rel=1e-12)
    # moments in the xz plane, off the axes: a monoclinic magnetic group; every parent translation
    # reverses the G-type pattern, so with time reversal it is an anti-translation: type IV
    assert first["isotropy_subgroup"].startswith("BNS 12.") and first["isotropy_subgroup"].endswith("(type IV)")
    # the positions alone keep the parent's group, and the header says so (rich wraps long lines)
    assert data["child_space_group"] == "Pm-3m (221)"
    assert "the child's atoms alone: Pm-3m (221)" in " ".join(out.output.split())


def test_g_type_moments_along_c_have_the_isotropy_group_of_the_tilt():
    """G-type moments along z and the a0a0c- tilt are both the staggered axial vector along z on
    the B sites: the same R4+ arm, so the same isotropy subgroup I4/mcm (without time reversal)."""
    from ase.build import make_supercell

    from symbreak.modes import decompose_distortion, decompose_field

    cell = make_supercell(builtin_structure("SrTiO3-cubic"), 2 * np.eye(3, dtype=int))
    titanium = np.array(cell.get_chemical_symbols()) == "Ti"
    sign = (-1) ** np.rint(2 * cell.get_scaled_positions().sum(axis=1)).astype(int)
    moments = decompose_field("SrTiO3-cubic", cell, np.outer(np.where(titanium, sign, 0.0), [0, 0, 1]), "1e")
    tilt = decompose_distortion("SrTiO3-cubic", "SrTiO3-tetragonal").mode("R4+")
    assert moments.modes[0].irrep == "R4+" and moments.modes[0].isotropy_subgroup == tilt.isotropy_subgroup
    assert tilt.isotropy_subgroup == "I4/mcm (140)"


def test_magnetic_groups_of_textbook_orders():
    """Time-odd moments on the Ti of cubic SrTiO3 (groups named by spglib from the operations):
    a ferromagnet along [001] is mGM4+ with P4/mm'm' (BNS 123.345, type III), the magnetic group of
    a cubic ferromagnet along a fourfold axis; G-type order along c is mR4+ of type IV (BNS 140.550,
    the I4/mcm of the axial-vector analysis plus the anti-translations)."""
    from ase.build import make_supercell

    from symbreak.modes import decompose_field

    cell = make_supercell(builtin_structure("SrTiO3-cubic"), 2 * np.eye(3, dtype=int))
    titanium = np.where(np.array(cell.get_chemical_symbols()) == "Ti", 1.0, 0.0)
    sign = (-1) ** np.rint(2 * cell.get_scaled_positions().sum(axis=1)).astype(int)
    ferro = decompose_field("SrTiO3-cubic", cell, np.outer(titanium, [0, 0, 1]), "1e", time_odd=True)
    assert ferro.modes[0].irrep == "mGM4+" and ferro.modes[0].isotropy_subgroup == "BNS 123.345 (type III)"
    g_type = decompose_field("SrTiO3-cubic", cell, np.outer(titanium * sign, [0, 0, 1]), "1e", time_odd=True)
    assert g_type.modes[0].irrep == "mR4+" and g_type.modes[0].isotropy_subgroup == "BNS 140.550 (type IV)"
    with pytest.raises(ValueError, match="time-odd field here is a magnetic moment"):
        decompose_field("SrTiO3-cubic", cell, np.zeros((40, 3)), "1o", time_odd=True)
    broken = np.outer(titanium, [0, 0, 1])
    broken[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite numbers \\(atom rows 7\\)"):
        decompose_field("SrTiO3-cubic", cell, broken, "1e", time_odd=True)


def test_noise_on_the_moments_keeps_the_magnetic_primitive_cell():
    """Moments from a calculation differ in the last digits: noise of 0.1 % of the moment must not
    split equivalent Ti and shrink A's normalisation cell (10 atoms for G-type order)."""
    from ase.build import make_supercell

    from symbreak.modes import decompose_field

    cell = make_supercell(builtin_structure("SrTiO3-cubic"), 2 * np.eye(3, dtype=int))
    titanium = np.where(np.array(cell.get_chemical_symbols()) == "Ti", 1.0, 0.0)
    sign = (-1) ** np.rint(2 * cell.get_scaled_positions().sum(axis=1)).astype(int)
    moments = np.outer(titanium * sign, [0, 0, 2.5])
    noisy = moments + 2.5e-3 * np.random.default_rng(0).normal(size=moments.shape)
    clean, rough = (decompose_field("SrTiO3-cubic", cell, m, "1e", time_odd=True) for m in (moments, noisy))
    assert clean.normalisation_atoms == rough.normalisation_atoms == 10
    assert rough.modes[0].irrep == "mR4+"
    assert rough.modes[0].amplitude == pytest.approx(clean.modes[0].amplitude, rel=1e-2)


def test_charges_and_collinear_moments_are_scalars(tmp_path):
    out = CliRunner().invoke(app, ["modes", "--parent", "SrTiO3-cubic", "--child", str(_g_type(tmp_path, True)),
                                   "--field", "charges"])
    assert out.exit_code == 0 and "field 0e" in out.output and "R1+" in out.output, out.output
    assert "mR1+" not in out.output  # charges are time-even
    with pytest.raises(ValueError, match="collinear numbers"):
        child_field(_g_type(tmp_path, True), "magmoms", "1e")
    _, values, irrep, magnetic = child_field(_g_type(tmp_path, True), "magmoms")
    assert irrep == "0e" and values.shape == (40, 1) and magnetic
    atoms = builtin_structure("SrTiO3-cubic")
    atoms.set_array("dipoles", np.ones((5, 3)))
    with pytest.raises(ValueError, match="say which O\\(3\\) irrep"):
        child_field(atoms, "dipoles")
    assert child_field(atoms, "dipoles", "1o")[2] == "1o"
    with pytest.raises(ValueError, match="no per-atom array 'positions'"):
        child_field(atoms, "positions")
