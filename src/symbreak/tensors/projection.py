r"""Neumann projection: the nearest tensor that obeys a point group's symmetry.

For a measured or computed tensor :math:`T` (a DFT elastic tensor, a fitted dielectric tensor)
the symmetrised tensor is the orthogonal projection onto the allowed subspace,

.. math:: T_G = Q^\top P\, Q\, T, \qquad P = \frac{1}{|G|}\sum_{g\in G} Q\,C(g)\,Q^\top,

nearest to :math:`T` in the Frobenius norm of the *Cartesian* tensor (the rotation-invariant
norm; the Voigt matrix norm is not, since shear entries stand for two or four Cartesian
entries). :math:`T_G` equals the group average :math:`\frac{1}{|G|}\sum_g g \cdot T`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_real_array
from .forms import AllowedForm, allowed_form
from .kinds import TensorKind, tensor_kind

__all__ = ["NeumannProjection", "neumann_projection", "read_tensor"]


@dataclass(frozen=True)
class NeumannProjection:
    """A tensor projected onto the tensors allowed by a point group.

    Attributes
    ----------
    tensor : ndarray, float64
        The symmetrised tensor, in the form it was given (Cartesian or Voigt, same convention).
    removed : ndarray, float64
        ``input - tensor``, same form: what violated the symmetry.
    violation : float
        Frobenius norm of :attr:`removed` in the form given (for Voigt, of the Voigt array).
    relative_violation : float
        :attr:`violation` divided by the Frobenius norm of the input (0 for a zero input).
    cartesian_violation : float
        Frobenius norm of the removed part as a Cartesian tensor (rotation invariant).
    form : str
        ``"cartesian"`` or ``"voigt"``.
    convention : str or None
        The Voigt convention used for a Voigt input.
    allowed : AllowedForm
        The allowed form (independent constants, relations) the tensor was projected onto.
    constants : dict of str to float
        The independent constants of the symmetrised tensor (``{"C11": …, "C12": …}``).
    rotation : (3, 3) float64
        The rotation applied to the input before projecting: the group's frame with
        ``standard_frame=True`` (for a group not already in standard orientation), else the identity.
    breaking : dict of str to float
        How the removed part splits over the non-trivial real irreps of the group: the share of
        its squared (Cartesian) norm in each, largest first, summing to 1 (empty when nothing was
        removed). E.g. ``{"Eg": 1.0}`` for a cubic elastic tensor strained along z.
    irreps_input : (dim,) float64
        The input (rotated, with ``standard_frame``) in the kind's irreps coordinates.
    """

    tensor: np.ndarray
    removed: np.ndarray
    violation: float
    relative_violation: float
    cartesian_violation: float
    form: str
    convention: str | None
    allowed: AllowedForm
    constants: dict[str, float]
    rotation: np.ndarray
    breaking: dict[str, float]
    irreps_input: np.ndarray

    @property
    def kind(self) -> TensorKind:
        return self.allowed.kind

    def residual_group(self, tol: float = 1e-3):
        """The subgroup of the group under which the *input* tensor is invariant: the g with
        :math:`\\|D(g)x - x\\| \\le \\mathrm{tol}\\,\\|x\\|` (:func:`~symbreak.symmetry.stabilizer`),
        named and oriented; e.g. D4h for a cubic elastic tensor strained along z."""
        from ..symmetry import stabilizer

        return stabilizer(self.irreps_input, self.kind.irreps, self.allowed.group, tol=tol)


def read_tensor(kind: TensorKind, tensor: Any, form: str = "auto", convention: str | None = None,
                index_rtol: float = 1e-2) -> tuple[np.ndarray, str, np.ndarray]:
    """Check a user's tensor and return ``(given float64 array, form, Cartesian tensor)``.

    ``form="auto"`` reads an array of shape ``kind.shape`` as Cartesian and one of shape
    ``kind.voigt_shape`` as Voigt. The tensor must have the kind's index symmetry (a symmetric
    3×3, a symmetric 6×6 stiffness) up to ``index_rtol`` relative to its norm (default 1 %:
    finite-difference tensors are asymmetric at 1e-6 to 1e-3, a wrong input at tens of percent).

    Raises
    ------
    ValueError
        For a shape that fits neither form, NaN or inf, or a tensor without the index symmetry.
    """
    given = as_real_array(tensor, f"{kind.name} tensor")
    voigt_shape = kind.voigt_shape
    shapes = f"{kind.shape} (Cartesian)" + (f" or {voigt_shape} (Voigt)" if voigt_shape else "")
    if form == "auto":
        if given.shape == kind.shape:
            form = "cartesian"
        elif voigt_shape is not None and given.shape == voigt_shape:
            form = "voigt"
        else:
            raise ValueError(f"{kind.name} tensor: expected shape {shapes}, got {given.shape}")
    elif form == "cartesian" and given.shape != kind.shape or (
        form == "voigt" and (voigt_shape is None or given.shape != voigt_shape)
    ):
        raise ValueError(f"{kind.name} tensor: form {form!r} needs shape {shapes}, got {given.shape}")
    elif form not in ("cartesian", "voigt"):
        raise ValueError(f"form: expected 'auto', 'cartesian' or 'voigt', got {form!r}")
    if not np.isfinite(given).all():
        raise ValueError(f"{kind.name} tensor: values must be finite numbers (NaN or inf given)")
    cartesian = kind.from_voigt(given, convention) if form == "voigt" else given
    norm = float(np.linalg.norm(cartesian))
    asymmetry = kind.index_asymmetry(cartesian)
    if asymmetry > index_rtol * max(norm, np.finfo(float).tiny):
        if form == "voigt" and kind.rank == 4:
            what = "a symmetric 6x6 Voigt matrix, C_IJ = C_JI"
        elif kind.rank == 2:
            what = "a symmetric 3x3 matrix"
        else:
            what = f"the index symmetry {kind.formula}"
        raise ValueError(
            f"{kind.name} tensor lacks its index symmetry: expected {what}; the "
            f"non-symmetric part is {asymmetry / norm:.2e} of its norm (> index_rtol={index_rtol:g})"
        )
    return given, form, cartesian


def neumann_projection(kind: "str | TensorKind", tensor: Any, group: Any, *, form: str = "auto",
                       convention: str | None = None, index_rtol: float = 1e-2,
                       symprec: float = 1e-3, tol: float = 0.1,
                       standard_frame: bool = False) -> NeumannProjection:
    """Project a tensor onto the tensors allowed by a point group (Neumann's principle).

    Parameters
    ----------
    kind : str or TensorKind
        ``"elastic"``, ``"dielectric"``, … or a formula.
    tensor : array_like
        Cartesian ``(3, …, 3)`` or Voigt (``(6, 6)`` elastic, ``(3, 6)`` piezoelectric, ``(6,)``
        symmetric rank 2); numpy or torch.
    group : PointGroup, str or ase.Atoms
        A crystal's group is found with spglib (``symprec``), a molecule's with
        ``PointGroup.from_points`` (``tol``), in the structure's own frame.
    form : {"auto", "cartesian", "voigt"}
    convention : str, optional
        Voigt convention of a Voigt input (default: the kind's, e.g. ``"stiffness"`` for elastic).
    index_rtol : float
        Largest accepted part without the kind's index symmetry, relative to the norm; that part
        is removed along with the symmetry-breaking part.
    standard_frame : bool
        Rotate the tensor by the group's :attr:`~symbreak.symmetry.PointGroup.frame` F (the
        rotation taking the group to standard orientation, e.g. cube axes along x, y, z) and
        project it onto the standard group: the result, :attr:`removed` included, is then in
        the textbook frame, where the constants read as in Nye's tables.

    Returns
    -------
    NeumannProjection
    """
    kind = tensor_kind(kind)
    given, form, cartesian = read_tensor(kind, tensor, form, convention, index_rtol)
    allowed = allowed_form(kind, group, symprec=symprec, tol=tol)
    rotation = np.eye(3)
    if standard_frame and not allowed.group.is_standard:
        rotation = np.array(allowed.group.frame)
        cartesian = (kind.cartesian_representation(rotation) @ cartesian.reshape(-1)).reshape(kind.shape)
        given = kind.to_voigt(cartesian, convention) if form == "voigt" else cartesian
        allowed = allowed_form(kind, allowed.group.standard)
    x = kind.from_cartesian(cartesian)
    x_sym = allowed.projector @ x
    t_sym = kind.to_cartesian(x_sym)
    out = kind.to_voigt(t_sym, convention) if form == "voigt" else t_sym
    removed = given - out
    norm = float(np.linalg.norm(given))
    violation = float(np.linalg.norm(removed))
    display = kind.display_form(t_sym).reshape(-1)
    breaking = _breaking(kind, x - x_sym, allowed.group)
    pivots = [allowed.entry_names.index(n) for n in allowed.independent]
    return NeumannProjection(
        tensor=out,
        removed=removed,
        violation=violation,
        relative_violation=violation / norm if norm > 0 else 0.0,
        cartesian_violation=float(np.linalg.norm(cartesian - t_sym)),
        form=form,
        convention=(convention or kind.voigt_convention) if form == "voigt" else None,
        allowed=allowed,
        constants={n: float(display[i]) for n, i in zip(allowed.independent, pivots)},
        rotation=rotation,
        breaking=breaking,
        irreps_input=np.asarray(x, dtype=np.float64),
    )


def _breaking(kind: TensorKind, removed: np.ndarray, group) -> dict[str, float]:
    """Shares of ``removed`` (irreps coordinates) in the non-trivial real irreps of ``group``."""
    from ..symmetry import decompose

    norm2 = float(removed @ removed)
    # below rounding, the removed part of an already-symmetric tensor has no meaningful split
    if norm2 <= (1e-12 * max(1.0, float(np.abs(removed).max(initial=0.0)))) ** 2 or norm2 == 0.0:
        return {}
    fractions = decompose(removed, kind.irreps, group).fractions
    trivial = group.real_irrep_labels[0]
    shares = {k: v for k, v in fractions.items() if k != trivial and v > 1e-9}
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))
