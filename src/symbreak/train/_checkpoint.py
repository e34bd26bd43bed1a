"""Atomic writes and validated checkpoints.

Writes go through :mod:`symbreak._atomic`: a process killed at any instant leaves either
the old checkpoint or the new one, plus at worst a temporary that the next
:func:`~symbreak.train.train` on that checkpoint removes.

A checkpoint is read with ``torch.load(weights_only=True)``: tensors, numbers,
strings and containers only, never arbitrary pickled objects. Its dictionary carries
a format tag and version, and every key is checked before anything is used.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import torch

from .._atomic import atomic_write, atomic_write_bytes, atomic_write_text, remove_stale_temporaries, temporary_name

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "atomic_torch_save",
    "atomic_write_bytes",
    "atomic_write_text",
    "ensure_writable",
    "read_checkpoint",
    "remove_stale_temporaries",
]

#: Value of the ``"format"`` key of every training checkpoint.
CHECKPOINT_FORMAT = "symbreak.train.checkpoint"
#: Version of the layout below; bump it when a key changes meaning.
CHECKPOINT_VERSION = 2
#: Keys of a checkpoint and the Python types their values must have.
CHECKPOINT_KEYS: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "version": int,
    "epoch": int,  # last completed epoch, -1 before the first
    "finished": bool,
    "stopped": str,
    "model": dict,
    "optimizers": list,
    "generator": torch.Tensor,
    "history": dict,
    "best_loss": float,
    "best_epoch": int,
    "best_state": dict,
    "settings": dict,
}
def atomic_torch_save(obj: Any, path: str | Path) -> None:
    """``torch.save`` that leaves either the old file or the complete new one, never half.

    Parameters
    ----------
    obj : any
        What to save.
    path : path
        Destination; its folder is created if needed.
    """
    atomic_write(path, lambda handle: torch.save(obj, handle))


def ensure_writable(path: str | Path) -> None:
    """Raise a ValueError now, before any training, if checkpoints cannot be written to ``path``.

    Creates the folder if needed and writes then deletes a probe file in it.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"checkpoint {path} is a folder; expected the path of a file (e.g. {path / 'run.pt'})")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(
            f"cannot create the checkpoint folder {path.parent}: {error.strerror or error}; "
            "expected a writable folder"
        ) from None
    probe = temporary_name(path)
    try:
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise ValueError(
            f"cannot write checkpoints in {path.parent}: {error.strerror or error}; expected a writable folder"
        ) from None


def _one_line(error: BaseException) -> str:
    """The telling line of an exception, shortened: torch's load errors span dozens of lines
    and open with advice about ``weights_only`` that does not apply here."""
    message = str(error)
    marker = "WeightsUnpickler error:"
    if marker in message:  # the refusal itself, e.g. "Unsupported global: GLOBAL builtins.open"
        message = message.split(marker, 1)[1]
    text = [line.strip() for line in message.strip().splitlines() if line.strip()]
    first = text[0] if text else ""
    if len(first) > 160:
        first = first[:157] + "..."
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load and validate a training checkpoint; refuse anything else with a one-line ValueError.

    The file is never unpickled beyond ``weights_only``: a pickle of arbitrary objects
    is refused by ``torch.load`` before any of its code runs.

    Raises
    ------
    ValueError
        Unreadable, truncated or corrupted file; a file that is not a symbreak training
        checkpoint (format tag); another format version; missing keys or wrong types.
    """
    path = Path(path)
    expected = f"expected a symbreak training checkpoint ({CHECKPOINT_FORMAT} version {CHECKPOINT_VERSION})"
    if not path.is_file():
        raise ValueError(f"checkpoint {path} is not a file; {expected}")
    try:
        with warnings.catch_warnings():  # torch warns about foreign pickle protocols before refusing them
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # any failure of the reader: corrupted, truncated, unsafe, foreign
        raise ValueError(
            f"cannot read checkpoint {path}: corrupted, truncated, or holding more than tensors and "
            f"plain data ({_one_line(error)}); {expected}"
        ) from None
    if not isinstance(state, dict):
        raise ValueError(f"checkpoint {path} holds a {type(state).__name__}, not a dictionary; {expected}")
    if state.get("format") != CHECKPOINT_FORMAT:
        keys = ", ".join(sorted(map(str, state))[:8]) or "none"
        raise ValueError(f"checkpoint {path} has no symbreak format tag (keys: {keys}); {expected}")
    if state.get("version") != CHECKPOINT_VERSION:
        raise ValueError(
            f"checkpoint {path} is format version {state.get('version')!r}; {expected}; start a new run"
        )
    missing = [key for key in CHECKPOINT_KEYS if key not in state]
    if missing:
        raise ValueError(f"checkpoint {path} lacks {', '.join(missing)}; {expected}")
    for key, kind in CHECKPOINT_KEYS.items():
        value = state[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(
                f"checkpoint {path}: {key!r} is a {type(value).__name__}, expected {getattr(kind, '__name__', kind)}"
            )
    for key in ("model", "best_state"):
        if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state[key].items()):
            raise ValueError(f"checkpoint {path}: {key!r} is not a dictionary of named tensors; {expected}")
    history = state["history"]
    if sorted(history) != ["data_loss", "loss", "penalty"] or len({len(v) for v in history.values()}) != 1:
        raise ValueError(f"checkpoint {path}: 'history' lacks loss, data_loss or penalty, or their lengths differ")
    if len(history["loss"]) != state["epoch"] + 1:
        raise ValueError(
            f"checkpoint {path}: 'history' has {len(history['loss'])} epochs but 'epoch' is {state['epoch']}"
        )
    return state
