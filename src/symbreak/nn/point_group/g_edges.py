r"""Edge features in G-irreps: a learned angular function, projected onto each irrep by group averaging.

For an edge vector :math:`r` and any function :math:`F_\Gamma: \mathbb{R}^3 \to \mathbb{R}^{m \times d_\Gamma}`,

.. math:: e_\Gamma(r) = \frac{1}{|G|} \sum_{g \in G} \rho_\Gamma(g)^\top F_\Gamma(g\, r)

transforms as :math:`e_\Gamma(h r) = \rho_\Gamma(h)\, e_\Gamma(r)` for every :math:`h \in G`
(substitute :math:`g' = g h`). This is the projection operator of the paper,
:math:`P^\Gamma_{ij} = \frac{d_\Gamma}{|G|}\sum_g \Gamma_{ij}(g)^* O(g)`, applied to the functions
:math:`F` instead of to spherical harmonics: with :math:`F` the harmonics up to some :math:`l`,
:math:`e_\Gamma` are their symmetry-adapted combinations (cubic harmonics for Oh); with
:math:`F` a learned MLP of :math:`(\hat r, |r|)`, the angular resolution is whatever the MLP
can represent. Nothing is cut at an :math:`l_{max}`: G sees a direction only through its
orbit :math:`\{g \hat r\}`, and every G-equivariant function of the direction is of this form
(take :math:`F = e` itself).
"""

from __future__ import annotations

import numpy as np
import torch
from e3nn.nn import FullyConnectedNet

from ...symmetry import irrep_matrices
from ..radial import RadialBasis, smooth_cutoff
from .g_irreps import GIrreps

__all__ = ["GEdgeEncoding"]


class GEdgeEncoding(torch.nn.Module):
    """Edge features ``(E, irreps_edge.dim)`` of edge vectors, exactly G-equivariant.

    Parameters
    ----------
    irreps_edge : GIrreps
        Irreps (and channels) of the edge features.
    cutoff : float
        Radial cutoff; features vanish smoothly at it (radial basis with a smooth cutoff).
    num_basis : int
        Radial basis functions fed to the MLP with the unit vector.
    hidden : int
        Width of the MLP's two hidden layers.
    """

    def __init__(self, irreps_edge: GIrreps, cutoff: float, num_basis: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.irreps_edge = irreps_edge
        group = irreps_edge.group
        self.radial_basis = RadialBasis(cutoff, num_basis)
        self.mlp = FullyConnectedNet([3 + num_basis, hidden, hidden, irreps_edge.dim], torch.nn.functional.silu)
        self._operations_float64 = np.array(group.matrices)
        rho = [irrep_matrices(group, label) for _, label in irreps_edge]
        self._rho_float64 = rho
        dtype = torch.get_default_dtype()
        self.register_buffer("operations", torch.as_tensor(self._operations_float64, dtype=dtype), persistent=False)
        for index, r in enumerate(rho):
            self.register_buffer(f"rho_{index}", torch.as_tensor(np.array(r), dtype=dtype), persistent=False)

    def exact_float64(self) -> None:
        """Constants recomputed in float64 (see :func:`~symbreak.nn.float64_copy`)."""
        self.operations = torch.as_tensor(self._operations_float64, dtype=torch.float64)
        for index, r in enumerate(self._rho_float64):
            setattr(self, f"rho_{index}", torch.as_tensor(np.array(r), dtype=torch.float64))

    def forward(self, edge_vec: torch.Tensor) -> torch.Tensor:
        """``edge_vec (E, 3)`` (:math:`x_j - x_i`) → ``(E, irreps_edge.dim)``."""
        length = edge_vec.norm(dim=-1, keepdim=True)
        unit = edge_vec / torch.where(length > 0, length, torch.ones_like(length))
        orbit = torch.einsum("gij,ej->egi", self.operations.to(edge_vec.dtype), unit)  # (E, |G|, 3)
        radial = self.radial_basis(length.squeeze(-1))  # (E, num_basis), zero beyond the cutoff
        inputs = torch.cat([orbit, radial[:, None, :].expand(-1, orbit.shape[1], -1)], dim=-1)
        values = self.mlp(inputs)  # F(g r), (E, |G|, dim)
        # MLP(0) need not vanish: the envelope makes features go to zero smoothly at the cutoff
        values = values * smooth_cutoff(length, self.radial_basis.cutoff)[:, None, :]
        pieces = []
        for index, ((mul, _), part, d) in enumerate(zip(self.irreps_edge, self.irreps_edge.slices, self.irreps_edge.dims)):
            rho = getattr(self, f"rho_{index}").to(edge_vec.dtype)  # (|G|, d, d)
            f = values[..., part].unflatten(-1, (mul, d))  # (E, |G|, mul, d)
            # e[e, m, a] = (1/|G|) Σ_g Σ_b ρ(g)_{ba} F[e, g, m, b]
            pieces.append((torch.einsum("gba,egmb->ema", rho, f) / rho.shape[0]).flatten(-2))
        return torch.cat(pieces, dim=-1)
