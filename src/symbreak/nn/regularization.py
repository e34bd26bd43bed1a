"""Penalties that make a relaxed network break as little symmetry as it can."""

from __future__ import annotations

from typing import Iterable

import torch

from .relaxed_weights import RelaxedWeights

__all__ = ["relaxed_weight_penalty", "PENALTIES"]

PENALTIES = ("norm", "squared")


def relaxed_weight_penalty(
    module_or_weights: torch.nn.Module | Iterable[RelaxedWeights], kind: str = "norm"
) -> torch.Tensor:
    r"""Penalty on the symmetry-breaking blocks of every θ.

    ``kind="norm"`` (group lasso, rotation invariant, sparsifies whole irreps):

    .. math:: R = \sum_{\text{layers}} \sum_{(l,p) \neq (0,e)} \lVert \theta^{l,p} \rVert_2

    ``kind="squared"`` (smooth, shrinks without zeroing):

    .. math:: R = \sum_{\text{layers}} \sum_{(l,p) \neq (0,e)} \lVert \theta^{l,p} \rVert_2^2

    Both depend on θ only through block norms, which :math:`D(g)` preserves, so
    the penalty does not prefer any frame. The scalar background
    :math:`\theta^{0e}` is not penalised.

    Parameters
    ----------
    module_or_weights : torch.nn.Module or iterable of RelaxedWeights
        A model (all :class:`RelaxedWeights` inside it are used) or the θ themselves.
    kind : {"norm", "squared"}
    """
    if kind not in PENALTIES:
        raise ValueError(f"unknown penalty {kind!r}; expected one of {', '.join(PENALTIES)}")
    if isinstance(module_or_weights, torch.nn.Module):
        weights = [m for m in module_or_weights.modules() if isinstance(m, RelaxedWeights)]
    else:
        weights = list(module_or_weights)
    norms = [block.norm() for theta in weights for _, _, block in theta.breaking_blocks()]
    if not norms:
        return torch.zeros(())
    norms = torch.stack(norms)
    return norms.sum() if kind == "norm" else norms.pow(2).sum()
