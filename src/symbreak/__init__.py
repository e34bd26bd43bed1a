"""symbreak: learn and discover symmetry breaking with relaxed E(3)-equivariant networks.

The layers are in :mod:`symbreak.nn`, the experiments in :mod:`symbreak.tasks`, point groups in
:mod:`symbreak.symmetry`.

The names below are loaded on first access (PEP 562): importing torch and e3nn takes ~10 s, and
``import symbreak.symmetry`` (naming a point group, its tables) must not pay for it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

# public name -> submodule that defines it; to export a new name, add one line here
_LAZY = {
    "EdgeEncoding": ".nn",
    "RelaxedFilter": ".nn",
    "average_num_neighbors": ".nn",
    "Theta": ".theta",
    "RelaxedConvolution": ".nn",
    "RelaxedNetwork": ".nn",
    "RelaxedWeights": ".nn",
    "SymmetricRelaxedWeights": ".nn",
    "GIrreps": ".nn.point_group",
    "GNetwork": ".nn.point_group",
    "equivariance_error": ".nn",
    "relaxed_weight_penalty": ".nn",
    "edge_vectors": ".graph",
    "radius_graph": ".graph",
    "self_loops": ".graph",
    "points_to_signals": ".signals",
    "relaxed_signal": ".signals",
    "signals_to_points": ".signals",
    "TrainResult": ".train",
    "TrainSettings": ".train",
    "train": ".train",
    "decompose_distortion": ".modes",
    "decompose_field": ".modes",
    "elastic_dataset": ".tasks.tensor_data",
    "emt_elastic_tensor": ".tasks.tensor_data",
    "read_tensor_data": ".tasks.tensor_data",
    "TensorNetwork": ".tasks.tensor_model",
    "run_tensor_fit": ".tasks.tensor_fit",
    "run_prestrain": ".tasks.tensor_prestrain",
    "TensorKind": ".tensors",
    "tensor_kind": ".tensors",
    "allowed_form": ".tensors",
    "neumann_projection": ".tensors",
    "RelaxedPotential": ".nn",
    "StructureDataset": ".data",
    "collate": ".data",
    "PotentialSettings": ".tasks.potential",
    "fit_dataset": ".tasks.potential",
    "learning_curve": ".tasks.potential",
    "train_on_dataset": ".train",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'symbreak' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """Keeps an exported name that is also a submodule's name (``train``) bound to the export.

    Importing ``symbreak.train`` makes the import system set the package attribute ``train`` to
    the submodule; the eager ``__init__`` used to rebind it to the function, and so does this.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (name in _LAZY and isinstance(value, types.ModuleType)
                and value.__name__ == __name__ + _LAZY[name]):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
