"""
A layer equivariant under exactly a point group
================================================

A relaxed convolution built with ``symmetry=G`` keeps θ inside the :math:`G`-invariant
subspace of its irreps: it is equivariant under every element of :math:`G` and, once θ has
a non-scalar invariant component, under nothing more. Here :math:`G = O_h` of a cube in a
random orientation, found from the cube's vertices. The check is done in float64: the
equivariance error :math:`\\lVert f(g\\,x) - g\\,f(x)\\rVert / \\lVert f(x)\\rVert` over the
48 elements of :math:`O_h`, against 48 random elements of O(3).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from symbreak.nn import RelaxedConvolution, equivariance_errors, random_orthogonal
from symbreak.symmetry import PointGroup

torch.set_default_dtype(torch.float64)
generator = torch.Generator().manual_seed(0)

rotation = random_orthogonal(False, generator).numpy()
cube = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float) @ rotation.T
group = PointGroup.from_points(cube)
print(group, "order", group.order)

# %%
# A layer with θ restricted to the :math:`O_h`-invariant directions; all parameters random,
# and a random θ inside its invariant subspace (the cubic harmonic in ``4e``).
conv = RelaxedConvolution("2x0e+1x1o", "1x0e+1x1o+1x2e", 2, symmetry=group)
with torch.no_grad():
    for parameter in conv.parameters():
        parameter.copy_(torch.randn(parameter.shape, generator=generator))
print(f"θ: {conv.relaxed_weights.invariant_dim} Oh-invariant directions")

positions = torch.randn(6, 3, generator=generator)
edge_index = torch.tensor([(j, i) for i in range(6) for j in range(6) if i != j]).T
edge_vec = positions[edge_index[0]] - positions[edge_index[1]]
features = torch.randn(6, 5, generator=generator)

inside = equivariance_errors(conv, features, edge_index, edge_vec, torch.from_numpy(group.matrices.copy()))
outside = equivariance_errors(conv, features, edge_index, edge_vec,
                              torch.stack([random_orthogonal(k % 2 == 1, generator) for k in range(48)]))
print(f"max error over Oh: {inside.max():.1e}; min error over random O(3): {outside.min():.1e}")

# %%
# Round-off on :math:`O_h`, order one elsewhere.
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
bins = np.logspace(-17, 1, 37)
ax.hist(inside.numpy().clip(1e-17), bins=bins, label="elements of $O_h$")
ax.hist(outside.numpy(), bins=bins, label="random elements of O(3)")
ax.set_xscale("log")
ax.set_xlabel("relative equivariance error (float64)")
ax.set_ylabel("count")
ax.legend()
plt.show()
