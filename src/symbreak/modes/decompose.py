"""Symmetry-mode decomposition of a distortion (AMPLIMODES / ISODISTORT) or of any per-atom field.

:func:`decompose_distortion` maps the child onto a supercell of the parent
(:func:`~symbreak.modes.relation.find_relation`), extends that supercell to the smallest one the
parent's point group maps onto itself (:func:`~symbreak.modes.quotient.invariant_supercell`, on
which the field is periodic too), splits the displacement field into the isotypic components of
the parent space group (:func:`~symbreak.modes.isotypic.mode_spaces`) and the strain into irreps of
the parent point group.

Normalisations of a mode amplitude (Å), with :math:`u_\\Gamma` the component on the analysis
supercell of :math:`N_S` atoms:

- ``amplitude`` (AMPLIMODES, Perez-Mato, Orobengoa & Aroyo 2010): the norm of the mode's
  displacements summed over the atoms of the child's *primitive* cell,
  :math:`A = \\lVert u_\\Gamma \\rVert\\sqrt{N_\\mathrm{prim}/N_S}`;
- ``amplitude_parent_cell`` (ISODISTORT's parent-cell normalisation, Campbell et al. 2006): the
  same per parent cell, :math:`A_p = \\lVert u_\\Gamma \\rVert\\sqrt{N_\\mathrm{parent}/N_S}`.

Both are independent of the supercell chosen to describe the child (the field is periodic), and of
the child's orientation, origin, atom order and setting.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..results import Result, format_number
from ..structures import load_structure
from .isotypic import ModeSpace, _arm_projection, field_matrices, mode_spaces, stabilizer, stabilizer_order
from .labels import format_k, iso_ir_label, point_group_of
from .quotient import SpaceGroupAction, invariant_supercell, lattice_points, parent_supercell
from .relation import Relation, find_relation, primitive_atom_count, shift_origin

__all__ = ["Mode", "ModeDecomposition", "decompose_distortion", "decompose_field", "strain_modes"]


@dataclasses.dataclass(frozen=True)
class Mode:
    """One symmetry mode of a field: its label, wavevector, amplitude, direction and isotropy group.

    Attributes
    ----------
    irrep : str
        ISO-IR label (``"R4+"``), or a descriptive label ending in ``(not ISO-IR)``.
    k : (3,) float
        Representative arm of the star (parent reciprocal fractional coordinates).
    star : list of (3,) float
        All arms of the star.
    small_irrep : str
        Little-co-group irrep, e.g. ``"T1g of Oh"``.
    amplitude : float
        AMPLIMODES normalisation (child's primitive cell; field units, Å for displacements).
    amplitude_parent_cell : float
        ISODISTORT parent-cell normalisation.
    share : float
        Fraction of the squared norm of the field.
    arms : list of (k, amplitude)
        Direction in order-parameter space resolved by arm: the amplitude on each arm k of the
        star (AMPLIMODES normalisation); e.g. one M arm for a0a0c+ tilts, all three for a+a+a+.
    isotropy_subgroup : str or None
        Space group of this mode alone, e.g. ``"I4/mcm (140)"``: for the displacements of
        :func:`decompose_distortion`, spglib on the parent plus this mode (a check independent of
        the projectors); for any other field, the elements of ``G`` that keep the mode, named by
        spglib from their operations (:meth:`~symbreak.modes.quotient.SpaceGroupAction.space_group_of`);
        for a time-odd field, its magnetic space group (``"BNS 140.550 (type IV)"``).
    isotropy_order : int
        Elements of ``G / T_S`` leaving the mode invariant (any field type); for a time-odd field,
        the operations of the magnetic group modulo the supercell, primed ones included.
    dimension, multiplicity : int
        Dimension of the irrep (arms × small irrep) and its number of copies in the field space.
    component : (N_S, d) float64
        The mode's values on the analysis supercell atoms.
    """

    irrep: str
    iso_ir: bool
    k: np.ndarray
    star: list
    small_irrep: str
    amplitude: float
    amplitude_parent_cell: float
    share: float
    arms: list
    isotropy_subgroup: str | None
    isotropy_order: int
    dimension: int
    multiplicity: int
    component: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON fields (without the component)."""
        return {
            "irrep": self.irrep, "iso_ir": self.iso_ir, "k": np.round(self.k, 10).tolist(),
            "star": [np.round(k, 10).tolist() for k in self.star], "small_irrep": self.small_irrep,
            "amplitude": self.amplitude, "amplitude_parent_cell": self.amplitude_parent_cell,
            "share": self.share,
            "direction": [{"k": np.round(k, 10).tolist(), "amplitude": a} for k, a in self.arms],
            "isotropy_subgroup": self.isotropy_subgroup, "isotropy_order": self.isotropy_order,
            "dimension": self.dimension, "multiplicity": self.multiplicity,
        }


def _space_group(atoms, symprec: float) -> tuple[str, int, int]:
    import spglib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        data = (atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers)
        ds = spglib.get_symmetry_dataset(data, symprec=symprec)
    return str(ds.international), int(ds.number), len(ds.rotations)


def _translation_index(matrix: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Index into ``lattice_points(matrix)`` of integer vectors modulo the lattice of ``matrix``."""
    points = lattice_points(matrix)
    inv = np.linalg.inv(matrix.astype(np.float64))

    def code(v):
        y = (v @ inv) % 1.0
        y[np.isclose(y, 1.0, atol=1e-9)] = 0.0
        det = abs(round(np.linalg.det(matrix)))
        q = np.rint(y * det).astype(np.int64) % det
        return (q[..., 0] * det + q[..., 1]) * det + q[..., 2]

    ref = code(points.astype(np.float64))
    order = np.argsort(ref)
    return order[np.searchsorted(ref, code(np.asarray(vectors, dtype=np.float64)), sorter=order)]


def tile_field(values: np.ndarray, small: np.ndarray, big: np.ndarray, n_parent: int) -> np.ndarray:
    """Values on ``parent_supercell(parent, small)`` repeated onto ``parent_supercell(parent, big)``
    (the lattice of ``big`` must lie in that of ``small``)."""
    t_big = lattice_points(big)
    index = _translation_index(small, t_big)  # (n_big,)
    atoms = (index[:, None] * n_parent + np.arange(n_parent)[None, :]).reshape(-1)
    return np.asarray(values)[atoms]


def _parent_rotations(parent, symprec: float) -> np.ndarray:
    return SpaceGroupAction(parent, np.eye(3, dtype=np.int64), symprec).rotations


def _origin_text(parent) -> str:
    frac = parent.get_scaled_positions(wrap=True)
    at = [f"{s}{i}" for i, (s, x) in enumerate(zip(parent.get_chemical_symbols(), frac))
          if np.allclose(np.minimum(x, 1 - x), 0, atol=1e-6)]
    return (f"{', '.join(at)} of the parent at the origin" if at else "no parent atom at the origin")


def strain_modes(strain: np.ndarray, action: SpaceGroupAction) -> list[dict[str, Any]]:
    """Split a symmetric strain tensor (parent frame) into irreps of the parent's point group.

    :math:`P_\\Gamma \\varepsilon = \\frac{d_\\Gamma}{|G|}\\sum_R \\chi_\\Gamma(R)^* R\\,\\varepsilon R^\\top`;
    the norm of each component (Frobenius) is its amplitude. Labels are Γ-point ISO-IR labels
    (GM1+ volume, GM3+ tetragonal, GM5+ shear for m-3m).
    """
    group, index, standard = point_group_of(action.cartesian, action.parent.cell.array)
    out = []
    chars = group.character_table
    for label, row in zip(group.irrep_labels, chars):
        chi = np.asarray(row)[group.class_of][index]
        d = float(np.real(row[0]))
        comp = d / len(index) * np.einsum("p,pij,jk,plk->il", np.conj(chi), action.cartesian, strain, action.cartesian).real
        norm = float(np.linalg.norm(comp))
        if norm > 1e-12:
            name, _ = iso_ir_label("GM", np.zeros(3), group, label, standard)
            out.append({"irrep": name, "small_irrep": f"{label} of {group.name}", "amplitude": norm,
                        "tensor": comp})
    return out


@dataclasses.dataclass
class ModeDecomposition(Result):
    """Symmetry modes of a child structure (or of a field) relative to a parent.

    ``modes`` are sorted by decreasing amplitude; ``residual`` is the largest difference between
    the field and the sum of its modes (a check that the projectors are complete).
    """

    kind: ClassVar[str] = "modes"
    version: ClassVar[int] = 1

    parent_name: str
    child_name: str
    field: str
    parent_space_group: str
    child_space_group: str | None
    origin: str
    origin_shift_parent: list
    matrix: np.ndarray
    analysis_matrix: np.ndarray
    modes: list
    strain: np.ndarray | None
    strain_modes: list
    total_amplitude: float
    residual: float
    child_origin_shift: np.ndarray | None
    rotation: np.ndarray | None
    field_values: np.ndarray
    spaces: list = dataclasses.field(repr=False, default_factory=list)
    group_order: int = 0
    normalisation: str = "child primitive cell"
    time_odd: bool = False
    normalisation_atoms: int = 0

    def mode(self, label: str) -> Mode:
        """The mode with this label (ValueError if absent)."""
        for m in self.modes:
            if m.irrep == label:
                return m
        raise ValueError(f"no mode {label!r}; modes: {', '.join(m.irrep for m in self.modes)}")

    def payload(self) -> dict[str, Any]:
        return {
            "parent": self.parent_name, "child": self.child_name, "field": self.field, "time_odd": self.time_odd,
            "parent_space_group": self.parent_space_group, "child_space_group": self.child_space_group,
            "origin": {"description": self.origin, "shift_applied": self.origin_shift_parent},
            "supercell": np.asarray(self.matrix).tolist(),
            "analysis_supercell": np.asarray(self.analysis_matrix).tolist(),
            "modes": [m.to_dict() for m in self.modes],
            "total_amplitude": self.total_amplitude, "residual": self.residual,
            "analysis_group_order": self.group_order, "amplitude_normalisation": self.normalisation,
            "normalisation_atoms": self.normalisation_atoms,
            "strain": None if self.strain is None else {
                "tensor": np.asarray(self.strain).tolist(),
                "modes": [{k: v for k, v in s.items() if k != "tensor"} for s in self.strain_modes]},
            "child_origin_shift": None if self.child_origin_shift is None else np.asarray(self.child_origin_shift).tolist(),
            "rotation": None if self.rotation is None else np.asarray(self.rotation).tolist(),
        }

    def summary(self, threshold: float = 1e-5) -> str:
        unit = " Å" if self.field == "1o" else ""
        if not self.child_space_group:
            groups = self.parent_space_group
        elif self.field == "1o":
            groups = f"{self.parent_space_group} → {self.child_space_group}"
        else:  # spglib sees the positions, not the field
            groups = f"{self.parent_space_group}; the child's atoms alone: {self.child_space_group}"
        lines = [
            f"[bold]{self.child_name}[/] relative to [bold]{self.parent_name}[/] ({groups}), field {self.field}"
            + (", time-odd (magnetic: m-prefixed irreps, magnetic isotropy groups)" if self.time_odd else ""),
            f"origin: {self.origin}" + (f" (parent shifted by {self.origin_shift_parent})" if any(self.origin_shift_parent) else ""),
            f"child cell = {np.asarray(self.matrix).tolist()} × parent cell; analysed on "
            f"{np.asarray(self.analysis_matrix).tolist()} ({len(self.field_values)} atoms)",
        ]
        shown = [m for m in self.modes if m.amplitude >= threshold]
        width = max([7] + [len(m.irrep) for m in shown])
        lines.append(f"{'irrep':<{width}} {'k':<14} {'A' + unit:>9} {'Ap' + unit:>9} {'share':>7}  isotropy subgroup")
        for m in shown:
            isotropy = m.isotropy_subgroup or (f"{m.isotropy_order} of {self.group_order} operations of G/T_S"
                                               if m.isotropy_order else "-")
            lines.append(f"{m.irrep:<{width}} {format_k(m.k):<14} {m.amplitude:>9.5f} {m.amplitude_parent_cell:>9.5f} "
                         f"{m.share:>7.2%}  {isotropy}")
        hidden = sum(1 for m in self.modes if m.amplitude < threshold)
        if hidden:
            lines.append(f"({hidden} more modes below {threshold:g}{unit})")
        lines.append(f"A: per {self.normalisation} ({self.normalisation_atoms} atoms)"
                     f"{' (AMPLIMODES)' if self.normalisation.startswith('child') else ''}, "
                     f"Ap: per parent cell (ISODISTORT); total A "
                     f"{self.total_amplitude:.5f}{unit}; modes sum to the field within {self.residual:.1e}")
        if self.strain is not None:
            parts = ", ".join(f"{s['irrep']} {format_number(s['amplitude'])}" for s in self.strain_modes) or "none"
            lines.append(f"strain (Biot, parent frame) by irrep: {parts}")
        if any(not m.iso_ir for m in self.modes if m.amplitude >= threshold):
            lines.append("labels marked 'not ISO-IR' give k and the little-co-group irrep (no ISO-IR table here)")
        return "\n".join(lines)

    def figures(self, out_dir: str | Path) -> list[Path]:
        from ._plot import plot_mode_amplitudes

        return [plot_mode_amplitudes(self, Path(out_dir) / "mode_amplitudes.png")]


def _modes_of(action: SpaceGroupAction, spaces: list[ModeSpace], values: np.ndarray, irrep: str,
              n_prim: int, n_parent: int, isotropy: bool, symprec: float,
              time_odd: bool = False) -> tuple[list[Mode], float]:
    n_atoms, d = values.shape
    flat = values.reshape(-1)
    total2 = float(flat @ flat)
    scale_child = np.sqrt(n_prim / n_atoms)
    scale_parent = np.sqrt(n_parent / n_atoms)
    blocks = field_matrices(action, irrep)
    modes = []
    recon = np.zeros_like(flat)
    for space in spaces:
        comp = space.project(flat)
        recon += comp
        norm = float(np.linalg.norm(comp))
        arms = []
        for k in space.star:
            arms.append((k, float(np.linalg.norm(_arm_projection(action, k, comp[:, None]))) * scale_child))
        component = comp.reshape(n_atoms, d)
        subgroup, order = None, 0
        if norm > 1e-10 * max(np.sqrt(total2), 1e-300) and norm > 1e-12:
            peak = float(np.linalg.norm(component, axis=1).max())
            if time_odd:  # time reversal belongs to the group: elements keeping u, and those reversing it, primed
                unitary = stabilizer(action, blocks, component, atol=1e-6 * peak)
                primed = stabilizer(action, blocks, component, atol=1e-6 * peak, sign=-1.0)
                subgroup, order = action.magnetic_group_of(unitary, primed), len(unitary) + len(primed)
            else:
                elements = stabilizer(action, blocks, component, atol=1e-6 * peak)
                order = len(elements)
                if isotropy and irrep == "1o":
                    probe = parent_supercell(action.parent, action.matrix)
                    probe.positions += component * (0.1 / peak)
                    name, number, _ = _space_group(probe, symprec)
                    subgroup = f"{name} ({number})"
                else:
                    named = action.space_group_of(elements)
                    subgroup = None if named is None else f"{named[0]} ({named[1]})"
        label = "m" + space.label if time_odd else space.label  # ISODISTORT's prefix of magnetic irreps
        modes.append(Mode(label, space.iso_ir, space.k, list(space.star), space.small_irrep, norm * scale_child,
                          norm * scale_parent, norm**2 / total2 if total2 > 0 else 0.0, arms, subgroup, order,
                          space.dimension, space.multiplicity, component))
    residual = float(np.abs(recon - flat).max()) if len(flat) else 0.0
    modes.sort(key=lambda m: -m.amplitude)
    return modes, residual


def decompose_distortion(
    parent: Any,
    child: Any,
    *,
    matrix: Any = None,
    origin: Any = None,
    symprec: float = 1e-3,
    max_strain: float = 0.15,
    max_distance: float = 1.0,
    isotropy: bool = True,
) -> ModeDecomposition:
    """Symmetry-mode decomposition of the distortion that carries ``parent`` into ``child``.

    Parameters
    ----------
    parent, child : ase.Atoms, str or Path
        Structures (built-in names such as ``"SrTiO3-cubic"``, or files ASE reads).
    matrix : (3, 3) int, optional
        Child lattice vectors in the parent basis; found automatically if omitted.
    origin : 3 floats, optional
        Move the parent's origin here first (parent fractional coordinates). Labels depend on it.
    symprec : float
        spglib tolerance (Å): parent operations, child symmetry and isotropy subgroups.
    max_strain, max_distance : float
        Limits of the match (see :func:`~symbreak.modes.relation.find_relation`).
    isotropy : bool
        Compute each mode's isotropy subgroup with spglib.

    Returns
    -------
    ModeDecomposition

    Raises
    ------
    ValueError
        Different compositions, unmatched lattices or atoms, or a child with symmetry the parent
        lacks (not group–subgroup related).
    """
    relation = find_relation(parent, child, matrix=matrix, origin=origin, max_strain=max_strain,
                             max_distance=max_distance, symprec=symprec)
    return _decompose_relation(relation, relation.displacements, "1o", origin, symprec, isotropy)


def _decompose_relation(relation: Relation, values: np.ndarray, irrep: str, origin, symprec: float,
                        isotropy: bool, time_odd: bool = False) -> ModeDecomposition:
    p = relation.parent
    big = invariant_supercell(relation.matrix, _parent_rotations(p, symprec))
    action = SpaceGroupAction(p, big, symprec)
    field = tile_field(values, relation.matrix, big, len(p))
    spaces = mode_spaces(action, irrep)
    psg = _space_group(p, symprec)
    if irrep == "1o":
        blocks = field_matrices(action, irrep)
        stab = stabilizer_order(action, blocks, field, atol=symprec)
        child_ideal = parent_supercell(p, big)
        child_ideal.positions += field
        name, number, n_ops = _space_group(child_ideal, symprec)
        if n_ops > stab:
            raise ValueError(
                f"not group-subgroup related: the child has space group {name} ({number}) with {n_ops} operations "
                f"in the common supercell, but only {stab} of the parent's {psg[0]} ({psg[1]}) operations leave it "
                "invariant (the child has symmetry the parent lacks)")
    csg = _space_group(relation.child, symprec)
    modes, residual = _modes_of(action, spaces, field, irrep, relation.child_primitive_atoms, len(p), isotropy, symprec,
                                time_odd)
    total = float(np.linalg.norm(field)) * np.sqrt(relation.child_primitive_atoms / len(field))
    strain = relation.strain if irrep == "1o" else None
    return ModeDecomposition(
        parent_name=str(relation.parent.info.get("name", p.get_chemical_formula())),
        child_name=str(relation.child.info.get("name", relation.child.get_chemical_formula())),
        field=irrep, parent_space_group=f"{psg[0]} ({psg[1]})", child_space_group=f"{csg[0]} ({csg[1]})",
        origin=_origin_text(p), origin_shift_parent=[] if origin is None else [float(v) for v in np.ravel(origin)],
        matrix=relation.matrix, analysis_matrix=big, modes=modes, strain=strain,
        strain_modes=[] if strain is None else strain_modes(strain, action), total_amplitude=total,
        residual=residual, child_origin_shift=relation.origin_shift, rotation=relation.rotation,
        field_values=field, spaces=spaces, group_order=action.order, time_odd=time_odd,
        normalisation_atoms=relation.child_primitive_atoms)


FIELD_TOLERANCE = 1e-2
"""Relative tolerance for equal field values when finding the primitive cell of an ordered field
(1 % of the largest value: noise of a calculation merges, a real order differs by far more)."""


def _primitive_atoms_with_field(atoms, values: np.ndarray, symprec: float) -> int:
    """Atoms in the primitive cell of ``atoms`` decorated with a per-atom field (AMPLIMODES
    normalisation of a field: per primitive cell of the ordered structure, which the positions
    alone do not show).

    Only pure translations set the primitive cell, and they carry a field value over unchanged,
    so atoms are told apart by species and field value: spglib's primitive cell of that colouring
    is the field's. Values within :data:`FIELD_TOLERANCE` × the largest |value| of a colour's first
    member share its colour, so that noise (moments from a calculation differ in the last digits)
    does not split equivalent atoms and shrink A's cell.
    """
    tol = FIELD_TOLERANCE * max(float(np.linalg.norm(values, axis=1).max()), 1e-300)
    first: list[int] = []  # the first atom of each colour
    types = np.empty(len(values), dtype=np.int64)
    for i, (z, v) in enumerate(zip(atoms.numbers, values)):
        reps = np.asarray(first, dtype=np.int64)
        same = reps[(atoms.numbers[reps] == z) & (np.linalg.norm(values[reps] - v, axis=1) <= tol)] if first else reps
        if len(same):
            types[i] = types[same[0]]
        else:
            types[i] = len(first)
            first.append(i)
    return primitive_atom_count(atoms, types, symprec)


def decompose_field(
    parent: Any,
    child_or_supercell: Any,
    values: Any,
    irrep: str = "1e",
    *,
    origin: Any = None,
    matrix: Any = None,
    time_odd: bool = False,
    symprec: float = 1e-3,
    max_strain: float = 0.15,
    max_distance: float = 1.0,
) -> ModeDecomposition:
    """Decompose any per-atom field on a supercell of ``parent`` into space-group modes.

    Parameters
    ----------
    parent : ase.Atoms, str or Path
        The parent structure (its space group acts on the field).
    child_or_supercell : ase.Atoms, str, Path, or (3, 3) / (3,) int
        Either a child structure (its atoms carry ``values`` in its own order and frame; the
        relation to the parent is found as in :func:`decompose_distortion` and vectors are
        rotated into the parent frame), or a supercell matrix of the parent (``(3,)`` for a
        diagonal one): then ``values`` are on the atoms of
        :func:`~symbreak.modes.quotient.parent_supercell` (translation-major order), parent frame.
        A learned per-atom output of a network on the parent supercell goes here.
    values : array (N, 2l+1)
        One value per atom in e3nn's basis of ``irrep``.
    irrep : str
        ``"1e"`` axial vectors (magnetic-like), ``"0e"`` scalars (occupations, charges), ``"2e"``
        quadrupoles (Jahn–Teller), ``"1o"`` polar vectors; any single e3nn irrep.
    origin : 3 floats, optional
        Parent origin for the labels (as in :func:`decompose_distortion`).
    matrix : (3, 3) int, optional
        With a child structure: its cell in the basis of the parent cell as given (found
        automatically if omitted).
    time_odd : bool
        The field changes sign under time reversal: magnetic moments (``"1e"``, or ``"0e"`` for
        collinear ones). The mode spaces are the same (time reversal acts as −1 on all of them);
        the labels get ISODISTORT's ``m`` prefix (``mR4+``) and each mode's isotropy subgroup is
        the magnetic space group of the parent plus that mode (the elements keeping it, and those
        reversing it combined with time reversal, named by spglib: BNS number and type).

    Returns
    -------
    ModeDecomposition
        Amplitudes in the field's units; normalised per primitive cell of the child when a child
        is given, per supercell otherwise; each mode's isotropy group named from its operations.
    """
    from .isotypic import parse_irrep, wigner

    ir, d = parse_irrep(irrep)
    if time_odd and ir not in ("1e", "0e"):
        raise ValueError(f"a time-odd field here is a magnetic moment: irrep 1e (or 0e for collinear moments), "
                         f"got {ir}")
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1 and d == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != d:
        raise ValueError(f"values must have shape (atoms, {d}) for irrep {irrep}, got {np.shape(values)}")
    if not np.all(np.isfinite(x)):
        rows = np.flatnonzero(~np.isfinite(x).all(axis=1))
        raise ValueError(f"values contain NaN or infinite numbers (atom rows {', '.join(map(str, rows[:10]))}"
                         f"{', ...' if len(rows) > 10 else ''}); expected finite numbers for every atom")
    spec = np.asarray(child_or_supercell) if not hasattr(child_or_supercell, "get_positions") and not isinstance(
        child_or_supercell, (str, Path)) else None
    if spec is not None:
        if matrix is not None:
            raise ValueError("give matrix only with a child structure; here the supercell matrix is the "
                             "second argument")
        h = np.diag(spec) if spec.shape == (3,) else spec
        if h.shape != (3, 3) or np.abs(h - np.rint(h)).max() > 1e-9 or abs(np.linalg.det(h)) < 0.5:
            raise ValueError(f"supercell must be a 3x3 (or diagonal 3) non-singular integer matrix, got {spec.tolist()}")
        h = np.rint(h).astype(np.int64)
        h = h if np.linalg.det(h) > 0 else -h
        p = load_structure(parent)
        if origin is not None:
            p = shift_origin(p, origin)
        cell = parent_supercell(p, h)
        if len(x) != len(cell):
            raise ValueError(f"values has {len(x)} rows but the supercell {h.tolist()} has {len(cell)} atoms")
        cell.info["name"] = f"supercell {h.tolist()}"
        relation = Relation(parent=p, child=cell, matrix=h, supercell=cell, permutation=np.arange(len(cell)),
                            displacements=np.zeros((len(cell), 3)), strain=np.zeros((3, 3)), rotation=np.eye(3),
                            origin_shift=np.zeros(3), child_primitive_atoms=len(cell))
        field = x
    else:
        relation = find_relation(parent, child_or_supercell, matrix=matrix, origin=origin, max_strain=max_strain,
                                 max_distance=max_distance, symprec=symprec)
        if len(x) != len(relation.child):
            raise ValueError(f"values has {len(x)} rows but the child has {len(relation.child)} atoms")
        rot = wigner(ir, relation.rotation.T[None])[0]
        field = x[relation.permutation] @ rot.T
        relation = dataclasses.replace(relation, child_primitive_atoms=_primitive_atoms_with_field(
            relation.child, x, symprec))
    out = _decompose_relation(relation, field, ir, origin, symprec, isotropy=False, time_odd=time_odd)
    if spec is not None:  # values on a parent supercell: no child structure, no child space group
        out = dataclasses.replace(out, child_space_group=None, normalisation="given supercell")
    return out
