"""Crystals: learn and name the order parameter of a structural phase transition.

The source (high-symmetry phase) and the target (low-symmetry phase) are matched atom by
atom (:func:`~symbreak.structures.match_structures`): displacements ``u_i`` (Å, source
frame, net translation removed) and, if the cells differ, the homogeneous strain ``ε``.
A relaxed network on the **periodic graph of the source** (node input: species one-hot,
``n × 0e``) outputs per atom a vector (``1o``: the displacement) and, with strain, a
``0e + 2e`` whose mean over atoms is the strain (``e3nn.io.CartesianTensor("ij=ji")``).
The loss is the mean squared error of both (strain × a length, so both are in Å).

By Curie's principle an equivariant network cannot do it: in a centrosymmetric cubic
source every site symmetry forbids a vector, so the baseline predicts ``u = 0``; the
relaxed network learns θ that breaks the symmetry. The report decomposes the learned θ
of all layers (θ^{0e} background removed) into irreps of the source's point group, names
the residual group (the stabiliser of θ) and checks that it contains the target's point
group (expressed in the source frame).
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from e3nn import io as e3nn_io
from e3nn import o3

from .._dtype import default_dtype
from ..nn import RelaxedNetwork, average_num_neighbors
from ..periodic import periodic_edge_vectors, periodic_radius_graph
from ..structures import StructureMatch, load_structure, match_structures
from ..symmetry import PointGroup
from ..results import Result, fit_verdict
from ..run import FittedModel, convergence_notes, fit_models
from ..theta import thetas_of
from ..translations import k_zero_part, translation_permutations
from ..train import TrainSettings

__all__ = ["CrystalSettings", "CrystalProblem", "CrystalResult", "deformation_scale", "model_error", "run_crystal", "analyse_breaking", "plot_crystal", "crystal_summary"]


@dataclasses.dataclass(frozen=True)
class CrystalSettings:
    """Model, training and analysis settings of the crystal task.

    Attributes
    ----------
    cutoff : float
        Neighbour cutoff (Å) of the periodic graph (and of the radial basis).
    lmax_sh : int
        Degree of the edge spherical harmonics.
    lmax_relaxed : int
        θ of every layer has every irrep up to this degree with both parities.
    irreps_hidden : str
        Hidden irreps (only the reachable ones are used).
    num_layers, num_basis, radial_neurons : int
        See :class:`~symbreak.nn.RelaxedNetwork`.
    epochs, lr, penalty, penalty_weight, seed : see :class:`~symbreak.train.TrainSettings`.
    strain_weight : float
        Weight of the strain term in the loss (strain × the length ``(V/N)^{1/3}``, so that
        it is in Å like the displacements).
    translation : {"mean", "mass"}
        Net translation removed from target and prediction (mean displacement zero, or
        centre of mass fixed).
    symprec : float
        spglib's tolerance (Å) for the space and point groups.
    symmetry_tol : float
        Relative tolerance of the stabiliser of θ (``||D(g)θ - θ|| <= tol ||θ||``).
    """

    cutoff: float = 4.5
    lmax_sh: int = 2
    lmax_relaxed: int = 2
    irreps_hidden: str = "8x0e+4x0o+4x1o+4x1e+4x2e+2x2o"
    num_layers: int = 2
    num_basis: int = 8
    radial_neurons: int = 16
    epochs: int = 300
    lr: float = 2e-2
    penalty: str = "norm"
    penalty_weight: float = 1e-3
    seed: int = 0
    strain_weight: float = 1.0
    translation: str = "mean"
    symprec: float = 1e-3
    symmetry_tol: float = 1e-3

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cutoff) and self.cutoff > 0):
            raise ValueError(f"cutoff must be a positive number (Å), got {self.cutoff!r}")
        if self.translation not in ("mean", "mass"):
            raise ValueError(f"translation must be 'mean' or 'mass', got {self.translation!r}")
        if not self.strain_weight >= 0:
            raise ValueError(f"strain_weight must be >= 0, got {self.strain_weight!r}")
        for name in ("symprec", "symmetry_tol"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")

    def train_settings(self, checkpoint_every: int = 0) -> TrainSettings:
        """:class:`~symbreak.train.TrainSettings` of the fields shared by name."""
        return TrainSettings.from_task(self, checkpoint_every=checkpoint_every)


def _symmetric_tensor_basis() -> torch.Tensor:
    """``e3nn.io.CartesianTensor("ij=ji")`` as a float64 ``(6, 3, 3)`` basis (0e then 2e, e3nn's order).

    Built with float64 as default dtype: e3nn computes the change of basis in the default
    dtype, and float32 would limit the strain to ~1e-8.
    """
    with default_dtype(torch.float64):
        return e3nn_io.CartesianTensor("ij=ji").to_cartesian(torch.eye(6))


class CrystalProblem:
    """Graph, inputs, targets and metrics of one source → target pair.

    Parameters
    ----------
    match : StructureMatch
        From :func:`~symbreak.structures.match_structures`.
    settings : CrystalSettings
    """

    def __init__(self, match: StructureMatch, settings: CrystalSettings) -> None:
        self.match, self.settings = match, settings
        source = match.source
        n = len(source)
        self.species = sorted(set(source.numbers.tolist()))
        onehot = np.zeros((n, len(self.species)))
        onehot[np.arange(n), [self.species.index(z) for z in source.numbers]] = 1.0
        self.inputs = torch.as_tensor(onehot, dtype=torch.float64)
        self.irreps_in = o3.Irreps(f"{len(self.species)}x0e")

        cell = source.cell.array
        self.edge_index, self.shifts = periodic_radius_graph(source.positions, cell, True, settings.cutoff)
        receives = np.zeros(n, dtype=bool)
        receives[self.edge_index[1].numpy()] = True
        if not receives.all():
            raise ValueError(
                f"cutoff {settings.cutoff:g} Å leaves atom(s) {np.flatnonzero(~receives)[:5].tolist()} of the "
                "source without neighbours; increase the cutoff"
            )
        self.edge_vec = periodic_edge_vectors(
            torch.as_tensor(source.positions, dtype=torch.float64),
            torch.as_tensor(cell, dtype=torch.float64),
            self.edge_index,
            self.shifts,
        )
        self.avg_num_neighbors = average_num_neighbors(self.edge_index, n)
        self.batches = [None]

        weights = source.get_masses() if settings.translation == "mass" else np.ones(n)
        self.translation_weights = torch.as_tensor(weights / weights.sum(), dtype=torch.float64)
        self.with_strain = match.cells_differ
        # strain enters the loss as ε × length: Å, like the displacements; supercell invariant
        self.length = float((abs(np.linalg.det(cell)) / n) ** (1.0 / 3.0))
        self.target_displacements = torch.as_tensor(match.displacements, dtype=torch.float64)
        self.target_strain = torch.as_tensor(match.strain, dtype=torch.float64)
        # train on targets of order one: divide by their RMS (Å)
        rms = [np.sqrt(np.mean(match.displacements**2))]
        if self.with_strain:
            rms.append(np.sqrt(np.mean((match.strain * self.length) ** 2)))
        self.scale = float(max(rms)) or 1.0  # identical structures: nothing to scale
        self.irreps_out = o3.Irreps("1x1o + 1x0e + 1x2e") if self.with_strain else o3.Irreps("1x1o")
        self._strain_basis = _symmetric_tensor_basis()  # (6, 3, 3): 0e + 2e → symmetric 3×3

    def build_model(self, relaxed: bool) -> RelaxedNetwork:
        """The relaxed network, or (``relaxed=False``) its equivariant baseline; float64, seeded."""
        s = self.settings
        with torch.random.fork_rng(devices=[]), default_dtype(torch.float64):
            torch.manual_seed(s.seed)
            model = RelaxedNetwork(
                self.irreps_in,
                s.irreps_hidden,
                self.irreps_out,
                s.lmax_sh,
                s.lmax_relaxed if relaxed else None,
                num_layers=s.num_layers,
                cutoff=s.cutoff,
                num_basis=s.num_basis,
                radial_neurons=s.radial_neurons,
                avg_num_neighbors=self.avg_num_neighbors,
            )
        return model.to(torch.float64)

    def predict(self, model: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Predicted displacements ``(N, 3)`` (Å, net translation removed) and strain ``(3, 3)`` or None."""
        out = model(self.inputs, self.edge_index, self.edge_vec) * self.scale
        displacements = out[:, :3]
        displacements = displacements - self.translation_weights @ displacements
        strain = None
        if self.with_strain:
            strain = torch.einsum("k,kij->ij", out[:, 3:9].mean(dim=0), self._strain_basis) / self.length
        return displacements, strain

    def physical_loss(self, model: torch.nn.Module) -> torch.Tensor:
        """Mean squared error (Å²): displacements, plus ``strain_weight`` × strain (× length)²."""
        displacements, strain = self.predict(model)
        loss = (displacements - self.target_displacements).pow(2).mean()
        if strain is not None:
            loss = loss + self.settings.strain_weight * ((strain - self.target_strain) * self.length).pow(2).mean()
        return loss

    def loss(self, model: torch.nn.Module, batch: Any = None) -> torch.Tensor:
        """The training loss: :meth:`physical_loss` divided by ``scale²`` (dimensionless)."""
        return self.physical_loss(model) / self.scale**2

    def evaluate(self, model: torch.nn.Module) -> dict[str, Any]:
        """``loss`` (Å²), ``displacement_error`` (Å, max over atoms of |u_pred - u|), strain error, predictions."""
        with torch.no_grad():
            displacements, strain = self.predict(model)
            loss = self.physical_loss(model).item()
        error = (displacements - self.target_displacements).norm(dim=1).max().item()
        entry = {
            "loss": loss,
            "displacement_error": error,
            "predicted_displacements": displacements.tolist(),
        }
        if strain is not None:
            entry["strain_error"] = (strain - self.target_strain).abs().max().item()
            entry["predicted_strain"] = strain.tolist()
        return entry


# ----------------------------------------------------------------------------- analysis


def length_per_atom(atoms) -> float:
    """:math:`(V/N)^{1/3}` (Å): the length that turns a strain into a displacement-like error."""
    return float((abs(np.linalg.det(atoms.cell.array)) / len(atoms)) ** (1.0 / 3.0))


def deformation_scale(match: StructureMatch) -> tuple[float, float]:
    """``(length, size)``: the length per atom ``(V/N)^{1/3}`` (Å) and the size of the distortion,
    the largest of the largest displacement and the largest strain times that length (Å)."""
    length = length_per_atom(match.source)
    strain = float(np.abs(match.strain).max()) if match.cells_differ else 0.0
    return length, max(match.max_displacement, strain * length)


def model_error(metrics: dict[str, Any], length: float) -> float:
    """Largest error of a model in Å: displacements, and strain times ``length``."""
    return max(metrics["displacement_error"], metrics.get("strain_error", 0.0) * length)


def analyse_breaking(model: torch.nn.Module, match: StructureMatch, settings: CrystalSettings,
                     fit_error: float = 0.0, group: PointGroup | None = None) -> dict[str, Any]:
    """Point-group analysis of the learned θ (all layers) against the source and target.

    Returns a JSON-able dict: ``source_point_group``; ``decomposition`` (fraction of the
    squared norm of all layers' θ, θ^{0e} removed, in each real irrep of the source's point
    group); ``dominant``; ``per_layer``; ``residual_group`` (stabiliser of θ in the source's
    point group) and its ``residual_principal_axis`` (source frame); ``target_point_group``
    (the target in the source frame) and its principal axis; ``residual_contains_target``;
    ``landau_irreps`` (irreps of G whose restriction to the target's group contains its
    trivial irrep).

    The stabiliser tolerance and the share below which irreps count as noise follow
    :func:`~symbreak.analysis.noise_tolerances`: noise is the largest of the two detected
    groups' deviations and ``fit_error`` (Å, how precisely the model fits), relative to the
    size of the distortion (:func:`deformation_scale`); ``settings.symmetry_tol`` is the floor.
    ``group`` is the source's point group, if already found (else it is detected here).
    """
    from ..analysis import breaking_analysis, noise_tolerances
    from ..symmetry import breaking_irreps

    if group is None:
        group = PointGroup.from_atoms(match.source, symprec=settings.symprec)
    target_group = PointGroup.from_atoms(match.target_in_source_frame(), symprec=settings.symprec)
    noise = max(group.max_deviation or 0.0, target_group.max_deviation or 0.0, fit_error)
    tol, named_share = noise_tolerances(noise, deformation_scale(match)[1], base_tol=settings.symmetry_tol)
    analysis = breaking_analysis(thetas_of(model), group, target_group, tol=tol, named_share=named_share,
                                 contains_atol=max(1e-3, tol))
    shared, residual = analysis.to_dict(), analysis.residual
    fractions = shared["decomposition"]
    cos = abs(float(residual.principal_axis @ target_group.principal_axis))
    return {
        **shared,
        "source_point_group": group.name,
        "dominant": max(fractions, key=fractions.get) if shared["norm"] > 0 else None,
        "breaking_norm": shared["norm"],
        "per_layer": shared["per_signal"],
        "residual_principal_axis": residual.principal_axis.tolist(),
        "target_point_group": target_group.name,
        "target_principal_axis": target_group.principal_axis.tolist(),
        "axis_angle_degrees": math.degrees(math.acos(min(1.0, cos))),
        "landau_irreps": breaking_irreps(group, target_group) if group.contains(target_group, 1e-4) else None,
    }


def _structure_entry(atoms, symprec: float, group: PointGroup) -> dict[str, Any]:
    from ..symmetry import space_group

    symbol, number = space_group(atoms, symprec=symprec)
    return {
        "name": atoms.info.get("name", atoms.get_chemical_formula()),
        "formula": atoms.get_chemical_formula(),
        "num_atoms": len(atoms),
        "space_group": symbol,
        "space_group_number": number,
        "point_group": group.name,
        "point_group_max_deviation": group.max_deviation,
        "symprec": symprec,
        "cell": atoms.cell.array.tolist(),
        "symbols": atoms.get_chemical_symbols(),
        "positions": atoms.positions.tolist(),
    }


ZONE_BOUNDARY_TOLERANCE = 0.01
"""Share of the squared displacements at k ≠ 0 above which the result says the order parameter
is out of reach of a θ shared by all atoms."""

DISPLACEMENT_TOLERANCE = 0.01
"""A model fits when its largest displacement error is at most this fraction of the target's
largest displacement."""


@dataclasses.dataclass
class CrystalResult(Result):
    """Result of :func:`run_crystal`.

    Attributes
    ----------
    match : StructureMatch
        Source, target, atom pairing, displacements and strain.
    settings : CrystalSettings
    source, target : dict
        Name, formula, space group, point group, cell, symbols, positions of each structure.
    graph : dict
        ``num_edges``, ``avg_num_neighbors``, ``species`` of the source's periodic graph.
    models : dict of str to FittedModel
    breaking : dict
        :func:`analyse_breaking` of the relaxed model.
    seconds : float
    """

    kind: ClassVar[str] = "crystal"

    match: StructureMatch
    settings: CrystalSettings
    source: dict[str, Any]
    target: dict[str, Any]
    graph: dict[str, Any]
    models: dict[str, FittedModel]
    breaking: dict[str, Any]
    seconds: float
    k_zero_share: float = 1.0

    @property
    def out_of_reach(self) -> str | None:
        """Why part of the distortion is out of reach of a shared θ (``None`` if it is all at k = 0)."""
        outside = 1.0 - self.k_zero_share
        if outside <= ZONE_BOUNDARY_TOLERANCE:
            return None
        return (f"{outside:.0%} of the distortion (by squared amplitude) is NOT at k = 0: it changes between "
                "cells of the source's lattice, so its order parameter lies on the Brillouin-zone boundary "
                "(e.g. octahedral tilts at R or M), not at Γ. A relaxed network whose θ is shared by all "
                "atoms cannot express it: the fit below can only reach the k = 0 part "
                f"({self.k_zero_share:.0%}), and the irreps named below describe that part only. "
                "Zone-boundary order parameters need a breaking that varies between cells: `symbreak crystal` "
                "learns them with a per-atom input on the parent supercell "
                "(symbreak.tasks.zone_boundary.run_zone_boundary).")

    @property
    def relative_errors(self) -> dict[str, float]:
        """Largest error of each model (displacements, strain × length per atom) over the size of the
        distortion (:func:`deformation_scale`)."""
        length, size = deformation_scale(self.match)
        return {label: model_error(fitted.metrics, length) / max(size, 1e-300)
                for label, fitted in self.models.items()}

    @property
    def fits(self) -> dict[str, bool]:
        """Whether each model's relative displacement error is within :data:`DISPLACEMENT_TOLERANCE`."""
        return {label: error <= DISPLACEMENT_TOLERANCE for label, error in self.relative_errors.items()}

    @property
    def verdict(self) -> str:
        """Whether each model fitted the displacements (see :data:`DISPLACEMENT_TOLERANCE`)."""
        return fit_verdict(self.relative_errors, DISPLACEMENT_TOLERANCE,
                           "Max error / size of the distortion (displacements, strain × length per atom)")

    @property
    def checks(self) -> dict[str, Any]:
        """Curie's check, the dominant irrep and (with the baseline) how much worse the equivariant fit is."""
        checks = {"residual_contains_target": self.breaking["residual_contains_target"],
                  "dominant_irrep": self.breaking["dominant"]}
        if "equivariant" in self.models:
            relaxed = self.models["relaxed"].metrics["displacement_error"]
            baseline = self.models["equivariant"].metrics["displacement_error"]
            checks["baseline_to_relaxed_error_ratio"] = baseline / max(relaxed, 1e-300)
        return checks

    def payload(self) -> dict[str, Any]:
        m = self.match
        return {
            "source": self.source,
            "target": self.target,
            "matching": {
                "permutation": m.permutation, "displacements": m.displacements,
                "max_displacement": m.max_displacement, "strain": m.strain, "cells_differ": m.cells_differ,
                "rotation": m.rotation, "lattice_map": m.lattice_map, "translation_removed": m.translation,
                "translation_mode": m.translation_mode,
            },
            "graph": self.graph,
            "settings": dataclasses.asdict(self.settings),
            **{label: fitted.to_dict() for label, fitted in self.models.items()},
            "breaking": self.breaking,
            "checks": self.checks,
            "displacement_tolerance": DISPLACEMENT_TOLERANCE,
            "k_zero_share": self.k_zero_share,
            "out_of_reach": self.out_of_reach,
            "verdict": self.verdict,
            "seconds": self.seconds,
        }

    def summary(self) -> str:
        reach = [f"[bold red]Out of reach:[/] {self.out_of_reach}"] if self.out_of_reach else []
        return "\n".join([crystal_summary(self.to_dict()), *reach, self.verdict, *convergence_notes(self.models, self.fits),
                          self.breaking["sentence"]])

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import plot_loss_curves

        report = self.to_dict()
        histories = {label: fitted.history for label, fitted in self.models.items()}
        return [plot_crystal(report, out_dir), plot_loss_curves(histories, Path(out_dir) / "loss.png", "crystal")]


def run_crystal(
    source: Any,
    target: Any,
    settings: CrystalSettings = CrystalSettings(),
    progress: bool = False,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    *,
    baseline: bool = True,
    checkpoint_every: int = 100,
) -> CrystalResult:
    """Match source → target, train the relaxed network and its equivariant baseline, analyse θ.

    Parameters
    ----------
    source, target : str, Path or ase.Atoms
        Built-in names (``"BaTiO3-cubic"``, ``"BaTiO3-tetragonal"``), structure files ASE
        reads, or ``Atoms``.
    settings : CrystalSettings
    progress : bool
        Show progress bars.
    checkpoint_dir : path, optional
        Checkpoints ``relaxed.pt`` and ``equivariant.pt`` are written there.
    resume : bool
        Continue from the checkpoints in ``checkpoint_dir``.
    baseline : bool
        Also train the equivariant baseline.
    """
    started = time.perf_counter()
    source_atoms = load_structure(source)
    target_atoms = load_structure(target)
    match = match_structures(source_atoms, target_atoms, translation=settings.translation)
    problem = CrystalProblem(match, settings)
    models = fit_models(
        problem, settings.train_settings(checkpoint_every), baseline=baseline, progress=progress,
        checkpoint_dir=checkpoint_dir, resume=resume,
    )
    # the source's group is detected once: the structure entry and the analysis share it
    source_group = PointGroup.from_atoms(match.source, symprec=settings.symprec)
    target_group = PointGroup.from_atoms(match.target, symprec=settings.symprec)
    breaking = analyse_breaking(models["relaxed"].model, match, settings,
                                fit_error=model_error(models["relaxed"].metrics, deformation_scale(match)[0]),
                                group=source_group)
    # the same space-group modes (ISO-IR labels, k) as `symbreak modes` and the supercell route
    from .zone_boundary import label_crystal_breaking

    try:
        breaking["iso_ir"] = label_crystal_breaking(match, models["relaxed"].metrics["predicted_displacements"],
                                                    settings.symprec)
    except ValueError as error:  # an analysis step never loses a trained result
        breaking["iso_ir"] = {"error": str(error)}
    return CrystalResult(
        match=match,
        settings=settings,
        source=_structure_entry(match.source, settings.symprec, source_group),
        target=_structure_entry(match.target, settings.symprec, target_group),
        graph={"num_edges": int(problem.edge_index.shape[1]), "avg_num_neighbors": problem.avg_num_neighbors,
               "species": problem.species},
        models=models,
        breaking=breaking,
        seconds=time.perf_counter() - started,
        k_zero_share=_k_zero_share(match, settings.symprec),
    )


def _k_zero_share(match: StructureMatch, symprec: float) -> float:
    """Share of the squared displacements that every pure translation of the source keeps (k = 0)."""
    displacements = np.asarray(match.displacements, dtype=np.float64)
    total = float(np.sum(displacements**2))
    if total == 0:
        return 1.0
    periodic = k_zero_part(displacements, translation_permutations(match.source, symprec))
    return float(np.sum(periodic**2) / total)


# ----------------------------------------------------------------------------- figure


def plot_crystal(report: dict[str, Any], out_dir: str | Path, *, filename: str = "crystal.png",
                 exaggerate: float | None = None) -> Path:
    """Figure: the source structure with true (left) and learned (right) displacement arrows.

    Arrows are scaled by ``exaggerate`` (default: so that the longest true arrow is 0.4 of
    the shortest cell edge); the equivariant baseline's arrows are drawn in the right panel
    too when present. Saved atomically as PNG (matplotlib Agg); returns the path.
    """
    from ..plot import new_figure, save_figure

    src = report["source"]
    positions = np.asarray(src["positions"])
    cell = np.asarray(src["cell"])
    symbols = src["symbols"]
    true = np.asarray(report["matching"]["displacements"])
    learned = np.asarray(report["relaxed"]["predicted_displacements"])
    baseline = np.asarray(report["equivariant"]["predicted_displacements"]) if "equivariant" in report else None
    longest = float(np.linalg.norm(true, axis=1).max()) or 1.0
    if exaggerate is None:
        exaggerate = 0.4 * float(np.linalg.norm(cell, axis=1).min()) / longest

    palette = ["tab:green", "tab:blue", "tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:gray"]
    kinds = sorted(set(symbols), key=symbols.index)
    colours = {s: palette[i % len(palette)] for i, s in enumerate(kinds)}
    fig = new_figure(figsize=(11, 5.2))
    panels = [("true displacements", true, None), ("learned (relaxed)", learned, baseline)]
    for k, (title, arrows, extra) in enumerate(panels):
        ax = fig.add_subplot(1, 2, k + 1, projection="3d")
        _draw_cell(ax, cell)
        corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)]) @ cell
        ax.set_box_aspect(np.ptp(corners, axis=0))
        for s in kinds:
            sel = [i for i, x in enumerate(symbols) if x == s]
            ax.scatter(*positions[sel].T, s=60 if s != "O" else 30, color=colours[s], label=s, depthshade=False)
        ax.quiver(*positions.T, *(arrows * exaggerate).T, color="black", linewidth=1.5, arrow_length_ratio=0.25)
        if extra is not None and np.abs(extra).max() > 1e-12:
            ax.quiver(*positions.T, *(extra * exaggerate).T, color="tab:gray", linewidth=1.0,
                      arrow_length_ratio=0.25, label="equivariant")
        ax.set_title(title)
        ax.set_xlabel("x (Å)")
        ax.set_ylabel("y (Å)")
        ax.set_zlabel("z (Å)")
        if k == 0:
            ax.legend(loc="upper left", fontsize=8)
    breaking = report.get("breaking", {})
    err = report["relaxed"]["displacement_error"]
    base = report.get("equivariant", {}).get("displacement_error")
    fig.suptitle(
        f"{src['name']} ({src['space_group']}) → {report['target']['name']} ({report['target']['space_group']}): "
        f"order parameter {breaking.get('dominant')} of {breaking.get('source_point_group')}, residual "
        f"{breaking.get('residual_group')}\narrows ×{exaggerate:.0f}; max error {err:.2g} Å relaxed"
        + (f", {base:.2g} Å equivariant" if base is not None else ""),
        fontsize=10,
    )
    return save_figure(fig, Path(out_dir) / filename)


