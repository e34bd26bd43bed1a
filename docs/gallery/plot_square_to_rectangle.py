"""
Square → rectangle: the order parameter as a learnable input
=============================================================

Smidt, Geiger and Miller (2021) show that the gradient of the loss with respect to the input
of an equivariant network already transforms as the symmetry-breaking order parameter. Here the
network gets a learnable input (every irrep up to :math:`l = 4`, both parities, held at the
scalar background at first); the input learns the :math:`B_{1g}` component of
:math:`D_{4h}` that turns a square into a rectangle, i.e. the polynomial
:math:`x^2 - y^2`, with residual symmetry :math:`D_{2h}`.

**Reduced for the documentation build:** 150 epochs of each phase instead of the default 600
(``symbreak order-parameter --source square --target rectangle`` runs the full length).
"""

# %%
import tempfile
from pathlib import Path

import torch
from rich import print

from symbreak.tasks.order_parameter import OrderParameterSettings, run_order_parameter

torch.set_num_threads(1)
settings = OrderParameterSettings(max_frozen_epochs=150, alternating_epochs=150, seed=0)
result = run_order_parameter("square", "rectangle", settings)
print(result.summary())

# %%
# The decomposition of the learned input into irreps of :math:`D_{4h}` (the squared norm of
# each irrep's projection): all of it is :math:`B_{1g}`; the other irreps are at round-off.
report = result.to_dict()["order_parameter"]
for irrep, weight in sorted(report["decomposition"].items(), key=lambda item: -item[1]):
    print(f"{irrep:>4}  {weight:.2g}")

# %%
# Figures written by the result: the loss, the learned input as a signal on the sphere.
out = Path(tempfile.mkdtemp())
paths = result.figures(out)
