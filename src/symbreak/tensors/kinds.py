r"""Tensor kinds: index symmetry, parity, O(3) irreps content and Cartesian ↔ Voigt ↔ irreps maps.

A property tensor of rank :math:`n` transforms under an orthogonal matrix :math:`R` as

.. math:: T'_{i_1 \dots i_n} = (\det R)^{a}\, R_{i_1 j_1} \cdots R_{i_n j_n}\, T_{j_1 \dots j_n},

with :math:`a = 1` for an axial tensor (optical activity) and :math:`a = 0` for a polar one.
Index symmetries (``"ij=ji"``, ``"ijkl=jikl=klij"``) select an invariant subspace of
:math:`(\mathbb{R}^3)^{\otimes n}`; e3nn's ``ReducedTensorProducts`` gives an orthonormal change
of basis :math:`Q` (shape ``(dim, 3, …, 3)``) from that subspace to irreps of O(3),
:math:`x = Q \cdot T` (all indices contracted) and :math:`T = Q^\top x`.

Axial tensors use the *same* :math:`Q` with every parity flipped: :math:`(\det R)\, D(R)` is the
representation of the irreps times ``0o``. (Building axial tensors from axial vectors,
``ReducedTensorProducts(formula, i="1e")``, is right only for odd rank: for rank 2 it would give
``0e+2e`` instead of ``0o+2o``.)

Voigt notation (pairs of symmetric indices → one index, ordering 11, 22, 33, 23, 13, 12):

- ``"stress"`` / ``"stiffness"``: no factors, :math:`C_{IJ} = c_{ijkl}`, :math:`\sigma_I = \sigma_{ij}`,
  :math:`e_{iJ} = e_{ijk}`.
- ``"strain"`` / ``"compliance"``: a factor 2 for every shear Voigt index (I ≥ 4):
  :math:`\varepsilon_4 = 2\varepsilon_{23}`, :math:`d_{i4} = 2 d_{i23}`,
  :math:`s_{44} = 4 s_{2323}`, :math:`s_{14} = 2 s_{1123}` (Nye 1957, ch. VIII §3 and ch. VII).

With these factors the Voigt forms of σ = C ε and ε = s σ read as matrix products.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = [
    "TensorKind",
    "tensor_kind",
    "tensor_kinds",
    "VOIGT_PAIRS",
    "VOIGT_CONVENTIONS",
]

#: Voigt index (0-based) → the Cartesian index pair, ordering 11, 22, 33, 23, 13, 12.
VOIGT_PAIRS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))

#: Voigt convention names → whether shear Voigt indices carry a factor 2.
VOIGT_CONVENTIONS: dict[str, bool] = {"stress": False, "stiffness": False, "strain": True, "compliance": True}

_FORMULA = re.compile(r"^-?[a-z]+(=-?[a-z]+)*$")
_MAX_RANK = 6


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _check_formula(formula: str) -> str:
    """``formula`` without spaces, or ``ValueError`` saying what a formula looks like."""
    if not isinstance(formula, str):
        raise ValueError(f"tensor formula must be a string like 'ij=ji', got {type(formula).__name__}")
    f = formula.replace(" ", "")
    if not _FORMULA.match(f):
        raise ValueError(
            f"invalid tensor formula {formula!r}: expected index letters joined by '=' "
            "(optionally with '-'), e.g. 'ij=ji', 'ijk=ikj', 'ijkl=jikl=klij'"
        )
    terms = [t.lstrip("-") for t in f.split("=")]
    first = terms[0]
    if len(set(first)) != len(first):
        raise ValueError(f"invalid tensor formula {formula!r}: an index letter repeats in {first!r}")
    if any(sorted(t) != sorted(first) for t in terms):
        raise ValueError(f"invalid tensor formula {formula!r}: every term must permute the indices {first!r}")
    if f.startswith("-"):
        raise ValueError(f"invalid tensor formula {formula!r}: the first term cannot carry a sign")
    if len(first) > _MAX_RANK:
        raise ValueError(f"tensor formula {formula!r}: rank {len(first)} > {_MAX_RANK} is not supported")
    return f


@lru_cache(maxsize=64)
def _reduced(formula: str) -> tuple[str, np.ndarray]:
    """Polar irreps and the orthonormal change of basis ``(dim, 3, …, 3)`` of ``formula``, float64."""
    from e3nn.o3 import ReducedTensorProducts

    from .._dtype import default_dtype

    import torch

    indices = formula.split("=")[0]
    # e3nn reduces in float64 and then casts to the default dtype: build under float64.
    try:
        with default_dtype(torch.float64):
            rtp = ReducedTensorProducts(formula, **{i: "1o" for i in indices})
        q = rtp.change_of_basis.detach().cpu().numpy().astype(np.float64)
    except (RuntimeError, ValueError):  # e3nn concatenates an empty list of blocks
        q = np.zeros((0,))
    if q.shape[0] == 0:
        raise ValueError(f"tensor formula {formula!r} admits only the zero tensor")
    flat = q.reshape(q.shape[0], -1)
    # e3nn's rows are orthonormal to ~1e-15; symmetric (Löwdin) orthonormalisation makes that exact
    # in float64 and keeps equivariance, since Q Qᵀ commutes with D(g).
    w, v = np.linalg.eigh(flat @ flat.T)
    flat = (v / np.sqrt(w)) @ v.T @ flat
    return str(rtp.irreps_out), _readonly(flat.reshape(q.shape))


def _flip_parity(irreps: str) -> str:
    from e3nn import o3

    return str(o3.Irreps([(mul, (ir.l, -ir.p)) for mul, ir in o3.Irreps(irreps)]))


def _is_symmetric_pair(q: np.ndarray, a: int, b: int) -> bool:
    """Whether every tensor of the subspace is symmetric under swapping Cartesian axes ``a``, ``b``."""
    axes = list(range(q.ndim))
    axes[a + 1], axes[b + 1] = axes[b + 1], axes[a + 1]
    return bool(np.allclose(q, q.transpose(axes), atol=1e-12))


def _apply(matrix: np.ndarray, x: Any, in_ndim: int, out_shape: tuple[int, ...]) -> Any:
    """``matrix @ x`` over the last ``in_ndim`` axes of ``x`` (numpy or torch, batched, dtype kept)."""
    if hasattr(x, "detach"):  # torch
        import torch

        m = torch.tensor(np.array(matrix), dtype=x.dtype, device=x.device)
        batch = x.shape[: x.ndim - in_ndim]
        return (x.reshape(*batch, -1) @ m.T).reshape(*batch, *out_shape)
    a = np.asarray(x)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.float64
    batch = a.shape[: a.ndim - in_ndim]
    return (a.reshape(*batch, -1) @ matrix.T.astype(dtype)).reshape(*batch, *out_shape)


def _shape_of(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


@dataclass(frozen=True)
class TensorKind:
    """A kind of property tensor: its index symmetry (e3nn formula) and parity.

    Attributes
    ----------
    name : str
        Name (``"elastic"``), or the formula for a user-defined kind.
    formula : str
        e3nn index formula, e.g. ``"ij=ji"`` (symmetric rank 2), ``"ijk=ikj"``,
        ``"ijkl=jikl=klij"`` (elastic).
    axial : bool
        True for an axial (pseudo) tensor, which picks up :math:`\\det R` under improper operations.
    voigt_convention : str
        Default convention of :meth:`to_voigt` / :meth:`from_voigt`: ``"stress"``/``"stiffness"``
        (no factors) or ``"strain"``/``"compliance"`` (factor 2 per shear Voigt index).
    symbol : str
        Letter used to name components in relations (``"C"`` → ``C11``, ``C66``).
    description : str
        One line for listings.
    """

    name: str
    formula: str
    axial: bool = False
    voigt_convention: str = "stress"
    symbol: str = "T"
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "formula", _check_formula(self.formula))
        if self.voigt_convention not in VOIGT_CONVENTIONS:
            raise ValueError(
                f"unknown Voigt convention {self.voigt_convention!r}; expected one of {sorted(VOIGT_CONVENTIONS)}"
            )
        _reduced(self.formula)  # fail now for a formula with no non-zero tensor

    # ------------------------------------------------------------------ structure
    @property
    def indices(self) -> str:
        return self.formula.split("=")[0]

    @property
    def rank(self) -> int:
        return len(self.indices)

    @property
    def shape(self) -> tuple[int, ...]:
        return (3,) * self.rank

    @property
    def irreps(self):
        """O(3) irreps content (``e3nn.o3.Irreps``), e.g. ``2x0e+2x2e+1x4e`` for elastic."""
        from e3nn import o3

        polar = _reduced(self.formula)[0]
        return o3.Irreps(_flip_parity(polar) if self.axial else polar)

    @property
    def dim(self) -> int:
        """Number of independent components without any point-group symmetry (21 for elastic)."""
        return _reduced(self.formula)[1].shape[0]

    def change_of_basis(self) -> np.ndarray:
        """``Q``, float64 ``(irreps.dim, 3, …, 3)`` with orthonormal rows: ``x = Q · T``, ``T = Qᵀ x``."""
        return _reduced(self.formula)[1]

    def _q_flat(self) -> np.ndarray:
        q = self.change_of_basis()
        return q.reshape(q.shape[0], -1)

    def symmetrizer(self) -> np.ndarray:
        """Orthogonal projector ``(3**rank, 3**rank)`` onto tensors with the kind's index symmetry."""
        q = self._q_flat()
        return q.T @ q

    # ------------------------------------------------------------------ irreps
    def from_cartesian(self, t: Any) -> Any:
        """Irreps coefficients ``(..., irreps.dim)`` of Cartesian tensors ``(..., 3, …, 3)``.

        The part of ``t`` without the index symmetry is dropped (orthogonal projection).
        numpy or torch, any leading batch shape, dtype kept.
        """
        self._check_trailing(t, self.shape, "Cartesian tensor")
        return _apply(self._q_flat(), t, self.rank, (self.dim,))

    def to_cartesian(self, x: Any) -> Any:
        """Cartesian tensors ``(..., 3, …, 3)`` from irreps coefficients ``(..., irreps.dim)``."""
        self._check_trailing(x, (self.dim,), "irreps vector")
        return _apply(self._q_flat().T, x, 1, self.shape)

    def cartesian_representation(self, matrices: Any) -> np.ndarray:
        """:math:`(\\det R)^a R^{\\otimes n}` on flattened tensors: ``(3**n, 3**n)`` or ``(g, 3**n, 3**n)``."""
        r = np.asarray(matrices, dtype=np.float64)
        single = r.ndim == 2
        r = r.reshape(-1, 3, 3)
        out = np.ones((r.shape[0], 1, 1))
        for _ in range(self.rank):
            out = np.einsum("gab,gij->gaibj", out, r).reshape(r.shape[0], out.shape[1] * 3, out.shape[2] * 3)
        if self.axial:
            out = out * np.linalg.det(r)[:, None, None]
        return out[0] if single else out

    def irreps_representation(self, matrices: Any) -> np.ndarray:
        """``D(R) = Q C(R) Qᵀ`` in the irreps basis, equal to ``irreps.D_from_matrix(R)``."""
        q = self._q_flat()
        c = self.cartesian_representation(matrices)
        return np.einsum("ai,...ij,bj->...ab", q, c, q)

    # ------------------------------------------------------------------ Voigt
    @property
    def voigt_slots(self) -> tuple[int | tuple[int, int], ...] | None:
        """Cartesian axes grouped as Voigt slots (a pair of symmetric axes → one Voigt index), or None.

        Rank 2 symmetric: ``((0, 1),)``; ``ijk=ikj``: ``(0, (1, 2))``; ``ijk=jik``: ``((0, 1), 2)``;
        rank 4 with ``ij`` and ``kl`` symmetric: ``((0, 1), (2, 3))``.
        """
        return _voigt_slots(self.formula)

    @property
    def has_voigt(self) -> bool:
        return self.voigt_slots is not None

    @property
    def voigt_shape(self) -> tuple[int, ...] | None:
        slots = self.voigt_slots
        return None if slots is None else tuple(6 if isinstance(s, tuple) else 3 for s in slots)

    def _voigt_slots_or_raise(self) -> tuple:
        slots = self.voigt_slots
        if slots is None:
            raise ValueError(
                f"tensor kind {self.name!r} ({self.formula}) has no Voigt form; Voigt needs a symmetric "
                "rank-2 tensor, a rank-3 tensor symmetric in two adjacent indices, or a rank-4 tensor "
                "symmetric in ij and in kl"
            )
        return slots

    def _convention(self, convention: str | None) -> bool:
        c = self.voigt_convention if convention is None else convention
        if c not in VOIGT_CONVENTIONS:
            raise ValueError(f"unknown Voigt convention {c!r}; expected one of {sorted(VOIGT_CONVENTIONS)}")
        return VOIGT_CONVENTIONS[c]

    def voigt_matrices(self, convention: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(V, W)``: Voigt entries ``v = V t`` and back ``t = W v`` on flattened arrays.

        ``V`` averages the Cartesian entries a Voigt entry stands for (so it symmetrises the
        pairs) and multiplies by 2 per shear index in the ``"strain"``/``"compliance"`` convention;
        ``W`` fills every such entry with the Voigt value divided by that factor.
        """
        return _voigt_maps(self._voigt_slots_or_raise(), self._convention(convention))

    def to_voigt(self, t: Any, convention: str | None = None) -> Any:
        """Voigt form ``(..., *voigt_shape)`` of Cartesian tensors ``(..., 3, …, 3)``; numpy or torch."""
        self._check_trailing(t, self.shape, "Cartesian tensor")
        v, _ = self.voigt_matrices(convention)
        return _apply(v, t, self.rank, self.voigt_shape)

    def from_voigt(self, v: Any, convention: str | None = None) -> Any:
        """Cartesian tensors ``(..., 3, …, 3)`` from Voigt forms ``(..., *voigt_shape)``; numpy or torch."""
        _, w = self.voigt_matrices(convention)
        shape = self.voigt_shape
        self._check_trailing(v, shape, "Voigt array")
        return _apply(w, v, len(shape), self.shape)

    # ------------------------------------------------------------------ naming of components
    def entry_labels(self) -> tuple[list[tuple[int, ...]], list[str]]:
        """Positions and names of the display entries: Voigt entries when there is a Voigt form
        (``C11`` … ``C66``, ``d11`` … ``d36``, ``ε11``, ``ε23`` for rank 2), else Cartesian entries
        (``T123``). Positions index the Voigt array (or the Cartesian tensor), row-major."""
        shape = self.voigt_shape if self.has_voigt else self.shape
        positions = list(itertools.product(*(range(n) for n in shape)))
        if self.has_voigt and self.rank == 2:  # a symmetric rank-2 tensor reads best as ε23, not ε4
            names = [f"{self.symbol}{VOIGT_PAIRS[p[0]][0] + 1}{VOIGT_PAIRS[p[0]][1] + 1}" for p in positions]
        else:
            names = [self.symbol + "".join(str(i + 1) for i in p) for p in positions]
        return positions, names

    @property
    def display_convention(self) -> str | None:
        """Voigt convention of the displayed entries: the kind's own, except for rank 2, whose
        entries are named like the Cartesian ones (α12, not 2α12) and so carry no factors."""
        if not self.has_voigt:
            return None
        return "stress" if self.rank == 2 else self.voigt_convention

    def display_form(self, t: Any) -> np.ndarray:
        """``t`` (Cartesian, float64) in the form used for display: Voigt if any, else Cartesian."""
        return np.asarray(self.to_voigt(t, self.display_convention) if self.has_voigt else t, dtype=np.float64)

    # ------------------------------------------------------------------ checks
    def _check_trailing(self, x: Any, expected: tuple[int, ...], what: str) -> None:
        shape = _shape_of(x)
        if tuple(shape[len(shape) - len(expected):]) != tuple(expected) or len(shape) < len(expected):
            wanted = ", ".join(map(str, expected))
            raise ValueError(f"{self.name}: expected a {what} of shape (..., {wanted}), got shape {tuple(shape)}")

    def index_asymmetry(self, t: Any) -> float:
        """Frobenius norm of the part of Cartesian ``t`` (float64) without the kind's index symmetry."""
        flat = np.asarray(t, dtype=np.float64).reshape(-1)
        q = self._q_flat()
        return float(np.linalg.norm(flat - q.T @ (q @ flat)))

    def __str__(self) -> str:
        parity = "axial" if self.axial else "polar"
        return f"{self.name} ({self.formula}, {parity}, irreps {self.irreps})"


@lru_cache(maxsize=64)
def _voigt_slots(formula: str) -> tuple[int | tuple[int, int], ...] | None:
    q = _reduced(formula)[1]
    rank = q.ndim - 1
    sym = lambda a, b: _is_symmetric_pair(q, a, b)  # noqa: E731
    if rank == 2 and sym(0, 1):
        return ((0, 1),)
    if rank == 3 and sym(1, 2):
        return (0, (1, 2))
    if rank == 3 and sym(0, 1):
        return ((0, 1), 2)
    if rank == 4 and sym(0, 1) and sym(2, 3):
        return ((0, 1), (2, 3))
    return None


@lru_cache(maxsize=32)
def _voigt_maps(slots: tuple, factors: bool) -> tuple[np.ndarray, np.ndarray]:
    rank = sum(2 if isinstance(s, tuple) else 1 for s in slots)
    sizes = [6 if isinstance(s, tuple) else 3 for s in slots]
    n_voigt = int(np.prod(sizes))
    v = np.zeros((n_voigt, 3**rank))
    w = np.zeros((3**rank, n_voigt))
    for row, entry in enumerate(itertools.product(*(range(n) for n in sizes))):
        # every Cartesian multi-index this Voigt entry stands for, and its factor
        choices, factor = [], 1.0
        for slot, e in zip(slots, entry):
            if isinstance(slot, tuple):
                i, j = VOIGT_PAIRS[e]
                choices.append([(slot[0], i, slot[1], j)] + ([(slot[0], j, slot[1], i)] if i != j else []))
                if factors and e >= 3:
                    factor *= 2.0
            else:
                choices.append([(slot, e)])
        cartesian = []
        for combo in itertools.product(*choices):
            index = [0] * rank
            for c in combo:
                index[c[0]] = c[1]
                if len(c) == 4:
                    index[c[2]] = c[3]
            cartesian.append(np.ravel_multi_index(index, (3,) * rank))
        for col in cartesian:
            v[row, col] = factor / len(cartesian)
            w[col, row] = 1.0 / factor
    return _readonly(v), _readonly(w)


# name → (formula, axial, Voigt convention, symbol, description)
_NAMED: dict[str, tuple[str, bool, str, str, str]] = {
    "dielectric": ("ij=ji", False, "stress", "ε", "dielectric permittivity ε_ij (D = ε E)"),
    "polarizability": ("ij=ji", False, "stress", "α", "electric polarisability α_ij (p = α E)"),
    "thermal_expansion": ("ij=ji", False, "strain", "α",
        "thermal expansion α_ij (ε = α ΔT); Voigt: engineering shear"),
    "conductivity": ("ij=ji", False, "stress", "σ", "electrical or thermal conductivity σ_ij (J = σ E)"),
    "pyroelectric": ("i", False, "stress", "p", "pyroelectric coefficients p_i (ΔP = p ΔT)"),
    "piezoelectric": ("ijk=ikj", False, "strain", "d",
        "piezoelectric d_ijk (ε_jk = d_ijk E_i); Voigt d_iJ, d_i4 = 2 d_i23"),
    "piezoelectric_stress": ("ijk=ikj", False, "stress", "e",
        "piezoelectric e_ijk (σ_jk = -e_ijk E_i); Voigt e_iJ, no factors"),
    "elastic": ("ijkl=jikl=klij", False, "stiffness", "C",
        "elastic stiffness c_ijkl (σ = c ε); Voigt C_IJ, no factors"),
    "compliance": ("ijkl=jikl=klij", False, "compliance", "S",
        "elastic compliance s_ijkl (ε = s σ); Voigt s_IJ with 2 and 4"),
    "shg": ("ijk=ikj", False, "stress", "d",
        "second-harmonic susceptibility d_ijk (P_i(2ω) ∝ d_ijk E_j E_k); Voigt d_iJ = d_ijk"),
    "optical_activity": ("ij=ji", True, "stress", "g", "optical activity (gyration) g_ij, axial"),
}

_ALIASES = {
    "permittivity": "dielectric",
    "dielectric_constant": "dielectric",
    "stiffness": "elastic",
    "elasticity": "elastic",
    "piezo": "piezoelectric",
    "piezoelectric_d": "piezoelectric",
    "piezoelectric_e": "piezoelectric_stress",
    "second_harmonic": "shg",
    "second_harmonic_generation": "shg",
    "gyration": "optical_activity",
}


def tensor_kinds() -> dict[str, TensorKind]:
    """The named tensor kinds (aliases not repeated), by name."""
    return {name: tensor_kind(name) for name in _NAMED}


def tensor_kind(name_or_formula: "str | TensorKind", axial: bool = False) -> TensorKind:
    """A named tensor kind (``"elastic"``, ``"dielectric"``, …) or one from an e3nn formula.

    Parameters
    ----------
    name_or_formula : str or TensorKind
        A name from :func:`tensor_kinds` or an alias (``permittivity``, ``stiffness``,
        ``gyration``, ``second_harmonic``; case, ``-`` and spaces ignored), or a formula such as
        ``"ijk=jik"``. A ``TensorKind`` is returned unchanged.
    axial : bool
        For a formula: whether the tensor is axial. Ignored for named kinds (which know it).

    Raises
    ------
    ValueError
        For an unknown name or an invalid formula (the message lists the names).
    """
    if isinstance(name_or_formula, TensorKind):
        return name_or_formula
    if not isinstance(name_or_formula, str):
        raise ValueError(f"tensor kind must be a name or a formula string, got {type(name_or_formula).__name__}")
    key = name_or_formula.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key in _NAMED:
        formula, ax, convention, symbol, description = _NAMED[key]
        if axial and not ax:
            raise ValueError(f"tensor kind {key!r} is polar; axial=True applies to formulas only (e.g. 'ij=ji')")
        return _named(key, formula, ax, convention, symbol, description)
    formula = name_or_formula.replace(" ", "")
    # a bare word is read as a formula only when it is a run of index letters ("ij": a general
    # rank-2 tensor), so that a misspelt name is reported as unknown, not as a rank-9 tensor
    if "=" in formula or formula in ("i", "ij", "ijk", "ijkl"):
        return TensorKind(name=formula, formula=formula, axial=bool(axial))
    names = ", ".join(sorted(_NAMED) + sorted(_ALIASES))
    raise ValueError(f"unknown tensor kind {name_or_formula!r}; expected one of {names}, or a formula like 'ij=ji'")


@lru_cache(maxsize=None)
def _named(name: str, formula: str, axial: bool, convention: str, symbol: str, description: str) -> TensorKind:
    return TensorKind(name, formula, axial, convention, symbol, description)
