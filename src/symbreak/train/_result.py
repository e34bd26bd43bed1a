"""What a run produced, and whether it converged (diagnosed from the loss history)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import torch

__all__ = ["Convergence", "TrainResult", "diagnose_convergence", "STOP_REASONS", "NUMERICAL_ZERO"]

#: Why a run ended: all its epochs, the plateau detector, or ``target_loss``.
STOP_REASONS = ("epochs", "plateau", "target_loss")
#: A loss this small relative to the first epoch's is converged for any purpose: float64
#: round-off of the loss itself is near 1e-16 relative, so "still falling" below it is noise.
NUMERICAL_ZERO = 1e-12


@dataclasses.dataclass(frozen=True)
class Convergence:
    """Convergence diagnosis of one run.

    Attributes
    ----------
    converged : bool
    reason : str
        One sentence, with the numbers and the threshold, fit to print as is.
    recent_decrease : float
        Relative decrease of the best loss during the last ``window`` epochs:
        ``(best before - best in window) / |best before|`` (0 when it did not improve,
        nan when the run was too short to judge).
    window : int
        Epochs looked at (the last ``convergence_fraction`` of the run, at least 2).
    tolerance : float
        Largest ``recent_decrease`` of a converged run.
    """

    converged: bool
    reason: str
    recent_decrease: float
    window: int
    tolerance: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (nan becomes None)."""
        out = dataclasses.asdict(self)
        if math.isnan(out["recent_decrease"]):
            out["recent_decrease"] = None
        return out


def diagnose_convergence(
    losses: Sequence[float],
    *,
    fraction: float = 0.1,
    tolerance: float = 1e-2,
    stopped: str = "epochs",
) -> Convergence:
    """Whether a loss history (one value per epoch) shows a finished optimisation.

    Rules, first that applies:

    1. ``stopped == "target_loss"``: converged (the caller's criterion was met).
    2. Fewer than ``2 * window`` epochs, ``window = max(2, ceil(fraction * len))``:
       not converged, too short to judge.
    3. Best loss at most :data:`NUMERICAL_ZERO` (1e-12) times the first epoch's:
       converged (nothing left to fit in float64).
    4. ``stopped == "plateau"``: converged (the plateau detector's own tolerance).
    5. The best loss of the last ``window`` epochs is more than ``tolerance``
       (relative) below the best before them: **not converged**, still falling.
       Otherwise converged.

    With the cosine schedule the learning rate of the last 10 % of steps is below
    2.5 % of its peak, so rule 5 can pass on a run whose loss would still fall at
    a higher rate; a constant schedule makes the test sharper.

    Parameters
    ----------
    losses : sequence of float
        Total loss per epoch.
    fraction : float
        Share of the epochs at the end that rule 5 looks at (default 0.1).
    tolerance : float
        Threshold of rule 5 (default 1e-2: 1 %).
    stopped : {"epochs", "plateau", "target_loss"}
        Why the run ended.
    """
    if stopped not in STOP_REASONS:
        raise ValueError(f"stopped must be one of {', '.join(STOP_REASONS)}, got {stopped!r}")
    count = len(losses)
    window = max(2, math.ceil(fraction * count))
    if stopped == "target_loss":
        return Convergence(True, f"reached the target loss after {count} epochs", math.nan, window, tolerance)
    if count < 2 * window:
        return Convergence(
            False, f"only {count} epochs: too few to judge convergence (need {2 * window})",
            math.nan, window, tolerance,
        )
    before, recent = min(losses[:-window]), min(losses[-window:])
    if before > 0:
        decrease = max(0.0, (before - recent) / before)
    else:  # a loss that can be negative or zero: compare on an absolute scale
        decrease = 0.0 if recent >= before else math.inf
    if losses[0] > 0 and min(before, recent) <= NUMERICAL_ZERO * losses[0]:
        return Convergence(
            True, f"the loss fell to {min(before, recent):.1e}, below {NUMERICAL_ZERO:.0e} of its initial value",
            decrease, window, tolerance,
        )
    if stopped == "plateau":
        return Convergence(True, f"stopped on a plateau after {count} epochs", decrease, window, tolerance)
    share = f"the last {window} of {count} epochs"
    if decrease > tolerance:
        return Convergence(
            False,
            f"not converged: the best loss still fell by {100 * decrease:.3g} % over {share} "
            f"(at most {100 * tolerance:.3g} % allowed); train longer",
            decrease, window, tolerance,
        )
    return Convergence(
        True,
        f"converged: the best loss fell by {100 * decrease:.3g} % over {share} "
        f"(at most {100 * tolerance:.3g} % allowed)",
        decrease, window, tolerance,
    )


@dataclasses.dataclass
class TrainResult:
    """What a run produced.

    Attributes
    ----------
    history : dict of str to list of float
        Per epoch: ``"loss"`` (data + penalty), ``"data_loss"``, ``"penalty"``. With one
        batch, the values of the weights *before* that epoch's step; with several, of the
        weights *after* the epoch, from a no-grad pass over all batches (see :func:`train`).
    best_loss : float
        Lowest total loss of an epoch: exactly ``min(history["loss"])``.
    best_epoch : int
    best_state : dict
        A copy (not a reference) of the weights that gave ``best_loss``; evaluating the
        loss with them reproduces ``best_loss``. They are also loaded into the model when
        training ends.
    seconds : float
        Wall time of the epochs run in this call (a resumed run counts only its part).
    epochs_run : int
        Epochs trained in total (fewer than ``settings.epochs`` after an early stop).
    stopped : {"epochs", "plateau", "target_loss"}
        Why training ended.
    convergence : Convergence
        Diagnosis of ``history["loss"]``, see :func:`diagnose_convergence`.
    """

    history: dict[str, list[float]]
    best_loss: float
    best_epoch: int
    best_state: dict[str, torch.Tensor]
    seconds: float
    epochs_run: int
    stopped: str = "epochs"
    convergence: Convergence | None = None

    def __post_init__(self) -> None:
        if self.convergence is None:
            self.convergence = diagnose_convergence(self.history["loss"], stopped=self.stopped)

    @property
    def converged(self) -> bool:
        """Whether the loss history shows a finished optimisation (see ``convergence``)."""
        return self.convergence.converged

    @property
    def convergence_reason(self) -> str:
        """One printable sentence saying why the run is (not) converged."""
        return self.convergence.reason
