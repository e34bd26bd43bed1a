"""Fit a tensor property of the user's structures (or EMT data), with Neumann's principle measured.

:func:`run_tensor_fit` splits the data into training and validation structures, trains the
equivariant network (and with ``relaxed=True`` also the relaxed one), and reports validation
errors against the training-mean baseline and the largest Neumann violation of the
predictions on the validation structures (each in its own point group, found by spglib).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..results import Result
from ..run import FittedModel
from .tensor_baselines import MeanBaseline
from .tensor_data import TensorDataset
from .tensor_learning import TensorSettings, fit_tensor_models, neumann_violation, voigt_rmse

__all__ = ["TensorFitSettings", "TensorFitResult", "run_tensor_fit"]


@dataclasses.dataclass(frozen=True)
class TensorFitSettings:
    """Split and model of :func:`run_tensor_fit`.

    Attributes
    ----------
    validation_fraction : float
        Share of the structures held out (at least one each side).
    split_seed : int
    relaxed : bool
        Also train the relaxed network.
    model : TensorSettings
    """

    validation_fraction: float = 0.2
    split_seed: int = 0
    relaxed: bool = False
    model: TensorSettings = TensorSettings()

    def __post_init__(self) -> None:
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation fraction must be in (0, 1), got {self.validation_fraction!r}")


@dataclasses.dataclass
class TensorFitResult(Result):
    """Result of :func:`run_tensor_fit`: errors (data units), Neumann check, trained models."""

    kind: ClassVar[str] = "tensor_fit"

    settings: TensorFitSettings
    data: dict[str, Any]
    models: dict[str, FittedModel]
    mean_baseline_rmse: float
    neumann: dict[str, dict[str, Any]]
    seconds: float

    def payload(self) -> dict[str, Any]:
        return {"settings": dataclasses.asdict(self.settings), "data": self.data,
                "error": "RMSE over the independent Voigt entries (data units)",
                "mean_baseline_validation_rmse": self.mean_baseline_rmse,
                **{label: fitted.to_dict() for label, fitted in self.models.items()},
                "neumann": self.neumann, "seconds": self.seconds}

    def summary(self) -> str:
        d = self.data
        lines = [f"{d['count']} structures ({d['source']}), {d['kind']} tensors; {d['train']} for training, "
                 f"{d['validation']} held out; point groups of the held-out: {', '.join(d['validation_groups'])}",
                 f"training mean: validation RMSE {self.mean_baseline_rmse:.3g}"]
        for label, fitted in self.models.items():
            m, n = fitted.metrics, self.neumann[label]
            lines.append(f"{label:>11}: validation RMSE {m['validation_rmse']:.3g} (train {m['train_rmse']:.3g}); "
                         f"Neumann violation on the held-out structures: max {n['max_violation']:.1e}")
        if "equivariant" in self.neumann:
            ok = self.neumann["equivariant"]["max_violation"] < 1e-10
            lines.append("Equivariant predictions obey every held-out structure's point-group constraints "
                         + ("to 1e-10 (Curie = Neumann)." if ok else "NOT to 1e-10: check the structures' symmetry."))
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import plot_loss_curves

        histories = {label: fitted.history for label, fitted in self.models.items()}
        return [plot_loss_curves(histories, Path(out_dir) / "loss.png", "tensor fit")]


def run_tensor_fit(data: TensorDataset, settings: TensorFitSettings = TensorFitSettings(), *,
                   progress: bool = False) -> TensorFitResult:
    """Split, train, measure (see the module docstring)."""
    started = time.perf_counter()
    count = len(data)
    held = int(round(settings.validation_fraction * count))
    if count < 2 or not 1 <= held < count:
        raise ValueError(f"need at least one training and one validation structure; {count} structures with "
                         f"validation fraction {settings.validation_fraction:g} give {held} held out")
    order = np.random.default_rng(settings.split_seed).permutation(count)
    train, validation = data.subset(order[held:]), data.subset(order[:held])
    task, models = fit_tensor_models(train, settings.model, validation, baseline=True, relaxed=settings.relaxed,
                                     progress=progress)
    neumann = {}
    groups: list[str] = []
    for label, fitted in models.items():
        found = neumann_violation(task.predict(fitted.model, validation.structures), validation.structures,
                                  data.kind, projection=False)
        groups = [entry["point_group"] for entry in found]
        neumann[label] = {"max_violation": max(entry["violation"] for entry in found), "per_structure": found}
    mean = MeanBaseline().fit(train.tensors).predict(len(validation))
    summary = {"source": data.source, "kind": data.kind, "count": count, "train": len(train),
               "validation": len(validation), "validation_groups": sorted(set(groups))}
    return TensorFitResult(settings, summary, models, voigt_rmse(mean, validation.tensors), neumann,
                           time.perf_counter() - started)
