"""The ``symbreak`` command."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import typer
from rich.console import Console

from ._optional import MissingDependency

app = typer.Typer(
    name="symbreak",
    help="Learn and discover symmetry breaking with relaxed E(3)-equivariant networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)  # an error stays one line, whatever the width

# Options shared by the training commands (one definition, same help everywhere).
BASELINE = typer.Option(True, help="Also train the equivariant baseline.")
CHECKPOINT_DIR = typer.Option(None, help="Save checkpoints here.")
RESUME = typer.Option(False, help="Resume from the checkpoints in --checkpoint-dir.")
JSON_PATH = typer.Option(None, "--json", help="Write the JSON report here.")
OUT = typer.Option(None, help="Write figures and report.json into this folder.")
THREADS = typer.Option(1, help="Torch CPU threads (small graphs: one is fastest).")
QUIET = typer.Option(False, help="No progress bars.")
SEED = typer.Option(None, help="Seed of weights and data (default 0).")
TOL = typer.Option(None, "--tol", help="Point-group detection tolerance, a fraction of the nearest-neighbour "
                   "distance (default 0.1); raise it for noisy points.")


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input ends in one clear line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ValueError, FileNotFoundError, MissingDependency) as error:
            errors.print(f"[bold red]error:[/] {error}", highlight=False)
            raise typer.Exit(code=2) from None
        except OSError as error:  # unwritable or vanished paths met after the checks
            where = f" {error.filename}" if error.filename else ""
            errors.print(f"[bold red]error:[/] cannot access{where}: {error.strerror or error}", highlight=False)
            raise typer.Exit(code=2) from None
        except FloatingPointError as error:
            errors.print(f"[bold red]training failed:[/] {error}", highlight=False)
            raise typer.Exit(code=1) from None

    return wrapper


def _prepare(threads: int, resume: bool, checkpoint_dir: Optional[Path],
             json_path: Optional[Path] = None, out: Optional[Path] = None) -> None:
    """Check the options every training command shares, before any training, and set the torch threads."""
    if resume and checkpoint_dir is None:
        raise ValueError("--resume needs --checkpoint-dir")
    if json_path is not None and json_path.is_dir():
        raise ValueError(f"--json {json_path} is a folder; expected the path of a file to write")
    for option, folder in (("--out", out), ("--checkpoint-dir", checkpoint_dir)):
        if folder is not None and folder.exists() and not folder.is_dir():
            raise ValueError(f"{option} {folder} is a file; expected a folder")
    for option, path in (("--json", json_path), ("--out", out), ("--checkpoint-dir", checkpoint_dir)):
        if path is not None:
            _check_writable(option, path if option != "--json" else path.parent)
    _threads(threads)


def _check_writable(option: str, folder: Path) -> None:
    """Fail now, not after training, if nothing can be written in ``folder`` (or where it would be made)."""
    import tempfile

    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{option}: {existing} is a file, so {folder} cannot be a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise ValueError(f"{option}: cannot write in {existing} ({error.strerror or error})") from None


def _given(**options: Any) -> dict[str, Any]:
    """The options the user set (``None`` means: keep the task's default)."""
    return {name: value for name, value in options.items() if value is not None}


def _threads(threads: int) -> None:
    if threads < 1:
        raise ValueError(f"--threads must be >= 1, got {threads}")
    import torch

    torch.set_num_threads(threads)


def _shapes_run(source, target, epochs, seed, cutoff, lmax_relaxed, penalty_weight, baseline,
                checkpoint_dir, resume, json_path, out, threads, quiet, tol=None) -> None:
    from .tasks.shapes import ShapeSettings, run_shapes

    _prepare(threads, resume, checkpoint_dir, json_path, out)
    settings = ShapeSettings(**_given(epochs=epochs, seed=seed, cutoff=cutoff, lmax_relaxed=lmax_relaxed,
                                      penalty_weight=penalty_weight, symmetry_tol=tol))
    result = run_shapes(
        source, target, settings, baseline=baseline, progress=not quiet,
        checkpoint_dir=checkpoint_dir, resume=resume,
    )
    _show(result, json_path, out)


def _show(result, json_path: Optional[Path], out: Optional[Path]) -> None:
    """Print the result's summary; write its JSON and, with ``out``, its figures and ``out/report.json``."""
    console.print(result.summary(), highlight=False)
    written = []
    if json_path is not None:
        written.append(result.write_json(json_path))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        written += result.figures(out)
        written.append(result.write_json(out / "report.json"))
    for path in written:
        console.print(f"wrote {path}", highlight=False)


@app.command()
@user_errors
def shapes(
    source: str = typer.Option(..., help="Built-in shape name or file (.xyz, .extxyz, .npy, .csv)."),
    target: str = typer.Option(..., help="Built-in shape name or file; point i of source maps to point i."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 300)."),
    seed: Optional[int] = SEED,
    cutoff: Optional[float] = typer.Option(None, help="Neighbour cutoff (default: every pair)."),
    lmax_relaxed: Optional[int] = typer.Option(None, help="Largest l of the relaxed weights (default 4)."),
    penalty_weight: Optional[float] = typer.Option(None, help="Weight of the group-norm penalty on θ."),
    tol: Optional[float] = TOL,
    baseline: bool = BASELINE,
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Train a relaxed network (and its equivariant baseline) to deform SOURCE into TARGET."""
    _shapes_run(source, target, epochs, seed, cutoff, lmax_relaxed, penalty_weight, baseline,
                checkpoint_dir, resume, json_path, out, threads, quiet, tol)


@app.command()
@user_errors
def demo(
    out: Path = typer.Option(Path("demo_output"), help="Folder for figures and report.json."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 300)."),
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Cube → square prism: the relaxed network learns the breaking, the equivariant one cannot."""
    console.print(
        "[bold]Demo[/]: deform a cube into a square prism (x, y × 0.5, z × 2). An equivariant "
        "network cannot (the prism is less symmetric than the cube); a relaxed one learns "
        "weights θ that break exactly the missing symmetry."
    )
    _shapes_run("cube", "prism", epochs, None, None, None, None, True, None, False, None, out, threads, quiet)


@app.command()
@user_errors
def crystal(
    source: str = typer.Option(..., help="High-symmetry structure: built-in name (BaTiO3-cubic) or file ASE reads."),
    target: str = typer.Option(..., help="Low-symmetry structure: built-in name (BaTiO3-tetragonal) or file."),
    cutoff: Optional[float] = typer.Option(None, help="Neighbour cutoff in Å (default 4.5)."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 300)."),
    seed: Optional[int] = SEED,
    lmax_relaxed: Optional[int] = typer.Option(None, help="Largest l of θ (default 2)."),
    penalty_weight: Optional[float] = typer.Option(None, help="Weight of the group-norm penalty on θ."),
    symprec: Optional[float] = typer.Option(None, help="spglib's symmetry tolerance in Å (default 1e-3); "
                                            "raise it for noisy structures."),
    baseline: bool = BASELINE,
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Learn and name the order parameter of a structural phase transition (SOURCE → TARGET).

    A TARGET on a larger cell than SOURCE, or with a zone-boundary distortion, is learned on the
    parent supercell with a per-atom learnable input (docs/modes.md, "Learning the order parameter").
    """
    from .tasks.crystals import CrystalSettings, run_crystal
    from .tasks.zone_boundary import needs_supercell, run_zone_boundary

    _prepare(threads, resume, checkpoint_dir, json_path, out)
    settings = CrystalSettings(**_given(cutoff=cutoff, epochs=epochs, seed=seed, lmax_relaxed=lmax_relaxed,
                                        penalty_weight=penalty_weight, symprec=symprec))
    if needs_supercell(source, target, settings.symprec):
        result = run_zone_boundary(source, target, settings, progress=not quiet, baseline=baseline,
                                   checkpoint_dir=checkpoint_dir, resume=resume)
    else:
        result = run_crystal(source, target, settings, progress=not quiet, checkpoint_dir=checkpoint_dir,
                             resume=resume, baseline=baseline)
    _show(result, json_path, out)


@app.command("order-parameter")
@user_errors
def order_parameter(
    source: str = typer.Option(..., help="Built-in shape name or file (the high-symmetry input)."),
    target: str = typer.Option(..., help="Built-in shape name or file; point i of source maps to point i."),
    lmax: Optional[int] = typer.Option(None, help="Largest l of the learnable input (default 4)."),
    epochs: Optional[int] = typer.Option(None, help="Epochs of the alternating phase (default 600)."),
    penalty: Optional[str] = typer.Option(None, help="'norm' (group norm, rotation invariant) or 'l1' (frame dependent)."),
    penalty_weight: Optional[float] = typer.Option(None, help="Weight of the penalty on the input."),
    seed: Optional[int] = SEED,
    tol: Optional[float] = TOL,
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Discover the order parameter of SOURCE → TARGET with a learnable input (Smidt et al. 2021)."""
    from .tasks.order_parameter import OrderParameterSettings, run_order_parameter

    _prepare(threads, resume, checkpoint_dir, json_path, out)
    settings = OrderParameterSettings(**_given(lmax_input=lmax, penalty=penalty, penalty_weight=penalty_weight,
                                               seed=seed, alternating_epochs=epochs, symmetry_tol=tol))
    result = run_order_parameter(source, target, settings, progress=not quiet,
                                 checkpoint_dir=checkpoint_dir, resume=resume)
    _show(result, json_path, out)


def _vector(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise ValueError(f"{name} must be three comma-separated numbers, e.g. 1,0,0; got {text!r}") from None
    if len(values) != 3 or not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be three finite comma-separated numbers, e.g. 1,0,0; got {text!r}")
    return values


@app.command()
@user_errors
def fields(
    e_field: str = typer.Option(..., "--E", help="Electric field, e.g. 1,0,0."),
    b_field: str = typer.Option(..., "--B", help="Magnetic field, e.g. 0,1,0."),
    q: Optional[float] = typer.Option(None, help="Charge (default 1)."),
    m: Optional[float] = typer.Option(None, help="Mass (default 1)."),
    steps: Optional[int] = typer.Option(None, help="Time steps of the trajectory (default 500)."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 100)."),
    seed: Optional[int] = SEED,
    baseline: bool = BASELINE,
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Learn F = q(E + v × B) from a trajectory; read E (θ^1o) and B (θ^1e) out of the relaxed weights."""
    from .tasks.fields import run_fields

    _prepare(threads, resume, checkpoint_dir, json_path, out)
    result = run_fields(_vector(e_field, "--E"), _vector(b_field, "--B"), baseline=baseline,
                        progress=not quiet, checkpoint_dir=checkpoint_dir, resume=resume,
                        **_given(q=q, m=m, steps=steps, epochs=epochs, seed=seed))
    _show(result, json_path, out)


def _group_of_file(spec: str, tol: float, symprec: float):
    """Point group (and space group, for periodic structures) of a shape or structure file."""
    from .symmetry import PointGroup, space_group
    from .point_sets import BUILTIN_SHAPES, resolve_shape

    path = Path(spec)
    if spec not in BUILTIN_SHAPES and path.suffix.lower() not in (".npy", ".csv", ".txt"):
        if not path.is_file():
            raise ValueError(f"{spec}: no such file (or built-in shape: {', '.join(BUILTIN_SHAPES)})")
        import ase.io

        try:
            atoms = ase.io.read(path)
        except Exception as error:  # ASE raises many kinds; one clear message
            raise ValueError(f"{spec}: cannot read as a structure ({error})") from None
        if atoms.pbc.any():
            symbol, number = space_group(atoms, symprec)
            return PointGroup.from_atoms(atoms, symprec), f"space group {symbol} (No. {number})", len(atoms)
        return PointGroup.from_points(atoms.get_positions(), tol=tol, species=atoms.get_chemical_symbols()), None, len(atoms)
    shape = resolve_shape(spec)
    return PointGroup.from_points(shape.points, tol=tol), None, len(shape.points)


@app.command()
@user_errors
def symmetry(
    file: str = typer.Argument(..., help="Shape (built-in name, .xyz, .npy, .csv) or structure (CIF, POSCAR, extxyz)."),
    tol: float = typer.Option(0.1, help="Point sets: tolerance relative to the nearest-neighbour distance."),
    symprec: float = typer.Option(1e-3, help="Crystals: spglib's symprec (Å)."),
    table: bool = typer.Option(True, help="Print the character table."),
) -> None:
    """Print the point group of a shape or crystal, its frame and its character table."""
    from rich.table import Table

    group, extra, count = _group_of_file(file, tol, symprec)
    name = group.name if group.limit_group is None else f"{group.limit_group} (finite stand-in {group.name})"
    deviation = "" if group.max_deviation is None else f" (max deviation {group.max_deviation:.2g})"
    console.print(f"[bold]{file}[/]: {count} points, point group [bold]{name}[/]{deviation}, order {group.order}"
                  + (f", {extra}" if extra else ""), highlight=False)
    if group.is_standard:
        console.print("standard orientation: principal axis z, C2' / σv along x", highlight=False)
    else:
        axis = np.round(group.principal_axis, 4) if group.principal_axis is not None else None
        second = np.round(group.secondary_axis, 4) if group.secondary_axis is not None else None
        console.print(f"principal axis {axis}, secondary axis {second} (labels follow this frame)", highlight=False)
    if table:
        characters = Table(title=f"character table of {group.name}", header_style="bold")
        characters.add_column("")
        for class_name in group.class_names:
            characters.add_column(class_name, justify="right")
        for label, row in zip(group.irrep_labels, group.character_table):
            characters.add_row(label, *[_character(value) for value in row])
        console.print(characters)


def _character(value) -> str:
    value = complex(value)
    if abs(value.imag) < 1e-9:
        return f"{value.real:.3g}" if abs(value.real - round(value.real)) > 1e-9 else str(int(round(value.real)))
    return f"{value.real:.3g}{value.imag:+.3g}i"


@app.command()
@user_errors
def decompose(
    group: Optional[str] = typer.Option(None, help="Point group by name (standard orientation), e.g. Oh, D4h, m-3m."),
    irreps: Optional[str] = typer.Option(None, help='Irreps of the values, e.g. "1x2e".'),
    values: Optional[str] = typer.Option(None, help="Comma-separated coefficients (e3nn basis)."),
    report: Optional[Path] = typer.Option(None, help="A shapes report.json: decompose its learned θ."),
) -> None:
    """Decompose an irreps signal (or the θ of a report) into irreps of a point group."""
    from rich.table import Table

    from .analysis import breaking_analysis
    from .symmetry import PointGroup

    if report is not None:
        if values is not None or irreps is not None:
            raise ValueError("give either --report or --irreps with --values, not both")
        points, thetas = _read_report(report)
        parent = PointGroup.from_name(group) if group else PointGroup.from_points(points)
        result = breaking_analysis(thetas, parent)
        weights, title = result.decomposition, f"learned θ of {report} (0e background removed) in {parent.name}"
    else:
        if group is None or irreps is None or values is None:
            raise ValueError("give --group, --irreps and --values (or --report)")
        parent = PointGroup.from_name(group)
        try:
            numbers = np.array([float(v) for v in values.replace(" ", "").split(",") if v])
        except ValueError:
            raise ValueError(f"--values must be comma-separated numbers, got {values!r}") from None
        from .symmetry import decompose as split

        from ._validation import as_irreps

        parsed = as_irreps(irreps, "--irreps")
        if len(numbers) != parsed.dim:
            raise ValueError(f"--irreps {parsed} has dimension {parsed.dim}, but {len(numbers)} values were given")
        if not np.all(np.isfinite(numbers)):
            raise ValueError("--values must be finite numbers")
        weights, title = split(numbers, parsed, parent).fractions, f"{parsed} in {parent.name}"
        result = None
    table = Table(title=title, header_style="bold")
    table.add_column("irrep")
    table.add_column("weight", justify="right")
    for label, weight in weights.items():
        if weight > 1e-12:
            table.add_row(label, f"{weight:.4f}")
    console.print(table)
    if result is not None:
        console.print(result.sentence, highlight=False)


@app.command("tensor-fit")
@user_errors
def tensor_fit(
    data: Optional[Path] = typer.Option(None, help="Structures with tensors: an ASE database (.db) or extxyz."),
    key: Optional[str] = typer.Option(None, help="Key of the tensor in each structure's info (with --data)."),
    kind: str = typer.Option("elastic", help="Tensor kind (elastic, dielectric, piezoelectric, ...)."),
    emt: Optional[int] = typer.Option(None, help="Instead of --data: this many random cells with EMT elastic tensors."),
    validation: float = typer.Option(0.2, help="Share of the structures held out."),
    relaxed: bool = typer.Option(False, help="Also train the relaxed network."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 300)."),
    cutoff: Optional[float] = typer.Option(None, help="Neighbour cutoff in Å (default 4.5)."),
    seed: Optional[int] = SEED,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Learn a tensor property from structures; predictions obey each structure's point group exactly."""
    from .tasks.tensor_data import ElasticDataSettings, elastic_dataset, read_tensor_data
    from .tasks.tensor_fit import TensorFitSettings, run_tensor_fit
    from .tasks.tensor_learning import TensorSettings

    if (data is None) == (emt is None):
        raise ValueError("give either --data FILE --key KEY or --emt N")
    if data is not None and key is None:
        raise ValueError("--data needs --key (the info key holding the tensor)")
    from .tensors import tensor_kind

    if emt is not None and tensor_kind(kind).name != "elastic":
        raise ValueError(f"--emt makes elastic tensors; got --kind {kind}")
    _prepare(threads, False, None, json_path, out)
    dataset = (read_tensor_data(data, key, kind) if data is not None
               else elastic_dataset(ElasticDataSettings(count=emt, seed=seed or 0), progress=not quiet))
    model = TensorSettings(**_given(epochs=epochs, cutoff=cutoff, seed=seed))
    result = run_tensor_fit(dataset, TensorFitSettings(validation_fraction=validation, relaxed=relaxed, model=model),
                            progress=not quiet)
    _show(result, json_path, out)


@app.command("tensor-prestrain")
@user_errors
def tensor_prestrain(
    count: int = typer.Option(30, help="Number of cubic structures (fcc metals, L1_2 alloys)."),
    strain: float = typer.Option(0.02, help="Hidden uniaxial strain ε_zz under which the tensors are computed."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 600)."),
    seed: Optional[int] = SEED,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Cubic structures, tensors under a hidden strain: the relaxed network names it (Eg of Oh, D4h)."""
    import dataclasses

    from .tasks.tensor_prestrain import PrestrainSettings, run_prestrain

    _prepare(threads, False, None, json_path, out)
    default = PrestrainSettings()
    model = dataclasses.replace(default.model, **_given(epochs=epochs, seed=seed))
    result = run_prestrain(PrestrainSettings(count=count, strain=strain, seed=seed or 0, model=model),
                           progress=not quiet)
    _show(result, json_path, out)


@app.command()
@user_errors
def modes(
    parent: str = typer.Option(..., help="High-symmetry parent: built-in name (SrTiO3-cubic) or structure file."),
    child: str = typer.Option(..., help="Distorted child: built-in name (SrTiO3-tetragonal) or file, any "
                              "orientation, origin, atom order or supercell."),
    origin: Optional[str] = typer.Option(None, help="Move the parent's origin here first (fractional, e.g. "
                                         "0.5,0.5,0.5); the ISO-IR labels depend on it."),
    matrix: Optional[str] = typer.Option(None, help="Child cell in the basis of the parent cell as given, 9 "
                                         "integers row by row (default: found automatically)."),
    field: Optional[str] = typer.Option(None, help="Decompose this per-atom array of the child file instead of "
                                        "the displacements: magmoms (magnetic moments), charges, or the name of "
                                        "any per-atom property of an extxyz file."),
    field_irrep: Optional[str] = typer.Option(None, help="O(3) irrep of --field: 1e axial vectors (default for "
                                              "magmoms), 0e scalars (default for one column), 1o polar vectors, "
                                              "2e quadrupoles (5 components in e3nn's basis), ..."),
    symprec: float = typer.Option(1e-3, help="spglib tolerance in Å."),
    max_distance: float = typer.Option(1.0, help="Largest displacement (Å) of a child atom from its parent site."),
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
) -> None:
    """Symmetry-mode decomposition of CHILD relative to PARENT (AMPLIMODES / ISODISTORT style).

    With --field, a per-atom field stored in the CHILD file (magnetic moments, charges, any
    extxyz property) is decomposed instead of the displacements.
    """
    from .modes import decompose_distortion, decompose_field
    from .modes.fields import child_field

    _prepare(1, False, None, json_path, out)
    shift = None if origin is None else _vector(origin, "--origin")
    grid = None
    if matrix is not None:
        try:
            numbers = [float(v) for v in matrix.replace(" ", "").split(",")]
        except ValueError:
            raise ValueError(f"--matrix must be 9 comma-separated integers, got {matrix!r}") from None
        if len(numbers) != 9:
            raise ValueError(f"--matrix must be 9 comma-separated integers, got {len(numbers)} numbers")
        grid = np.array(numbers).reshape(3, 3)
    if field is None:
        if field_irrep is not None:
            raise ValueError("--field-irrep needs --field (the per-atom array to decompose)")
        result = decompose_distortion(parent, child, matrix=grid, origin=shift, symprec=symprec,
                                      max_distance=max_distance)
    else:
        atoms, values, irrep, magnetic = child_field(child, field, field_irrep)
        result = decompose_field(parent, atoms, values, irrep, matrix=grid, origin=shift, time_odd=magnetic,
                                 symprec=symprec, max_distance=max_distance)
    _show(result, json_path, out)


@app.command()
@user_errors
def tensor(
    kind: Optional[str] = typer.Option(None, help="Tensor kind (elastic, compliance, dielectric, piezoelectric, "
                                       "shg, optical_activity, …; see --list-kinds) or an index formula like 'ijk=jik'."),
    group: Optional[str] = typer.Option(None, help="Point group by Hermann–Mauguin or Schoenflies name "
                                        "(standard orientation), e.g. 6/mmm, m-3m, -42m, D6h."),
    structure: Optional[Path] = typer.Option(None, help="Structure file (CIF, POSCAR, extxyz; a molecule in .xyz): "
                                             "its point group, in the structure's own frame."),
    values: Optional[Path] = typer.Option(None, help="Tensor to symmetrise (.npy, .json, .txt): 3x3, 6x6, 3x6, "
                                          "Voigt vector or full Cartesian array."),
    convention: Optional[str] = typer.Option(None, help="Voigt convention of --values: stiffness/stress (no factors) "
                                             "or compliance/strain (2 and 4 on shear). Default: the kind's."),
    axial: bool = typer.Option(False, help="With a formula: the tensor is axial."),
    symprec: float = typer.Option(1e-3, help="Crystals: spglib's symprec (Å)."),
    tol: float = typer.Option(0.1, help="Molecules (non-periodic files): tolerance relative to the nearest-neighbour "
                              "distance."),
    index_rtol: float = typer.Option(1e-2, help="Largest accepted non-symmetric part of --values (C_IJ vs C_JI), "
                                     "relative to its norm."),
    standard_frame: bool = typer.Option(False, help="Rotate --values by the group's frame into its standard "
                                        "orientation (cube axes along x, y, z; principal axis z) and report there."),
    residual_tol: float = typer.Option(1e-3, help="Symmetry of --values: operations that change it by at most "
                                       "this fraction of its norm."),
    list_kinds: bool = typer.Option(False, "--list-kinds", help="List the named tensor kinds and exit."),
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = typer.Option(None, help="Write the Voigt-pattern figure and report.json into this folder."),
) -> None:
    """Allowed form of a property tensor in a point group (Neumann's principle); symmetrise a tensor."""
    from .tensors import tensor_kind, tensor_kinds
    from .tensors.report import load_tensor, tensor_report

    if list_kinds:
        for name, k in tensor_kinds().items():
            console.print(f"{name:21s} {k.formula:15s} {'axial' if k.axial else 'polar':6s} {str(k.irreps):15s} "
                          f"{k.description}", highlight=False, soft_wrap=True)
        return
    if kind is None:
        raise ValueError("give --kind (or --list-kinds)")
    if json_path is not None and json_path.is_dir():
        raise ValueError(f"--json {json_path} is a folder; expected the path of a file to write")
    for option, path in (("--json", None if json_path is None else json_path.parent), ("--out", out)):
        if path is not None:
            _check_writable(option, path)
    if (group is None) == (structure is None):
        raise ValueError("give exactly one of a group (--group) and a structure (--structure)")
    if not 0 < residual_tol < 1:
        raise ValueError(f"--residual-tol must be in (0, 1), got {residual_tol}")
    parsed = tensor_kind(kind, axial=axial)
    atoms = None
    if structure is not None:
        if not structure.is_file():
            raise ValueError(f"--structure {structure}: no such file")
        import ase.io

        try:
            atoms = ase.io.read(structure)
        except Exception as error:  # ASE raises many kinds; one clear message
            raise ValueError(f"--structure {structure}: cannot read as a structure "
                             f"({error or type(error).__name__})") from None
    tensor_values = None if values is None else load_tensor(values, parsed)
    result = tensor_report(parsed, group=group, structure=atoms, values=tensor_values, convention=convention,
                           symprec=symprec, tol=tol, index_rtol=index_rtol,
                           source=None if structure is None else str(structure),
                           values_path=None if values is None else str(values), standard_frame=standard_frame,
                           residual_tol=residual_tol)
    # wide matrices stay on one line (no wrapping at 80 columns), numpy brackets are not markup
    console.print(result.summary(), highlight=False, soft_wrap=True, markup=False)
    written = [result.write_json(json_path)] if json_path is not None else []
    if out is not None:
        written += result.figures(out) + [result.write_json(out / "report.json")]
    for path in written:
        console.print(f"wrote {path}", highlight=False)


@app.command()
@user_errors
def coupling(
    group: str = typer.Argument(..., help="Point group by name (standard orientation), e.g. Oh, D6h, Td, m-3m."),
    irreps: Optional[tuple[str, str]] = typer.Option(
        None, "--irreps", help="Two real irreps to couple, e.g. --irreps T1u T1u: prints their coupling coefficients."),
    to: Optional[str] = typer.Option(None, "--to", help="With --irreps: only this irrep of the product."),
    json_path: Optional[Path] = JSON_PATH,
) -> None:
    """Print the products Γa ⊗ Γb = Σ n Γc of a point group's irreps, and coupling coefficients of a pair."""
    from rich.table import Table

    from .io import write_json
    from .symmetry import CouplingTable, PointGroup, coupling_table

    if json_path is not None:
        _prepare(1, False, None, json_path=json_path)
    parent = PointGroup.from_name(group)
    table = coupling_table(parent, tuple(irreps) if irreps else None, to)
    dims = ", ".join(f"{label} ({int(d)})" for label, d in zip(parent.real_irrep_labels, parent.real_irrep_dims))
    console.print(f"[bold]{parent.name}[/], order {parent.order}; real irreps (dimension): {dims}", highlight=False)
    if table.pair is None:
        for (a, b), content in table.products.items():
            console.print(CouplingTable.formula(a, b, content), highlight=False)
    else:
        a, b = table.pair
        from .symmetry import product_multiplicities

        console.print(CouplingTable.formula(a, b, product_multiplicities(parent, a, b)), highlight=False)
        for c, coefficients in table.coefficients.items():
            for k, coefficient in enumerate(coefficients):
                shown = Table(title=f"{a} ⊗ {b} → {c}" + (f" (copy {k})" if len(coefficients) > 1 else ""),
                              caption="C\\[i, j, n]; zero rows left out", header_style="bold")
                shown.add_column("i j")
                for n in range(coefficient.shape[2]):
                    shown.add_column(f"n={n}", justify="right")
                for i in range(coefficient.shape[0]):
                    for j in range(coefficient.shape[1]):
                        row = coefficient[i, j]
                        if np.abs(row).max() > 1e-12:
                            shown.add_row(f"{i} {j}", *[f"{v:+.4f}" if abs(v) > 1e-12 else "0" for v in row])
                console.print(shown)
        console.print("basis: the fixed real irrep matrices of symbreak.symmetry.irrep_matrices (in --json)",
                      highlight=False)
    if json_path is not None:
        write_json(json_path, table.to_dict())
        console.print(f"wrote {json_path}", highlight=False)


def _default_cache() -> Path:
    """``$XDG_CACHE_HOME/symbreak`` (default ``~/.cache/symbreak``): neighbour lists, built-in datasets."""
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "symbreak"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise ValueError(f"--learning-curve must be comma-separated integers, e.g. 30,60,120; got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise ValueError(f"--learning-curve must list positive integers, got {text!r}")
    return sizes


@app.command("train")
@user_errors
def train_dataset(
    data: str = typer.Option(..., help="Built-in dataset (emt-cu, emt-cuau, emt-cu:N) or an ASE database, "
                             "extxyz (or any file ASE reads) or a folder of structure files."),
    energy_key: str = typer.Option("energy", help="Per-structure energy key (info, or the calculator's results)."),
    forces_key: str = typer.Option("forces", help="Per-atom forces key (arrays or calculator); 'none': energies only."),
    target: Optional[str] = typer.Option(None, help="Train on this per-structure scalar (info key) instead of the "
                                         "energy, as a sum of atomic contributions, without forces."),
    cutoff: Optional[float] = typer.Option(None, help="Neighbour cutoff in Å (default 4)."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 60)."),
    batch_size: Optional[int] = typer.Option(None, help="Structures per optimiser step, over all processes "
                                             "(default 16)."),
    lr: Optional[float] = typer.Option(None, help="Peak learning rate of the cosine schedule (default 5e-3)."),
    seed: Optional[int] = SEED,
    validation: Optional[float] = typer.Option(None, help="Share of structures held out for validation (default 0.1)."),
    patience: Optional[int] = typer.Option(None, help="Early stopping: epochs without 1 % validation improvement "
                                           "(default 0: never)."),
    equivariant: bool = typer.Option(False, help="Train the equivariant baseline instead of the relaxed model."),
    lmax_relaxed: Optional[int] = typer.Option(None, help="Largest l of θ (default 2)."),
    penalty_weight: Optional[float] = typer.Option(None, help="Group-lasso weight on θ's symmetry-breaking blocks."),
    dtype: Optional[str] = typer.Option(None, help="float32 (default, fast) or float64."),
    device: Optional[str] = typer.Option(None, help="auto (default), cpu or cuda."),
    nproc: int = typer.Option(1, help="Local processes (DistributedDataParallel); leave 1 under torchrun."),
    learning_curve: Optional[str] = typer.Option(None, help="Training-set sizes, e.g. 30,60,120: one fit each, "
                                                 "same validation set."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache of neighbour lists and built-in datasets "
                                             "(default ~/.cache/symbreak)."),
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Train a relaxed (or equivariant) potential on a dataset of structures: energies and forces."""
    import os

    from .tasks.potential import PotentialSettings, fit_dataset
    from .tasks.potential import learning_curve as run_learning_curve

    _prepare(threads, resume, checkpoint_dir, json_path, out)
    forces = None if forces_key.lower() == "none" or target is not None else forces_key
    settings = PotentialSettings(relaxed=not equivariant, forces_weight=0.0 if forces is None else 1.0, **_given(
        cutoff=cutoff, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, validation=validation,
        patience=patience, lmax_relaxed=lmax_relaxed, penalty_weight=penalty_weight, dtype=dtype, device=device,
    ))
    options = dict(energy_key=target or energy_key, forces_key=forces, cache_dir=cache_dir or _default_cache(),
                   checkpoint_dir=checkpoint_dir, resume=resume, out_dir=out, nproc=nproc,
                   progress=not quiet)
    if learning_curve is not None:
        result = run_learning_curve(data, _sizes(learning_curve), settings, **options)
    else:
        result = fit_dataset(data, settings, **options)
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun only rank 0 reports
        _show(result, json_path, out)


def _read_report(path: Path):
    """Source points and θ of every layer from a shapes ``report.json``."""
    import json

    from .theta import Theta

    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text())
        points = np.asarray(data["source"]["points"], dtype=float)
        layers = data["relaxed"]["theta"]
        # version-1 reports before 'values' was added hold the values only block by block
        thetas = [Theta.from_dict(layer) if "values" in layer else
                  Theta(layer["irreps"], [v for block in layer["blocks"].values() for v in block["values"]])
                  for layer in layers]
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as error:
        raise ValueError(f"{path}: not a symbreak shapes report (expected source.points and relaxed.theta; "
                         f"{type(error).__name__}: {error})") from None
    if points.ndim != 2 or points.shape[1:] != (3,) or not thetas:
        raise ValueError(f"{path}: not a symbreak shapes report (source.points must be (N, 3), relaxed.theta non-empty)")
    return points, thetas


def main() -> None:
    """Entry point of the ``symbreak`` script."""
    app()


if __name__ == "__main__":
    main()
