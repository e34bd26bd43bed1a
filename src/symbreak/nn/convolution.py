"""Relaxed (and plain) equivariant point convolution."""

from __future__ import annotations

import math

import torch
from e3nn import o3
from e3nn.nn import FullyConnectedNet

from .._validation import as_irreps, as_sh_irreps
from .radial import RadialBasis
from .relaxed_filter import RelaxedFilter, default_filter_irreps

__all__ = ["RelaxedConvolution"]


class RelaxedConvolution(torch.nn.Module):
    r"""Relaxed E(3) graph convolution of Hofgard et al. (2024), eq. 6.

    .. math::
        f'_i = L_{\mathrm{self}}(f_i) + \frac{1}{\sqrt{z}} \sum_{j \in N(i)}
               L_{\mathrm{out}}\!\left( L_{\mathrm{in}}(f_j) \otimes_{W(|r_{ij}|)}
               \big(\theta \otimes Y(\hat r_{ij})\big) \right)

    with :math:`r_{ij} = x_j - x_i` (from the receiving node ``i`` to its neighbour
    ``j``), :math:`Y` the spherical harmonics, :math:`W` per-edge path weights from an
    MLP on a radial basis with a smooth cutoff, :math:`z` the average number of
    neighbours and :math:`L` equivariant linear maps. The main tensor product couples
    channel ``u`` of :math:`f_j` with the filter (e3nn ``"uvu"`` paths).

    θ are the relaxed weights (:class:`~symbreak.nn.RelaxedWeights`), shared by all
    edges and channels, initialised to :math:`\theta^{0e}=1`: the layer starts
    equivariant and is equivariant for all inputs iff θ is a scalar (Proposition 4.1).
    :math:`\theta\otimes Y` is folded into a ``(dim_sh, dim_filter)`` matrix once per
    forward pass (:class:`~symbreak.nn.RelaxedFilter`).

    With ``irreps_relaxed=None`` the filter is :math:`Y` itself: the plain
    equivariant convolution (eqs. 2-4), which shares all other code.

    Parameters
    ----------
    irreps_in, irreps_out : str or o3.Irreps
        Irreps of the input and output node features.
    irreps_sh : str or o3.Irreps or int
        Irreps of the edge spherical harmonics, or their ``lmax``.
    irreps_relaxed : None or str or o3.Irreps or int
        Irreps of θ, an int ``lmax`` for all irreps up to it with both parities,
        or ``None`` for the plain equivariant layer.
    irreps_filter : str or o3.Irreps, optional
        Irreps of the filter :math:`\theta\otimes Y`. Default: every ``l`` of the
        harmonics with both parities (so pseudo-tensor breaking can reach the
        features); ``irreps_filter=irreps_sh`` makes the main tensor product exactly
        the plain layer's. Ignored (must be ``None``) for the plain layer.
    cutoff : float
        Radial cutoff :math:`r_c`; edges longer than it get zero weight.
    num_basis : int
        Number of radial basis functions.
    radial_neurons : int
        Width of the hidden layers of the radial MLP.
    radial_layers : int
        Number of hidden layers of the radial MLP.
    avg_num_neighbors : float or None
        :math:`z`. ``None`` uses the mean in-degree of the graph of each call
        (``E / N``): convenient, but then the output of a node depends on the size
        of the graph it is batched with. Set a number for production models.
    self_connection : bool
        Add the linear self-interaction :math:`L_{\mathrm{self}}(f_i)`.

    Notes
    -----
    Edges of zero length (self-interaction) are valid: their harmonics are the
    scalar :math:`Y^0=1` only and their radial basis is finite.
    """

    def __init__(
        self,
        irreps_in: str | o3.Irreps,
        irreps_out: str | o3.Irreps,
        irreps_sh: str | o3.Irreps | int,
        irreps_relaxed: str | o3.Irreps | int | None = None,
        *,
        irreps_filter: str | o3.Irreps | None = None,
        cutoff: float = 2.0,
        num_basis: int = 10,
        radial_neurons: int = 32,
        radial_layers: int = 2,
        avg_num_neighbors: float | None = None,
        self_connection: bool = True,
    ) -> None:
        super().__init__()
        self.irreps_in = as_irreps(irreps_in, "irreps_in")
        self.irreps_out = as_irreps(irreps_out, "irreps_out")
        self.irreps_sh = as_sh_irreps(irreps_sh)
        if avg_num_neighbors is not None and not avg_num_neighbors > 0:
            raise ValueError(f"avg_num_neighbors must be > 0 or None, got {avg_num_neighbors!r}")
        self.avg_num_neighbors = avg_num_neighbors

        if irreps_relaxed is None:
            if irreps_filter is not None:
                raise ValueError("irreps_filter is for relaxed layers; the plain layer's filter is Y")
            self.relaxed_filter = None
            self.irreps_filter = self.irreps_sh
        else:
            if irreps_filter is None:
                irreps_filter = default_filter_irreps(self.irreps_sh)
            self.irreps_filter = as_irreps(irreps_filter, "irreps_filter")
            self.relaxed_filter = RelaxedFilter(irreps_relaxed, self.irreps_sh, self.irreps_filter)

        self.sh = o3.SphericalHarmonics(self.irreps_sh, normalize=False, normalization="component")
        self.linear_in = o3.Linear(self.irreps_in, self.irreps_in)
        self.tp, irreps_mid = _uvu_tensor_product(self.irreps_in, self.irreps_filter, self.irreps_out)
        self.linear_out = o3.Linear(irreps_mid, self.irreps_out)
        self.self_connection = o3.Linear(self.irreps_in, self.irreps_out) if self_connection else None
        self.radial_basis = RadialBasis(cutoff, num_basis)
        self.radial = FullyConnectedNet(
            [num_basis] + radial_layers * [radial_neurons] + [self.tp.weight_numel],
            torch.nn.functional.silu,
        )

    @property
    def relaxed(self) -> bool:
        """Whether the layer has relaxed weights θ."""
        return self.relaxed_filter is not None

    @property
    def relaxed_weights(self):
        """The :class:`RelaxedWeights` θ of this layer, or ``None`` for a plain layer."""
        return None if self.relaxed_filter is None else self.relaxed_filter.theta

    def edge_filter(self, edge_vec: torch.Tensor) -> torch.Tensor:
        r"""Filter of every edge: :math:`\theta\otimes Y(\hat r)` (or Y), ``(E, dim_filter)``."""
        length = edge_vec.norm(dim=-1, keepdim=True)
        # r / |r| with 0/0 -> 0: the harmonics (homogeneous polynomials here) of the
        # zero vector are then 1 for l = 0 and 0 otherwise, without NaN gradients.
        unit = edge_vec / torch.where(length > 0, length, torch.ones_like(length))
        sh = self.sh(unit)  # (E, dim_sh)
        if self.relaxed_filter is None:
            return sh
        return self.relaxed_filter(sh)

    def forward(
        self, node_features: torch.Tensor, edge_index: torch.Tensor, edge_vec: torch.Tensor
    ) -> torch.Tensor:
        """Convolve.

        Parameters
        ----------
        node_features : torch.Tensor, shape ``(N, irreps_in.dim)``
        edge_index : torch.LongTensor, shape ``(2, E)``
            ``(source j, target i)``: messages flow from ``edge_index[0]`` to
            ``edge_index[1]``.
        edge_vec : torch.Tensor, shape ``(E, 3)``
            ``x[source] - x[target]`` (plus the periodic image shift if any).

        Returns
        -------
        torch.Tensor, shape ``(N, irreps_out.dim)``
        """
        _check_inputs(node_features, edge_index, edge_vec, self.irreps_in.dim)
        source, target = edge_index
        num_nodes = node_features.shape[0]

        edge_weights = self.radial(self.radial_basis(edge_vec.norm(dim=-1)))  # (E, weight_numel)
        features = self.linear_in(node_features)
        messages = self.tp(features[source], self.edge_filter(edge_vec), edge_weights)
        summed = messages.new_zeros(num_nodes, messages.shape[1]).index_add_(0, target, messages)
        z = self.avg_num_neighbors
        if z is None:
            z = max(edge_index.shape[1] / max(num_nodes, 1), 1.0)
        out = self.linear_out(summed / math.sqrt(z))
        if self.self_connection is not None:
            out = out + self.self_connection(node_features)
        return out

    def extra_repr(self) -> str:
        relaxed = self.relaxed_weights.irreps if self.relaxed else None
        return (
            f"{self.irreps_in} -> {self.irreps_out}, sh={self.irreps_sh}, "
            f"filter={self.irreps_filter}, relaxed={relaxed}"
        )


