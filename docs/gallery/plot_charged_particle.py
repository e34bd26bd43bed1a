"""
A charged particle: E and B read out of the relaxed weights
============================================================

A particle of charge :math:`q` moves in uniform fields :math:`\\vec E` (a vector, irrep
``1o``) and :math:`\\vec B` (a pseudovector, ``1e``) under the Lorentz force

.. math:: \\vec F = q\\,(\\vec E + \\vec v \\times \\vec B) .

Both fields break rotation symmetry, so an equivariant network cannot learn the force from the
velocity alone. The relaxed network can, and its θ holds the fields: the ``1o`` block points
along :math:`\\vec E`, the ``1e`` block along :math:`\\vec B` (Hofgard et al. 2024, §5.2). The
trajectory is simulated and both networks are trained on (velocity, force) pairs with the CLI's
defaults (100 epochs); the whole script takes about 20 s on one core, imports included.
"""

# %%
import tempfile
from pathlib import Path

import torch
from rich import print

from symbreak.tasks.fields import run_fields

torch.set_num_threads(1)
result = run_fields(E=[0.6, -0.3, 0.8], B=[-0.2, 0.7, 0.4], seed=0)
print(result.summary())

# %%
# The learned fields against the true ones, and the loss curves.
out = Path(tempfile.mkdtemp())
paths = result.figures(out)
