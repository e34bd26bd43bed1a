import json

import ase.io
import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from symbreak.structures import builtin_structure, match_structures
from symbreak.tasks.crystals import (
    CrystalProblem,
    CrystalSettings,
    analyse_breaking,
    crystal_summary,
    plot_crystal,
    run_crystal,
)

CUBIC, TETRAGONAL = "BaTiO3-cubic", "BaTiO3-tetragonal"
# small and quick: l <= 1 relaxed weights (0e, 0o, 1o, 1e), few hidden features
FAST = CrystalSettings(epochs=100, lmax_relaxed=1, irreps_hidden="8x0e+4x1o+4x2e")




@pytest.fixture(scope="module")
def problem():
    return CrystalProblem(match_structures(CUBIC, TETRAGONAL), FAST)


def test_problem_inputs_graph_and_outputs(problem):
    assert problem.inputs.shape == (5, 3) and torch.all(problem.inputs.sum(dim=1) == 1)
    assert problem.species == [8, 22, 56]
    assert problem.with_strain and str(problem.irreps_out) == "1x1o+1x0e+1x2e"
    # every edge vector is shorter than the cutoff and the graph is a full list
    assert problem.edge_vec.norm(dim=1).max() < FAST.cutoff
    assert problem.edge_index.shape[1] % 2 == 0
    no_strain = CrystalProblem(match_structures(CUBIC, CUBIC), FAST)
    assert not no_strain.with_strain and str(no_strain.irreps_out) == "1x1o"


@pytest.mark.parametrize("relaxed", [True, False])
def test_untrained_networks_cannot_displace_atoms_of_the_cubic_source(problem, relaxed):
    # θ starts scalar, so both networks start equivariant: every site of Pm-3m is centrosymmetric
    displacements, strain = problem.predict(problem.build_model(relaxed))
    assert displacements.abs().max() < 1e-10
    deviatoric = strain - torch.trace(strain) / 3 * torch.eye(3, dtype=strain.dtype)
    assert deviatoric.abs().max() < 1e-10


def _set_theta(model, vector):
    with torch.no_grad():
        for theta in model.relaxed_weights():
            for (mul, ir), s in zip(theta.irreps, theta.irreps.slices()):
                if str(ir) == "1o":
                    theta.weight[s] = torch.as_tensor(vector, dtype=theta.weight.dtype)


def test_analysis_of_a_polar_theta_along_z_and_along_x(problem):
    model = problem.build_model(True)
    _set_theta(model, [0.0, 0.0, 0.3])
    along_z = analyse_breaking(model, problem.match, FAST)
    assert along_z["source_point_group"] == "Oh"
    assert along_z["decomposition"]["T1u"] == pytest.approx(1.0)
    assert along_z["residual_group"] == "C4v" and along_z["target_point_group"] == "C4v"
    np.testing.assert_allclose(np.abs(along_z["residual_principal_axis"]), [0, 0, 1], atol=1e-9)
    assert along_z["residual_contains_target"] and along_z["axis_angle_degrees"] < 1e-6
    assert along_z["landau_irreps"] == ["Eg", "T1u"]
    _set_theta(model, [0.3, 0.0, 0.0])
    along_x = analyse_breaking(model, problem.match, FAST)
    assert along_x["residual_group"] == "C4v" and not along_x["residual_contains_target"]
    assert along_x["axis_angle_degrees"] == pytest.approx(90.0)


def test_strain_basis_is_e3nns_symmetric_tensor_in_float64():
    from e3nn import o3

    from symbreak.tasks.crystals import _symmetric_tensor_basis

    basis = _symmetric_tensor_basis()
    assert basis.dtype == torch.float64 and basis.shape == (6, 3, 3)
    torch.testing.assert_close(torch.einsum("aij,bij->ab", basis, basis), torch.eye(6, dtype=torch.float64))
    torch.testing.assert_close(basis[0], torch.eye(3, dtype=torch.float64) / 3**0.5)
    rotation = torch.as_tensor(Rotation.from_euler("zyx", [40, -25, 70], degrees=True).as_matrix())
    wigner = o3.Irreps("0e+2e").D_from_matrix(rotation)
    rotated = rotation @ basis @ rotation.T  # R Q_k R^T = sum_l D_lk Q_l
    # D_from_matrix goes through Euler angles and e3nn's float32 tables: ~1e-7 accurate
    torch.testing.assert_close(rotated, torch.einsum("lk,lij->kij", wigner, basis), atol=2e-6, rtol=0)


def test_settings_and_cutoff_are_checked():
    with pytest.raises(ValueError, match="cutoff"):
        CrystalSettings(cutoff=-1.0)
    with pytest.raises(ValueError, match="translation"):
        CrystalSettings(translation="none")
    with pytest.raises(ValueError, match="without neighbours"):
        CrystalProblem(match_structures(CUBIC, TETRAGONAL), CrystalSettings(cutoff=1.5))


