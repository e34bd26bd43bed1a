"""Crystals with a zone-boundary order parameter: a per-atom learnable input on the parent supercell.

A relaxed network whose θ is shared by all atoms commutes with every lattice translation of its
input graph, so on the parent supercell it can only produce the k = 0 part of a distortion
(:attr:`~symbreak.tasks.crystals.CrystalResult.out_of_reach`). Octahedral tilts (R4+, M3+) change
sign from one parent cell to the next: their order parameter is a field on the supercell.

The method here is the order-parameter method of Smidt, Geiger & Miller (2021) with one input
vector *per atom*: node features

.. math:: x_i = \\big(\\text{species one-hot}_i,\\ \\phi_i\\big),\\qquad
          \\phi_i \\in 1o \\oplus 1e \\oplus 2e,

fed to an E(3)-equivariant network on the periodic graph of the undistorted parent supercell
(:func:`~symbreak.modes.find_relation`), which predicts per-atom displacements (and the strain as
in the crystal task). :math:`\\phi` starts at zero (the network is then equivariant under the whole
parent space group, and predicts u = 0: Curie) and is learned together with the network under a
group-lasso penalty :math:`\\lambda\\sum_{i,\\Gamma}\\lVert\\phi_i^\\Gamma\\rVert`, so it grows only where
the data ask. Why per atom and not θ(R) = Σ_k θ_k cos 2πk·R: the latter needs the set of k chosen in
advance and couples the breaking to the cell phase only through the weights, while a per-atom field
is any field on the supercell, and is named exactly by the symmetry-mode decomposition that
``symbreak modes`` applies to the analysed distortion
(:func:`~symbreak.modes.decompose_field`, same parent, same supercell, same labels).

The learned input and the predicted displacements are decomposed into irreps of the parent space
group (ISO-IR labels with wavevector k), the residual symmetry of the prediction is found by spglib
on the supercell, and the comparison models (shared-θ relaxed network, equivariant baseline) are
trained on the same supercell to show that they cannot do it.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from e3nn import o3

from .._dtype import default_dtype
from ..nn import LearnableInput, RelaxedNetwork
from ..results import Result
from ..run import FittedModel, fit_models
from ..structures import load_structure, match_structures
from ..train import TrainSettings, train
from .crystals import (
    ZONE_BOUNDARY_TOLERANCE, CrystalProblem, CrystalSettings, _k_zero_share, _structure_entry, length_per_atom,
    model_error, plot_crystal,
)

__all__ = ["PER_ATOM_TOLERANCE", "SupercellInputNetwork", "ZoneBoundaryResult", "needs_supercell",
           "run_zone_boundary", "name_field", "plot_supercell_arrows"]

PER_ATOM_TOLERANCE = 0.01
"""Å: the per-atom model reproduces the child when its largest displacement error is below this."""

INPUT_IRREPS = "1o + 1e + 2e"
"""Irreps of the per-atom input: polar and axial vectors (polar and tilt / magnetic-like orders) and
quadrupoles (Jahn–Teller-like orders)."""


class SupercellInputNetwork(torch.nn.Module):
    r"""An equivariant network whose node input is the species plus a learnable per-atom field.

    .. math:: y = f\big((s_i, \phi_i)_i,\ \text{graph}\big)

    Same call as :class:`~symbreak.nn.RelaxedNetwork` (``inputs`` are the species one-hot), so
    :class:`~symbreak.tasks.crystals.CrystalProblem` evaluates it unchanged.

    Parameters
    ----------
    num_species : int
    num_atoms : int
        Atoms of the supercell (one input vector each).
    irreps_input : str
        Irreps of φ (without ``0e``: the species already give the scalars).
    network_kwargs
        Passed to :class:`~symbreak.nn.RelaxedNetwork` (equivariant: no relaxed weights).
    """

    def __init__(self, num_species: int, num_atoms: int, irreps_input: str, **network_kwargs: Any) -> None:
        super().__init__()
        irreps = o3.Irreps("0e") + o3.Irreps(irreps_input)
        # LearnableInput needs a 0e (its symmetric start); the projector keeps it at zero because
        # a per-atom scalar could itself break translations unpenalised (the species are the scalars)
        keep = torch.ones(irreps.dim, dtype=torch.float64)
        keep[0] = 0.0
        self.field = LearnableInput(irreps, num_nodes=num_atoms, subspace=torch.diag(keep))
        self.irreps_field = o3.Irreps(irreps_input)
        self.network = RelaxedNetwork(o3.Irreps(f"{num_species}x0e") + self.irreps_field, **network_kwargs)

    def values(self) -> torch.Tensor:
        """φ, ``(num_atoms, irreps_input.dim)``."""
        return self.field.value()[:, 1:]

    def forward(self, inputs: torch.Tensor, edge_index: torch.Tensor, edge_vec: torch.Tensor) -> torch.Tensor:
        return self.network(torch.cat([inputs, self.values()], dim=1), edge_index, edge_vec)


def needs_supercell(source: Any, target: Any, symprec: float = 1e-3) -> bool:
    """Whether ``target`` is not a k = 0 distortion of ``source`` on the same atoms: a different
    number of atoms (a supercell of the source), or more than
    :data:`~symbreak.tasks.crystals.ZONE_BOUNDARY_TOLERANCE` of the squared displacements at k ≠ 0."""
    source, target = load_structure(source), load_structure(target)
    if len(source) != len(target):
        return True
    return 1.0 - _k_zero_share(match_structures(source, target), symprec) > ZONE_BOUNDARY_TOLERANCE


# ----------------------------------------------------------------------------- naming


def _space_group_text(atoms, symprec: float) -> str:
    from ..symmetry import space_group

    symbol, number = space_group(atoms, symprec=symprec)
    return f"{symbol} ({number})"


def _decompose(parent, matrix, values: np.ndarray, irrep: str, symprec: float):
    from ..modes import decompose_field

    try:
        return decompose_field(parent, matrix, values, irrep, symprec=symprec)
    except ValueError:
        # a learned field is exact only to the fit error; the group-subgroup check (made for
        # structure files) may then disagree with spglib at the edge of the tolerance
        return decompose_field(parent, matrix, values, irrep, symprec=1e-8)


def name_field(parent, matrix, values: np.ndarray, *, symprec: float = 1e-3, normalise_to: int | None = None,
                       irrep: str = "1o", min_share: float = 1e-4) -> dict[str, Any]:
    """Symmetry modes of a per-atom field on ``parent_supercell(parent, matrix)``, as JSON.

    The same decomposition as ``symbreak modes`` (:func:`~symbreak.modes.decompose_field`): each
    mode with its ISO-IR label, k, share and, for displacements, the isotropy subgroup (spglib on
    the parent supercell plus that mode alone). ``normalise_to`` atoms (the child's primitive cell)
    puts amplitudes in the AMPLIMODES normalisation of ``symbreak modes``; default per given supercell.

    Returns
    -------
    dict
        ``modes`` (share ≥ ``min_share``, largest first), ``dominant`` (label or None when the field
        is zero), ``k``, ``isotropy_subgroup`` of the dominant mode, ``residual`` (Σ modes − field).
    """
    from ..modes import parent_supercell

    values = np.asarray(values, dtype=np.float64)
    result = _decompose(parent, matrix, values, irrep, symprec)
    n_given = len(values)
    scale = 1.0 if normalise_to is None else float(np.sqrt(normalise_to / n_given))
    modes = []
    for mode in result.modes:
        if mode.share < min_share:
            continue
        entry = mode.to_dict()
        # per child primitive cell, as `symbreak modes` (decompose_field normalises per given supercell)
        entry["amplitude"] = mode.amplitude * scale
        entry["amplitude_parent_cell"] = mode.amplitude_parent_cell
        entry["direction"] = [{"k": d["k"], "amplitude": d["amplitude"] * scale} for d in entry["direction"]]
        if irrep == "1o":
            probe = parent_supercell(load_structure(parent), result.analysis_matrix)
            peak = float(np.linalg.norm(mode.component, axis=1).max())
            probe.positions += mode.component * (0.1 / peak)
            entry["isotropy_subgroup"] = _space_group_text(probe, symprec)
        modes.append(entry)
    total = float(np.linalg.norm(values))
    dominant = modes[0] if modes and total > 0 else None
    return {
        "modes": modes,
        "dominant": None if dominant is None else dominant["irrep"],
        "k": None if dominant is None else dominant["k"],
        "isotropy_subgroup": None if dominant is None else dominant.get("isotropy_subgroup"),
        "origin": result.origin,
        "residual": result.residual,
    }


def label_crystal_breaking(match, predicted: np.ndarray, symprec: float) -> dict[str, Any]:
    """ISO-IR names of a crystal task's learned displacements (same atoms as the source).

    The source may itself be a supercell: it is related to its primitive cell by
    :func:`~symbreak.modes.find_relation` (the source is the "child" of its own primitive cell).
    """
    from ..modes import find_relation

    relation = find_relation(match.source, match.source, symprec=symprec)
    values = np.asarray(predicted, dtype=np.float64)[relation.permutation] @ relation.rotation
    named = name_field(relation.parent, relation.matrix, values, symprec=symprec,
                               normalise_to=relation.child_primitive_atoms)
    return {"modes": named["modes"], "order_parameter": named["dominant"], "k": named["k"],
            "isotropy_subgroup": named["isotropy_subgroup"], "origin": named["origin"]}


# ----------------------------------------------------------------------------- the run


PER_ATOM = "per-atom input"
"""Label of the per-atom-input model in reports (next to ``relaxed`` and ``equivariant``)."""

PER_ATOM_CHECKPOINT = "per_atom_input.pt"
"""File name of its checkpoint in ``checkpoint_dir`` (the comparisons write ``relaxed.pt``, ``equivariant.pt``)."""


def _build(problem: CrystalProblem, settings: CrystalSettings, num_atoms: int, irreps_input: str) -> SupercellInputNetwork:
    with torch.random.fork_rng(devices=[]), default_dtype(torch.float64):
        torch.manual_seed(settings.seed)
        model = SupercellInputNetwork(
            len(problem.species), num_atoms, irreps_input, irreps_hidden=settings.irreps_hidden,
            irreps_out=problem.irreps_out, irreps_sh=settings.lmax_sh, num_layers=settings.num_layers,
            cutoff=settings.cutoff, num_basis=settings.num_basis, radial_neurons=settings.radial_neurons,
            avg_num_neighbors=problem.avg_num_neighbors,
        )
    return model.to(torch.float64)


@dataclasses.dataclass
class ZoneBoundaryResult(Result):
    """Result of :func:`run_zone_boundary`: the crystal task on the parent supercell.

    Attributes
    ----------
    relation : Relation
        Parent, child, supercell matrix, atom pairing (:func:`~symbreak.modes.find_relation`).
    settings : CrystalSettings
    irreps_input : str
    source, target : dict
        Structure entries (the parent supercell as the source).
    models : dict of str to FittedModel
        ``"per-atom input"``, and for comparison ``"relaxed"`` (shared θ) and ``"equivariant"``.
    breaking : dict
        ISO-IR names of the learned displacements (``modes``, ``order_parameter``, ``k``,
        ``isotropy_subgroup``), of the learned strain (``strain_modes``, Γ irreps), of the learned
        input (``input_modes`` by irrep), the residual space group of the prediction, and the
        analysed distortion (``analysed``, with its ``strain_modes``) for comparison.
    k_zero_share : float
        Share of the squared displacements at k = 0 (all a shared θ can reach).
    seconds : float
    """

    kind: ClassVar[str] = "crystal"

    relation: Any
    settings: CrystalSettings
    irreps_input: str
    source: dict[str, Any]
    target: dict[str, Any]
    models: dict[str, FittedModel]
    breaking: dict[str, Any]
    k_zero_share: float
    seconds: float

    @property
    def errors(self) -> dict[str, float]:
        """Largest error (Å) of each model: displacements, and strain times the length per atom
        :math:`(V/N)^{1/3}` of the supercell, as in the crystal task (:func:`model_error`)."""
        length = length_per_atom(self.relation.supercell)
        return {label: model_error(fitted.metrics, length) for label, fitted in self.models.items()}

    @property
    def reproduces_child(self) -> bool:
        """Whether the per-atom model's largest error (displacements and strain) is within
        :data:`PER_ATOM_TOLERANCE`."""
        return self.errors[PER_ATOM] <= PER_ATOM_TOLERANCE

    @property
    def out_of_reach(self) -> str:
        """Why the shared-θ relaxed network and the equivariant baseline cannot fit it."""
        return (f"{1 - self.k_zero_share:.0%} of the distortion (by squared amplitude) is at k ≠ 0: a relaxed network "
                "whose θ is shared by all atoms commutes with the parent's lattice translations and can reach only "
                f"the k = 0 part ({self.k_zero_share:.0%}); the equivariant baseline cannot move atoms of a "
                "centrosymmetric parent at all (Curie). The per-atom input breaks translations, as the child does.")

    @property
    def verdict(self) -> str:
        err = self.errors
        lines = [f"Max error, displacements and strain × length per atom (threshold {PER_ATOM_TOLERANCE:g} Å; "
                 f"largest displacement {self.relation.max_displacement:.4f} Å):"]
        for label, value in err.items():
            ok = value <= PER_ATOM_TOLERANCE
            lines.append(f"  {label:>15}: {value:.2e} Å  {'reproduces the child' if ok else 'FAILS'}")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        r = self.relation
        return {
            "route": "supercell",
            "source": self.source,
            "target": self.target,
            "parent": {"name": r.parent.info.get("name", r.parent.get_chemical_formula()),
                       "cell": r.parent.cell.array.tolist(), "symbols": r.parent.get_chemical_symbols(),
                       "positions": r.parent.positions.tolist()},
            "matching": {"supercell": np.asarray(r.matrix).tolist(), "permutation": r.permutation,
                         "displacements": r.displacements, "max_displacement": r.max_displacement,
                         "strain": r.strain, "rotation": r.rotation, "origin_shift": r.origin_shift},
            "settings": {**dataclasses.asdict(self.settings), "irreps_input": self.irreps_input},
            **{label: fitted.to_dict() for label, fitted in self.models.items()},
            "breaking": self.breaking,
            "displacement_tolerance_angstrom": PER_ATOM_TOLERANCE,
            "reproduces_child": self.reproduces_child,
            "k_zero_share": self.k_zero_share,
            "out_of_reach": self.out_of_reach,
            "verdict": self.verdict,
            "seconds": self.seconds,
        }

    def summary(self) -> str:
        b, src, tgt = self.breaking, self.source, self.target
        lines = [
            f"{tgt['name']} ({tgt['space_group']}) on a supercell {np.asarray(self.relation.matrix).tolist()} of "
            f"{b['parent_name']} ({b['parent_space_group']}), {src['num_atoms']} atoms; {b['origin']}",
            f"[bold]zone boundary:[/] {self.out_of_reach}",
            self.verdict,
            "learned displacements (per-atom model), modes of the parent space group:",
            _mode_table(b["modes"]),
            "analysed distortion (symbreak modes):",
            _mode_table(b["analysed"]["modes"]),
        ]
        if b["analysed"].get("strain_modes"):
            lines.append(f"strain (Frobenius norm by irrep): learned {_strain_line(b['strain_modes'])}; "
                         f"analysed {_strain_line(b['analysed']['strain_modes'])}")
        for irrep, named in b["input_modes"].items():
            if named["modes"]:
                lines.append(f"learned input {irrep}: " + ", ".join(
                    f"{m['irrep']} {m['share']:.1%}" for m in named["modes"][:3]) + f" (norm {named['norm']:.3g})")
            else:
                lines.append(f"learned input {irrep}: zero (norm {named['norm']:.1e})")
        lines.append(b["sentence"])
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ..plot import plot_loss_curves

        out = Path(out_dir)
        histories = {label: fitted.history for label, fitted in self.models.items()}
        return [plot_supercell_arrows(self.to_dict(), out), _plot_learned_modes(self.breaking, out / "learned_modes.png"),
                plot_loss_curves(histories, out / "loss.png", "crystal, parent supercell")]


def _strain_table(parent, strain, symprec: float) -> list[dict[str, Any]]:
    """Homogeneous strain (parent frame) split into Γ irreps of the parent point group
    (:func:`~symbreak.modes.strain_modes`: GM1+ volume, GM3+ tetragonal, GM5+ shear for m-3m)."""
    from ..modes import strain_modes
    from ..modes.quotient import SpaceGroupAction

    action = SpaceGroupAction(parent, np.eye(3, dtype=np.int64), symprec)
    return [{"irrep": m["irrep"], "small_irrep": m["small_irrep"], "amplitude": m["amplitude"]}
            for m in strain_modes(np.asarray(strain, dtype=np.float64), action)]


def _strain_line(modes: list[dict[str, Any]]) -> str:
    return ", ".join(f"{m['irrep']} {m['amplitude']:.2e}" for m in modes) or "none"


def _mode_table(modes: list[dict[str, Any]]) -> str:
    from ..modes.labels import format_k

    rows = [f"  {'irrep':<7} {'k':<14} {'A Å':>9} {'share':>8}  isotropy subgroup"]
    for m in modes:
        rows.append(f"  {m['irrep']:<7} {format_k(np.asarray(m['k'])):<14} {m['amplitude']:>9.5f} {m['share']:>8.3%}  "
                    f"{m.get('isotropy_subgroup') or '-'}")
    return "\n".join(rows)


def run_zone_boundary(
    source: Any,
    target: Any,
    settings: CrystalSettings = CrystalSettings(),
    *,
    irreps_input: str = INPUT_IRREPS,
    baseline: bool = True,
    comparison_epochs: int | None = None,
    progress: bool = False,
    matrix: Any = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
) -> ZoneBoundaryResult:
    """Learn a zone-boundary order parameter: per-atom input on the parent supercell, named by modes.

    Parameters
    ----------
    source, target : str, Path or ase.Atoms
        The parent (any cell, e.g. its primitive cell) and the child (its own, larger cell), as
        files, built-in names (``"SrTiO3-cubic"``, ``"SrTiO3-tetragonal"``) or ``Atoms``.
    settings : CrystalSettings
        Network, training (``epochs``, ``lr``, ``penalty_weight`` of the group lasso on the input)
        and ``symprec``.
    irreps_input : str
        Irreps of the per-atom input.
    baseline : bool
        Also train, on the same supercell, the shared-θ relaxed network and the equivariant
        baseline (both must fail on a zone-boundary distortion; their errors are reported).
    comparison_epochs : int, optional
        Epochs of those two (default ``settings.epochs``).
    matrix : (3, 3) int, optional
        The child's cell in the basis of the parent cell as given (found automatically if omitted).
    checkpoint_dir : path, optional
        Save checkpoints (atomic writes) of the per-atom model to ``per_atom_input.pt`` and of
        the comparisons to ``relaxed.pt`` and ``equivariant.pt`` there.
    resume : bool
        Continue from those checkpoints: the run ends with the same weights as an uninterrupted
        one; a checkpoint of another run (other settings, structures or model) is refused.

    Returns
    -------
    ZoneBoundaryResult
    """
    from ..modes import find_relation
    from ..symmetry import space_group

    started = time.perf_counter()
    relation = find_relation(source, target, matrix=matrix, symprec=settings.symprec)
    match = match_structures(relation.supercell, relation.child, translation=settings.translation)
    problem = CrystalProblem(match, settings)
    train_settings = settings.train_settings()

    model = _build(problem, settings, len(relation.supercell), irreps_input)
    checkpoint = None if checkpoint_dir is None else Path(checkpoint_dir) / PER_ATOM_CHECKPOINT
    training = train(model, list(problem.batches), problem.loss, train_settings, progress=progress,
                     description=f"{PER_ATOM:>15}", checkpoint=checkpoint, resume=resume)
    models = {PER_ATOM: FittedModel(PER_ATOM, model, training, problem.evaluate(model), [], train_settings)}
    if baseline:
        compare = dataclasses.replace(settings, epochs=comparison_epochs or settings.epochs)
        models.update(fit_models(CrystalProblem(match, compare), compare.train_settings(), progress=progress,
                                 checkpoint_dir=checkpoint_dir, resume=resume))

    n_prim = relation.child_primitive_atoms
    name = dict(symprec=settings.symprec, normalise_to=n_prim)
    predicted = np.asarray(models[PER_ATOM].metrics["predicted_displacements"])
    # match_structures pairs the child with the supercell in the supercell's own order and frame
    learned = name_field(relation.parent, relation.matrix, predicted, **name)
    analysed = name_field(relation.parent, relation.matrix, match.displacements, **name)
    learned_strain = models[PER_ATOM].metrics.get("predicted_strain")
    strain_learned = [] if learned_strain is None else _strain_table(relation.parent, learned_strain, settings.symprec)
    analysed["strain_modes"] = (_strain_table(relation.parent, match.strain, settings.symprec)
                                if match.cells_differ else [])
    phi = model.values().detach().cpu().numpy()
    inputs = {}
    for (mul, ir), sl in zip(model.irreps_field, model.irreps_field.slices()):
        values = phi[:, sl]
        named = name_field(relation.parent, relation.matrix, values, irrep=str(ir), symprec=settings.symprec,
                                   min_share=1e-2) if mul == 1 and np.abs(values).max() > 1e-10 else {"modes": []}
        inputs[str(ir) if mul == 1 else f"{mul}x{ir}"] = {"modes": named["modes"],
                                                          "norm": float(np.linalg.norm(values))}
    error = models[PER_ATOM].metrics["displacement_error"]
    prediction = relation.supercell.copy()
    prediction.positions += predicted
    residual = space_group(prediction, symprec=max(settings.symprec, 2 * error))
    child_group = space_group(relation.child, symprec=settings.symprec)
    parent_group = space_group(relation.parent, symprec=settings.symprec)
    residual_text, child_text = f"{residual[0]} ({residual[1]})", f"{child_group[0]} ({child_group[1]})"
    agrees = learned["dominant"] == analysed["dominant"]
    # every mode carrying at least 1 % of the learned displacements (CaTiO3 Pnma: R4+, M3+, X5+, R5+)
    primary = [m for m in learned["modes"] if m["share"] >= 0.01]
    listed = " + ".join(f"{m['irrep']} {m['share']:.0%}" for m in primary) or "none"
    sentence = (f"The learned order parameter is {learned['dominant']} at k = {learned['k']} (isotropy subgroup "
                f"{learned['isotropy_subgroup']}); learned modes above 1 %: {listed}; the prediction has residual "
                f"symmetry {residual_text}, the child is {child_text}; the analysed distortion's largest mode is "
                f"{analysed['dominant']}" + (" (the same)." if agrees else " (DIFFERENT)."))
    breaking = {
        "method": "per-atom learnable input on the parent supercell (Smidt et al. 2021 order-parameter method)",
        "order_parameter": learned["dominant"], "dominant": learned["dominant"], "k": learned["k"],
        "isotropy_subgroup": learned["isotropy_subgroup"], "residual_group": residual_text,
        "target_space_group": child_text, "residual_is_target": residual[1] == child_group[1],
        "order_parameters": [m["irrep"] for m in primary],
        "modes": learned["modes"], "strain_modes": strain_learned, "origin": learned["origin"],
        "input_modes": inputs, "analysed": analysed, "agrees_with_analysis": agrees,
        "parent_name": relation.parent.info.get("name", relation.parent.get_chemical_formula()),
        "parent_space_group": f"{parent_group[0]} ({parent_group[1]})",
        "amplitude_normalisation": "child primitive cell (AMPLIMODES), as symbreak modes",
        "sentence": sentence,
    }
    from ..symmetry import PointGroup

    entries = []
    child_name = relation.child.info.get("name", relation.child.get_chemical_formula())
    for atoms, label in ((relation.supercell, f"{breaking['parent_name']} supercell"), (relation.child, child_name)):
        atoms = atoms.copy()
        atoms.info["name"] = label
        entries.append(_structure_entry(atoms, settings.symprec, PointGroup.from_atoms(atoms, symprec=settings.symprec)))
    return ZoneBoundaryResult(
        relation=relation, settings=settings, irreps_input=irreps_input, source=entries[0], target=entries[1],
        models=models, breaking=breaking, k_zero_share=_k_zero_share(match, settings.symprec),
        seconds=time.perf_counter() - started,
    )


# ----------------------------------------------------------------------------- figures


def plot_supercell_arrows(report: dict[str, Any], out_dir: str | Path, *, filename: str = "supercell.png") -> Path:
    """Figure: the parent supercell seen down c, one panel per layer of moving atoms, with the true
    (thick, light) and learned (thin, black) displacement arrows, periodic images filling a 2×2
    window of parent cells so that the rotation pattern of an octahedral tilt is visible.

    Arrows are exaggerated so that the longest true one is 0.3 of the parent's shortest edge.
    """
    from ..plot import new_figure, save_figure

    src = report["source"]
    cell = np.asarray(src["cell"])
    positions = np.asarray(src["positions"])
    symbols = src["symbols"]
    true = np.asarray(report["matching"]["displacements"])
    learned = np.asarray(report[PER_ATOM]["predicted_displacements"])
    parent_cell = np.asarray(report["parent"]["cell"])
    a = float(np.linalg.norm(parent_cell, axis=1).min())
    exaggerate = 0.3 * a / (float(np.linalg.norm(true, axis=1).max()) or 1.0)
    images = np.array([[i, j, 0] for i in range(-2, 3) for j in range(-2, 3)]) @ cell
    window = 2 * a + 0.05
    moving = np.linalg.norm(true, axis=1) > 0.05 * np.linalg.norm(true, axis=1).max()
    layers = sorted({round(float(z) % float(cell[2, 2]), 2) for z in positions[moving, 2]}) if moving.any() else [0.0]
    layers = layers[:4]
    palette = {"O": "tab:red", "Ti": "tab:blue"}
    fig = new_figure(figsize=(4.6 * len(layers), 4.8))
    for n, z in enumerate(layers):
        ax = fig.add_subplot(1, len(layers), n + 1)
        in_layer = np.abs((positions[:, 2] - z + 0.5 * cell[2, 2]) % cell[2, 2] - 0.5 * cell[2, 2]) < 0.3
        for shift in images:
            xy = positions[in_layer, :2] + shift[:2]
            inside = np.all((xy > -0.05) & (xy < window), axis=1)
            idx = np.flatnonzero(in_layer)[inside]
            for i, (x, y) in zip(idx, xy[inside]):
                ax.scatter([x], [y], s=70 if symbols[i] != "O" else 35, color=palette.get(symbols[i], "tab:green"),
                           zorder=3)
            ax.quiver(xy[inside, 0], xy[inside, 1], *(true[idx, :2] * exaggerate).T, angles="xy", scale_units="xy",
                      scale=1, color="tab:orange", width=0.012, alpha=0.6, zorder=2)
            ax.quiver(xy[inside, 0], xy[inside, 1], *(learned[idx, :2] * exaggerate).T, angles="xy",
                      scale_units="xy", scale=1, color="black", width=0.004, zorder=4)
        ax.set_xlim(-0.4, window + 0.4)
        ax.set_ylim(-0.4, window + 0.4)
        ax.set_aspect("equal")
        ax.set_title(f"layer z = {z:.2f} Å", fontsize=9)
        ax.set_xlabel("x (Å)")
        if n == 0:
            ax.set_ylabel("y (Å)")
    b = report["breaking"]
    err = report[PER_ATOM]["displacement_error"]
    others = ", ".join(f"{label} {report[label]['displacement_error']:.2g} Å" for label in ("relaxed", "equivariant")
                       if label in report)
    fig.suptitle(f"{Path(report['target']['name']).name} learned on the {Path(report['parent']['name']).name} "
                 "supercell, down c: "
                 f"{b['order_parameter']} (isotropy {b['isotropy_subgroup']})\norange: true, black: learned "
                 f"(arrows ×{exaggerate:.0f}); max error {err:.1g} Å" + (f"; {others}" if others else ""), fontsize=9)
    return save_figure(fig, Path(out_dir) / filename)


def _plot_learned_modes(breaking: dict[str, Any], path: Path) -> Path:
    """Bar chart: amplitude of each mode of the learned displacements next to the analysed one."""
    from ..plot import new_figure, save_figure

    analysed = {m["irrep"]: m["amplitude"] for m in breaking["analysed"]["modes"]}
    learned = {m["irrep"]: m["amplitude"] for m in breaking["modes"]}
    labels = sorted(set(analysed) | set(learned), key=lambda k: -max(analysed.get(k, 0), learned.get(k, 0)))[:8]
    fig = new_figure(figsize=(max(3.8, 0.9 * len(labels) + 2), 3.4))
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(labels))
    ax.bar(x - 0.2, [analysed.get(k, 0) for k in labels], 0.4, label="analysed (symbreak modes)", color="tab:gray")
    ax.bar(x + 0.2, [learned.get(k, 0) for k in labels], 0.4, label="learned (per-atom input)", color="tab:red")
    ax.set_xticks(x, labels)
    ax.set_ylabel("amplitude (Å, per child primitive cell)")
    ax.set_title(f"modes of the learned displacements: {' + '.join(breaking['order_parameters'])}; "
                 f"residual {breaking['residual_group']}", fontsize=9)
    if len(labels) > 1 and max(analysed.values()) / max(min(analysed.get(k, 1e-300) for k in labels), 1e-300) > 100:
        ax.set_yscale("log")
    ax.legend(fontsize=8, loc="upper right")
    return save_figure(fig, path)
