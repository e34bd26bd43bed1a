"""The training loop, cut into its parts: optimisers, one step, one epoch, the best-state
tracker, the run state that checkpoints save, the progress bar, and :func:`train` that
strings them together."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..nn.breaking_parameter import BreakingParameter
from ..nn.regularization import relaxed_weight_penalty
from ..optim import IrrepsAdam
from ._checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    atomic_torch_save,
    ensure_writable,
    read_checkpoint,
    remove_stale_temporaries,
)
from ._result import TrainResult, diagnose_convergence
from ._settings import TrainSettings

__all__ = ["train"]

LossFn = Callable[[torch.nn.Module, Any], torch.Tensor]


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


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


@dataclasses.dataclass(frozen=True)
class _Loss:
    """Loss of one set of weights: ``total = data + penalty_weight * penalty``."""

    total: float
    data: float
    penalty: float


class _Stepper:
    """One optimiser step on one batch: loss, gradient, learning rate, step(s)."""

    def __init__(
        self,
        model: torch.nn.Module,
        loss_fn: LossFn,
        settings: TrainSettings,
        optimizers: list[torch.optim.Optimizer],
        total_steps: int,
        description: str,
    ) -> None:
        self.model, self.loss_fn, self.settings = model, loss_fn, settings
        self.optimizers, self.total_steps, self.description = optimizers, total_steps, description
        # Group lasso and L1 are applied by IrrepsAdam's proximal step, not by their gradient.
        self.penalty_in_loss = 0.0 if settings.penalty in ("norm", "l1") else settings.penalty_weight
        self.alternate = settings.alternate and len(optimizers) > 1

    def loss(self, batch: Any, epoch: int) -> tuple[torch.Tensor, _Loss]:
        """The differentiable loss of ``batch`` and its reported value (with the full penalty)."""
        data_loss = self.loss_fn(self.model, batch)
        penalty = relaxed_weight_penalty(self.model, self.settings.penalty).to(data_loss)
        loss = data_loss + self.penalty_in_loss * penalty
        _check_finite(loss.item(), epoch, self.description)
        data, pen = data_loss.item(), penalty.item()
        return loss, _Loss(data + self.settings.penalty_weight * pen, data, pen)

    def step(self, loss: torch.Tensor, global_step: int) -> None:
        """Back-propagate ``loss`` and step the optimisers (one of them when alternating)."""
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss.backward()
        lr = self.settings.learning_rate(global_step, self.total_steps)
        for which, optimizer in enumerate(self.optimizers):
            for group in optimizer.param_groups:
                group["lr"] = lr
            if not self.alternate or which == global_step % len(self.optimizers):
                optimizer.step()


def _check_finite(value: float, epoch: int, description: str) -> None:
    if not math.isfinite(value):
        raise FloatingPointError(
            f"{description}: the loss became {value} at epoch {epoch}; lower the learning rate or check the data"
        )


@torch.no_grad()
def _score(
    model: torch.nn.Module, batches: Sequence[Any], loss_fn: LossFn, settings: TrainSettings,
    epoch: int, description: str,
) -> _Loss:
    """Mean loss over all ``batches`` of the current weights, without gradients.

    Batches in their given order, so the value is reproducible from the weights alone.
    A ``loss_fn`` that differentiates inside (forces) must wrap that part in
    :func:`torch.enable_grad`.
    """
    data = sum(loss_fn(model, batch).item() for batch in batches) / len(batches)
    penalty = relaxed_weight_penalty(model, settings.penalty).item()
    total = data + settings.penalty_weight * penalty
    _check_finite(total, epoch, description)
    return _Loss(total, data, penalty)


class _BestTracker:
    """Lowest loss seen so far, its epoch, and a copy of the weights that gave it.

    The copy is made only when the loss improves, from the model as it is at the time
    of :meth:`offer`: callers offer a loss together with the weights that produced it.
    """

    def __init__(self, loss: float = math.inf, epoch: int = -1, state: dict[str, torch.Tensor] | None = None):
        self.loss, self.epoch, self.state = loss, epoch, state

    def offer(self, loss: float, epoch: int, model: torch.nn.Module) -> None:
        if loss < self.loss:
            self.loss, self.epoch, self.state = loss, epoch, _copy_state(model)


def _run_epoch(
    epoch: int,
    stepper: _Stepper,
    batches: Sequence[Any],
    generator: torch.Generator,
    best: _BestTracker,
) -> _Loss:
    """One pass over the batches (one step each) and the epoch's loss, offered to ``best``.

    One batch: the loss computed for the step belongs to the weights *before* it, so
    they are offered then (no extra cost). Several batches: the running mean of the
    step losses mixes weights that change within the epoch, so the weights *after* the
    epoch are scored by :func:`_score` (one extra forward pass per batch, no backward:
    roughly a third more time per epoch) and offered.
    """
    if len(batches) == 1:
        loss, value = stepper.loss(batches[0], epoch)
        best.offer(value.total, epoch, stepper.model)
        stepper.step(loss, epoch)
        return value
    order = torch.randperm(len(batches), generator=generator)
    for step, index in enumerate(order.tolist()):
        loss, _ = stepper.loss(batches[index], epoch)
        stepper.step(loss, epoch * len(batches) + step)
    value = _score(stepper.model, batches, stepper.loss_fn, stepper.settings, epoch, stepper.description)
    best.offer(value.total, epoch, stepper.model)
    return value


@dataclasses.dataclass
class _RunState:
    """Everything a checkpoint holds besides the settings: enough to continue bit for bit."""

    model: torch.nn.Module
    optimizers: list[torch.optim.Optimizer]
    generator: torch.Generator
    best: _BestTracker
    history: dict[str, list[float]] = dataclasses.field(
        default_factory=lambda: {"loss": [], "data_loss": [], "penalty": []}
    )
    finished: bool = False
    stopped: str = "epochs"

    @property
    def epochs_done(self) -> int:
        return len(self.history["loss"])

    def record(self, value: _Loss) -> None:
        self.history["loss"].append(value.total)
        self.history["data_loss"].append(value.data)
        self.history["penalty"].append(value.penalty)

    def save(self, path: Path, settings: TrainSettings) -> None:
        atomic_torch_save(self.payload(settings), path)

    def payload(self, settings: TrainSettings) -> dict[str, Any]:
        """What :meth:`save` writes (subclasses add keys; :func:`read_checkpoint` checks these)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "epoch": self.epochs_done - 1,
            "finished": self.finished,
            "stopped": self.stopped,
            "model": self.model.state_dict(),
            "optimizers": [o.state_dict() for o in self.optimizers],
            "generator": self.generator.get_state(),
            "history": self.history,
            "best_loss": float(self.best.loss),
            "best_epoch": self.best.epoch,
            "best_state": self.best.state if self.best.state is not None else {},
            "settings": dataclasses.asdict(settings),
        }

    def load(self, path: Path, settings: TrainSettings) -> None:
        """Continue from the checkpoint at ``path``; ValueError if it belongs to another run."""
        state = read_checkpoint(path)
        _check_same_settings(path, state["settings"], settings)
        _check_same_model(path, state["model"], self.model)
        if len(state["optimizers"]) != len(self.optimizers):
            raise ValueError(
                f"checkpoint {path} has {len(state['optimizers'])} optimisers, this model needs "
                f"{len(self.optimizers)} (frozen or unfrozen parameters differ); start a new run"
            )
        try:
            self.model.load_state_dict(state["model"])
            for optimizer, saved in zip(self.optimizers, state["optimizers"]):
                optimizer.load_state_dict(saved)
            self.generator.set_state(state["generator"])
        except (RuntimeError, ValueError, KeyError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(f"checkpoint {path} does not fit this model or its optimisers: {first}") from None
        self.history = {key: list(values) for key, values in state["history"].items()}
        best_state = state["best_state"] or None
        self.best = _BestTracker(state["best_loss"], state["best_epoch"], best_state)
        self.finished, self.stopped = state["finished"], state["stopped"]


def _check_same_settings(path: Path, saved: dict[str, Any], settings: TrainSettings) -> None:
    current = dataclasses.asdict(settings)
    if saved != current:
        changed = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
        raise ValueError(
            f"checkpoint {path} was written with other settings ({', '.join(changed)}); "
            "resume with the same settings or start a new run"
        )


def _check_same_model(path: Path, saved: dict[str, torch.Tensor], model: torch.nn.Module) -> None:
    expected = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    found = {name: tuple(value.shape) for name, value in saved.items()}
    if expected != found:
        differ = sorted(k for k in set(expected) | set(found) if expected.get(k) != found.get(k))
        shown = ", ".join(differ[:5]) + (" ..." if len(differ) > 5 else "")
        raise ValueError(f"checkpoint {path} was written for another model (weights differ: {shown})")


def _progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        disable=not enabled,
    )


