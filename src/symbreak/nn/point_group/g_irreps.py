"""Features indexed by the real irreps of a point group G: bookkeeping and representation matrices."""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from ...symmetry import PointGroup, as_point_group, irrep_matrices, trivial_irrep

__all__ = ["GIrreps"]

_TERM = re.compile(r"^\s*(?:(\d+)\s*x\s*)?(\S+)\s*$")


class GIrreps:
    r"""A direct sum of real irreps of a point group G, each with a multiplicity (channels).

    .. math:: V = \bigoplus_\Gamma \mathbb{R}^{m_\Gamma} \otimes V_\Gamma, \qquad
              \dim V = \sum_\Gamma m_\Gamma d_\Gamma

    A feature vector stores, term after term, ``mul`` copies of the ``d_Γ`` components
    (channel-major: ``x[..., start:stop].view(..., mul, d)``). G acts on the copy of Γ by the
    fixed real orthogonal matrices :func:`~symbreak.symmetry.irrep_matrices` (the same basis
    the coupling coefficients refer to). The e3nn analogue is ``o3.Irreps``, with (l, p)
    replaced by a Mulliken label of G: there are finitely many, so products never need a cut.

    Parameters
    ----------
    group : PointGroup or str or array-like
        G (see :func:`~symbreak.symmetry.as_point_group`).
    irreps : str or iterable of (int, str)
        ``"4xA1g + 2xT1u"`` or ``[(4, "A1g"), (2, "T1u")]``; labels from
        :attr:`PointGroup.real_irrep_labels`.
    """

    def __init__(self, group, irreps: "str | Iterable[tuple[int, str]]") -> None:
        self.group: PointGroup = as_point_group(group)
        labels = self.group.real_irrep_labels
        terms = _parse(irreps) if isinstance(irreps, str) else [(int(m), str(lab)) for m, lab in irreps]
        for mul, label in terms:
            if label not in labels:
                raise ValueError(f"{self.group.name} has no real irrep {label!r}; irreps: {', '.join(labels)}")
            if mul < 0:
                raise ValueError(f"multiplicity of {label} must be >= 0, got {mul}")
        self.terms: list[tuple[int, str]] = [(m, lab) for m, lab in terms if m > 0]
        dims = dict(zip(labels, (int(d) for d in self.group.real_irrep_dims)))
        self.dims = [dims[lab] for _, lab in self.terms]
        self.slices: list[slice] = []
        start = 0
        for (mul, _), d in zip(self.terms, self.dims):
            self.slices.append(slice(start, start + mul * d))
            start += mul * d
        self.dim = start

    @property
    def trivial(self) -> str:
        """The label of G's trivial irrep (A1g, A1, A', ...)."""
        return trivial_irrep(self.group)

    def multiplicity(self, label: str) -> int:
        """Total channels of ``label``."""
        return sum(m for m, lab in self.terms if lab == label)

    def matrices(self, elements: np.ndarray | None = None) -> np.ndarray:
        """:math:`D(g)` block diagonal, float64 ``(K, dim, dim)``, for the given operations of G
        (3×3 matrices, each must be one of G's; default: all of G in its order)."""
        if elements is None:
            index = np.arange(self.group.order)
        else:
            index = np.array([self.group.index_of(m) for m in np.asarray(elements).reshape(-1, 3, 3)])
        out = np.zeros((len(index), self.dim, self.dim))
        for (mul, label), part, d in zip(self.terms, self.slices, self.dims):
            rho = irrep_matrices(self.group, label)[index]
            for u in range(mul):
                s = slice(part.start + u * d, part.start + (u + 1) * d)
                out[:, s, s] = rho
        return out

    def __iter__(self):
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __eq__(self, other) -> bool:
        return isinstance(other, GIrreps) and self.terms == other.terms and self.group.same_operations(other.group)

    def __repr__(self) -> str:
        return f"{'+'.join(f'{m}x{lab}' for m, lab in self.terms) or '0'} of {self.group.name}"


def _parse(text: str) -> list[tuple[int, str]]:
    out = []
    for part in text.split("+"):
        if not part.strip():
            continue
        match = _TERM.match(part)
        if match is None:
            raise ValueError(f"cannot read G-irreps term {part!r}; expected e.g. '2xT1u'")
        out.append((int(match.group(1) or 1), match.group(2)))
    if not out:
        raise ValueError(f"no irreps in {text!r}; expected e.g. '4xA1g + 2xT1u'")
    return out
