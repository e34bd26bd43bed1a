"""The relaxed layer as a drop-in interaction block: wiring, batching, dtypes, autograd, compile."""

import copy
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from symbreak.graph import edge_vectors, radius_graph
from symbreak.nn import (
    EdgeEncoding,
    RelaxedConvolution,
    RelaxedNetwork,
    average_num_neighbors,
    equivariance_error,
    random_orthogonal,
    wigner_d,
)
from symbreak.symmetry import PointGroup, projectors

IRREPS_IN = "4x0e+2x1o+2x2e"
IRREPS_OUT = "3x0e+2x1o+1x1e+2x2e"
ROOT = Path(__file__).resolve().parents[1]


def random_graph(num_nodes=10, generator=None, radius=2.5):
    positions = torch.randn(num_nodes, 3, generator=generator, dtype=torch.float64)
    edge_index = radius_graph(positions, radius)
    return positions, edge_index, edge_vectors(positions, edge_index)


def one_hot(num_nodes, species=3):
    return torch.nn.functional.one_hot(torch.arange(num_nodes) % species, species).to(torch.get_default_dtype())


def randomise(module, generator, scale=0.3):
    """Random θ (all blocks) so that every code path carries non-zero values."""
    with torch.no_grad():
        for conv in [m for m in module.modules() if isinstance(m, RelaxedConvolution)]:
            if conv.relaxed:
                theta = conv.relaxed_weights.weight
                theta.copy_(scale * torch.randn(theta.shape, generator=generator))


def small_network(**kwargs):
    return RelaxedNetwork("2x0e+1o", "6x0e+4x0o+3x1o+3x1e+2x2e", "0e+1o+1e+2e", 2, 2, num_layers=2, **kwargs)


# ---------------------------------------------------------------- wiring


def test_precomputed_edges_equal_the_raw_path(float64, generator):
    _, edge_index, edge_vec = random_graph(generator=generator)
    conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 2, 2, avg_num_neighbors=4.0)
    net = small_network(avg_num_neighbors=4.0)
    for module in (conv, net):
        randomise(module, generator)
        features = torch.randn(10, module.irreps_in.dim, generator=generator)
        encoding = EdgeEncoding(2, cutoff=2.0, num_basis=10)
        edge_sh, edge_embedding = encoding(edge_vec)
        raw = module(features, edge_index, edge_vec)
        given_both = module(features, edge_index, edge_sh=edge_sh, edge_embedding=edge_embedding)
        given_sh = module(features, edge_index, edge_vec, edge_sh=edge_sh)
        assert (raw - given_both).abs().max() < 1e-12
        assert (raw - given_sh).abs().max() < 1e-12


def test_network_encodes_edges_once(float64, generator, monkeypatch):
    _, edge_index, edge_vec = random_graph(generator=generator)
    net = RelaxedNetwork("0e", "4x0e+2x1o", "0e", 2, 2, num_layers=3, avg_num_neighbors=4.0)
    calls = []
    for conv in net.convolutions:
        original = conv.edge_encoding.spherical_harmonics
        monkeypatch.setattr(conv.edge_encoding, "spherical_harmonics", lambda v, f=original: calls.append(1) or f(v))
    net(torch.ones(10, 1), edge_index, edge_vec)
    assert calls == []


