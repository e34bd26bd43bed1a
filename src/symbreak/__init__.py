"""symbreak: learn and discover symmetry breaking with relaxed E(3)-equivariant networks.

The layers are in :mod:`symbreak.nn`, the experiments in :mod:`symbreak.tasks`.
"""

from .graph import edge_vectors, radius_graph, self_loops
from .nn import (
    RelaxedConvolution,
    RelaxedNetwork,
    RelaxedWeights,
    equivariance_error,
    relaxed_weight_penalty,
)
from .signals import points_to_signals, relaxed_signal, signals_to_points
from .train import TrainResult, TrainSettings, train

__version__ = "0.1.0"

__all__ = [
    "RelaxedConvolution",
    "RelaxedNetwork",
    "RelaxedWeights",
    "TrainResult",
    "TrainSettings",
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
