"""Symmetry-mode decomposition (symbreak.modes): literature cases, invariances, independent checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from ase import Atoms

from symbreak.modes import decompose_distortion, decompose_field, mode_spaces, parent_supercell
from symbreak.modes.quotient import SpaceGroupAction
from symbreak.structures import builtin_structure

A_SRTIO3 = 3.9053


def _spglib_order(atoms: Atoms, symprec: float = 1e-4) -> tuple[int, str]:
    import spglib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = spglib.get_symmetry_dataset((atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers), symprec=symprec)
    return len(ds.rotations), f"{ds.international} ({ds.number})"


@pytest.fixture(scope="module")
def srtio3():
    return decompose_distortion("SrTiO3-cubic", "SrTiO3-tetragonal")


def _amplitudes(result, floor: float = 1e-7) -> dict[str, float]:
    return {m.irrep: m.amplitude for m in result.modes if m.amplitude > floor}


def test_builtin_srtio3_phases():
    from symbreak.symmetry import space_group

    cubic, tetragonal = builtin_structure("SrTiO3-cubic"), builtin_structure("SrTiO3-tetragonal")
    assert space_group(cubic) == ("Pm-3m", 221) and space_group(tetragonal) == ("I4/mcm", 140)
    assert np.allclose(cubic.get_scaled_positions()[0], 0) and cubic.get_chemical_symbols()[0] == "Ti"
    o2 = tetragonal.get_scaled_positions()[-8]  # an O(2) on 8h (x, x + 1/2, 0)
    assert o2[0] == pytest.approx(0.25 - np.tan(np.radians(2.0)) / 4)


def test_srtio3_tilt_is_r4_plus(srtio3):
    r4 = srtio3.mode("R4+")
    # a rigid rotation φ of the octahedra moves 4 of the 6 O of the primitive cell (2 f.u.) by
    # (a/2) tan φ each: A = 2 (a/2) tan φ = a tan φ (AMPLIMODES), A_p = A / sqrt(2) per parent cell
    assert r4.amplitude == pytest.approx(A_SRTIO3 * np.tan(np.radians(2.0)), rel=1e-9)
    assert r4.amplitude_parent_cell == pytest.approx(r4.amplitude / np.sqrt(2), rel=1e-9)
    assert np.allclose(r4.k, [0.5, 0.5, 0.5]) and r4.small_irrep == "T1g of Oh"
    assert r4.isotropy_subgroup == "I4/mcm (140)"
    others = [m.amplitude for m in srtio3.modes if m.irrep != "R4+"]
    assert max(others) < 0.01 * r4.amplitude
    assert "Ti" in srtio3.origin
    assert srtio3.parent_space_group == "Pm-3m (221)" and srtio3.child_space_group == "I4/mcm (140)"


def test_batio3_is_gamma4_minus_plus_strain():
    result = decompose_distortion("BaTiO3-cubic", "BaTiO3-tetragonal")
    amps = _amplitudes(result)
    assert list(amps) == ["GM4-"]
    # one polar mode: its amplitude is the whole mean-free displacement field (Buttner & Maslen z's),
    # the strain removed (the child's fractional coordinates placed in the parent's cell, a = 4.00 Å)
    z = np.array([0.0, 0.482 - 0.5, 0.016, 0.515 - 0.5, 0.515 - 0.5]) * 4.00
    assert amps["GM4-"] == pytest.approx(np.linalg.norm(z - z.mean()), rel=1e-9)
    assert result.mode("GM4-").isotropy_subgroup == "P4mm (99)"
    assert {s["irrep"] for s in result.strain_modes} == {"GM1+", "GM3+"}  # volume + tetragonal strain


def _rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_amplitudes_do_not_depend_on_how_the_child_is_given(srtio3):
    child = builtin_structure("SrTiO3-tetragonal")
    rng = np.random.default_rng(3)
    # another setting of I4/mcm: the tetragonal axis along x (cell rows and coordinates permuted)
    frac = child.get_scaled_positions()[:, [2, 0, 1]]
    cell = child.cell.array[[2, 0, 1]][:, [2, 0, 1]]
    other = Atoms(child.numbers, scaled_positions=frac, cell=cell, pbc=True)
    # rotated, translated, atoms reordered
    rot = _rotation(7)
    order = rng.permutation(len(other))
    moved = Atoms(other.numbers[order], positions=(other.positions[order] + [0.3, -1.1, 0.7]) @ rot.T,
                  cell=other.cell.array @ rot.T, pbc=True)
    result = decompose_distortion("SrTiO3-cubic", moved)
    reference = _amplitudes(srtio3)
    assert _amplitudes(result).keys() == reference.keys()
    for label, value in reference.items():
        assert result.mode(label).amplitude == pytest.approx(value, abs=1e-6)
        assert result.mode(label).amplitude_parent_cell == pytest.approx(srtio3.mode(label).amplitude_parent_cell, abs=1e-6)
    assert result.mode("R4+").isotropy_subgroup == "I4/mcm (140)"


@pytest.mark.slow
def test_amplitudes_same_for_primitive_cell_and_supercell_of_the_child(srtio3):
    import spglib

    child = builtin_structure("SrTiO3-tetragonal")
    cell, frac, numbers = spglib.standardize_cell((child.cell.array, child.get_scaled_positions(), child.numbers),
                                                  to_primitive=True, no_idealize=True)
    primitive = Atoms(numbers, scaled_positions=frac, cell=cell, pbc=True)
    from ase.build import make_supercell

    bigger = make_supercell(child, [[1, 1, 0], [-1, 1, 0], [0, 0, 1]])  # the 2×2×2 cube, 40 atoms
    for variant in (primitive, bigger):
        result = decompose_distortion("SrTiO3-cubic", variant)
        for label, value in _amplitudes(srtio3).items():
            assert result.mode(label).amplitude == pytest.approx(value, abs=1e-6)


def test_origin_on_the_a_cation_turns_r4_plus_into_r5_minus():
    result = decompose_distortion("SrTiO3-cubic", "SrTiO3-tetragonal", origin=(0.5, 0.5, 0.5))
    assert list(_amplitudes(result)) == ["R5-"]
    assert result.mode("R5-").small_irrep == "T2u of Oh" and "Sr" in result.origin


def _srtio3_cell_pattern(kind: str, d: float = 0.05) -> tuple[Atoms, Atoms]:
    """√2×√2×1 SrTiO3 with an in-phase tilt about z or an in-phase Q2 distortion of the octahedra."""
    parent = builtin_structure("SrTiO3-cubic")
    h = np.array([[1, 1, 0], [-1, 1, 0], [0, 0, 1]])
    cell = parent_supercell(parent, h)
    frac = cell.get_scaled_positions(wrap=False) @ h  # parent fractional coordinates
    u = np.zeros((len(cell), 3))
    for j, (x, symbol) in enumerate(zip(frac, cell.get_chemical_symbols())):
        if symbol != "O":
            continue
        sign = (-1) ** int(round(np.floor(x[0] + 1e-6) + np.floor(x[1] + 1e-6)))
        fx, fy = x[0] % 1, x[1] % 1
        on_x, on_y = np.isclose(fx, 0.5) and np.isclose(fy, 0), np.isclose(fy, 0.5) and np.isclose(fx, 0)
        if kind == "tilt":  # octahedron at Ti(n) rotated by (-1)^(n1+n2) φ about z
            u[j] = [0, sign * d, 0] if on_x else ([-sign * d, 0, 0] if on_y else 0)
        else:  # Q2: Ti–O bonds along x stretched, along y shortened, checkerboard in the plane
            u[j] = [sign * d, 0, 0] if on_x else ([0, -sign * d, 0] if on_y else 0)
    child = cell.copy()
    child.positions += u
    return parent, child


@pytest.mark.slow
@pytest.mark.parametrize("kind, label", [("tilt", "M3+"), ("q2", "M2+")])
def test_m_point_labels(kind, label):
    """The M-point numbering is anchored on these two published labels (see labels.py): this checks
    that the patterns built by hand land on them, and that each gives P4/mbm."""
    parent, child = _srtio3_cell_pattern(kind)
    result = decompose_distortion(parent, child)
    assert list(_amplitudes(result)) == [label]
    assert result.mode(label).isotropy_subgroup == "P4/mbm (127)"


def test_modes_orthonormal_complete_and_each_with_its_own_isotropy_group():
    """Independent checks on a random displacement field of the 2×2×2 SrTiO3 supercell: the mode
    bases are orthonormal and complete, the modes sum back to the field, and the isotropy group of
    every mode alone, counted by spglib on parent + mode, equals its stabiliser in G/T_S."""
    parent = builtin_structure("SrTiO3-cubic")
    rng = np.random.default_rng(11)
    values = rng.normal(scale=0.05, size=(40, 3))
    result = decompose_field(parent, (2, 2, 2), values, "1o")
    basis = np.concatenate([s.basis for s in result.spaces], axis=1)
    assert basis.shape == (120, 120)
    assert np.abs(basis.T @ basis - np.eye(120)).max() < 1e-10
    assert result.residual < 1e-8
    total = sum(m.component for m in result.modes)
    assert np.abs(total - values).max() < 1e-8
    supercell = parent_supercell(parent, 2 * np.eye(3, dtype=int))
    checked = 0
    for mode in result.modes[:8]:
        probe = supercell.copy()
        probe.positions += mode.component * (0.05 / np.linalg.norm(mode.component, axis=1).max())
        order, _ = _spglib_order(probe)
        assert order == mode.isotropy_order, mode.irrep
        checked += 1
    assert checked == 8


@pytest.mark.slow
def test_scalar_rock_salt_order_on_b_sites_is_r1_plus_or_r2_minus():
    """B-site rock-salt ordering of a double perovskite: R1+ with B at the origin, R2- with A;
    untilted, its space group is Fm-3m (Howard, Kennedy & Woodward, Acta Cryst. B59, 463 (2003),
    tilt system a0a0a0 of the rock-salt ordered A2BB'O6), named here from the operations alone."""
    parent = builtin_structure("SrTiO3-cubic")
    cell = parent_supercell(parent, 2 * np.eye(3, dtype=int))
    frac = cell.get_scaled_positions(wrap=False) * 2
    charge = np.array([(-1.0) ** int(round(x.sum())) if s == "Ti" else 0.0
                       for x, s in zip(frac, cell.get_chemical_symbols())])
    ordered = decompose_field(parent, (2, 2, 2), charge, "0e")
    assert list(_amplitudes(ordered)) == ["R1+"]
    assert ordered.mode("R1+").isotropy_subgroup == "Fm-3m (225)"
    # the same atoms seen from the A site: shift the parent, keep the atom order
    shifted = decompose_field(parent, (2, 2, 2), charge, "0e", origin=(0.5, 0.5, 0.5))
    assert list(_amplitudes(shifted)) == ["R2-"]


def test_isotropy_named_from_operations_agrees_with_spglib_on_the_displaced_structure(srtio3):
    """Two routes to each displacement mode's isotropy subgroup: spglib on parent + mode (what
    decompose_distortion reports) and the stabilizer's operations named by spglib (what every
    other field gets). They must agree mode by mode."""
    for result in (srtio3, decompose_distortion("BaTiO3-cubic", "BaTiO3-tetragonal")):
        by_operations = decompose_field(result.parent_name, result.analysis_matrix, result.field_values, "1o")
        named = {m.irrep: m.isotropy_subgroup for m in by_operations.modes}
        for mode in result.modes:
            if mode.amplitude > 1e-9:
                assert named[mode.irrep] == mode.isotropy_subgroup


def test_axial_and_quadrupole_fields_decompose_completely():
    parent = builtin_structure("SrTiO3-cubic")
    rng = np.random.default_rng(5)
    for irrep, dim in (("1e", 3), ("2e", 5)):
        values = rng.normal(size=(5, dim))
        result = decompose_field(parent, (1, 1, 1), values, irrep)
        assert result.residual < 1e-10
        assert sum(m.share for m in result.modes) == pytest.approx(1.0, abs=1e-12)
        assert all(m.irrep.startswith("GM") for m in result.modes)
    # a G-type (R-point) arrangement of axial moments along z on the Ti sites
    cell = parent_supercell(parent, 2 * np.eye(3, dtype=int))
    frac = cell.get_scaled_positions(wrap=False) * 2
    moments = np.array([[0, 0, (-1.0) ** int(round(x.sum()))] if s == "Ti" else [0, 0, 0]
                        for x, s in zip(frac, cell.get_chemical_symbols())])
    result = decompose_field(parent, (2, 2, 2), moments, "1e")
    assert list(_amplitudes(result)) == ["R4+"]  # axial vector on the B site at R: T1g
    assert result.mode("R4+").isotropy_order < SpaceGroupAction(parent, 2 * np.eye(3, dtype=int)).order


@pytest.mark.slow
def test_quotient_is_a_group_and_characters_are_complete():
    parent = builtin_structure("SrTiO3-cubic")
    action = SpaceGroupAction(parent, 2 * np.eye(3, dtype=int))
    table, perms = action.multiplication_table, action.permutations
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, action.order, size=(200, 2)):
        assert np.array_equal(perms[table[a, b]], perms[a][perms[b]])
    dims = action.characters[:, 0].real
    assert np.sum(dims**2) == pytest.approx(action.order)  # Σ d² = |Q|
    spaces = mode_spaces(action, "1o")
    assert sum(s.basis.shape[1] for s in spaces) == 3 * len(perms[0])


