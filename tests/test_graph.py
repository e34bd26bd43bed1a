import numpy as np
import pytest
import torch

from symbreak.graph import edge_vectors, isolated_nodes, radius_graph, self_loops


def test_radius_graph_matches_brute_force(generator):
    points = torch.rand(80, 3, generator=generator, dtype=torch.float64) * 3
    edge_index = radius_graph(points, 0.9)
    distances = torch.cdist(points, points)
    expected = {(j, i) for i in range(80) for j in range(80) if i != j and distances[i, j] < 0.9}
    assert set(map(tuple, edge_index.T.tolist())) == expected
    vectors = edge_vectors(points, edge_index)
    assert torch.allclose(vectors, points[edge_index[0]] - points[edge_index[1]])


def test_self_loops_and_isolated_nodes():
    points = np.array([[0.0, 0, 0], [0.5, 0, 0], [5.0, 0, 0]])
    edge_index = radius_graph(points, 1.0, self_loops=True)
    assert edge_index.shape[1] == 2 + 3
    assert list(isolated_nodes(edge_index, 3)) == [2]
    assert torch.equal(self_loops(2), torch.tensor([[0, 1], [0, 1]]))


def test_radius_graph_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN or inf"):
        radius_graph([[0.0, 0.0, np.inf]], 1.0)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        radius_graph(np.zeros((4, 2)), 1.0)
    with pytest.raises(ValueError, match="cutoff must be > 0"):
        radius_graph(np.zeros((4, 3)), 0.0)
