"""A short deterministic training run that tests/test_resume_faults.py kills and resumes.

Float64, a linear map dotted with a :class:`~symbreak.nn.BreakingParameter` (so that
Adam and IrrepsAdam, with its group-lasso prox, are both checkpointed), four batches,
a checkpoint after every epoch. ``pause`` slows the run in a controlled way: it sleeps
after every epoch and in the middle of writing every checkpoint (half the bytes
written), so that a kill at a random instant often lands inside a save.

Run as a script (``python tests/_train_worker.py FOLDER [PAUSE]``) it does the same in
a fresh interpreter.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import torch

from symbreak.nn import BreakingParameter
from symbreak.train import TrainSettings, atomic_torch_save, read_checkpoint, remove_stale_temporaries, train

SETTINGS = TrainSettings(epochs=60, lr=3e-2, penalty_weight=1e-3, checkpoint_every=1, seed=5)


class Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3, 4)
        self.theta = BreakingParameter("0e + 1o")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) @ self.theta.weight


def problem() -> tuple[torch.nn.Module, list[tuple[torch.Tensor, torch.Tensor]]]:
    """The model (seeded) and four batches of 8 points."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(11)
        model = Model().double()
        x = torch.randn(32, 3, dtype=torch.float64)
        y = torch.sin(x @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
    return model, [(x[i : i + 8], y[i : i + 8]) for i in range(0, 32, 8)]


def loss(model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, y = batch
    return (model(x) - y).pow(2).mean()


def _slow_saves(pause: float) -> None:
    """Make every torch.save write half its bytes, sleep ``pause``, then the rest."""
    original = torch.save

    def save(obj, handle, *args, **kwargs):
        if isinstance(handle, (str, Path)):
            return original(obj, handle, *args, **kwargs)
        buffer = io.BytesIO()
        original(obj, buffer, *args, **kwargs)
        data = buffer.getvalue()
        handle.write(data[: len(data) // 2])
        handle.flush()
        time.sleep(pause)
        handle.write(data[len(data) // 2 :])

    torch.save = save  # this process only: the worker runs in its own (forked) process


def run(folder: str | Path, pause: float = 0.0) -> None:
    """Train (resuming from ``folder/run.pt`` if there) and write ``folder/result.pt``."""
    folder = Path(folder)
    if pause:
        _slow_saves(pause)
    remove_stale_temporaries(folder / "result.pt")
    model, batches = problem()
    result = train(
        model, batches, loss, SETTINGS, checkpoint=folder / "run.pt", resume=True, progress=False,
        on_epoch=(lambda epoch: time.sleep(pause)) if pause else None,
    )
    final = read_checkpoint(folder / "run.pt")["model"]
    atomic_torch_save(
        {"best_state": result.best_state, "history": result.history, "best_loss": result.best_loss,
         "final_state": final}, folder / "result.pt",
    )


if __name__ == "__main__":
    run(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
