"""Tensor kinds as the learning task needs them: irreps, the change of basis, Voigt.

A stand-in until :mod:`symbreak.tensors` lands (it will hold the one ``TensorKind``): the task
only calls :func:`kind_basis` and :func:`voigt_pairs`, so swapping the source is one edit.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["KIND_FORMULAS", "kind_basis", "voigt_pairs", "cartesian_to_voigt", "check_kind"]

# index symmetries (and parity) of the kinds the learning task reads; e3nn's formula syntax
KIND_FORMULAS = {
    "elastic": "ijkl=jikl=klij",
    "dielectric": "ij=ji",
    "piezoelectric": "ijk=ikj",
}

VOIGT_PAIRS = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
"""Voigt order xx, yy, zz, yz, xz, xy (pymatgen's and Nye's)."""


def check_kind(kind: str) -> str:
    """``kind`` if known, else a ``ValueError`` listing the known kinds."""
    if kind not in KIND_FORMULAS:
        raise ValueError(f"unknown tensor kind {kind!r}; expected one of {', '.join(KIND_FORMULAS)}")
    return kind


@functools.lru_cache(maxsize=None)
def kind_basis(kind: str) -> tuple[str, np.ndarray]:
    """``(irreps, Q)``: the O(3) irreps of the kind and the float64 map from irreps to Cartesian.

    ``Q`` has shape ``(dim, 3, ..., 3)``: a tensor with irreps coefficients ``y`` is
    ``T = Σ_a y_a Q_a`` (e3nn's ``CartesianTensor.to_cartesian``); ``Q`` has orthonormal rows
    in the flattened Cartesian space, so ``y = Q · T`` for every tensor with the kind's index
    symmetries. Built with float64 as torch's default dtype (e3nn bakes constants in it).
    """
    import torch
    from e3nn import io

    from .._dtype import default_dtype

    with default_dtype(torch.float64):
        tensor = io.CartesianTensor(KIND_FORMULAS[check_kind(kind)])
        q = tensor.to_cartesian(torch.eye(tensor.dim, dtype=torch.float64)).numpy()
    q.setflags(write=False)
    return str(tensor), q


def voigt_pairs(rank: int) -> tuple[tuple[int, int], ...]:
    """The Voigt index pairs (rank 4 → 6×6, rank 2 → 6-vector)."""
    if rank not in (2, 4):
        raise ValueError(f"Voigt notation is defined here for rank 2 and 4, got rank {rank}")
    return VOIGT_PAIRS


def cartesian_to_voigt(tensor: np.ndarray) -> np.ndarray:
    """``C_IJ = C_ijkl`` (stiffness convention: no factors) for ``(..., 3, 3, 3, 3)`` tensors."""
    rows = [[tensor[..., i, j, k, l] for (k, l) in VOIGT_PAIRS] for (i, j) in VOIGT_PAIRS]
    return np.moveaxis(np.asarray(rows), (0, 1), (-2, -1))
