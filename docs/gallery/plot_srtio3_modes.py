"""
Symmetry modes of SrTiO3: an antiferrodistortive R-point tilt
==============================================================

Below 105 K SrTiO3 goes from cubic :math:`Pm\\bar{3}m` to tetragonal :math:`I4/mcm`: the
TiO6 octahedra rotate about one cube axis, alternately clockwise and anticlockwise in
neighbouring cells. That doubles the cell, so the order parameter is an irrep of the parent
*space group* at the zone-boundary wavevector :math:`R = (\\tfrac12, \\tfrac12, \\tfrac12)`:
:math:`R_4^+`. :func:`symbreak.decompose_distortion` finds the supercell relating the two
structures, the group that acts on the displacements, and projects them onto its irreps.

The built-in ``SrTiO3-tetragonal`` is a model (octahedra rotated by 2°), not a refinement.
"""

# %%
import tempfile
from pathlib import Path

from rich import print

from symbreak import decompose_distortion

result = decompose_distortion("SrTiO3-cubic", "SrTiO3-tetragonal")
print(result.summary())

# %%
# Only one mode has a non-zero amplitude: the tilt.
mode = result.mode("R4+")
print(f"R4+ amplitude {mode.amplitude:.5f} Å")

# %%
# The amplitudes as a bar chart (``result.figures``).
out = Path(tempfile.mkdtemp())
paths = result.figures(out)
