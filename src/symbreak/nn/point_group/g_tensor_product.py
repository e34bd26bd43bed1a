r"""Equivariant maps between G-irrep features: the linear map and the G tensor product.

The G tensor product is the point-group analogue of e3nn's weighted tensor product
(Heilman 2025, §3):

.. math:: (x \otimes_W y)^{\gamma}_{w,n} = \sum_{\text{paths } (\alpha,\beta\to\gamma,k)}
          \sum_{u,v} W^{\text{path}}_{uvw} \sum_{i,j} U^{\gamma n,(k)}_{\alpha i\,\beta j}\, x^{\alpha}_{u,i}\, y^{\beta}_{v,j}

with the coupling coefficients :math:`U^{(k)}` of :func:`~symbreak.symmetry.coupling_coefficients`
(one path per independent coefficient; a complex pair E has two per copy). Every path is an
intertwiner and the weights only mix channels, so the product is exactly G-equivariant.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ...symmetry import coupling_coefficients
from .g_irreps import GIrreps

__all__ = ["GLinear", "GTensorProduct"]


class GLinear(torch.nn.Module):
    r"""Channel mixing within each irrep: :math:`y^\Gamma_w = \sum_u W^\Gamma_{uw} x^\Gamma_u / \sqrt{m^\Gamma_{in}}`.

    Equivariant because it acts on channels only (Schur: for a real-type Γ these are all the
    intertwiners; a complex pair's rotation-like intertwiners are left out). An output irrep
    absent from the input is refused: it could only be zero.
    """

    def __init__(self, irreps_in: GIrreps, irreps_out: GIrreps) -> None:
        super().__init__()
        self.irreps_in, self.irreps_out = irreps_in, irreps_out
        missing = [lab for _, lab in irreps_out if irreps_in.multiplicity(lab) == 0]
        if missing:
            raise ValueError(f"GLinear: output irreps {', '.join(missing)} are not in the input {irreps_in}")
        self.weights = torch.nn.ParameterList()
        for mul_out, label in irreps_out:
            self.weights.append(torch.nn.Parameter(torch.randn(irreps_in.multiplicity(label), mul_out)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., irreps_in.dim)`` → ``(..., irreps_out.dim)``."""
        pieces = []
        for (mul_out, label), weight in zip(self.irreps_out, self.weights):
            inputs = [x[..., part].unflatten(-1, (m, d))
                      for (m, lab), part, d in zip(self.irreps_in, self.irreps_in.slices, self.irreps_in.dims)
                      if lab == label]
            channels = torch.cat(inputs, dim=-2)  # (..., mul_in, d)
            out = torch.einsum("...ui,uw->...wi", channels, weight) / math.sqrt(channels.shape[-2])
            pieces.append(out.flatten(-2))
        return torch.cat(pieces, dim=-1)


class GTensorProduct(torch.nn.Module):
    """Fully connected G tensor product with learned weights per path (``uvw``), shared by all samples.

    Parameters
    ----------
    irreps1, irreps2, irreps_out : GIrreps
        Of the same group. Every output irrep must occur in some Γ1 ⊗ Γ2; otherwise a
        ``ValueError`` names the incompatible irreps.
    """

    def __init__(self, irreps1: GIrreps, irreps2: GIrreps, irreps_out: GIrreps) -> None:
        super().__init__()
        if not (irreps1.group.same_operations(irreps2.group) and irreps1.group.same_operations(irreps_out.group)):
            raise ValueError("GTensorProduct: the three G-irreps must belong to the same group (same operations)")
        self.irreps1, self.irreps2, self.irreps_out = irreps1, irreps2, irreps_out
        group = irreps1.group
        self.paths: list[tuple[int, int, int]] = []  # (term1, term2, term_out) per coefficient
        coefficients: list[np.ndarray] = []
        for i, (_, a) in enumerate(irreps1):
            for j, (_, b) in enumerate(irreps2):
                for k, (_, c) in enumerate(irreps_out):
                    for coefficient in coupling_coefficients(group, a, b, c):
                        self.paths.append((i, j, k))
                        coefficients.append(np.array(coefficient))
        reached = {k for _, _, k in self.paths}
        missing = [lab for k, (_, lab) in enumerate(irreps_out) if k not in reached]
        if missing:
            raise ValueError(
                f"incompatible irreps: {', '.join(missing)} of {group.name} occur in no product of "
                f"{irreps1} with {irreps2}"
            )
        self._coefficients_float64 = coefficients
        for index, coefficient in enumerate(coefficients):
            self.register_buffer(f"coupling_{index}", torch.as_tensor(coefficient, dtype=torch.get_default_dtype()),
                                 persistent=False)
        # fan-in of each output term: all (u, v) of the paths into it
        fan_in = {k: 0 for k in range(len(irreps_out))}
        for i, j, k in self.paths:
            fan_in[k] += irreps1.terms[i][0] * irreps2.terms[j][0]
        self._norm = [1.0 / math.sqrt(fan_in[k]) for _, _, k in self.paths]
        self.weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.randn(irreps1.terms[i][0], irreps2.terms[j][0], irreps_out.terms[k][0]))
            for i, j, k in self.paths
        )

    def exact_float64(self) -> None:
        """Coupling buffers recomputed in float64 (see :func:`~symbreak.nn.float64_copy`)."""
        for index, coefficient in enumerate(self._coefficients_float64):
            setattr(self, f"coupling_{index}", torch.as_tensor(coefficient, dtype=torch.float64))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``x (Z, irreps1.dim)``, ``y (Z, irreps2.dim)`` → ``(Z, irreps_out.dim)``."""
        i1, i2, io = self.irreps1, self.irreps2, self.irreps_out
        xs = [x[..., s].unflatten(-1, (m, d)) for (m, _), s, d in zip(i1, i1.slices, i1.dims)]
        ys = [y[..., s].unflatten(-1, (m, d)) for (m, _), s, d in zip(i2, i2.slices, i2.dims)]
        outs: list[torch.Tensor | None] = [None] * len(io)
        for index, ((i, j, k), weight, norm) in enumerate(zip(self.paths, self.weights, self._norm)):
            coupling = getattr(self, f"coupling_{index}").to(x.dtype)  # (d1, d2, d3)
            coupled = torch.einsum("zua,abc->zubc", xs[i], coupling)
            coupled = torch.einsum("zubc,zvb->zuvc", coupled, ys[j])
            term = torch.einsum("zuvc,uvw->zwc", coupled, weight) * norm
            outs[k] = term if outs[k] is None else outs[k] + term
        return torch.cat([o.flatten(-2) for o in outs], dim=-1)
