"""Structure → tensor property: a (relaxed) equivariant network read out as the kind's irreps.

The network (:class:`~symbreak.nn.RelaxedNetwork`) runs on the disjoint union of the
structures' periodic graphs (:class:`StructureGraphs`, neighbours by vesin). Every atom outputs
the irreps of the tensor kind (elastic: ``2x0e+2x2e+1x4e``); their mean over a structure's atoms
is the structure's tensor in irreps form, mapped to Cartesian by the kind's orthonormal change of basis
``Q`` (:meth:`symbreak.tensors.TensorKind.change_of_basis`, e3nn's reduced tensor products):

.. math:: T_{s} = \\Big(\\bar y + \\frac{\\sigma}{N_s}\\sum_{i \\in s} f_i\\Big) \\cdot Q ,

with :math:`\\bar y` the ``0e`` part of the training mean (isotropic, so equivariance is kept)
and :math:`\\sigma` the training RMS. The mean over atoms keeps the readout intensive and
invariant under the permutations that a space-group operation induces, so for an equivariant
network :math:`D(g)T_s = T_s` for every operation of the structure's point group (Curie's
principle, which here *is* Neumann's principle). Output irreps up to ``4e`` need ``l = 4``
filters: ``lmax_sh >= 4`` (or two layers whose harmonics couple up to 4).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from e3nn import o3

from .._dtype import default_dtype
from ..nn import RelaxedNetwork, average_num_neighbors
from ..periodic import periodic_edge_vectors, periodic_radius_graph
from ..tensors import tensor_kind

__all__ = ["StructureGraphs", "TensorNetwork"]


class StructureGraphs:
    """Periodic graphs of several structures as one disjoint graph (float64).

    Attributes
    ----------
    node_features : Tensor (N, num_species)
        One-hot species (``num_species x 0e``).
    edge_index : LongTensor (2, E)
        ``(source j, target i)``, offset per structure.
    edge_vec : Tensor (E, 3)
        :math:`x_j - x_i + S L` (Å), see :mod:`symbreak.periodic`.
    batch : LongTensor (N,)
        Structure of every atom.
    num_structures : int
    avg_num_neighbors : float
    """

    def __init__(self, structures: Sequence, species: Sequence[int], cutoff: float) -> None:
        features, edges, vectors, batch = [], [], [], []
        offset = 0
        for n, atoms in enumerate(structures):
            unknown = sorted(set(atoms.numbers.tolist()) - set(species))
            if unknown:
                raise ValueError(f"structure {n} ({atoms.get_chemical_formula()}): species {unknown} "
                                 f"unknown to the model (it knows atomic numbers {list(species)})")
            edge_index, shifts = periodic_radius_graph(atoms.positions, atoms.cell.array, True, cutoff)
            if edge_index.shape[1] == 0:
                raise ValueError(f"structure {n} ({atoms.get_chemical_formula()}): no neighbours within the "
                                 f"cutoff {cutoff:g} Å; increase the cutoff")
            onehot = np.zeros((len(atoms), len(species)))
            onehot[np.arange(len(atoms)), [list(species).index(z) for z in atoms.numbers]] = 1.0
            features.append(torch.as_tensor(onehot))
            vectors.append(periodic_edge_vectors(torch.as_tensor(atoms.positions, dtype=torch.float64),
                                                 torch.as_tensor(atoms.cell.array, dtype=torch.float64),
                                                 edge_index, shifts))
            edges.append(edge_index + offset)
            batch.append(torch.full((len(atoms),), n, dtype=torch.long))
            offset += len(atoms)
        self.node_features = torch.cat(features)
        self.edge_index = torch.cat(edges, dim=1)
        self.edge_vec = torch.cat(vectors)
        self.batch = torch.cat(batch)
        self.num_structures = len(structures)
        self.counts = torch.bincount(self.batch, minlength=self.num_structures).to(torch.float64)
        self.avg_num_neighbors = average_num_neighbors(self.edge_index, offset)


class TensorNetwork(torch.nn.Module):
    """A (relaxed) equivariant network that predicts one tensor of ``kind`` per structure.

    Parameters
    ----------
    kind : str
        Tensor kind (``"elastic"``...).
    species : sequence of int
        Atomic numbers the one-hot input knows.
    lmax_relaxed : int or None
        θ of every layer up to this degree (both parities); ``None``: the equivariant network.
    offset : array (dim,)
        Irreps coefficients added to every prediction; only its ``0e`` entries are used.
    scale : float
        Output scale (the training RMS of the irreps coefficients).
    irreps_hidden, lmax_sh, num_layers, cutoff, num_basis, radial_neurons, avg_num_neighbors :
        See :class:`~symbreak.nn.RelaxedNetwork`.
    """

    def __init__(
        self,
        kind: str,
        species: Sequence[int],
        lmax_relaxed: int | None,
        *,
        offset: np.ndarray,
        scale: float,
        irreps_hidden: str = "8x0e+4x1o+4x2e+2x3o+2x4e",
        lmax_sh: int = 4,
        num_layers: int = 2,
        cutoff: float = 4.5,
        num_basis: int = 8,
        radial_neurons: int = 16,
        avg_num_neighbors: float | None = None,
    ) -> None:
        super().__init__()
        tensor = tensor_kind(kind)
        self.kind, self.species = tensor.name, [int(z) for z in species]
        self.irreps_out = o3.Irreps(tensor.irreps)
        q = tensor.change_of_basis()
        with default_dtype(torch.float64):
            self.network = RelaxedNetwork(
                f"{len(self.species)}x0e", irreps_hidden, self.irreps_out, lmax_sh, lmax_relaxed,
                num_layers=num_layers, cutoff=cutoff, num_basis=num_basis, radial_neurons=radial_neurons,
                avg_num_neighbors=avg_num_neighbors,
            )
        scalars = torch.zeros(self.irreps_out.dim, dtype=torch.float64)
        for (mul, ir), part in zip(self.irreps_out, self.irreps_out.slices()):
            if ir == o3.Irrep("0e"):
                scalars[part] = 1.0
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float64) * scalars)
        self.register_buffer("basis", torch.tensor(np.array(q), dtype=torch.float64))  # (dim, 3, ..., 3)
        self.scale = float(scale)

    def relaxed_weights(self):
        """θ of every relaxed layer (empty for the equivariant network)."""
        return self.network.relaxed_weights()

    def irreps(self, graphs: StructureGraphs) -> torch.Tensor:
        """Irreps coefficients ``(num_structures, dim)`` of every structure's tensor."""
        per_atom = self.network(graphs.node_features, graphs.edge_index, graphs.edge_vec)
        total = torch.zeros(graphs.num_structures, per_atom.shape[1], dtype=per_atom.dtype)
        total = total.index_add(0, graphs.batch, per_atom)
        return self.offset + self.scale * total / graphs.counts[:, None]

    def forward(self, graphs: StructureGraphs) -> torch.Tensor:
        """Cartesian tensors ``(num_structures, 3, ..., 3)``."""
        return torch.tensordot(self.irreps(graphs), self.basis, dims=1)
