"""Training on a dataset: mini-batches drawn by a ``DistributedSampler``, data-parallel
processes (``DistributedDataParallel``), a validation pass per epoch, early stopping,
checkpoints, and metrics per epoch in CSV (and TensorBoard when installed).

It reuses the pieces of :func:`~symbreak.train.train` (optimisers with IrrepsAdam for θ,
one step, best-weights tracker, checkpoint layout and validation, convergence diagnosis).

**Same result on any number of processes.** A global batch of ``B`` structures is split
into ``W`` equal shares, one per process. DDP *averages* gradients over processes, so each
process's loss is its share of the global-batch mean, :math:`(W/B)\\sum_{s\\in r} \\ell_s`;
the averaged gradient is then exactly that of :math:`(1/B)\\sum_s \\ell_s`, and every
optimiser (IrrepsAdam's block moments and proximal step included) sees the same gradient
on every process. ``DistributedSampler`` permutes the training set with ``seed + epoch``
independently of ``W``; with ``drop_last`` the global batches are the same sets of
structures for every ``W`` that divides ``B``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import time
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import torch
from torch.utils.data import DataLoader, DistributedSampler, Subset

from .._atomic import atomic_write_text
from ..nn.regularization import relaxed_weight_penalty
from ._checkpoint import ensure_writable, read_checkpoint, remove_stale_temporaries
from ._distributed import World, all_sum
from ._loop import _BestTracker, _Loss, _optimizers, _progress_bar, _RunState, _Stepper
from ._result import TrainResult, diagnose_convergence
from ._settings import TrainSettings

__all__ = ["Objective", "DatasetTrainResult", "train_on_dataset"]


class Objective(Protocol):
    """What :func:`train_on_dataset` needs to know about the loss."""

    #: Keys of :meth:`error_sums`, in a fixed order (summed over processes as one tensor).
    names: tuple[str, ...]

    def per_graph_loss(self, model: torch.nn.Module, batch: Any) -> torch.Tensor:
        """Loss of every structure of ``batch``, shape ``(G,)`` (differentiable)."""

    def error_sums(self, model: torch.nn.Module, batch: Any) -> dict[str, torch.Tensor]:
        """Additive error statistics of ``batch`` (sums and counts, scalar tensors), including ``"loss"``
        (the sum of :meth:`per_graph_loss`) and ``"graphs"``."""

    def errors(self, sums: dict[str, float]) -> dict[str, float]:
        """Metrics (``"loss"`` = mean loss per structure, MAEs, RMSEs) from summed statistics."""


@dataclasses.dataclass
class DatasetTrainResult(TrainResult):
    """A :class:`TrainResult` plus ``validation``: the validation metrics per epoch
    (``"loss"``, the objective's errors, and ``"seconds"`` since the start) and
    ``steps_per_epoch``. ``history["loss"]`` is the mean global-batch training loss over the
    epoch's steps (weights change within the epoch); best weights and early stopping follow
    the validation loss."""

    validation: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    steps_per_epoch: int = 1
    world_size: int = 1


class _DatasetRunState(_RunState):
    """Run state plus the validation history, saved in the same checkpoint."""

    validation: dict[str, list[float]]

    def payload(self, settings: TrainSettings) -> dict[str, Any]:
        return {**super().payload(settings), "validation": self.validation}

    def load(self, path: Path, settings: TrainSettings) -> None:
        super().load(path, settings)
        validation = read_checkpoint(path).get("validation")
        if not isinstance(validation, dict):
            raise ValueError(f"checkpoint {path} was not written by a dataset run (no validation history)")
        self.validation = {key: list(values) for key, values in validation.items()}


def _evaluate(objective: Objective, model: torch.nn.Module, loader: DataLoader, world: World,
              prepare: Callable[[Any], Any]) -> dict[str, float]:
    """The objective's errors over ``loader`` (this process's share), summed over all processes."""
    was_training = model.training
    model.eval()
    # fixed names: a process with no validation structures still takes part in the sum
    totals = torch.zeros(len(objective.names), dtype=torch.float64)
    with torch.enable_grad():  # forces are derivatives, also in evaluation
        for batch in loader:
            sums = objective.error_sums(model, prepare(batch))
            totals += torch.stack([sums[name].detach().double().cpu() for name in objective.names])
    model.train(was_training)
    return objective.errors(dict(zip(objective.names, all_sum(totals, world).cpu().tolist())))


def _write_csv(path: Path, history: dict[str, list[float]], validation: dict[str, list[float]],
               lrs: list[float]) -> None:
    columns = ["epoch", "lr", "train_loss", "train_data_loss", "penalty"] + [f"val_{k}" for k in sorted(validation)]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    for epoch in range(len(history["loss"])):
        row = [epoch, lrs[epoch], history["loss"][epoch], history["data_loss"][epoch], history["penalty"][epoch]]
        row += [validation[k][epoch] for k in sorted(validation)]
        writer.writerow([f"{v:.8g}" if isinstance(v, float) else v for v in row])
    atomic_write_text(text.getvalue(), path)


def _tensorboard(folder: Path | None):
    """A SummaryWriter in ``folder``, or None when TensorBoard is not installed (it is optional)."""
    if folder is None:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder))


def train_on_dataset(
    model: torch.nn.Module,
    train_set: torch.utils.data.Dataset,
    validation_set: torch.utils.data.Dataset | None,
    objective: Objective,
    settings: TrainSettings,
    *,
    batch_size: int,
    collate_fn: Callable[[list], Any],
    prepare: Callable[[Any], Any] = lambda batch: batch,
    world: World = World(),
    checkpoint: str | Path | None = None,
    resume: bool = False,
    csv_path: str | Path | None = None,
    tensorboard_dir: str | Path | None = None,
    description: str = "training",
    progress: bool = True,
) -> DatasetTrainResult:
    """Train ``model`` on mini-batches of ``train_set``; keep the weights of the best validation loss.

    Parameters
    ----------
    model : torch.nn.Module
        Not wrapped; it is wrapped in ``DistributedDataParallel`` here when ``world`` has
        several processes (built identically on every process, e.g. from the same seed).
    train_set, validation_set : Dataset
        ``validation_set`` may be None or empty: best weights and early stopping then follow
        the training loss.
    objective : Objective
    settings : TrainSettings
        Epochs, learning rate and schedule (per optimiser step), optimiser, θ penalty, seed
        (of the sampler), ``plateau_window`` (early stopping: epochs without a
        ``plateau_tolerance`` improvement of the validation loss), ``checkpoint_every``.
    batch_size : int
        Global batch: structures per optimiser step over all processes; a multiple of
        ``world.size`` and at most the training set's size. Incomplete batches are dropped
        (the sampler reshuffles every epoch, so every structure is still used).
    collate_fn : callable
        List of items → batch (e.g. :func:`symbreak.data.collate`).
    prepare : callable
        Batch → batch on the model's device and dtype.
    world : World
        From :func:`~symbreak.train.current_world`.
    checkpoint, resume, description, progress
        As :func:`~symbreak.train.train`; only rank 0 writes.
    csv_path, tensorboard_dir : path, optional
        Metrics per epoch (rank 0).
    """
    size = len(train_set)
    if size == 0:
        raise ValueError("the training set is empty")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch size must be an integer >= 1, got {batch_size!r}")
    if batch_size % world.size:
        raise ValueError(f"batch size {batch_size} is not a multiple of the {world.size} processes")
    if batch_size > size:
        raise ValueError(f"batch size {batch_size} exceeds the {size} training structures; lower --batch-size")
    path = None if checkpoint is None else Path(checkpoint)
    if path is not None and world.main:
        ensure_writable(path)
        remove_stale_temporaries(path)
    share = batch_size // world.size
    sampler = DistributedSampler(train_set, num_replicas=world.size, rank=world.rank, shuffle=True,
                                 seed=settings.seed, drop_last=True)
    loader = DataLoader(train_set, batch_size=share, sampler=sampler, collate_fn=collate_fn, drop_last=True)
    steps_per_epoch = len(loader)
    validation_loader = None
    if validation_set is not None and len(validation_set) > 0:
        mine = list(range(world.rank, len(validation_set), world.size))
        validation_loader = DataLoader(Subset(validation_set, mine), batch_size=max(share, 1), collate_fn=collate_fn)

    optimizers = _optimizers(model, settings)
    run = _DatasetRunState(model, optimizers, torch.Generator().manual_seed(settings.seed), _BestTracker())
    run.validation = {}
    if resume and path is not None and path.exists():
        run.load(path, settings)
    wrapped = model
    if world.distributed:
        device_ids = [world.device.index] if world.device.type == "cuda" else None
        wrapped = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    scale = world.size / batch_size  # this process's loss: its share of the global-batch mean

    def share_loss(net: torch.nn.Module, batch: Any) -> torch.Tensor:
        return objective.per_graph_loss(net, prepare(batch)).sum() * scale

    stepper = _Stepper(wrapped, share_loss, settings, optimizers, settings.epochs * steps_per_epoch, description)
    writer = _tensorboard(None if tensorboard_dir is None or not world.main else Path(tensorboard_dir))
    total_steps = settings.epochs * steps_per_epoch
    started = time.perf_counter() - (run.validation.get("seconds") or [0.0])[-1]
    with _progress_bar(progress and world.main) as bar:
        task = bar.add_task(description, total=settings.epochs, completed=run.epochs_done, loss="-")
        for epoch in range(run.epochs_done, settings.epochs if not run.finished else run.epochs_done):
            sampler.set_epoch(epoch)
            shares = torch.zeros(1, dtype=torch.float64)  # sum of this process's step losses (data part)
            for step, batch in enumerate(loader):
                loss, value = stepper.loss(batch, epoch)
                stepper.step(loss, epoch * steps_per_epoch + step)
                shares += value.data
            # summed over processes: W * (sum over steps of the global-batch mean)
            data = all_sum(shares, world).item() / (world.size * steps_per_epoch)
            penalty = relaxed_weight_penalty(model, settings.penalty).item()
            run.record(_Loss(data + settings.penalty_weight * penalty, data, penalty))
            if validation_loader is not None:
                errors = _evaluate(objective, model, validation_loader, world, prepare)
                monitored = errors["loss"]
            else:
                errors, monitored = {}, run.history["loss"][-1]
            for key, value in {**errors, "seconds": time.perf_counter() - started}.items():
                run.validation.setdefault(key, []).append(value)
            if not math.isfinite(monitored):
                raise FloatingPointError(f"{description}: the validation loss became {monitored} at epoch {epoch}")
            run.best.offer(monitored, epoch, model)
            lrs = [settings.learning_rate(e * steps_per_epoch, total_steps) for e in range(run.epochs_done)]
            if world.main:
                if csv_path is not None:
                    _write_csv(Path(csv_path), run.history, run.validation, lrs)
                if writer is not None:
                    writer.add_scalar("train/loss", run.history["loss"][-1], epoch)
                    for key, value in errors.items():
                        writer.add_scalar(f"validation/{key}", value, epoch)
            shown = f"{run.history['loss'][-1]:.3e}" + (f" val {monitored:.3e}" if errors else "")
            bar.update(task, advance=1, loss=shown)
            watched = run.validation.get("loss") or run.history["loss"]
            if settings.reached_target(monitored):
                run.stopped = "target_loss"
            elif settings.plateaued(watched):
                run.stopped = "plateau"
            if run.stopped != "epochs":
                bar.update(task, completed=settings.epochs, description=f"{description} ({run.stopped})")
                break
            every = settings.checkpoint_every
            if path is not None and world.main and every and (epoch + 1) % every == 0:
                run.save(path, settings)
    run.finished = True
    if path is not None and world.main:
        run.save(path, settings)
    if writer is not None:
        writer.close()
    model.load_state_dict(run.best.state)
    watched = run.validation.get("loss") or run.history["loss"]
    convergence = diagnose_convergence(watched, fraction=settings.convergence_fraction,
                                       tolerance=settings.convergence_tolerance, stopped=run.stopped)
    return DatasetTrainResult(
        run.history, run.best.loss, run.best.epoch, run.best.state, time.perf_counter() - started,
        run.epochs_done, run.stopped, convergence, run.validation, steps_per_epoch, world.size,
    )
