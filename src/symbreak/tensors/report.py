"""The result of ``symbreak tensor``: an allowed form, and optionally a symmetrised tensor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..results import Result, format_number
from ..symmetry import PointGroup
from .forms import AllowedForm, allowed_form
from .groups import as_point_group
from .kinds import TensorKind, tensor_kind
from .projection import NeumannProjection, neumann_projection

__all__ = ["TensorResult", "tensor_report", "load_tensor"]

_JSON_KEYS = ("tensor", "values", "voigt", "cartesian", "matrix")


def load_tensor(path: str | Path, kind: TensorKind) -> np.ndarray:
    """A tensor from ``.npy``, ``.json`` (a nested list, or an object with one of the keys
    ``tensor``, ``values``, ``voigt``, ``cartesian``, ``matrix``) or text (whitespace or comma
    separated rows, ``#`` comments). A flat list of ``3**rank`` numbers is read as the Cartesian
    tensor (row-major), one of the Voigt size as the Voigt array."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--values {path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix == ".json":
            data = json.loads(path.read_text())
            if isinstance(data, dict):
                keys = [k for k in _JSON_KEYS if k in data]
                if not keys:
                    raise ValueError(f"expected a list or an object with one of the keys {list(_JSON_KEYS)}")
                data = data[keys[0]]
            array = np.array(data, dtype=np.float64)
        else:
            text = path.read_text().replace(",", " ")
            rows = [line.split("#")[0].split() for line in text.splitlines()]
            rows = [r for r in rows if r]
            if not rows:
                raise ValueError("no numbers in the file")
            if len({len(r) for r in rows}) != 1:
                raise ValueError("rows have different numbers of values")
            array = np.array([[float(v) for v in r] for r in rows])
            if array.shape[0] == 1:
                array = array[0]
    except (ValueError, TypeError, OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"--values {path}: cannot read a tensor ({error})") from None
    if not np.issubdtype(np.asarray(array).dtype, np.number):
        raise ValueError(f"--values {path}: expected numbers, got {np.asarray(array).dtype}")
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1 and array.size == 3**kind.rank:
        array = array.reshape(kind.shape)
    elif array.ndim == 1 and kind.voigt_shape is not None and array.size == int(np.prod(kind.voigt_shape)):
        array = array.reshape(kind.voigt_shape)
    return array


@dataclass
class TensorResult(Result):
    """Allowed form of a tensor kind in a point group; with values, their Neumann projection.

    Attributes
    ----------
    form : AllowedForm
    projection : NeumannProjection or None
    source : str or None
        The structure file the group was found from.
    values_path : str or None
    residual_tol : float
        Relative tolerance of the residual symmetry of the values (:meth:`NeumannProjection.residual_group`).
    detected : PointGroup or None
        The group as given or found, in the structure's frame (``form.group`` is its standard
        orientation when the tensors were rotated there).
    """

    kind: ClassVar[str] = "tensor"
    version: ClassVar[int] = 1

    form: AllowedForm
    projection: NeumannProjection | None = None
    source: str | None = None
    values_path: str | None = None
    detected: PointGroup | None = None
    standard_frame: bool = False
    residual_tol: float = 1e-3

    @property
    def group(self) -> PointGroup:
        """The group as given or found (in the structure's frame)."""
        return self.detected if self.detected is not None else self.form.group

    @property
    def rotated(self) -> bool:
        """Whether values and form were rotated from the structure's frame to standard orientation."""
        return self.standard_frame and not self.group.is_standard

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "allowed_form": self.form.to_dict(),
            "group_source": self.source,
            "group_max_deviation": self.group.max_deviation,
            "group_frame": self.group.frame.tolist(),
            "rotated_to_standard_frame": self.rotated,
        }
        if self.projection is not None:
            p = self.projection
            out["projection"] = {
                "values_file": self.values_path,
                "form": p.form,
                "convention": p.convention,
                "symmetrized": p.tensor,
                "removed": p.removed,
                "violation": p.violation,
                "relative_violation": p.relative_violation,
                "cartesian_violation": p.cartesian_violation,
                "constants": p.constants,
                "rotation": p.rotation,
                "breaking_irreps": p.breaking,
                "residual_group": p.residual_group(self.residual_tol).name,
                "residual_tol": self.residual_tol,
            }
        return out

    def summary(self) -> str:
        lines = []
        group, rotated = self.group, self.rotated
        if self.source is not None:
            deviation = "" if group.max_deviation is None else f", max deviation {group.max_deviation:.2g} Å"
            where = "the group's standard orientation" if rotated else "the structure's own Cartesian frame"
            lines.append(f"{self.source}: point group {self.form.group_label}{deviation}; tensors in {where}")
            if rotated:
                with np.printoptions(precision=4, suppress=True):
                    what = "values rotated" if self.projection is not None else "rotated"
                    lines.append(f"{what} into it from the structure's frame by the group's frame "
                                 f"F = {np.round(group.frame, 4).tolist()}")
            elif not group.is_standard:
                with np.printoptions(precision=4, suppress=True):
                    lines.append(f"the group's axes are rotated from x, y, z: principal axis {group.principal_axis}, "
                                 f"secondary axis {group.secondary_axis}; relations below hold in the structure's "
                                 "frame, so they need not look like the textbook's")
        lines.append(self.form.text())
        if self.projection is not None:
            p = self.projection
            form = "Voigt, " + str(p.convention) + " convention" if p.form == "voigt" else "Cartesian"
            lines.append(
                f"values {self.values_path} ({form}): violation {format_number(p.violation)} "
                f"(relative {p.relative_violation:.2e}; Cartesian norm of the removed part "
                f"{format_number(p.cartesian_violation)})"
            )
            g = self.form.group
            if p.breaking:
                shares = ", ".join(f"{label} {share:.1%}" for label, share in p.breaking.items())
                lines.append(f"removed part by irreps of {g.name}: {shares}")
            residual = p.residual_group(self.residual_tol)
            lines.append(f"symmetry of the given tensor within {g.name} (changes <= {self.residual_tol:g} of its "
                         f"norm): {residual.name}" + (" (all of it)" if residual.order == g.order else ""))
            lines.append("constants: " + ", ".join(f"{k} = {v:.6g}" for k, v in p.constants.items()))
            lines.append("symmetrised tensor:")
            with np.printoptions(precision=6, suppress=True, linewidth=110):
                lines.append(str(np.asarray(p.tensor)))
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from .figures import plot_voigt_patterns

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = f"{self.form.kind.name}_{self.form.group.name}_pattern.png".replace("=", "-").replace("/", "_")
        return [plot_voigt_patterns([self.form], out_dir / name, title=self.form.kind.name)]