@pytest.mark.slow
def test_catio3_pnma_is_r4_m3_x5_plus_secondary_modes():
    """CaTiO3 Pnma (Yamanaka, Hirai & Komatsu, Am. Mineral. 87, 1183 (2002), Pbnm setting):
    R4+ + M3+ + X5+ primary, R5+ and M2+ secondary (Ti at the origin)."""
    parent, child = builtin_structure("CaTiO3-cubic"), builtin_structure("CaTiO3-orthorhombic")
    result = decompose_distortion(parent, child)
    amps = _amplitudes(result, floor=1e-3)
    assert list(amps)[:3] == ["R4+", "M3+", "X5+"]
    assert set(amps) == {"R4+", "M3+", "X5+", "R5+", "M2+"}
    assert result.child_space_group == "Pnma (62)"
    assert result.mode("M3+").isotropy_subgroup == "P4/mbm (127)"
    assert result.mode("X5+").isotropy_subgroup == "Cmcm (63)"


def test_centred_parent_is_reduced_to_its_primitive_cell():
    """Rock salt given in its conventional (F-centred) cell: the analysis runs on the primitive
    cell, so the X-point modes are not mistaken for k = 0 ones; one Na displaced along x gives
    Γ4- (polar along [100] of Fm-3m: I4mm) plus X-point modes, and nothing is lost."""
    from ase.build import bulk

    parent = bulk("NaCl", "rocksalt", a=5.64, cubic=True)
    child = parent.copy()
    child.positions[0] += [0.05, 0.0, 0.0]
    result = decompose_distortion(parent, child)
    assert result.mode("GM4-").isotropy_subgroup == "I4mm (107)"
    assert sum(m.share for m in result.modes) == pytest.approx(1.0, abs=1e-12)
    assert all(np.allclose(m.k, 0) == m.irrep.startswith("GM") for m in result.modes if m.amplitude > 1e-9)
    assert np.abs(np.linalg.det(result.matrix)) == 4  # the conventional cell holds 4 primitive cells


