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
from typing import Any

import numpy as np
import torch

from ..analysis import breaking_analysis, curie_check
from ..nn import LearnableInput, RelaxedNetwork, breaking_subspace, default_relaxed_irreps
from ..signals import format_polynomial, relaxed_signal, signal_irreps
from ..symmetry import PointGroup
from ..theta import theta_blocks
from ..train import TrainSettings, train
from .shapes import Shape, ShapeProblem, ShapeSettings, resolve_shape

__all__ = ["OrderParameterSettings", "InputNetwork", "run_order_parameter"]


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

    def __post_init__(self) -> None:
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
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        irreps = default_relaxed_irreps(settings.lmax_input)
        subspace = breaking_subspace(irreps, group) if settings.only_breaking else None
        learnable = LearnableInput(irreps, subspace=subspace)
        network = RelaxedNetwork(
            learnable.irreps, settings.irreps_hidden, signal_irreps(settings.lmax_signal),
            settings.lmax_sh, None, num_layers=settings.num_layers, cutoff=problem.cutoff,
        )
    return InputNetwork(learnable, network).to(torch.float64)


def _input_summary(learnable: LearnableInput) -> dict[str, Any]:
    value = learnable.value()[0].detach().double()
    scalar, _ = relaxed_signal(value, learnable.irreps, "scalar")
    pseudo, _ = relaxed_signal(value, learnable.irreps, "pseudoscalar")
    return {
        "irreps": str(learnable.irreps),
        "values": value.tolist(),
        "blocks": theta_blocks(learnable),
        "polynomial": format_polynomial(scalar),
        "pseudoscalar_polynomial": format_polynomial(pseudo),
    }


def run_order_parameter(
    source: str | Path | np.ndarray | Shape,
    target: str | Path | np.ndarray | Shape,
    settings: OrderParameterSettings = OrderParameterSettings(),
    *,
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    """Discover the order parameter that deforms ``source`` into ``target``.

    Returns
    -------
    dict
        ``source``/``target`` (name, points, point group), ``order_parameter``
        (irreps, values, blocks, decomposition into irreps of the source's group,
        polynomial, residual_group, sentence), ``loss`` (``before``: equivariant,
        input frozen; ``after``), ``curie`` (symmetry check of the predictions
        before and after), ``snapshots`` (input at start, middle and end of phase
        2), ``history``, ``phases`` (epochs, seconds), ``settings``; ``_model``
        and ``_problem`` for figures.
    """
    source = source if isinstance(source, Shape) else resolve_shape(source)
    target = target if isinstance(target, Shape) else resolve_shape(target)
    problem = ShapeProblem(source, target, settings.shape_settings())
    source_group = PointGroup.from_points(source.points)
    target_group = PointGroup.from_points(target.points)
    model = _build(problem, settings, source_group)
    checkpoints = None if checkpoint_dir is None else Path(checkpoint_dir)
    irreps_signal = signal_irreps(settings.lmax_signal)

    model.learnable_input.weight.requires_grad_(False)
    frozen = train(
        model, [None], problem.loss, settings.frozen_settings(), progress=progress,
        checkpoint=None if checkpoints is None else checkpoints / "frozen.pt", resume=resume,
        description="input frozen",
    )
    with torch.no_grad():
        before_prediction = problem.predict(model)
    before = problem.evaluate(model)

    model.learnable_input.weight.requires_grad_(True)
    snapshots = {"start": model.learnable_input.value()[0].detach().clone()}
    middle = settings.alternating_epochs // 2

    def snapshot(epoch: int) -> None:
        if epoch == middle:
            snapshots["middle"] = model.learnable_input.value()[0].detach().clone()

    alternating = train(
        model, [None], problem.loss, settings.alternating_settings(), progress=progress,
        checkpoint=None if checkpoints is None else checkpoints / "alternating.pt", resume=resume,
        description="alternating", on_epoch=snapshot,
    )
    snapshots["end"] = model.learnable_input.value()[0].detach().clone()
    snapshots.setdefault("middle", snapshots["end"])  # a resumed run may have skipped it
    with torch.no_grad():
        after_prediction = problem.predict(model)
    after = problem.evaluate(model)

    learnable = model.learnable_input
    analysis = breaking_analysis(
        [(learnable.value()[0], learnable.irreps)], source_group, target_group, subject="the order parameter"
    )
    order_parameter = {**_input_summary(learnable), **{
        "decomposition": analysis["decomposition"],
        "breaking_irreps": analysis["breaking_irreps"],
        "residual_group": analysis["residual_group"],
        "residual_contains_target": analysis["residual_contains_target"],
        "sentence": analysis["sentence"],
    }}
    return {
        "source": {"name": source.name, "points": source.points.tolist(), "point_group": source_group.name},
        "target": {"name": target.name, "points": target.points.tolist(), "point_group": target_group.name},
        "order_parameter": order_parameter,
        "loss": {"before": before["loss"], "after": after["loss"]},
        "vertex_error": {"before": before["vertex_error"], "after": after["vertex_error"]},
        "curie": {
            "before": curie_check(source.points, before_prediction, irreps_signal, source_group),
            "after": curie_check(source.points, after_prediction, irreps_signal, source_group),
        },
        "snapshots": {name: value.tolist() for name, value in snapshots.items()},
        "predictions": {"before": before_prediction.tolist(), "after": after_prediction.tolist()},
        "history": {"frozen": frozen.history["data_loss"], "alternating": alternating.history["data_loss"]},
        "phases": {
            "frozen": {"epochs": frozen.epochs_run, "seconds": frozen.seconds},
            "alternating": {"epochs": alternating.epochs_run, "seconds": alternating.seconds},
        },
        "settings": {**dataclasses.asdict(settings), "cutoff": problem.cutoff},
        "_model": model,
        "_problem": problem,
    }