def test_wiring_errors_are_clear():
    conv = RelaxedConvolution("0e+1o", "0e+1o", 1, 1)
    attr_conv = RelaxedConvolution("0e+1o", "0e+1o", 1, 1, irreps_node_attr="3x0e")
    edge_index = torch.tensor([[0, 1], [1, 0]])
    edge_vec = torch.tensor([[1.0, 0, 0], [-1.0, 0, 0]])
    x = torch.zeros(2, 4)
    with pytest.raises(ValueError, match="built without irreps_node_attr"):
        conv(x, edge_index, edge_vec, node_attrs=torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"node_attrs of shape \(N, 3\) required"):
        attr_conv(x, edge_index, edge_vec)
    with pytest.raises(ValueError, match=r"node_attrs must have shape \(2, 3\)"):
        attr_conv(x, edge_index, edge_vec, node_attrs=torch.zeros(2, 2))
    with pytest.raises(ValueError, match="edge_vec is required"):
        conv(x, edge_index, edge_sh=torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"edge_sh must have shape \(E, 4\)"):
        conv(x, edge_index, edge_vec, edge_sh=torch.zeros(2, 9))
    with pytest.raises(ValueError, match=r"edge_embedding must have shape \(E, 10\)"):
        conv(x, edge_index, edge_vec, edge_embedding=torch.zeros(3, 10))
    with pytest.raises(ValueError, match="needs self_connection=True"):
        RelaxedConvolution("0e", "0e", 1, irreps_node_attr="2x0e", self_connection=False)
    with pytest.raises(ValueError, match="no path from node features"):
        RelaxedConvolution("0e", "1o", 1, irreps_node_attr="2x0e")
    with pytest.raises(ValueError, match="avg_num_neighbors must be a number > 0"):
        RelaxedConvolution("0e", "0e", 1, avg_num_neighbors=0)
    with pytest.raises(ValueError, match="irreps_node_attr: cannot read"):
        RelaxedConvolution("0e", "0e", 1, irreps_node_attr="species")


def test_node_attributes_enter_and_keep_equivariance(float64, generator):
    _, edge_index, edge_vec = random_graph(generator=generator)
    for irreps_attr, attrs in (("3x0e", one_hot(10)), ("0e+1o", torch.randn(10, 4, generator=generator))):
        conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 2, 2, irreps_node_attr=irreps_attr)
        features = torch.randn(10, conv.irreps_in.dim, generator=generator)
        other = attrs.roll(1, dims=0)
        assert (conv(features, edge_index, edge_vec, node_attrs=attrs)
                - conv(features, edge_index, edge_vec, node_attrs=other)).abs().max() > 1e-3
        for improper in (False, True):
            rotation = random_orthogonal(improper, generator)
            error = equivariance_error(conv, features, edge_index, edge_vec, rotation, node_attrs=attrs)
            assert error < 1e-12
    net = small_network(irreps_node_attr="3x0e", avg_num_neighbors=4.0)
    features = torch.randn(10, net.irreps_in.dim, generator=generator)
    rotation = random_orthogonal(True, generator)
    assert equivariance_error(net, features, edge_index, edge_vec, rotation, node_attrs=one_hot(10)) < 1e-12


# ---------------------------------------------------------------- batching


def test_average_num_neighbors():
    edge_index = torch.tensor([[0, 1, 2, 2], [1, 0, 0, 1]])
    assert average_num_neighbors(edge_index, 4) == 1.0
    assert average_num_neighbors([(edge_index, 4), (torch.zeros(2, 6, dtype=torch.long), 2)]) == 10 / 6
    assert average_num_neighbors((g for g in [(edge_index, 2)])) == 2.0
    with pytest.raises(ValueError, match="no graphs"):
        average_num_neighbors([])
    with pytest.raises(ValueError, match="no edges"):
        average_num_neighbors(torch.zeros(2, 0, dtype=torch.long), 3)
    with pytest.raises(ValueError, match=r"shape \(2, E\)"):
        average_num_neighbors(torch.zeros(3, 4), 3)
    with pytest.raises(ValueError, match="without num_nodes"):
        average_num_neighbors(edge_index)
    with pytest.raises(ValueError, match="expected a pair"):
        average_num_neighbors([(edge_index, 4, 1)])


