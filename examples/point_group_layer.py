"""A relaxed layer that keeps exactly the point group of a rotated cube, and no more.

Run: ``python examples/point_group_layer.py`` (~20 s, CPU). The numbers it prints are pasted
in docs/point_group_networks.md.
"""

import numpy as np
import torch

from symbreak.analysis import breaking_analysis
from symbreak.nn import RelaxedConvolution, equivariance_errors, random_orthogonal
from symbreak.nn.point_group import GIrreps, GNetwork
from symbreak.symmetry import PointGroup
from symbreak.theta import thetas_of

torch.set_default_dtype(torch.float64)
generator = torch.Generator().manual_seed(0)

# a cube in a random orientation: its group is Oh, in the cube's own frame
rotation = random_orthogonal(False, generator).numpy()
cube = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float) @ rotation.T
group = PointGroup.from_points(cube)
print(group, "principal axis", np.round(group.principal_axis, 3))

conv = RelaxedConvolution("2x0e+1x1o", "1x0e+1x1o+1x2e", 2, symmetry=group, symmetry_breaking=True)
theta = conv.relaxed_weights
print(f"θ irreps {theta.irreps}: {theta.invariant_dim} Oh-invariant directions (0e and the cubic harmonic in 4e)")
with torch.no_grad():  # random values of every parameter, δ (the G-breaking part) kept at zero
    for name, parameter in conv.named_parameters():
        if "breaking" not in name:
            parameter.copy_(torch.randn(parameter.shape, generator=generator))

positions = torch.randn(6, 3, generator=generator)
edge_index = torch.tensor([(j, i) for i in range(6) for j in range(6) if i != j]).T
edge_vec = positions[edge_index[0]] - positions[edge_index[1]]
features = torch.randn(6, 5, generator=generator)
inside = equivariance_errors(conv, features, edge_index, edge_vec, torch.from_numpy(group.matrices.copy()))
outside = equivariance_errors(conv, features, edge_index, edge_vec,
                              torch.stack([random_orthogonal(k % 2 == 1, generator) for k in range(10)]))
print(f"equivariance error, all {group.order} elements of Oh: max {inside.max():.1e}")
print(f"equivariance error, 10 random elements of O(3):      min {outside.min():.1e}")

# let θ break Oh by a tetragonal distortion along one C4 axis of the cube: δ in the 2e block
# = Y²(axis), the harmonic 3(a·r)² - r² of that axis
from e3nn import o3  # noqa: E402

with torch.no_grad():
    axis = torch.tensor(group.principal_axis)
    start = sum(ir.dim for _, ir in theta.irreps[:4])  # offset of the 2e block
    theta.breaking.weight[start:start + 5] = 0.5 * o3.spherical_harmonics(2, axis, normalize=True)
analysis = breaking_analysis(thetas_of(conv), group)
print(analysis.sentence)

# a G-irrep network: features indexed by Oh's irreps, an invariant output per node
net = GNetwork(group, 5, "4xA1g+2xEg+2xT1u+2xT2g", "1xA1g+1xEg+1xT1u+1xT2g", 1, cutoff=4.0)
errors = equivariance_errors(net, features, edge_index, edge_vec, torch.from_numpy(group.matrices.copy()))
print(f"G-irrep network {GIrreps(group, '4xA1g+2xEg+2xT1u+2xT2g')}: max error over Oh {errors.max():.1e}")
