"""Datasets of structures: reading from every source, targets wherever ASE puts them, cached
neighbour lists (checked against ASE's own neighbour list), batching, pooling and bad input."""

from __future__ import annotations

import ase.db
import ase.io
import numpy as np
import pytest
import torch
from ase import Atoms
from ase.build import bulk
from ase.calculators.singlepoint import SinglePointCalculator
from ase.neighborlist import neighbor_list
from hypothesis import given, settings
from hypothesis import strategies as st

from symbreak.data import (
    StructureDataset, collate, emt_structures, neighbour_lists, pool, read_structures, split_indices,
)
from symbreak.data import _neighbours


@pytest.fixture(scope="module")
def structures():
    return emt_structures("emt-cuau", count=6, seed=2)


def _as_info(structures):
    """The same structures with energy in ``info`` and forces in ``arrays`` (no calculator)."""
    out = []
    for atoms in structures:
        copy = Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        copy.info["energy"] = atoms.get_potential_energy()
        copy.arrays["forces"] = atoms.get_forces().copy()
        out.append(copy)
    return out


def _graph_tuples(dataset):
    return [(g.numbers.tolist(), g.positions, g.edge_index, g.energy, g.forces) for g in dataset]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(_graph_tuples(a), _graph_tuples(b)):
        assert x[0] == y[0]
        for u, v in zip(x[1:], y[1:]):
            torch.testing.assert_close(u, v, rtol=0, atol=1e-7)  # extxyz keeps ~9 digits


def test_every_source_gives_the_same_dataset(structures, tmp_path):
    reference = StructureDataset(structures, 3.5, progress=False)
    ase.io.write(tmp_path / "data.extxyz", structures)  # energy/forces go to the calculator
    with ase.db.connect(str(tmp_path / "data.db")) as db:
        for atoms in structures:
            db.write(atoms, tag="emt")
    folder = tmp_path / "folder"
    folder.mkdir()
    for index, atoms in enumerate(structures):
        ase.io.write(folder / f"{index:02d}.extxyz", atoms)
    for source in (tmp_path / "data.extxyz", tmp_path / "data.db", folder, _as_info(structures)):
        _assert_same(reference, StructureDataset(source, 3.5, progress=False))
    assert read_structures(tmp_path / "data.db")[0].info["tag"] == "emt"


def test_neighbour_lists_match_ase(structures):
    """Same pairs and shifts as ASE's own neighbour list (vesin vs ASE's cell list)."""
    for atoms, (edge_index, shifts) in zip(structures, neighbour_lists(structures, 3.7, progress=False)):
        i, j, shift = neighbor_list("ijS", atoms, 3.7)
        ours = sorted(zip(edge_index[1].tolist(), edge_index[0].tolist(), map(tuple, shifts.tolist())))
        theirs = sorted(zip(i.tolist(), j.tolist(), map(tuple, shift.tolist())))
        assert ours == theirs


def test_cache_reuses_entries_and_recomputes_what_changed(structures, tmp_path, monkeypatch):
    cache = tmp_path / "neighbours.pt"
    first = neighbour_lists(structures, 3.5, cache, progress=False)
    calls = []
    original = _neighbours._compute
    monkeypatch.setattr(_neighbours, "_compute", lambda *a: calls.append(a[0]) or original(*a))
    again = neighbour_lists(structures, 3.5, cache, progress=False)
    assert calls == [] and all(torch.equal(a[0], b[0]) for a, b in zip(first, again))
    moved = [atoms.copy() for atoms in structures]
    moved[3].positions[0] += [0.3, 0.0, 0.0]
    changed = neighbour_lists(moved, 3.5, cache, progress=False)
    assert calls == [3]  # only the structure that moved
    assert torch.equal(changed[3][0], neighbour_lists(moved[3:4], 3.5, progress=False)[0][0])
    calls.clear()
    neighbour_lists(moved, 3.6, cache, progress=False)  # another cutoff: every entry is new
    assert calls == list(range(len(moved)))
    cache.write_bytes(b"garbage")  # a damaged cache is rebuilt, not trusted
    calls.clear()
    neighbour_lists(moved, 3.6, cache, progress=False)
    assert calls == list(range(len(moved)))


