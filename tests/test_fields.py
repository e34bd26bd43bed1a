"""Charged particle in E and B (Hofgard et al. 2024, §5.2): simulator, model, read-out, task."""

import json
import math

import numpy as np
import pytest
import torch

from symbreak.nn import random_orthogonal
from symbreak.tasks.fields import (
    FieldProblem,
    FieldSettings,
    boris_push,
    plot_fields,
    probe_fields,
    read_fields,
    run_fields,
    simulate,
)





FAST = dict(epochs=40)  # the paper's data (500 steps, batch 50), fewer epochs


# --- simulator -------------------------------------------------------------------------


def test_boris_conserves_kinetic_energy_without_E():
    trajectory = simulate([0, 0, 0], [0.3, -1.7, 0.8], q=-2.0, m=0.7, steps=1000, dt=0.1, n_particles=3, seed=4)
    energy = trajectory.kinetic_energy()
    assert np.abs(energy / energy[:, :1] - 1).max() < 1e-10
    speed = np.linalg.norm(trajectory.velocities, axis=-1)  # time-centred speeds are constant too
    assert np.abs(speed / speed[:, :1] - 1).max() < 1e-10


def test_force_is_the_lorentz_force_and_the_integrator_step():
    E, B, q, m, dt = np.array([0.2, 0.5, -0.3]), np.array([1.0, -0.4, 0.6]), 1.5, 2.0, 0.07
    trajectory = simulate(E, B, q=q, m=m, steps=300, dt=dt, n_particles=2, seed=1)
    expected = q * (E + np.cross(trajectory.velocities, B))
    assert np.allclose(trajectory.forces, expected, rtol=0, atol=1e-12)
    half = trajectory.half_velocities
    step_force = m * (half[:, 1:] - half[:, :-1]) / dt
    scale = np.abs(trajectory.forces).max()
    assert np.abs(step_force - trajectory.forces).max() < 1e-10 * scale
    # positions advance with the half-step velocities
    assert np.allclose(np.diff(trajectory.positions, axis=1), dt * half[:, 1:-1], rtol=0, atol=1e-12)


def test_initial_conditions_are_seeded_and_kept():
    v0 = np.array([[0.1, 0.2, 0.3]])
    trajectory = simulate([1, 0, 0], [0, 0, 1], initial_velocities=v0, initial_positions=[[1, 2, 3]], steps=5)
    assert np.array_equal(trajectory.velocities[:, 0], v0)
    assert np.array_equal(trajectory.positions[:, 0], [[1, 2, 3]])
    a, b = simulate([1, 0, 0], [0, 0, 1], seed=3), simulate([1, 0, 0], [0, 0, 1], seed=3)
    assert np.array_equal(a.positions, b.positions)
    assert not np.array_equal(a.positions, simulate([1, 0, 0], [0, 0, 1], seed=4).positions)


def test_exb_drift_is_exact_over_whole_gyrations():
    # Choose dt so that one Boris rotation is 2π/k: k steps are exactly one gyration,
    # and the mean of the half-step velocities over whole gyrations is the drift.
    E, B, q, m, k = np.array([0.0, 0.0, 0.8]), np.array([0.0, 2.0, 0.0]), 1.3, 0.9, 40
    dt = 2 * m * math.tan(math.pi / k) / (q * np.linalg.norm(B))
    trajectory = simulate(E, B, q=q, m=m, steps=5 * k, dt=dt, n_particles=4, seed=2)
    mean = trajectory.half_velocities[:, 1:].mean(axis=1)
    b = B / np.linalg.norm(B)
    perpendicular = mean - np.outer(mean @ b, b)
    drift = np.cross(E, B) / (B @ B)
    assert np.abs(perpendicular - drift).max() < 1e-12


def test_exb_drift_of_positions_over_long_times():
    E, B = np.array([0.5, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])  # drift E×B/B² = (0, -0.5, 0)
    trajectory = simulate(E, B, steps=20000, dt=0.05, seed=0)
    x = trajectory.positions[0]
    velocity = (x[-1] - x[0]) / (trajectory.times[-1])
    assert np.allclose(velocity[:2], [0.0, -0.5], atol=5e-3)


