"""Voigt-pattern figures: the textbook matrix of an allowed form, entries coloured by relation."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Patch, Rectangle

from ..plot import new_figure, save_figure
from .forms import AllowedForm
from .kinds import VOIGT_PAIRS

__all__ = ["plot_voigt_patterns"]

_ZERO_COLOUR = "#eeeeee"
_DEPENDENT_COLOUR = "#b39ddb"
_PALETTE = (0, 1, 2, 3, 5, 6, 8, 9, 7)  # tab10 without its purple, which marks dependent entries


def _owner(coefficients: np.ndarray) -> int | None:
    """Index of the single independent constant an entry equals (±), else None."""
    nonzero = np.flatnonzero(np.abs(coefficients) > 1e-9)
    return int(nonzero[0]) if nonzero.size == 1 else None


def _cells(form: AllowedForm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pattern, classes and coefficient rows laid out as a matrix (a symmetric rank 2 as 3×3)."""
    pattern, classes = form.pattern, form.entry_classes
    coefficients = form.coefficients.reshape(*pattern.shape, -1)
    if pattern.ndim == 1 and form.kind.has_voigt:  # symmetric rank 2: show the 3×3 matrix
        p = np.empty((3, 3), dtype=object)
        c = np.empty((3, 3), dtype=object)
        k = np.zeros((3, 3, coefficients.shape[-1]))
        for a, (i, j) in enumerate(VOIGT_PAIRS):
            for (r, s) in ((i, j), (j, i)):
                p[r, s], c[r, s], k[r, s] = pattern[a], classes[a], coefficients[a]
        return p, c, k
    if pattern.ndim == 1:
        return pattern[None], classes[None], coefficients[None]
    if pattern.ndim > 2:  # a Cartesian rank ≥ 3 without Voigt form: rows = first index
        rows = pattern.shape[0]
        flat = coefficients.reshape(rows, -1, coefficients.shape[-1])
        return pattern.reshape(rows, -1), classes.reshape(rows, -1), flat
    return pattern, classes, coefficients


def _draw(axis, form: AllowedForm) -> None:
    pattern, classes, coefficients = _cells(form)
    rows, cols = pattern.shape
    tab10 = colormaps["tab10"]
    palette = lambda k: tab10(_PALETTE[k % len(_PALETTE)])  # noqa: E731
    for r in range(rows):
        for c in range(cols):
            kind = classes[r, c]
            owner = _owner(coefficients[r, c])
            if kind == "zero":
                face, hatch = _ZERO_COLOUR, None
            elif kind == "dependent":
                face, hatch = _DEPENDENT_COLOUR, None
            else:
                face = palette(owner)
                hatch = "////" if kind == "opposite" else None
            alpha = 1.0 if kind in ("independent", "zero", "dependent") else 0.55
            axis.add_patch(Rectangle((c, rows - 1 - r), 1, 1, facecolor=face, alpha=alpha, hatch=hatch,
                                     edgecolor="white", linewidth=1.5))
            text = re.sub(r"^\((.*)\)/2$", r"½(\1)", pattern[r, c])
            text = text.replace(" - ", "−").replace(" + ", "+").replace("-", "−")
            size = 8 if len(text) <= 6 else 6 if len(text) <= 9 else 5
            weight = "bold" if kind == "independent" else "normal"
            axis.text(c + 0.5, rows - 0.5 - r, "·" if text == "0" else text, ha="center", va="center",
                      fontsize=size, fontweight=weight)
    axis.set_xlim(0, cols)
    axis.set_ylim(0, rows)
    axis.set_aspect("equal")
    axis.set_xticks(np.arange(cols) + 0.5)
    axis.set_yticks(np.arange(rows) + 0.5)
    voigt_labels = [str(i + 1) for i in range(6)]
    axis.set_xticklabels(voigt_labels[:cols] if cols == 6 else [str(i + 1) for i in range(cols)], fontsize=7)
    axis.set_yticklabels(list(reversed([str(i + 1) for i in range(rows)])), fontsize=7)
    axis.tick_params(length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)
    axis.set_title(f"{form.group_label}: {form.num_independent} independent", fontsize=9)


def plot_voigt_patterns(forms: Sequence[AllowedForm], path: str | Path, title: str = "", ncols: int = 3) -> Path:
    """One panel per allowed form: each Voigt entry coloured by how it relates to the constants.

    Zero entries are grey dots; an independent constant has its own colour (bold label); entries
    equal to it share the colour (lighter), entries opposite to it are hatched; entries that are
    combinations of several constants (``(C11 - C12)/2``) are purple.
    """
    if not forms:
        raise ValueError("plot_voigt_patterns: no forms given")
    ncols = min(ncols, len(forms))
    nrows = math.ceil(len(forms) / ncols)
    shape = _cells(forms[0])[0].shape
    width = 0.6 * shape[1] * ncols + 0.3 * ncols
    height = 0.6 * shape[0] * nrows + 0.45 * nrows + 0.6
    figure = new_figure(figsize=(width, height), layout="constrained")
    axes = np.atleast_1d(figure.subplots(nrows, ncols, squeeze=False)).reshape(-1)
    for axis, form in zip(axes, forms):
        _draw(axis, form)
    for axis in axes[len(forms):]:
        axis.set_visible(False)
    legend = [
        Patch(facecolor=_ZERO_COLOUR, label="zero"),
        Patch(facecolor=colormaps["tab10"](0), label="independent (bold) / equal (same colour)"),
        Patch(facecolor=colormaps["tab10"](0), alpha=0.55, hatch="////", label="opposite (−)"),
        Patch(facecolor=_DEPENDENT_COLOUR, label="dependent (combination)"),
    ]
    figure.legend(handles=legend, loc="outside lower center", ncol=4, fontsize=7, frameon=False)
    if title:
        figure.suptitle(title, fontsize=10)
    return save_figure(figure, path)
