"""Point-group analysis: groups, characters, Mulliken labels, decompositions, stabilisers.

Conventions (see ``docs/symmetry.md``): operations are 3×3 orthogonal Cartesian matrices acting
on column vectors; named groups are in standard orientation (principal axis z, C2' along x,
σv = xz plane); decompositions use real (physically irreducible) irreps, a complex-conjugate
pair ``1E``/``2E`` being combined into one ``E``.
"""

from ._identify import IdentificationError
from ._names import CRYSTALLOGRAPHIC, HERMANN_MAUGUIN, MAX_AXIS_ORDER, point_group_names
from .coupling import (
    coupling_coefficients,
    dirac_coupling_coefficients,
    intertwiner_count,
    irrep_matrices,
    product_multiplicities,
)
from .coupling_table import CouplingTable, coupling_table
from .crystal import space_group
from .decompose import Decomposition, decompose, irreps_content, projectors, representation, wigner_matrices
from .group import PointGroup
from .resolve import as_point_group, trivial_irrep
from .subgroups import breaking_irreps, stabilizer, subgroup

__all__ = [
    "PointGroup",
    "as_point_group",
    "trivial_irrep",
    "Decomposition",
    "decompose",
    "irreps_content",
    "projectors",
    "representation",
    "wigner_matrices",
    "stabilizer",
    "subgroup",
    "breaking_irreps",
    "space_group",
    "irrep_matrices",
    "coupling_coefficients",
    "coupling_table",
    "CouplingTable",
    "dirac_coupling_coefficients",
    "intertwiner_count",
    "product_multiplicities",
    "point_group_names",
    "CRYSTALLOGRAPHIC",
    "HERMANN_MAUGUIN",
    "MAX_AXIS_ORDER",
    "IdentificationError",
]
