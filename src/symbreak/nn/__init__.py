"""Relaxed and plain equivariant layers and networks."""

from .breaking_parameter import BreakingParameter
from .checks import equivariance_error, equivariance_errors, float64_copy, random_orthogonal, wigner_d
from .convolution import RelaxedConvolution
from .edges import EdgeEncoding, average_num_neighbors
from .learnable_input import LearnableInput, breaking_subspace
from .network import RelaxedNetwork
from .potential import RelaxedPotential
from .radial import RadialBasis, smooth_cutoff
from .relaxed_filter import RelaxedFilter, default_filter_irreps
from .regularization import PENALTIES, relaxed_weight_penalty
from .relaxed_weights import RelaxedWeights, default_relaxed_irreps
from .symmetric_weights import GroupBreaking, SymmetricRelaxedWeights

__all__ = [
    "BreakingParameter",
    "EdgeEncoding",
    "average_num_neighbors",
    "LearnableInput",
    "breaking_subspace",
    "equivariance_error",
    "equivariance_errors",
    "float64_copy",
    "random_orthogonal",
    "wigner_d",
    "PENALTIES",
    "RelaxedNetwork",
    "RelaxedPotential",
    "relaxed_weight_penalty",
    "RadialBasis",
    "RelaxedConvolution",
    "RelaxedFilter",
    "RelaxedWeights",
    "SymmetricRelaxedWeights",
    "GroupBreaking",
    "default_filter_irreps",
    "default_relaxed_irreps",
    "smooth_cutoff",
]
