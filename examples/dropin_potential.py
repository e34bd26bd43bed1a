"""A small interatomic potential built from the relaxed layer, trained on EMT energies and forces.

The model is a NequIP/MACE-shaped energy model: species one-hot node attributes, a periodic
neighbour list (ASE), edge harmonics and radial embedding computed once per pass inside
:class:`~symbreak.nn.RelaxedNetwork`, a per-atom scalar read-out summed to the energy, and
forces :math:`F = -\\partial E / \\partial x` by autograd. Training on forces backpropagates
through them (double backward). After training the θ block norms show how much symmetry
breaking the fit used: EMT is rotation invariant, so the breaking blocks should stay small.

Run::

    python examples/dropin_potential.py            # 40 steps
    SYMBREAK_EXAMPLE_STEPS=3 python examples/dropin_potential.py
"""

from __future__ import annotations

import os

import numpy as np
import torch
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.neighborlist import neighbor_list

from symbreak.nn import RelaxedNetwork, average_num_neighbors

CUTOFF = 4.0
SPECIES = {"Cu": 0, "Al": 1}


def make_structures(count: int, seed: int = 0) -> list:
    """Rattled 8-atom CuAl fcc cells under periodic boundary conditions, with EMT labels."""
    rng = np.random.default_rng(seed)
    structures = []
    for _ in range(count):
        atoms = bulk("Cu", "fcc", a=3.7, cubic=True).repeat((2, 1, 1))
        symbols = np.array(atoms.get_chemical_symbols())
        symbols[rng.choice(len(atoms), 3, replace=False)] = "Al"
        atoms.set_chemical_symbols(list(symbols))
        atoms.rattle(0.08, seed=int(rng.integers(1 << 30)))
        atoms.calc = EMT()
        structures.append(atoms)
    return structures


def to_graph(atoms) -> dict[str, torch.Tensor]:
    """Tensors of one structure; edge_index = (source j, target i), shift so that x_j - x_i + S·cell."""
    i, j, shift = neighbor_list("ijS", atoms, CUTOFF)
    species = torch.tensor([SPECIES[s] for s in atoms.get_chemical_symbols()])
    return {
        "positions": torch.tensor(atoms.positions),
        "edge_index": torch.stack([torch.from_numpy(j), torch.from_numpy(i)]),
        "shift": torch.from_numpy(shift.astype(np.float64) @ atoms.cell.array),  # (E, 3) Cartesian
        "attrs": torch.nn.functional.one_hot(species, len(SPECIES)).double(),
        "energy": torch.tensor(atoms.get_potential_energy()),
        "forces": torch.tensor(atoms.get_forces()),
    }


class Potential(torch.nn.Module):
    """E = Σ_i [network output (0e) of atom i + per-species offset]."""

    def __init__(self, avg_num_neighbors: float) -> None:
        super().__init__()
        self.network = RelaxedNetwork(
            f"{len(SPECIES)}x0e", "8x0e+4x1o+2x2e", "0e", 2, 2, num_layers=2, cutoff=CUTOFF,
            num_basis=8, radial_neurons=16, irreps_node_attr=f"{len(SPECIES)}x0e",
            avg_num_neighbors=avg_num_neighbors,
        )
        self.offset = torch.nn.Parameter(torch.zeros(len(SPECIES)))

    def forward(self, graph: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        positions = graph["positions"].clone().requires_grad_(True)
        source, target = graph["edge_index"]
        edge_vec = positions[source] - positions[target] + graph["shift"]
        atomic = self.network(graph["attrs"], graph["edge_index"], edge_vec, node_attrs=graph["attrs"])
        energy = atomic.sum() + graph["attrs"].sum(0) @ self.offset
        # create_graph: the force loss must backpropagate to the weights
        (gradient,) = torch.autograd.grad(energy, positions, create_graph=self.training)
        return energy, -gradient


def main(steps: int) -> None:
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    graphs = [to_graph(atoms) for atoms in make_structures(4)]
    z = average_num_neighbors([(g["edge_index"], len(g["positions"])) for g in graphs])
    model = Potential(z)
    with torch.no_grad():  # start the offsets at the mean energy per atom
        model.offset.fill_(float(np.mean([g["energy"] / len(g["positions"]) for g in graphs])))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    print(f"{len(graphs)} structures, {len(graphs[0]['positions'])} atoms each, avg_num_neighbors {z:.2f}")
    for step in range(steps):
        optimiser.zero_grad()
        loss = torch.zeros(())
        for g in graphs:
            energy, forces = model(g)
            n = len(g["positions"])
            loss = loss + ((energy - g["energy"]) / n) ** 2 + (forces - g["forces"]).pow(2).mean()
        loss = loss / len(graphs)
        loss.backward()
        optimiser.step()
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step:3d}  loss {loss.item():.5f}")
    print("θ block norms (first layer, output layer):")
    for k, theta in enumerate(model.network.relaxed_weights()):
        norms = ", ".join(f"{ir}[{copy}] {block.norm().item():.4f}" for ir, copy, block in theta.blocks())
        print(f"  layer {k}: {norms}")


if __name__ == "__main__":
    main(int(os.environ.get("SYMBREAK_EXAMPLE_STEPS", "40")))