@pytest.mark.e2e
def test_batio3_cubic_to_tetragonal_end_to_end(one_thread, tmp_path):
    result = run_crystal(CUBIC, TETRAGONAL, FAST)
    assert set(result.models) == {"relaxed", "equivariant"}
    report = result.to_dict()
    assert report["schema"] == "symbreak.crystal" and report["schema_version"] == 1
    json.dumps(report)  # JSON-able
    assert report["source"]["space_group"] == "Pm-3m" and report["source"]["point_group"] == "Oh"
    assert report["target"]["space_group"] == "P4mm" and report["target"]["point_group"] == "C4v"

    relaxed, equivariant = report["relaxed"], report["equivariant"]
    assert relaxed["displacement_error"] < 0.01
    assert equivariant["displacement_error"] >= 10 * relaxed["displacement_error"]
    assert np.abs(equivariant["predicted_displacements"]).max() < 1e-8  # Curie: it cannot move atoms
    assert relaxed["loss"] < equivariant["loss"] / 100

    breaking = report["breaking"]
    assert breaking["dominant"] == "T1u"
    assert breaking["residual_group"] == "C4v"
    np.testing.assert_allclose(np.abs(breaking["residual_principal_axis"]), [0, 0, 1], atol=1e-6)
    assert breaking["residual_contains_target"]
    assert report["checks"]["residual_contains_target"]
    assert len(relaxed["theta"]) == FAST.num_layers
    # the same space-group modes as `symbreak modes`: polar Γ4− (T1u), k = 0, isotropy P4mm
    iso = breaking["iso_ir"]
    assert iso["order_parameter"] == "GM4-" and iso["k"] == [0.0, 0.0, 0.0]
    assert iso["modes"][0]["small_irrep"] == "T1u of Oh" and iso["isotropy_subgroup"] == "P4mm (99)"

    assert "T1u" in crystal_summary(report)
    path = plot_crystal(report, tmp_path)
    assert path.exists() and path.stat().st_size > 10_000


# ----------------------------------------------------------------------------- slow: the targets


def _assert_batio3_answer(report, axis=(0, 0, 1)):
    breaking = report["breaking"]
    fractions = breaking["decomposition"]
    assert max(fractions, key=fractions.get) == "T1u"
    assert set(k for k, v in fractions.items() if v > 1e-3) <= {"T1u", "Eg"}
    assert breaking["residual_group"] == "C4v" and breaking["residual_contains_target"]
    np.testing.assert_allclose(np.abs(breaking["residual_principal_axis"]), np.abs(axis), atol=1e-6)
    assert report["relaxed"]["displacement_error"] < 0.01
    assert report["equivariant"]["displacement_error"] >= 10 * report["relaxed"]["displacement_error"]


@pytest.fixture(scope="module")
def default_report():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        report = run_crystal(CUBIC, TETRAGONAL, CrystalSettings()).to_dict()
    finally:
        torch.set_num_threads(previous)
    return report


@pytest.mark.slow
def test_default_settings_find_t1u_with_residual_c4v(default_report):
    _assert_batio3_answer(default_report)


@pytest.mark.slow
def test_rotated_reordered_files_give_the_same_answer(one_thread, tmp_path, default_report):
    rotation = Rotation.from_euler("zyx", [30, 20, 10], degrees=True).as_matrix()
    source, target = builtin_structure(CUBIC), builtin_structure(TETRAGONAL)
    for atoms in (source, target):
        atoms.set_cell(atoms.cell.array @ rotation.T, scale_atoms=True)
    ase.io.write(tmp_path / "source.extxyz", source)
    ase.io.write(tmp_path / "POSCAR", target[[4, 2, 0, 3, 1]], format="vasp")
    report = run_crystal(tmp_path / "source.extxyz", tmp_path / "POSCAR", CrystalSettings()).to_dict()
    _assert_batio3_answer(report, axis=rotation[:, 2])
    for label, fraction in default_report["breaking"]["decomposition"].items():
        assert report["breaking"]["decomposition"][label] == pytest.approx(fraction, abs=0.02)


@pytest.mark.slow
def test_two_by_two_by_two_supercells_give_the_same_answer(one_thread, default_report):
    report = run_crystal(builtin_structure(CUBIC).repeat(2), builtin_structure(TETRAGONAL).repeat(2),
                         CrystalSettings()).to_dict()
    _assert_batio3_answer(report)
    assert report["relaxed"]["displacement_error"] == pytest.approx(
        default_report["relaxed"]["displacement_error"], rel=0.05, abs=1e-4)
    for label, fraction in default_report["breaking"]["decomposition"].items():
        assert report["breaking"]["decomposition"][label] == pytest.approx(fraction, abs=0.02)
