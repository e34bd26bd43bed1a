"""Read-out of learned relaxed weights: blocks per irrep, norms, and their spherical signals."""

from __future__ import annotations

from typing import Any

import torch

from .nn import BreakingParameter, RelaxedWeights
from .signals import format_polynomial, relaxed_signal

__all__ = ["block_label", "theta_blocks", "theta_report", "breaking_norms"]


def block_label(ir, copy: int, multiplicity: int) -> str:
    """``"2e"``, or ``"2e[1]"`` for the second copy when an irrep appears several times."""
    return str(ir) if multiplicity == 1 else f"{ir}[{copy}]"


def theta_blocks(theta: BreakingParameter) -> dict[str, dict[str, Any]]:
    """Label → ``{"values": [...], "norm": float}`` for every block of θ."""
    counts: dict[str, int] = {}
    for ir, _, _ in theta.blocks():
        counts[str(ir)] = counts.get(str(ir), 0) + 1
    return {
        block_label(ir, copy, counts[str(ir)]): {
            "values": values.detach().cpu().double().tolist(),
            "norm": float(values.detach().norm()),
        }
        for ir, copy, values in theta.blocks()
    }


def breaking_norms(theta: BreakingParameter) -> dict[str, float]:
    """Norm of every symmetry-breaking block (all but ``0e``), by label."""
    return {label: block["norm"] for label, block in theta_blocks(theta).items() if label.split("[")[0] != "0e"}


def theta_report(model: torch.nn.Module) -> list[dict[str, Any]]:
    """One entry per relaxed layer: blocks, and the scalar / pseudoscalar signals of θ
    (background ``θ^{0e}`` removed) as Cartesian polynomials (largest coefficient 1)."""
    layers = []
    weights = [m for m in model.modules() if isinstance(m, RelaxedWeights)]
    for index, theta in enumerate(weights):
        scalar, _ = relaxed_signal(theta.weight, theta.irreps, "scalar")
        pseudo, _ = relaxed_signal(theta.weight, theta.irreps, "pseudoscalar")
        layers.append(
            {
                "layer": index,
                "irreps": str(theta.irreps),
                "blocks": theta_blocks(theta),
                "scalar_signal": format_polynomial(scalar),
                "pseudoscalar_signal": format_polynomial(pseudo),
            }
        )
    return layers
