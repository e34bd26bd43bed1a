"""Data for learning tensor properties: EMT elastic tensors made on the fly, or the user's own.

**Elastic tensors from EMT.** For a cell with deformation gradient :math:`F = I + \\varepsilon`
(symmetric :math:`\\varepsilon`, positions scaled with the cell), ASE's stress is
:math:`\\sigma = V^{-1}\\,\\partial E / \\partial \\varepsilon` at the current state. The elastic
tensor reported is the strain-energy Hessian per reference volume,

.. math:: C_{ijkl} = \\frac{1}{V_0}\\frac{\\partial^2 E}{\\partial\\varepsilon_{ij}\\,\\partial\\varepsilon_{kl}}
          = \\frac{\\partial\\sigma_{ij}}{\\partial\\varepsilon_{kl}} + \\sigma_{ij}\\delta_{kl}
          - \\operatorname{sym}_{(ij)(kl)}\\,\\sigma_{ik}\\delta_{jl},

which has the full index symmetry ``ijkl=jikl=klij`` even when the cell is under stress (the
random cells here are not relaxed, so they are); at zero stress it is :math:`\\partial\\sigma/
\\partial\\varepsilon`. :math:`\\partial\\sigma/\\partial\\varepsilon` is a central finite
difference with strain step ``step`` (default 1e-4); the same with ``2·step`` gives the
Richardson estimate of the truncation error, :math:`|C_h - C_{2h}|/3`, stored per structure.
Ions are **clamped** (the atoms follow the homogeneous strain, no internal relaxation): these
are clamped-ion constants, which obey the same Neumann constraints as relaxed-ion ones.

**Structures** (:func:`random_cell`): fcc, bcc or hcp cells of 1–8 atoms of the EMT metals
(Al, Ni, Cu, Pd, Ag, Pt, Au; bcc and hcp at the fcc volume per atom), random substitutional
alloys, random small strains. ``family="cubic"`` makes cubic structures only (pure fcc at a
random lattice scale, and ordered A3B alloys of the L1₂ type): the input of the pre-strain
experiment, whose targets are computed under a ``hidden_strain`` the structures do not show.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._atomic import atomic_write
from ..tensors import VOIGT_PAIRS, read_tensor, tensor_kind

__all__ = [
    "EMT_ELEMENTS",
    "ElasticDataSettings",
    "TensorDataset",
    "emt_elastic_tensor",
    "random_cell",
    "elastic_dataset",
    "read_tensor_data",
    "as_cartesian_tensor",
]

EMT_ELEMENTS = ("Al", "Ni", "Cu", "Pd", "Ag", "Pt", "Au")
"""The metals ASE's EMT calculator has parameters for."""

_DATA_VERSION = 1  # bump when the generation changes: it is part of the cache key


