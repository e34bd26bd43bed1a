"""Typed results: every task returns one, with a versioned JSON form, a summary and figures.

The command line only formats results (:meth:`Result.summary`, :meth:`Result.figures`,
:meth:`Result.write_json`); it never reaches into trained models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .io import write_json

__all__ = ["Result", "json_ready", "format_number"]


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
