"""Figures of the fields experiment: trajectory with true and learned fields, loss curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_fields"]

_COLOURS = {"E": "tab:blue", "B": "tab:red"}
_LEARNED = {"E": "navy", "B": "darkred"}  # drawn on top of the true arrows, thinner


def plot_fields(report: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write ``fields_trajectory.png`` and ``fields_loss.png`` into ``out_dir``.

    The trajectory figure shows every particle's path in 3D with arrows from the
    centre of the box around the paths (equal scales on all axes): true E and B (thick) and learned E and B (thin, dashed, darker:
    unit vector times the fitted magnitude), all scaled by the same factor. The
    loss figure shows the per-epoch training MSE (relative to the mean squared
    force) of the relaxed and equivariant networks.

    Parameters
    ----------
    report : dict
        From :func:`~symbreak.tasks.fields.run_fields` (or its JSON).
    out_dir : path

    Returns
    -------
    list of Path
        The two PNG files.
    """
    from ..plot import new_figure, save_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    positions = np.asarray(report["trajectory"]["positions"], dtype=float)
    fields = report["fields"]
    settings = report["settings"]

    figure = new_figure(figsize=(7, 6))
    axes = figure.add_subplot(projection="3d")
    for index, path in enumerate(positions):
        axes.plot(*path.T, lw=1, color="0.3", alpha=0.8, label="trajectory" if index == 0 else None)
        axes.scatter(*path[0], color="k", s=12)
    points = positions.reshape(-1, 3)
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    extent = float(np.ptp(points, axis=0).max()) or 1.0
    largest = max(fields["E_magnitude"]["true"], fields["B_magnitude"]["true"]) or 1.0
    scale = 0.4 * extent / largest
    for name in ("E", "B"):
        truth = np.asarray(settings[name], dtype=float)
        if truth.any():
            axes.quiver(*centre, *(scale * truth), color=_COLOURS[name], lw=2.5,
                        label=f"{name} true", arrow_length_ratio=0.15)
        learned = fields[f"{name}_learned"]
        if learned is not None:
            vector = scale * fields[f"{name}_magnitude"]["learned"] * np.asarray(learned)
            angle = fields[f"{name}_angle_deg"]
            suffix = "" if angle is None else f" ({angle:.2g}° off)"
            axes.quiver(*centre, *vector, color=_LEARNED[name], lw=1.2, linestyle="--",
                        label=f"{name} learned{suffix}", arrow_length_ratio=0.15)
    for setter, middle in zip((axes.set_xlim, axes.set_ylim, axes.set_zlim), centre):
        setter(middle - 0.55 * extent, middle + 0.55 * extent)  # equal scales: true angles
    axes.set_box_aspect((1, 1, 1))
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_zlabel("z")
    axes.set_title(f"q = {settings['q']:g}, m = {settings['m']:g}, E = {settings['E']}, B = {settings['B']}",
                   fontsize=9)
    axes.legend(loc="upper left", fontsize=8)
    trajectory_path = out / "fields_trajectory.png"
    save_figure(figure, trajectory_path)

    figure = new_figure(figsize=(6, 4))
    axes = figure.subplots()
    for label, history in report["histories"].items():
        final = report[label]["mse_relative"]
        axes.semilogy(np.arange(1, len(history) + 1), history, label=f"{label} (final {final:.1e})")
    axes.set_xlabel("epoch")
    axes.set_ylabel("training MSE / mean squared force")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    loss_path = out / "fields_loss.png"
    save_figure(figure, loss_path)
    return [trajectory_path, loss_path]
