"""
BaTiO3: the order parameter of a ferroelectric transition
==========================================================

Cubic BaTiO3 (:math:`Pm\\bar3m`, point group :math:`O_h`) becomes tetragonal
(:math:`P4mm`, :math:`C_{4v}`) by a polar displacement of Ti against the O octahedron and a
tetragonal strain. The order parameter is the polar vector irrep :math:`T_{1u}` of
:math:`O_h`, with isotropy subgroup :math:`C_{4v}`. A relaxed network learns to move the
cubic structure's atoms onto the tetragonal ones; θ, named in irreps of :math:`O_h`, gives
:math:`T_{1u}` (and the strain's :math:`E_g`).

**Reduced for the documentation build:** 150 epochs instead of the CLI's 300
(``symbreak crystal --source BaTiO3-cubic --target BaTiO3-tetragonal``).
"""

# %%
import tempfile
from pathlib import Path

import torch
from rich import print

from symbreak.tasks.crystals import CrystalSettings, run_crystal

torch.set_num_threads(1)
result = run_crystal("BaTiO3-cubic", "BaTiO3-tetragonal", CrystalSettings(epochs=150, seed=0))
print(result.summary())

# %%
out = Path(tempfile.mkdtemp())
paths = result.figures(out)
