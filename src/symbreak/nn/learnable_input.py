"""A learnable input feature: order-parameter discovery by gradients (Smidt et al. 2021)."""

from __future__ import annotations

import torch
from e3nn import o3

from .breaking_parameter import BreakingParameter

__all__ = ["LearnableInput", "breaking_subspace"]


class LearnableInput(BreakingParameter):
    r"""Node input :math:`x` learned by gradient descent, starting as the scalar 1.

    Smidt, Geiger, Miller 2021 (arXiv:2007.02005): an equivariant network cannot map an
    input onto a less symmetric target, but the gradient of an invariant loss with
    respect to its *input* can be less symmetric than the input. Letting that
    gradient update :math:`x` grows the missing symmetry-breaking order parameter.

    Parameters
    ----------
    irreps : str or o3.Irreps or int
        Irreps of the input, or ``lmax`` for every irrep up to it with both parities.
    num_nodes : int, optional
        ``None``: one vector shared by all nodes (the order parameter of the whole
        object). An int: an independent vector per node (then the forward call must
        be for exactly that many nodes).
    subspace : array-like, optional
        A projector ``(dim, dim)``: the input used is ``subspace @ weight`` (per row).
        :func:`breaking_subspace` gives the one that keeps only components breaking
        a point group (plus the ``0e`` background).
    """

    def __init__(
        self, irreps: str | o3.Irreps | int, num_nodes: int | None = None, subspace=None
    ) -> None:
        super().__init__(irreps, rows=1 if num_nodes is None else num_nodes)
        self.shared = num_nodes is None
        if subspace is not None:
            subspace = torch.as_tensor(subspace, dtype=self.weight.dtype)
            if subspace.shape != (self.irreps.dim, self.irreps.dim):
                raise ValueError(
                    f"subspace must be a ({self.irreps.dim}, {self.irreps.dim}) projector, got {tuple(subspace.shape)}"
                )
            if not torch.allclose(subspace @ subspace, subspace, atol=1e-8):
                raise ValueError("subspace must be a projector (P @ P == P)")
        self.register_buffer("subspace", subspace)

    def value(self) -> torch.Tensor:
        """The input actually used, ``(rows, dim)``: the weight projected on ``subspace``."""
        rows = self.weight.view(self.rows, -1)
        return rows if self.subspace is None else rows @ self.subspace.to(rows.dtype).T

    @property
    def irreps_out(self) -> o3.Irreps:
        return self.irreps

    def forward(self, num_nodes: int) -> torch.Tensor:
        """Node features ``(num_nodes, irreps.dim)``."""
        if self.shared:
            return self.value().expand(num_nodes, -1)
        if num_nodes != self.rows:
            raise ValueError(f"this input has one vector per node for {self.rows} nodes, got {num_nodes}")
        return self.value()


def breaking_subspace(irreps: str | o3.Irreps, group) -> torch.Tensor:
    r"""Projector on the components of ``irreps`` that break ``group``, plus the ``0e`` background.

    .. math:: M = 1 - P_{A_1} + P_{0e}

    with :math:`P_{A_1}` the projector on the ``group``-invariant subspace and
    :math:`P_{0e}` the one on the ``0e`` components. :math:`M` commutes with every
    :math:`D(g)`, :math:`g \in G`. Why: components invariant under the input's
    group cannot break its symmetry; they only add capacity to the network's first
    layer, and a free input grows them instead of the order parameter (square →
    rectangle: 85 % of the input's non-scalar weight, and 99.6 % of its gradient at
    the start of learning, were A1g of D4h).
    """
    from ..symmetry import projectors  # here: nn does not otherwise need the group code

    irreps = o3.Irreps(irreps)
    invariant = torch.tensor(projectors(irreps, group)[group.real_irrep_labels[0]], dtype=torch.float64)
    scalars = torch.zeros(irreps.dim, irreps.dim, dtype=torch.float64)
    for (mul, ir), s in zip(irreps, irreps.slices()):
        if ir == o3.Irrep("0e"):
            scalars[s, s] = torch.eye(s.stop - s.start, dtype=torch.float64)
    return torch.eye(irreps.dim, dtype=torch.float64) - invariant + scalars
