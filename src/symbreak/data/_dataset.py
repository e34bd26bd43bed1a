"""A dataset of structures: graphs with cached neighbour lists and targets, and seeded splits."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from ._batch import AtomsGraph
from ._neighbours import neighbour_lists
from ._read import describe, read_structures
from ._targets import atom_target, structure_target

__all__ = ["StructureDataset", "split_indices"]


class StructureDataset(torch.utils.data.Dataset):
    """Structures with neighbour lists and targets, as :class:`AtomsGraph` items.

    Parameters
    ----------
    source : sequence of ase.Atoms or path
        See :func:`read_structures` (list, ``.db``, extxyz or any ASE file, folder).
    cutoff : float
        Neighbour cutoff in Å.
    energy_key : str or None
        Per-structure energy (``info``, or the calculator's results as ASE stores them).
        ``None``: no energy.
    forces_key : str or None
        Per-atom forces ``(N, 3)``. ``None``: no forces.
    structure_targets, atom_targets : sequence of str
        Further per-structure targets (stress, any ``info`` key; same shape in every
        structure) and per-atom targets (any ``arrays`` key; shape ``(N, ...)`` with the
        same trailing shape everywhere).
    cache : path, optional
        Neighbour-list cache file (see :func:`neighbour_lists`).
    progress : bool
        Progress bar while neighbour lists are computed.
    write_cache : bool
        False on every process but rank 0 of a distributed run.

    Raises
    ------
    ValueError
        Empty dataset, a missing or non-finite target, shapes that differ between
        structures, or a structure without neighbours within the cutoff; the message
        names the structure (index and formula).
    """

    def __init__(
        self,
        source: Any,
        cutoff: float,
        *,
        energy_key: str | None = "energy",
        forces_key: str | None = "forces",
        structure_targets: Sequence[str] = (),
        atom_targets: Sequence[str] = (),
        cache: str | Path | None = None,
        progress: bool = True,
        write_cache: bool = True,
    ) -> None:
        if not (isinstance(cutoff, (int, float)) and np.isfinite(cutoff) and cutoff > 0):
            raise ValueError(f"cutoff must be a positive number of Å, got {cutoff!r}")
        structures = read_structures(source)
        self.cutoff = float(cutoff)
        self.energy_key, self.forces_key = energy_key, forces_key
        self.structure_targets, self.atom_targets = tuple(structure_targets), tuple(atom_targets)
        shapes: dict[str, tuple[int, tuple[int, ...]]] = {}  # key -> (first structure, shape)
        # targets first: a missing one fails before any neighbour search
        values = [self._targets(index, atoms, shapes) for index, atoms in enumerate(structures)]
        lists = neighbour_lists(structures, self.cutoff, cache, progress=progress, write=write_cache)
        self.graphs = []
        for index, (atoms, (edge_index, shifts), (energy, forces, targets)) in enumerate(
            zip(structures, lists, values)
        ):
            self.graphs.append(AtomsGraph(
                index=index, formula=atoms.get_chemical_formula(),
                numbers=torch.from_numpy(np.asarray(atoms.numbers, dtype=np.int64)),
                positions=torch.from_numpy(np.array(atoms.positions, dtype=np.float64)),
                cell=torch.from_numpy(np.array(atoms.cell.array, dtype=np.float64)),
                edge_index=edge_index, shifts=shifts, energy=energy, forces=forces, targets=targets,
            ))

    def _targets(self, index, atoms, shapes):
        """``(energy, forces, other targets)`` of one structure, checked."""
        energy_key, forces_key = self.energy_key, self.forces_key
        targets = {}
        for key in self.structure_targets:
            targets[key] = self._checked(shapes, key, index, atoms, structure_target(index, atoms, key), False)
        for key in self.atom_targets:
            targets[key] = self._checked(shapes, key, index, atoms, atom_target(index, atoms, key), True)
        energy = forces = None
        if energy_key is not None:
            energy = structure_target(index, atoms, energy_key)
            if energy.size != 1:
                raise ValueError(
                    f"{describe(index, atoms)}: energy {energy_key!r} has shape {energy.shape}, expected one number"
                )
            energy = torch.tensor(float(energy.reshape(())))
        if forces_key is not None:
            forces = self._checked(shapes, forces_key, index, atoms, atom_target(index, atoms, forces_key), True)
            if forces.shape[1:] != (3,):
                raise ValueError(
                    f"{describe(index, atoms)}: forces {forces_key!r} have shape {tuple(forces.shape)}, "
                    f"expected ({len(atoms)}, 3)"
                )
        return energy, forces, targets

    @staticmethod
    def _checked(shapes, key, index, atoms, value: np.ndarray, per_atom: bool) -> torch.Tensor:
        shape = value.shape[1:] if per_atom else value.shape
        first = shapes.setdefault(key, (index, shape))
        if first[1] != shape:
            what = "trailing shape" if per_atom else "shape"
            raise ValueError(
                f"{describe(index, atoms)}: target {key!r} has {what} {shape}, but structure {first[0]} has {first[1]}"
            )
        return torch.from_numpy(value)

    def __len__(self) -> int:
        return len(self.graphs)

    def __getitem__(self, index: int) -> AtomsGraph:
        return self.graphs[index]

    @property
    def species(self) -> list[int]:
        """Sorted atomic numbers present in the dataset."""
        return sorted({int(z) for g in self.graphs for z in g.numbers.tolist()})

    def average_num_neighbors(self, indices: Sequence[int] | None = None) -> float:
        r""":math:`z = \sum_g E_g / \sum_g N_g` over ``indices`` (default all): the fixed
        ``avg_num_neighbors`` of the model (from the training set only)."""
        from ..nn import average_num_neighbors

        chosen = range(len(self)) if indices is None else indices
        return average_num_neighbors([(self.graphs[i].edge_index, self.graphs[i].num_atoms) for i in chosen])

    def summary(self) -> str:
        atoms = sum(g.num_atoms for g in self.graphs)
        edges = sum(g.num_edges for g in self.graphs)
        return (f"{len(self)} structures, {atoms} atoms, {edges} edges within {self.cutoff} Å "
                f"(species {', '.join(map(str, self.species))})")


def split_indices(count: int, validation: float, seed: int, test: float = 0.0) -> tuple[list[int], ...]:
    """Seeded random split of ``range(count)`` into training, validation (and test) indices.

    ``validation`` and ``test`` are fractions; each non-zero part gets at least one
    structure and training keeps at least one.

    Returns
    -------
    (train, validation) or (train, validation, test) : lists of int, each sorted
    """
    for name, fraction in (("validation", validation), ("test", test)):
        if not 0 <= fraction < 1:
            raise ValueError(f"{name} fraction must be in [0, 1), got {fraction!r}")
    sizes = [max(1, round(f * count)) if f > 0 else 0 for f in (validation, test)]
    if count - sum(sizes) < 1:
        raise ValueError(
            f"{count} structures cannot be split into training, validation ({sizes[0]}) and test ({sizes[1]}); "
            "add structures or lower the fractions"
        )
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed)).tolist()
    validation_part = sorted(order[: sizes[0]])
    test_part = sorted(order[sizes[0] : sizes[0] + sizes[1]])
    train_part = sorted(order[sizes[0] + sizes[1] :])
    return (train_part, validation_part, test_part) if test > 0 else (train_part, validation_part)
