"""The potential: E(3) symmetry of energies and forces (float64), forces = −∇E, periodicity,
batch independence; training on a dataset resumes exactly; the command line trains and reports."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.data import StructureDataset, collate, emt_structures
from symbreak.nn import RelaxedPotential, random_orthogonal
from symbreak.tasks.potential import PotentialSettings, fit_dataset

TINY = dict(irreps_hidden="4x0e+2x1o+2x1e", lmax=1, num_basis=4, radial_neurons=8)


@pytest.fixture(scope="module")
def dataset():
    return StructureDataset(emt_structures("emt-cuau", count=5, seed=7), 3.6, progress=False)


def _model(dataset, lmax_relaxed, seed=0):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        torch.manual_seed(seed)
        return RelaxedPotential(dataset.species, 3.6, lmax_relaxed=lmax_relaxed,
                                avg_num_neighbors=dataset.average_num_neighbors(), **TINY).eval()
    finally:
        torch.set_default_dtype(previous)


def _transformed(batch, matrix):
    moved = dataclasses.replace(batch)
    moved.positions, moved.cell = batch.positions @ matrix.T, batch.cell @ matrix.T
    return moved


@pytest.fixture(scope="module")
def relaxed(dataset):
    return _model(dataset, 1)


@pytest.fixture(scope="module")
def equivariant(dataset):
    return _model(dataset, None)


def test_energy_invariant_and_forces_equivariant(dataset, relaxed, equivariant, generator):
    batch = collate(list(dataset), torch.float64)
    for improper in (False, True):
        matrix = random_orthogonal(improper, generator)
        for model in (equivariant, relaxed):  # relaxed: θ scalar at initialisation
            out, turned = model(batch), model(_transformed(batch, matrix))
            torch.testing.assert_close(turned["energy"], out["energy"], rtol=0, atol=1e-10)
            torch.testing.assert_close(turned["forces"], out["forces"] @ matrix.T, rtol=0, atol=1e-10)
    broken = copy.deepcopy(relaxed)
    with torch.no_grad():  # a generic θ breaks the symmetry, clearly above round-off
        for theta in broken.network.relaxed_weights():
            theta.weight.normal_(generator=generator)
    gap = (broken(_transformed(batch, matrix))["energy"] - broken(batch)["energy"]).abs().max()
    assert gap > 1e-6


def test_forces_are_minus_the_energy_gradient(dataset, relaxed):
    model = relaxed
    batch = collate([dataset[0]], torch.float64)
    forces = model(batch)["forces"]
    step = 1e-5
    for atom, axis in [(0, 0), (batch.positions.shape[0] - 1, 2)]:
        energies = []
        for sign in (1, -1):
            moved = dataclasses.replace(batch, positions=batch.positions.clone())
            moved.positions[atom, axis] += sign * step
            energies.append(model(moved, forces=False)["energy"].item())
        assert -(energies[0] - energies[1]) / (2 * step) == pytest.approx(forces[atom, axis].item(), abs=1e-7)


def test_energy_is_periodic_and_independent_of_the_batch(dataset, relaxed):
    model = relaxed
    atoms = emt_structures("emt-cuau", count=5, seed=7)[4]
    shifted = atoms.copy()
    shifted.positions[0] += atoms.cell.array[1] - 2 * atoms.cell.array[2]  # same crystal, atom in another cell
    pair = StructureDataset([atoms, shifted], 3.6, energy_key=None, forces_key=None, progress=False)
    energies = model(collate(list(pair), torch.float64), forces=False)["energy"]
    assert energies[0].item() == pytest.approx(energies[1].item(), abs=1e-10)
    together = model(collate(list(dataset), torch.float64), forces=False)["energy"]
    alone = torch.cat([model(collate([g], torch.float64), forces=False)["energy"] for g in dataset])
    torch.testing.assert_close(together, alone, rtol=0, atol=1e-10)


def test_unknown_species_is_refused(dataset, equivariant):
    model = equivariant
    batch = collate([dataset[0]], torch.float64)
    batch.numbers = torch.full_like(batch.numbers, 26)
    with pytest.raises(ValueError, match=r"atomic numbers \[26\] are not among the model's species \[29, 79\]"):
        model(batch)


SMALL = PotentialSettings(cutoff=3.6, epochs=4, batch_size=4, lr=1e-2, validation=0.25, dtype="float64",
                          device="cpu", checkpoint_every=1, lmax_relaxed=1, **TINY)


def test_fit_dataset_smoke(tmp_path):
    """One epoch through the whole Python path: dataset, split, model, trainer, result, JSON, CSV."""
    settings = dataclasses.replace(SMALL, epochs=1, dtype="float32")
    result = fit_dataset(emt_structures("emt-cu", count=8, seed=2), settings, progress=False, out_dir=tmp_path)
    data = result.to_dict()
    assert data["n_train"] == 6 and data["n_validation"] == 2 and len(data["history"]) == 1
    assert {"energy_mae", "energy_rmse", "force_mae", "force_rmse", "loss"} == set(data["validation_errors"])
    assert all(np.isfinite(v) for v in data["validation_errors"].values())
    assert result.model.network.convolutions[0].relaxed_weights.weight.dtype == torch.float32
    assert (tmp_path / "metrics-relaxed.csv").read_text().count("\n") == 2


@pytest.mark.slow
def test_resume_after_interruption_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    from symbreak.train import _minibatch

    structures = emt_structures("emt-cu", count=12, seed=3)
    reference = fit_dataset(structures, SMALL, progress=False)
    calls = {"n": 0}
    original = _minibatch._evaluate

    def crash_in_epoch_three(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(_minibatch, "_evaluate", crash_in_epoch_three)
    with pytest.raises(KeyboardInterrupt):
        fit_dataset(structures, SMALL, progress=False, checkpoint_dir=tmp_path)
    monkeypatch.setattr(_minibatch, "_evaluate", original)
    resumed = fit_dataset(structures, SMALL, progress=False, checkpoint_dir=tmp_path, resume=True)
    assert resumed.training.history == reference.training.history
    for name, value in reference.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name


runner = CliRunner()


@pytest.mark.slow
def test_cli_trains_and_reports(tmp_path):
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["train", "--data", "emt-cu:8", "--epochs", "2", "--batch-size", "4", "--cutoff",
                                 "2.8", "--cache-dir", str(tmp_path / "cache"), "--json", str(report),
                                 "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "validation: energy MAE" in result.output
    data = json.loads(report.read_text())
    assert data["schema"] == "symbreak.potential" and len(data["history"]) == 2
    assert {"energy_mae", "force_mae", "force_rmse"} <= set(data["validation_errors"])
    assert data["theta"] and data["theta"][0]["irreps"].startswith("1x0e")
    csv = (tmp_path / "out" / "metrics-relaxed.csv").read_text().splitlines()
    assert csv[0].startswith("epoch,lr,train_loss") and len(csv) == 3
    assert (tmp_path / "cache" / "emt-cu-8-seed0.extxyz").is_file()
    assert (tmp_path / "cache" / "neighbours-emt-cu-8.pt").is_file()


def test_cli_bad_dataset_is_one_line(tmp_path):
    atoms = emt_structures("emt-cu", count=3, seed=1)
    atoms[2].calc = None
    import ase.io

    ase.io.write(tmp_path / "bad.extxyz", atoms)
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "bad.extxyz"), "--cache-dir", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "structure 2 (Cu" in lines[0] and "'energy'" in lines[0]
    missing = runner.invoke(app, ["train", "--data", str(tmp_path / "nothing.db")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "symbreak", "train", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "--batch-size" in result.stdout
