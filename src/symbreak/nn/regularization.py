"""Penalties that make a relaxed network break as little symmetry as it can."""

from __future__ import annotations

from typing import Iterable

import torch

from .breaking_parameter import BreakingParameter

__all__ = ["relaxed_weight_penalty", "PENALTIES"]

#: Names accepted by ``relaxed_weight_penalty(kind=...)``: group lasso, squared norms, L1.
PENALTIES = ("norm", "squared", "l1")


def relaxed_weight_penalty(
    module_or_weights: torch.nn.Module | Iterable[BreakingParameter], kind: str = "norm"
) -> torch.Tensor:
    r"""Penalty on the symmetry-breaking blocks of every θ.

    ``kind="norm"`` (group lasso, rotation invariant, sparsifies whole irreps):

    .. math:: R = \sum_{\text{layers}} \sum_{(l,p) \neq (0,e)} \lVert \theta^{l,p} \rVert_2

    ``kind="squared"`` (smooth, shrinks without zeroing):

    .. math:: R = \sum_{\text{layers}} \sum_{(l,p) \neq (0,e)} \lVert \theta^{l,p} \rVert_2^2

    Both depend on θ only through block norms, which :math:`D(g)` preserves, so
    the penalty does not prefer any frame. The scalar background
    :math:`\theta^{0e}` is not penalised.

    ``kind="l1"`` (Smidt et al. 2021): :math:`\sum |\theta_i|` over the same components.
    It is **frame dependent** (a rotated order parameter gets another penalty).

    Parameters
    ----------
    module_or_weights : torch.nn.Module or iterable of BreakingParameter
        A model (every :class:`BreakingParameter` inside it: θ and learnable inputs)
        or the parameters themselves.
    kind : {"norm", "squared", "l1"}
    """
    if kind not in PENALTIES:
        raise ValueError(f"unknown penalty {kind!r}; expected one of {', '.join(PENALTIES)}")
    if isinstance(module_or_weights, torch.nn.Module):
        weights = [m for m in module_or_weights.modules() if isinstance(m, BreakingParameter)]
    else:
        weights = list(module_or_weights)
    blocks = [block for theta in weights for _, _, block in theta.breaking_blocks()]
    if not blocks:
        return torch.zeros(())
    if kind == "l1":
        return torch.cat(blocks).abs().sum()
    norms = torch.stack([block.norm() for block in blocks])
    return norms.sum() if kind == "norm" else norms.pow(2).sum()
