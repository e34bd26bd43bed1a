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
errors = Console(stderr=True)

# Options shared by the training commands (one definition, same help everywhere).
BASELINE = typer.Option(True, help="Also train the equivariant baseline.")
CHECKPOINT_DIR = typer.Option(None, help="Save checkpoints here.")
RESUME = typer.Option(False, help="Resume from the checkpoints in --checkpoint-dir.")
JSON_PATH = typer.Option(None, "--json", help="Write the JSON report here.")
OUT = typer.Option(None, help="Write figures and report.json into this folder.")
THREADS = typer.Option(1, help="Torch CPU threads (small graphs: one is fastest).")
QUIET = typer.Option(False, help="No progress bars.")
SEED = typer.Option(None, help="Seed of weights and data (default 0).")


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input ends in one clear line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ValueError, FileNotFoundError, MissingDependency) as error:
            errors.print(f"[bold red]error:[/] {error}", highlight=False)
            raise typer.Exit(code=2) from None
        except FloatingPointError as error:
            errors.print(f"[bold red]training failed:[/] {error}", highlight=False)
            raise typer.Exit(code=1) from None

    return wrapper


def _prepare(threads: int, resume: bool, checkpoint_dir: Optional[Path]) -> None:
    """Check the options every training command shares, and set the torch threads."""
    if resume and checkpoint_dir is None:
        raise ValueError("--resume needs --checkpoint-dir")
    _threads(threads)


def _given(**options: Any) -> dict[str, Any]:
    """The options the user set (``None`` means: keep the task's default)."""
    return {name: value for name, value in options.items() if value is not None}


def _threads(threads: int) -> None:
    if threads < 1:
        raise ValueError(f"--threads must be >= 1, got {threads}")
    import torch

    torch.set_num_threads(threads)


def _shapes_run(source, target, epochs, seed, cutoff, lmax_relaxed, penalty_weight, baseline,
                checkpoint_dir, resume, json_path, out, threads, quiet) -> dict[str, Any]:
    from .report import print_shapes_summary
    from .tasks.shapes import ShapeSettings, run_shapes

    _prepare(threads, resume, checkpoint_dir)
    settings = ShapeSettings(**_given(epochs=epochs, seed=seed, cutoff=cutoff, lmax_relaxed=lmax_relaxed,
                                      penalty_weight=penalty_weight))
    report = run_shapes(
        source, target, settings, baseline=baseline, progress=not quiet,
        checkpoint_dir=checkpoint_dir, resume=resume,
    )
    print_shapes_summary(report, console)
    _write_outputs(report, json_path, out, _shapes_figures)
    return report


def _write_outputs(report: dict[str, Any], json_path: Optional[Path], out: Optional[Path],
                   figures: Callable[[dict[str, Any], Path], list[Path]]) -> None:
    """Write the JSON report and, with ``out``, the figures and ``out/report.json``; list them."""
    from .report import write_report

    written = []
    if json_path is not None:
        written.append(write_report(report, json_path))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        written += figures(report, out)
        written.append(write_report(report, out / "report.json"))
    for path in written:
        console.print(f"wrote {path}", highlight=False)


