"""symbreak: learn and discover symmetry breaking with relaxed E(3)-equivariant networks.

The layers are in :mod:`symbreak.nn`, the experiments in :mod:`symbreak.tasks`.
"""

from .graph import edge_vectors, radius_graph, self_loops
from .nn import (
    EdgeEncoding,
    RelaxedConvolution,
    RelaxedFilter,
    RelaxedNetwork,
    RelaxedWeights,
    average_num_neighbors,
    equivariance_error,
    relaxed_weight_penalty,
)
from .signals import points_to_signals, relaxed_signal, signals_to_points
from .train import TrainResult, TrainSettings, train

__version__ = "0.1.0"

__all__ = [
    "EdgeEncoding",
    "RelaxedConvolution",
    "RelaxedFilter",
    "RelaxedNetwork",
    "RelaxedWeights",
    "TrainResult",
    "TrainSettings",
    "average_num_neighbors",
    "edge_vectors",
    "equivariance_error",
    "points_to_signals",
    "radius_graph",
    "relaxed_signal",
    "relaxed_weight_penalty",
    "self_loops",
    "signals_to_points",
    "train",
]
