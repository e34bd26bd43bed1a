"""The ``symbreak`` command."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console

app = typer.Typer(
    name="symbreak",
    help="Learn and discover symmetry breaking with relaxed E(3)-equivariant networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input ends in one clear line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ValueError, FileNotFoundError) as error:
            errors.print(f"[bold red]error:[/] {error}", highlight=False)
            raise typer.Exit(code=2) from None
        except FloatingPointError as error:
            errors.print(f"[bold red]training failed:[/] {error}", highlight=False)
            raise typer.Exit(code=1) from None

    return wrapper


def _threads(threads: Optional[int]) -> None:
    if threads is not None:
        if threads < 1:
            raise ValueError(f"--threads must be >= 1, got {threads}")
        import torch

        torch.set_num_threads(threads)


def _shapes_run(source, target, epochs, seed, cutoff, lmax_relaxed, penalty_weight, baseline,
                checkpoint_dir, resume, json_path, out, threads, quiet) -> dict[str, Any]:
    from .report import print_shapes_summary, write_report
    from .tasks.shapes import ShapeSettings, run_shapes

    _threads(threads)
    overrides = {"epochs": epochs, "seed": seed, "cutoff": cutoff, "lmax_relaxed": lmax_relaxed,
                 "penalty_weight": penalty_weight}
    settings = ShapeSettings(**{k: v for k, v in overrides.items() if v is not None})
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    report = run_shapes(
        source, target, settings, baseline=baseline, progress=not quiet,
        checkpoint_dir=checkpoint_dir, resume=resume,
    )
    print_shapes_summary(report, console)
    written = []
    if json_path is not None:
        written.append(write_report(report, json_path))
    if out is not None:
        written += _shapes_figures(report, out)
        written.append(write_report(report, out / "report.json"))
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    return report


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
    seed: Optional[int] = typer.Option(None, help="Seed of weights and data order (default 0)."),
    cutoff: Optional[float] = typer.Option(None, help="Neighbour cutoff (default: every pair)."),
    lmax_relaxed: Optional[int] = typer.Option(None, help="Largest l of the relaxed weights (default 4)."),
    penalty_weight: Optional[float] = typer.Option(None, help="Weight of the group-norm penalty on θ."),
    baseline: bool = typer.Option(True, help="Also train the equivariant baseline."),
    checkpoint_dir: Optional[Path] = typer.Option(None, help="Save checkpoints here."),
    resume: bool = typer.Option(False, help="Resume from the checkpoints in --checkpoint-dir."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write the JSON report here."),
    out: Optional[Path] = typer.Option(None, help="Write figures and report.json into this folder."),
    threads: Optional[int] = typer.Option(None, help="Torch CPU threads."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """Train a relaxed network (and its equivariant baseline) to deform SOURCE into TARGET."""
    if resume and checkpoint_dir is None:
        raise ValueError("--resume needs --checkpoint-dir")
    _shapes_run(source, target, epochs, seed, cutoff, lmax_relaxed, penalty_weight, baseline,
                checkpoint_dir, resume, json_path, out, threads, quiet)


@app.command()
@user_errors
def demo(
    out: Path = typer.Option(Path("demo_output"), help="Folder for figures and report.json."),
    epochs: Optional[int] = typer.Option(None, help="Training epochs (default 300)."),
    threads: Optional[int] = typer.Option(None, help="Torch CPU threads."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """Cube → square prism: the relaxed network learns the breaking, the equivariant one cannot."""
    console.print(
        "[bold]Demo[/]: deform a cube into a square prism (x, y × 0.5, z × 2). An equivariant "
        "network cannot (the prism is less symmetric than the cube); a relaxed one learns "
        "weights θ that break exactly the missing symmetry."
    )
    _shapes_run("cube", "prism", epochs, None, None, None, None, True, None, False, None, out, threads, quiet)


def main() -> None:
    """Entry point of the ``symbreak`` script."""
    app()


if __name__ == "__main__":
    main()
