"""One training loop for every task: regulariser, progress bar, best weights, checkpoints."""

from __future__ import annotations

import dataclasses
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .nn.regularization import PENALTIES, relaxed_weight_penalty
from .nn.breaking_parameter import BreakingParameter
from .optim import IrrepsAdam

__all__ = ["TrainSettings", "TrainResult", "train", "atomic_torch_save"]

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "constant")


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """Settings of one training run.

    Attributes
    ----------
    epochs : int
        Passes over the batches; one optimiser step per batch.
    lr : float
        Learning rate (the peak one with the cosine schedule).
    optimizer : {"adam", "sgd"}
    schedule : {"cosine", "constant"}
        Cosine decay over all steps down to ``lr * 1e-3``, or constant.
    penalty : {"norm", "squared", "l1"}
        Regulariser of the symmetry-breaking blocks of every
        :class:`~symbreak.nn.BreakingParameter` (θ, learnable inputs), see
        :func:`~symbreak.nn.relaxed_weight_penalty`. ``"norm"`` and ``"l1"`` are
        applied by the proximal step of :class:`~symbreak.optim.IrrepsAdam`.
    penalty_weight : float
        λ in ``loss = data_loss + λ * penalty``.
    seed : int
        Seeds the initial weights (when the caller builds the model inside
        :func:`torch.random.fork_rng`) and the batch order. Nothing is seeded globally.
    checkpoint_every : int
        Save a checkpoint every this many epochs (0: only at the end, if a path is given).
    alternate : bool
        Step the ordinary weights and the breaking parameters on alternate steps
        (the schedule of Smidt et al. 2021) instead of together.
    plateau_window : int
        Stop early when the best loss of the last ``plateau_window`` epochs is not
        ``plateau_tolerance`` (relative) below the best before them (0: never).
    plateau_tolerance : float
    """

    epochs: int = 1000
    lr: float = 1e-2
    optimizer: str = "adam"
    schedule: str = "cosine"
    penalty: str = "norm"
    penalty_weight: float = 0.0
    seed: int = 0
    checkpoint_every: int = 0
    alternate: bool = False
    plateau_window: int = 0
    plateau_tolerance: float = 1e-2

    def __post_init__(self) -> None:
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {self.epochs!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {', '.join(PENALTIES)}, got {self.penalty!r}")
        if not (math.isfinite(self.penalty_weight) and self.penalty_weight >= 0):
            raise ValueError(f"penalty_weight must be >= 0, got {self.penalty_weight!r}")
        if self.checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must be >= 0, got {self.checkpoint_every!r}")
        if self.plateau_window < 0 or not 0 <= self.plateau_tolerance < 1:
            raise ValueError("plateau_window must be >= 0 and plateau_tolerance in [0, 1)")

    @classmethod
    def from_task(cls, task_settings: Any, **overrides: Any) -> "TrainSettings":
        """Training settings from a task's settings dataclass: every field of this class
        that the task settings also have (same name), then ``overrides``."""
        shared = {
            field.name: getattr(task_settings, field.name)
            for field in dataclasses.fields(cls)
            if hasattr(task_settings, field.name)
        }
        return cls(**{**shared, **overrides})

    def learning_rate(self, step: int, total_steps: int) -> float:
        r"""Learning rate of optimiser step ``step`` (0-based) of ``total_steps``.

        Cosine: :math:`\eta_{min} + (\eta - \eta_{min})(1 + \cos(\pi t / T)) / 2` with
        :math:`\eta_{min} = 10^{-3}\eta`.
        """
        if self.schedule == "constant":
            return self.lr
        minimum = 1e-3 * self.lr
        return minimum + (self.lr - minimum) * 0.5 * (1 + math.cos(math.pi * step / total_steps))

    def plateaued(self, losses: Sequence[float]) -> bool:
        """Whether ``losses`` (one per epoch) stopped improving (see ``plateau_window``)."""
        window = self.plateau_window
        if window == 0 or len(losses) < 2 * window:
            return False
        return min(losses[-window:]) > min(losses[:-window]) * (1 - self.plateau_tolerance)


@dataclasses.dataclass
class TrainResult:
    """What a run produced.

    Attributes
    ----------
    history : dict of str to list of float
        Per epoch: ``"loss"`` (data + penalty), ``"data_loss"``, ``"penalty"``.
    best_loss : float
        Lowest total loss of an epoch.
    best_epoch : int
    best_state : dict
        A copy (not a reference) of the weights that gave ``best_loss``; they are
        also loaded into the model when training ends.
    seconds : float
        Wall time of the epochs run in this call (a resumed run counts only its part).
    epochs_run : int
        Epochs trained in total (fewer than ``settings.epochs`` after a plateau stop).
    """

    history: dict[str, list[float]]
    best_loss: float
    best_epoch: int
    best_state: dict[str, torch.Tensor]
    seconds: float
    epochs_run: int


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def atomic_torch_save(obj: Any, path: str | Path) -> None:
    """``torch.save`` to a temporary file then rename: a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(obj, temporary)
    os.replace(temporary, path)


def train(
    model: torch.nn.Module,
    batches: Sequence[Any],
    loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor],
    settings: TrainSettings,
    *,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    description: str = "training",
    progress: bool = True,
    on_epoch: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``batches``, one optimiser step per batch, and keep its best weights.

    Parameters
    ----------
    model : torch.nn.Module
        Its :class:`~symbreak.nn.BreakingParameter` s (θ, learnable inputs) are
        regularised and stepped by :class:`~symbreak.optim.IrrepsAdam`.
    batches : sequence
        Anything ``loss_fn`` understands; shuffled every epoch (seeded) if more than one.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar data loss``.
    settings : TrainSettings
    checkpoint : path, optional
        Where to save checkpoints (atomically).
    resume : bool
        Continue from ``checkpoint`` if it exists. The run then ends with the same
        weights as an uninterrupted one (same settings, deterministic kernels).
    description : str
        Label of the progress bar.
    progress : bool
        Show a rich progress bar.
    on_epoch : callable, optional
        Called with the epoch index after every epoch (e.g. to record snapshots).
    """
    if len(batches) == 0:
        raise ValueError("no training batches")
    optimizers = _optimizers(model, settings)
    total_steps = settings.epochs * len(batches)
    # Group lasso and L1 are applied by IrrepsAdam's proximal step, not by their gradient.
    penalty_in_loss = 0.0 if settings.penalty in ("norm", "l1") else settings.penalty_weight
    alternate = settings.alternate and len(optimizers) > 1
    generator = torch.Generator().manual_seed(settings.seed)

    history: dict[str, list[float]] = {"loss": [], "data_loss": [], "penalty": []}
    best_loss, best_epoch, best_state = math.inf, -1, _copy_state(model)
    start_epoch, finished = 0, False
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = _load_checkpoint(checkpoint, settings)
        model.load_state_dict(state["model"])
        for optimizer, saved in zip(optimizers, state["optimizers"]):
            optimizer.load_state_dict(saved)
        generator.set_state(state["generator"])
        history = state["history"]
        best_loss, best_epoch, best_state = state["best_loss"], state["best_epoch"], state["best_state"]
        start_epoch = state["epoch"] + 1
        finished = state["finished"]

    def save(epoch: int, finished: bool = False) -> None:
        atomic_torch_save(
            {
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizers": [o.state_dict() for o in optimizers],
                "generator": generator.get_state(),
                "history": history,
                "best_loss": best_loss,
                "best_epoch": best_epoch,
                "best_state": best_state,
                "settings": dataclasses.asdict(settings),
                "finished": finished,
            },
            checkpoint,
        )

    started = time.perf_counter()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        disable=not progress,
    )
    with bar:
        task = bar.add_task(description, total=settings.epochs, completed=start_epoch, loss="-")
        epoch = start_epoch - 1
        single_batch = len(batches) == 1
        for epoch in range(start_epoch, settings.epochs if not finished else start_epoch):
            order = torch.randperm(len(batches), generator=generator) if len(batches) > 1 else [0]
            data_total, penalty_total = 0.0, 0.0
            for step, index in enumerate(order):
                data_loss = loss_fn(model, batches[int(index)])
                penalty = relaxed_weight_penalty(model, settings.penalty).to(data_loss)
                loss = data_loss + penalty_in_loss * penalty
                if not torch.isfinite(loss):
                    raise FloatingPointError(
                        f"{description}: the loss became {loss.item()} at epoch {epoch}; "
                        "lower the learning rate or check the data"
                    )
                if single_batch and data_loss.item() + settings.penalty_weight * penalty.item() < best_loss:
                    # The loss of a one-batch epoch belongs to the weights before its step.
                    improved_state = _copy_state(model)
                for optimizer in optimizers:
                    optimizer.zero_grad(set_to_none=True)
                loss.backward()
                global_step = epoch * len(batches) + step
                for which, optimizer in enumerate(optimizers):
                    for group in optimizer.param_groups:
                        group["lr"] = settings.learning_rate(global_step, total_steps)
                    if not alternate or which == global_step % len(optimizers):
                        optimizer.step()
                data_total += data_loss.item()
                penalty_total += penalty.item()
            data_mean = data_total / len(batches)
            penalty_mean = penalty_total / len(batches)
            total = data_mean + settings.penalty_weight * penalty_mean
            history["loss"].append(total)
            history["data_loss"].append(data_mean)
            history["penalty"].append(penalty_mean)
            if total < best_loss:
                best_loss, best_epoch = total, epoch
                best_state = improved_state if single_batch else _copy_state(model)
            bar.update(task, advance=1, loss=f"{total:.3e}")
            if on_epoch is not None:
                on_epoch(epoch)
            if settings.plateaued(history["loss"]):
                bar.update(task, completed=settings.epochs, description=f"{description} (plateau)")
                break
            if checkpoint is not None and settings.checkpoint_every and (epoch + 1) % settings.checkpoint_every == 0:
                save(epoch)
    if checkpoint is not None:
        save(epoch, finished=True)
    model.load_state_dict(best_state)
    return TrainResult(
        history, best_loss, best_epoch, best_state, time.perf_counter() - started, len(history["loss"])
    )


