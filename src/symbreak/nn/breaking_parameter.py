"""Learnable irreps vectors that start as the scalar 1 and break symmetry as they grow."""

from __future__ import annotations

import torch
from e3nn import o3

__all__ = ["BreakingParameter", "default_relaxed_irreps", "SCALAR"]

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
        raise ValueError(f"lmax must be an integer >= 0, got {lmax!r}")
    irreps = []
    for l in range(lmax + 1):
        natural = 1 if l % 2 == 0 else -1  # parity of Y^l: the 'natural' one first
        irreps += [(1, (l, natural)), (1, (l, -natural))]
    return o3.Irreps(irreps)


class BreakingParameter(torch.nn.Module):
    r"""A learnable vector of O(3) irreps, ``rows`` copies of it, that starts symmetric.

    At initialisation the first ``0e`` component of every row is 1 and all else 0:
    a scalar, invariant under O(3). Every other block (each copy of each irrep,
    ``0o`` included) breaks symmetry when it is non-zero. The optimiser
    (:class:`~symbreak.optim.IrrepsAdam`) and the penalties act on these blocks.

    Parameters
    ----------
    irreps : str or o3.Irreps or int
        Irreps of one row, or an int ``lmax`` for :func:`default_relaxed_irreps`.
        Must contain ``0e``.
    rows : int
        Number of independent copies (e.g. one per node); stored flat.

    Attributes
    ----------
    weight : torch.nn.Parameter, shape ``(rows * irreps.dim,)``
    penalised : bool
        Whether the penalties and the group-lasso prox act on the non-``0e`` blocks of
        ``weight`` (class attribute). A subclass whose free parameters cannot break the
        symmetry it keeps (the G-invariant φ of :class:`~symbreak.nn.SymmetricRelaxedWeights`)
        sets it to False.
    """

    penalised: bool = True

    def __init__(self, irreps: str | o3.Irreps | int, rows: int = 1) -> None:
        super().__init__()
        if isinstance(irreps, int):
            irreps = default_relaxed_irreps(irreps)
        try:
            irreps = o3.Irreps(irreps)
        except (ValueError, AssertionError, TypeError) as error:
            raise ValueError(f"cannot read irreps {irreps!r}: {error}") from None
        if SCALAR not in [ir for _, ir in irreps]:
            raise ValueError(f"irreps {irreps} must contain 0e: it carries the symmetric part")
        if not isinstance(rows, int) or rows < 1:
            raise ValueError(f"rows must be an integer >= 1, got {rows!r}")
        self.irreps = irreps
        self.rows = rows
        self.weight = torch.nn.Parameter(torch.zeros(rows * irreps.dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the first ``0e`` of every row to 1 and every other component to zero."""
        scalar = next(s.start for (_, ir), s in zip(self.irreps, self.irreps.slices()) if ir == SCALAR)
        with torch.no_grad():
            self.weight.zero_()
            self.weight.view(self.rows, -1)[:, scalar] = 1.0

    def block_slices(self) -> list[tuple[int, int, o3.Irrep]]:
        """``(start, stop, irrep)`` in ``weight`` of every block (row, irrep, copy)."""
        out = []
        for row in range(self.rows):
            offset = row * self.irreps.dim
            for (mul, ir), s in zip(self.irreps, self.irreps.slices()):
                for u in range(mul):
                    start = offset + s.start + u * ir.dim
                    out.append((start, start + ir.dim, ir))
        return out

    def blocks(self) -> list[tuple[o3.Irrep, int, torch.Tensor]]:
        """Every block as ``(irrep, copy index, values (2l+1,))``; copies count across rows."""
        seen: dict[o3.Irrep, int] = {}
        out = []
        for start, stop, ir in self.block_slices():
            out.append((ir, seen.get(ir, 0), self.weight[start:stop]))
            seen[ir] = seen.get(ir, 0) + 1
        return out

    def breaking_blocks(self) -> list[tuple[o3.Irrep, int, torch.Tensor]]:
        """The blocks that break symmetry when non-zero: every block but the ``0e`` ones
        (none if the parameter is not :attr:`penalised`)."""
        if not self.penalised:
            return []
        return [block for block in self.blocks() if block[0] != SCALAR]

    def effective_weight(self) -> torch.Tensor:
        """The vector the model uses, ``(rows * irreps.dim,)``: ``weight`` itself here; a
        subclass that computes it from free parameters returns the computed one."""
        return self.weight

    def extra_repr(self) -> str:
        return f"irreps={self.irreps}" + (f", rows={self.rows}" if self.rows > 1 else "")
