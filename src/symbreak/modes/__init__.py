"""Symmetry-mode analysis: a distortion or any per-atom field split into irreps of the parent space group.

The parent's space group acts on per-atom fields of a supercell through the finite quotient
``G / T_S`` (:mod:`.quotient`); its isotypic projectors give one mode subspace per k-star and small
irrep (:mod:`.isotypic`), labelled in the ISO-IR convention (:mod:`.labels`). The child is mapped
onto the parent supercell automatically (:mod:`.relation`); per-atom fields of a child file are read
by :mod:`.fields`. See ``docs/modes.md``.
"""

from .decompose import Mode, ModeDecomposition, decompose_distortion, decompose_field, strain_modes
from .fields import child_field
from .isotypic import ModeSpace, mode_spaces
from .quotient import SpaceGroupAction, invariant_supercell, lattice_points, parent_supercell
from .relation import Relation, find_relation, primitive_parent, shift_origin

__all__ = [
    "decompose_distortion",
    "decompose_field",
    "child_field",
    "find_relation",
    "Relation",
    "Mode",
    "ModeDecomposition",
    "ModeSpace",
    "mode_spaces",
    "SpaceGroupAction",
    "invariant_supercell",
    "lattice_points",
    "parent_supercell",
    "shift_origin",
    "primitive_parent",
    "strain_modes",
]
