"""Reports: JSON files and the short printed summaries of each task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from .io import write_json

__all__ = ["public_report", "write_report", "print_shapes_summary", "strongest_blocks"]


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report without private entries (keys starting with ``_``), as plain JSON types."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not str(k).startswith("_")}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
        return value

    return clean(report)


def write_report(report: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`public_report` as JSON, atomically."""
    write_json(path, public_report(report))
    return Path(path)


def strongest_blocks(layer: dict[str, Any], relative: float = 1e-3) -> list[tuple[str, float]]:
    """Non-scalar θ blocks of one layer whose norm is above ``relative`` × the largest."""
    norms = [(label, block["norm"]) for label, block in layer["blocks"].items() if label.split("[")[0] != "0e"]
    largest = max((n for _, n in norms), default=0.0)
    return [(label, n) for label, n in norms if largest > 0 and n > relative * largest]


def _number(value: float) -> str:
    return f"{value:.2e}" if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e4) else f"{value:.3g}"


def print_shapes_summary(report: dict[str, Any], console: Console | None = None) -> None:
    """A table a newcomer can read: fit quality of both models and what θ learned."""
    console = console or Console()
    source, target = report["source"]["name"], report["target"]["name"]
    console.print(f"\n[bold]symbreak shapes: {source} → {target}[/] ({len(report['source']['points'])} points)")
    table = Table(show_header=True, header_style="bold")
    table.add_column("")
    models = [name for name in ("relaxed", "equivariant") if name in report]
    for name in models:
        table.add_column(name, justify="right")
    table.add_row("SH-MSE (loss)", *[_number(report[m]["loss"]) for m in models])
    table.add_row("vertex error / size", *[_number(report[m]["vertex_error"]) for m in models])
    table.add_row("training time (s)", *[f"{report[m]['seconds']:.1f}" for m in models])
    console.print(table)
    console.print("[bold]Learned symmetry breaking[/] (θ blocks other than 0e; signal with the 0e background removed):")
    for layer in report["relaxed"]["theta"]:
        blocks = strongest_blocks(layer)
        text = ", ".join(f"{label} {norm:.3g}" for label, norm in blocks) or "none (θ is a scalar)"
        console.print(f"  layer {layer['layer']}: {text}")
        if blocks:
            console.print(f"           scalar signal ∝ {layer['scalar_signal']}", highlight=False)
            if layer["pseudoscalar_signal"] != "0":
                console.print(f"           pseudoscalar signal ∝ {layer['pseudoscalar_signal']}", highlight=False)
    if "equivariant" in report:
        relaxed, baseline = report["relaxed"]["loss"], report["equivariant"]["loss"]
        if relaxed > 0 and baseline > 1e3 * relaxed:
            console.print(
                f"The relaxed network fits the target {baseline / relaxed:.1e}× better than the "
                "equivariant one, which cannot produce a less symmetric output than its input."
            )
        else:
            console.print("Both networks fit about equally well: the target needs no symmetry breaking.")
    breaking = report.get("breaking")
    if breaking and breaking.get("sentence"):
        console.print(breaking["sentence"])
