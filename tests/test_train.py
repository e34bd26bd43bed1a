import pytest
import torch

from symbreak.nn import RelaxedNetwork
from symbreak.train import TrainSettings, train


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
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert result.best_loss == min(result.history["loss"])
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
    assert checkpoint.exists() and not (tmp_path / "run.pt.tmp").exists()
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 19

    model, loss = toy_problem(seed=99)  # different init: everything must come from the checkpoint
    resumed = train(model, [None], loss, SETTINGS, checkpoint=checkpoint, resume=True, progress=False)
    assert resumed.history["loss"] == pytest.approx(reference.history["loss"], rel=1e-12)
    for name, value in reference.best_state.items():
        assert torch.allclose(resumed.best_state[name], value, rtol=0, atol=1e-12)


def test_resume_refuses_other_settings(tmp_path):
    model, loss = toy_problem()
    train(model, [None], loss, SETTINGS, checkpoint=tmp_path / "run.pt", progress=False)
    other = TrainSettings(epochs=40, lr=1e-2, penalty_weight=1e-4, checkpoint_every=10)
    with pytest.raises(ValueError, match="other settings"):
        train(model, [None], loss, other, checkpoint=tmp_path / "run.pt", resume=True, progress=False)


def test_minibatches_take_one_step_each():
    model, loss = toy_problem()
    result = train(model, [None] * 4, loss, TrainSettings(epochs=3), progress=False)
    optimiser_steps = [s for s in [len(result.history["loss"])]]
    assert optimiser_steps == [3]


def test_settings_are_validated():
    with pytest.raises(ValueError, match="epochs"):
        TrainSettings(epochs=0)
    with pytest.raises(ValueError, match="optimizer"):
        TrainSettings(optimizer="lbfgs")
    with pytest.raises(ValueError, match="lr"):
        TrainSettings(lr=float("nan"))


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