def train(
    model: torch.nn.Module,
    batches: Sequence[Any],
    loss_fn: LossFn,
    settings: TrainSettings,
    *,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    description: str = "training",
    progress: bool = True,
    on_epoch: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``batches``, one optimiser step per batch, and keep its best weights.

    The best weights are exactly those that gave the best loss: with one batch, the
    weights before each step (scored by that step's own forward pass); with several,
    the weights after each epoch, scored by a no-grad pass over all batches (about a
    third more time per epoch). Training stops after ``settings.epochs``, on a plateau
    (``plateau_window``) or at ``target_loss``; the result says why and whether the
    loss history looks converged (:func:`~symbreak.train.diagnose_convergence`).

    Parameters
    ----------
    model : torch.nn.Module
        Its :class:`~symbreak.nn.BreakingParameter` s (θ, learnable inputs) are
        regularised and stepped by :class:`~symbreak.optim.IrrepsAdam`.
    batches : sequence
        Anything ``loss_fn`` understands; shuffled every epoch (seeded) if more than one.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar data loss``. With several batches it is also
        called under :func:`torch.no_grad` to score an epoch.
    settings : TrainSettings
    checkpoint : path, optional
        Where to save checkpoints (atomically, see :mod:`symbreak.train`). An unwritable
        location is refused with a ValueError before training starts.
    resume : bool
        Continue from ``checkpoint`` if it exists. The run then ends with the same
        weights as an uninterrupted one (same settings, deterministic kernels). A file
        that is not a checkpoint of this run (corrupted, foreign, other settings or
        model) is refused with a ValueError.
    description : str
        Label of the progress bar and of error messages.
    progress : bool
        Show a rich progress bar.
    on_epoch : callable, optional
        Called with the epoch index after every epoch (e.g. to record snapshots).
    """
    if len(batches) == 0:
        raise ValueError("no training batches: expected a sequence of at least one batch")
    path = None if checkpoint is None else Path(checkpoint)
    if path is not None:
        ensure_writable(path)
        remove_stale_temporaries(path)  # left by a run killed while saving
    optimizers = _optimizers(model, settings)
    run = _RunState(model, optimizers, torch.Generator().manual_seed(settings.seed), _BestTracker())
    if resume and path is not None and path.exists():
        run.load(path, settings)
    stepper = _Stepper(model, loss_fn, settings, optimizers, settings.epochs * len(batches), description)

    started = time.perf_counter()
    with _progress_bar(progress) as bar:
        task = bar.add_task(description, total=settings.epochs, completed=run.epochs_done, loss="-")
        for epoch in range(run.epochs_done, settings.epochs if not run.finished else run.epochs_done):
            value = _run_epoch(epoch, stepper, batches, run.generator, run.best)
            run.record(value)
            bar.update(task, advance=1, loss=f"{value.total:.3e}")
            if on_epoch is not None:
                on_epoch(epoch)
            if settings.reached_target(value.total):
                run.stopped = "target_loss"
            elif settings.plateaued(run.history["loss"]):
                run.stopped = "plateau"
            if run.stopped != "epochs":
                bar.update(task, completed=settings.epochs, description=f"{description} ({run.stopped})")
                break
            if path is not None and settings.checkpoint_every and (epoch + 1) % settings.checkpoint_every == 0:
                run.save(path, settings)
    run.finished = True
    if path is not None:
        run.save(path, settings)
    model.load_state_dict(run.best.state)
    convergence = diagnose_convergence(
        run.history["loss"],
        fraction=settings.convergence_fraction,
        tolerance=settings.convergence_tolerance,
        stopped=run.stopped,
    )
    return TrainResult(
        run.history, run.best.loss, run.best.epoch, run.best.state, time.perf_counter() - started,
        run.epochs_done, run.stopped, convergence,
    )
