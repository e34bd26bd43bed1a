"""Radial basis of edge lengths with a smooth cutoff."""

from __future__ import annotations

import torch
from e3nn.math import soft_one_hot_linspace

__all__ = ["RadialBasis", "smooth_cutoff"]


def smooth_cutoff(distance: torch.Tensor, cutoff: float) -> torch.Tensor:
    r"""Smooth step from 1 at :math:`r=0` to 0 at :math:`r=r_c`.

    .. math:: u(x) = 1 - 10x^3 + 15x^4 - 6x^5, \quad x = \min(r/r_c, 1)

    ``u`` and its first two derivatives vanish at :math:`r_c`, and ``u(0) = 1`` so a
    zero-length self-interaction edge keeps its full weight (e3nn's ``cutoff=True``
    bases vanish at 0, which would silence such edges).
    """
    x = (distance / cutoff).clamp(max=1.0)
    return 1.0 - x**3 * (10.0 - 15.0 * x + 6.0 * x**2)


class RadialBasis(torch.nn.Module):
    r"""Gaussians on :math:`[0, r_c]` times :func:`smooth_cutoff`.

    .. math:: B_k(r) = \exp\!\left(-\left(\frac{r - \mu_k}{\sigma}\right)^2\right) / 1.12
              \cdot u(r / r_c), \quad \mu_k = \frac{k\, r_c}{n-1}

    (e3nn's ``soft_one_hot_linspace`` with ``basis="gaussian"`` for the Gaussians.)

    Parameters
    ----------
    cutoff : float
        Radius :math:`r_c` beyond which every basis function is exactly zero.
    number : int
        Number of basis functions :math:`n`.
    """

    def __init__(self, cutoff: float, number: int) -> None:
        super().__init__()
        if not cutoff > 0:
            raise ValueError(f"cutoff must be > 0, got {cutoff!r}")
        if number < 2:
            raise ValueError(f"the radial basis needs at least 2 functions, got {number!r}")
        self.cutoff = float(cutoff)
        self.number = int(number)

    def forward(self, distance: torch.Tensor) -> torch.Tensor:
        """Basis values, shape ``(*distance.shape, number)``."""
        gaussians = soft_one_hot_linspace(
            distance, 0.0, self.cutoff, self.number, basis="gaussian", cutoff=False
        )
        return gaussians * smooth_cutoff(distance, self.cutoff)[..., None]

    def extra_repr(self) -> str:
        return f"cutoff={self.cutoff}, number={self.number}"
