"""One run for every task: build the relaxed model (and its equivariant baseline), train, measure.

A task is data + model recipe + loss + metrics (:class:`Task`); :func:`fit_models` is the
loop that every task shares, and :class:`FittedModel` is what one trained model leaves:
its metrics, its training history and its θ as values (:class:`~symbreak.theta.Theta`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Protocol, Sequence

import torch

from .theta import Theta, theta_report, thetas_of
from .train import TrainResult, TrainSettings, train

__all__ = ["Task", "FittedModel", "fit_models", "convergence_notes", "MODEL_LABELS"]

MODEL_LABELS = {True: "relaxed", False: "equivariant"}


class Task(Protocol):
    """What :func:`fit_models` needs from a task."""

    batches: Sequence[Any]

    def build_model(self, relaxed: bool) -> torch.nn.Module:
        """The relaxed model, or its equivariant baseline of the same architecture (seeded)."""

    def loss(self, model: torch.nn.Module, batch: Any) -> torch.Tensor:
        """Scalar training loss of one batch."""

    def evaluate(self, model: torch.nn.Module) -> dict[str, Any]:
        """Metrics of a trained model (JSON-able values)."""


@dataclasses.dataclass
class FittedModel:
    """One trained model of a task.

    Attributes
    ----------
    label : {"relaxed", "equivariant"}
    model : torch.nn.Module
        The trained network, holding its best weights.
    training : TrainResult
        History, best epoch, time, convergence.
    metrics : dict
        What the task measured on the trained model (:meth:`Task.evaluate`).
    thetas : list of Theta
        θ of every relaxed layer, first to last (empty for the equivariant baseline).
    settings : TrainSettings
        How it was trained.
    """

    label: str
    model: torch.nn.Module = dataclasses.field(repr=False)
    training: TrainResult = dataclasses.field(repr=False)
    metrics: dict[str, Any]
    thetas: list[Theta]
    settings: TrainSettings

    @property
    def history(self) -> list[float]:
        """Data loss per epoch."""
        return self.training.history["data_loss"]

    def to_dict(self) -> dict[str, Any]:
        """JSON entry: the metrics, ``best_epoch``, ``seconds``, ``history`` and (relaxed) ``theta``."""
        entry = {**self.metrics, "best_epoch": self.training.best_epoch, "seconds": self.training.seconds,
                 "history": self.history, "epochs_run": self.training.epochs_run,
                 "stopped": self.training.stopped, "convergence": self.training.convergence.to_dict(),
                 "train_settings": dataclasses.asdict(self.settings)}
        if self.thetas:
            entry["theta"] = theta_report(self.thetas)
        return entry


def fit_models(
    task: Task,
    settings: TrainSettings,
    *,
    baseline: bool = True,
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
) -> dict[str, FittedModel]:
    """Train the task's relaxed model and (``baseline``) its equivariant baseline.

    Checkpoints go to ``checkpoint_dir/relaxed.pt`` and ``equivariant.pt``.

    Returns
    -------
    dict
        ``"relaxed"`` (and ``"equivariant"``) → :class:`FittedModel`.
    """
    fitted = {}
    for relaxed in (True, False) if baseline else (True,):
        label = MODEL_LABELS[relaxed]
        model = task.build_model(relaxed)
        result = train(
            model,
            list(task.batches),
            task.loss,
            settings,
            checkpoint=None if checkpoint_dir is None else Path(checkpoint_dir) / f"{label}.pt",
            resume=resume,
            description=f"{label:>11}",
            progress=progress,
        )
        fitted[label] = FittedModel(label, model, result, task.evaluate(model), thetas_of(model), settings)
    return fitted


def convergence_notes(models: dict[str, FittedModel]) -> list[str]:
    """One line per model whose training did not converge, with the reason and what to do."""
    return [f"{label} training has NOT converged: {fitted.training.convergence.reason}"
            for label, fitted in models.items() if not fitted.training.converged]
