"""Relaxed layers: Proposition 4.1, the folded filter, and the building blocks."""

import pytest
import torch
from e3nn import o3

from symbreak.graph import edge_vectors, radius_graph
from symbreak.nn import (
    RelaxedConvolution,
    RelaxedFilter,
    RelaxedNetwork,
    RelaxedWeights,
    default_relaxed_irreps,
    equivariance_error,
    random_orthogonal,
    relaxed_weight_penalty,
)
from symbreak.optim import IrrepsAdam

IRREPS_IN = "4x0e+2x1o+2x2e"
IRREPS_OUT = "3x0e+2x1o+1x1e+2x2e"


def random_graph(num_nodes=12, generator=None):
    positions = torch.randn(num_nodes, 3, generator=generator, dtype=torch.float64)
    edge_index = radius_graph(positions, 2.5)
    return positions, edge_index, edge_vectors(positions, edge_index)


def set_block(theta: RelaxedWeights, label: str, generator) -> None:
    with torch.no_grad():
        for (mul, ir), s in zip(theta.irreps, theta.irreps.slices()):
            if str(ir) == label:
                theta.weight[s] = torch.randn(s.stop - s.start, generator=generator)


def test_relaxed_weights_start_scalar():
    theta = RelaxedWeights(2)
    assert theta.irreps == o3.Irreps("0e+0o+1o+1e+2e+2o")
    assert theta.weight[0] == 1 and torch.all(theta.weight[1:] == 0)
    assert [str(ir) for ir, _, _ in theta.breaking_blocks()] == ["0o", "1o", "1e", "2e", "2o"]


def test_relaxed_weights_need_a_scalar():
    with pytest.raises(ValueError, match="must contain 0e"):
        RelaxedWeights("1o+2e")
    with pytest.raises(ValueError, match="lmax"):
        default_relaxed_irreps(-1)


def test_folded_filter_equals_per_edge_tensor_product(float64, generator):
    irreps_sh = o3.Irreps.spherical_harmonics(3)
    relaxed_filter = RelaxedFilter("0e+0o+1o+1e+2x2e+3o+4e", irreps_sh, "0e+0o+1o+1e+2e+2o+3o+3e")
    with torch.no_grad():
        relaxed_filter.theta.weight.copy_(torch.randn(relaxed_filter.theta.irreps.dim, generator=generator))
    sh = o3.spherical_harmonics(irreps_sh, torch.randn(50, 3, generator=generator), normalize=True)
    sh.requires_grad_(True)
    folded, per_edge = relaxed_filter(sh), relaxed_filter.per_edge(sh)
    assert (folded - per_edge).abs().max() < 1e-12
    probe = torch.randn(folded.shape, generator=generator)
    grads_folded = torch.autograd.grad((folded * probe).sum(), [relaxed_filter.theta.weight, sh])
    grads_edge = torch.autograd.grad((per_edge * probe).sum(), [relaxed_filter.theta.weight, sh])
    for a, b in zip(grads_folded, grads_edge):
        assert (a - b).abs().max() < 1e-12


def test_filter_rejects_unreachable_irreps():
    with pytest.raises(ValueError, match="cannot be produced"):
        RelaxedFilter("0e", o3.Irreps.spherical_harmonics(1), "0e+1o+2e")


@pytest.mark.parametrize("improper", [False, True])
def test_scalar_theta_layer_is_equivariant(float64, generator, improper):
    conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 2, 3)
    _, edge_index, edge_vec = random_graph(generator=generator)
    features = torch.randn(12, conv.irreps_in.dim, generator=generator)
    with torch.no_grad():  # a non-trivial scalar background is still a scalar
        conv.relaxed_weights.weight[0] = 1.7
    for _ in range(3):
        rotation = random_orthogonal(improper, generator)
        assert equivariance_error(conv, features, edge_index, edge_vec, rotation) < 1e-9


def test_scalar_theta_network_is_equivariant_under_inversion_too(float64, generator):
    for relaxed in (3, None):
        net = RelaxedNetwork("0e+1o", "6x0e+4x0o+3x1o+3x1e+2x2e", "0e+1o+1e+2e", 2, relaxed, num_layers=3)
        _, edge_index, edge_vec = random_graph(generator=generator)
        features = torch.randn(12, net.irreps_in.dim, generator=generator)
        for improper in (False, True, True):
            rotation = random_orthogonal(improper, generator)
            assert equivariance_error(net, features, edge_index, edge_vec, rotation, exact=False) < 1e-9
        inversion = -torch.eye(3)
        assert equivariance_error(net, features, edge_index, edge_vec, inversion, exact=False) < 1e-9


@pytest.mark.parametrize("block, improper", [("0o", True), ("1o", False), ("2e", False), ("1o", True)])
def test_non_scalar_theta_breaks_equivariance(float64, generator, block, improper):
    conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 2, 2)
    set_block(conv.relaxed_weights, block, generator)
    _, edge_index, edge_vec = random_graph(generator=generator)
    features = torch.randn(12, conv.irreps_in.dim, generator=generator)
    rotation = random_orthogonal(improper, generator)
    assert equivariance_error(conv, features, edge_index, edge_vec, rotation) > 1e-3


