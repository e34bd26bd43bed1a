"""Typed results: every task returns one, with a versioned JSON form, a summary and figures.

The command line only formats results (:meth:`Result.summary`, :meth:`Result.figures`,
:meth:`Result.write_json`); it never reaches into trained models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .io import write_json

__all__ = ["Result", "json_ready", "format_number", "fit_verdict"]


def json_ready(value: Any) -> Any:
    """``value`` with numpy arrays and scalars turned into plain JSON types (recursively)."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def format_number(value: float) -> str:
    """Three significant digits, in scientific notation when very small or large."""
    return f"{value:.2e}" if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e4) else f"{value:.3g}"


def _percent(value: float) -> str:
    """``"12.34%"``, or ``"1.9e-06"`` (a plain fraction) when the percentage would read 0.00%."""
    return f"{value:.2%}" if value >= 1e-4 else f"{value:.1e}"


def fit_verdict(errors: dict[str, float], tolerance: float, quantity: str) -> str:
    """Whether each model fitted, judged on a relative error the user cares about.

    Parameters
    ----------
    errors : dict of str to float
        ``"relaxed"`` (and ``"equivariant"``) → the relative error of that model.
    tolerance : float
        A model fits when its error is at most this.
    quantity : str
        What the error is, e.g. ``"max vertex error / target size"``.
    """
    fits = {label: error <= tolerance for label, error in errors.items()}
    shown = "; ".join(f"{label} {_percent(error)}" for label, error in errors.items())
    text = f"{quantity} (tolerance {tolerance:.0%}): {shown}."
    if "equivariant" in errors:
        if fits["relaxed"] and not fits["equivariant"]:
            text += (" Only the relaxed network fits: the target is less symmetric than the input, which an "
                     "equivariant network cannot produce (Curie's principle).")
        elif fits["relaxed"] and fits["equivariant"]:
            text += " Both networks fit: the target needs no symmetry breaking."
        elif fits["equivariant"]:
            text += " The equivariant network fits but the relaxed one does not: a training problem."
    if not fits["relaxed"]:
        text += (" The relaxed network did NOT fit within the tolerance: train longer (--epochs) or change "
                 "the learning rate; the naming of θ below is provisional.")
    return text


class Result:
    """Base of the typed results of the tasks.

    Subclasses set :attr:`kind` and implement :meth:`payload`, :meth:`summary` and
    :meth:`figures`. The JSON form is ``{"schema": "symbreak.<kind>", "schema_version":
    <version>, ...payload}``; a field is never renamed or removed without a version bump.
    """

    kind: ClassVar[str] = "result"
    version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        """The task's fields, JSON-able."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Versioned JSON form."""
        return json_ready({"schema": f"symbreak.{self.kind}", "schema_version": self.version, **self.payload()})

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as indented JSON, atomically."""
        write_json(path, self.to_dict())
        return Path(path)

    def summary(self) -> str:
        """A few lines (rich markup allowed) a newcomer can read."""
        raise NotImplementedError

    def figures(self, out_dir: str | Path) -> list[Path]:
        """Write the task's figures into ``out_dir``; return their paths."""
        return []
