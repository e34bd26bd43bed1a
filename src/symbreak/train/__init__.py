"""One training loop for every task: regulariser, progress bar, best weights, checkpoints,
and an honest convergence diagnosis.

Modules: ``_settings`` (:class:`TrainSettings`), ``_result`` (:class:`TrainResult`,
:class:`Convergence`, :func:`diagnose_convergence`), ``_checkpoint`` (atomic writes,
validated checkpoints) and ``_loop`` (:func:`train`).
"""

from ._checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    atomic_torch_save,
    atomic_write_bytes,
    atomic_write_text,
    read_checkpoint,
    remove_stale_temporaries,
)
from ._loop import train
from ._result import NUMERICAL_ZERO, STOP_REASONS, Convergence, TrainResult, diagnose_convergence
from ._settings import MAX_EPOCHS, TrainSettings

__all__ = [
    "TrainSettings",
    "TrainResult",
    "Convergence",
    "train",
    "diagnose_convergence",
    "atomic_torch_save",
    "atomic_write_bytes",
    "atomic_write_text",
    "read_checkpoint",
    "remove_stale_temporaries",
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "MAX_EPOCHS",
    "NUMERICAL_ZERO",
    "STOP_REASONS",
]
