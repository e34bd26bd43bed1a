"""Targets of one structure, wherever ASE put them.

ASE keeps a value in one of three places: ``atoms.info`` (per structure), ``atoms.arrays``
(per atom), or the results of ``atoms.calc`` (a ``SinglePointCalculator`` when read from
extxyz or a database: energy, forces, stress). A target is looked up in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._read import describe

if TYPE_CHECKING:
    import ase

__all__ = ["structure_target", "atom_target"]


def _places(atoms: "ase.Atoms") -> list[tuple[str, dict]]:
    results = getattr(atoms.calc, "results", None) or {}
    return [("info", atoms.info), ("arrays", atoms.arrays), ("calculator results", results)]


def _lookup(index: int, atoms: "ase.Atoms", key: str, kind: str) -> np.ndarray:
    for _, place in _places(atoms):
        if key in place and place[key] is not None:
            value = place[key]
            break
    else:
        found = "; ".join(f"{name}: {', '.join(sorted(map(str, p))) or 'none'}" for name, p in _places(atoms))
        raise ValueError(f"{describe(index, atoms)}: no {kind} target {key!r} (found {found})")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{describe(index, atoms)}: target {key!r} is not numeric ({value!r:.60})") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{describe(index, atoms)}: target {key!r} holds NaN or inf")
    return array


def structure_target(index: int, atoms: "ase.Atoms", key: str) -> np.ndarray:
    """Per-structure target ``key`` (energy, stress, any ``info`` key) as a float64 array."""
    return _lookup(index, atoms, key, "per-structure")


def atom_target(index: int, atoms: "ase.Atoms", key: str) -> np.ndarray:
    """Per-atom target ``key`` (forces, any ``arrays`` key), shape ``(N, ...)``, float64."""
    array = _lookup(index, atoms, key, "per-atom")
    if array.ndim == 0 or array.shape[0] != len(atoms):
        raise ValueError(
            f"{describe(index, atoms)}: per-atom target {key!r} has shape {array.shape}, "
            f"expected ({len(atoms)}, ...) for its {len(atoms)} atoms"
        )
    return array