@pytest.mark.parametrize("avg_num_neighbors", [5.0, None])
def test_batched_graphs_give_their_alone_outputs(float64, generator, avg_num_neighbors):
    graphs = [random_graph(7, generator), random_graph(11, generator, radius=1.5)]
    conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 2, 2, avg_num_neighbors=avg_num_neighbors,
                              irreps_node_attr="3x0e")
    net = small_network(avg_num_neighbors=avg_num_neighbors, irreps_node_attr="3x0e")
    for module in (conv, net):
        randomise(module, generator)
        features = [torch.randn(len(p), module.irreps_in.dim, generator=generator) for p, _, _ in graphs]
        attrs = [one_hot(len(p)) for p, _, _ in graphs]
        alone = [module(x, ei, ev, node_attrs=a) for x, (_, ei, ev), a in zip(features, graphs, attrs)]
        offset = len(graphs[0][0])
        batched = module(
            torch.cat(features),
            torch.cat([graphs[0][1], graphs[1][1] + offset], dim=1),
            torch.cat([graphs[0][2], graphs[1][2]]),
            node_attrs=torch.cat(attrs),
        )
        assert (batched - torch.cat(alone)).abs().max() < 1e-12


def test_none_means_no_normalisation(float64, generator):
    _, edge_index, edge_vec = random_graph(generator=generator)
    conv = RelaxedConvolution("0e+1o", "0e+1o", 2, 2, avg_num_neighbors=None, self_connection=False)
    scaled = RelaxedConvolution("0e+1o", "0e+1o", 2, 2, avg_num_neighbors=4.0, self_connection=False)
    scaled.load_state_dict(conv.state_dict())
    x = torch.randn(10, 4, generator=generator)
    assert (conv(x, edge_index, edge_vec) - 2.0 * scaled(x, edge_index, edge_vec)).abs().max() < 1e-12


# ---------------------------------------------------------------- symmetry


def rotated_d4h():
    frame = random_orthogonal(False, torch.Generator().manual_seed(7)).numpy()
    return PointGroup("D4h", frame=frame)


@pytest.mark.parametrize("group", ["D4h", "Oh", "C3v", "rotated D4h"])
def test_group_invariant_theta_is_exactly_g_equivariant(float64, generator, group):
    """θ = P_A1 φ: equivariant under every element of G, not under O(3) (Heilman 2025)."""
    group = rotated_d4h() if group == "rotated D4h" else PointGroup.from_name(group)
    conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 2, 4, avg_num_neighbors=4.0)
    theta = conv.relaxed_weights
    trivial = next(label for label in group.real_irrep_labels if np.allclose(group.characters(label), 1))
    p_a1 = torch.tensor(np.asarray(projectors(theta.irreps, group)[trivial]))
    with torch.no_grad():
        theta.weight.copy_(p_a1 @ torch.randn(theta.irreps.dim, generator=generator))
        theta.weight[0] = 1.0
    assert torch.linalg.vector_norm(theta.weight[1:]) > 0.1  # non-trivial breaking blocks
    _, edge_index, edge_vec = random_graph(generator=generator)
    features = torch.randn(10, conv.irreps_in.dim, generator=generator)
    # built in float64 (fixture): its constants are exact, so no float64 copy per element is needed
    errors = [
        equivariance_error(conv, features, edge_index, edge_vec, torch.from_numpy(np.array(g)), exact=False)
        for g in group.matrices
    ]
    assert max(errors) <= 1e-12
    outside = [equivariance_error(conv, features, edge_index, edge_vec, random_orthogonal(imp, generator))
               for imp in (False, True)]
    assert max(outside) > 1e-3


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(
    quaternion=st.tuples(*[st.floats(-1, 1, allow_nan=False) for _ in range(4)]).filter(
        lambda q: sum(c * c for c in q) > 1e-2
    ),
    improper=st.booleans(),
    scalar=st.floats(-3, 3, allow_nan=False),
)
def test_scalar_theta_layer_is_o3_equivariant(quaternion, improper, scalar):
    conv, features, edge_index, edge_vec = _o3_case()
    with torch.no_grad():
        conv.relaxed_weights.weight[0] = scalar
    w, x, y, z = torch.tensor(quaternion, dtype=torch.float64) / torch.linalg.vector_norm(
        torch.tensor(quaternion, dtype=torch.float64))
    rotation = torch.stack([
        torch.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)]),
        torch.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)]),
        torch.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]),
    ])
    rotation = -rotation if improper else rotation
    # relative to the output scale (|θ^0e| up to 3 scales the messages)
    assert equivariance_error(conv, features, edge_index, edge_vec, rotation) < 1e-11 * max(1.0, abs(scalar))