@dataclasses.dataclass(frozen=True)
class ElasticDataSettings:
    """How :func:`elastic_dataset` generates its cells and tensors (all of it keys the cache).

    Attributes
    ----------
    count : int
        Number of structures.
    seed : int
        Seed of the structure generator.
    family : {"mixed", "cubic"}
        ``"mixed"``: fcc/bcc/hcp cells of 1–8 atoms, alloyed with probability ``alloy_probability``
        and strained with probability ``strain_probability``. ``"cubic"``: pure fcc primitive
        cells (lattice scaled by a random factor within ±``max_strain``) and L1₂ A3B cells.
    elements : tuple of str
        Species to draw from (EMT metals only).
    max_strain : float
        Largest entry of the random symmetric strain.
    alloy_probability, strain_probability : float
    step : float
        Strain step of the central finite differences.
    hidden_strain : tuple of 6 floats or None
        Voigt strain (xx, yy, zz, yz, xz, xy; tensor shear components, no factor 2) applied to
        every cell **before** its tensor is computed; the stored structure is the unstrained one.
    """

    count: int = 300
    seed: int = 0
    family: str = "mixed"
    elements: tuple[str, ...] = EMT_ELEMENTS
    max_strain: float = 0.02
    alloy_probability: float = 0.5
    strain_probability: float = 0.5
    step: float = 1e-4
    hidden_strain: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.count, int) and self.count >= 1):
            raise ValueError(f"count must be an integer >= 1, got {self.count!r}")
        if self.family not in ("mixed", "cubic"):
            raise ValueError(f"family must be 'mixed' or 'cubic', got {self.family!r}")
        unknown = [e for e in self.elements if e not in EMT_ELEMENTS]
        if unknown or not self.elements:
            raise ValueError(f"elements must be EMT metals ({', '.join(EMT_ELEMENTS)}), got {list(self.elements)}")
        if self.family == "cubic" and len(self.elements) < 2:
            raise ValueError("family 'cubic' needs at least two elements (for the A3B alloys)")
        if not (0 <= self.max_strain < 0.2):
            raise ValueError(f"max_strain must be in [0, 0.2), got {self.max_strain!r}")
        if not (0 < self.step < 0.01):
            raise ValueError(f"step must be in (0, 0.01), got {self.step!r}")
        if self.hidden_strain is not None and len(self.hidden_strain) != 6:
            raise ValueError(f"hidden_strain must be 6 Voigt numbers, got {self.hidden_strain!r}")

    def key(self) -> str:
        """Hash of the settings and the generator's version: the cache file's name."""
        text = json.dumps({**dataclasses.asdict(self), "version": _DATA_VERSION}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass
class TensorDataset:
    """Structures and one property tensor each, in the structures' own Cartesian frame.

    Attributes
    ----------
    structures : list of ase.Atoms
    tensors : ndarray, (n, 3, ..., 3)
        Cartesian tensors (GPa for EMT elastic tensors; the user's units otherwise).
    kind : str
        Tensor kind (``"elastic"``, ``"dielectric"``, ``"piezoelectric"``).
    errors : ndarray (n,) or None
        Finite-difference error estimate of each tensor (largest entry), when known.
    source : str
        Where the data came from (settings hash or file).
    seconds : float
        Time the tensors took to compute (0 when read from cache or a file).
    """

    structures: list[Any]
    tensors: np.ndarray
    kind: str
    errors: np.ndarray | None = None
    source: str = ""
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.structures)

    def subset(self, indices: Sequence[int]) -> "TensorDataset":
        """The structures at ``indices``, in that order."""
        idx = np.asarray(indices, dtype=int)
        return TensorDataset([self.structures[i] for i in idx], self.tensors[idx], self.kind,
                             None if self.errors is None else self.errors[idx], self.source, 0.0)

    @property
    def voigt(self) -> np.ndarray:
        """Elastic tensors as ``(n, 6, 6)`` Voigt matrices (stiffness convention, no factors)."""
        if self.kind != "elastic":
            raise ValueError(f"voigt: defined here for elastic tensors, this dataset holds {self.kind!r}")
        return tensor_kind("elastic").to_voigt(self.tensors)

    @property
    def irreps(self) -> np.ndarray:
        """Irreps coefficients ``(n, dim)`` of the tensors (e3nn's ``CartesianTensor`` basis)."""
        return tensor_kind(self.kind).from_cartesian(self.tensors)


# ----------------------------------------------------------------------------- EMT tensors


def _strained(atoms, strain: np.ndarray):
    """A copy with cell rows ``a' = (I + ε) a`` and positions scaled with the cell."""
    copy = atoms.copy()
    copy.set_cell(atoms.cell.array @ (np.eye(3) + strain).T, scale_atoms=True)
    return copy


def _stress(atoms, strain: np.ndarray) -> np.ndarray:
    from ase.calculators.emt import EMT

    copy = _strained(atoms, strain)
    copy.calc = EMT()
    return copy.get_stress(voigt=False)


def _stress_derivative(atoms, step: float) -> np.ndarray:
    """:math:`\\partial\\sigma_{ij}/\\partial\\varepsilon_{kl}` (eV/Å³), central differences."""
    derivative = np.zeros((3, 3, 3, 3))
    for k, l in VOIGT_PAIRS:
        strain = np.zeros((3, 3))
        strain[k, l] = strain[l, k] = step if k == l else step / 2
        # a shear step puts h/2 in ε_kl and in ε_lk: dσ_ij = (C_ijkl + C_ijlk) h/2 = C_ijkl h
        value = (_stress(atoms, strain) - _stress(atoms, -strain)) / (2 * step)
        derivative[:, :, k, l] = derivative[:, :, l, k] = value
    return derivative


