"""Training one model of a task (relaxed or its equivariant baseline): shared by every task."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, Sequence

import torch

from ..train import TrainResult, TrainSettings, train

__all__ = ["fit_model"]


class _Task(Protocol):
    def build_model(self, relaxed: bool) -> torch.nn.Module: ...

    def loss(self, model: torch.nn.Module, batch: Any = None) -> torch.Tensor: ...


def fit_model(
    problem: _Task,
    relaxed: bool,
    settings: TrainSettings,
    *,
    batches: Sequence[Any] = (None,),
    progress: bool = False,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
) -> tuple[torch.nn.Module, TrainResult]:
    """Build ``problem``'s relaxed (or equivariant) model and train it.

    Checkpoints go to ``checkpoint_dir/relaxed.pt`` or ``equivariant.pt``.
    """
    model = problem.build_model(relaxed)
    label = "relaxed" if relaxed else "equivariant"
    result = train(
        model,
        list(batches),
        problem.loss,
        settings,
        checkpoint=None if checkpoint_dir is None else Path(checkpoint_dir) / f"{label}.pt",
        resume=resume,
        description=f"{label:>11}",
        progress=progress,
    )
    return model, result
