"""Edge encodings shared by every layer of a network: harmonics and radial basis, once per pass."""

from __future__ import annotations

from typing import Iterable

import torch
from e3nn import o3

from .._validation import as_sh_irreps
from .radial import RadialBasis

__all__ = ["EdgeEncoding", "average_num_neighbors"]


class EdgeEncoding(torch.nn.Module):
    r"""Spherical harmonics and radial embedding of edge vectors.

    .. math::
        Y(\hat r_{ij}) \in \mathbb{R}^{E \times \dim Y}, \qquad
        B(|r_{ij}|) \in \mathbb{R}^{E \times n}

    :math:`Y` are e3nn's real spherical harmonics of the unit vector
    :math:`\hat r = r / |r|` with ``"component"`` normalisation
    (:math:`\lVert Y^l(\hat r)\rVert^2 = 2l+1`), :math:`B` the Gaussian basis with a
    smooth cutoff of :class:`RadialBasis`. These are the ``edge_sh`` and
    ``edge_embedding`` arguments of :class:`RelaxedConvolution`: a network computes
    them once per forward pass and hands them to every layer.

    Parameters
    ----------
    irreps_sh : str or o3.Irreps or int
        Irreps of the harmonics, or their ``lmax``.
    cutoff : float
        Radial cutoff :math:`r_c`.
    num_basis : int
        Number of radial basis functions :math:`n`.

    Notes
    -----
    A zero-length edge (self-interaction) has :math:`\hat r = 0`: its harmonics are
    :math:`Y^0 = 1` and zero for :math:`l > 0`, with finite gradients.
    """

    def __init__(self, irreps_sh: str | o3.Irreps | int, cutoff: float, num_basis: int) -> None:
        super().__init__()
        self.irreps_sh = as_sh_irreps(irreps_sh)
        self.sh = o3.SphericalHarmonics(self.irreps_sh, normalize=False, normalization="component")
        self.radial_basis = RadialBasis(cutoff, num_basis)
        self.num_basis = int(num_basis)
        self.dim_sh = int(self.irreps_sh.dim)  # plain int: torch.compile traces no Irreps

    def spherical_harmonics(self, edge_vec: torch.Tensor) -> torch.Tensor:
        """Harmonics of the unit edge vectors, ``(E, irreps_sh.dim)``."""
        length = edge_vec.norm(dim=-1, keepdim=True)
        # r / |r| with 0/0 -> 0: the harmonics (homogeneous polynomials here) of the zero
        # vector are then 1 for l = 0 and 0 otherwise, without NaN gradients.
        unit = edge_vec / torch.where(length > 0, length, torch.ones_like(length))
        return self.sh(unit)

    def radial_embedding(self, edge_vec: torch.Tensor) -> torch.Tensor:
        """Radial basis of the edge lengths, ``(E, num_basis)``."""
        return self.radial_basis(edge_vec.norm(dim=-1))

    def forward(self, edge_vec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(edge_sh (E, irreps_sh.dim), edge_embedding (E, num_basis))`` of ``edge_vec (E, 3)``."""
        return self.spherical_harmonics(edge_vec), self.radial_embedding(edge_vec)

    def extra_repr(self) -> str:
        return f"sh={self.irreps_sh}, cutoff={self.radial_basis.cutoff}, num_basis={self.num_basis}"


def average_num_neighbors(
    graphs: torch.Tensor | Iterable[tuple[torch.Tensor, int]], num_nodes: int | None = None
) -> float:
    r"""Mean number of incoming edges per node, :math:`z = \sum_g E_g / \sum_g N_g`.

    Compute it once, from the training graphs, and pass it as ``avg_num_neighbors``
    to :class:`RelaxedConvolution` or :class:`RelaxedNetwork`: a fixed :math:`z`
    keeps the output of a node independent of the graphs it is batched with.

    Parameters
    ----------
    graphs : torch.Tensor or iterable of (edge_index, num_nodes)
        Either one graph's ``edge_index`` ``(2, E)`` (then ``num_nodes`` is required),
        or a dataset: an iterable of ``(edge_index, num_nodes)`` pairs.
    num_nodes : int, optional
        Number of nodes of the single graph ``graphs``.

    Returns
    -------
    float
        :math:`z > 0`.

    Examples
    --------
    >>> import torch
    >>> average_num_neighbors(torch.tensor([[0, 1, 2], [1, 0, 0]]), 3)
    1.0
    >>> average_num_neighbors([(torch.tensor([[0], [1]]), 2), (torch.zeros(2, 5, dtype=torch.long), 3)])
    1.2
    """
    if num_nodes is None and hasattr(graphs, "shape"):
        raise ValueError(
            "got one edge_index without num_nodes: call average_num_neighbors(edge_index, num_nodes), "
            "or pass a dataset as an iterable of (edge_index, num_nodes) pairs"
        )
    pairs = [(graphs, num_nodes)] if num_nodes is not None else graphs
    total_edges = total_nodes = 0
    for index, pair in enumerate(pairs):
        try:
            edge_index, nodes = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"graph {index}: expected a pair (edge_index, num_nodes), got {type(pair).__name__}; "
                "for a single graph call average_num_neighbors(edge_index, num_nodes)"
            ) from None
        shape = tuple(getattr(edge_index, "shape", ()))
        if len(shape) != 2 or shape[0] != 2:
            raise ValueError(f"graph {index}: edge_index must have shape (2, E), got {shape}")
        if int(nodes) < 1:
            raise ValueError(f"graph {index}: num_nodes must be >= 1, got {nodes!r}")
        total_edges += int(shape[1])
        total_nodes += int(nodes)
    if total_nodes == 0:
        raise ValueError("no graphs given: expected at least one (edge_index, num_nodes) pair")
    if total_edges == 0:
        raise ValueError("the graphs have no edges: the average number of neighbours would be 0")
    return total_edges / total_nodes
