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

__all__ = ["Task", "FittedModel", "fit_models", "convergence_notes", "still_falling", "MODEL_LABELS"]

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
    steps_per_epoch : int
        Optimiser steps per epoch (the number of batches).
    """

    label: str
    model: torch.nn.Module = dataclasses.field(repr=False)
    training: TrainResult = dataclasses.field(repr=False)
    metrics: dict[str, Any]
    thetas: list[Theta]
    settings: TrainSettings
    steps_per_epoch: int = 1

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
        fitted[label] = FittedModel(label, model, result, task.evaluate(model), thetas_of(model), settings,
                                    len(task.batches))
    return fitted


def still_falling(fitted: FittedModel, tolerance: float = 1e-2) -> tuple[bool, str]:
    r"""Whether more training would still lower the loss, judged per unit of learning rate.

    The relative fall of the best loss over the last 10 % of epochs, :math:`\Delta`, is divided by
    the share of the run's learning-rate budget those epochs used, :math:`f = \sum_{\text{last}}
    \eta_t / \sum_t \eta_t`. With a cosine schedule :math:`f` is below 1 %, so a loss that still
    falls by 0.5 % there falls at ~70 % per unit of budget: far from converged, although the raw
    fall looks small. Falling (:math:`\Delta / f >` ``tolerance``) or
    :attr:`~symbreak.train.TrainResult.converged` false counts as still falling.

    Returns
    -------
    (falling, reason) : (bool, str)
    """
    losses = fitted.training.history["loss"]
    epochs = len(losses)
    window = max(2, epochs // 10)
    if epochs < 2 * window:
        return True, f"only {epochs} epochs, too few to judge"
    before, after = min(losses[:-window]), min(losses)
    fall = max(0.0, (before - after) / max(abs(before), 1e-300))
    steps_per_epoch = fitted.steps_per_epoch
    total = fitted.settings.epochs * steps_per_epoch
    rates = [fitted.settings.learning_rate(step, total) for step in range(epochs * steps_per_epoch)]
    share = sum(rates[-window * steps_per_epoch:]) / max(sum(rates), 1e-300)
    rate = fall / max(share, 1e-300)
    reason = (f"its best loss fell by {fall:.2%} over the last {window} of {epochs} epochs, which used "
              f"{share:.1%} of the learning-rate budget ({rate:.0%} per unit of budget; at most "
              f"{tolerance:.0%} counts as converged)")
    return (rate > tolerance or not fitted.training.converged), reason


def convergence_notes(models: dict[str, FittedModel], fits: dict[str, bool]) -> list[str]:
    """What the user should know about training: for every model that does not fit, whether it
    was still learning (train longer) or stuck on a plateau (the model cannot express the target).

    The equivariant baseline on a plateau is expected (Curie's principle) and gets no note.
    """
    notes = []
    for label, fitted in models.items():
        if fits.get(label, True):
            continue
        falling, reason = still_falling(fitted)
        if falling:
            notes.append(f"{label} training has NOT converged: {reason}. Train longer "
                         f"(--epochs {2 * fitted.settings.epochs}) or raise the learning rate.")
        elif label == "relaxed":
            notes.append(f"relaxed training converged ({reason}) without fitting: the network cannot "
                         "express the target with these settings (try a larger lmax_relaxed, more hidden "
                         "irreps, or another learning rate).")
    return notes
