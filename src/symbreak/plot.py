"""Figures (matplotlib, no display needed): loss curves, spherical signals, shapes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure

from ._atomic import atomic_write
from .signals import evaluate_signal, format_polynomial

__all__ = ["new_figure", "save_figure", "plot_loss_curves", "plot_sphere_signals", "plot_shapes", "plot_vertex_signals"]


def new_figure(**kwargs) -> Figure:
    """A figure outside pyplot: no global backend is chosen and nothing needs closing,
    so importing symbreak never changes a user's matplotlib state."""
    return Figure(**kwargs)


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Save atomically (never half a file); the format follows the suffix (PNG by default)."""
    path = Path(path)
    atomic_write(path, lambda handle: figure.savefig(handle, format=path.suffix.lstrip(".") or "png",
                                                     dpi=130, bbox_inches="tight"))
    return path


def plot_loss_curves(histories: dict[str, Sequence[float]], path: str | Path, title: str = "") -> Path:
    """Training loss per epoch of each run, log scale."""
    figure = new_figure(figsize=(5.5, 3.6))
    axis = figure.subplots()
    for label, values in histories.items():
        axis.semilogy(np.arange(1, len(values) + 1), np.maximum(values, 1e-300), label=label)
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss (MSE)")
    axis.set_title(title)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    return save_figure(figure, path)


def _cube_axes(axis, bound: float) -> None:
    """Equal x, y, z ranges [-bound, bound] with labelled axes (the data's frame)."""
    for setter in (axis.set_xlim, axis.set_ylim, axis.set_zlim):
        setter(-bound, bound)
    axis.set_box_aspect((1, 1, 1))
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    axis.set_zlabel("z")


def _sphere_grid(resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    polar = np.linspace(0, math.pi, resolution)
    azimuth = np.linspace(0, 2 * math.pi, 2 * resolution)
    polar, azimuth = np.meshgrid(polar, azimuth, indexing="ij")
    return np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)


def plot_sphere_signals(
    signals: Sequence[torch.Tensor], titles: Sequence[str], path: str | Path, *, resolution: int = 60
) -> Path:
    """Each signal as a surface of radius ``|s(x̂)|`` coloured by ``s(x̂)`` (red +, blue −).

    Axes are labelled x, y, z (the frame of the data; z up).
    """
    count = max(len(signals), 1)
    figure = new_figure(figsize=(4.0 * count, 4.2))
    x, y, z = _sphere_grid(resolution)
    directions = torch.tensor(np.stack([x, y, z], axis=-1).reshape(-1, 3))
    for index, (signal, title) in enumerate(zip(signals, titles)):
        axis = figure.add_subplot(1, count, index + 1, projection="3d")
        values = evaluate_signal(signal, directions).numpy().reshape(x.shape)
        scale = np.abs(values).max()
        if scale == 0:
            axis.text2D(0.5, 0.5, "0 (no symmetry breaking)", ha="center", transform=axis.transAxes)
            radius, colours = np.zeros_like(values), np.full(values.shape, 0.5)
        else:
            radius, colours = np.abs(values) / scale, 0.5 + 0.5 * values / scale
        axis.plot_surface(
            radius * x, radius * y, radius * z, facecolors=colormaps["coolwarm"](colours),
            rstride=1, cstride=1, linewidth=0, antialiased=False, shade=False,
        )
        _cube_axes(axis, 1)
        polynomial = format_polynomial(signal) if scale else "0"
        if len(polynomial) > 60:
            polynomial = polynomial[:57] + "..."
        axis.set_title(f"{title}\n{polynomial}", fontsize=8)
    return save_figure(figure, path)


def plot_shapes(
    source: np.ndarray, target: np.ndarray, predictions: dict[str, np.ndarray], path: str | Path,
    title: str = "",
) -> Path:
    """Source and target points with each model's recovered points, in 3D."""
    figure = new_figure(figsize=(5, 5))
    axis = figure.add_subplot(projection="3d")
    axis.scatter(*source.T, s=40, c="grey", alpha=0.5, label="source")
    axis.scatter(*target.T, s=90, facecolors="none", edgecolors="k", label="target")
    for (label, points), marker in zip(predictions.items(), "ox^s"):
        axis.scatter(*np.asarray(points).T, s=25, marker=marker, label=label)
    for start, end in zip(source, target):
        axis.plot(*np.stack([start, end]).T, color="grey", linewidth=0.5, alpha=0.6)
    bound = max(np.abs(source).max(), np.abs(target).max()) * 1.1
    _cube_axes(axis, bound)
    axis.set_title(title)
    axis.legend(fontsize=7, loc="upper left")
    return save_figure(figure, path)


def plot_vertex_signals(
    points: np.ndarray, panels: dict[str, torch.Tensor], path: str | Path, *, title: str = "",
    resolution: int = 40, view: tuple[float, float] | None = None,
) -> Path:
    """Each vertex's predicted signal drawn as a small surface centred on the vertex.

    One panel per entry of ``panels`` (title → signals ``(N, (lmax+1)^2)``). Surface
    radius ∝ the positive part of the signal (where the displacement points), so an
    equivariant network on a symmetric input shows the average of the degenerate
    targets: several lobes per vertex (Smidt et al. 2021, Fig. 2).
    """
    points = np.asarray(points)
    x, y, z = _sphere_grid(resolution)
    directions = torch.tensor(np.stack([x, y, z], axis=-1).reshape(-1, 3))
    planar = np.ptp(points[:, 2]) < 1e-9
    spacing = np.min([np.linalg.norm(a - b) for i, a in enumerate(points) for b in points[i + 1:]])
    figure = new_figure(figsize=(4.6 * len(panels), 4.6))
    for index, (label, signals) in enumerate(panels.items()):
        axis = figure.add_subplot(1, len(panels), index + 1, projection="3d")
        signals = torch.as_tensor(signals, dtype=torch.float64)
        values = evaluate_signal(signals, directions).numpy()  # (P, N)
        scale = max(values.max(), 1e-300)
        for n, centre in enumerate(points):
            radius = np.clip(values[:, n], 0, None).reshape(x.shape) / scale * 0.45 * spacing
            colours = colormaps["viridis"](radius / max(radius.max(), 1e-300))
            axis.plot_surface(centre[0] + radius * x, centre[1] + radius * y, centre[2] + radius * z,
                              facecolors=colours, linewidth=0, antialiased=False, shade=False)
        axis.scatter(*points.T, c="k", s=12)
        bound = np.abs(points).max() + 0.5 * spacing
        _cube_axes(axis, bound)
        if view is not None or planar:
            axis.view_init(*(view or (90, -90)))
        if planar and view is None:
            axis.set_zticks([])  # seen from above: z ticks would pile up
        axis.set_title(label, fontsize=9)
    figure.suptitle(title)
    return save_figure(figure, path)
