"""Equivariance checks of graph layers and networks under O(3)."""

from __future__ import annotations

import torch

__all__ = ["equivariance_error", "random_orthogonal"]


def random_orthogonal(improper: bool, generator: torch.Generator | None = None,
                      dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A Haar-random rotation, times -1 (so including inversion) if ``improper``."""
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=dtype))
    q = q * torch.sign(torch.diagonal(r))
    if torch.det(q) < 0:
        q = -q
    return -q if improper else q


def equivariance_error(
    module: torch.nn.Module,
    node_features: torch.Tensor,
    edge_index: torch.Tensor,
    edge_vec: torch.Tensor,
    rotation: torch.Tensor,
) -> float:
    r"""Largest deviation from equivariance under one O(3) element ``rotation``.

    .. math:: \max \left| f(D_{in}(R) x, R\, r) - D_{out}(R) f(x, r) \right|

    ``module`` needs ``irreps_in`` and ``irreps_out`` and the call signature of
    :class:`~symbreak.nn.RelaxedConvolution`. ``rotation`` may be improper
    (:math:`\det R = -1`): e3nn's ``D_from_matrix`` then applies parity.
    """
    rotation = rotation.to(node_features.dtype)
    d_in = module.irreps_in.D_from_matrix(rotation)
    d_out = module.irreps_out.D_from_matrix(rotation)
    with torch.no_grad():
        rotated_first = module(node_features @ d_in.T, edge_index, edge_vec @ rotation.T)
        rotated_after = module(node_features, edge_index, edge_vec) @ d_out.T
    return (rotated_first - rotated_after).abs().max().item()

