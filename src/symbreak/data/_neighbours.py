"""Neighbour lists of a dataset, computed once (vesin) and cached on disk.

Each structure's entry is keyed by a SHA-256 of everything the list depends on: positions,
cell, periodicity, atomic numbers and cutoff (as raw float64/int64 bytes). A structure that
moved, a changed cell or another cutoff gets a new key, so a stale list is never reused;
unchanged structures are read back. The cache is one file per dataset, written atomically
(:mod:`symbreak._atomic`) and read with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .._atomic import atomic_write
from ..periodic import periodic_radius_graph
from ._read import describe

if TYPE_CHECKING:
    import ase

__all__ = ["structure_key", "neighbour_lists", "CACHE_FORMAT"]

#: Format tag of a cache file; bump the version when the stored layout or key changes.
CACHE_FORMAT = "symbreak.data.neighbours.v1"


def structure_key(atoms: "ase.Atoms", cutoff: float) -> str:
    """Hex SHA-256 of positions, cell, pbc, atomic numbers and cutoff (exact bytes)."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    digest.update(np.ascontiguousarray(atoms.positions, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(atoms.cell.array, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(atoms.pbc, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(atoms.numbers, dtype=np.int64).tobytes())
    digest.update(np.float64(cutoff).tobytes())
    return digest.hexdigest()


def _read_cache(path: Path) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Entries of a cache file; an unreadable or foreign file counts as empty (it is rebuilt)."""
    if not path.is_file():
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = torch.load(path, map_location="cpu", weights_only=True)
        if data.get("format") != CACHE_FORMAT:
            return {}
        return {key: (edges, shifts) for key, (edges, shifts) in data["entries"].items()}
    except Exception:  # a cache is disposable: anything wrong with it means recompute
        return {}


def _compute(index: int, atoms: "ase.Atoms", cutoff: float) -> tuple[torch.Tensor, torch.Tensor]:
    if len(atoms) == 0:
        raise ValueError(f"{describe(index, atoms)}: has no atoms")
    try:
        edge_index, shifts = periodic_radius_graph(atoms.positions, atoms.cell.array, atoms.pbc, cutoff)
    except ValueError as error:
        raise ValueError(f"{describe(index, atoms)}: {error}") from None
    if edge_index.shape[1] == 0:
        raise ValueError(
            f"{describe(index, atoms)}: no two atoms are closer than the cutoff {cutoff} Å; "
            "raise --cutoff or remove the structure"
        )
    return edge_index, shifts


def neighbour_lists(
    structures: Sequence["ase.Atoms"],
    cutoff: float,
    cache: str | Path | None = None,
    *,
    progress: bool = True,
    write: bool = True,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(edge_index (2, E), shifts (E, 3))`` of every structure (see
    :func:`~symbreak.periodic.periodic_radius_graph` for the convention), from ``cache``
    where it holds a valid entry, computed with vesin otherwise.

    Parameters
    ----------
    structures : sequence of ase.Atoms
    cutoff : float
        Å; pairs closer than this are neighbours.
    cache : path, optional
        Cache file (created if missing, rewritten atomically when entries were added).
    progress : bool
        Rich progress bar while computing.
    write : bool
        Write the cache (False on every process but rank 0 of a distributed run).

    Raises
    ------
    ValueError
        A structure without atoms, with a singular periodic cell, or in which no pair of
        atoms lies within the cutoff (named by index and formula).
    """
    path = None if cache is None else Path(cache)
    stored = _read_cache(path) if path is not None else {}
    keys = [structure_key(atoms, cutoff) for atoms in structures]
    missing = [i for i, key in enumerate(keys) if key not in stored]
    columns = (TextColumn("neighbour lists"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not (progress and missing)) as bar:
        task = bar.add_task("neighbours", total=len(missing))
        for index in missing:
            stored[keys[index]] = _compute(index, structures[index], cutoff)
            bar.advance(task)
    lists = [stored[key] for key in keys]
    if path is not None and write and missing:
        entries = dict(zip(keys, lists))  # only this dataset's entries: stale ones are dropped
        atomic_write(path, lambda handle: torch.save({"format": CACHE_FORMAT, "entries": entries}, handle))
    for index, (atoms, (edges, _)) in enumerate(zip(structures, lists)):
        if edges.shape[1] == 0:  # an entry written by another version; never trust an empty list
            raise ValueError(f"{describe(index, atoms)}: no two atoms are closer than the cutoff {cutoff} Å")
    return lists
