import math
import pickle
import sys
from pathlib import Path

import pytest
import torch

from symbreak.nn import RelaxedNetwork
from symbreak.nn.regularization import relaxed_weight_penalty
from symbreak.train import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    MAX_EPOCHS,
    TrainSettings,
    diagnose_convergence,
    train,
)

sys.path.insert(0, str(Path(__file__).parent))
import _train_worker as tiny  # noqa: E402  (a small float64 linear problem, four batches)


def toy_problem(seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = RelaxedNetwork("0e", "4x0e+2x1o+2x1e", "1o", 1, 1, num_layers=2).double()
    edge_index = torch.tensor([[0, 1, 2, 1, 2, 0], [1, 2, 0, 0, 1, 2]])
    positions = torch.tensor([[1.0, 0, 0], [-0.5, 0.8, 0], [-0.5, -0.8, 0]], dtype=torch.float64)
    edge_vec = positions[edge_index[0]] - positions[edge_index[1]]
    target = torch.tensor([[0.0, 0.0, 1.0]] * 3, dtype=torch.float64)  # needs a z vector: breaks D3h

    def loss(model, batch):
        return (model(torch.ones(3, 1, dtype=torch.float64), edge_index, edge_vec) - target).pow(2).mean()

    return model, loss


SETTINGS = TrainSettings(epochs=30, lr=1e-2, penalty_weight=1e-4, checkpoint_every=10)


def test_training_reduces_loss_and_keeps_a_copy_of_the_best_weights():
    model, loss = toy_problem()
    result = train(model, [None], loss, SETTINGS, progress=False)
    assert result.history["loss"][-1] < 0.98 * result.history["loss"][0]  # 0.333 -> 0.323 here
    assert result.best_loss == min(result.history["loss"])
    assert result.history["loss"][result.best_epoch] == result.best_loss
    # the model ends with the best weights, and they reproduce the best loss exactly
    assert all(torch.equal(value, result.best_state[name]) for name, value in model.state_dict().items())
    with torch.no_grad():
        penalty = relaxed_weight_penalty(model, SETTINGS.penalty).item()
        assert loss(model, None).item() + SETTINGS.penalty_weight * penalty == result.best_loss
    saved = {k: v.clone() for k, v in result.best_state.items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    assert all(torch.equal(saved[k], v) for k, v in result.best_state.items())


def test_resume_after_a_crash_reaches_the_same_weights(tmp_path):
    model, loss = toy_problem()
    reference = train(model, [None], loss, SETTINGS, progress=False)

    model, loss = toy_problem()
    calls = {"n": 0}

    def crashing_loss(model, batch):
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        return loss(model, batch)

    checkpoint = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        train(model, [None], crashing_loss, SETTINGS, checkpoint=checkpoint, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]  # no temporary left
    saved = torch.load(checkpoint, weights_only=True)
    assert (saved["format"], saved["version"], saved["epoch"]) == (CHECKPOINT_FORMAT, CHECKPOINT_VERSION, 19)
    assert not saved["finished"] and len(saved["history"]["loss"]) == 20

    model, loss = toy_problem(seed=99)  # different init: everything must come from the checkpoint
    resumed = train(model, [None], loss, SETTINGS, checkpoint=checkpoint, resume=True, progress=False)
    assert resumed.history == reference.history  # bit for bit: same kernels, same order
    assert resumed.best_epoch == reference.best_epoch
    for name, value in reference.best_state.items():
        assert torch.equal(resumed.best_state[name], value)


def test_resume_refuses_other_settings(tmp_path):
    model, loss = toy_problem()
    train(model, [None], loss, SETTINGS, checkpoint=tmp_path / "run.pt", progress=False)
    other = TrainSettings(epochs=40, lr=1e-2, penalty_weight=1e-4, checkpoint_every=10)
    with pytest.raises(ValueError, match="other settings"):
        train(model, [None], loss, other, checkpoint=tmp_path / "run.pt", resume=True, progress=False)


def test_minibatches_take_one_step_each_and_each_epoch_visits_every_batch():
    model, batches = tiny.problem()
    visits = []

    def counting_loss(model, batch):
        # calls with gradients are steps; calls without are the end-of-epoch scoring pass
        visits.append((torch.is_grad_enabled(), next(i for i, b in enumerate(batches) if b is batch)))
        return tiny.loss(model, batch)

    result = train(model, batches, counting_loss, TrainSettings(epochs=3), progress=False)
    steps = [index for grad, index in visits if grad]
    scores = [index for grad, index in visits if not grad]
    assert len(steps) == 12 and len(scores) == 12
    for epoch in range(3):
        assert sorted(steps[4 * epoch : 4 * epoch + 4]) == [0, 1, 2, 3]
        assert scores[4 * epoch : 4 * epoch + 4] == [0, 1, 2, 3]
    assert steps[:4] != steps[4:8] or steps[4:8] != steps[8:]  # shuffled (seeded)
    assert len(result.history["loss"]) == result.epochs_run == 3


def test_best_state_with_several_batches_reproduces_the_best_loss():
    # The epoch loss used to be the mean of step losses taken with weights changing within
    # the epoch, and the weights kept were those after it: one step off.
    model, batches = tiny.problem()
    settings = TrainSettings(epochs=40, lr=3e-2, penalty_weight=1e-3)
    result = train(model, batches, tiny.loss, settings, progress=False)
    assert result.best_loss == min(result.history["loss"])
    fresh, _ = tiny.problem()
    fresh.load_state_dict(result.best_state)
    with torch.no_grad():
        data = sum(tiny.loss(fresh, batch).item() for batch in batches) / len(batches)
        penalty = relaxed_weight_penalty(fresh, settings.penalty).item()
    assert data + settings.penalty_weight * penalty == pytest.approx(result.best_loss, rel=0, abs=1e-12)
    assert result.history["data_loss"][result.best_epoch] == pytest.approx(data, rel=0, abs=1e-12)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="epochs"):
        TrainSettings(epochs=0)
    with pytest.raises(ValueError, match="optimizer"):
        TrainSettings(optimizer="lbfgs")
    with pytest.raises(ValueError, match="lr"):
        TrainSettings(lr=float("nan"))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("epochs", 10**9, r"epochs must be an integer in \[1, 10000000\], got 1000000000"),
        ("epochs", MAX_EPOCHS + 1, "epochs must be an integer in"),
        ("epochs", True, "epochs must be an integer, got True"),
        ("epochs", 2.5, "epochs must be an integer, got 2.5"),
        ("lr", float("inf"), "lr must be a positive finite number"),
        ("lr", -1e-3, "lr must be a positive finite number"),
        ("lr", "fast", "lr must be a number"),
        ("seed", -1, "seed must be an integer in"),
        ("checkpoint_every", -1, "checkpoint_every must be an integer >= 0"),
        ("penalty_weight", float("inf"), "penalty_weight must be a finite number >= 0"),
        ("plateau_tolerance", 1.0, r"plateau_tolerance must be in \[0, 1\)"),
        ("target_loss", float("nan"), "target_loss must be a number or None"),
        ("convergence_fraction", 0.9, r"convergence_fraction must be in \(0, 0.5\]"),
        ("convergence_tolerance", -0.1, r"convergence_tolerance must be in \[0, 1\)"),
        ("alternate", "yes", "alternate must be True or False"),
    ],
)
def test_absurd_settings_are_refused_with_what_was_expected(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainSettings(**{field: value})


def test_settings_accept_numpy_numbers_and_store_python_ones():
    import numpy as np

    settings = TrainSettings(epochs=np.int64(5), lr=np.float32(0.5), seed=np.int32(3))
    assert type(settings.epochs) is int and type(settings.lr) is float and type(settings.seed) is int
    assert settings == TrainSettings(epochs=5, lr=0.5, seed=3)


def test_divergence_is_reported():
    model, _ = toy_problem()
    with pytest.raises(FloatingPointError, match="loss became nan"):
        train(model, [None], lambda m, b: torch.tensor(float("nan"), requires_grad=True),
              TrainSettings(epochs=2), progress=False)


def test_plateau_stop_and_alternating_steps(tmp_path):
    settings = TrainSettings(epochs=400, lr=1e-2, plateau_window=20, plateau_tolerance=0.5, alternate=True)
    assert settings.plateaued([1.0] * 40) and not settings.plateaued([1.0] * 20 + [0.1] * 20)
    model, loss = toy_problem()
    result = train(model, [None], loss, settings, checkpoint=tmp_path / "p.pt", progress=False)
    assert 40 <= result.epochs_run < 400
    state = torch.load(tmp_path / "p.pt", weights_only=True)
    assert state["finished"] and state["epoch"] == result.epochs_run - 1
    again = train(model, [None], loss, settings, checkpoint=tmp_path / "p.pt", resume=True, progress=False)
    assert again.epochs_run == result.epochs_run  # a finished run is not trained further


def test_frozen_parameters_do_not_move():
    from symbreak.nn import LearnableInput

    model, loss = toy_problem()
    frozen = LearnableInput(1)
    model.extra = frozen
    frozen.weight.requires_grad_(False)
    before = frozen.weight.clone()
    train(model, [None], loss, TrainSettings(epochs=5, penalty_weight=1.0), progress=False)
    assert torch.equal(frozen.weight, before)
