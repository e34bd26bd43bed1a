"""The :class:`PointGroup` value: operations, classes, characters and Mulliken labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._names import parse_name
from ._standard import StandardTables, standard_tables

if TYPE_CHECKING:  # pragma: no cover
    import ase

__all__ = ["PointGroup"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


class PointGroup:
    """A finite point group: a set of 3×3 orthogonal Cartesian matrices with its tables.

    Immutable. Construct it with :meth:`from_name`, :meth:`from_points`, :meth:`from_atoms` or
    get it from :func:`~symbreak.symmetry.stabilizer`.

    Every group is a named group in standard orientation seen in a rotated *frame*: with ``F``
    = :attr:`frame` (a proper rotation), ``F @ matrices[j] @ F.T`` is element ``j`` of
    ``PointGroup.from_name(name)``. Classes, characters and labels are those of the standard
    group, so the labels of axis-dependent irreps (B1 vs B2, ' vs '') refer to the frame:
    the principal axis is :attr:`principal_axis` (= ``F[2]``) and the C2' axis or the in-plane
    direction of the σv plane is :attr:`secondary_axis` (= ``F[0]``).

    Attributes
    ----------
    name : str
        Schoenflies name (e.g. ``"Oh"``, ``"D4h"``).
    matrices : (order, 3, 3) float64
        The operations, identity first.
    frame : (3, 3) float64
        Rotation to standard orientation (identity for :meth:`from_name`).
    limit_group : str or None
        For stand-ins of infinite groups (linear point sets, a single point): ``"C∞v"``,
        ``"D∞h"`` or ``"Kh"``; the group itself is then the finite stand-in named by ``name``.
    max_deviation : float or None
        For a group detected from a structure, how well its exact operations fit it: the
        largest distance, in the units of the input coordinates, between a point moved by an
        operation and the point it lands on, :math:`\\max_{g, i} |g x_i - x_{\\pi_g(i)}|`
        (for crystals with the best translation, Å). ``None`` for groups not detected.
    """

    __slots__ = ("_name", "_matrices", "_frame", "_limit", "_t", "_cache", "_deviation")

    def __init__(
        self,
        name: str,
        frame: np.ndarray | None = None,
        limit_group: str | None = None,
        max_deviation: float | None = None,
    ) -> None:
        t = standard_tables(parse_name(name).name)
        f = np.eye(3) if frame is None else np.asarray(frame, dtype=np.float64)
        if f.shape != (3, 3) or not np.allclose(f @ f.T, np.eye(3), atol=1e-8):
            raise ValueError("frame must be a 3x3 orthogonal matrix")
        if np.linalg.det(f) < 0:
            f = -f  # same conjugation, proper rotation
        object.__setattr__(self, "_t", t)
        object.__setattr__(self, "_name", t.gname.name)
        object.__setattr__(self, "_frame", _readonly(f))
        object.__setattr__(self, "_matrices", _readonly(np.einsum("ji,njk,kl->nil", f, t.matrices, f)))
        object.__setattr__(self, "_limit", limit_group)
        object.__setattr__(self, "_deviation", None if max_deviation is None else float(max_deviation))
        object.__setattr__(self, "_cache", {})

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PointGroup is immutable")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_name(cls, name: str) -> "PointGroup":
        """Named group in standard orientation.

        Accepts Schoenflies names (C1, Ci, Cs, C_n, C_nv, C_nh, D_n, D_nh, D_nd, S_2n for
        n ≤ 12, T, Th, O, Td, Oh, I, Ih; aliases C3i = S6, S2 = Ci, C1h = Cs) and the
        Hermann–Mauguin symbols of the 32 crystallographic groups (``"m-3m"``, ``"4/mmm"``, …).
        Standard orientation: principal axis z, C2' along x, σv = xz plane, Cs mirror = xy plane,
        cubic axes along x, y, z, icosahedral C2 axes along x, y, z with a C5 along (0, 1, φ).

        Raises
        ------
        ValueError
            For an unknown name (the message lists the valid names).
        """
        return cls(name)

    @classmethod
    def from_points(
        cls,
        points: Any,
        tol: float = 0.1,
        species: Any = None,
    ) -> "PointGroup":
        """Largest point group mapping a finite point set onto itself; see :func:`~.detect.point_group_of_points`."""
        from .detect import point_group_of_points

        return point_group_of_points(points, tol=tol, species=species)

    @classmethod
    def from_atoms(cls, atoms: "ase.Atoms", symprec: float = 1e-3) -> "PointGroup":
        """Crystallographic point group of a periodic structure; see :func:`~.crystal.point_group_of_atoms`."""
        from .crystal import point_group_of_atoms

        return point_group_of_atoms(atoms, symprec=symprec)

    # ------------------------------------------------------------------ basic data
    @property
    def name(self) -> str:
        """Schoenflies name."""
        return self._name

    @property
    def matrices(self) -> np.ndarray:
        """Operations ``(order, 3, 3)``, float64, read-only; ``matrices[0]`` is the identity."""
        return self._matrices

    @property
    def frame(self) -> np.ndarray:
        """Rotation ``F`` with ``F @ matrices[j] @ F.T`` = standard element ``j``."""
        return self._frame

    @property
    def limit_group(self) -> str | None:
        """Name of the infinite group this finite group stands in for, or ``None``."""
        return self._limit

    @property
    def max_deviation(self) -> float | None:
        """Largest distance between a moved point and its match (input units), or ``None``.

        Set by :meth:`from_points` and :meth:`from_atoms`: with the exact operations g of the
        group and the matching permutation π_g, :math:`\\max_{g,i} |g x_i - x_{\\pi_g(i)}|`
        (points centred at their centroid; for crystals up to lattice vectors and the best
        translation). Divide by a length of the structure for a relative measure, e.g.
        ``f"{g.name} (max deviation {g.max_deviation:.3g})"``.
        """
        return self._deviation

    @property
    def principal_axis(self) -> np.ndarray:
        """Unit principal axis (standard z) in the group's coordinates: ``frame[2]``."""
        return self._frame[2]

    @property
    def secondary_axis(self) -> np.ndarray:
        """Unit secondary axis (standard x: the C2' axis, or in the σv plane): ``frame[0]``."""
        return self._frame[0]

    @property
    def order(self) -> int:
        """Number of operations, the order :math:`|G|`."""
        return len(self._matrices)

    @property
    def is_standard(self) -> bool:
        """True if the group is in standard orientation (frame = identity)."""
        return bool(np.allclose(self._frame, np.eye(3), atol=1e-9))

    @property
    def standard(self) -> "PointGroup":
        """The same named group in standard orientation."""
        return PointGroup(self._name)

    # ------------------------------------------------------------------ tables
    @property
    def multiplication_table(self) -> np.ndarray:
        """``table[a, b] = c`` with ``matrices[a] @ matrices[b] = matrices[c]``, (order, order) int."""
        return self._t.table

    @property
    def inverse(self) -> np.ndarray:
        """Index of the inverse of each element, (order,) int."""
        return self._t.inverse

    @property
    def classes(self) -> list[np.ndarray]:
        """Conjugacy classes as arrays of element indices (identity class first)."""
        return list(self._t.classes)

    @property
    def class_of(self) -> np.ndarray:
        """Class index of each element, (order,) int."""
        return self._t.class_of

    @property
    def class_names(self) -> list[str]:
        """Readable class names, e.g. ``["E", "8C3", "3C2", "6S4", "6σd"]``."""
        return list(self._t.class_names)

    @property
    def class_sizes(self) -> np.ndarray:
        """Number of elements in each class."""
        return np.array([len(c) for c in self._t.classes])

    @property
    def character_table(self) -> np.ndarray:
        """Characters ``(n_irreps, n_classes)``: float64 if all real, complex128 otherwise."""
        c = self._t.characters
        return c.real.copy() if np.all(np.abs(c.imag) < 1e-12) else c.copy()

    @property
    def irrep_labels(self) -> list[str]:
        """Mulliken labels of the (complex) irreps, rows of :attr:`character_table`.

        Complex-conjugate pairs of one-dimensional irreps are ``"1E"``/``"2E"`` (``1E`` has
        positive imaginary character on the principal rotation).
        """
        return list(self._t.labels)

    @property
    def irrep_dims(self) -> np.ndarray:
        """Dimensions of the irreps in :attr:`irrep_labels`."""
        return self._t.dims

    @property
    def real_irrep_labels(self) -> list[str]:
        """Labels of the physically irreducible (real) irreps: each ``1E``/``2E`` pair becomes
        one two-dimensional ``E``; other irreps are unchanged. Used by :func:`decompose`."""
        return list(self._t.real_labels)

    @property
    def real_character_table(self) -> np.ndarray:
        """Real characters ``(n_real_irreps, n_classes)`` (a pair's characters summed)."""
        return self._t.real_characters

    @property
    def real_irrep_dims(self) -> np.ndarray:
        """Real dimensions of :attr:`real_irrep_labels`."""
        return self._t.real_dims

    def characters(self, label: str, real: bool = True) -> np.ndarray:
        """Character of irrep ``label`` on every element, ``(order,)``.

        ``real=True`` looks ``label`` up among :attr:`real_irrep_labels`, otherwise among
        :attr:`irrep_labels` (complex values for the members of a pair).
        """
        labels = self._t.real_labels if real else self._t.labels
        if label not in labels:
            raise ValueError(f"{self._name} has no irrep {label!r}; irreps: {', '.join(labels)}")
        table = self._t.real_characters if real else self._t.characters
        return table[labels.index(label)][self._t.class_of]

    # ------------------------------------------------------------------ membership
    def index_of(self, matrix: Any, atol: float = 1e-6) -> int:
        """Index of ``matrix`` among the operations; ValueError if it is not one of them."""
        m = np.asarray(matrix, dtype=np.float64)
        if m.shape != (3, 3):
            raise ValueError(f"expected a 3x3 matrix, got shape {m.shape}")
        d = np.abs(self._matrices - m[None]).reshape(self.order, 9).max(axis=1)
        i = int(np.argmin(d))
        if d[i] > atol:
            raise ValueError(f"matrix is not an operation of {self._name} (closest at {d[i]:.2e})")
        return i

    def contains(self, other: "PointGroup | np.ndarray", atol: float = 1e-6) -> bool:
        """True if every operation of ``other`` (a group or a stack of matrices) is in this group."""
        mats = other.matrices if isinstance(other, PointGroup) else np.asarray(other, dtype=float)
        mats = mats.reshape(-1, 3, 3)
        d = np.abs(mats[:, None] - self._matrices[None]).reshape(len(mats), self.order, 9)
        return bool(np.all(d.max(axis=2).min(axis=1) <= atol))

    def is_subgroup_of(self, other: "PointGroup", atol: float = 1e-6) -> bool:
        """True if all operations of this group are operations of ``other``."""
        return other.contains(self, atol)

    def same_operations(self, other: "PointGroup", atol: float = 1e-6) -> bool:
        """True if both groups have the same set of matrices."""
        return self.order == other.order and self.contains(other, atol)

    def __repr__(self) -> str:
        extra = "" if self.is_standard else ", rotated frame"
        limit = f", stand-in for {self._limit}" if self._limit else ""
        dev = "" if self._deviation is None else f", max_deviation={self._deviation:.3g}"
        return f"PointGroup({self._name!r}, order={self.order}{extra}{limit}{dev})"

    def __reduce__(self):
        return (PointGroup, (self._name, np.array(self._frame), self._limit, self._deviation))

    @property
    def tables(self) -> StandardTables:
        """Internal tables of the standard group (for advanced use)."""
        return self._t
