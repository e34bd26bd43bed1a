"""Baselines for learning tensors: the training mean, and an MLP on fixed-size cell descriptors.

The MLP is the non-equivariant comparison of the learning curve: it sees the same structures
through a fixed-size descriptor (:func:`cell_descriptor`) and predicts the 21 independent Voigt
entries directly, so nothing makes its output obey Neumann's principle or rotate with the input.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..tensors import tensor_kind

__all__ = ["cell_descriptor", "DESCRIPTOR_SPECIES", "MeanBaseline", "DescriptorMLP"]

DESCRIPTOR_SPECIES = (13, 28, 29, 46, 47, 78, 79)  # the EMT metals
_BINS = np.linspace(2.0, 4.5, 10)  # Å, centres of the pair-distance histogram
_WIDTH = 0.15  # Å, Gaussian smearing of the histogram


def cell_descriptor(atoms, species: Sequence[int] = DESCRIPTOR_SPECIES, cutoff: float = 5.0) -> np.ndarray:
    """A fixed-size feature vector of a periodic cell (27 numbers with the default species).

    - composition: fraction of each of ``species`` (7);
    - the cell matrix (rows = lattice vectors) divided by the length :math:`(V/N)^{1/3}`, in the
      Cartesian frame where the tensor is expressed: the orientation and shape of the lattice (9);
    - the volume per atom (Å³) (1);
    - the pair-distance histogram: per atom, neighbours within ``cutoff`` smeared with Gaussians
      of width 0.15 Å centred at 10 distances from 2 to 4.5 Å (10).

    Positions of the atoms in the cell enter only through the distances, species only through
    the composition: the information an MLP on a fixed-size vector can use without a graph.
    """
    from ..periodic import periodic_edge_vectors, periodic_radius_graph

    numbers = atoms.numbers
    composition = np.array([np.mean(numbers == z) for z in species])
    volume = abs(np.linalg.det(atoms.cell.array)) / len(atoms)
    length = volume ** (1 / 3)
    edge_index, shifts = periodic_radius_graph(atoms.positions, atoms.cell.array, True, cutoff)
    vectors = periodic_edge_vectors(torch.as_tensor(atoms.positions), torch.as_tensor(atoms.cell.array),
                                    edge_index, shifts).numpy()
    distances = np.linalg.norm(vectors, axis=1)
    histogram = np.exp(-((distances[:, None] - _BINS[None]) / _WIDTH) ** 2).sum(axis=0) / len(atoms)
    return np.concatenate([composition, (atoms.cell.array / length).reshape(-1), [volume], histogram])


class MeanBaseline:
    """Predicts the mean training tensor for every structure."""

    def fit(self, tensors: np.ndarray) -> "MeanBaseline":
        self.mean = np.asarray(tensors, dtype=np.float64).mean(axis=0)
        return self

    def predict(self, count: int) -> np.ndarray:
        return np.broadcast_to(self.mean, (count, *self.mean.shape)).copy()


class DescriptorMLP:
    """A two-hidden-layer MLP (SiLU) from standardised descriptors to the 21 Voigt entries.

    Full-batch Adam with weight decay for a fixed number of steps (no early stopping: the
    validation set is never seen), float64, seeded.
    """

    def __init__(self, hidden: int = 64, steps: int = 2000, lr: float = 3e-3, weight_decay: float = 1e-4,
                 seed: int = 0) -> None:
        self.hidden, self.steps, self.lr, self.weight_decay, self.seed = hidden, steps, lr, weight_decay, seed

    def fit(self, descriptors: np.ndarray, tensors: np.ndarray) -> "DescriptorMLP":
        x = np.asarray(descriptors, dtype=np.float64)
        upper = np.triu_indices(6)
        y = tensor_kind("elastic").to_voigt(np.asarray(tensors))[:, upper[0], upper[1]]
        self.x_mean, self.x_std = x.mean(0), x.std(0) + 1e-8
        self.y_mean, self.y_std = y.mean(0), y.std(0) + 1e-8
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net = torch.nn.Sequential(
                torch.nn.Linear(x.shape[1], self.hidden), torch.nn.SiLU(),
                torch.nn.Linear(self.hidden, self.hidden), torch.nn.SiLU(),
                torch.nn.Linear(self.hidden, y.shape[1]),
            ).to(torch.float64)
        inputs = torch.as_tensor((x - self.x_mean) / self.x_std)
        targets = torch.as_tensor((y - self.y_mean) / self.y_std)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        for _ in range(self.steps):
            optimizer.zero_grad()
            loss = (self.net(inputs) - targets).pow(2).mean()
            loss.backward()
            optimizer.step()
        return self

    def predict(self, descriptors: np.ndarray) -> np.ndarray:
        """Cartesian tensors ``(n, 3, 3, 3, 3)`` (the 21 entries filled in by index symmetry)."""
        with torch.no_grad():
            x = torch.as_tensor((np.asarray(descriptors) - self.x_mean) / self.x_std)
            y = self.net(x).numpy() * self.y_std + self.y_mean
        voigt = np.zeros((len(y), 6, 6))
        upper = np.triu_indices(6)
        voigt[:, upper[0], upper[1]] = y
        voigt[:, upper[1], upper[0]] = y
        tensors = tensor_kind("elastic").from_voigt(voigt)
        return tensors
