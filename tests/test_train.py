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


def _tiny_checkpoint(folder):
    model, batches = tiny.problem()
    settings = TrainSettings(epochs=3, checkpoint_every=1)
    train(model, batches, tiny.loss, settings, checkpoint=folder / "run.pt", progress=False)
    return model, batches, settings


class _Unpicklable:
    """Unpickling it would create a file: the marker that a loader ran foreign code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("kind", ["truncated", "random", "empty", "foreign dict", "list", "arbitrary pickle",
                                  "old version", "missing key", "wrong type", "folder"])
def test_bad_checkpoints_are_refused_in_one_line_naming_the_file(tmp_path, kind):
    model, batches, settings = _tiny_checkpoint(tmp_path)
    path = tmp_path / "run.pt"
    good = torch.load(path, weights_only=True)
    marker = tmp_path / "foreign-code-ran"
    if kind == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif kind == "random":
        path.write_bytes(torch.randint(0, 256, (4096,), generator=torch.Generator().manual_seed(0),
                                       dtype=torch.uint8).numpy().tobytes())
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "foreign dict":
        torch.save({"state_dict": model.state_dict(), "epoch": 3}, path)
    elif kind == "list":
        torch.save([torch.zeros(2)], path)
    elif kind == "arbitrary pickle":
        path.write_bytes(pickle.dumps({"format": CHECKPOINT_FORMAT, "payload": _Unpicklable(marker)}, protocol=2))
    elif kind == "old version":
        torch.save({**good, "version": CHECKPOINT_VERSION - 1}, path)
    elif kind == "missing key":
        torch.save({k: v for k, v in good.items() if k != "optimizers"}, path)
    elif kind == "wrong type":
        torch.save({**good, "epoch": "two"}, path)
    elif kind == "folder":
        path.unlink()
        path.mkdir()
    with pytest.raises(ValueError) as error:
        train(model, batches, tiny.loss, settings, checkpoint=path, resume=True, progress=False)
    message = str(error.value)
    assert str(path) in message and "\n" not in message, message
    assert "expected" in message, message
    assert not marker.exists()
    if kind == "arbitrary pickle":
        assert "Unsupported global: GLOBAL io.open" in message or "builtins.open" in message, message


def test_checkpoint_of_another_model_is_refused(tmp_path):
    _tiny_checkpoint(tmp_path)
    model, loss = toy_problem()
    with pytest.raises(ValueError, match="other settings|another model"):
        train(model, [None], loss, TrainSettings(epochs=3, checkpoint_every=1), checkpoint=tmp_path / "run.pt",
              resume=True, progress=False)


def test_unwritable_checkpoint_location_is_refused_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    model, batches = tiny.problem()
    calls = []

    def counting_loss(model, batch):
        calls.append(1)
        return tiny.loss(model, batch)

    with pytest.raises(ValueError, match="cannot create the checkpoint folder .*a-file.*expected a writable folder"):
        train(model, batches, counting_loss, TrainSettings(epochs=2), checkpoint=blocker / "sub" / "run.pt",
              progress=False)
    with pytest.raises(ValueError, match="is a folder; expected the path of a file"):
        train(model, batches, counting_loss, TrainSettings(epochs=2), checkpoint=tmp_path, progress=False)
    assert calls == []


def test_stale_temporaries_of_a_killed_save_are_removed_and_others_kept(tmp_path):
    model, batches, settings = _tiny_checkpoint(tmp_path)
    stale = tmp_path / ".run.pt.12345.deadbeef.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".notes.txt.1.ab.tmp"
    other.write_text("someone else's")
    train(model, batches, tiny.loss, settings, checkpoint=tmp_path / "run.pt", resume=True, progress=False)
    assert not stale.exists() and other.exists()


def test_atomic_write_text_replaces_whole_files(tmp_path):
    from symbreak.train import atomic_write_text

    target = tmp_path / "deep" / "report.json"
    atomic_write_text('{"a": 1}', target)
    atomic_write_text('{"b": 2}', target)
    assert target.read_text() == '{"b": 2}'
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_a_run_stopped_too_early_is_not_converged_and_one_at_its_plateau_is():
    settings = TrainSettings(epochs=20, lr=1e-2, schedule="constant")
    model, batches = tiny.problem()
    early = train(model, batches[:1], tiny.loss, settings, progress=False)
    assert early.stopped == "epochs"
    assert not early.converged
    assert "still fell" in early.convergence_reason and "at most 1 % allowed" in early.convergence_reason
    assert early.convergence.recent_decrease > settings.convergence_tolerance

    settings = TrainSettings(epochs=3000, lr=1e-1, schedule="constant", plateau_window=50, plateau_tolerance=1e-6)
    model, batches = tiny.problem()
    long = train(model, batches[:1], tiny.loss, settings, progress=False)
    assert long.stopped == "plateau" and long.epochs_run < 3000
    assert long.converged, long.convergence_reason
    # judged on its own by the 10 % rule as well, not only because the plateau stopped it
    assert diagnose_convergence(long.history["loss"]).converged
    assert long.convergence.to_dict()["converged"] is True


def test_target_loss_stops_the_run():
    model, batches = tiny.problem()
    free = train(model, batches, tiny.loss, TrainSettings(epochs=30, lr=3e-2), progress=False)
    target = free.history["loss"][9]
    model, batches = tiny.problem()
    result = train(model, batches, tiny.loss, TrainSettings(epochs=30, lr=3e-2, target_loss=target), progress=False)
    first = next(i for i, value in enumerate(free.history["loss"]) if value <= target)
    assert result.stopped == "target_loss" and result.epochs_run == first + 1
    assert result.converged and "target loss" in result.convergence_reason


@pytest.mark.parametrize(
    "losses, converged, words",
    [
        ([math.exp(-0.1 * i) for i in range(100)], False, "still fell"),
        ([1.0 + math.exp(-i) for i in range(100)], True, "converged"),
        ([1.0, 0.5, 0.4], False, "too few"),
        ([1.0] + [1e-14 * 0.5**i for i in range(50)], True, "below 1e-12"),
    ],
)
def test_convergence_diagnosis_rules(losses, converged, words):
    diagnosis = diagnose_convergence(losses)
    assert diagnosis.converged is converged and words in diagnosis.reason, diagnosis.reason
