r"""Pure translations of a crystal, and the part of a per-atom field that is periodic in them.

A structure given as a supercell of its parent (e.g. the cubic perovskite in a
√2×√2×2 cell, to compare it with a tilted phase) has more translations than its cell
vectors: every parent lattice vector inside the cell maps the structure onto itself.
A per-atom field :math:`u` (displacements) is *at Γ* (wavevector k = 0) when it is
invariant under all of them. Averaging over the group T of pure translations,

.. math:: u_\Gamma = \frac{1}{|T|} \sum_{t \in T} u \circ \pi_t,

projects onto the k = 0 part (:math:`\pi_t` the atom permutation of t); the rest lives
at wavevectors on or inside the Brillouin-zone boundary (octahedral tilts: R and M
points). A relaxed network whose θ is shared by every atom can only express the k = 0
part: θ is the same in every cell.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from ._optional import require

if TYPE_CHECKING:  # pragma: no cover
    import ase

__all__ = ["translation_permutations", "k_zero_part"]


def translation_permutations(atoms: "ase.Atoms", symprec: float = 1e-3) -> np.ndarray:
    """Atom permutations of the pure translations of a periodic structure, ``(|T|, N)``.

    Row ``t`` maps atom ``i`` to the atom at ``x_i + t`` (modulo the cell). The identity
    is always the first row. Found with spglib's symmetry operations whose rotation is
    the identity, at tolerance ``symprec`` (Å).
    """
    spglib = require("spglib", "crystal symmetry (space and point groups of structures)")
    cell = np.asarray(atoms.cell.array, dtype=np.float64)
    frac = atoms.get_scaled_positions(wrap=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        symmetry = spglib.get_symmetry((cell, frac, atoms.numbers), symprec=symprec)
    if symmetry is None:
        raise ValueError(f"spglib found no symmetry operations (symprec={symprec})")
    pure = [t for r, t in zip(symmetry["rotations"], symmetry["translations"]) if np.array_equal(r, np.eye(3))]
    rows = []
    for t in pure:
        moved = frac + t
        delta = moved[:, None, :] - frac[None, :, :]
        delta -= np.round(delta)
        distance = np.linalg.norm(delta @ cell, axis=-1)  # (N, N) Cartesian, minimum image
        distance[atoms.numbers[:, None] != atoms.numbers[None, :]] = np.inf
        image = distance.argmin(axis=1)
        if distance[np.arange(len(atoms)), image].max() > 10 * symprec or len(set(image)) != len(atoms):
            raise ValueError(f"a translation {np.round(t, 4)} found by spglib does not map the atoms "
                             f"onto themselves within {10 * symprec:g} Å")
        rows.append(image)
    rows.sort(key=lambda image: not np.array_equal(image, np.arange(len(atoms))))
    return np.array(rows, dtype=np.int64)


def k_zero_part(field: np.ndarray, permutations: np.ndarray) -> np.ndarray:
    r""":math:`u_\Gamma = \frac{1}{|T|}\sum_t u \circ \pi_t`, the part of a per-atom field
    ``(N, ...)`` that every pure translation leaves unchanged (see the module docstring)."""
    field = np.asarray(field, dtype=np.float64)
    total = np.zeros_like(field)
    for image in permutations:
        # (u ∘ π_t)_i: the value the translation brings to atom i from its preimage
        moved = np.empty_like(field)
        moved[image] = field
        total += moved
    return total / len(permutations)
