"""The dtype policy in one place: e3nn bakes its constants in torch's default dtype.

e3nn computes Clebsch–Gordan coefficients, change-of-basis matrices and Wigner
generators in ``torch.get_default_dtype()`` when a module or matrix is built. A model
built under float32 and cast to float64 keeps float32-rounded constants (errors near
1e-7), so everything meant to be exact in float64 is built inside :func:`default_dtype`.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["default_dtype"]


@contextlib.contextmanager
def default_dtype(dtype) -> Iterator[None]:
    """Set torch's default dtype inside the block, and restore it on the way out (also on errors)."""
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)
