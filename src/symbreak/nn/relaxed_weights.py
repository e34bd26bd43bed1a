"""Relaxed weights θ: one learnable vector of O(3) irreps (Hofgard et al. 2024, eq. 5)."""

from __future__ import annotations

import torch
from e3nn import o3

__all__ = ["RelaxedWeights", "default_relaxed_irreps"]

SCALAR = o3.Irrep("0e")


def default_relaxed_irreps(lmax: int) -> o3.Irreps:
    r"""All irreps up to ``lmax``, both parities, multiplicity one.

    .. math:: \theta = \theta^{0e} \oplus \theta^{0o} \oplus \theta^{1o} \oplus \theta^{1e}
              \oplus \dots \oplus \theta^{l_{max}e} \oplus \theta^{l_{max}o}

    Parameters
    ----------
    lmax : int
        Largest angular frequency, ``lmax >= 0``.
    """
    if not isinstance(lmax, int) or lmax < 0:
        raise ValueError(f"lmax of the relaxed weights must be an integer >= 0, got {lmax!r}")
    irreps = []
    for l in range(lmax + 1):
        natural = 1 if l % 2 == 0 else -1  # parity of Y^l: the 'natural' one first
        irreps += [(1, (l, natural)), (1, (l, -natural))]
    return o3.Irreps(irreps)


class RelaxedWeights(torch.nn.Module):
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

    def __init__(self, irreps: str | o3.Irreps | int) -> None:
        super().__init__()
        if isinstance(irreps, int):
            irreps = default_relaxed_irreps(irreps)
        try:
            irreps = o3.Irreps(irreps)
        except (ValueError, AssertionError, TypeError) as error:
            raise ValueError(f"cannot read relaxed irreps {irreps!r}: {error}") from None
        if SCALAR not in [ir for _, ir in irreps]:
            raise ValueError(
                f"relaxed irreps {irreps} must contain 0e: θ^(0e) carries the symmetric part"
            )
        self.irreps = irreps
        self.weight = torch.nn.Parameter(torch.zeros(irreps.dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set θ^{0e} = 1 (first 0e copy) and every other component to zero."""
        with torch.no_grad():
            self.weight.zero_()
            self.weight[self.scalar_index] = 1.0

    @property
    def scalar_index(self) -> int:
        """Index in ``weight`` of the scalar that is 1 at initialisation."""
        for (mul, ir), s in zip(self.irreps, self.irreps.slices()):
            if ir == SCALAR:
                return s.start
        raise AssertionError("unreachable: 0e checked in __init__")

    def blocks(self) -> list[tuple[o3.Irrep, int, torch.Tensor]]:
        """θ split per irrep copy: ``(irrep, copy index, values of shape (2l+1,))``.

        Copies of the same irrep (multiplicity > 1) are separate blocks, each of
        dimension ``2l+1``.
        """
        out = []
        for (mul, ir), s in zip(self.irreps, self.irreps.slices()):
            chunk = self.weight[s].reshape(mul, ir.dim)
            out += [(ir, u, chunk[u]) for u in range(mul)]
        return out

    def breaking_blocks(self) -> list[tuple[o3.Irrep, int, torch.Tensor]]:
        """The blocks that break symmetry when non-zero: every block but the ``0e`` ones."""
        return [block for block in self.blocks() if block[0] != SCALAR]

    def forward(self) -> torch.Tensor:
        """θ, shape ``(irreps.dim,)``."""
        return self.weight

    def extra_repr(self) -> str:
        return f"irreps={self.irreps}"
