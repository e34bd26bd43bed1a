"""Bar chart of mode amplitudes by irrep (the figure of AMPLIMODES papers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from .._atomic import atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from .decompose import ModeDecomposition

__all__ = ["plot_mode_amplitudes"]


def plot_mode_amplitudes(result: "ModeDecomposition", path: str | Path, *, threshold: float = 1e-5) -> Path:
    """Amplitude of every mode above ``threshold`` (AMPLIMODES normalisation), largest first,
    on a log axis so that secondary modes stay visible next to the primary one."""
    modes = [m for m in result.modes if m.amplitude >= threshold]
    figure = Figure(figsize=(max(3.5, 0.55 * len(modes) + 1.5), 3.4))
    axis = figure.subplots()
    labels = [m.irrep if m.iso_ir else m.irrep.split(" (")[0] for m in modes]
    values = np.array([m.amplitude for m in modes])
    colours = ["tab:red" if not np.allclose(m.k, 0) else "tab:blue" for m in modes]
    axis.bar(np.arange(len(modes)), values, color=colours)
    axis.set_xticks(np.arange(len(modes)), labels, rotation=45 if len(modes) > 6 else 0, ha="right" if len(modes) > 6 else "center")
    unit = " (Å)" if result.field == "1o" else ""
    axis.set_ylabel(f"amplitude{unit}")
    if len(values) and values.max() / max(values.min(), 1e-300) > 100:
        axis.set_yscale("log")
    names = f"{Path(result.child_name).name} vs {Path(result.parent_name).name}"
    axis.set_title(f"{names}\nblue: k = 0, red: zone boundary", fontsize=9)
    axis.grid(True, axis="y", alpha=0.3)
    path = Path(path)
    atomic_write(path, lambda handle: figure.savefig(handle, format="png", dpi=130, bbox_inches="tight"))
    return path