def _draw_cell(ax, cell: np.ndarray) -> None:
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)
    for a in range(8):
        for b in range(a + 1, 8):
            if np.abs(corners[a] - corners[b]).sum() == 1:
                seg = corners[[a, b]] @ cell
                ax.plot(*seg.T, color="lightgray", linewidth=0.8)


def crystal_summary(report: dict[str, Any]) -> str:
    """A few plain-text lines a newcomer can read: groups, fit quality, order parameter."""
    src, tgt, b = report["source"], report["target"], report["breaking"]
    def deviation(entry: dict[str, Any]) -> str:
        value = entry.get("point_group_max_deviation")
        return "" if value is None else f", max deviation {value:.2g} Å at symprec {entry['symprec']:g} Å"

    lines = [
        f"{src['name']} ({src['formula']}, {src['space_group']}, point group {src['point_group']}{deviation(src)}) "
        f"→ {tgt['name']} ({tgt['space_group']}, point group {tgt['point_group']}{deviation(tgt)}), "
        f"{src['num_atoms']} atoms",
        f"largest displacement {report['matching']['max_displacement']:.4f} Å"
        + (f", strain {np.abs(report['matching']['strain']).max():.2e}" if report["matching"]["cells_differ"] else ""),
    ]
    for name in ("relaxed", "equivariant"):
        if name in report:
            e = report[name]
            lines.append(f"{name:>11}: loss {e['loss']:.3e} Å², max displacement error {e['displacement_error']:.2e} Å")
    parts = ", ".join(f"{k} {v:.3f}" for k, v in sorted(b["decomposition"].items(), key=lambda kv: -kv[1]) if v > 1e-3)
    lines.append(f"learned symmetry breaking (θ, irreps of {b['source_point_group']}): {parts or 'none'}")
    iso = b.get("iso_ir") or {}
    if iso.get("modes"):
        from ..modes.labels import format_k

        lines.append("space-group modes of the learned displacements (as symbreak modes): " + ", ".join(
            f"{m['irrep']} k = {format_k(np.asarray(m['k']))} {m['share']:.1%} (isotropy {m.get('isotropy_subgroup')})"
            for m in iso["modes"][:3]))
    axis = ", ".join(f"{x:.3f}" for x in b["residual_principal_axis"])
    lines.append(
        f"residual symmetry {b['residual_group']} (principal axis {axis}); target point group "
        f"{b['target_point_group']} {'is' if b['residual_contains_target'] else 'is NOT'} contained"
    )
    return "\n".join(lines)