def _uvu_tensor_product(
    irreps_in: o3.Irreps, irreps_filter: o3.Irreps, irreps_out: o3.Irreps
) -> tuple[o3.TensorProduct, o3.Irreps]:
    """Tensor product with one ``uvu`` path per reachable output irrep.

    Returns the tensor product (weights supplied per edge) and its output irreps
    (sorted, not simplified), which a linear layer maps to ``irreps_out``.
    """
    irreps_mid, instructions = [], []
    for i, (mul, ir_in) in enumerate(irreps_in):
        for j, (_, ir_filter) in enumerate(irreps_filter):
            for ir_mid in ir_in * ir_filter:
                if ir_mid in irreps_out:
                    instructions.append((i, j, len(irreps_mid), "uvu", True))
                    irreps_mid.append((mul, ir_mid))
    if not instructions:
        raise ValueError(
            f"no path from {irreps_in} ⊗ filter {irreps_filter} reaches {irreps_out}"
        )
    irreps_mid = o3.Irreps(irreps_mid)
    irreps_mid, permutation, _ = irreps_mid.sort()
    instructions = [(i, j, permutation[k], mode, w) for i, j, k, mode, w in instructions]
    tp = o3.TensorProduct(
        irreps_in, irreps_filter, irreps_mid, instructions, shared_weights=False, internal_weights=False
    )
    return tp, irreps_mid


def _check_inputs(
    node_features: torch.Tensor, edge_index: torch.Tensor, edge_vec: torch.Tensor, dim_in: int
) -> None:
    if node_features.dim() != 2 or node_features.shape[1] != dim_in:
        raise ValueError(
            f"node_features must have shape (N, {dim_in}), got {tuple(node_features.shape)}"
        )
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_vec.shape != (edge_index.shape[1], 3):
        raise ValueError(
            f"edge_vec must have shape (E, 3) = ({edge_index.shape[1]}, 3), got {tuple(edge_vec.shape)}"
        )
    if edge_index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"edge_index must be an integer tensor, got {edge_index.dtype}")
