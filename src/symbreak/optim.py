"""An O(3)-equivariant optimiser for relaxed weights, with the group-lasso proximal step.

Why not ``torch.optim.Adam`` for θ: Adam divides every component by its own
running RMS. That map does not commute with :math:`D(g)`, so even when the
gradient lies in the subspace of θ invariant under the problem's symmetry, Adam's
step leaves it, and the network learns more symmetry breaking than the data needs
(seen here on cube → prism: odd blocks grew to O(1)). Sharing the second moment
within each irrep block makes the step equivariant: rotating θ and its gradient
by :math:`D(g)` rotates the step by :math:`D(g)`. No library offers this, hence
this file.

The group-lasso penalty :math:`\\lambda \\sum_b \\lVert\\theta_b\\rVert` is not
differentiable at 0, so plain gradient steps make blocks hover around zero. Its
proximal operator, block soft-thresholding
:math:`\\theta_b \\leftarrow \\theta_b \\max(0, 1 - \\eta_b\\lambda/\\lVert\\theta_b\\rVert)`,
sets unneeded blocks exactly to zero; :math:`\\eta_b` is the block's step size.
"""

from __future__ import annotations

import math

import torch

from .nn.breaking_parameter import SCALAR, BreakingParameter

__all__ = ["IrrepsAdam"]


class IrrepsAdam(torch.optim.Optimizer):
    r"""Adam with one second moment per irrep copy of θ, plus the group-lasso prox.

    For a block :math:`b` (one copy of one irrep, ``2l+1`` components) with
    gradient :math:`g_b`:

    .. math::
        m_b \leftarrow \beta_1 m_b + (1-\beta_1) g_b, \qquad
        v_b \leftarrow \beta_2 v_b + (1-\beta_2) \lVert g_b \rVert^2 / (2l+1)

    .. math::
        \theta_b \leftarrow \theta_b - \eta_b \hat m_b, \qquad
        \eta_b = \frac{\mathrm{lr}}{\sqrt{\hat v_b} + \epsilon}

    then, for every block except ``0e``, the proximal step of
    :math:`\lambda\lVert\theta_b\rVert` with step :math:`\eta_b`. With
    ``adaptive=False`` it is SGD (:math:`\eta_b = \mathrm{lr}`) with the same prox.

    ``prox="l1"`` replaces the block prox by component-wise soft-thresholding,
    the prox of :math:`\lambda\sum_i|\theta_i|` (the penalty of Smidt et al. 2021). It is
    **frame dependent**: it prefers order parameters aligned with the e3nn basis
    of the coordinate frame, and the step is no longer equivariant.

    Parameters
    ----------
    weights : list of BreakingParameter
        θ of relaxed layers and/or learnable inputs.
    lr : float
    group_lasso : float
        λ of the proximal step (0: none).
    prox : {"norm", "l1"}
        Block (group-lasso, rotation invariant) or component-wise (L1) prox.
    adaptive : bool
        Adam-like step sizes per block (True) or plain SGD (False).
    betas, eps : as in Adam.
    """

    def __init__(
        self,
        weights: list[BreakingParameter],
        lr: float,
        *,
        group_lasso: float = 0.0,
        prox: str = "norm",
        adaptive: bool = True,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if prox not in ("norm", "l1"):
            raise ValueError(f"prox must be 'norm' or 'l1', got {prox!r}")
        self.blocks = {}
        params = []
        for theta in weights:
            # blocks of a parameter that is not penalised (a G-invariant φ) get no prox
            self.blocks[theta.weight] = [
                (a, b, ir == SCALAR or not theta.penalised) for a, b, ir in theta.block_slices()
            ]
            params.append(theta.weight)
        defaults = dict(lr=lr, group_lasso=group_lasso, prox=prox, adaptive=adaptive, betas=betas, eps=eps)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                blocks = self.blocks[param]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(param)
                    state["v"] = torch.zeros(len(blocks), dtype=param.dtype, device=param.device)
                state["step"] += 1
                t = state["step"]
                grad = param.grad
                state["m"].mul_(beta1).add_(grad, alpha=1 - beta1)
                m_hat = state["m"] / (1 - beta1**t) if group["adaptive"] else grad
                for index, (start, stop, is_scalar) in enumerate(blocks):
                    if group["adaptive"]:
                        mean_square = grad[start:stop].pow(2).mean()
                        state["v"][index] = beta2 * state["v"][index] + (1 - beta2) * mean_square
                        v_hat = state["v"][index] / (1 - beta2**t)
                        step_size = group["lr"] / (math.sqrt(v_hat.item()) + group["eps"])
                    else:
                        step_size = group["lr"]
                    block = param[start:stop]
                    block.sub_(step_size * m_hat[start:stop])
                    if group["group_lasso"] > 0 and not is_scalar:
                        threshold = step_size * group["group_lasso"]
                        if group["prox"] == "l1":
                            block.copy_(block.sign() * (block.abs() - threshold).clamp(min=0))
                        else:
                            norm = block.norm().item()
                            block.mul_(max(0.0, 1.0 - threshold / norm) if norm > 0 else 0.0)
        return loss
