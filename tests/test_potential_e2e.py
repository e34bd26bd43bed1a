"""End to end on the built-in EMT copper dataset: a relaxed potential learns energies and forces
well beyond the trivial model at two training-set sizes trained with the same number of steps,
and θ learns no symmetry breaking (EMT energies are E(3)-invariant).

CI: ``tests/test_potential_e2e.py::test_emt_copper_learns_energies_and_forces`` (slow, ~80 s on 2 cores).
"""

import numpy as np
import pytest

from symbreak.data import split_indices
from symbreak.tasks.potential import PotentialSettings, learning_curve, load_dataset


@pytest.mark.slow
def test_emt_copper_learns_energies_and_forces(tmp_path):
    settings = PotentialSettings(epochs=25, batch_size=8, lr=1e-2, validation=0.2, penalty_weight=1e-2,
                                 irreps_hidden="16x0e+8x1o+8x1e", device="cpu")
    curve = learning_curve("emt-cu:100", [20, 80], settings, cache_dir=tmp_path, progress=False)
    small, large = curve.fits
    # the trivial model: reference energy per atom (least squares) and zero forces
    dataset = load_dataset("emt-cu:100", settings.cutoff, cache_dir=tmp_path, progress=False)
    _, validation = split_indices(len(dataset), settings.validation, settings.seed)
    forces = np.concatenate([dataset[i].forces.numpy() for i in validation])
    per_atom = np.array([float(dataset[i].energy) / dataset[i].num_atoms for i in validation])
    trivial_force_mae = np.abs(forces).mean()
    trivial_energy_mae = np.abs(per_atom - np.median(per_atom)).mean()
    errors = large.validation_errors
    assert errors["force_mae"] < 0.25 * trivial_force_mae, (errors, trivial_force_mae)
    assert errors["energy_mae"] < 0.5 * trivial_energy_mae, (errors, trivial_energy_mae)
    for fit in (small, large):  # both points learned, with the same optimisation budget
        assert fit.validation_errors["force_mae"] < 0.35 * trivial_force_mae
    steps = [point["steps"] for point in curve.points]
    assert steps[0] == steps[1] and small.n_validation == large.n_validation == 20
    assert max(large.theta_breaking) < 0.05  # invariant data: θ stays (nearly) scalar
    assert "points" in curve.to_dict() and len(curve.to_dict()["points"]) == 2
