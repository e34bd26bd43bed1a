"""A stack of relaxed convolutions with gated nonlinearities."""

from __future__ import annotations

import torch
from e3nn import o3
from e3nn.nn import Gate

from .._validation import as_irreps, as_sh_irreps
from .convolution import RelaxedConvolution
from .edges import EdgeEncoding
from .relaxed_filter import default_filter_irreps
from ..symmetry import as_point_group
from .relaxed_weights import RelaxedWeights, default_relaxed_irreps

__all__ = ["RelaxedNetwork"]


class RelaxedNetwork(torch.nn.Module):
    r"""Relaxed E(3) graph network: relaxed convolutions with gates between them.

    .. math:: f^{(t+1)} = \mathrm{Gate}\big(\mathrm{Conv}_\theta^{(t)}(f^{(t)})\big),
              \qquad \text{output} = \mathrm{Conv}_\theta^{(T-1)}(f^{(T-1)})

    Every layer has its own θ (``irreps_relaxed`` per layer). Hidden irreps that
    no path can reach from the previous layer are dropped, as in e3nn's networks.
    The gate applies SiLU to even scalars, tanh to odd scalars (odd, so parity is
    kept) and a sigmoid-gated scalar to every ``l > 0`` irrep.

    Parameters
    ----------
    irreps_in, irreps_hidden, irreps_out : str or o3.Irreps
        Input, hidden and output node irreps.
    irreps_sh : str or o3.Irreps or int
        Edge spherical harmonics, or their ``lmax``.
    irreps_relaxed : None or str or o3.Irreps or int
        θ of every layer (``None``: the equivariant baseline of the same
        architecture, where each filter is the harmonics).
    num_layers : int
        Number of convolutions (>= 1).
    symmetry : PointGroup or str or array-like ``(order, 3, 3)``, optional
        A point group G kept exactly by every layer: each θ is :math:`P_{A_1(G)}\varphi`
        (see :class:`RelaxedConvolution`); default ``irreps_relaxed`` then ``2 * lmax`` of
        the harmonics. The gates act on O(3) irreps and commute with every element of G.
    symmetry_breaking : bool
        With ``symmetry``: every θ may also break G (penalised), named afterwards as irreps
        of G with ``breaking_analysis(thetas_of(net), G)``.
    **conv_kwargs
        Keyword arguments of :class:`RelaxedConvolution` (``cutoff``,
        ``num_basis``, ``radial_neurons``, ``avg_num_neighbors``, ``irreps_filter``,
        ``irreps_node_attr``...). ``avg_num_neighbors`` is a fixed number (see
        :func:`~symbreak.nn.average_num_neighbors`); ``None`` means no normalisation.
    """

    def __init__(
        self,
        irreps_in: str | o3.Irreps,
        irreps_hidden: str | o3.Irreps,
        irreps_out: str | o3.Irreps,
        irreps_sh: str | o3.Irreps | int,
        irreps_relaxed: str | o3.Irreps | int | None = None,
        *,
        num_layers: int = 2,
        symmetry=None,
        symmetry_breaking: bool = False,
        **conv_kwargs,
    ) -> None:
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers must be an integer >= 1, got {num_layers!r}")
        if symmetry is not None:
            symmetry = as_point_group(symmetry)  # resolved once, shared by every layer
            if irreps_relaxed is None:
                irreps_relaxed = default_relaxed_irreps(2 * as_sh_irreps(irreps_sh).lmax)
        self.symmetry = symmetry
        conv_kwargs.update(symmetry=symmetry, symmetry_breaking=symmetry_breaking)
        self.irreps_in = as_irreps(irreps_in, "irreps_in")
        self.irreps_hidden = as_irreps(irreps_hidden, "irreps_hidden")
        self.irreps_out = as_irreps(irreps_out, "irreps_out")
        self.irreps_sh = as_sh_irreps(irreps_sh)
        self.irreps_relaxed = irreps_relaxed
        if irreps_relaxed is None:
            irreps_filter = self.irreps_sh
        else:
            irreps_filter = as_irreps(
                conv_kwargs.get("irreps_filter") or default_filter_irreps(self.irreps_sh),
                "irreps_filter",
            )

        layers = torch.nn.ModuleList()
        irreps = self.irreps_in
        for _ in range(num_layers - 1):
            gate = _gate(irreps, irreps_filter, self.irreps_hidden)
            conv = RelaxedConvolution(irreps, gate.irreps_in, self.irreps_sh, irreps_relaxed, **conv_kwargs)
            layers.append(torch.nn.ModuleDict({"conv": conv, "gate": gate}))
            irreps = gate.irreps_out
        unreachable = [str(ir) for _, ir in self.irreps_out if not _reachable(irreps, irreps_filter, ir)]
        if unreachable:
            raise ValueError(
                f"output irreps {', '.join(unreachable)} cannot be produced from {irreps} with "
                f"filter {irreps_filter}; add hidden irreps or relaxed irreps of that parity"
            )
        self.layers = layers
        self.output = RelaxedConvolution(irreps, self.irreps_out, self.irreps_sh, irreps_relaxed, **conv_kwargs)
        # one encoding for all layers (they share irreps_sh, cutoff and num_basis)
        self.edge_encoding = EdgeEncoding(
            self.irreps_sh, self.output.radial_basis.cutoff, self.output.radial_basis.number
        )
        self.irreps_node_attr = self.output.irreps_node_attr

    @property
    def convolutions(self) -> list[RelaxedConvolution]:
        """The convolutions, first to last."""
        return [layer["conv"] for layer in self.layers] + [self.output]

    def relaxed_weights(self) -> list[RelaxedWeights]:
        """θ of every relaxed layer, first to last (empty for the equivariant baseline)."""
        return [conv.relaxed_weights for conv in self.convolutions if conv.relaxed]

    def forward(
        self,
        node_features: torch.Tensor,
        edge_index: torch.Tensor,
        edge_vec: torch.Tensor | None = None,
        *,
        node_attrs: torch.Tensor | None = None,
        edge_sh: torch.Tensor | None = None,
        edge_embedding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        r"""Node outputs ``(N, irreps_out.dim)``.

        Edge convention: ``edge_index[0]`` is the source :math:`j` (sender),
        ``edge_index[1]`` the target :math:`i` (receiver), ``edge_vec``
        :math:`= x_j - x_i` (plus the periodic shift). The harmonics and the radial
        embedding are computed once here (unless given) and passed to every layer;
        ``node_attrs`` ``(N, irreps_node_attr.dim)`` go to every layer. Arguments
        and shapes as :meth:`RelaxedConvolution.forward`.
        """
        if edge_sh is None or edge_embedding is None:
            if edge_vec is None:
                raise ValueError("edge_vec is required unless both edge_sh and edge_embedding are given")
            if edge_vec.dim() != 2 or edge_vec.shape[1] != 3:
                raise ValueError(f"edge_vec must have shape (E, 3), got {tuple(edge_vec.shape)}")
        if edge_sh is None:
            edge_sh = self.edge_encoding.spherical_harmonics(edge_vec)
        if edge_embedding is None:
            edge_embedding = self.edge_encoding.radial_embedding(edge_vec)
        edges = dict(node_attrs=node_attrs, edge_sh=edge_sh, edge_embedding=edge_embedding)
        features = node_features
        for layer in self.layers:
            features = layer["gate"](layer["conv"](features, edge_index, **edges))
        return self.output(features, edge_index, **edges)


def _reachable(irreps: o3.Irreps, irreps_filter: o3.Irreps, target: o3.Irrep) -> bool:
    return any(target in ir_in * ir_f for _, ir_in in irreps for _, ir_f in irreps_filter)


def _gate(irreps: o3.Irreps, irreps_filter: o3.Irreps, irreps_hidden: o3.Irreps) -> Gate:
    """Gate on the hidden irreps reachable from ``irreps ⊗ irreps_filter``."""
    reachable = o3.Irreps(
        [(mul, ir) for mul, ir in irreps_hidden if _reachable(irreps, irreps_filter, ir)]
    )
    scalars = o3.Irreps([(mul, ir) for mul, ir in reachable if ir.l == 0])
    gated = o3.Irreps([(mul, ir) for mul, ir in reachable if ir.l > 0])
    if scalars.dim == 0 and gated.dim == 0:
        raise ValueError(f"no hidden irreps of {irreps_hidden} can be reached from {irreps}")
    gate_scalar = "0e" if _reachable(irreps, irreps_filter, o3.Irrep("0e")) else "0o"
    activation = {1: torch.nn.functional.silu, -1: torch.tanh}
    return Gate(
        scalars,
        [activation[ir.p] for _, ir in scalars],
        o3.Irreps([(gated.num_irreps, gate_scalar)]) if gated.dim else o3.Irreps(""),
        [torch.sigmoid if gate_scalar == "0e" else torch.tanh] if gated.dim else [],
        gated,
    )
