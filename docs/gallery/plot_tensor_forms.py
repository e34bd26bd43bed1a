"""
Neumann's principle: allowed forms of elastic and piezoelectric tensors
========================================================================

A property tensor of a crystal is invariant under the crystal's point group :math:`G`
(Neumann's principle): :math:`T = \\rho(g)\\,T` for every :math:`g \\in G`, with
:math:`\\rho` the tensor's representation. The allowed tensors are the image of the projector
:math:`P = \\frac{1}{|G|}\\sum_{g} \\rho(g)`; its rank is the number of independent
constants. :func:`symbreak.allowed_form` computes it for any point group in any orientation,
and draws the Voigt pattern (which entries vanish, which are equal or opposite).
"""

# %%
import tempfile
from pathlib import Path

from symbreak import allowed_form
from symbreak.tensors.figures import plot_voigt_patterns

for kind in ("elastic", "piezoelectric", "dielectric"):
    counts = {g: allowed_form(kind, g).num_independent for g in ("m-3m", "6/mmm", "4mm", "-1")}
    print(f"{kind:>14}: " + ", ".join(f"{g} {n}" for g, n in counts.items()))

# %%
# Cubic crystals have three elastic constants, hexagonal five; a centrosymmetric crystal
# (m-3m, 6/mmm, -1) has no piezoelectric constant at all.
out = Path(tempfile.mkdtemp())
elastic = [allowed_form("elastic", g) for g in ("m-3m", "6/mmm", "4/mmm", "-3m")]
plot_voigt_patterns(elastic, out / "elastic.png", title="elastic stiffness C_IJ (Voigt)", ncols=2)

# %%
piezo = [allowed_form("piezoelectric", g) for g in ("4mm", "-42m", "3m", "6mm")]
plot_voigt_patterns(piezo, out / "piezoelectric.png", title="piezoelectric d_iJ", ncols=2)
