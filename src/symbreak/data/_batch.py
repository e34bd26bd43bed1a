"""One structure as a graph, many graphs as one batch, and per-graph pooling.

A batch is the disjoint union of its graphs: node ``k`` of graph ``g`` becomes node
``offset_g + k`` with ``offset_g = Σ_{h<g} N_h``, edges are shifted by the same offsets,
and ``batch[n]`` says which graph node ``n`` belongs to. Per-graph sums are then one
``index_add`` over ``batch`` (plain torch: no torch_scatter).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import torch

__all__ = ["AtomsGraph", "Batch", "collate", "pool"]


@dataclasses.dataclass
class AtomsGraph:
    """One structure with its neighbour list and targets (float64 on the host).

    Attributes
    ----------
    index : int
        Position in the dataset (for error messages and splits).
    formula : str
    numbers : LongTensor ``(N,)``
        Atomic numbers.
    positions : Tensor ``(N, 3)``
        Å.
    cell : Tensor ``(3, 3)``
        Lattice vectors as rows (zeros where not periodic).
    edge_index : LongTensor ``(2, E)``
        ``(source j, target i)``; edge vector ``x_j - x_i + S @ cell``.
    shifts : LongTensor ``(E, 3)``
        Integer image shifts ``S``.
    energy : Tensor ``()``, optional
    forces : Tensor ``(N, 3)``, optional
    targets : dict of str to Tensor
        Other targets: per structure (any shape) or per atom (first axis ``N``).
    """

    index: int
    formula: str
    numbers: torch.Tensor
    positions: torch.Tensor
    cell: torch.Tensor
    edge_index: torch.Tensor
    shifts: torch.Tensor
    energy: torch.Tensor | None = None
    forces: torch.Tensor | None = None
    targets: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)

    @property
    def num_atoms(self) -> int:
        return int(self.numbers.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])


@dataclasses.dataclass
class Batch:
    """Graphs collated into one (see the module docstring); tensors in ``dtype`` on ``device``.

    Attributes
    ----------
    numbers : LongTensor ``(N,)``
    positions : Tensor ``(N, 3)``
    cell : Tensor ``(G, 3, 3)``
    edge_index : LongTensor ``(2, E)``
        Offset into the batch's node numbering.
    shifts : Tensor ``(E, 3)``
        Image shifts, in the floating dtype.
    batch : LongTensor ``(N,)``
        Graph of every node.
    num_atoms : LongTensor ``(G,)``
    energy : Tensor ``(G,)`` or None
    forces : Tensor ``(N, 3)`` or None
    targets : dict of str to Tensor
        Stacked per-structure targets ``(G, ...)``, concatenated per-atom targets ``(N, ...)``.
    indices : list of int
        Dataset indices of the graphs.
    """

    numbers: torch.Tensor
    positions: torch.Tensor
    cell: torch.Tensor
    edge_index: torch.Tensor
    shifts: torch.Tensor
    batch: torch.Tensor
    num_atoms: torch.Tensor
    energy: torch.Tensor | None
    forces: torch.Tensor | None
    targets: dict[str, torch.Tensor]
    indices: list[int]

    @property
    def num_graphs(self) -> int:
        return int(self.num_atoms.shape[0])

    def edge_vectors(self, positions: torch.Tensor | None = None) -> torch.Tensor:
        r"""``x_j - x_i + S L_g`` of every edge, ``(E, 3)``, differentiable in ``positions``
        (default: :attr:`positions`); :math:`L_g` is the cell of the edge's graph."""
        positions = self.positions if positions is None else positions
        source, target = self.edge_index
        cells = self.cell[self.batch[target]]  # (E, 3, 3)
        return positions[source] - positions[target] + torch.einsum("ea,eab->eb", self.shifts, cells)

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> "Batch":
        """A copy on ``device`` with floating tensors in ``dtype``."""

        def move(tensor):
            if tensor is None:
                return None
            if tensor.is_floating_point():
                return tensor.to(device=device, dtype=dtype)
            return tensor.to(device=device)

        return Batch(
            move(self.numbers), move(self.positions), move(self.cell), move(self.edge_index), move(self.shifts),
            move(self.batch), move(self.num_atoms), move(self.energy), move(self.forces),
            {key: move(value) for key, value in self.targets.items()}, list(self.indices),
        )


def _stack_optional(values: list[torch.Tensor | None], name: str, cat: bool) -> torch.Tensor | None:
    present = [v is not None for v in values]
    if not any(present):
        return None
    if not all(present):
        raise ValueError(f"some structures of the batch have {name} and others do not")
    return torch.cat(values) if cat else torch.stack(values)


def collate(graphs: Sequence[AtomsGraph], dtype: torch.dtype = torch.float32) -> Batch:
    """One :class:`Batch` of ``graphs`` (a ``collate_fn`` for :class:`torch.utils.data.DataLoader`).

    Floating tensors are cast to ``dtype``; per-atom targets are concatenated, per-structure
    ones stacked (a target is per-atom when its first axis is the structure's atom count
    in *every* graph it comes from; :class:`StructureDataset` records which).
    """
    if len(graphs) == 0:
        raise ValueError("cannot collate an empty list of structures")
    counts = torch.tensor([g.num_atoms for g in graphs])
    offsets = torch.cumsum(counts, 0) - counts
    edge_index = torch.cat([g.edge_index + offset for g, offset in zip(graphs, offsets.tolist())], dim=1)
    batch = torch.repeat_interleave(torch.arange(len(graphs)), counts)
    targets = {}
    for key in graphs[0].targets:
        values = [g.targets[key] for g in graphs]
        per_atom = all(v.ndim > 0 and v.shape[0] == g.num_atoms for v, g in zip(values, graphs))
        targets[key] = (torch.cat(values) if per_atom else torch.stack(values)).to(dtype)
    energy = _stack_optional([g.energy for g in graphs], "an energy", cat=False)
    forces = _stack_optional([g.forces for g in graphs], "forces", cat=True)
    return Batch(
        numbers=torch.cat([g.numbers for g in graphs]),
        positions=torch.cat([g.positions for g in graphs]).to(dtype),
        cell=torch.stack([g.cell for g in graphs]).to(dtype),
        edge_index=edge_index,
        shifts=torch.cat([g.shifts for g in graphs]).to(dtype),
        batch=batch,
        num_atoms=counts,
        energy=None if energy is None else energy.to(dtype),
        forces=None if forces is None else forces.to(dtype),
        targets=targets,
        indices=[g.index for g in graphs],
    )


def pool(values: torch.Tensor, batch: torch.Tensor, num_graphs: int) -> torch.Tensor:
    r"""Per-graph sums :math:`y_g = \sum_{n:\,\mathrm{batch}[n]=g} x_n`, shape ``(G, ...)``."""
    return values.new_zeros((num_graphs, *values.shape[1:])).index_add_(0, batch, values)
