import itertools

import numpy as np
import pytest
import torch

from symbreak.periodic import periodic_edge_vectors, periodic_radius_graph

SKEWED = np.array([[3.0, 0.0, 0.0], [1.7, 2.6, 0.0], [-0.9, 1.1, 2.4]])  # strongly triclinic


def _brute_force(positions, cell, pbc, cutoff, reach=6):
    """Every (source, target, shift) with |x_s - x_t + S @ cell| < cutoff, by enumerating images."""
    ranges = [range(-reach, reach + 1) if p else range(0, 1) for p in pbc]
    found = {}
    for shift in itertools.product(*ranges):
        offset = np.array(shift) @ cell
        for s, t in itertools.product(range(len(positions)), repeat=2):
            if s == t and not any(shift):
                continue
            d = np.linalg.norm(positions[s] - positions[t] + offset)
            if d < cutoff:
                found[(s, t, shift)] = d
    return found


def _graph_as_dict(positions, cell, edge_index, shifts):
    vec = periodic_edge_vectors(
        torch.as_tensor(positions), torch.as_tensor(cell), edge_index, shifts
    ).numpy()
    keys = [(int(s), int(t), tuple(int(x) for x in S)) for (s, t), S in zip(edge_index.T, shifts)]
    assert len(set(keys)) == len(keys), "duplicate edges"
    return dict(zip(keys, np.linalg.norm(vec, axis=1)))


@pytest.mark.parametrize("cutoff", [2.0, 4.5, 7.5])  # 7.5 Å: far beyond every cell height
def test_matches_brute_force_in_a_skewed_triclinic_cell(cutoff):
    rng = np.random.default_rng(3)
    positions = rng.random((4, 3)) @ SKEWED + rng.normal(scale=0.5, size=(4, 3))  # some outside
    edge_index, shifts = periodic_radius_graph(positions, SKEWED, True, cutoff)
    got = _graph_as_dict(positions, SKEWED, edge_index, shifts)
    expected = _brute_force(positions, SKEWED, (True, True, True), cutoff)
    assert set(got) == set(expected)
    for key, d in expected.items():
        assert got[key] == pytest.approx(d, abs=1e-12)
    # cutoff larger than the cell: atoms see their own images
    if cutoff > 3.0:
        assert any(s == t for s, t, _ in got)


def test_single_atom_cutoff_larger_than_cell_sees_only_its_images():
    cell = np.diag([1.0, 1.2, 1.5])
    edge_index, shifts = periodic_radius_graph([[0.1, 0.2, 0.3]], cell, True, 2.55)
    assert (edge_index == 0).all()
    got = _graph_as_dict(np.array([[0.1, 0.2, 0.3]]), cell, edge_index, shifts)
    assert set(got) == set(_brute_force(np.array([[0.1, 0.2, 0.3]]), cell, (True,) * 3, 2.55))
    assert len(got) % 2 == 0 and all((s, t, tuple(-x for x in S)) in got for s, t, S in got)


def test_mixed_boundary_conditions_match_brute_force():
    rng = np.random.default_rng(4)
    cell = np.array([[2.5, 0.0, 0.0], [0.8, 2.2, 0.0], [0.0, 0.0, 0.0]])  # slab, no c vector
    positions = rng.random((5, 3)) * [2.5, 2.2, 4.0]
    edge_index, shifts = periodic_radius_graph(positions, cell, [True, True, False], 3.1)
    assert (shifts[:, 2] == 0).all()
    got = _graph_as_dict(positions, cell, edge_index, shifts)
    assert set(got) == set(_brute_force(positions, cell, (True, True, False), 3.1))


def test_full_list_is_symmetric_and_sorted_and_self_loops():
    rng = np.random.default_rng(5)
    positions = rng.random((6, 3)) @ SKEWED
    edge_index, shifts = periodic_radius_graph(positions, SKEWED, True, 3.0, self_loops=True)
    keys = {(int(s), int(t), tuple(S.tolist())) for (s, t), S in zip(edge_index.T, shifts)}
    for s, t, S in keys:
        assert (t, s, tuple(-x for x in S)) in keys
    for i in range(6):
        assert (i, i, (0, 0, 0)) in keys
    target = edge_index[1].numpy()
    assert (np.diff(target) >= 0).all()
    assert edge_index.dtype == torch.int64 and shifts.dtype == torch.int64


def test_edge_vectors_are_differentiable_in_positions_and_cell():
    rng = np.random.default_rng(6)
    positions = torch.as_tensor(rng.random((3, 3)) @ SKEWED, dtype=torch.float64).requires_grad_()
    cell = torch.as_tensor(SKEWED, dtype=torch.float64).requires_grad_()
    edge_index, shifts = periodic_radius_graph(positions, cell.detach(), True, 3.5)
    assert torch.autograd.gradcheck(
        lambda p, c: periodic_edge_vectors(p, c, edge_index, shifts).norm(dim=1), (positions, cell)
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"positions": np.zeros((3, 2))}, "shape"),
        ({"positions": [[0, 0, np.nan]]}, "finite"),
        ({"cell": np.eye(2)}, "3x3"),
        ({"cell": [[1, 0, 0], [2, 0, 0], [0, 0, 1]]}, "linearly"),
        ({"cell": np.full((3, 3), np.inf)}, "finite"),
        ({"pbc": [True, False]}, "three bools"),
        ({"cutoff": 0.0}, "cutoff"),
        ({"cutoff": float("nan")}, "cutoff"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, message):
    arguments = {"positions": np.zeros((2, 3)) + [[0, 0, 0], [0.5, 0.5, 0.5]], "cell": np.eye(3),
                 "pbc": True, "cutoff": 1.0}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        periodic_radius_graph(**arguments)


def test_edge_vectors_check_shapes():
    with pytest.raises(ValueError, match="shifts"):
        periodic_edge_vectors(torch.zeros(2, 3), torch.eye(3), torch.zeros(2, 4, dtype=torch.long),
                              torch.zeros(3, 3, dtype=torch.long))
