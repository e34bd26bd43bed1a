"""Datasets of structures: reading, targets, cached neighbour lists, batches and splits.

``read_structures`` → ``StructureDataset`` (graphs with vesin neighbour lists cached on disk)
→ ``split_indices`` → ``collate`` into a :class:`Batch` → ``pool`` per graph.
"""

from ._batch import AtomsGraph, Batch, collate, pool
from ._dataset import StructureDataset, split_indices
from ._emt import BUILTIN_DATASETS, builtin_dataset, emt_structures
from ._neighbours import CACHE_FORMAT, neighbour_lists, structure_key
from ._read import describe, read_structures
from ._targets import atom_target, structure_target

__all__ = [
    "AtomsGraph",
    "Batch",
    "BUILTIN_DATASETS",
    "CACHE_FORMAT",
    "StructureDataset",
    "atom_target",
    "builtin_dataset",
    "collate",
    "describe",
    "emt_structures",
    "neighbour_lists",
    "pool",
    "read_structures",
    "split_indices",
    "structure_key",
    "structure_target",
]
