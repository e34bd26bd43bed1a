"""An interatomic potential built on :class:`RelaxedNetwork`: energies and forces of batches."""

from __future__ import annotations

from typing import Sequence

import torch

from .network import RelaxedNetwork

__all__ = ["RelaxedPotential"]


class RelaxedPotential(torch.nn.Module):
    r"""Energy model :math:`E = \sum_i \big(s\,\varepsilon_i + e_{Z_i}\big)`, forces
    :math:`F_i = -\partial E / \partial x_i`.

    :math:`\varepsilon_i` is the scalar (``0e``) output of a :class:`RelaxedNetwork` at
    atom :math:`i`, whose node features and node attributes (self-interaction) are the
    one-hot species; :math:`s` is a fixed energy scale and :math:`e_Z` fixed per-species
    reference energies, both taken from the training set (:meth:`set_statistics`), so
    the network learns an O(1) residual. The edge harmonics and radial embedding are
    computed once per forward and shared by all layers (the drop-in convention of
    :class:`RelaxedConvolution`); ``avg_num_neighbors`` is a fixed number from the
    training set. Edge vectors are :math:`x_j - x_i + S L` (``Batch.edge_vectors``).

    With ``lmax_relaxed=None`` every layer is the plain equivariant convolution: the
    energy is then exactly E(3)-invariant and the forces equivariant. With relaxed
    layers the model starts invariant (θ = θ^{0e}) and breaks symmetry only as far as θ
    grows.

    Parameters
    ----------
    species : sequence of int
        Atomic numbers the model knows (one-hot order).
    cutoff : float
        Å; the radial basis goes smoothly to zero there.
    irreps_hidden : str
        Hidden irreps of the network.
    lmax : int
        Degree of the edge harmonics.
    lmax_relaxed : int or None
        θ of every layer holds all irreps up to this degree (``None``: equivariant).
    num_layers : int
    avg_num_neighbors : float
        :math:`z` of the convolutions (mean incoming edges per atom of the training set).
    num_basis, radial_neurons : int
        Radial basis size and MLP width.
    """

    def __init__(
        self,
        species: Sequence[int],
        cutoff: float,
        *,
        irreps_hidden: str = "16x0e+8x1o+8x1e+4x2e",
        lmax: int = 2,
        lmax_relaxed: int | None = 2,
        num_layers: int = 2,
        avg_num_neighbors: float = 1.0,
        num_basis: int = 8,
        radial_neurons: int = 32,
    ) -> None:
        super().__init__()
        species = sorted({int(z) for z in species})
        if not species or min(species) < 1 or max(species) > 118:
            raise ValueError(f"species must be atomic numbers in [1, 118], got {species!r}")
        self.species = species
        self.lmax_relaxed = lmax_relaxed
        lookup = torch.full((119,), -1, dtype=torch.long)
        lookup[torch.tensor(species)] = torch.arange(len(species))
        self.register_buffer("species_index", lookup, persistent=False)
        self.register_buffer("atomic_numbers", torch.tensor(species, dtype=torch.long))
        self.register_buffer("reference_energies", torch.zeros(len(species)))
        self.register_buffer("energy_scale", torch.ones(()))
        one_hot = f"{len(species)}x0e"
        self.network = RelaxedNetwork(
            one_hot, irreps_hidden, "0e", lmax, lmax_relaxed, num_layers=num_layers,
            irreps_node_attr=one_hot, cutoff=cutoff, num_basis=num_basis, radial_neurons=radial_neurons,
            avg_num_neighbors=float(avg_num_neighbors),
        )

    def set_statistics(self, reference_energies: torch.Tensor, energy_scale: float) -> None:
        """Fix :math:`e_Z` (one per species, in the order of ``species``) and :math:`s`."""
        if reference_energies.shape != self.reference_energies.shape:
            raise ValueError(f"reference_energies: expected shape {tuple(self.reference_energies.shape)}, "
                             f"got {tuple(reference_energies.shape)}")
        if not energy_scale > 0:
            raise ValueError(f"energy_scale must be > 0, got {energy_scale!r}")
        self.reference_energies.copy_(reference_energies)
        self.energy_scale.fill_(float(energy_scale))

    def species_of(self, numbers: torch.Tensor) -> torch.Tensor:
        """Index of every atomic number in ``species``; ValueError for an unknown element."""
        index = self.species_index[numbers.clamp(0, 118)]
        if (index < 0).any() or (numbers > 118).any():
            unknown = sorted(set(numbers[index < 0].tolist()))
            raise ValueError(f"atomic numbers {unknown} are not among the model's species {self.species}")
        return index

    def forward(self, batch, *, forces: bool = True, create_graph: bool | None = None) -> dict[str, torch.Tensor]:
        """Energies ``(G,)``, per-atom energies ``(N,)`` and (``forces``) forces ``(N, 3)``.

        Parameters
        ----------
        batch : symbreak.data.Batch
            In the model's dtype and device.
        forces : bool
            Compute :math:`-\\partial E/\\partial x` (needs grad mode, also in evaluation).
        create_graph : bool, optional
            Keep the graph of the forces for a loss on them (double backward);
            default: ``self.training``.
        """
        positions = batch.positions
        if forces:
            positions = positions.detach().requires_grad_(True)
        one_hot = torch.nn.functional.one_hot(self.species_of(batch.numbers), len(self.species)).to(positions.dtype)
        edge_vec = batch.edge_vectors(positions)
        per_atom = self.network(one_hot, batch.edge_index, edge_vec, node_attrs=one_hot)[:, 0]
        atom_energy = self.energy_scale * per_atom + self.reference_energies[self.species_of(batch.numbers)]
        energy = atom_energy.new_zeros(batch.num_graphs).index_add_(0, batch.batch, atom_energy)
        out = {"energy": energy, "atom_energy": atom_energy}
        if forces:
            keep = self.training if create_graph is None else create_graph
            (gradient,) = torch.autograd.grad(energy.sum(), positions, create_graph=keep)
            out["forces"] = -gradient
        return out

    def extra_repr(self) -> str:
        return f"species={self.species}, lmax_relaxed={self.lmax_relaxed}"
