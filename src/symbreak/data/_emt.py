"""Built-in datasets generated on the fly with ASE's EMT potential, cached on disk.

EMT (effective-medium theory; Jacobsen, Stoltze & Nørskov, Surf. Sci. 366, 394 (1996)) is
a cheap many-body potential for fcc metals shipped with ASE: it gives real energies and
forces (−∇E) in milliseconds, so a dataset of a few hundred structures is built in
seconds and a fit to it can be checked without any external file.

Structures: fcc cells of 1 to 8 atoms (primitive, conventional and small supercells),
each strained by a random symmetric strain (components up to ``max_strain``) and
rattled by Gaussian displacements of ``rattle`` Å; ``"emt-cuau"`` assigns Cu or Au to
each site at random (lattice constant by Vegard's rule).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["BUILTIN_DATASETS", "emt_structures", "builtin_dataset"]

#: name -> (elements, lattice constants Å): fcc Cu 3.61, Au 4.08.
BUILTIN_DATASETS = {"emt-cu": (("Cu",), (3.61,)), "emt-cuau": (("Cu", "Au"), (3.61, 4.08))}
_CELLS = (  # (primitive?, repetitions): atoms = 1 or 4 times the product
    (True, (1, 1, 1)), (True, (2, 1, 1)), (True, (2, 2, 1)), (True, (2, 2, 2)),
    (True, (3, 1, 1)), (False, (1, 1, 1)), (False, (2, 1, 1)),
)


def emt_structures(name: str = "emt-cu", count: int = 300, seed: int = 0, *,
                   max_strain: float = 0.04, rattle: float = 0.08) -> list:
    """``count`` rattled and strained fcc cells with EMT energy and forces in ``atoms.calc``.

    Parameters
    ----------
    name : {"emt-cu", "emt-cuau"}
    count : int
    seed : int
        Seeds the cells, strains, displacements and species.
    max_strain, rattle : float
        Largest strain component; standard deviation of the displacements (Å).
    """
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from ase.calculators.singlepoint import SinglePointCalculator

    if name not in BUILTIN_DATASETS:
        raise ValueError(f"unknown built-in dataset {name!r}: expected one of {', '.join(BUILTIN_DATASETS)}")
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    elements, constants = BUILTIN_DATASETS[name]
    rng = np.random.default_rng(seed)
    structures = []
    for _ in range(count):
        primitive, repeat = _CELLS[rng.integers(len(_CELLS))]
        symbols = rng.choice(elements, size=(1 if primitive else 4) * int(np.prod(repeat)))
        share = np.mean(symbols == elements[-1]) if len(elements) > 1 else 0.0
        a = (1 - share) * constants[0] + share * constants[-1]  # Vegard's rule
        atoms = bulk(elements[0], "fcc", a=a, cubic=not primitive).repeat(repeat)
        atoms.set_chemical_symbols(list(symbols))
        strain = rng.uniform(-max_strain, max_strain, (3, 3))
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + (strain + strain.T) / 2), scale_atoms=True)
        atoms.positions += rng.normal(0.0, rattle, atoms.positions.shape)
        atoms.calc = EMT()
        energy, forces = atoms.get_potential_energy(), atoms.get_forces()
        atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces)
        structures.append(atoms)
    return structures


def builtin_dataset(spec: str, cache_dir: str | Path | None = None, seed: int = 0) -> list:
    """The structures of a built-in dataset ``"emt-cu"``, ``"emt-cuau"`` or ``"emt-cu:N"``
    (N structures, default 300), read from ``cache_dir`` when generated before (extxyz,
    written atomically), generated and cached otherwise."""
    import io

    import ase.io

    from .._atomic import atomic_write_text

    name, _, number = spec.partition(":")
    try:
        count = int(number) if number else 300
    except ValueError:
        raise ValueError(f"{spec!r}: expected NAME or NAME:COUNT with an integer count") from None
    path = None if cache_dir is None else Path(cache_dir) / f"{name}-{count}-seed{seed}.extxyz"
    if path is not None and path.is_file():
        try:
            frames = ase.io.read(path, index=":")
            if len(frames) == count:
                return frames
        except Exception:  # a damaged cache is regenerated
            pass
    structures = emt_structures(name, count, seed)
    if path is not None:
        text = io.StringIO()
        ase.io.write(text, structures, format="extxyz")
        atomic_write_text(text.getvalue(), path)
    return structures
