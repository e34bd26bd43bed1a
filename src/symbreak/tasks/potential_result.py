"""What a potential fit leaves: errors, histories, θ, and learning curves; JSON, summary, figures."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..results import Result
from ..theta import Theta, theta_report

__all__ = ["PotentialResult", "LearningCurveResult", "SCALAR_THETA_TOLERANCE"]

#: θ counts as scalar (no symmetry learned broken) when its non-scalar part is at most this
#: share of its ``0e`` background, in every layer.
SCALAR_THETA_TOLERANCE = 1e-2


def _share(part: float, whole: float) -> str:
    """``"31%"``, or ``"2.1e-12"`` (a plain fraction) when the percentage would read 0%."""
    fraction = part / max(whole, 1e-300)
    return f"{fraction:.0%}" if fraction >= 1e-3 else f"{fraction:.1e}"


def _relative_breaking(theta: Theta) -> float:
    background = np.linalg.norm(theta.values - theta.without_background())
    return theta.breaking_norm / max(float(background), 1e-300)


@dataclasses.dataclass
class PotentialResult(Result):
    """Result of :func:`~symbreak.tasks.potential.fit_dataset`.

    Attributes
    ----------
    data : str
        What was trained on.
    dataset_summary : str
    settings : PotentialSettings
    training : DatasetTrainResult
        Training loss per epoch (``history``), validation metrics per epoch, best epoch,
        convergence.
    train_errors : dict
        Errors of the best weights on the training structures.
    n_train, n_validation : int
    thetas : list of Theta
        θ of every relaxed layer (empty for the equivariant model).
    model : RelaxedPotential
        The trained model (best weights), on the CPU.
    """

    kind: ClassVar[str] = "potential"

    data: str
    dataset_summary: str
    settings: Any
    training: Any
    train_errors: dict[str, float]
    n_train: int
    n_validation: int
    thetas: list[Theta]
    model: Any = dataclasses.field(repr=False, default=None)
    rotation_sensitivity: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def validation_errors(self) -> dict[str, float]:
        """Validation metrics of the best weights (the epoch of the lowest validation loss)."""
        validation = self.training.validation
        if "loss" not in validation:
            return {}
        return {key: values[self.training.best_epoch] for key, values in validation.items() if key != "seconds"}

    @property
    def theta_breaking(self) -> list[float]:
        """Per layer: ``|θ without 0e| / |θ^{0e}|``."""
        return [_relative_breaking(theta) for theta in self.thetas]

    def theta_sentence(self) -> str:
        """What θ learned, judged on the orientation dependence of the predictions it causes."""
        sensitivity = self.rotation_sensitivity
        effect = ""
        if sensitivity:
            v = self.validation_errors or self.train_errors
            energy_share = _share(sensitivity["energy_max"], v.get("energy_mae", 0.0))
            effect = (f" Rotating {sensitivity['structures']} structures ({sensitivity['rotations']} random O(3) "
                      f"matrices) changes the predicted energy by up to {1000 * sensitivity['energy_max']:.3g} "
                      f"meV/atom ({energy_share} of the validation energy MAE)")
            if "force_mae" in v:
                effect += (f" and forces by up to {1000 * sensitivity['force_max']:.3g} meV/Å "
                           f"({_share(sensitivity['force_max'], v['force_mae'])} of the force MAE)")
            effect += "."
        if not self.thetas:
            return "Equivariant model: no θ (energies E(3)-invariant, forces equivariant)." + effect
        breaking = self.theta_breaking
        largest = max(breaking)
        where = int(np.argmax(breaking))
        if largest <= SCALAR_THETA_TOLERANCE:
            return (f"θ stayed scalar: its symmetry-breaking part is at most {largest:.1e} of θ^0e in every layer "
                    f"(tolerance {SCALAR_THETA_TOLERANCE:.0e}); the model learned no symmetry breaking." + effect)
        blocks = ", ".join(f"{k} {v:.2g}" for k, v in self.thetas[where].breaking_norms(0.1).items())
        return (f"θ breaks symmetry: layer {where} has a non-scalar part {largest:.2g} of θ^0e ({blocks})." + effect +
                " If the targets are E(3)-invariant (energies of any physical potential are), this is capacity "
                "bought with a spurious orientation dependence; raise the penalty weight or use the equivariant model.")

    def payload(self) -> dict[str, Any]:
        training = self.training
        return {
            "data": self.data,
            "dataset": self.dataset_summary,
            "model": "relaxed" if self.settings.relaxed else "equivariant",
            "n_train": self.n_train,
            "n_validation": self.n_validation,
            "settings": dataclasses.asdict(self.settings),
            "processes": training.world_size,
            "steps_per_epoch": training.steps_per_epoch,
            "history": training.history["loss"],
            "validation_history": training.validation,
            "validation_errors": self.validation_errors,
            "train_errors": self.train_errors,
            "units": {"energy_mae": "eV/atom", "energy_rmse": "eV/atom", "force_mae": "eV/Å", "force_rmse": "eV/Å",
                      "loss": "eV²/atom² + (eV/Å)² (weighted)"},
            "best_epoch": training.best_epoch,
            "epochs_run": training.epochs_run,
            "stopped": training.stopped,
            "convergence": training.convergence.to_dict(),
            "seconds": training.seconds,
            "theta": theta_report(self.thetas),
            "theta_breaking": self.theta_breaking,
            "rotation_sensitivity": self.rotation_sensitivity,
            "theta_sentence": self.theta_sentence(),
        }

    def summary(self) -> str:
        v, t = self.validation_errors, self.train_errors
        lines = [
            f"[bold]{self.data}[/]: {self.dataset_summary}",
            f"{'relaxed' if self.settings.relaxed else 'equivariant'} model, {self.n_train} training / "
            f"{self.n_validation} validation structures, {self.training.epochs_run} epochs "
            f"({self.training.steps_per_epoch} steps each) on {self.training.world_size} process(es) in "
            f"{self.training.seconds:.1f} s; best epoch {self.training.best_epoch}",
        ]
        for name, errors in (("validation", v), ("training", t)):
            if errors:
                text = (f"{name:>10}: energy MAE {1000 * errors['energy_mae']:.2f} meV/atom "
                        f"(RMSE {1000 * errors['energy_rmse']:.2f})")
                if "force_mae" in errors:
                    text += (f", force MAE {1000 * errors['force_mae']:.1f} meV/Å "
                             f"(RMSE {1000 * errors['force_rmse']:.1f})")
                lines.append(text)
        lines.append(self.training.convergence.reason[0].upper() + self.training.convergence.reason[1:] +
                     " (validation loss)")
        lines.append(self.theta_sentence())
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import new_figure, save_figure

        figure = new_figure(figsize=(5.5, 3.6))
        axis = figure.subplots()
        epochs = np.arange(1, len(self.training.history["loss"]) + 1)
        axis.semilogy(epochs, self.training.history["loss"], label="training loss")
        if "loss" in self.training.validation:
            axis.semilogy(epochs, self.training.validation["loss"], label="validation loss")
        axis.set_xlabel("epoch")
        axis.set_ylabel("loss")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
        return [save_figure(figure, Path(out_dir) / "potential_loss.png")]


@dataclasses.dataclass
class LearningCurveResult(Result):
    """Validation errors against the number of training structures (same validation set)."""

    kind: ClassVar[str] = "learning_curve"

    fits: list[PotentialResult]

    @property
    def points(self) -> list[dict[str, Any]]:
        return [{"n_train": fit.n_train, "epochs": fit.training.epochs_run,
                 "steps": fit.training.epochs_run * fit.training.steps_per_epoch,
                 "seconds": fit.training.seconds, **fit.validation_errors}
                for fit in self.fits]

    def payload(self) -> dict[str, Any]:
        return {"data": self.fits[0].data, "model": "relaxed" if self.fits[0].settings.relaxed else "equivariant",
                "n_validation": self.fits[0].n_validation, "points": self.points,
                "fits": [fit.to_dict() for fit in self.fits]}

    def summary(self) -> str:
        lines = [f"[bold]learning curve[/] on {self.fits[0].data} ({self.fits[0].n_validation} validation structures)",
                 f"{'n_train':>8} {'steps':>6} {'E MAE meV/atom':>15} {'F MAE meV/Å':>12} {'F RMSE meV/Å':>13} "
                 f"{'seconds':>8}"]
        for point in self.points:
            lines.append(f"{point['n_train']:>8} {point['steps']:>6} {1000 * point['energy_mae']:>15.2f} "
                         f"{1000 * point.get('force_mae', float('nan')):>12.1f} "
                         f"{1000 * point.get('force_rmse', float('nan')):>13.1f} {point['seconds']:>8.1f}")
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import new_figure, save_figure

        figure = new_figure(figsize=(5.5, 3.6))
        axis = figure.subplots()
        n = [p["n_train"] for p in self.points]
        axis.loglog(n, [1000 * p["energy_mae"] for p in self.points], "o-", label="energy MAE (meV/atom)")
        if all("force_mae" in p for p in self.points):
            axis.loglog(n, [1000 * p["force_mae"] for p in self.points], "s-", label="force MAE (meV/Å)")
        axis.set_xlabel("training structures")
        axis.set_ylabel("validation error")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
        return [save_figure(figure, Path(out_dir) / "learning_curve.png")]
