r"""Graph convolution and network on G-irrep features (Heilman 2025, §3, the point-group network)."""

from __future__ import annotations

import math

import torch

from .g_edges import GEdgeEncoding, GHarmonicEdgeEncoding
from .g_irreps import GIrreps
from .g_tensor_product import GLinear, GTensorProduct

__all__ = ["GConvolution", "GGate", "GNetwork"]


class GConvolution(torch.nn.Module):
    r"""One message-passing layer on G-irrep features.

    .. math:: f'_i = L_{\mathrm{self}}(f_i) + \frac{1}{\sqrt{z}} \sum_{j \in N(i)} f_j \otimes_W e(r_{ij})

    with :math:`r_{ij} = x_j - x_i`, edge features :math:`e` from :class:`GEdgeEncoding`
    (their radial dependence is inside them) and the G tensor product :class:`GTensorProduct`.
    This is the paper's update :math:`v^{L+1}_n = v^L_n + \sum_b U\,(F(r_{nb}) \otimes v^L_b)`
    with a learned self-interaction in place of the identity.

    Parameters
    ----------
    irreps_in, irreps_edge, irreps_out : GIrreps
    avg_num_neighbors : float or None
        Fixed :math:`z` (never taken from the batch); ``None``: no normalisation.
    """

    def __init__(self, irreps_in: GIrreps, irreps_edge: GIrreps, irreps_out: GIrreps,
                 avg_num_neighbors: float | None = None) -> None:
        super().__init__()
        self.irreps_in, self.irreps_edge, self.irreps_out = irreps_in, irreps_edge, irreps_out
        self.tp = GTensorProduct(irreps_in, irreps_edge, irreps_out)
        shared = GIrreps(irreps_in.group, [(m, lab) for m, lab in irreps_out if irreps_in.multiplicity(lab)])
        self.self_connection = GLinear(irreps_in, shared) if len(shared) else None
        self._has_self = [bool(irreps_in.multiplicity(lab)) for _, lab in irreps_out]
        self._norm = 1.0 if avg_num_neighbors is None else 1.0 / math.sqrt(avg_num_neighbors)

    def forward(self, node_features: torch.Tensor, edge_index: torch.Tensor, edge_features: torch.Tensor) -> torch.Tensor:
        """``(N, irreps_in.dim)``, ``edge_index (2, E)`` (source j, target i), ``(E, irreps_edge.dim)`` → ``(N, irreps_out.dim)``."""
        source, target = edge_index[0], edge_index[1]
        messages = self.tp(node_features[source], edge_features)
        out = messages.new_zeros(node_features.shape[0], messages.shape[1]).index_add_(0, target, messages) * self._norm
        if self.self_connection is None:
            return out
        own = self.self_connection(node_features)  # the output terms the input also has, in order
        pieces, offset = [], 0
        for part, has_self in zip(self.irreps_out.slices, self._has_self):
            piece = out[:, part]
            if has_self:
                width = part.stop - part.start
                piece = piece + own[:, offset: offset + width]
                offset += width
            pieces.append(piece)
        return torch.cat(pieces, dim=-1)


class GGate(torch.nn.Module):
    r"""Nonlinearity on G-irrep features: SiLU on the trivial channels, and every other copy
    multiplied by the sigmoid of its own extra trivial channel (a gate, as e3nn's ``Gate``).

    Input irreps: ``irreps_out``'s trivial channels, then one gate channel per non-trivial copy
    (appended as trivial channels), then the non-trivial copies (:attr:`irreps_in`).
    Invariant scalars times equivariant vectors: exactly equivariant.
    """

    def __init__(self, irreps_out: GIrreps) -> None:
        super().__init__()
        trivial = irreps_out.trivial
        self.irreps_out = irreps_out
        self.num_scalars = irreps_out.multiplicity(trivial)
        self.num_gates = sum(m for m, lab in irreps_out if lab != trivial)
        gated = [(m, lab) for m, lab in irreps_out if lab != trivial]
        self.irreps_in = GIrreps(irreps_out.group, [(self.num_scalars + self.num_gates, trivial), *gated])
        self._gated = GIrreps(irreps_out.group, gated) if gated else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scalars = torch.nn.functional.silu(x[:, : self.num_scalars])
        if self._gated is None:
            return scalars
        gates = torch.sigmoid(x[:, self.num_scalars: self.num_scalars + self.num_gates])
        rest = x[:, self.num_scalars + self.num_gates:]
        pieces, gate = [], 0
        for (mul, _), part, d in zip(self._gated, self._gated.slices, self._gated.dims):
            block = rest[:, part].unflatten(-1, (mul, d)) * gates[:, gate: gate + mul, None]
            pieces.append(block.flatten(-2))
            gate += mul
        return torch.cat([scalars, *pieces], dim=-1)


