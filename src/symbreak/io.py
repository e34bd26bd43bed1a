"""Reading point sets from files, and writing results without ever leaving half a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write_text
from ._validation import as_points

__all__ = ["load_points", "atomic_write_text", "write_json"]

POINT_FORMATS = (".xyz", ".extxyz", ".npy", ".csv", ".txt")


def load_points(path: str | Path) -> np.ndarray:
    """Points ``(N, 3)`` from ``.xyz``/``.extxyz`` (through ASE), ``.npy``, or ``.csv``/``.txt``.

    A ``.csv``/``.txt`` file has three numbers per row, separated by commas or
    white space; a first row that is not numbers is taken as a header.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xyz", ".extxyz"):
        import ase.io

        try:
            positions = ase.io.read(path).get_positions()
        except Exception as error:  # ASE raises many kinds; report them as one
            raise ValueError(f"{path}: cannot read as {suffix[1:]} ({error})") from None
    elif suffix == ".npy":
        try:
            positions = np.load(path, allow_pickle=False)
        except Exception as error:
            raise ValueError(f"{path}: cannot read as .npy ({error})") from None
    elif suffix in (".csv", ".txt"):
        positions = _read_table(path)
    else:
        raise ValueError(
            f"{path}: unknown point-set format {suffix or '(none)'}; expected one of "
            f"{', '.join(POINT_FORMATS)}"
        )
    positions = np.asarray(positions)
    if positions.ndim == 2 and positions.shape[1] != 3:
        raise ValueError(f"{path}: expected 3 columns (x, y, z), got {positions.shape[1]}")
    return as_points(positions, name=str(path))


def _read_table(path: Path) -> np.ndarray:
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            values = [float(f) for f in fields]
        except ValueError:
            if not rows:  # header
                continue
            raise ValueError(f"{path}, line {number}: not numbers: {line.strip()!r}") from None
        if len(values) != 3:
            raise ValueError(f"{path}, line {number}: expected 3 columns (x, y, z), got {len(values)}")
        rows.append(values)
    if not rows:
        raise ValueError(f"{path}: no points found")
    return np.array(rows)


def write_json(path: str | Path, data: Any) -> None:
    """Atomic, indented JSON."""
    atomic_write_text(json.dumps(data, indent=2) + "\n", path)