def tensor_report(kind: str | TensorKind, group: Any = None, structure: Any = None,
                  values: Any = None, convention: str | None = None, symprec: float = 1e-3, tol: float = 0.1,
                  index_rtol: float = 1e-2, source: str | None = None,
                  values_path: str | None = None, standard_frame: bool = False,
                  residual_tol: float = 1e-3) -> TensorResult:
    """Everything ``symbreak tensor`` prints: the allowed form, and the projection of ``values``.

    Exactly one of ``group`` (a PointGroup or name) and ``structure`` (an ase.Atoms) is given.
    With ``standard_frame``, the allowed form is printed and the values projected in the group's
    standard orientation (the values rotated by the group's frame first).
    """
    if (group is None) == (structure is None):
        raise ValueError("give exactly one of a group (--group) and a structure (--structure)")
    kind = tensor_kind(kind)
    resolved = as_point_group(group if group is not None else structure, symprec=symprec, tol=tol)
    form = allowed_form(kind, resolved.standard if standard_frame else resolved)
    projection = None
    if values is not None:
        projection = neumann_projection(kind, values, resolved, convention=convention, index_rtol=index_rtol,
                                        standard_frame=standard_frame)
    return TensorResult(form=form, projection=projection, source=source, values_path=values_path,
                        detected=resolved, standard_frame=standard_frame, residual_tol=residual_tol)
