"""Chunked edge processing gives the unchunked layer's values and derivatives, forces included."""

import pytest
import torch

from symbreak.graph import edge_vectors, radius_graph
from symbreak.nn import RelaxedConvolution, RelaxedNetwork


def _graph(generator, num_nodes=14):
    positions = torch.randn(num_nodes, 3, generator=generator) * 1.2
    edge_index = radius_graph(positions, 2.5)
    return positions, edge_index


@pytest.mark.parametrize("chunk", [7, 50])
def test_chunked_convolution_matches_and_differentiates_alike(float64, generator, chunk):
    positions, edge_index = _graph(generator)
    assert edge_index.shape[1] > chunk  # the chunked path is taken
    features = torch.randn(len(positions), 8 + 3 * 4, generator=generator)
    torch.manual_seed(0)
    plain = RelaxedConvolution("8x0e+4x1o", "4x0e+2x1o+1x2e", 2, 2, cutoff=2.5, avg_num_neighbors=5.0)
    with torch.no_grad():
        plain.relaxed_weights.weight.normal_(generator=generator)
    chunked = RelaxedConvolution("8x0e+4x1o", "4x0e+2x1o+1x2e", 2, 2, cutoff=2.5, avg_num_neighbors=5.0,
                                 edge_chunk_size=chunk)
    chunked.load_state_dict(plain.state_dict())

    def energy_and_forces(layer):
        pos = positions.clone().requires_grad_(True)
        out = layer(features, edge_index, edge_vectors(pos, edge_index))
        energy = (out**2).sum()
        forces = -torch.autograd.grad(energy, pos, create_graph=True)[0]
        loss = energy + (forces**2).sum()  # a force-matching loss needs the second derivative
        grads = torch.autograd.grad(loss, list(layer.parameters()))
        return out, forces, grads

    out_a, forces_a, grads_a = energy_and_forces(plain)
    out_b, forces_b, grads_b = energy_and_forces(chunked)
    assert torch.allclose(out_a, out_b, atol=1e-12, rtol=0)
    assert torch.allclose(forces_a, forces_b, atol=1e-11, rtol=0)
    for a, b in zip(grads_a, grads_b):
        assert torch.allclose(a, b, atol=1e-10, rtol=1e-10)


def test_network_passes_the_chunk_size_to_every_layer():
    net = RelaxedNetwork("2x0e", "4x0e+2x1o", "1x0e", 2, 2, edge_chunk_size=64)
    assert {conv.edge_chunk_size for conv in net.convolutions} == {64}


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "100"])
def test_bad_chunk_size_is_one_clear_error(bad):
    with pytest.raises(ValueError, match="edge_chunk_size must be an integer >= 1 or None"):
        RelaxedConvolution("1x0e", "1x0e", 1, edge_chunk_size=bad)
