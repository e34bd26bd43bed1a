"""Settings of one training run, validated when built."""

from __future__ import annotations

import dataclasses
import math
import operator
from typing import Any, Sequence

from ..nn.regularization import PENALTIES

__all__ = ["TrainSettings", "OPTIMIZERS", "SCHEDULES", "MAX_EPOCHS"]

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "constant")
#: Upper bound on ``epochs``: more is a typo (10**9 epochs of even a 1 ms step is 11 days),
#: and the history alone would take gigabytes.
MAX_EPOCHS = 10**7


def _integer(name: str, value: Any, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]``, or a ValueError naming ``name``."""
    if isinstance(value, bool):  # bool is an int subclass; True epochs is a mistake
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        number = operator.index(value)  # int and numpy integers, never floats
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return number


def _real(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """Settings of one training run.

    Attributes
    ----------
    epochs : int
        Passes over the batches; one optimiser step per batch. At most
        :data:`MAX_EPOCHS` (``10**7``).
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
        In ``[0, 1)``.
    target_loss : float or None
        Stop as soon as an epoch's loss (data + penalty) is at or below this value
        (None: never). The run then counts as converged.
    convergence_fraction : float
        Share of the epochs, at the end of the run, that the convergence diagnosis
        looks at (default 0.1: the last 10 %, at least 2 epochs); see
        :func:`~symbreak.train.diagnose_convergence`.
    convergence_tolerance : float
        A run whose best loss still fell by more than this (relative, default
        ``1e-2`` = 1 %) during those last epochs is reported as not converged.
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
    target_loss: float | None = None
    convergence_fraction: float = 0.1
    convergence_tolerance: float = 1e-2

    def __post_init__(self) -> None:
        # Normalise numpy scalars to Python numbers so that settings compare equal
        # (and serialise the same) in checkpoints whatever the caller passed.
        def set_(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        set_("epochs", _integer("epochs", self.epochs, 1, MAX_EPOCHS))
        set_("seed", _integer("seed", self.seed, 0, 2**63 - 1))
        set_("checkpoint_every", _integer("checkpoint_every", self.checkpoint_every, 0))
        set_("plateau_window", _integer("plateau_window", self.plateau_window, 0))
        lr = _real("lr", self.lr)
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive finite number, got {self.lr!r}")
        set_("lr", lr)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {', '.join(PENALTIES)}, got {self.penalty!r}")
        weight = _real("penalty_weight", self.penalty_weight)
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"penalty_weight must be a finite number >= 0, got {self.penalty_weight!r}")
        set_("penalty_weight", weight)
        if not isinstance(self.alternate, bool):
            raise ValueError(f"alternate must be True or False, got {self.alternate!r}")
        tolerance = _real("plateau_tolerance", self.plateau_tolerance)
        if not 0 <= tolerance < 1:
            raise ValueError(f"plateau_tolerance must be in [0, 1), got {self.plateau_tolerance!r}")
        set_("plateau_tolerance", tolerance)
        if self.target_loss is not None:
            target = _real("target_loss", self.target_loss)
            if math.isnan(target):
                raise ValueError("target_loss must be a number or None, got nan")
            set_("target_loss", target)
        fraction = _real("convergence_fraction", self.convergence_fraction)
        if not 0 < fraction <= 0.5:
            raise ValueError(f"convergence_fraction must be in (0, 0.5], got {self.convergence_fraction!r}")
        set_("convergence_fraction", fraction)
        tolerance = _real("convergence_tolerance", self.convergence_tolerance)
        if not 0 <= tolerance < 1:
            raise ValueError(f"convergence_tolerance must be in [0, 1), got {self.convergence_tolerance!r}")
        set_("convergence_tolerance", tolerance)

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

    def reached_target(self, loss: float) -> bool:
        """Whether ``loss`` is at or below ``target_loss`` (never when it is None)."""
        return self.target_loss is not None and loss <= self.target_loss