def emt_elastic_tensor(atoms, step: float = 1e-4) -> tuple[np.ndarray, float]:
    """Clamped-ion elastic tensor of ``atoms`` with ASE's EMT calculator (see the module docstring).

    Parameters
    ----------
    atoms : ase.Atoms
        Periodic cell of EMT metals (it is not modified).
    step : float
        Strain step of the central differences.

    Returns
    -------
    (tensor, error) : ((3, 3, 3, 3) ndarray, float)
        :math:`C_{ijkl}` in GPa (exactly symmetric under ``ijkl=jikl=klij``: the finite-difference
        asymmetry is averaged out) and the Richardson error estimate :math:`\\max|C_h - C_{2h}|/3`
        (GPa) plus that asymmetry.
    """
    from ase.units import GPa

    stress = _stress(atoms, np.zeros((3, 3)))
    eye = np.eye(3)
    correction = (np.einsum("ij,kl->ijkl", stress, eye)
                  - 0.25 * (np.einsum("ik,jl->ijkl", stress, eye) + np.einsum("jk,il->ijkl", stress, eye)
                            + np.einsum("il,jk->ijkl", stress, eye) + np.einsum("jl,ik->ijkl", stress, eye)))
    fine = _stress_derivative(atoms, step) + correction
    coarse = _stress_derivative(atoms, 2 * step) + correction
    symmetric = 0.5 * (fine + fine.transpose(2, 3, 0, 1))
    error = np.abs(fine - coarse).max() / 3 + np.abs(fine - symmetric).max()
    return symmetric / GPa, float(error / GPa)


# ----------------------------------------------------------------------------- structures


def _fcc_volume(element: str) -> float:
    """Volume per atom (Å³) of the element's reference fcc lattice (ASE's table)."""
    from ase.data import atomic_numbers, reference_states

    state = reference_states[atomic_numbers[element]]
    return state["a"] ** 3 / 4


def _lattice_cell(lattice: str, variant: int, volume: float):
    """A cell of ``lattice`` at ``volume`` Å³ per atom; ``variant`` picks the size (1–8 atoms)."""
    from ase.build import bulk

    if lattice == "fcc":
        a = (4 * volume) ** (1 / 3)
        cells = [lambda: bulk("Cu", "fcc", a=a), lambda: bulk("Cu", "fcc", a=a, orthorhombic=True),
                 lambda: bulk("Cu", "fcc", a=a, cubic=True), lambda: bulk("Cu", "fcc", a=a, cubic=True) * (1, 1, 2)]
    elif lattice == "bcc":
        a = (2 * volume) ** (1 / 3)
        cells = [lambda: bulk("Cu", "bcc", a=a), lambda: bulk("Cu", "bcc", a=a, cubic=True),
                 lambda: bulk("Cu", "bcc", a=a, cubic=True) * (1, 1, 2),
                 lambda: bulk("Cu", "bcc", a=a, cubic=True) * (2, 2, 1)]
    else:  # hcp with the ideal c/a: volume per atom a³/√2
        a = (np.sqrt(2) * volume) ** (1 / 3)
        cells = [lambda: bulk("Cu", "hcp", a=a), lambda: bulk("Cu", "hcp", a=a, orthorhombic=True),
                 lambda: bulk("Cu", "hcp", a=a) * (1, 1, 2), lambda: bulk("Cu", "hcp", a=a) * (2, 1, 1)]
    return cells[variant % len(cells)]()