def _shapes_figures(report: dict[str, Any], out: Path) -> list[Path]:
    import numpy as np

    from .plot import plot_loss_curves, plot_shapes, plot_sphere_signals
    from .signals import relaxed_signal

    histories = {name: report[name]["history"] for name in ("relaxed", "equivariant") if name in report}
    title = f"{report['source']['name']} → {report['target']['name']}"
    paths = [plot_loss_curves(histories, out / "loss.png", title)]
    model = report["_models"]["relaxed"]
    signals, titles = [], []
    for index, theta in enumerate(model.relaxed_weights()):
        signal, _ = relaxed_signal(theta.weight, theta.irreps, "scalar")
        signals.append(signal)
        titles.append(f"layer {index}: scalar signal of θ")
    paths.append(plot_sphere_signals(signals, titles, out / "theta_signal.png"))
    predictions = {name: np.array(report[name]["recovered_points"]) for name in histories}
    paths.append(plot_shapes(np.array(report["source"]["points"]), np.array(report["target"]["points"]),
                             predictions, out / "shapes.png", title))
    return paths


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
                checkpoint_dir, resume, json_path, out, threads, quiet)


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
    baseline: bool = BASELINE,
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Learn and name the order parameter of a structural phase transition (SOURCE → TARGET)."""
    from .plot import plot_loss_curves
    from .tasks.crystals import CrystalSettings, crystal_summary, plot_crystal, run_crystal

    _prepare(threads, resume, checkpoint_dir)
    settings = CrystalSettings(**_given(cutoff=cutoff, epochs=epochs, seed=seed, lmax_relaxed=lmax_relaxed,
                                        penalty_weight=penalty_weight))
    report = run_crystal(source, target, settings, progress=not quiet, checkpoint_dir=checkpoint_dir,
                         resume=resume, baseline=baseline)
    console.print(crystal_summary(report), highlight=False)
    console.print(report["breaking"]["sentence"], highlight=False)
    def figures(report: dict[str, Any], out: Path) -> list[Path]:
        histories = {k: report[k]["history"] for k in ("relaxed", "equivariant") if k in report}
        return [plot_crystal(report, out), plot_loss_curves(histories, out / "loss.png", "crystal")]

    _write_outputs(report, json_path, out, figures)


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
    checkpoint_dir: Optional[Path] = CHECKPOINT_DIR,
    resume: bool = RESUME,
    json_path: Optional[Path] = JSON_PATH,
    out: Optional[Path] = OUT,
    threads: int = THREADS,
    quiet: bool = QUIET,
) -> None:
    """Discover the order parameter of SOURCE → TARGET with a learnable input (Smidt et al. 2021)."""
    from .tasks.order_parameter import OrderParameterSettings, run_order_parameter

    _prepare(threads, resume, checkpoint_dir)
    settings = OrderParameterSettings(**_given(lmax_input=lmax, penalty=penalty, penalty_weight=penalty_weight,
                                               seed=seed, alternating_epochs=epochs))
    report = run_order_parameter(source, target, settings, progress=not quiet,
                                 checkpoint_dir=checkpoint_dir, resume=resume)
    op, loss, curie = report["order_parameter"], report["loss"], report["curie"]
    console.print(f"\n[bold]symbreak order-parameter: {report['source']['name']} → {report['target']['name']}[/]")
    console.print(f"loss with the input frozen (equivariant, scalar input): {loss['before']:.3e}"
                  f"   after learning the input: {loss['after']:.3e}", highlight=False)
    console.print(f"Curie check before: predictions keep {curie['before']['group']} to "
                  f"{curie['before']['max_violation']:.1e} (site groups {', '.join(curie['before']['site_groups'])})",
                  highlight=False)
    console.print(op["sentence"], highlight=False)
    console.print(f"order parameter (scalar signal, 0e removed) ∝ {op['polynomial']}", highlight=False)
    _write_outputs(report, json_path, out, _order_parameter_figures)


def _order_parameter_figures(report: dict[str, Any], out: Path) -> list[Path]:
    import torch

    from .plot import plot_loss_curves, plot_sphere_signals, plot_vertex_signals
    from .signals import relaxed_signal

    out.mkdir(parents=True, exist_ok=True)
    title = f"{report['source']['name']} → {report['target']['name']}"
    history = report["history"]
    paths = [plot_loss_curves({"input frozen, then alternating": history["frozen"] + history["alternating"]},
                              out / "loss.png", title)]
    points = np.array(report["source"]["points"])
    paths.append(plot_vertex_signals(
        points,
        {"equivariant, scalar input (Curie: symmetric average)": torch.tensor(report["predictions"]["before"]),
         "with the learned order parameter": torch.tensor(report["predictions"]["after"])},
        out / "vertex_signals.png", title=f"predicted displacement signals, {title}",
    ))
    irreps = report["order_parameter"]["irreps"]
    signals = [relaxed_signal(torch.tensor(report["snapshots"][k]), irreps, subtract_background=False)[0]
               for k in ("start", "middle", "end")]
    paths.append(plot_sphere_signals(signals, [f"input, {k}" for k in ("start", "middle", "end")],
                                     out / "input_signal.png"))
    return paths


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
    from rich.table import Table

    from .tasks.fields import plot_fields, run_fields

    _prepare(threads, resume, checkpoint_dir)
    report = run_fields(_vector(e_field, "--E"), _vector(b_field, "--B"), baseline=baseline,
                        progress=not quiet, checkpoint_dir=checkpoint_dir, resume=resume,
                        **_given(q=q, m=m, steps=steps, epochs=epochs, seed=seed))
    f = report["fields"]
    table = Table(title="fields read out of the relaxed weights", header_style="bold")
    for column in ("", "true", "learned (unit)", "angle (°)", "|true|", "|learned|"):
        table.add_column(column)
    for name in ("E", "B"):
        learned = f[f"{name}_learned"]
        table.add_row(
            name, ", ".join(f"{v:.3g}" for v in f[f"{name}_true"]),
            "-" if learned is None else ", ".join(f"{v:.4f}" for v in learned),
            "-" if f[f"{name}_angle_deg"] is None else f"{f[f'{name}_angle_deg']:.2e}",
            f"{f[f'{name}_magnitude']['true']:.4g}", f"{f[f'{name}_magnitude']['learned']:.4g}",
        )
    console.print(table)
    line = f"training MSE / mean squared force: relaxed {report['relaxed']['mse_relative']:.1e}"
    if "equivariant" in report:
        line += f", equivariant {report['equivariant']['mse_relative']:.1e}"
    console.print(line, highlight=False)
    _write_outputs(report, json_path, out, plot_fields)


def _group_of_file(spec: str, tol: float, symprec: float):
    """Point group (and space group, for periodic structures) of a shape or structure file."""
    from .symmetry import PointGroup, space_group
    from .tasks.shapes import BUILTIN_SHAPES, resolve_shape

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
    console.print(f"[bold]{file}[/]: {count} points, point group [bold]{name}[/], order {group.order}"
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
        data = _read_report(report)
        points = np.array(data["source"]["points"])
        parent = PointGroup.from_name(group) if group else PointGroup.from_points(points)
        signals = [(np.array(_flatten(layer["blocks"])), layer["irreps"]) for layer in data["relaxed"]["theta"]]
        result = breaking_analysis(signals, parent)
        weights, title = result["decomposition"], f"learned θ of {report} (0e background removed) in {parent.name}"
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
        console.print(result["sentence"], highlight=False)


def _flatten(blocks: dict[str, Any]) -> list[float]:
    return [value for block in blocks.values() for value in block["values"]]


def _read_report(path: Path) -> dict[str, Any]:
    import json

    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text())
        data["source"]["points"], data["relaxed"]["theta"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a symbreak shapes report ({error})") from None
    return data


def main() -> None:
    """Entry point of the ``symbreak`` script."""
    app()


if __name__ == "__main__":
    main()
