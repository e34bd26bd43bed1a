"""Relaxed weights θ: one learnable vector of O(3) irreps (Hofgard et al. 2024, eq. 5)."""

from __future__ import annotations

import torch
from e3nn import o3

from .breaking_parameter import SCALAR, BreakingParameter, default_relaxed_irreps

__all__ = ["RelaxedWeights", "default_relaxed_irreps", "SCALAR"]


class RelaxedWeights(BreakingParameter):
    r"""Shared relaxed weights θ of one relaxed layer.

    θ is a single vector of irreps. Only the scalar block :math:`\theta^{0e}` is
    non-zero at initialisation (:math:`\theta^{0e}=1`), so a layer using it starts
    exactly equivariant (Proposition 4.1 of Hofgard et al. 2024); every other block
    starts at zero and grows only if the loss asks for symmetry breaking.

    Parameters
    ----------
    irreps : str or o3.Irreps or int
        Irreps of θ, or an int ``lmax`` for :func:`default_relaxed_irreps`. Must
        contain ``0e`` (the symmetric background).

    Attributes
    ----------
    weight : torch.nn.Parameter, shape ``(irreps.dim,)``
    """

    def __init__(self, irreps: "str | o3.Irreps | int") -> None:
        super().__init__(irreps, rows=1)

    def forward(self) -> torch.Tensor:
        """θ, shape ``(irreps.dim,)``."""
        return self.weight