def random_cell(rng: np.random.Generator, settings: ElasticDataSettings = ElasticDataSettings()):
    """One random structure of ``settings.family`` (see :class:`ElasticDataSettings`)."""
    elements = list(settings.elements)
    if settings.family == "cubic":
        host = str(rng.choice(elements))
        if rng.random() < 0.5:  # pure fcc, primitive cell, random lattice scale
            atoms = _lattice_cell("fcc", 0, _fcc_volume(host) * (1 + rng.uniform(-1, 1) * settings.max_strain) ** 3)
            atoms.set_chemical_symbols([host])
        else:  # L1₂ A3B: B on the cube corner, A on the face centres (Pm-3m)
            minority = str(rng.choice([e for e in elements if e != host]))
            volume = (3 * _fcc_volume(host) + _fcc_volume(minority)) / 4
            atoms = _lattice_cell("fcc", 2, volume)
            atoms.set_chemical_symbols([minority, host, host, host])
        atoms.info["name"] = atoms.get_chemical_formula()
        return atoms

    lattice = str(rng.choice(["fcc", "bcc", "hcp"]))
    host = str(rng.choice(elements))
    atoms = _lattice_cell(lattice, int(rng.integers(4)), 1.0)
    symbols = [host] * len(atoms)
    if rng.random() < settings.alloy_probability and len(elements) > 1:
        fraction = rng.uniform(0.1, 0.5)
        for i in range(len(atoms)):
            if rng.random() < fraction:
                symbols[i] = str(rng.choice([e for e in elements if e != host]))
    # Vegard's law: the mean of the species' volumes per atom
    volume = float(np.mean([_fcc_volume(s) for s in symbols]))
    atoms.set_cell(atoms.cell.array * volume ** (1 / 3), scale_atoms=True)
    atoms.set_chemical_symbols(symbols)
    if rng.random() < settings.strain_probability and settings.max_strain > 0:
        strain = rng.uniform(-1, 1, size=(3, 3)) * settings.max_strain
        atoms = _strained(atoms, 0.5 * (strain + strain.T))
    atoms.info["name"] = f"{lattice} {atoms.get_chemical_formula()}"
    return atoms


def _voigt_strain(values: Sequence[float]) -> np.ndarray:
    strain = np.zeros((3, 3))
    for value, (i, j) in zip(values, VOIGT_PAIRS):
        strain[i, j] = strain[j, i] = value
    return strain


# ----------------------------------------------------------------------------- the dataset


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/symbreak/tensors`` (``~/.cache/symbreak/tensors``), read at call time."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "symbreak" / "tensors"