def test_same_filter_gives_the_plain_layer_at_initialisation(float64, generator):
    sh = o3.Irreps.spherical_harmonics(2)
    plain = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, sh, None)
    relaxed = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, sh, 3, irreps_filter=sh)
    assert relaxed.tp.instructions == plain.tp.instructions
    assert relaxed.tp.irreps_out == plain.tp.irreps_out
    missing, unexpected = relaxed.load_state_dict(plain.state_dict(), strict=False)
    assert unexpected == [] and all("relaxed_filter" in name for name in missing)
    _, edge_index, edge_vec = random_graph(generator=generator)
    features = torch.randn(12, plain.irreps_in.dim, generator=generator)
    out_plain = plain(features, edge_index, edge_vec)
    assert (relaxed(features, edge_index, edge_vec) - out_plain).abs().max() < 1e-12


def test_default_filter_lets_a_pseudovector_theta_act():
    """A magnetic-field-like θ^{1e} must reach vector outputs (needs 1e filter paths)."""
    conv = RelaxedConvolution("0e+1o", "1o", 1, 1)
    assert o3.Irrep("1e") in [ir for _, ir in conv.irreps_filter]


def test_zero_length_edges_give_finite_values_and_gradients(float64, generator):
    conv = RelaxedConvolution("0e+1o", "0e+1o+1e", 2, 2)
    set_block(conv.relaxed_weights, "1e", generator)
    edge_index = torch.tensor([[0, 1, 0], [0, 1, 1]])
    edge_vec = torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.3, -0.2, 0.1]], requires_grad=True)
    features = torch.randn(2, 4, generator=generator, requires_grad=True)
    out = conv(features, edge_index, edge_vec)
    out.pow(2).sum().backward()
    assert torch.isfinite(out).all()
    assert torch.isfinite(edge_vec.grad).all() and torch.isfinite(features.grad).all()
    assert out.abs().sum() > 0


def test_convolution_checks_shapes():
    conv = RelaxedConvolution("0e+1o", "1o", 1)
    edge_index = torch.tensor([[0], [1]])
    with pytest.raises(ValueError, match=r"node_features must have shape \(N, 4\)"):
        conv(torch.zeros(2, 3), edge_index, torch.zeros(1, 3))
    with pytest.raises(ValueError, match="edge_vec must have shape"):
        conv(torch.zeros(2, 4), edge_index, torch.zeros(2, 3))
    with pytest.raises(ValueError, match="irreps_sh"):
        RelaxedConvolution("0e", "0e", "1e")
    with pytest.raises(ValueError, match="irreps_in: cannot read"):
        RelaxedConvolution("banana", "0e", 1)


def test_network_rejects_unreachable_outputs():
    with pytest.raises(ValueError, match="cannot be produced"):
        RelaxedNetwork("0e", "4x0e", "1e", 1, None, num_layers=1)


def test_penalty_is_zero_at_init_and_rotation_invariant(float64, generator):
    theta = RelaxedWeights(3)
    assert relaxed_weight_penalty([theta]) == 0
    with torch.no_grad():
        theta.weight.copy_(torch.randn(theta.irreps.dim, generator=generator))
    rotation = random_orthogonal(True, generator)
    rotated = RelaxedWeights(3)
    with torch.no_grad():
        rotated.weight.copy_(theta.irreps.D_from_matrix(rotation) @ theta.weight)
    for kind in ("norm", "squared"):
        a, b = relaxed_weight_penalty([theta], kind), relaxed_weight_penalty([rotated], kind)
        assert abs(a - b) < 1e-12 and a > 0
    scalar_only = sum(block.norm() for _, _, block in theta.breaking_blocks())
    assert abs(relaxed_weight_penalty([theta]) - scalar_only) < 1e-12
    # L1 (the penalty of Smidt et al. 2021) is frame dependent, as documented
    assert abs(relaxed_weight_penalty([theta], "l1") - relaxed_weight_penalty([rotated], "l1")) > 1e-3
    with pytest.raises(ValueError, match="unknown penalty"):
        relaxed_weight_penalty([theta], "l3")


@pytest.mark.parametrize("adaptive", [True, False])
def test_theta_optimiser_steps_are_equivariant(float64, generator, adaptive):
    """Rotating θ and its gradients rotates every step (plain Adam fails this)."""
    rotation = random_orthogonal(True, generator)
    thetas = [RelaxedWeights(3), RelaxedWeights(3)]
    d = thetas[0].irreps.D_from_matrix(rotation)
    start = torch.randn(thetas[0].irreps.dim, generator=generator)
    with torch.no_grad():
        thetas[0].weight.copy_(start)
        thetas[1].weight.copy_(d @ start)
    optimisers = [IrrepsAdam([t], 0.05, group_lasso=0.3, adaptive=adaptive) for t in thetas]
    for _ in range(5):
        gradient = torch.randn(start.shape, generator=generator)
        thetas[0].weight.grad = gradient.clone()
        thetas[1].weight.grad = d @ gradient
        for optimiser in optimisers:
            optimiser.step()
    assert (d @ thetas[0].weight - thetas[1].weight).abs().max() < 1e-12


def test_group_lasso_prox_zeroes_blocks_without_gradient(float64):
    theta = RelaxedWeights(2)
    with torch.no_grad():
        theta.weight[1:] = 1e-3
    optimiser = IrrepsAdam([theta], 0.01, group_lasso=1.0, adaptive=False)
    theta.weight.grad = torch.zeros_like(theta.weight)
    for _ in range(5):
        optimiser.step()
    assert torch.all(theta.weight[1:] == 0) and theta.weight[0] == 1