def _optimizers(model: torch.nn.Module, settings: TrainSettings) -> list[torch.optim.Optimizer]:
    """Adam/SGD for the ordinary weights, :class:`IrrepsAdam` for every θ and learnable
    input (equivariant steps). Frozen parameters (``requires_grad=False``) are left out."""
    thetas = [m for m in model.modules() if isinstance(m, BreakingParameter) and m.weight.requires_grad]
    theta_ids = {id(m.weight) for m in model.modules() if isinstance(m, BreakingParameter)}
    others = [p for p in model.parameters() if p.requires_grad and id(p) not in theta_ids]
    optimizers: list[torch.optim.Optimizer] = []
    if others:
        kind = torch.optim.Adam if settings.optimizer == "adam" else torch.optim.SGD
        optimizers.append(kind(others, lr=settings.lr))
    if thetas:
        group_lasso = settings.penalty_weight if settings.penalty in ("norm", "l1") else 0.0
        prox = "l1" if settings.penalty == "l1" else "norm"
        optimizers.append(
            IrrepsAdam(thetas, settings.lr, group_lasso=group_lasso, prox=prox, adaptive=settings.optimizer == "adam")
        )
    if not optimizers:
        raise ValueError("the model has no trainable parameters")
    return optimizers


def _load_checkpoint(path: str | Path, settings: TrainSettings) -> dict[str, Any]:
    try:
        state = torch.load(path, weights_only=True)
    except Exception as error:  # any unreadable file: say which, and why
        raise ValueError(f"cannot read checkpoint {path}: {error}") from None
    saved = state.get("settings", {})
    if saved != dataclasses.asdict(settings):
        changed = sorted(k for k in set(saved) | set(dataclasses.asdict(settings))
                         if saved.get(k) != dataclasses.asdict(settings).get(k))
        raise ValueError(
            f"checkpoint {path} was written with other settings ({', '.join(changed)}); "
            "resume with the same settings or start a new run"
        )
    return state
