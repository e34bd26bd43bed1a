"""Atomic writes: a file is either its old complete self or its new complete self, never half.

A write goes to a temporary file in the destination's folder, is flushed to disk
(``fsync``) and renamed over the destination (``os.replace``, atomic on POSIX and
Windows), then the folder is synced so the rename itself survives a power cut. A
process killed at any instant therefore leaves either the old file or the new one,
plus at worst a temporary ``.<name>.<pid>.<random>.tmp`` that
:func:`remove_stale_temporaries` removes. Used for checkpoints, JSON reports and figures.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO, Callable

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "remove_stale_temporaries", "temporary_name"]

_TEMPORARY_SUFFIX = ".tmp"


def temporary_name(path: Path) -> Path:
    # Hidden, unique per writer (pid + random), and recognisable by remove_stale_temporaries.
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{_TEMPORARY_SUFFIX}")


def _fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable; a no-op where folders cannot be opened (Windows)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def atomic_write(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(handle)`` on a temporary binary file, then move it over ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path)
    # 0o666 minus the umask, like open(): mkstemp's 0o600 would hide reports from the group.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:  # also KeyboardInterrupt: never leave the temporary behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def atomic_write_bytes(data: bytes, path: str | Path) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(text: str, path: str | Path, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, e.g. a JSON report."""
    atomic_write_bytes(text.encode(encoding), path)


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Delete the temporaries that writers of ``path`` killed mid-write left behind.

    Only names of the form ``.<name>.<anything>.tmp`` next to ``path`` are touched.
    Call it only when no other process writes ``path``. Returns what was removed.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    removed = []
    for candidate in path.parent.glob(f".{path.name}.*{_TEMPORARY_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
            removed.append(candidate)
    return removed