def elastic_dataset(
    settings: ElasticDataSettings = ElasticDataSettings(),
    cache_dir: str | Path | None = None,
    *,
    cache: bool = True,
    progress: bool = False,
) -> TensorDataset:
    """EMT elastic tensors of ``settings.count`` random cells, computed once and cached.

    The cache file ``elastic-<hash>.npz`` (hash of the settings, :meth:`ElasticDataSettings.key`)
    is written atomically in ``cache_dir`` (default :func:`default_cache_dir`); a later call
    with the same settings reads it. ``progress`` shows a rich progress bar.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"elastic-{settings.key()}.npz"
    if cache and path.is_file():
        return _read_cache(path)

    rng = np.random.default_rng(settings.seed)
    structures = [random_cell(rng, settings) for _ in range(settings.count)]
    hidden = None if settings.hidden_strain is None else _voigt_strain(settings.hidden_strain)
    tensors = np.zeros((settings.count, 3, 3, 3, 3))
    errors = np.zeros(settings.count)
    started = time.perf_counter()
    for n in _progress(range(settings.count), progress, "EMT elastic tensors"):
        atoms = structures[n] if hidden is None else _strained(structures[n], hidden)
        tensors[n], errors[n] = emt_elastic_tensor(atoms, settings.step)
    seconds = time.perf_counter() - started
    data = TensorDataset(structures, tensors, "elastic", errors, f"EMT {settings.key()}", seconds)
    if cache:
        _write_cache(path, data, settings)
    return data


def _progress(iterable, show: bool, description: str):
    if not show:
        return iterable
    from rich.progress import track

    return track(iterable, description=description, transient=True)


def _write_cache(path: Path, data: TensorDataset, settings: ElasticDataSettings) -> None:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        counts=np.array([len(a) for a in data.structures]),
        numbers=np.concatenate([a.numbers for a in data.structures]),
        positions=np.concatenate([a.positions for a in data.structures]),
        cells=np.stack([a.cell.array for a in data.structures]),
        names=np.array([a.info.get("name", "") for a in data.structures]),
        tensors=data.tensors,
        errors=data.errors,
        seconds=np.array(data.seconds),
        settings=np.array(json.dumps(dataclasses.asdict(settings))),
    )
    atomic_write(path, lambda handle: handle.write(buffer.getvalue()))


def _read_cache(path: Path) -> TensorDataset:
    from ase import Atoms

    with np.load(path, allow_pickle=False) as stored:
        ends = np.cumsum(stored["counts"])
        starts = ends - stored["counts"]
        structures = []
        for n, (a, b) in enumerate(zip(starts, ends)):
            atoms = Atoms(numbers=stored["numbers"][a:b], positions=stored["positions"][a:b],
                          cell=stored["cells"][n], pbc=True)
            atoms.info["name"] = str(stored["names"][n])
            structures.append(atoms)
        return TensorDataset(structures, stored["tensors"].copy(), "elastic", stored["errors"].copy(),
                             f"cache {path.name}", float(stored["seconds"]))


# ----------------------------------------------------------------------------- the user's data


def as_cartesian_tensor(values: Any, kind: str, label: str = "tensor", symmetry_tol: float = 1e-3) -> np.ndarray:
    """The Cartesian tensor of ``kind`` from the ways users store it, validated.

    Accepted: the Cartesian array ``(3, ..., 3)`` or the Voigt form (``6x6`` elastic in the
    stiffness convention, ``3x6`` piezoelectric, ``6`` for a symmetric rank-2 tensor), also
    flattened (extxyz and ASE databases may store flat arrays). It must be finite and have the
    kind's index symmetry within ``symmetry_tol`` of its norm (:func:`symbreak.tensors.read_tensor`);
    that small remainder is projected away.

    Raises
    ------
    ValueError
        One line, starting with ``label``.
    """
    kind = tensor_kind(kind)
    raw = values.detach().cpu().numpy() if hasattr(values, "detach") else values
    try:
        array = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{label}: the {kind.name} tensor is not an array of numbers ({type(values).__name__})") from None
    if array.ndim == 1:
        voigt = kind.voigt_shape
        if voigt is not None and array.size == int(np.prod(voigt)):
            array = array.reshape(voigt)
        elif array.size == 3**kind.rank:
            array = array.reshape(kind.shape)
    try:
        _, _, cartesian = read_tensor(kind, array, index_rtol=symmetry_tol)
    except ValueError as error:
        raise ValueError(f"{label}: {error}") from None
    return kind.to_cartesian(kind.from_cartesian(cartesian))


def read_tensor_data(path: str | Path, key: str, kind: str = "elastic", *, symmetry_tol: float = 1e-3) -> TensorDataset:
    """Structures with a tensor in ``atoms.info[key]`` from an ASE database (``.db``) or extxyz.

    Every structure must be periodic and carry the tensor (:func:`as_cartesian_tensor`
    formats); an error names the first structure that does not.
    """
    import ase.io

    path = Path(path)
    kind = tensor_kind(kind).name
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".db":
            # ase.io.read drops a row's data and key-value pairs: read the database itself
            from ase.db import connect

            structures = []
            for row in connect(path).select():
                atoms = row.toatoms()
                atoms.info.update(row.key_value_pairs)
                atoms.info.update(row.data)
                structures.append(atoms)
        else:
            structures = ase.io.read(path, index=":")
    except Exception as error:  # ASE raises many kinds; one line for all
        raise ValueError(f"{path}: cannot read structures ({type(error).__name__}: {error})") from None
    if not structures:
        raise ValueError(f"{path}: no structures in the file")
    tensors = []
    for n, atoms in enumerate(structures):
        label = f"{path.name}: structure {n} ({atoms.info.get('name', atoms.get_chemical_formula())})"
        info = atoms.info
        if key not in info:
            known = ", ".join(sorted(k for k in info if not k.startswith("_"))) or "none"
            raise ValueError(f"{label}: no key {key!r} in its info (keys: {known})")
        if not atoms.pbc.all():
            raise ValueError(f"{label}: must be periodic in all three directions, got pbc={atoms.pbc.tolist()}")
        tensors.append(as_cartesian_tensor(info[key], kind, label, symmetry_tol))
    return TensorDataset(list(structures), np.stack(tensors), kind, None, str(path), 0.0)