def test_boris_push_rotates_about_B():
    v = np.array([[1.0, 0.0, 0.0]])
    out = boris_push(v, np.zeros(3), np.array([0.0, 0.0, 1.0]), q=1.0, m=1.0, dt=0.1)
    angle = math.atan2(out[0, 1], out[0, 0])
    assert angle == pytest.approx(-2 * math.atan(0.05), abs=1e-14)  # v × B turns +x towards -y
    assert np.linalg.norm(out) == pytest.approx(1.0, abs=1e-15)


def test_neutral_particle_moves_straight():
    trajectory = simulate([1, 2, 3], [0, 1, 0], q=0.0, steps=10)
    assert not trajectory.forces.any()
    assert np.allclose(trajectory.velocities, trajectory.velocities[:, :1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(E=[np.nan, 0, 0]), "E: components must be finite"),
        (dict(B=[0, 1]), "B: expected 3 numbers"),
        (dict(m=0.0), "m \\(mass\\) must be > 0"),
        (dict(m=-1.0), "m \\(mass\\) must be > 0"),
        (dict(steps=0), "steps must be an integer >= 1"),
        (dict(dt=float("inf")), "dt \\(time step\\) must be a finite number"),
        (dict(q=float("nan")), "q \\(charge\\) must be a finite number"),
        (dict(initial_velocities=[[1, 2]]), "initial_velocities"),
    ],
)
def test_simulate_rejects_bad_input(kwargs, message):
    arguments = dict(E=[1, 0, 0], B=[0, 1, 0]) | kwargs
    E, B = arguments.pop("E"), arguments.pop("B")
    with pytest.raises(ValueError, match=message):
        simulate(E, B, **arguments)


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(q=0.0), "q must be non-zero"),
        (dict(m=-2.0), "m must be > 0"),
        (dict(steps=0), "steps must be an integer >= 1"),
        (dict(batch_size=0), "batch_size must be an integer >= 1"),
        (dict(epochs=0), "epochs must be an integer >= 1"),
        (dict(lmax_sh=0), "lmax_sh must be an integer >= 1"),
        (dict(lr=-1.0), "lr must be a positive finite number"),
        (dict(colour=1), "unknown setting\\(s\\) colour"),
    ],
)
def test_run_fields_rejects_bad_settings(overrides, message):
    with pytest.raises(ValueError, match=message):
        run_fields([1, 0, 0], [0, 1, 0], **overrides)


def test_run_fields_rejects_bad_fields():
    with pytest.raises(ValueError, match="E: components must be finite"):
        run_fields([float("nan"), 0, 0], [0, 1, 0])
    with pytest.raises(ValueError, match="both zero"):
        run_fields([0, 0, 0], [0, 0, 0])


# --- model -----------------------------------------------------------------------------


def test_batches_cover_every_sample_once():
    problem = FieldProblem([1, 0, 0], [0, 1, 0], FieldSettings(steps=120, batch_size=50))
    assert [len(b) for b in problem.batches] == [50, 50, 20]
    assert sorted(torch.cat(problem.batches).tolist()) == list(range(120))


def test_baseline_is_exactly_equivariant():
    problem = FieldProblem([1, 0, 0], [0, 1, 0], FieldSettings(steps=20))
    generator = torch.Generator().manual_seed(0)
    charges = torch.randn(16, generator=generator, dtype=torch.float64)
    velocities = 2 * torch.randn(16, 3, generator=generator, dtype=torch.float64)
    for relaxed in (False, True):  # the relaxed network starts equivariant (θ = θ^{0e})
        model = problem.build_model(relaxed)
        with torch.no_grad():
            for improper in (False, True, False, True):
                rotation = random_orthogonal(improper, generator)
                # q is a scalar (0e), v and F are vectors (1o): D(R) = R, improper R included.
                rotated_first = model(charges, velocities @ rotation.T)
                rotated_after = model(charges, velocities) @ rotation.T
                assert (rotated_first - rotated_after).abs().max().item() < 1e-9


