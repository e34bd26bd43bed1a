"""Order-parameter discovery by a learnable input (Smidt, Geiger, Miller 2021).

An equivariant network maps the source shape's vertices onto the target's
displacement signals. With a scalar input it cannot fit a less symmetric target
(Curie's principle): it outputs the average over the symmetry-equivalent targets.
Schedule of the paper: train the network with the input frozen until the loss
plateaus, then alternate network and input updates, with a sparsity penalty on
the input's symmetry-breaking blocks. The input converges to the order parameter.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from .._dtype import default_dtype
from ..analysis import BreakingAnalysis, breaking_analysis, curie_check
from ..nn import LearnableInput, RelaxedNetwork, breaking_subspace, default_relaxed_irreps
from ..results import Result
from ..signals import signal_irreps
from ..symmetry import PointGroup
from ..theta import Theta
from ..train import TrainResult, TrainSettings, train
from .shapes import (
    Shape,
    ShapeProblem,
    ShapeSettings,
    deformation_shares,
    group_text,
    matching_tolerance,
    naming_tolerances,
    resolve_shape,
)

__all__ = ["OrderParameterSettings", "OrderParameterResult", "InputNetwork", "run_order_parameter"]


@dataclasses.dataclass(frozen=True)
class OrderParameterSettings:
    """Settings of order-parameter discovery.

    Attributes
    ----------
    lmax_input : int
        The learnable input has every irrep up to this degree, both parities (paper: 4).
    lmax_signal, lmax_sh, irreps_hidden, num_layers, cutoff : as in
        :class:`~symbreak.tasks.shapes.ShapeSettings`; the signal is the displacement.
        Edge harmonics up to l = 4: with l = 2 the network could not fit L = 4
        displacement signals even without symmetry breaking (rectangle → square
        stalled at 4.5e-5; 1e-15 with l = 4).
    max_frozen_epochs : int
        Cap of phase 1 (input frozen); it normally ends at the plateau.
    plateau_window, plateau_tolerance : see :class:`~symbreak.train.TrainSettings`.
    alternating_epochs : int
        Epochs of phase 2 (network and input updated on alternate steps).
    lr : float
    penalty : {"norm", "l1"}
        Sparsity penalty on the input's non-``0e`` blocks: group norm (rotation
        invariant, the default) or Smidt et al. (2021)'s L1 (frame dependent).
    penalty_weight : float
        Small: at the symmetric start the breaking gradient is tiny (~1e-4 for
        square → rectangle), and a prox threshold above it keeps the input scalar.
    only_breaking : bool
        Hold the input's components that are invariant under the source's point
        group at zero (apart from the ``0e`` background), so the input can only
        learn components that break it (:func:`~symbreak.nn.breaking_subspace`
        says why). ``False`` lets every component of the input free.
    seed : int
    symmetry_tol : float
        Tolerance of the point-group detection (fraction of the nearest-neighbour distance),
        also used to match the vertices in the Curie check; raise it for noisy data.
    """

    lmax_input: int = 4
    lmax_signal: int = 4
    lmax_sh: int = 4
    irreps_hidden: str = "8x0e+4x0o+4x1o+4x1e+4x2e+4x2o+2x3o+2x3e+2x4e+2x4o"
    num_layers: int = 2
    cutoff: float | None = None
    max_frozen_epochs: int = 600
    plateau_window: int = 40
    plateau_tolerance: float = 1e-2
    alternating_epochs: int = 600
    lr: float = 1e-2
    penalty: str = "norm"
    penalty_weight: float = 1e-6
    only_breaking: bool = True
    seed: int = 0
    symmetry_tol: float = 0.1

    def __post_init__(self) -> None:
        self.shape_settings()  # validates the shared fields (symmetry_tol, degrees)
        if not isinstance(self.lmax_input, int) or self.lmax_input < 0:
            raise ValueError(f"lmax of the learnable input must be an integer >= 0, got {self.lmax_input!r}")
        if not isinstance(self.alternating_epochs, int) or self.alternating_epochs < 1:
            raise ValueError(f"epochs of the alternating phase must be >= 1, got {self.alternating_epochs!r}")
        if self.penalty not in ("norm", "l1"):
            raise ValueError(f"penalty must be 'norm' or 'l1', got {self.penalty!r}")

    def shape_settings(self) -> ShapeSettings:
        return ShapeSettings(
            lmax_signal=self.lmax_signal, lmax_sh=self.lmax_sh, irreps_hidden=self.irreps_hidden,
            num_layers=self.num_layers, cutoff=self.cutoff, signal="displacement", seed=self.seed,
            symmetry_tol=self.symmetry_tol,
        )

    def frozen_settings(self) -> TrainSettings:
        return TrainSettings(
            epochs=self.max_frozen_epochs, lr=self.lr, seed=self.seed, schedule="constant",
            plateau_window=self.plateau_window, plateau_tolerance=self.plateau_tolerance,
        )

    def alternating_settings(self) -> TrainSettings:
        return TrainSettings(
            epochs=self.alternating_epochs, lr=self.lr, seed=self.seed, penalty=self.penalty,
            penalty_weight=self.penalty_weight, alternate=True,
        )


class InputNetwork(torch.nn.Module):
    r"""An equivariant network fed by a :class:`~symbreak.nn.LearnableInput`.

    .. math:: y = f\big(s_i\, x,\ \text{graph}\big)

    with :math:`x` the learnable input shared by all nodes and :math:`s_i` per-node
    scalars (``node_scalars``, ones for the shapes task).
    """

    def __init__(self, learnable_input: LearnableInput, network: RelaxedNetwork) -> None:
        super().__init__()
        if learnable_input.irreps != network.irreps_in:
            raise ValueError(f"input irreps {learnable_input.irreps} ≠ network input {network.irreps_in}")
        self.learnable_input = learnable_input
        self.network = network
        self.irreps_in = network.irreps_in
        self.irreps_out = network.irreps_out

    def forward(self, node_scalars: torch.Tensor, edge_index: torch.Tensor, edge_vec: torch.Tensor) -> torch.Tensor:
        features = self.learnable_input(node_scalars.shape[0]) * node_scalars[:, :1]
        return self.network(features, edge_index, edge_vec)


def _build(problem: ShapeProblem, settings: OrderParameterSettings, group: PointGroup) -> InputNetwork:
    with torch.random.fork_rng(devices=[]), default_dtype(torch.float64):
        torch.manual_seed(settings.seed)
        irreps = default_relaxed_irreps(settings.lmax_input)
        subspace = breaking_subspace(irreps, group) if settings.only_breaking else None
        learnable = LearnableInput(irreps, subspace=subspace)
        network = RelaxedNetwork(
            learnable.irreps, settings.irreps_hidden, signal_irreps(settings.lmax_signal),
            settings.lmax_sh, None, num_layers=settings.num_layers, cutoff=problem.cutoff,
            avg_num_neighbors=problem.avg_num_neighbors,
        )
    return InputNetwork(learnable, network).to(torch.float64)


def _checked_curie(points: np.ndarray, prediction: torch.Tensor, irreps: Any, group: PointGroup,
                   tol: float) -> dict[str, Any]:
    """:func:`curie_check`, or the reason it could not run: an analysis step never loses a trained result."""
    try:
        return curie_check(points, prediction, irreps, group, tol=tol)
    except ValueError as error:
        return {"group": group.name, "max_violation": None, "site_groups": [], "error": str(error)}


@dataclasses.dataclass
class OrderParameterResult(Result):
    """Result of :func:`run_order_parameter`.

    Attributes
    ----------
    source, target : Shape
    source_group, target_group : PointGroup
    settings : OrderParameterSettings
    cutoff : float
    order_parameter : Theta
        The learned input at the end (its ``0e`` part is the background).
    analysis : BreakingAnalysis
        The order parameter named in the source's point group.
    before, after : dict
        ``loss`` and ``vertex_error`` with the input frozen (equivariant, scalar input) and after learning it.
    curie : dict
        :func:`~symbreak.analysis.curie_check` of the predictions ``before`` and ``after``
        (an ``error`` entry instead when the check could not run).
    snapshots : dict of str to Theta
        The input at the ``start``, ``middle`` and ``end`` of the alternating phase.
    predictions : dict of str to np.ndarray
        Predicted vertex signals before and after.
    frozen, alternating : TrainResult
        The two training phases.
    model : torch.nn.Module
        The trained network with its learnable input.
    """

    kind: ClassVar[str] = "order-parameter"

    source: Shape
    target: Shape
    source_group: PointGroup
    target_group: PointGroup
    settings: "OrderParameterSettings"
    cutoff: float
    order_parameter: Theta
    analysis: BreakingAnalysis
    before: dict[str, float]
    after: dict[str, float]
    curie: dict[str, dict[str, Any]]
    snapshots: dict[str, Theta]
    predictions: dict[str, np.ndarray]
    frozen: TrainResult = dataclasses.field(repr=False)
    alternating: TrainResult = dataclasses.field(repr=False)
    model: torch.nn.Module = dataclasses.field(repr=False)

    def payload(self) -> dict[str, Any]:
        theta = self.order_parameter.to_dict()
        analysis = self.analysis.to_dict()
        order_parameter = {
            "irreps": theta["irreps"], "values": theta["values"], "blocks": theta["blocks"],
            "polynomial": theta["scalar_signal"], "pseudoscalar_polynomial": theta["pseudoscalar_signal"],
            **{key: analysis[key] for key in ("decomposition", "breaking_irreps", "residual_group",
                                             "residual_contains_target", "sentence")},
        }
        return {
            "source": {"name": self.source.name, "points": self.source.points, "point_group": self.source_group.name,
                       "max_deviation": self.source_group.max_deviation},
            "target": {"name": self.target.name, "points": self.target.points, "point_group": self.target_group.name,
                       "max_deviation": self.target_group.max_deviation},
            "order_parameter": order_parameter,
            "loss": {"before": self.before["loss"], "after": self.after["loss"]},
            "vertex_error": {"before": self.before["vertex_error"], "after": self.after["vertex_error"]},
            "curie": self.curie,
            "snapshots": {name: theta.values for name, theta in self.snapshots.items()},
            "predictions": self.predictions,
            "history": {"frozen": self.frozen.history["data_loss"], "alternating": self.alternating.history["data_loss"]},
            "phases": {
                "frozen": {"epochs": self.frozen.epochs_run, "seconds": self.frozen.seconds},
                "alternating": {"epochs": self.alternating.epochs_run, "seconds": self.alternating.seconds},
            },
            "settings": {**dataclasses.asdict(self.settings), "cutoff": self.cutoff},
        }

    def summary(self) -> str:
        before = self.curie["before"]
        if before.get("error"):
            curie = f"Curie check before: could not run ({before['error']})"
        else:
            curie = (f"Curie check before: predictions keep {before['group']} to {before['max_violation']:.1e} "
                     f"(site groups {', '.join(before['site_groups'])})")
        return "\n".join([
            f"\n[bold]symbreak order-parameter: {self.source.name} → {self.target.name}[/] (point groups "
            f"{group_text(self.source_group)} → {group_text(self.target_group)})",
            f"loss with the input frozen (equivariant, scalar input): {self.before['loss']:.3e}"
            f"   after learning the input: {self.after['loss']:.3e}",
            curie,
            self.analysis.sentence,
            f"order parameter (scalar signal, 0e removed) ∝ {self.order_parameter.polynomial('scalar')}",
        ])

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import plot_loss_curves, plot_sphere_signals, plot_vertex_signals

        out = Path(out_dir)
        title = f"{self.source.name} → {self.target.name}"
        history = self.frozen.history["data_loss"] + self.alternating.history["data_loss"]
        paths = [plot_loss_curves({"input frozen, then alternating": history}, out / "loss.png", title)]
        paths.append(plot_vertex_signals(
            self.source.points,
            {"equivariant, scalar input (Curie: symmetric average)": torch.as_tensor(self.predictions["before"]),
             "with the learned order parameter": torch.as_tensor(self.predictions["after"])},
            out / "vertex_signals.png", title=f"predicted displacement signals, {title}",
        ))
        names = ("start", "middle", "end")
        signals = [self.snapshots[k].signal("scalar", subtract_background=False) for k in names]
        paths.append(plot_sphere_signals(signals, [f"input, {k}" for k in names], out / "input_signal.png"))
        return paths


def run_order_parameter(
    source: str | Path | np.ndarray | Shape,
    target: str | Path | np.ndarray | Shape,
    settings: OrderParameterSettings = OrderParameterSettings(),
    *,
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
) -> OrderParameterResult:
    """Discover the order parameter that deforms ``source`` into ``target``.

    Phase 1 trains the network with the input frozen (a scalar: the equivariant fit);
    phase 2 alternates network and input steps. The learned input is named in the
    source's point group; the Curie check of the predictions is recorded, never raised.
    """
    source = source if isinstance(source, Shape) else resolve_shape(source)
    target = target if isinstance(target, Shape) else resolve_shape(target)
    problem = ShapeProblem(source, target, settings.shape_settings())
    source_group = PointGroup.from_points(source.points, tol=settings.symmetry_tol)
    target_group = PointGroup.from_points(target.points, tol=settings.symmetry_tol)
    matching = matching_tolerance(source.points, settings.symmetry_tol)
    model = _build(problem, settings, source_group)
    checkpoints = None if checkpoint_dir is None else Path(checkpoint_dir)
    irreps_signal = signal_irreps(settings.lmax_signal)
    learnable = model.learnable_input

    learnable.weight.requires_grad_(False)
    frozen = train(
        model, [None], problem.loss, settings.frozen_settings(), progress=progress,
        checkpoint=None if checkpoints is None else checkpoints / "frozen.pt", resume=resume,
        description="input frozen",
    )
    with torch.no_grad():
        before_prediction = problem.predict(model)
    before = problem.evaluate(model)

    learnable.weight.requires_grad_(True)
    snapshots = {"start": _input_value(learnable)}
    middle = settings.alternating_epochs // 2

    def snapshot(epoch: int) -> None:
        if epoch == middle:
            snapshots["middle"] = _input_value(learnable)

    alternating = train(
        model, [None], problem.loss, settings.alternating_settings(), progress=progress,
        checkpoint=None if checkpoints is None else checkpoints / "alternating.pt", resume=resume,
        description="alternating", on_epoch=snapshot,
    )
    snapshots["end"] = _input_value(learnable)
    snapshots.setdefault("middle", snapshots["end"])  # a resumed run may have skipped it
    with torch.no_grad():
        after_prediction = problem.predict(model)
    after = problem.evaluate(model)

    tol, named_share = naming_tolerances(source, target, source_group, target_group,
                                         fit_error=after["vertex_error"])
    analysis = breaking_analysis([snapshots["end"]], source_group, target_group, subject="the order parameter",
                                 tol=tol, named_share=named_share, contains_atol=max(1e-3, tol),
                                 reference=deformation_shares(source, target, source_group, matching))
    return OrderParameterResult(
        source=source, target=target, source_group=source_group, target_group=target_group,
        settings=settings, cutoff=problem.cutoff, order_parameter=snapshots["end"], analysis=analysis,
        before={"loss": before["loss"], "vertex_error": before["vertex_error"]},
        after={"loss": after["loss"], "vertex_error": after["vertex_error"]},
        curie={
            "before": _checked_curie(source.points, before_prediction, irreps_signal, source_group, matching),
            "after": _checked_curie(source.points, after_prediction, irreps_signal, source_group, matching),
        },
        snapshots=snapshots,
        predictions={"before": before_prediction.numpy(), "after": after_prediction.numpy()},
        frozen=frozen, alternating=alternating, model=model,
    )


def _input_value(learnable: LearnableInput) -> Theta:
    """The learnable input (shared by all nodes) as a value."""
    return Theta(str(learnable.irreps), learnable.value()[0].detach().cpu().double().numpy())