class GNetwork(torch.nn.Module):
    r"""A point-group-equivariant graph network on G-irrep features, with an invariant readout.

    .. math:: f^{(t+1)} = \mathrm{GGate}\big(\mathrm{GConv}^{(t)}(f^{(t)})\big), \qquad
              E = \sum_i w \cdot f^{(T)}_{i,\,A_1}

    The output of the last convolution is its trivial channels: G-invariant scalars per node
    (``forward``); sum them per graph for an invariant energy. Node inputs are trivial channels (e.g.
    a species one-hot), edge features come from :class:`GEdgeEncoding`, computed once per pass.

    Parameters
    ----------
    group : PointGroup or str or array-like
        G, in the frame of the edge vectors.
    num_node_features : int
        Trivial input channels per node.
    irreps_hidden : str or GIrreps
        Hidden features, e.g. ``"8xA1g + 4xT1u + 4xEg"``.
    irreps_edge : str or GIrreps
        Edge features (channels per irrep), e.g. ``"2xA1g + 2xT1u + 2xEg + 2xT2g"``.
    num_outputs : int
        Trivial output channels per node.
    num_layers : int
        Convolutions (>= 1).
    cutoff, num_basis, edge_hidden, avg_num_neighbors
        Of :class:`GEdgeEncoding` and :class:`GConvolution`.
    edge_lmax : int, optional
        Use :class:`GHarmonicEdgeEncoding` (harmonics up to ``edge_lmax`` projected onto G's
        irreps, cheaper) instead of the group-averaged learned angular function (default).
    """

    def __init__(self, group, num_node_features: int, irreps_hidden, irreps_edge, num_outputs: int = 1, *,
                 num_layers: int = 2, cutoff: float = 3.0, num_basis: int = 8, edge_hidden: int = 32,
                 avg_num_neighbors: float | None = None, edge_lmax: int | None = None) -> None:
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers must be an integer >= 1, got {num_layers!r}")
        hidden = irreps_hidden if isinstance(irreps_hidden, GIrreps) else GIrreps(group, irreps_hidden)
        self.group = hidden.group
        edge = irreps_edge if isinstance(irreps_edge, GIrreps) else GIrreps(self.group, irreps_edge)
        trivial = hidden.trivial
        self.irreps_in = GIrreps(self.group, [(num_node_features, trivial)])
        self.irreps_out = GIrreps(self.group, [(num_outputs, trivial)])
        if edge_lmax is None:
            self.edge_encoding = GEdgeEncoding(edge, cutoff, num_basis, edge_hidden)
        else:
            self.edge_encoding = GHarmonicEdgeEncoding(edge, edge_lmax, cutoff, num_basis, edge_hidden)
        self.layers = torch.nn.ModuleList()
        irreps = self.irreps_in
        for _ in range(num_layers - 1):
            gate = GGate(hidden)
            conv = GConvolution(irreps, edge, gate.irreps_in, avg_num_neighbors)
            self.layers.append(torch.nn.ModuleDict({"conv": conv, "gate": gate}))
            irreps = gate.irreps_out
        self.output = GConvolution(irreps, edge, self.irreps_out, avg_num_neighbors)

    def forward(self, node_features: torch.Tensor, edge_index: torch.Tensor, edge_vec: torch.Tensor) -> torch.Tensor:
        """Invariant node outputs ``(N, num_outputs)``; ``edge_vec`` :math:`= x_j - x_i` for ``edge_index`` (j, i)."""
        edges = self.edge_encoding(edge_vec)
        features = node_features
        for layer in self.layers:
            features = layer["gate"](layer["conv"](features, edge_index, edges))
        return self.output(features, edge_index, edges)