def test_relaxed_filter_on_a_self_edge_is_theta():
    # θ^{1o} acts like E (force at v = 0 along it), θ^{1e} like B (F changes as v × θ^{1e}).
    problem = FieldProblem([1, 0, 0], [0, 1, 0], FieldSettings(steps=20))
    model = problem.build_model(True)
    generator = torch.Generator().manual_seed(1)
    direction = torch.randn(3, generator=generator, dtype=torch.float64)
    theta = model.relaxed_weights()[0]
    with torch.no_grad():
        theta.weight[theta.irreps.slices()[2]] = direction  # 0e, 0o, 1o, 1e
    e_probe, b_probe = probe_fields(model, 1.0)
    cosine = e_probe @ direction.numpy() / np.linalg.norm(e_probe) / direction.norm().item()
    assert abs(cosine) > 1 - 1e-12
    assert np.abs(b_probe).max() < 1e-12
    with torch.no_grad():
        theta.weight[theta.irreps.slices()[2]] = 0.0
        theta.weight[theta.irreps.slices()[3]] = direction
    e_probe, b_probe = probe_fields(model, 1.0)
    cosine = b_probe @ direction.numpy() / np.linalg.norm(b_probe) / direction.norm().item()
    assert abs(cosine) > 1 - 1e-12
    assert np.abs(e_probe).max() < 1e-12


class _ExactForce(torch.nn.Module):
    """F = q (E + v × B) exactly, with the ForceNetwork interface the probe uses."""

    def __init__(self, E, B):
        super().__init__()
        self.E, self.B = torch.tensor(E, dtype=torch.float64), torch.tensor(B, dtype=torch.float64)
        self.velocity_scale = torch.tensor(1.7, dtype=torch.float64)

    def forward(self, charge, velocity):
        charge = torch.as_tensor(charge, dtype=torch.float64).reshape(-1, 1)
        return charge * (self.E + torch.cross(velocity, self.B.expand_as(velocity), dim=1))


def test_probe_recovers_the_fields_and_their_signs():
    E, B = [0.3, -1.0, 2.0], [-0.5, 0.2, 0.9]
    for q in (1.0, -2.5):
        e_probe, b_probe = probe_fields(_ExactForce(E, B), q)
        assert np.allclose(e_probe, E, atol=1e-12) and np.allclose(b_probe, B, atol=1e-12)


def test_short_training_moves_theta_1o_towards_E():
    E = np.array([0.6, -0.3, 0.8])
    report = run_fields(E, [-0.2, 0.7, 0.4], baseline=False, epochs=10).to_dict()
    theta_1o = np.array(report["relaxed"]["theta"][0]["blocks"]["1o"]["values"])
    cosine = abs(theta_1o @ E) / np.linalg.norm(theta_1o) / np.linalg.norm(E)
    assert cosine > 0.95


# --- task ------------------------------------------------------------------------------


