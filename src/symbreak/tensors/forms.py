r"""Allowed forms of property tensors under a point group (Neumann's principle).

A tensor :math:`T` of a crystal with point group :math:`G` obeys :math:`D(g)\,T = T` for every
:math:`g \in G`. In the irreps basis of the tensor kind (:meth:`TensorKind.change_of_basis`) the
allowed tensors are the image of the orthogonal projector

.. math:: P = \frac{1}{|G|} \sum_{g \in G} Q\, C(g)\, Q^\top,

with :math:`C(g) = (\det g)^a\, g^{\otimes n}` the Cartesian representation. Its rank,
:math:`\operatorname{tr} P = \frac{1}{|G|}\sum_g \chi(g)`, is the number of independent
components (Nye's tables). Everything here is float64.

The relations between components (``C66 = (C11 - C12)/2``) are computed, not tabulated: the
display entries (Voigt entries, or Cartesian ones for kinds without a Voigt form) are taken in
row-major order, the first entries whose values are linearly independent on the allowed subspace
become the independent constants (the pivots of a reduced row echelon form), and every entry is
written as the linear combination of them that holds on the whole subspace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..symmetry import PointGroup
from .groups import as_point_group, hermann_mauguin
from .kinds import TensorKind, tensor_kind

__all__ = ["AllowedForm", "allowed_form", "invariant_projector", "ENTRY_CLASSES"]

#: How an entry of the Voigt pattern relates to the independent constants.
ENTRY_CLASSES = ("zero", "independent", "equal", "opposite", "dependent")

_ZERO = 1e-9  # coefficients below this (relative to entries of norm ~1) are zero
_RATIONAL = 1e-9  # a coefficient within this of a fraction with small denominator is that fraction


def invariant_projector(kind: TensorKind, group: PointGroup) -> np.ndarray:
    """:math:`P = \\frac{1}{|G|}\\sum_g Q C(g) Q^\\top`, float64 ``(dim, dim)``, symmetric and idempotent.

    Each :math:`C(g) Q_b^\\top` is computed by rotating every index of the basis tensor
    :math:`Q_b` (``rank`` small contractions), never forming the ``3**rank``-square matrix C(g).
    """
    q = kind.change_of_basis()
    flat = q.reshape(kind.dim, -1)
    p = np.zeros((kind.dim, kind.dim))
    for g in group.matrices:
        moved = q
        for axis in range(1, q.ndim):  # g acting on index `axis` of every basis tensor
            moved = np.moveaxis(np.tensordot(g, moved, axes=([1], [axis])), 0, axis)
        if kind.axial:
            moved = moved * np.linalg.det(g)
        p += flat @ moved.reshape(kind.dim, -1).T
    p /= len(group.matrices)
    return (p + p.T) / 2  # exact in exact arithmetic (g⁻¹ ∈ G, C orthogonal); removes rounding


def _rational(c: float) -> Fraction | None:
    f = Fraction(c).limit_denominator(24)
    return f if abs(float(f) - c) < _RATIONAL * max(1.0, abs(c)) else None


def _magnitude(c: float) -> str:
    """A positive coefficient and a space: ``"3/2 "``, ``"√2 "``, ``"√3/2 "``, ``"2√6/3 "``, else ``"0.123457 "``.

    Frames rotated by 45° or 30° (a cubic or hexagonal group found from a structure) give
    coefficients that are rational multiples of √2, √3 or √6."""
    f = _rational(c)
    if f is not None:
        return "" if f == 1 else f"{f} "
    for root in (2, 3, 6):
        f = _rational(c / math.sqrt(root))
        if f is not None and f.denominator <= 12 and f.numerator <= 12:
            num = "" if f.numerator == 1 else str(f.numerator)
            return f"{num}√{root}" + ("" if f.denominator == 1 else f"/{f.denominator}") + " "
    return f"{c:.6g} "


def _expression(coefficients: np.ndarray, names: list[str]) -> str:
    """``"C11"``, ``"-C14"``, ``"-2 d11"``, ``"(C11 - C12)/2"``, ``"2 (S11 - S12)"``; decimals if irrational."""
    terms = [(c, n) for c, n in zip(coefficients, names) if abs(c) > _ZERO]
    if not terms:
        return "0"
    fractions = [_rational(c) for c, _ in terms]
    if any(f is None for f in fractions):
        text = " ".join(f"{'-' if c < 0 else '+'} {_magnitude(abs(c))}{n}" for c, n in terms)
        return text[2:] if text.startswith("+") else "-" + text[2:]
    denominator = math.lcm(*(f.denominator for f in fractions))
    numerators = [int(f * denominator) for f in fractions]
    common = math.gcd(*numerators)
    if numerators[0] < 0:
        common = -common
    factor = Fraction(common, denominator)
    inner_terms = [(n // common, name) for n, (_, name) in zip(numerators, terms)]

    def term(k: int, name: str, first: bool) -> str:
        sign = ("-" if k < 0 else "") if first else (" - " if k < 0 else " + ")
        return f"{sign}{'' if abs(k) == 1 else f'{abs(k)} '}{name}"

    inner = "".join(term(k, n, i == 0) for i, (k, n) in enumerate(inner_terms))
    num, den = factor.numerator, factor.denominator
    sign = "-" if num < 0 else ""
    num = abs(num)
    if len(inner_terms) > 1:
        if num == 1 and den == 1:
            return sign + inner if not sign else f"-({inner})"
        inner = f"({inner})"
        prefix = "" if num == 1 else f"{num} "
        return f"{sign}{prefix}{inner}" + ("" if den == 1 else f"/{den}")
    # a single term: inner is the (signless) name
    prefix = "" if num == 1 else f"{num} "
    return f"{sign}{prefix}{inner}" + ("" if den == 1 else f"/{den}")


@dataclass(frozen=True)
class AllowedForm:
    """The tensors of a kind allowed by a point group, and how their components are related.

    Attributes
    ----------
    kind : TensorKind
    group : PointGroup
        In its own frame (a group found from a structure is in the structure's Cartesian frame).
    num_independent : int
        Number of independent components, :math:`\\operatorname{tr} P`.
    basis : (n, 3, …, 3) float64
        Orthonormal basis of the allowed Cartesian tensors (Frobenius inner product), ordered as
        the independent constants (Gram–Schmidt of the tensors with one constant set to 1).
    irreps_basis : (n, dim) float64
        The same basis in the kind's irreps coordinates.
    projector : (dim, dim) float64
        :math:`P` in the irreps basis.
    independent : list of str
        Names of the independent constants (``["C11", "C12", "C13", "C33", "C44"]``).
    entry_names : list of str
        Names of all display entries (row-major), e.g. the 36 ``C11`` … ``C66``.
    coefficients : (n_entries, n) float64
        Entry ``e`` equals ``coefficients[e] @ values_of_independent``.
    pattern : array of str, shape ``voigt_shape`` (or the Cartesian shape)
        The textbook matrix: each entry's expression in the independent constants (``"0"``,
        ``"C11"``, ``"-C14"``, ``"(C11 - C12)/2"``).
    entry_classes : array of str, same shape
        ``"zero"``, ``"independent"``, ``"equal"``, ``"opposite"`` or ``"dependent"``.
    relations : list of str
        Non-trivial relations among non-zero entries, once each (``"C22 = C11"``,
        ``"C66 = (C11 - C12)/2"``); for a symmetric Voigt matrix the lower triangle is not repeated.
    irreps_counts : dict of str to int
        Independent components coming from each O(3) irrep of the kind (``{"0e": 2, "4e": 1}``).
    """

    kind: TensorKind
    group: PointGroup
    num_independent: int
    basis: np.ndarray
    irreps_basis: np.ndarray
    projector: np.ndarray
    independent: list[str]
    entry_names: list[str]
    coefficients: np.ndarray
    pattern: np.ndarray
    entry_classes: np.ndarray
    relations: list[str]
    irreps_counts: dict[str, int] = field(default_factory=dict)

    @property
    def voigt_pattern(self) -> np.ndarray | None:
        """:attr:`pattern` for kinds with a Voigt form, else None."""
        return self.pattern if self.kind.has_voigt else None

    @property
    def group_label(self) -> str:
        hm = hermann_mauguin(self.group)
        return f"{hm} ({self.group.name})" if hm else self.group.name

    def project_irreps(self, x: Any) -> Any:
        """``P x`` for irreps coefficients ``(..., dim)`` (numpy or torch, batched, dtype kept)."""
        from .kinds import _apply

        self.kind._check_trailing(x, (self.kind.dim,), "irreps vector")
        return _apply(self.projector, x, 1, (self.kind.dim,))

    def tensor(self, values: Any, form: str = "cartesian", convention: str | None = None) -> np.ndarray:
        """The allowed tensor with the given independent constants.

        Parameters
        ----------
        values : dict of str to float, or sequence of float
            The constants by name (``{"C11": 168.4, "C12": 121.4, "C44": 75.4}``) or in the order
            of :attr:`independent`.
        form : {"cartesian", "voigt"}
        convention : str, optional
            Voigt convention of ``form="voigt"``; the kind's default if omitted. The constants are
            read as displayed (:attr:`TensorKind.display_convention`: the kind's own, no factors for
            rank 2).
        """
        if isinstance(values, dict):
            unknown = sorted(set(values) - set(self.independent))
            missing = [n for n in self.independent if n not in values]
            if unknown or missing:
                raise ValueError(
                    f"values: expected the constants {self.independent}; "
                    + (f"unknown {unknown}" if unknown else f"missing {missing}")
                )
            vector = np.array([float(values[n]) for n in self.independent])
        else:
            vector = np.asarray(values, dtype=np.float64).reshape(-1)
            if vector.shape != (self.num_independent,):
                raise ValueError(
                    f"values: expected {self.num_independent} numbers ({self.independent}), got {vector.size}"
                )
        if not np.isfinite(vector).all():
            raise ValueError("values: constants must be finite numbers (NaN or inf given)")
        display = (self.coefficients @ vector).reshape(self.pattern.shape)
        cartesian = self.kind.from_voigt(display, self.kind.display_convention) if self.kind.has_voigt else display
        if form == "cartesian":
            return cartesian
        if form == "voigt":
            return self.kind.to_voigt(cartesian, convention)
        raise ValueError(f"form: expected 'cartesian' or 'voigt', got {form!r}")

    def text(self) -> str:
        """Textbook-style printout: count, irreps content, the matrix pattern and the relations."""
        k = self.kind
        lines = [
            f"{k.name} ({k.formula}{', axial' if k.axial else ''}; irreps {k.irreps}) "
            f"in point group {self.group_label}",
            f"independent components: {self.num_independent} of {k.dim}"
            + (f"  ({', '.join(self.independent)})" if self.independent else ""),
        ]
        if self.irreps_counts:
            lines.append("from O(3) irreps: " + ", ".join(f"{ir}: {n}" for ir, n in self.irreps_counts.items()))
        if k.has_voigt and k.rank > 2:
            convention = k.display_convention
            lines.append(f"Voigt matrix ({convention} convention, order 11 22 33 23 13 12):")
            lines += _matrix_lines(self.pattern.reshape(self.pattern.shape[0], -1))
        else:
            shape = (3, 3) if k.has_voigt and k.rank == 2 else None
            if shape is not None:
                full = np.empty((3, 3), dtype=object)
                from .kinds import VOIGT_PAIRS

                for a, (i, j) in enumerate(VOIGT_PAIRS):
                    full[i, j] = full[j, i] = self.pattern[a]
                lines.append("matrix:")
                lines += _matrix_lines(full)
            else:
                nonzero = [f"{n} = {p}" for n, p in zip(self.entry_names, self.pattern.reshape(-1)) if p != "0"]
                lines.append("non-zero entries: " + (", ".join(nonzero) if nonzero else "none"))
        lines.append("relations: " + ("; ".join(self.relations) if self.relations else "none"))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.name,
            "formula": self.kind.formula,
            "axial": self.kind.axial,
            "irreps": str(self.kind.irreps),
            "group": self.group.name,
            "hermann_mauguin": hermann_mauguin(self.group),
            "frame": self.group.frame.tolist(),
            "num_independent": self.num_independent,
            "independent": list(self.independent),
            "voigt_convention": self.kind.display_convention,
            "pattern": self.pattern.tolist(),
            "entry_classes": self.entry_classes.tolist(),
            "relations": list(self.relations),
            "irreps_counts": dict(self.irreps_counts),
            "basis": self.basis.tolist(),
        }


def _matrix_lines(cells: np.ndarray) -> list[str]:
    widths = [max(len(c) for c in cells[:, j]) for j in range(cells.shape[1])]
    return ["  " + "  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]


def _independent_entries(values: np.ndarray) -> list[int]:
    """Rows of ``values`` (entries × subspace) that are linearly independent, taken greedily in order."""
    chosen: list[int] = []
    for e in range(values.shape[0]):
        trial = values[chosen + [e]]
        if np.linalg.matrix_rank(trial, tol=1e-9) > len(chosen):
            chosen.append(e)
    return chosen


def allowed_form(kind: "str | TensorKind", group: Any, symprec: float = 1e-3, tol: float = 0.1) -> AllowedForm:
    """Allowed form of a tensor kind in a point group (Neumann's principle).

    Parameters
    ----------
    kind : str or TensorKind
        ``"elastic"``, ``"piezoelectric"``, …, or a formula (see :func:`tensor_kind`).
    group : PointGroup, str or ase.Atoms
        See :func:`~symbreak.tensors.groups.as_point_group`; a structure's group is in the
        structure's own Cartesian frame.
    symprec : float
        spglib tolerance (Å) when ``group`` is a periodic structure.
    tol : float
        Point-group tolerance of :meth:`PointGroup.from_points` when ``group`` is a molecule.

    Examples
    --------
    >>> form = allowed_form("elastic", "6/mmm")
    >>> form.num_independent, form.relations[-1]
    (5, 'C66 = (C11 - C12)/2')
    """
    kind = tensor_kind(kind)
    group = as_point_group(group, symprec=symprec, tol=tol)
    key = (group.name, group.limit_group, np.round(group.frame, 12).tobytes())
    return AllowedForm(kind=kind, group=group, **_form(kind, key, group))


_CACHE: dict[tuple, dict[str, Any]] = {}


def _form(kind: TensorKind, key: tuple, group: PointGroup) -> dict[str, Any]:
    """The fields of :class:`AllowedForm` other than kind and group; cached per kind, group and frame
    (the arrays are read-only, so sharing them is safe)."""
    full_key = (kind, *key)
    if full_key not in _CACHE:
        if len(_CACHE) > 256:
            _CACHE.clear()
        fields = _compute_form(kind, group)
        for value in fields.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        _CACHE[full_key] = fields
    fields = _CACHE[full_key]
    return {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v) for k, v in fields.items()}


def _compute_form(kind: TensorKind, group: PointGroup) -> dict[str, Any]:
    p = invariant_projector(kind, group)
    w, v = np.linalg.eigh(p)
    u = v[:, w > 0.5]  # orthonormal basis of the image (eigenvalues are 0 or 1)
    n = u.shape[1]
    q = kind.change_of_basis().reshape(kind.dim, -1)

    # display entries as linear functions of the irreps coordinates: E (entries × dim)
    cartesian_units = q.reshape(kind.dim, *kind.shape)  # the tensor of each irreps unit vector
    display = np.stack([kind.display_form(t) for t in cartesian_units], axis=-1)  # (*display_shape, dim)
    shape = display.shape[:-1]
    e = display.reshape(-1, kind.dim)
    _, names = kind.entry_labels()

    # entries that parameterise the kind without symmetry (upper triangle of a symmetric C_IJ)
    reps = _independent_entries(e)
    if n:
        on_subspace = e @ u  # (entries, n)
        pivots = [reps[i] for i in _independent_entries(on_subspace[reps])]
        coefficients = on_subspace @ np.linalg.inv(on_subspace[pivots])  # entry = coeff @ pivot values
    else:
        pivots, coefficients = [], np.zeros((e.shape[0], 0))
    coefficients[np.abs(coefficients) < _ZERO] = 0.0
    pivot_names = [names[i] for i in pivots]

    pattern = np.array([_expression(coefficients[i], pivot_names) for i in range(e.shape[0])], dtype=object)
    classes = np.empty(e.shape[0], dtype=object)
    for i in range(e.shape[0]):
        c = coefficients[i]
        nonzero = np.flatnonzero(np.abs(c) > _ZERO)
        if nonzero.size == 0:
            classes[i] = "zero"
        elif i in pivots:
            classes[i] = "independent"
        elif nonzero.size == 1 and abs(c[nonzero[0]] - 1) < _RATIONAL:
            classes[i] = "equal"
        elif nonzero.size == 1 and abs(c[nonzero[0]] + 1) < _RATIONAL:
            classes[i] = "opposite"
        else:
            classes[i] = "dependent"
    # an entry that is the same tensor component as an earlier one (C21 and C12) reads like it
    for i in sorted(set(range(e.shape[0])) - set(reps)):
        twin = next((j for j in reps if np.allclose(e[i], e[j], atol=1e-12)), None)
        if twin is not None:
            classes[i] = classes[twin]
    relations = [f"{names[i]} = {pattern[i]}" for i in reps if classes[i] in ("equal", "opposite", "dependent")]

    # basis ordered like the constants: the tensors with one constant 1 and the others 0, orthonormalised
    if n:
        unit_coords = u @ np.linalg.inv(on_subspace[pivots])  # irreps coordinates, one column per constant
        orthonormal, triangular = np.linalg.qr(unit_coords)
        # Gram–Schmidt in the order of the constants, each vector along its constant's direction
        irreps_basis = orthonormal.T * np.sign(np.diag(triangular)).reshape(-1, 1)
    else:
        irreps_basis = np.zeros((0, kind.dim))
    basis = (irreps_basis @ q).reshape(n, *kind.shape)

    # D(g) acts on each irreps copy separately, so P is block diagonal and each block's trace
    # counts the invariants that copy contributes
    counts: dict[str, int] = {}
    for (_, ir), sl in zip(kind.irreps, kind.irreps.slices()):
        k = int(round(float(np.trace(p[sl, sl]))))
        if k:
            counts[str(ir)] = counts.get(str(ir), 0) + k

    return dict(
        num_independent=n,
        basis=basis,
        irreps_basis=irreps_basis,
        projector=p,
        independent=pivot_names,
        entry_names=names,
        coefficients=coefficients,
        pattern=pattern.reshape(shape),
        entry_classes=classes.reshape(shape),
        relations=relations,
        irreps_counts=counts,
    )