def test_batch_matches_structures_one_by_one(structures):
    dataset = StructureDataset(structures, 3.5, progress=False)
    graphs = [dataset[i] for i in range(len(dataset))]
    batch = collate(graphs, torch.float64)
    vectors = batch.edge_vectors()
    start_node = start_edge = 0
    for g in graphs:
        alone = collate([g], torch.float64)
        torch.testing.assert_close(vectors[start_edge : start_edge + g.num_edges], alone.edge_vectors())
        assert (batch.batch[start_node : start_node + g.num_atoms] == graphs.index(g)).all()
        start_node, start_edge = start_node + g.num_atoms, start_edge + g.num_edges
    lengths = vectors.norm(dim=1)
    assert lengths.max() < 3.5 and lengths.min() > 0.5
    torch.testing.assert_close(pool(batch.forces, batch.batch, batch.num_graphs),
                               torch.stack([g.forces.sum(0) for g in graphs]).double())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=6))
def test_pool_sums_each_graph(sizes):
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    values = torch.randn(sum(sizes), 3, dtype=torch.float64)
    expected = torch.stack([chunk.sum(0) for chunk in values.split(sizes)])
    torch.testing.assert_close(pool(values, batch, len(sizes)), expected)


def test_split_is_seeded_disjoint_and_complete():
    train, validation, test = split_indices(50, 0.2, seed=4, test=0.1)
    assert sorted(train + validation + test) == list(range(50))
    assert (len(validation), len(test)) == (10, 5)
    assert split_indices(50, 0.2, seed=4, test=0.1) == (train, validation, test)
    assert split_indices(50, 0.2, seed=5, test=0.1)[1] != validation


def _atoms(formula_positions, cell=(6, 6, 6)):
    atoms = Atoms(formula_positions[0], positions=formula_positions[1], cell=cell, pbc=True)
    atoms.calc = SinglePointCalculator(atoms, energy=-1.0, forces=np.zeros((len(atoms), 3)))
    return atoms


def test_bad_input_names_the_structure(structures, tmp_path):
    good = list(structures[:2])
    no_energy = Atoms("Cu2", positions=[[0, 0, 0], [1.5, 1.5, 0]], cell=[4, 4, 4], pbc=True)
    with pytest.raises(ValueError, match=r"structure 2 \(Cu2\): no per-structure target 'energy'"):
        StructureDataset(good + [no_energy], 3.5, progress=False)
    lonely = _atoms(("CuAu", [[0, 0, 0], [3, 3, 3]]), cell=(6, 6, 6))
    with pytest.raises(ValueError, match=r"structure 1 \(AuCu\): no two atoms are closer than the cutoff 3.5"):
        StructureDataset(good[:1] + [lonely], 3.5, progress=False)
    bad_forces = _atoms(("Cu2", [[0, 0, 0], [1.5, 1.5, 0]]))
    bad_forces.calc.results["forces"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"structure 0 \(Cu2\): per-atom target 'forces' has shape \(3, 3\)"):
        StructureDataset([bad_forces], 3.5, progress=False)
    stress = [_atoms(("Cu2", [[0, 0, 0], [1.5, 1.5, 0]])) for _ in range(2)]
    stress[0].info["stress"], stress[1].info["stress"] = np.zeros(6), np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"structure 1 \(Cu2\): target 'stress' has shape \(3, 3\), but structure 0"):
        StructureDataset(stress, 3.5, structure_targets=["stress"], progress=False)
    (tmp_path / "empty.extxyz").write_text("")
    with pytest.raises(ValueError, match="empty|cannot read"):
        StructureDataset(tmp_path / "empty.extxyz", 3.5, progress=False)
    with pytest.raises(ValueError, match="the dataset is empty"):
        StructureDataset([], 3.5, progress=False)
    with pytest.raises(ValueError, match="no such file"):
        StructureDataset(tmp_path / "missing.db", 3.5, progress=False)
