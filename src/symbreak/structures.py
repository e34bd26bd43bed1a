"""Crystal structures: reading, built-in perovskite phases, and matching a source to a target.

A *structure* is an :class:`ase.Atoms` with periodic boundaries along all three lattice
vectors (rows of ``atoms.cell``). :func:`load_structure` takes a built-in name, any file
ASE reads (CIF, POSCAR/CONTCAR, extxyz, …) or an ``Atoms``.

:func:`match_structures` pairs every atom of the source with one atom of the target and
returns the per-atom displacements and the homogeneous strain that carry the source onto
the target, in the Cartesian frame of the source. How (see also ``docs/crystals.md``):

1. **Lattices.** Both cells are Minkowski-reduced. Every unimodular integer matrix with
   entries in {-1, 0, 1} maps the reduced target basis onto a candidate basis ``B'`` that
   should correspond to the source basis ``A``. With :math:`X = A^{-1}B'` and the polar
   decomposition :math:`X = P W` (``P`` symmetric positive definite, ``W`` a proper
   rotation) the target cell rotated by :math:`W^\\top` is :math:`A P`: the deformation
   gradient in the source frame is :math:`F = P` (no rotation), the strain is
   :math:`\\varepsilon = P - I` (Biot strain; symmetric, equal to the linear strain to first
   order). The candidates with the smallest strain are kept (for a cubic source several tie:
   they are the orientation domains of the target); among them the rotation closest to the
   identity wins, so that files in the same frame stay in that frame and rotated files are
   rotated back. Remaining ties are broken by the atom-matching cost.
2. **Homogeneous strain removed.** Target fractional coordinates with respect to ``B'`` are
   placed in the source cell (``f @ A``).
3. **Atoms.** For every candidate origin shift (one atom of the rarest species of the target
   put on the first such atom of the source) atoms of the same species are paired by the
   Hungarian algorithm on nearest-periodic-image distances; the shift with the smallest total
   squared distance wins.
4. **Translation removed.** A uniform displacement is not an order parameter: the mean
   displacement over all atoms of the cell is set to zero (``translation="mean"``, the
   default) or the mass-weighted mean, i.e. the centre of mass is fixed (``"mass"``).

Errors (``ValueError``): different composition or atom counts, lattices that cannot be
matched within ``max_strain``, or an ambiguous atom match (an atom whose displacement is not
clearly shorter than the distance to the next candidate of its species).
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover (ase is imported lazily)
    import ase

__all__ = [
    "BUILTIN_STRUCTURES",
    "builtin_structure",
    "load_structure",
    "StructureMatch",
    "match_structures",
]

# ----------------------------------------------------------------------------- built-ins
#
# BaTiO3, the two phases either side of the 393 K ferroelectric transition.
#
# Tetragonal P4mm (No. 99), room temperature, single-crystal X-ray diffraction:
#   F. Buttner and E. N. Maslen, "Structural parameters and electron difference density in
#   BaTiO3", Acta Crystallographica B48, 764-769 (1992).
#   a = 3.9998 Å, c = 4.0180 Å; Ba 1a (0, 0, 0); Ti 1b (1/2, 1/2, 0.482);
#   O1 1b (1/2, 1/2, 0.016); O2 2c (1/2, 0, 0.515), (0, 1/2, 0.515).
#   (Origin on Ba; the polar axis is c. Flipping the sign of every z shift describes the
#   same crystal with the polarisation reversed.)
#
# Cubic Pm-3m (No. 221), paraelectric phase above 393 K:
#   all positions are fixed by symmetry: Ba 1a (0, 0, 0), Ti 1b (1/2, 1/2, 1/2),
#   O 3c (1/2, 1/2, 0), (1/2, 0, 1/2), (0, 1/2, 1/2);
#   a = 4.00 Å, the experimental lattice parameter tabulated in K.-H. Hellwege and
#   A. M. Hellwege (eds.), Landolt-Börnstein, New Series III/3, "Ferro- and
#   Antiferroelectric Substances" (Springer, 1969), as quoted by first-principles studies
#   of BaTiO3 (e.g. R. D. King-Smith and D. Vanderbilt, Phys. Rev. B 49, 5828 (1994)).

_TETRAGONAL_A, _TETRAGONAL_C = 3.9998, 4.0180
_TETRAGONAL_Z = {"Ti": 0.482, "O1": 0.016, "O2": 0.515}
_CUBIC_A = 4.00


def _batio3_cubic() -> "ase.Atoms":
    from ase import Atoms

    return Atoms(
        "BaTiO3",
        scaled_positions=[(0, 0, 0), (0.5, 0.5, 0.5), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)],
        cell=np.eye(3) * _CUBIC_A,
        pbc=True,
    )


def _batio3_tetragonal() -> "ase.Atoms":
    from ase import Atoms

    z = _TETRAGONAL_Z
    return Atoms(
        "BaTiO3",
        scaled_positions=[
            (0, 0, 0),
            (0.5, 0.5, z["Ti"]),
            (0.5, 0.5, z["O1"]),
            (0.5, 0, z["O2"]),
            (0, 0.5, z["O2"]),
        ],
        cell=np.diag([_TETRAGONAL_A, _TETRAGONAL_A, _TETRAGONAL_C]),
        pbc=True,
    )


# SrTiO3, the two phases either side of the 105 K antiferrodistortive transition.
#
# Cubic Pm-3m (No. 221), room temperature: a = 3.9053 Å from gamma-ray diffraction at 293 K,
#   Acta Crystallographica paper sh5025 (https://scripts.iucr.org/cgi-bin/paper?sh5025).
#   Described with Ti at the origin (Ti 1a (0,0,0), Sr 1b (1/2,1/2,1/2), O 3d), the setting in
#   which the octahedral tilts read R4+ / M3+ (with Sr at the origin they read R5- / M2-).
#
# Tetragonal I4/mcm (No. 140), low temperature: Sr 4b (0,1/2,1/4), Ti 4c (0,0,0), O1 4a (0,0,1/4),
#   O2 8h (x, x+1/2, 0) with x = 1/4 - tan(phi)/4: TiO6 octahedra rotated rigidly by phi = 2.0°
#   about c, alternating along c (a0a0c-). The rotation of the octahedra below 105 K was measured
#   by paramagnetic resonance (K. A. Müller, W. Berlinger and F. Waldner, "Characteristic
#   structural phase transition in perovskite-type compounds", Phys. Rev. Lett. 21, 814 (1968));
#   2.0° is the commonly quoted low-temperature magnitude (not re-checked against the paper here).
#   The cell is a = sqrt(2) a_c, c = 2 a_c with the cubic a_c above: the small tetragonal strain
#   is left out. This is a model of the phase built from the rotation angle, not a diffraction
#   refinement (none could be retrieved while writing this).

_SRTIO3_A = 3.9053
_SRTIO3_TILT_DEG = 2.0


def _srtio3_cubic() -> "ase.Atoms":
    from ase import Atoms

    return Atoms(
        "TiSrO3",
        scaled_positions=[(0, 0, 0), (0.5, 0.5, 0.5), (0.5, 0, 0), (0, 0.5, 0), (0, 0, 0.5)],
        cell=np.eye(3) * _SRTIO3_A,
        pbc=True,
    )


def _srtio3_tetragonal() -> "ase.Atoms":
    from ase.spacegroup import crystal

    x = 0.25 - np.tan(np.radians(_SRTIO3_TILT_DEG)) / 4
    a = np.sqrt(2.0) * _SRTIO3_A
    atoms = crystal(["Sr", "Ti", "O", "O"], basis=[(0, 0.5, 0.25), (0, 0, 0), (0, 0, 0.25), (x, x + 0.5, 0)],
                    spacegroup=140, cellpar=[a, a, 2 * _SRTIO3_A, 90, 90, 90])
    atoms.info.pop("spacegroup", None)
    return atoms


# CaTiO3, orthorhombic Pnma (No. 62) at room temperature, given in the Pbnm setting of the paper:
#   T. Yamanaka, M. Hirai and Y. Komatsu, "Structure change of Ca1-xSrxTiO3 perovskite with
#   composition and pressure", American Mineralogist 87, 1183-1189 (2002), sample x = 0
#   (AMCSD 0002890). a, b, c = 5.4043, 5.4224, 7.6510 Å; Ca 4c (0.99160, 0.01230, 1/4),
#   Ti 4b (1/2, 0, 0), O1 4c (0.0586, 0.4687, 1/4), O2 8d (0.7130, 0.2880, 0.0371).
#   The eight operations of Pbnm are written out below because ase.spacegroup knows only the
#   standard (Pnma) setting of No. 62.
# Parent: cubic Pm-3m with the same volume per formula unit and Ti at the origin (a = 3.8270 Å).
#   Cubic CaTiO3 exists only above ~1600 K; a parent of the child's own volume is the usual choice
#   of symmetry-mode analyses, and the volume change would be a GM1+ strain, not a mode.

_CATIO3_CELL = (5.4043, 5.4224, 7.6510)
_CATIO3_SITES = (("Ca", (0.99160, 0.01230, 0.25)), ("Ti", (0.5, 0.0, 0.0)), ("O", (0.0586, 0.4687, 0.25)),
                 ("O", (0.7130, 0.2880, 0.0371)))
_PBNM_OPERATIONS = (  # (sign of x, y, z), shift: x,y,z; x,y,1/2-z; -x,-y,1/2+z; 1/2+x,1/2-y,1/2+z; ...
    ((1, 1, 1), (0, 0, 0)), ((1, 1, -1), (0, 0, 0.5)), ((-1, -1, 1), (0, 0, 0.5)),
    ((1, -1, 1), (0.5, 0.5, 0.5)), ((-1, 1, -1), (0.5, 0.5, 0.5)), ((-1, 1, 1), (0.5, 0.5, 0)),
    ((1, -1, -1), (0.5, 0.5, 0)), ((-1, -1, -1), (0, 0, 0)),
)


def _catio3_orthorhombic() -> "ase.Atoms":
    from ase import Atoms

    symbols: list[str] = []
    frac: list[np.ndarray] = []
    for symbol, site in _CATIO3_SITES:
        for signs, shift in _PBNM_OPERATIONS:
            p = (np.multiply(signs, site) + shift) % 1.0
            seen = any(s == symbol and np.allclose(np.minimum(abs(p - q), 1 - abs(p - q)), 0, atol=1e-6)
                       for s, q in zip(symbols, frac))
            if not seen:
                symbols.append(symbol)
                frac.append(p)
    return Atoms(symbols, scaled_positions=frac, cell=np.diag(_CATIO3_CELL), pbc=True)


def _catio3_cubic() -> "ase.Atoms":
    from ase import Atoms

    a = (np.prod(_CATIO3_CELL) / 4) ** (1 / 3)
    return Atoms("TiCaO3", scaled_positions=[(0, 0, 0), (0.5, 0.5, 0.5), (0.5, 0, 0), (0, 0.5, 0), (0, 0, 0.5)],
                 cell=np.eye(3) * a, pbc=True)


BUILTIN_STRUCTURES: dict[str, tuple[Callable[[], "ase.Atoms"], str]] = {
    "BaTiO3-cubic": (_batio3_cubic, "paraelectric BaTiO3, Pm-3m, a = 4.00 Å (Landolt-Börnstein III/3)"),
    "BaTiO3-tetragonal": (
        _batio3_tetragonal,
        "ferroelectric BaTiO3 at room temperature, P4mm, c along z (Buttner & Maslen 1992)",
    ),
    "SrTiO3-cubic": (_srtio3_cubic, "SrTiO3 at room temperature, Pm-3m, a = 3.9053 Å, Ti at the origin"),
    "SrTiO3-tetragonal": (
        _srtio3_tetragonal,
        "SrTiO3 below 105 K, I4/mcm, octahedra rotated 2.0° about c (a0a0c-), cubic cell sqrt2 x sqrt2 x 2",
    ),
    "CaTiO3-cubic": (_catio3_cubic, "cubic CaTiO3 of the orthorhombic phase's volume, Pm-3m, a = 3.8270 Å, Ti at the origin"),
    "CaTiO3-orthorhombic": (
        _catio3_orthorhombic,
        "CaTiO3 at room temperature, Pnma (Pbnm setting), a-a-c+ (Yamanaka, Hirai & Komatsu 2002)",
    ),
}


def builtin_structure(name: str) -> "ase.Atoms":
    """A fresh copy of one of :data:`BUILTIN_STRUCTURES`, by name."""
    if name not in BUILTIN_STRUCTURES:
        raise ValueError(
            f"unknown structure {name!r}: expected a built-in name ({', '.join(BUILTIN_STRUCTURES)}) "
            "or a structure file ASE can read (CIF, POSCAR/CONTCAR, extxyz, ...)"
        )
    atoms = BUILTIN_STRUCTURES[name][0]()
    atoms.info["name"] = name
    return atoms


def load_structure(spec: Any, name: str | None = None) -> "ase.Atoms":
    """A periodic structure from a built-in name, a file ASE reads, or an :class:`ase.Atoms`.

    Parameters
    ----------
    spec : str, Path or ase.Atoms
        Built-in name (:data:`BUILTIN_STRUCTURES`), path (the format is guessed by ASE from
        the name and contents; the last frame of a trajectory is used) or an ``Atoms`` (copied).
    name : str, optional
        Stored in ``atoms.info["name"]`` (default: the built-in name or the path).

    Raises
    ------
    ValueError
        For an unknown name, a missing or unreadable file, or a structure that is not
        periodic in all three directions, has a singular cell, or has no atoms.
    """
    from ase import Atoms

    if isinstance(spec, Atoms):
        atoms = spec.copy()
        label = name or atoms.info.get("name") or atoms.get_chemical_formula()
    elif isinstance(spec, (str, Path)):
        text = str(spec)
        if text in BUILTIN_STRUCTURES:
            atoms = builtin_structure(text)
            label = name or text
        elif Path(text).is_file():
            import ase.io

            try:
                atoms = ase.io.read(text, index=-1)
            except Exception as error:  # ASE raises many kinds; report them as one
                raise ValueError(f"{text}: cannot read as a structure ({type(error).__name__}: {error})") from None
            if not isinstance(atoms, Atoms):  # pragma: no cover (index=-1 gives one frame)
                raise ValueError(f"{text}: expected one structure")
            label = name or text
        elif not Path(text).suffix and not Path(text).parent.name:
            builtin_structure(text)  # an unknown name: raises, listing the built-in names
            raise AssertionError  # pragma: no cover
        else:
            raise ValueError(f"{text}: no such file")
    else:
        raise ValueError(f"expected a built-in name, a file path or an ase.Atoms, got {type(spec).__name__}")
    _check_periodic(atoms, label)
    _check_ordered(atoms, label)
    atoms.info["name"] = str(label)
    return atoms


def _check_ordered(atoms: "ase.Atoms", label: str) -> None:
    """Refuse partially occupied sites: ASE keeps one species per such site (the occupancies go to
    ``info["occupancy"]``), which would otherwise surface later as a wrong composition."""
    occupancy = atoms.info.get("occupancy")
    if not isinstance(occupancy, dict):
        return
    for site, fractions in occupancy.items():
        if not isinstance(fractions, dict):
            continue
        if len(fractions) > 1 or any(abs(float(f) - 1.0) > 1e-3 for f in fractions.values()):
            text = ", ".join(f"{species} {float(f):g}" for species, f in fractions.items())
            raise ValueError(
                f"{label}: site {site} is partially occupied ({text}); symmetry modes and matching need an "
                "ordered structure (one species per site, occupancy 1): give an ordered supercell of it"
            )


def _check_periodic(atoms: "ase.Atoms", label: str) -> None:
    if len(atoms) == 0:
        raise ValueError(f"{label}: the structure has no atoms")
    if not all(atoms.pbc):
        raise ValueError(
            f"{label}: the structure must be periodic in all three directions (pbc={atoms.pbc.tolist()}); "
            "a file without a lattice (plain xyz) cannot be used as a crystal"
        )
    cell = np.asarray(atoms.cell.array)
    if not np.isfinite(cell).all() or abs(np.linalg.det(cell)) < 1e-6 * max(np.abs(cell).max(), 1e-12) ** 3:
        raise ValueError(f"{label}: the cell is singular or not finite: {cell.tolist()}")
    if not np.isfinite(atoms.positions).all():
        raise ValueError(f"{label}: positions must be finite numbers")


# ----------------------------------------------------------------------------- matching


@dataclasses.dataclass(frozen=True)
class StructureMatch:
    """Atoms of a source structure paired with those of a target.

    Attributes
    ----------
    source : ase.Atoms
        The source, unchanged.
    target : ase.Atoms
        The target as given.
    permutation : np.ndarray, shape ``(N,)``
        ``permutation[i]`` is the index in ``target`` of the atom matched to source atom ``i``.
    displacements : np.ndarray, shape ``(N, 3)``
        Displacement of every source atom (Å, Cartesian, source frame), homogeneous strain
        removed (target fractional coordinates placed in the source cell), nearest periodic
        image, net translation removed (see ``translation``).
    strain : np.ndarray, shape ``(3, 3)``
        Symmetric Biot strain :math:`P - I` taking the source cell onto the target cell in
        the source frame (zeros when the lattices agree).
    rotation : np.ndarray, shape ``(3, 3)``
        Proper rotation taking the target's Cartesian frame to the source's: a target vector
        ``v`` (row) is ``v @ rotation`` in the source frame.
    lattice_map : np.ndarray of int, shape ``(3, 3)``
        Rows: the target lattice vectors, as integer combinations of ``target.cell`` rows,
        that correspond to the source's ``cell`` rows.
    translation : np.ndarray, shape ``(3,)``
        The uniform displacement removed (Å, source frame).
    translation_mode : str
        ``"mean"`` (mean displacement zero) or ``"mass"`` (centre of mass fixed).
    """

    source: Any
    target: Any
    permutation: np.ndarray
    displacements: np.ndarray
    strain: np.ndarray
    rotation: np.ndarray
    lattice_map: np.ndarray
    translation: np.ndarray
    translation_mode: str

    @property
    def cells_differ(self) -> bool:
        """Whether the homogeneous strain is nonzero (above 1e-8)."""
        return bool(np.abs(self.strain).max() > 1e-8)

    @property
    def max_displacement(self) -> float:
        """Largest displacement length (Å)."""
        return float(np.linalg.norm(self.displacements, axis=1).max())

    def target_in_source_frame(self) -> "ase.Atoms":
        """The target rotated into the source frame, atoms in the source's order:
        cell ``A (I + ε)``, positions ``(x_source + u) (I + ε)``."""
        from ase import Atoms

        deform = np.eye(3) + self.strain
        return Atoms(
            numbers=self.source.numbers,
            positions=(self.source.positions + self.displacements) @ deform,
            cell=self.source.cell.array @ deform,
            pbc=True,
        )


def _composition(atoms: "ase.Atoms") -> dict[int, int]:
    numbers, counts = np.unique(atoms.numbers, return_counts=True)
    return dict(zip(numbers.tolist(), counts.tolist()))


def _unimodular_matrices() -> np.ndarray:
    entries = np.array(list(itertools.product((-1, 0, 1), repeat=9)), dtype=np.int64).reshape(-1, 3, 3)
    det = np.rint(np.linalg.det(entries)).astype(np.int64)
    return entries[np.abs(det) == 1]


_UNIMODULAR = _unimodular_matrices()


def _lattice_candidates(source_cell: np.ndarray, target_cell: np.ndarray, max_strain: float, tol: float):
    """Integer maps ``M`` (target cell rows → rows matching the source cell) with minimal strain,
    each with its strain, rotation and rotation angle; sorted by angle."""
    from ase.geometry import minkowski_reduce

    reduced_s, op_s = minkowski_reduce(source_cell)
    reduced_t, op_t = minkowski_reduce(target_cell)
    inv_reduced_s = np.linalg.inv(reduced_s)
    # X = A_r^{-1} M B_r for every unimodular M
    xs = np.einsum("ij,njk,kl->nil", inv_reduced_s, _UNIMODULAR.astype(np.float64), reduced_t)
    proper = np.linalg.det(xs) > 0
    ms, xs = _UNIMODULAR[proper], xs[proper]
    u, sigma, vt = np.linalg.svd(xs)
    strain_norm = np.sqrt(np.sum((sigma - 1.0) ** 2, axis=1))
    best = strain_norm.min()
    if best > max_strain:
        raise ValueError(
            f"the lattices cannot be matched: the smallest strain that maps the target cell onto the "
            f"source cell has norm {best:.3g} > max_strain = {max_strain:g} (different crystals, "
            "different supercells, or a cell that is not a multiple of the source's)"
        )
    keep = np.flatnonzero(strain_norm <= best + tol)
    out = []
    inv_op_s = np.linalg.inv(op_s)
    for k in keep:
        # polar decomposition X = P W: P = U S U^T, W = U V^T (proper since det X > 0)
        w = u[k] @ vt[k]
        p = u[k] @ np.diag(sigma[k]) @ u[k].T
        # back to the unreduced cells: A = op_s^{-1} A_r, B' = op_s^{-1} M B_r = op_s^{-1} M op_t B
        lattice_map = np.rint(inv_op_s @ ms[k] @ op_t).astype(np.int64)
        angle = float(np.arccos(np.clip((np.trace(w) - 1.0) / 2.0, -1.0, 1.0)))
        # P is expressed in Cartesian coordinates, so it is the same for reduced and unreduced cells
        out.append({"lattice_map": lattice_map, "strain": 0.5 * (p + p.T) - np.eye(3),
                    "rotation": w.T, "angle": angle})
    out.sort(key=lambda c: c["angle"])
    return out


_IMAGE_OFFSETS = np.array(list(itertools.product((-1, 0, 1), repeat=3)), dtype=np.float64)


def _match_atoms(source: "ase.Atoms", frac_target: np.ndarray, numbers_target: np.ndarray):
    """Pair atoms (same species) by nearest periodic images, trying every origin shift.

    Returns (cost, permutation, displacements before translation removal, ratio of each atom's
    displacement to the distance to its next candidate).
    """
    from scipy.optimize import linear_sum_assignment

    cell = source.cell.array
    frac_source = source.get_scaled_positions(wrap=False)
    species, counts = np.unique(source.numbers, return_counts=True)
    rare = species[np.argmin(counts)]
    anchor = int(np.flatnonzero(source.numbers == rare)[0])
    offsets = _IMAGE_OFFSETS
    best = None
    for j0 in np.flatnonzero(numbers_target == rare):
        shift = frac_target[j0] - frac_source[anchor]
        delta = frac_target[None, :, :] - shift - frac_source[:, None, :]  # (Ns, Nt, 3)
        delta -= np.rint(delta)
        images = delta[:, :, None, :] + offsets[None, None]  # (Ns, Nt, 27, 3)
        dist = np.linalg.norm(images @ cell, axis=-1)  # (Ns, Nt, 27)
        order = np.argsort(dist, axis=-1)
        nearest = np.take_along_axis(dist, order[..., :1], -1)[..., 0]
        second = np.take_along_axis(dist, order[..., 1:2], -1)[..., 0]
        permutation = np.empty(len(source), dtype=np.int64)
        cost = 0.0
        for z in species:
            rows = np.flatnonzero(source.numbers == z)
            cols = np.flatnonzero(numbers_target == z)
            r, c = linear_sum_assignment(nearest[np.ix_(rows, cols)] ** 2)
            permutation[rows[r]] = cols[c]
            cost += float(np.sum(nearest[rows[r], cols[c]] ** 2))
        if best is not None and cost >= best[0] - 1e-12:
            continue
        idx = np.arange(len(source))
        chosen = order[idx, permutation, 0]
        frac_disp = images[idx, permutation, chosen]
        d1 = nearest[idx, permutation]
        # next candidate: another image of the same atom, or the nearest other atom of the species
        other = np.where(source.numbers[:, None] == numbers_target[None, :], nearest, np.inf)
        other[idx, permutation] = np.inf
        d2 = np.minimum(second[idx, permutation], other.min(axis=1))
        ratio = d1 / np.maximum(d2, 1e-300)
        best = (cost, permutation, frac_disp @ cell, ratio)
    return best


def match_structures(
    source: Any,
    target: Any,
    *,
    translation: str = "mean",
    max_strain: float = 0.15,
    ambiguity: float = 0.5,
    lattice_tol: float = 1e-3,
) -> StructureMatch:
    """Pair the atoms of ``source`` with those of ``target``; displacements and strain.

    Parameters
    ----------
    source, target : ase.Atoms, str or Path
        Anything :func:`load_structure` accepts. Same composition and number of atoms (build
        the same supercell of both when one is a supercell of the other).
    translation : {"mean", "mass"}
        The uniform displacement removed: mean displacement zero, or centre of mass fixed.
    max_strain : float
        Largest Frobenius norm of the strain accepted when matching the lattices.
    ambiguity : float
        An atom's match is ambiguous (error) when its displacement is longer than
        ``ambiguity`` × the distance to the next candidate (another image or atom of its species).
    lattice_tol : float
        Lattice correspondences whose strain norm is within this of the smallest are ties
        (orientation domains); the one with the rotation closest to the identity is used.

    Returns
    -------
    StructureMatch

    Raises
    ------
    ValueError
        Different composition or atom count, unmatched lattices, ambiguous atom match.
    """
    source = load_structure(source)
    target = load_structure(target)
    if translation not in ("mean", "mass"):
        raise ValueError(f"translation must be 'mean' or 'mass', got {translation!r}")
    comp_s, comp_t = _composition(source), _composition(target)
    if comp_s != comp_t:
        from ase.formula import Formula

        fs, ft = Formula.from_list(source.get_chemical_symbols()), Formula.from_list(target.get_chemical_symbols())
        if set(comp_s) == set(comp_t) and fs.reduce()[0] == ft.reduce()[0]:
            raise ValueError(
                f"source ({source.info['name']}, {fs}, {len(source)} atoms) and target "
                f"({target.info['name']}, {ft}, {len(target)} atoms) have the same composition but "
                "different numbers of atoms: build the same supercell of both (e.g. atoms.repeat((2, 2, 2)))"
            )
        raise ValueError(
            f"source ({source.info['name']}, {fs}) and target ({target.info['name']}, {ft}) have "
            "different compositions; their atoms cannot be matched"
        )

    candidates = _lattice_candidates(source.cell.array, target.cell.array, max_strain, lattice_tol)
    best = None
    for cand in candidates:
        if best is not None and cand["angle"] > best[0]["angle"] + 1e-6:
            break  # sorted by angle: only exact angle ties compete on the matching cost
        target_basis = cand["lattice_map"] @ target.cell.array  # B', target frame
        frac_target = target.positions @ np.linalg.inv(target_basis)
        result = _match_atoms(source, frac_target, target.numbers)
        if best is None or result[0] < best[1][0] - 1e-12:
            best = (cand, result)
    cand, (cost, permutation, displacements, ratio) = best
    worst = int(np.argmax(ratio))
    if ratio[worst] > ambiguity:
        raise ValueError(
            f"ambiguous match: source atom {worst} ({source.get_chemical_symbols()[worst]}) is displaced by "
            f"{np.linalg.norm(displacements[worst]):.3g} Å, not clearly less than the distance to the next "
            f"candidate of its species ({np.linalg.norm(displacements[worst]) / ratio[worst]:.3g} Å); "
            "the displacements are too large for a nearest-image match"
        )
    if translation == "mean":
        shift = displacements.mean(axis=0)
    else:
        masses = source.get_masses()
        shift = masses @ displacements / masses.sum()
    return StructureMatch(
        source=source,
        target=target,
        permutation=permutation,
        displacements=displacements - shift,
        strain=cand["strain"],
        rotation=cand["rotation"],
        lattice_map=cand["lattice_map"],
        translation=shift,
        translation_mode=translation,
    )
