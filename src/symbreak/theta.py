"""θ as a value: the learned relaxed weights of one layer, and everything read off them.

:class:`Theta` is the one place that knows how a vector of O(3) irreps is cut into blocks.
It is a frozen float64 snapshot, detached from any model: the analysis (signals,
polynomials, point-group decompositions, stabilisers) runs on it in float64 whatever
dtype the model trained in, and it round-trips through JSON.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

if TYPE_CHECKING:  # torch and e3nn load only when θ is actually analysed
    import torch

    from .symmetry import Decomposition, PointGroup

__all__ = ["Theta", "ThetaBlock", "thetas_of", "theta_report"]


@dataclasses.dataclass(frozen=True)
class ThetaBlock:
    """One irrep block of θ.

    Attributes
    ----------
    label : str
        ``"2e"``, or ``"2e[1]"`` for the second copy of an irrep that appears several times.
    l : int
    parity : int
        +1 (``e``) or -1 (``o``).
    values : np.ndarray, shape ``(2l+1,)``, float64
    """

    label: str
    l: int
    parity: int
    values: np.ndarray

    @property
    def norm(self) -> float:
        """Euclidean norm of the block, invariant under O(3)."""
        return float(np.linalg.norm(self.values))

    @property
    def breaks_symmetry(self) -> bool:
        """Whether a non-zero value of this block breaks O(3): every block but ``0e``."""
        return not (self.l == 0 and self.parity == 1)


@dataclasses.dataclass(frozen=True, eq=False)
class Theta:
    r"""The relaxed weights θ of one layer (Hofgard et al. 2024, eq. 5), as a float64 value.

    .. math:: \theta = \bigoplus_{(l,p)} \theta^{l,p}, \qquad
              \theta^{0e} \text{ the symmetric background}

    Parameters
    ----------
    irreps : str
        Irreps of θ in e3nn notation (e.g. ``"1x0e+1x0o+1x1o+1x1e"``).
    values : array-like, shape ``(dim,)``
        Stored as a read-only float64 array.
    """

    irreps: str
    values: np.ndarray
    _terms: tuple = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dims = tuple(_parse_irreps(self.irreps))
        object.__setattr__(self, "_terms", dims)
        values = np.array(self.values, dtype=np.float64).reshape(-1)
        expected = sum(mul * (2 * l + 1) for mul, l, _ in dims)
        if values.shape != (expected,):
            raise ValueError(f"θ with irreps {self.irreps} has {expected} components, got {values.shape[0]}")
        if not np.all(np.isfinite(values)):
            raise ValueError("θ has non-finite components")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_parameter(cls, parameter: Any, row: int = 0) -> "Theta":
        """Snapshot of a :class:`~symbreak.nn.BreakingParameter` (θ or one row of a learnable input).

        Reads the vector the model uses (``effective_weight``): for a G-equivariant layer
        θ = P_{A1} φ (+ the G-breaking part), not its free parameters φ.
        """
        dim = parameter.irreps.dim
        weight = parameter.effective_weight().detach().cpu().double().numpy()
        if not 0 <= row < parameter.rows:
            raise ValueError(f"row must be in [0, {parameter.rows}), got {row}")
        return cls(str(parameter.irreps), weight[row * dim : (row + 1) * dim])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Theta":
        """Inverse of :meth:`to_dict` (reads ``irreps`` and ``values``)."""
        try:
            return cls(str(data["irreps"]), np.asarray(data["values"], dtype=np.float64))
        except (KeyError, TypeError) as error:
            raise ValueError(f"a θ entry needs 'irreps' and a list of 'values': {error}") from None

    # ------------------------------------------------------------------ blocks

    def blocks(self) -> list[ThetaBlock]:
        """Every block, in the order of the irreps; repeated irreps get ``[copy]`` labels."""
        dims = self._terms
        counts: dict[str, int] = {}
        for mul, l, p in dims:
            key = f"{l}{'e' if p == 1 else 'o'}"
            counts[key] = counts.get(key, 0) + mul
        seen: dict[str, int] = {}
        out, offset = [], 0
        for mul, l, p in dims:
            key = f"{l}{'e' if p == 1 else 'o'}"
            for _ in range(mul):
                copy = seen.get(key, 0)
                seen[key] = copy + 1
                label = key if counts[key] == 1 else f"{key}[{copy}]"
                out.append(ThetaBlock(label, l, p, self.values[offset : offset + 2 * l + 1]))
                offset += 2 * l + 1
        return out

    def block(self, label: str) -> np.ndarray | None:
        """Values of the block called ``label`` (``"1o"`` is the first copy), or ``None``."""
        for b in self.blocks():
            if b.label == label or b.label == f"{label}[0]":
                return b.values
        return None

    def norms(self) -> dict[str, float]:
        """Norm of every block, by label."""
        return {b.label: b.norm for b in self.blocks()}

    def breaking_norms(self, relative: float = 0.0) -> dict[str, float]:
        """Norms of the symmetry-breaking blocks (all but ``0e``) above ``relative`` × the largest."""
        norms = {b.label: b.norm for b in self.blocks() if b.breaks_symmetry}
        largest = max(norms.values(), default=0.0)
        return {k: v for k, v in norms.items() if largest > 0 and v > relative * largest}

    @property
    def breaking_norm(self) -> float:
        r""":math:`\lVert\theta\rVert` without its ``0e`` background: how much symmetry it breaks."""
        return float(np.linalg.norm(self.without_background()))

    def without_background(self) -> np.ndarray:
        """The values with every ``0e`` block set to zero (the background breaks nothing)."""
        out = self.values.copy()
        offset = 0
        for mul, l, p in self._terms:
            size = mul * (2 * l + 1)
            if l == 0 and p == 1:
                out[offset : offset + size] = 0.0
            offset += size
        return out

    # ------------------------------------------------------------------ signals

    def signal(self, kind: str = "scalar", *, subtract_background: bool = True) -> "torch.Tensor":
        """Coefficients of the scalar or pseudoscalar signal (eq. 8), see :func:`~symbreak.signals.relaxed_signal`."""
        from .signals import relaxed_signal

        coefficients, _ = relaxed_signal(self.values.copy(), self.irreps, kind, subtract_background=subtract_background)
        return coefficients

    def polynomial(self, kind: str = "scalar") -> str:
        """The signal as a Cartesian polynomial (background removed, largest coefficient 1)."""
        from .signals import format_polynomial

        return format_polynomial(self.signal(kind))

    # ------------------------------------------------------------------ symmetry

    def decompose(self, group: "PointGroup", *, subtract_background: bool = True) -> "Decomposition":
        """Isotypic decomposition into the real irreps of ``group`` (same Cartesian frame)."""
        from .symmetry import decompose

        values = self.without_background() if subtract_background else self.values
        return decompose(values, self.irreps, group)

    def stabilizer(self, group: "PointGroup", tol: float = 1e-4) -> "PointGroup":
        r"""Elements of ``group`` that leave θ unchanged: :math:`\lVert D(g)\theta - \theta\rVert \le
        \mathrm{tol}\,\lVert\theta\rVert` (background removed, so a scalar θ keeps all of ``group``)."""
        from .symmetry import stabilizer

        values = self.without_background()
        if not np.any(values):
            return group
        return stabilizer(values, self.irreps, group, tol=tol)

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """JSON form: irreps, values, blocks (values and norm per label), both signals as polynomials."""
        return {
            "irreps": self.irreps,
            "values": self.values.tolist(),
            "blocks": {b.label: {"values": b.values.tolist(), "norm": b.norm} for b in self.blocks()},
            "scalar_signal": self.polynomial("scalar"),
            "pseudoscalar_signal": self.polynomial("pseudoscalar"),
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{k} {v:.3g}" for k, v in self.breaking_norms(1e-3).items()) or "scalar"
        return f"Theta({self.irreps}: {shown})"


def thetas_of(model: Any) -> list[Theta]:
    """θ of every relaxed layer of ``model``, first to last, as values."""
    from .nn import RelaxedWeights

    return [Theta.from_parameter(m) for m in model.modules() if isinstance(m, RelaxedWeights)]


def theta_report(thetas: Iterable[Theta] | Any) -> list[dict[str, Any]]:
    """JSON entries of the θ of every layer (``layer`` index plus :meth:`Theta.to_dict`).

    Accepts the values or a model (whose θ are read with :func:`thetas_of`).
    """
    if hasattr(thetas, "modules"):
        thetas = thetas_of(thetas)
    return [{"layer": index, **theta.to_dict()} for index, theta in enumerate(thetas)]


def _parse_irreps(irreps: str) -> list[tuple[int, int, int]]:
    """``(multiplicity, l, parity)`` of every term of an irreps string (read by e3nn)."""
    from ._validation import as_irreps

    return [(mul, ir.l, ir.p) for mul, ir in as_irreps(irreps, "irreps")]
