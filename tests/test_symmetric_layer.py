"""G-equivariant relaxed layers: θ = P_A1(G) φ keeps every element of G exactly, and no more.

Every element of G is checked (escnn-style exhaustive tests), in float64, for random values of
*all* parameters; random O(3) elements (outside G with probability one) must visibly break.
Rotated copies of groups are found by PointGroup.from_points from randomly rotated point sets,
so the projector is built in a frame nobody chose.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symbreak.analysis import breaking_analysis
from symbreak.nn import (
    BreakingParameter,
    RelaxedConvolution,
    RelaxedNetwork,
    SymmetricRelaxedWeights,
    equivariance_errors,
    random_orthogonal,
    relaxed_weight_penalty,
)
from symbreak.optim import IrrepsAdam
from symbreak.symmetry import PointGroup, wigner_matrices
from symbreak.theta import thetas_of

from _point_group_helpers import random_graph, randomise, rotated_group

IRREPS_IN, IRREPS_OUT = "1x0e+1x1o", "1x0e+1x1o+1x2e"
EQUIVARIANT, BROKEN = 1e-9, 1e-4


def check_exact_group(module, group: PointGroup, generator) -> None:
    edge_index, edge_vec = random_graph(generator)
    features = torch.randn(6, module.irreps_in.dim, generator=generator, dtype=torch.float64)
    inside = equivariance_errors(module, features, edge_index, edge_vec, torch.from_numpy(group.matrices.copy()))
    assert inside.max() <= EQUIVARIANT, f"{group.name}: {inside.max():.2e}"
    outside = torch.stack([random_orthogonal(k % 2 == 1, generator) for k in range(6)])
    broken = equivariance_errors(module, features, edge_index, edge_vec, outside)
    assert broken.min() >= BROKEN, f"{group.name}: an element outside G gives only {broken.min():.2e}"


def layer(group, lmax_relaxed=6, **kwargs):
    # θ up to l = 6 by default: the first degree at which D6h and Ih have invariants of their
    # own (and harmonics up to l = 3 then, so that θ ⊗ Y passes l = 6 to the filter);
    # l = 4 is enough for Oh and D3d and builds faster (the fast tests use it)
    lmax_sh = 3 if lmax_relaxed > 4 else 2
    return RelaxedConvolution(IRREPS_IN, IRREPS_OUT, lmax_sh, lmax_relaxed, symmetry=group, cutoff=4.0, num_basis=4,
                              radial_neurons=8, radial_layers=1, **kwargs)


# ---------------------------------------------------------------- exhaustive equivariance


@pytest.mark.parametrize(
    "group",
    [pytest.param("Oh", id="Oh"),
     pytest.param(("D3d", 3), id="D3d-rotated", marks=pytest.mark.slow)],
)
def test_every_element_of_g_and_nothing_else(float64, generator, group):
    group = PointGroup.from_name(group) if isinstance(group, str) else rotated_group(*group)
    conv = layer(group, lmax_relaxed=4)
    randomise(conv, generator)
    check_exact_group(conv, group, generator)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, rotated_seed",
    [("Td", None), ("Ih", None), ("C3h", None), ("S4", None), ("D6h", None), ("C2v", None), ("D4h", None),
     ("D2d", None), ("Th", None), ("C4", None),
     ("D3h", None), ("O", None),
     ("Oh", 11), ("Td", 12), ("C3h", 13), ("S4", 14), ("D6h", 15), ("C2v", 16), ("Ih", 17), ("C6v", 18),
     ("T", 19)],
)
def test_every_element_of_many_groups(float64, generator, name, rotated_seed):
    group = PointGroup.from_name(name) if rotated_seed is None else rotated_group(name, rotated_seed)
    conv = layer(group, symmetry_breaking=True)
    randomise(conv, generator)
    with torch.no_grad():
        conv.relaxed_weights.breaking.weight.zero_()  # δ = 0: exactly G whatever φ and the rest
    check_exact_group(conv, group, generator)


@pytest.mark.slow
@pytest.mark.parametrize("name, seed", [("Td", None), ("D6h", 5)])
def test_network_keeps_g_exactly(float64, generator, name, seed):
    group = PointGroup.from_name(name) if seed is None else rotated_group(name, seed)
    net = RelaxedNetwork(IRREPS_IN, "4x0e+2x1o+2x2e", "1x0e+1x1o", 3, 6, symmetry=group, cutoff=4.0,
                         num_basis=4, radial_neurons=8, radial_layers=1)
    randomise(net, generator)
    check_exact_group(net, group, generator)


# ---------------------------------------------------------------- θ, training, analysis


def test_theta_stays_invariant_while_training(float64, generator):
    group = PointGroup.from_name("D3d")
    conv = layer(group, lmax_relaxed=2)
    edge_index, edge_vec = random_graph(generator)
    features = torch.randn(6, conv.irreps_in.dim, generator=generator)
    target = torch.randn(6, conv.irreps_out.dim, generator=generator)
    theta = conv.relaxed_weights
    optimizers = [torch.optim.Adam([p for n, p in conv.named_parameters() if "theta" not in n], lr=1e-2),
                  IrrepsAdam([theta], lr=5e-2, group_lasso=1.0)]
    for _ in range(5):
        loss = (conv(features, edge_index, edge_vec) - target).pow(2).mean()
        for opt in optimizers:
            opt.zero_grad()
        loss.backward()
        for opt in optimizers:
            opt.step()
    values = thetas_of(conv)[0].values
    d = wigner_matrices(theta.irreps, group.matrices)
    assert np.abs(np.einsum("gij,j->gi", d, values) - values).max() < 1e-12
    assert np.abs(values[1:]).max() > 1e-3  # θ moved beyond the scalar, inside the subspace
    assert relaxed_weight_penalty(conv).item() == 0.0  # nothing in φ breaks G

    clone = layer(group, lmax_relaxed=2)  # a checkpoint restores the trained layer exactly
    clone.load_state_dict(conv.state_dict())
    torch.testing.assert_close(clone(features, edge_index, edge_vec), conv(features, edge_index, edge_vec))
    assert "relaxed_filter.theta.projector" not in conv.state_dict()  # rebuilt from the group, never read back


def test_breaking_is_named_in_g(float64, generator):
    group = PointGroup.from_name("Oh")
    conv = layer(group, lmax_relaxed=4, symmetry_breaking=True)
    assert relaxed_weight_penalty(conv).item() == 0.0  # starts exactly G-equivariant
    theta = conv.relaxed_weights
    with torch.no_grad():  # δ along z² - (x² + y²)/2, the Eg component that keeps D4h
        start = sum(ir.dim for _, ir in theta.irreps[:4])
        theta.breaking.weight[start:start + 5] = torch.tensor([0.0, 0.0, 0.7, 0.0, 0.0])
    analysis = breaking_analysis(thetas_of(conv), group)
    assert analysis.breaking_irreps == ["Eg"] and analysis.residual.name == "D4h"
    assert relaxed_weight_penalty(conv).item() == pytest.approx(0.7)


@pytest.mark.slow
def test_float32_model_has_float32_projector_and_exact_float64_check(generator):
    conv = layer("Oh", lmax_relaxed=4)
    assert conv.relaxed_weights.projector.dtype == torch.float32
    randomise(conv, generator)
    edge_index, edge_vec = random_graph(generator)
    features = torch.randn(6, conv.irreps_in.dim, generator=generator)
    errors = equivariance_errors(conv, features, edge_index, edge_vec,
                                 torch.from_numpy(PointGroup.from_name("Oh").matrices[:8].copy()))
    assert errors.max() < 1e-6  # the float32-built network, checked on its float64 copy


def test_symmetric_weights_count_invariants(float64):
    # multiplicity of A1g of Oh in l = 0..6 (even parity): 1, 0, 0, 0, 1, 0, 1 (cubic harmonics)
    theta = SymmetricRelaxedWeights("0e+1e+2e+3e+4e+5e+6e", "Oh")
    # (1e, 3e, 5e carry T1g; A2g + T1g + T2g; Eg + 2T1g + T2g: no A1g)
    assert theta.invariant_dim == 3


def test_a_layer_that_cannot_see_g_is_refused():
    # Ih's first invariant beyond the scalar is at l = 6; harmonics up to 2 pass θ up to l = 4 only
    with pytest.raises(ValueError, match="first invariant beyond l = 0 has l = 6"):
        RelaxedConvolution("0e", "0e", 2, 6, symmetry="Ih")


@pytest.mark.slow
def test_learns_to_break_oh_to_d4h_and_names_it(float64):
    """Cube → square prism (x, y × 1, z × 2): impossible for an exactly Oh-equivariant layer
    (Curie), learned with δ, and the breaking is named Eg of Oh, residual D4h."""
    torch.manual_seed(0)
    cube = torch.tensor([[x, y, z] for x in (-1.0, 1.0) for y in (-1.0, 1.0) for z in (-1.0, 1.0)])
    target = cube * torch.tensor([1.0, 1.0, 2.0])
    edge_index = torch.tensor([(j, i) for i in range(8) for j in range(8) if i != j]).T
    edge_vec = cube[edge_index[0]] - cube[edge_index[1]]
    features = torch.ones(8, 1)
    results = {}
    for breaking in (False, True):
        net = RelaxedNetwork("0e", "8x0e+4x1o+4x2e", "1x1o", 2, symmetry="Oh", symmetry_breaking=breaking,
                             cutoff=4.0, num_basis=6, radial_neurons=16, radial_layers=1, avg_num_neighbors=7.0)
        thetas = [m for m in net.modules() if isinstance(m, BreakingParameter)]
        theta_ids = {id(m.weight) for m in thetas}
        optimizers = [torch.optim.Adam([p for p in net.parameters() if id(p) not in theta_ids], lr=1e-2),
                      IrrepsAdam(thetas, lr=1e-2, group_lasso=1e-3)]
        for _ in range(400):
            loss = (net(features, edge_index, edge_vec) - target).pow(2).mean()
            for opt in optimizers:
                opt.zero_grad()
            loss.backward()
            for opt in optimizers:
                opt.step()
        results[breaking] = (loss.item(), net)
    assert results[False][0] > 0.05  # exactly Oh-equivariant: cannot turn a cube into a prism
    assert results[True][0] < 1e-3
    analysis = breaking_analysis(thetas_of(results[True][1]), PointGroup.from_name("Oh"))
    assert analysis.breaking_irreps == ["Eg"] and analysis.residual.name == "D4h", analysis.sentence
