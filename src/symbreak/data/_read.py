"""Structures from where users keep them: a list of ``ase.Atoms``, an ASE database, a file
ASE reads (extxyz, trajectories, ...) or a folder of such files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import ase

__all__ = ["read_structures", "describe"]


def describe(index: int, atoms: "ase.Atoms") -> str:
    """``"structure 17 (Cu3Au)"``: how every error message names a structure."""
    return f"structure {index} ({atoms.get_chemical_formula() or 'no atoms'})"


def read_structures(source: Any) -> list["ase.Atoms"]:
    """Every structure of ``source``, in order.

    Parameters
    ----------
    source : sequence of ase.Atoms, or path
        A list of ``Atoms``; an ASE database (``.db``; the key-value pairs of each row go
        to ``atoms.info``, its stored energy/forces to ``atoms.calc``); a folder (every
        non-hidden file in it, sorted by name, all frames of each); or any file ASE reads
        (all frames).

    Raises
    ------
    ValueError
        A path that does not exist, a file ASE cannot read, an empty result, or a list
        holding something other than ``Atoms``.
    """
    from ase import Atoms

    if isinstance(source, Atoms):
        return [source]
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            structures = [atoms for file in files for atoms in _read_file(file)]
        elif path.is_file():
            structures = _read_database(path) if path.suffix == ".db" else _read_file(path)
        else:
            raise ValueError(f"{path}: no such file or folder")
        where = str(path)
    elif isinstance(source, Sequence):
        structures = list(source)
        for index, item in enumerate(structures):
            if not isinstance(item, Atoms):
                raise ValueError(f"structure {index}: expected an ase.Atoms, got {type(item).__name__}")
        where = "the list"
    else:
        raise ValueError(f"expected a list of ase.Atoms, a file or a folder, got {type(source).__name__}")
    if not structures:
        raise ValueError(f"{where}: the dataset is empty (no structures found)")
    return structures


def _read_file(path: Path) -> list["ase.Atoms"]:
    import ase.io

    try:
        frames = ase.io.read(path, index=":")
    except Exception as error:  # ASE raises many kinds for unreadable files; report them as one
        raise ValueError(f"{path}: cannot read as structures ({type(error).__name__}: {error})") from None
    return list(frames) if isinstance(frames, list) else [frames]


def _read_database(path: Path) -> list["ase.Atoms"]:
    import ase.db

    try:
        rows = list(ase.db.connect(str(path)).select())
    except Exception as error:
        raise ValueError(f"{path}: cannot read as an ASE database ({type(error).__name__}: {error})") from None
    structures = []
    for row in rows:
        atoms = row.toatoms()  # stored energy/forces/stress come back in a SinglePointCalculator
        atoms.info.update(row.key_value_pairs)
        structures.append(atoms)
    return structures