@pytest.mark.e2e
def test_run_fields_end_to_end(tmp_path):
    result = run_fields([1, 0, 0], [0, 1, 0], **FAST)
    assert set(result.models) == {"relaxed", "equivariant"}
    report = result.to_dict()
    json.dumps(report)  # JSON-serialisable
    relaxed, equivariant, fields = report["relaxed"], report["equivariant"], report["fields"]
    assert relaxed["mse_relative"] < 1e-4 < 1e-2 < equivariant["mse_relative"]
    assert relaxed["mse"] == pytest.approx(relaxed["mse_relative"] * report["data"]["mean_squared_force"])
    assert fields["E_angle_deg"] < 1.0 and fields["B_angle_deg"] < 1.0
    assert fields["E_magnitude"]["learned"] == pytest.approx(1.0, rel=1e-2)
    assert fields["B_magnitude"]["learned"] == pytest.approx(1.0, rel=1e-2)
    assert np.allclose(fields["E_true"], [1, 0, 0]) and np.allclose(fields["B_true"], [0, 1, 0])
    assert len(report["histories"]["relaxed"]) == FAST["epochs"] == len(report["histories"]["equivariant"])
    assert [layer["irreps"] for layer in relaxed["theta"]] == ["1x0e+1x0o+1x1o+1x1e"]
    paths = plot_fields(report, tmp_path)
    assert [p.name for p in paths] == ["fields_trajectory.png", "fields_loss.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
    assert not list(tmp_path.glob("*.tmp*"))


def test_checkpoints_resume_and_refuse_other_fields(tmp_path):
    settings = dict(steps=100, epochs=6, baseline=False, checkpoint_every=2)
    first = run_fields([1, 0, 0], [0, 1, 0], checkpoint_dir=tmp_path, **settings).to_dict()
    assert (tmp_path / "relaxed.pt").exists()
    again = run_fields([1, 0, 0], [0, 1, 0], checkpoint_dir=tmp_path, resume=True, **settings).to_dict()
    assert again["relaxed"]["mse"] == first["relaxed"]["mse"]
    with pytest.raises(ValueError, match="another fields run"):
        run_fields([0, 0, 1], [0, 1, 0], checkpoint_dir=tmp_path, resume=True, **settings)


def test_two_gated_layers_run_and_report_every_layer():
    report = run_fields([1, 0, 0], [0, 1, 0], baseline=False, num_layers=2, epochs=2).to_dict()
    assert len(report["relaxed"]["theta"]) == 2 and len(report["fields"]["per_layer"]) == 2


def test_read_fields_needs_relaxed_weights():
    problem = FieldProblem([1, 0, 0], [0, 1, 0], FieldSettings(steps=20))
    with pytest.raises(ValueError, match="no relaxed weights"):
        read_fields(problem.build_model(False), problem)


# --- acceptance (slow) ---------------------------------------------------------------------

CASES = {
    "paper": ([1, 0, 0], [0, 1, 0]),
    "oblique": ([0.6, -0.3, 0.8], [-0.2, 0.7, 0.4]),
    "parallel": ([0.5, 0.5, 0.5], [1, 1, 1]),
    "strong_E": ([3, 0, 1], [0, 0.5, 0]),
    "negative_q": ([0.2, 1.0, -0.5], [0.8, 0.3, 0.4]),
}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(CASES))
def test_acceptance_learns_both_fields(name, seed):
    E, B = CASES[name]
    overrides = dict(q=-1.5, m=2.0) if name == "negative_q" else {}
    report = run_fields(E, B, seed=seed, **overrides).to_dict()
    fields = report["fields"]
    assert report["relaxed"]["mse_relative"] <= 1e-5
    assert report["equivariant"]["mse_relative"] >= 1e-2
    assert fields["E_angle_deg"] < 0.5 and fields["B_angle_deg"] < 0.5
    for field in ("E", "B"):
        magnitude = fields[f"{field}_magnitude"]
        assert magnitude["learned"] == pytest.approx(magnitude["true"], rel=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("B", [[0, 1, 0], [0.3, -1.2, 0.5]])
def test_acceptance_pure_magnetic_field_invents_no_electric_field(B, seed):
    report = run_fields([0, 0, 0], B, seed=seed).to_dict()
    fields = report["fields"]
    assert report["relaxed"]["mse_relative"] <= 1e-5
    assert report["equivariant"]["mse_relative"] >= 1e-2
    assert fields["B_angle_deg"] < 0.5
    assert fields["E_block_norm"] < 0.05 * fields["B_block_norm"]
    assert fields["E_magnitude"]["learned"] < 1e-3 * fields["B_magnitude"]["true"]


@pytest.mark.slow
def test_acceptance_pure_electric_field_invents_no_magnetic_field():
    report = run_fields([0.7, 0.2, -0.4], [0, 0, 0]).to_dict()
    fields = report["fields"]
    assert report["relaxed"]["mse_relative"] <= 1e-5
    assert fields["E_angle_deg"] < 0.5 and fields["B_angle_deg"] is None
    assert fields["B_block_norm"] < 0.05 * fields["E_block_norm"]
