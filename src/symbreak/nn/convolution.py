"""Relaxed (and plain) equivariant point convolution."""

from __future__ import annotations

import math

import torch
from e3nn import o3
from e3nn.nn import FullyConnectedNet

from .._validation import as_irreps
from .edges import EdgeEncoding
from .radial import RadialBasis
from .relaxed_filter import RelaxedFilter, default_filter_irreps
from .relaxed_weights import default_relaxed_irreps

__all__ = ["RelaxedConvolution"]


class RelaxedConvolution(torch.nn.Module):
    r"""Relaxed E(3) graph convolution of Hofgard et al. (2024), eq. 6.

    .. math::
        f'_i = L_{\mathrm{self}}(f_i, a_i) + \frac{1}{\sqrt{z}} \sum_{j \in N(i)}
               L_{\mathrm{out}}\!\left( L_{\mathrm{in}}(f_j) \otimes_{W(|r_{ij}|)}
               \big(\theta \otimes Y(\hat r_{ij})\big) \right)

    with :math:`r_{ij} = x_j - x_i` (from the receiving node ``i`` to its neighbour
    ``j``), :math:`Y` the spherical harmonics, :math:`W` per-edge path weights from an
    MLP on a radial basis with a smooth cutoff, :math:`z` the average number of
    neighbours and :math:`L` equivariant linear maps. The main tensor product couples
    channel ``u`` of :math:`f_j` with the filter (e3nn ``"uvu"`` paths).

    The self-interaction :math:`L_{\mathrm{self}}` is a linear map of :math:`f_i`, or,
    with ``irreps_node_attr`` (e.g. a species one-hot ``"Nx0e"``), a fully connected
    tensor product :math:`f_i \otimes a_i` of the features with the node attributes,
    as in NequIP's self-connection.

    θ are the relaxed weights (:class:`~symbreak.nn.RelaxedWeights`), shared by all
    edges and channels, initialised to :math:`\theta^{0e}=1`: the layer starts
    equivariant and is equivariant for all inputs iff θ is a scalar (Proposition 4.1).
    :math:`\theta\otimes Y` is folded into a ``(dim_sh, dim_filter)`` matrix once per
    forward pass (:class:`~symbreak.nn.RelaxedFilter`).

    With ``irreps_relaxed=None`` the filter is :math:`Y` itself: the plain
    equivariant convolution (eqs. 2-4), which shares all other code.

    It drops into a NequIP/MACE-style model as an interaction block: the edge
    harmonics (``edge_sh``) and radial embedding (``edge_embedding``) can be computed
    once per forward pass (:class:`~symbreak.nn.EdgeEncoding`) and passed to every
    layer; conventions are in ``docs/layer.md``.

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
    irreps_node_attr : str or o3.Irreps, optional
        Irreps of the node attributes :math:`a_i` (``None``: no attributes). Needs
        ``self_connection=True``: the attributes enter through the self-interaction.
    cutoff : float
        Radial cutoff :math:`r_c`; edges longer than it get zero weight.
    num_basis : int
        Number of radial basis functions.
    radial_neurons : int
        Width of the hidden layers of the radial MLP.
    radial_layers : int
        Number of hidden layers of the radial MLP.
    avg_num_neighbors : float or None
        :math:`z`, a fixed number (compute it once from the training graphs with
        :func:`~symbreak.nn.average_num_neighbors`). ``None`` means no
        normalisation, :math:`z = 1` (as in NequIP). It is never taken from the
        graph of the current call, so a node's output does not depend on what it is
        batched with.
    self_connection : bool
        Add the self-interaction :math:`L_{\mathrm{self}}`.
    symmetry : PointGroup or str or array-like ``(order, 3, 3)``, optional
        A point group G (named, found with ``PointGroup.from_points``/``from_atoms`` in its
        own orientation, or its matrices): θ is then :math:`P_{A_1(G)}\varphi`, recomputed
        from free φ in every forward pass (:class:`~symbreak.nn.SymmetricRelaxedWeights`),
        and the layer is exactly G-equivariant for all parameter values. Default
        ``irreps_relaxed`` then: every irrep up to ``2 * lmax`` of the harmonics, both
        parities (all that θ ⊗ Y can pass to the filter).
    symmetry_breaking : bool
        With ``symmetry``: θ may also break G, :math:`\theta = P_{A_1}\varphi +
        (1-P_{A_1})\delta`, with δ zero at start and penalised like a relaxed θ.
    edge_chunk_size : int, optional
        Process the edges in chunks of this many, each under activation checkpointing
        (``torch.utils.checkpoint``, non-reentrant): the per-edge intermediates of one
        chunk (gathered features, radial weights, filter, messages) live at a time and
        are recomputed in the backward pass. Peak memory then grows with the chunk, not
        with the graph, for about one extra forward pass of compute. ``None`` (default)
        processes all edges at once. Same result to round-off; higher derivatives
        (forces from energies) work.

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
        irreps_node_attr: str | o3.Irreps | None = None,
        cutoff: float = 2.0,
        num_basis: int = 10,
        radial_neurons: int = 32,
        radial_layers: int = 2,
        avg_num_neighbors: float | None = None,
        self_connection: bool = True,
        symmetry=None,
        symmetry_breaking: bool = False,
        edge_chunk_size: int | None = None,
    ) -> None:
        super().__init__()
        if edge_chunk_size is not None and not (
            isinstance(edge_chunk_size, int) and not isinstance(edge_chunk_size, bool) and edge_chunk_size >= 1
        ):
            raise ValueError(f"edge_chunk_size must be an integer >= 1 or None, got {edge_chunk_size!r}")
        self.edge_chunk_size = edge_chunk_size
        self.irreps_in = as_irreps(irreps_in, "irreps_in")
        self.irreps_out = as_irreps(irreps_out, "irreps_out")
        self.edge_encoding = EdgeEncoding(irreps_sh, cutoff, num_basis)
        self.irreps_sh = self.edge_encoding.irreps_sh
        if avg_num_neighbors is not None and not (
            isinstance(avg_num_neighbors, (int, float)) and avg_num_neighbors > 0
        ):
            raise ValueError(
                f"avg_num_neighbors must be a number > 0 or None (no normalisation), got {avg_num_neighbors!r}"
            )
        self.avg_num_neighbors = avg_num_neighbors
        # plain Python numbers, read in forward: torch.compile then traces no Irreps
        self._norm = 1.0 / math.sqrt(avg_num_neighbors) if avg_num_neighbors is not None else 1.0
        self._dim_in = int(self.irreps_in.dim)
        self._dim_sh = int(self.irreps_sh.dim)
        self._num_basis = int(num_basis)

        if symmetry is not None and irreps_relaxed is None:
            irreps_relaxed = default_relaxed_irreps(2 * self.irreps_sh.lmax)
        if irreps_relaxed is None:
            if symmetry_breaking:
                raise ValueError("symmetry_breaking=True needs symmetry=G: it lets θ break that group")
            if irreps_filter is not None:
                raise ValueError("irreps_filter is for relaxed layers; the plain layer's filter is Y")
            self.relaxed_filter = None
            self.irreps_filter = self.irreps_sh
        else:
            if irreps_filter is None:
                irreps_filter = default_filter_irreps(self.irreps_sh)
            self.irreps_filter = as_irreps(irreps_filter, "irreps_filter")
            self.relaxed_filter = RelaxedFilter(
                irreps_relaxed, self.irreps_sh, self.irreps_filter,
                symmetry=symmetry, symmetry_breaking=symmetry_breaking,
            )

        self.linear_in = o3.Linear(self.irreps_in, self.irreps_in)
        self.tp, irreps_mid = _uvu_tensor_product(self.irreps_in, self.irreps_filter, self.irreps_out)
        self.linear_out = o3.Linear(irreps_mid, self.irreps_out)

        if irreps_node_attr is None:
            self.irreps_node_attr = None
            self._dim_attr = 0
            self.self_connection = o3.Linear(self.irreps_in, self.irreps_out) if self_connection else None
        else:
            self.irreps_node_attr = as_irreps(irreps_node_attr, "irreps_node_attr")
            self._dim_attr = int(self.irreps_node_attr.dim)
            if not self_connection:
                raise ValueError(
                    "irreps_node_attr needs self_connection=True: node attributes enter through "
                    "the self-interaction f_i ⊗ a_i"
                )
            if not any(
                ir in ir_in * ir_attr
                for _, ir_in in self.irreps_in for _, ir_attr in self.irreps_node_attr for _, ir in self.irreps_out
            ):
                raise ValueError(
                    f"no path from node features {self.irreps_in} ⊗ node attributes "
                    f"{self.irreps_node_attr} reaches {self.irreps_out}"
                )
            self.self_connection = o3.FullyConnectedTensorProduct(
                self.irreps_in, self.irreps_node_attr, self.irreps_out
            )
        self.radial = FullyConnectedNet(
            [num_basis] + radial_layers * [radial_neurons] + [self.tp.weight_numel],
            torch.nn.functional.silu,
        )

    @property
    def sh(self) -> o3.SphericalHarmonics:
        """The e3nn spherical harmonics module of :attr:`edge_encoding`."""
        return self.edge_encoding.sh

    @property
    def radial_basis(self) -> RadialBasis:
        """The radial basis of :attr:`edge_encoding`."""
        return self.edge_encoding.radial_basis

    @property
    def relaxed(self) -> bool:
        """Whether the layer has relaxed weights θ."""
        return self.relaxed_filter is not None

    @property
    def symmetry(self):
        """The point group G the layer is built to keep exactly, or ``None`` (O(3) relaxed or plain)."""
        theta = self.relaxed_weights
        return getattr(theta, "group", None)

    @property
    def relaxed_weights(self):
        """The :class:`RelaxedWeights` θ of this layer, or ``None`` for a plain layer."""
        return None if self.relaxed_filter is None else self.relaxed_filter.theta

    def edge_filter(self, edge_vec: torch.Tensor) -> torch.Tensor:
        r"""Filter of every edge: :math:`\theta\otimes Y(\hat r)` (or Y), ``(E, dim_filter)``."""
        return self.filter_from_sh(self.edge_encoding.spherical_harmonics(edge_vec))

    def filter_from_sh(self, edge_sh: torch.Tensor) -> torch.Tensor:
        r"""Filter :math:`\theta\otimes Y` (or Y) from the harmonics ``(E, dim_sh)``."""
        if self.relaxed_filter is None:
            return edge_sh
        return self.relaxed_filter(edge_sh)

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
        r"""Convolve.

        Edge convention: ``edge_index[0]`` is the source :math:`j` (sender),
        ``edge_index[1]`` the target :math:`i` (receiver), and
        ``edge_vec`` :math:`= x_j - x_i` (plus the periodic image shift, if any).

        Parameters
        ----------
        node_features : torch.Tensor, shape ``(N, irreps_in.dim)``
        edge_index : torch.LongTensor, shape ``(2, E)``
            ``(source j, target i)``: messages flow from ``edge_index[0]`` to
            ``edge_index[1]``.
        edge_vec : torch.Tensor, shape ``(E, 3)``, optional
            :math:`x_j - x_i`. Needed unless both ``edge_sh`` and ``edge_embedding``
            are given.
        node_attrs : torch.Tensor, shape ``(N, irreps_node_attr.dim)``, optional
            Node attributes; required iff the layer was built with ``irreps_node_attr``.
        edge_sh : torch.Tensor, shape ``(E, irreps_sh.dim)``, optional
            Precomputed :math:`Y(\hat r_{ij})` ("component" normalisation, of the
            unit vector); see :class:`EdgeEncoding`. Not recomputed when given.
        edge_embedding : torch.Tensor, shape ``(E, num_basis)``, optional
            Precomputed radial basis :math:`B(|r_{ij}|)` that feeds the radial MLP.

        Returns
        -------
        torch.Tensor, shape ``(N, irreps_out.dim)``
        """
        _check_inputs(node_features, edge_index, self._dim_in)
        num_edges = edge_index.shape[1]
        if edge_sh is None or edge_embedding is None:
            if edge_vec is None:
                raise ValueError("edge_vec is required unless both edge_sh and edge_embedding are given")
            _check_edge_tensor(edge_vec, "edge_vec", num_edges, 3)
        if edge_sh is None:
            edge_sh = self.edge_encoding.spherical_harmonics(edge_vec)
        else:
            _check_edge_tensor(edge_sh, "edge_sh", num_edges, self._dim_sh)
        if edge_embedding is None:
            edge_embedding = self.edge_encoding.radial_embedding(edge_vec)
        else:
            _check_edge_tensor(edge_embedding, "edge_embedding", num_edges, self._num_basis)
        if self.irreps_node_attr is None:
            if node_attrs is not None:
                raise ValueError(
                    "node_attrs given, but the layer was built without irreps_node_attr; "
                    "build it with irreps_node_attr=... to use node attributes"
                )
        elif node_attrs is None:
            raise ValueError(f"node_attrs of shape (N, {self._dim_attr}) required: the layer has irreps_node_attr")
        elif node_attrs.dim() != 2 or node_attrs.shape[0] != node_features.shape[0] or node_attrs.shape[1] != self._dim_attr:
            raise ValueError(
                f"node_attrs must have shape ({node_features.shape[0]}, {self._dim_attr}), "
                f"got {tuple(node_attrs.shape)}"
            )

        features = self.linear_in(node_features)
        chunk = self.edge_chunk_size
        if chunk is None or num_edges <= chunk:
            summed = self._summed_messages(features, edge_index, edge_sh, edge_embedding)
        else:
            from torch.utils.checkpoint import checkpoint

            summed = None
            for start in range(0, num_edges, chunk):
                part = slice(start, start + chunk)
                partial = checkpoint(
                    self._summed_messages, features, edge_index[:, part], edge_sh[part], edge_embedding[part],
                    use_reentrant=False,
                )
                summed = partial if summed is None else summed + partial
        out = self.linear_out(summed * self._norm)
        if self.self_connection is not None:
            if node_attrs is None:
                out = out + self.self_connection(node_features)
            else:
                out = out + self.self_connection(node_features, node_attrs)
        return out

    def _summed_messages(
        self, features: torch.Tensor, edge_index: torch.Tensor, edge_sh: torch.Tensor, edge_embedding: torch.Tensor
    ) -> torch.Tensor:
        r""":math:`\sum_{j} \big(f_j \otimes_{w(|r_{ij}|)} F(\hat r_{ij})\big)` at every target i, before normalisation."""
        source, target = edge_index[0], edge_index[1]
        edge_weights = self.radial(edge_embedding)  # (E, weight_numel)
        messages = self.tp(features[source], self.filter_from_sh(edge_sh), edge_weights)
        return messages.new_zeros(features.shape[0], messages.shape[1]).index_add_(0, target, messages)

    def extra_repr(self) -> str:
        relaxed = self.relaxed_weights.irreps if self.relaxed else None
        if self.symmetry is not None:
            relaxed = f"{relaxed}, symmetry={self.symmetry.name}"
        attrs = f", node_attr={self.irreps_node_attr}" if self.irreps_node_attr is not None else ""
        return (
            f"{self.irreps_in} -> {self.irreps_out}, sh={self.irreps_sh}, "
            f"filter={self.irreps_filter}, relaxed={relaxed}{attrs}, avg_num_neighbors={self.avg_num_neighbors}"
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


def _check_inputs(node_features: torch.Tensor, edge_index: torch.Tensor, dim_in: int) -> None:
    if node_features.dim() != 2 or node_features.shape[1] != dim_in:
        raise ValueError(
            f"node_features must have shape (N, {dim_in}), got {tuple(node_features.shape)}"
        )
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"edge_index must be an integer tensor, got {edge_index.dtype}")


def _check_edge_tensor(tensor: torch.Tensor, name: str, num_edges: int, dim: int) -> None:
    if tensor.dim() != 2 or tensor.shape[0] != num_edges or tensor.shape[1] != dim:
        raise ValueError(
            f"{name} must have shape (E, {dim}) = ({num_edges}, {dim}), got {tuple(tensor.shape)}"
        )