_O3_CASE = []


def _o3_case():
    """One float32-built layer (the check must see through float32 constants), built once."""
    if not _O3_CASE:
        generator = torch.Generator().manual_seed(3)
        conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 3, 3)
        _, edge_index, edge_vec = random_graph(generator=generator)
        features = torch.randn(10, conv.irreps_in.dim, generator=generator, dtype=torch.float64)
        _O3_CASE.append((conv, features, edge_index, edge_vec))
    return _O3_CASE[0]


def test_float32_built_layer_reports_exact_equivariance(generator):
    assert torch.get_default_dtype() == torch.float32
    # built here, under float32 defaults (the shared case may come from a float64 build)
    conv = RelaxedConvolution(IRREPS_IN, IRREPS_OUT, 3, 3)
    _, edge_index, edge_vec = random_graph(generator=generator)
    features = torch.randn(10, conv.irreps_in.dim, generator=generator, dtype=torch.float64)
    rotation = random_orthogonal(True, generator)
    assert equivariance_error(conv, features, edge_index, edge_vec, rotation) < 1e-10
    # what a plain cast measures: round-off of the float32 coupling constants
    cast = copy.deepcopy(conv).double()  # a copy: casting the shared layer back to float32 would round θ⊗Y's C
    assert equivariance_error(cast, features, edge_index, edge_vec, rotation, exact=False) > 1e-10


def test_wigner_d_is_exact_under_float32_defaults(generator):
    rotation = random_orthogonal(True, generator)
    d = wigner_d("1o+2e+3o", rotation)
    assert d.dtype == torch.float64
    assert (d @ d.T - torch.eye(d.shape[0], dtype=torch.float64)).abs().max() < 1e-13


# ---------------------------------------------------------------- persistence and dtypes


