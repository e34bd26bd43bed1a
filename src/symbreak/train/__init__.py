"""One training loop for every task: regulariser, progress bar, best weights, checkpoints,
and an honest convergence diagnosis.

Modules: ``_settings`` (:class:`TrainSettings`), ``_result`` (:class:`TrainResult`,
:class:`Convergence`, :func:`diagnose_convergence`), ``_checkpoint`` (atomic writes,
validated checkpoints), ``_loop`` (:func:`train`), ``_minibatch`` (:func:`train_on_dataset`: mini-batches,
validation, DistributedDataParallel) and ``_distributed`` (process groups, ``torchrun``, spawn).
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
from ._distributed import World, all_sum, current_world, spawn
from ._loop import train
from ._minibatch import DatasetTrainResult, Objective, train_on_dataset
from ._result import NUMERICAL_ZERO, STOP_REASONS, Convergence, TrainResult, diagnose_convergence
from ._settings import MAX_EPOCHS, TrainSettings

__all__ = [
    "TrainSettings",
    "TrainResult",
    "Convergence",
    "train",
    "train_on_dataset",
    "DatasetTrainResult",
    "Objective",
    "World",
    "all_sum",
    "current_world",
    "spawn",
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