def test_parent_given_as_a_supercell_keeps_its_iso_ir_labels(srtio3):
    """A parent file holding a √2×√2×2 (or rotated 2×2×2) supercell is reduced to the cube edges,
    so R4+ is still named (the reduced primitive basis would otherwise be skew and unlabelled)."""
    from ase.build import make_supercell

    cubic = builtin_structure("SrTiO3-cubic")
    diagonal = make_supercell(cubic, [[1, 1, 0], [-1, 1, 0], [0, 0, 2]])
    turned = make_supercell(cubic, 2 * np.eye(3, dtype=int))
    turned.rotate(37.0, (1, 2, 3), rotate_cell=True)
    for parent, matrix in ((diagonal, None), (turned, None), (diagonal, np.eye(3, dtype=int))):
        # an explicit matrix refers to the parent cell as given (here the child's own cell)
        result = decompose_distortion(parent, "SrTiO3-tetragonal", matrix=matrix)
        assert result.modes[0].irrep == "R4+"
        assert result.modes[0].amplitude == pytest.approx(srtio3.mode("R4+").amplitude, abs=1e-9)
        assert {m.irrep for m in result.modes} == {m.irrep for m in srtio3.modes}


def test_non_symmorphic_parent_gets_exact_modes_and_clearly_marked_labels():
    """Wurtzite (P6_3mc): at k ≠ 0 the small irreps are projective, so no ISO-IR label is given,
    but the decomposition stays exact and every mode keeps a distinct, marked label."""
    from ase.build import bulk

    parent = bulk("ZnO", "wurtzite", a=3.25, c=5.2)
    child = parent.repeat((2, 1, 1))
    child.positions[0] += [0.02, 0.0, 0.0]
    result = decompose_distortion(parent, child)
    assert result.residual < 1e-10
    assert sum(m.share for m in result.modes) == pytest.approx(1.0, abs=1e-12)
    labels = [m.irrep for m in result.modes]
    assert len(set(labels)) == len(labels)
    assert all("not ISO-IR" in m.irrep for m in result.modes if not np.allclose(m.k, 0))