def test_state_dict_round_trip(float64, generator):
    _, edge_index, edge_vec = random_graph(generator=generator)
    net = small_network(irreps_node_attr="3x0e", avg_num_neighbors=4.0)
    randomise(net, generator)
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    buffer.seek(0)
    loaded = small_network(irreps_node_attr="3x0e", avg_num_neighbors=4.0)
    loaded.load_state_dict(torch.load(buffer))
    features = torch.randn(10, net.irreps_in.dim, generator=generator)
    a = net(features, edge_index, edge_vec, node_attrs=one_hot(10))
    assert torch.equal(a, loaded(features, edge_index, edge_vec, node_attrs=one_hot(10)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_runs_in_float32_and_float64(generator, dtype):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        net = small_network(irreps_node_attr="3x0e", avg_num_neighbors=4.0)
        _, edge_index, edge_vec = random_graph(generator=generator)
        features = torch.randn(10, net.irreps_in.dim, generator=generator, dtype=dtype)
        out = net(features, edge_index, edge_vec.to(dtype), node_attrs=one_hot(10))
        assert out.dtype == dtype and torch.isfinite(out).all() and out.abs().sum() > 0
    finally:
        torch.set_default_dtype(previous)


# ---------------------------------------------------------------- autograd and compile


def _energy_and_forces(model, positions, edge_index, features, attrs, create_graph=False):
    positions = positions.detach().requires_grad_(True)
    edge_vec = positions[edge_index[0]] - positions[edge_index[1]]
    energy = model(features, edge_index, edge_vec, node_attrs=attrs)[:, 0].sum()
    (grad,) = torch.autograd.grad(energy, positions, create_graph=create_graph)
    return energy, -grad


def test_double_backward_matches_finite_differences(float64, generator):
    """A loss on forces (−∂E/∂x) backpropagates to θ: check against central differences."""
    positions, edge_index, _ = random_graph(8, generator)
    net = RelaxedNetwork("0e", "4x0e+2x1o+1x1e", "0e", 2, 2, num_layers=2, irreps_node_attr="2x0e",
                         avg_num_neighbors=4.0)
    randomise(net, generator)
    features, attrs = torch.ones(8, 1), one_hot(8, 2)
    target = torch.randn(8, 3, generator=generator)

    def force_loss():
        _, forces = _energy_and_forces(net, positions, edge_index, features, attrs, create_graph=True)
        return (forces - target).pow(2).sum()

    theta = net.output.relaxed_weights.weight
    (grad,) = torch.autograd.grad(force_loss(), theta)
    assert torch.isfinite(grad).all() and grad.abs().max() > 1e-6
    step = 1e-5
    for k in (0, 4, 10):
        with torch.no_grad():
            theta[k] += step
        up = force_loss().item()  # forces need autograd: evaluate outside no_grad
        with torch.no_grad():
            theta[k] -= 2 * step
        down = force_loss().item()
        with torch.no_grad():
            theta[k] += step
        assert abs((up - down) / (2 * step) - grad[k].item()) < 1e-6 * max(1.0, abs(grad[k].item()))


def _compile_case(generator):
    positions, edge_index, _ = random_graph(8, generator)
    return positions, edge_index, torch.ones(8, 1), one_hot(8, 2)


def test_compiles_fullgraph_and_matches_eager(float64, generator):
    """Dynamo captures the layer in one graph; AOT autograd (no inductor codegen: fast) gives the same
    energy and forces. The inductor run is ``test_inductor_compile_matches_eager`` (slow)."""
    positions, edge_index, features, attrs = _compile_case(generator)
    conv = RelaxedConvolution("0e", "0e", 2, 2, irreps_node_attr="2x0e", avg_num_neighbors=4.0)
    randomise(conv, generator)
    torch._dynamo.reset()
    compiled = torch.compile(conv, fullgraph=True, backend="aot_eager")
    energy, forces = _energy_and_forces(compiled, positions, edge_index, features, attrs)
    energy_eager, forces_eager = _energy_and_forces(conv, positions, edge_index, features, attrs)
    assert abs(energy - energy_eager) < 1e-10 and (forces - forces_eager).abs().max() < 1e-10


@pytest.mark.slow
def test_inductor_compile_matches_eager(float64, generator):
    positions, edge_index, features, attrs = _compile_case(generator)
    conv = RelaxedConvolution("0e", "0e+1o", 2, 2, irreps_node_attr="2x0e", avg_num_neighbors=4.0)
    net = RelaxedNetwork("0e", "4x0e+2x1o+1x1e", "0e", 2, 2, num_layers=2, irreps_node_attr="2x0e",
                         avg_num_neighbors=4.0)
    for module in (conv, net):
        randomise(module, generator)
        torch._dynamo.reset()
        compiled = torch.compile(module, fullgraph=True)
        energy, forces = _energy_and_forces(compiled, positions, edge_index, features, attrs)
        energy_eager, forces_eager = _energy_and_forces(module, positions, edge_index, features, attrs)
        assert abs(energy - energy_eager) < 1e-10 and (forces - forces_eager).abs().max() < 1e-10
    # torch 2.13 refuses double backward through a compiled graph (docs/layer.md): already the
    # forces with create_graph=True are refused ("donated buffers ... requires create_graph=False")
    with pytest.raises(RuntimeError, match="create_graph"):
        _, forces = _energy_and_forces(compiled, positions, edge_index, features, attrs, create_graph=True)
        forces.pow(2).sum().backward()


# ---------------------------------------------------------------- example


def test_dropin_example_runs():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1", SYMBREAK_EXAMPLE_STEPS="3")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "dropin_potential.py")], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "θ block norms" in result.stdout
    assert time.perf_counter() - start < 60
