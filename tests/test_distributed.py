"""Data-parallel training (DistributedDataParallel on gloo, 2 processes) gives the same model
as one process on the same global batches.

CI: ``tests/test_distributed.py::test_two_processes_match_one`` (slow, ~20 s on 2 cores).
"""

import dataclasses

import pytest
import torch

from symbreak.data import emt_structures
from symbreak.tasks.potential import PotentialSettings, fit_dataset

SETTINGS = PotentialSettings(
    cutoff=3.2, epochs=2, batch_size=4, lr=1e-2, seed=3, validation=0.2, irreps_hidden="4x0e+2x1o+2x1e",
    lmax=1, lmax_relaxed=1, num_basis=4, radial_neurons=8, penalty_weight=1e-3, dtype="float64",
    device="cpu", checkpoint_every=0,
)


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    structures = emt_structures("emt-cuau", count=14, seed=5)
    one = fit_dataset(structures, SETTINGS, progress=False, nproc=1)
    two = fit_dataset(structures, SETTINGS, progress=False, nproc=2, out_dir=tmp_path)
    assert two.training.world_size == 2 and one.training.world_size == 1
    assert one.training.steps_per_epoch == two.training.steps_per_epoch == 2  # 11 training structures, B = 4
    state_one, state_two = one.model.state_dict(), two.model.state_dict()
    assert state_one.keys() == state_two.keys()
    worst = max((state_one[k] - state_two[k]).abs().max().item() for k in state_one if state_one[k].numel())
    assert worst < 1e-6, f"parameters differ by {worst}"
    # θ moved away from its initial value, and equally in both runs
    theta_one = torch.tensor(one.thetas[0].values)
    assert theta_one[1:].abs().max() > 0 or theta_one[0] != 1.0
    for a, b in zip(one.thetas, two.thetas):
        assert abs(a.values - b.values).max() < 1e-6
    assert one.training.history["loss"] == pytest.approx(two.training.history["loss"], rel=1e-9)
    assert one.validation_errors == pytest.approx(two.validation_errors, rel=1e-9)
    assert (tmp_path / "metrics-relaxed.csv").is_file()  # rank 0 wrote its metrics


def test_batch_not_divisible_by_processes_is_refused():
    structures = emt_structures("emt-cu", count=6, seed=1)
    with pytest.raises(ValueError, match="not a multiple of --nproc 3"):
        fit_dataset(structures, dataclasses.replace(SETTINGS, batch_size=4), progress=False, nproc=3)
