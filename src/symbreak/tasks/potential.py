"""Interatomic potentials on datasets: a relaxed (or equivariant) network trained on energies
and forces of many structures, in one process or several (``torchrun``, ``--nproc``).

Data flow: structures (list, ``.db``, extxyz, folder, or a built-in EMT dataset) →
:class:`~symbreak.data.StructureDataset` (cached neighbour lists) → seeded split →
:class:`~symbreak.nn.RelaxedPotential` (reference energies and scale from the training set)
→ :func:`~symbreak.train.train_on_dataset` (mini-batches, validation, early stopping,
checkpoints, DistributedDataParallel) → :class:`PotentialResult` (errors, history, θ).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from .._dtype import default_dtype
from ..data import BUILTIN_DATASETS, StructureDataset, builtin_dataset, collate
from ..nn import RelaxedPotential
from ..theta import thetas_of
from ..train import TrainSettings, current_world, spawn, train_on_dataset
from .potential_loss import EnergyForcesLoss
from .potential_result import LearningCurveResult, PotentialResult

__all__ = ["PotentialSettings", "load_dataset", "fit_dataset", "learning_curve", "reference_statistics",
           "rotation_sensitivity", "build_potential"]

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclasses.dataclass(frozen=True)
class PotentialSettings:
    """Model, data and training settings of a potential fit.

    Attributes
    ----------
    cutoff : float
        Neighbour cutoff (Å).
    epochs, batch_size, lr, seed : int, int, float, int
        ``batch_size`` is the global batch (all processes together), capped at the number of
        training structures.
    validation : float
        Share of the structures held out for validation (seeded split).
    max_train : int or None
        Use only this many of the training structures (learning curves); the validation
        set is unchanged.
    relaxed : bool
        Relaxed layers (θ up to ``lmax_relaxed``) or the equivariant baseline.
    lmax, lmax_relaxed, irreps_hidden, num_layers, num_basis, radial_neurons
        Architecture (:class:`~symbreak.nn.RelaxedPotential`).
    energy_weight, forces_weight : float
        Loss weights (:class:`EnergyForcesLoss`); ``forces_weight=0``: energies only.
    penalty_weight : float
        Group-lasso weight on θ's symmetry-breaking blocks.
    patience : int
        Early stopping: stop when the best validation loss of the last ``patience`` epochs
        is not 1 % below the best before them (0: never).
    schedule : {"cosine", "constant"}
    dtype : {"float32", "float64"}
        Training precision (float32 by default, for speed; analysis of θ is float64 anyway).
    device : {"auto", "cpu", "cuda"}
    checkpoint_every : int
        Epochs between checkpoints (with a checkpoint folder).
    """

    cutoff: float = 4.0
    epochs: int = 60
    batch_size: int = 16
    lr: float = 5e-3
    seed: int = 0
    validation: float = 0.1
    max_train: int | None = None
    relaxed: bool = True
    lmax: int = 2
    lmax_relaxed: int = 2
    irreps_hidden: str = "16x0e+8x1o+8x1e+4x2e"
    num_layers: int = 2
    num_basis: int = 8
    radial_neurons: int = 32
    energy_weight: float = 1.0
    forces_weight: float = 1.0
    penalty_weight: float = 1e-2
    patience: int = 0
    schedule: str = "cosine"
    dtype: str = "float32"
    device: str = "auto"
    checkpoint_every: int = 10

    def __post_init__(self) -> None:
        if not (isinstance(self.cutoff, (int, float)) and 0 < self.cutoff < 100):
            raise ValueError(f"cutoff must be a number of Å in (0, 100), got {self.cutoff!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if not 0 <= self.validation < 1:
            raise ValueError(f"validation must be a fraction in [0, 1), got {self.validation!r}")
        if self.max_train is not None and (not isinstance(self.max_train, int) or self.max_train < 1):
            raise ValueError(f"max_train must be an integer >= 1 or None, got {self.max_train!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        self.train_settings()  # epochs, lr, seed, schedule, penalty, patience: checked there
        EnergyForcesLoss(self.energy_weight, self.forces_weight)

    def train_settings(self) -> TrainSettings:
        return TrainSettings(epochs=self.epochs, lr=self.lr, seed=self.seed, schedule=self.schedule,
                             penalty="norm", penalty_weight=self.penalty_weight if self.relaxed else 0.0,
                             plateau_window=self.patience, checkpoint_every=self.checkpoint_every)


def _cache_name(data: Any) -> str:
    if isinstance(data, (str, Path)):
        stem = Path(str(data).replace(":", "-")).name or "structures"
    else:
        stem = "structures"
    return f"neighbours-{stem}.pt"


def load_dataset(
    data: Any,
    cutoff: float,
    *,
    energy_key: str | None = "energy",
    forces_key: str | None = "forces",
    cache_dir: str | Path | None = None,
    seed: int = 0,
    progress: bool = True,
    write_cache: bool = True,
) -> StructureDataset:
    """A :class:`~symbreak.data.StructureDataset` of ``data``: a built-in name
    (``"emt-cu"``, ``"emt-cuau"``, ``"emt-cu:N"``), a path or a list of ``ase.Atoms``.
    Neighbour lists (and built-in structures) are cached in ``cache_dir``. ``seed`` seeds
    the generation of a built-in dataset only (the training seed does not change the data)."""
    source = data
    if isinstance(data, str) and data.partition(":")[0] in BUILTIN_DATASETS:
        source = builtin_dataset(data, cache_dir if write_cache else None, seed=seed)
    elif isinstance(data, str) and not Path(data).exists() and data.startswith("emt"):
        raise ValueError(f"unknown built-in dataset {data!r}: expected one of {', '.join(BUILTIN_DATASETS)}[:N]")
    cache = None if cache_dir is None else Path(cache_dir) / _cache_name(data)
    return StructureDataset(source, cutoff, energy_key=energy_key, forces_key=forces_key, cache=cache,
                            progress=progress, write_cache=write_cache)


def reference_statistics(dataset: StructureDataset, indices: Sequence[int], species: Sequence[int],
                         use_forces: bool) -> tuple[torch.Tensor, float]:
    r"""Per-species reference energies :math:`e_Z` (least squares
    :math:`E_s \approx \sum_Z n_{sZ} e_Z` over the training structures) and the energy
    scale :math:`s`: the RMS force component, or (without forces) the standard deviation of
    the residual energy per atom."""
    column = {z: k for k, z in enumerate(species)}
    counts = np.zeros((len(indices), len(species)))
    energies = np.zeros(len(indices))
    for row, index in enumerate(indices):
        graph = dataset[index]
        for z in graph.numbers.tolist():
            counts[row, column[z]] += 1
        energies[row] = float(graph.energy)
    references = np.linalg.lstsq(counts, energies, rcond=None)[0]
    if use_forces:
        forces = torch.cat([dataset[i].forces for i in indices])
        scale = float(forces.pow(2).mean().sqrt())
    else:
        residual = (energies - counts @ references) / counts.sum(axis=1)
        scale = float(residual.std())
    return torch.from_numpy(references), scale if scale > 1e-12 else 1.0


def _split(count: int, settings: PotentialSettings) -> tuple[list[int], list[int]]:
    from ..data import split_indices

    train, validation = split_indices(count, settings.validation, settings.seed)
    if settings.max_train is not None:
        if settings.max_train > len(train):
            raise ValueError(f"max_train {settings.max_train} exceeds the {len(train)} training structures")
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(settings.seed + 1)).tolist()
        train = sorted(train[i] for i in order[: settings.max_train])
    return train, validation


def build_potential(dataset: StructureDataset, train: Sequence[int], settings: PotentialSettings) -> RelaxedPotential:
    """The model of ``settings``, seeded, in its dtype, with statistics of the training structures."""
    dtype = DTYPES[settings.dtype]
    with torch.random.fork_rng(devices=[]), default_dtype(dtype):
        torch.manual_seed(settings.seed)
        model = RelaxedPotential(
            dataset.species, settings.cutoff, irreps_hidden=settings.irreps_hidden, lmax=settings.lmax,
            lmax_relaxed=settings.lmax_relaxed if settings.relaxed else None, num_layers=settings.num_layers,
            avg_num_neighbors=dataset.average_num_neighbors(train), num_basis=settings.num_basis,
            radial_neurons=settings.radial_neurons,
        )
    has_forces = dataset[0].forces is not None
    references, scale = reference_statistics(dataset, train, model.species, has_forces and settings.forces_weight > 0)
    model.set_statistics(references.to(dtype), scale)
    return model


def _fit_process(dataset: StructureDataset, settings: PotentialSettings, label: str, checkpoint_dir, resume,
                 out_dir, progress) -> PotentialResult | None:
    """One process of a fit (all of it in a one-process run); rank 0 returns the result."""
    world = current_world(settings.device)
    dtype = DTYPES[settings.dtype]
    train, validation = _split(len(dataset), settings)
    model = build_potential(dataset, train, settings).to(world.device)
    objective = EnergyForcesLoss(settings.energy_weight, settings.forces_weight)
    if dataset[0].forces is None and objective.uses_forces:
        objective = EnergyForcesLoss(settings.energy_weight, 0.0)
    tag = "relaxed" if settings.relaxed else "equivariant"
    if settings.max_train is not None:  # learning-curve runs must not resume each other's checkpoints
        tag += f"-n{settings.max_train}"
    out = None if out_dir is None else Path(out_dir)
    training = train_on_dataset(
        model, torch.utils.data.Subset(dataset, train), torch.utils.data.Subset(dataset, validation), objective,
        settings.train_settings(), batch_size=min(settings.batch_size, len(train)),
        collate_fn=lambda graphs: collate(graphs, dtype),
        prepare=lambda batch: batch.to(world.device, dtype), world=world,
        checkpoint=None if checkpoint_dir is None else Path(checkpoint_dir) / f"{tag}.pt", resume=resume,
        csv_path=None if out is None else out / f"metrics-{tag}.csv",
        tensorboard_dir=None if out is None else out / f"tensorboard-{tag}",
        description=f"{tag:>11}", progress=progress,
    )
    if not world.main:
        return None
    train_errors = _errors(objective, model, dataset, train, world, dtype)
    sensitivity = rotation_sensitivity(model, dataset, validation or train, seed=settings.seed)
    return PotentialResult(
        data=label, dataset_summary=dataset.summary(), settings=settings, training=training,
        train_errors=train_errors, n_train=len(train), n_validation=len(validation),
        thetas=thetas_of(model), model=model.cpu(), rotation_sensitivity=sensitivity,
    )


def rotation_sensitivity(model: RelaxedPotential, dataset: StructureDataset, indices: Sequence[int], *,
                         rotations: int = 8, seed: int = 0, max_structures: int = 32) -> dict[str, float]:
    r"""How much the model's predictions depend on the orientation of the structures.

    For random orthogonal matrices :math:`Q` (rotations and rotoinversions, seeded), with the
    model in exact float64 (:func:`~symbreak.nn.float64_copy`):

    .. math:: \Delta_E = \max_{s,Q} \frac{|E(Q s) - E(s)|}{N_s}, \qquad
              \Delta_F = \max_{s,Q,i,a} |F(Qs)_{ia} - (Q F(s)_i)_a|

    Zero (to round-off) for an equivariant model or a scalar θ; a relaxed model whose θ grew
    symmetry-breaking blocks predicts orientation-dependent energies, which for physical
    (E(3)-invariant) data is an error. Compare with the validation MAE.

    Returns
    -------
    dict
        ``energy_max`` (eV/atom), ``force_max`` (eV/Å), ``rotations``, ``structures``.
    """
    from ..nn import float64_copy, random_orthogonal

    exact = float64_copy(model.cpu()).eval()
    chosen = list(indices)[:max_structures]
    batch = collate([dataset[i] for i in chosen], torch.float64)
    reference = exact(batch)
    generator = torch.Generator().manual_seed(seed)
    energy_max = force_max = 0.0
    for k in range(rotations):
        matrix = random_orthogonal(k % 2 == 1, generator)
        turned = dataclasses.replace(batch, positions=batch.positions @ matrix.T, cell=batch.cell @ matrix.T)
        out = exact(turned)
        energy = ((out["energy"] - reference["energy"]).abs() / batch.num_atoms).max().item()
        force = (out["forces"] - reference["forces"] @ matrix.T).abs().max().item()
        energy_max, force_max = max(energy_max, energy), max(force_max, force)
    return {"energy_max": energy_max, "force_max": force_max, "rotations": rotations, "structures": len(chosen)}


def _errors(objective, model, dataset, indices, world, dtype) -> dict[str, float]:
    from torch.utils.data import DataLoader, Subset

    from ..train import World
    from ..train._minibatch import _evaluate

    loader = DataLoader(Subset(dataset, indices), batch_size=32, collate_fn=lambda graphs: collate(graphs, dtype))
    # rank 0 alone, on all the structures: no collective with the other processes
    return _evaluate(objective, model, loader, World(device=world.device), lambda b: b.to(world.device, dtype))


def fit_dataset(
    data: Any,
    settings: PotentialSettings = PotentialSettings(),
    *,
    energy_key: str | None = "energy",
    forces_key: str | None = "forces",
    cache_dir: str | Path | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    out_dir: str | Path | None = None,
    nproc: int = 1,
    progress: bool = True,
) -> PotentialResult | None:
    """Train a potential on ``data`` and return what it learned (``None`` on ranks other than 0).

    Parameters
    ----------
    data : str, path, or list of ase.Atoms
        Built-in dataset name (``"emt-cu"``, ``"emt-cuau"``, ``"emt-cu:N"``), ASE database,
        extxyz or other ASE file, folder of structure files, or the structures themselves.
    settings : PotentialSettings
    energy_key, forces_key : str or None
        Where the targets are (``info``/``arrays`` keys, or the calculator's results).
        ``forces_key=None``: train on energies only.
    cache_dir : path, optional
        Neighbour-list (and built-in dataset) cache.
    checkpoint_dir : path, optional
        Checkpoints ``relaxed.pt`` / ``equivariant.pt``; ``resume`` continues from them.
    out_dir : path, optional
        Metrics per epoch (``metrics-<model>.csv``, TensorBoard if installed).
    nproc : int
        Local processes (DistributedDataParallel on gloo/NCCL). Under ``torchrun`` leave 1:
        every process calls this function and joins the launcher's group.
    progress : bool
    """
    import os

    distributed_launch = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank = int(os.environ.get("RANK", "0"))
    if settings.batch_size % nproc and not distributed_launch:
        raise ValueError(f"batch size {settings.batch_size} is not a multiple of --nproc {nproc}")
    label = str(data) if isinstance(data, (str, Path)) else f"{len(data)} structures"
    dataset = load_dataset(data, settings.cutoff, energy_key=energy_key, forces_key=forces_key,
                           cache_dir=cache_dir, progress=progress and rank == 0,
                           write_cache=rank == 0)
    return spawn(_fit_process, nproc, dataset, settings, label, checkpoint_dir, resume, out_dir, progress)


def learning_curve(
    data: Any,
    sizes: Sequence[int],
    settings: PotentialSettings = PotentialSettings(),
    *,
    equal_steps: bool = True,
    **fit_kwargs: Any,
) -> LearningCurveResult:
    """Validation errors against the number of training structures (same validation set).

    One :func:`fit_dataset` per size ``n`` in ``sizes`` (``max_train = n``). With
    ``equal_steps`` every fit makes the same number of optimiser steps as the largest
    one does in ``settings.epochs`` epochs: ``epochs_n = ceil(epochs * steps_max / steps_n)``
    with ``steps_n = floor(n / B)`` steps per epoch. Otherwise small sets would also get
    fewer steps, and the curve would mix less data with less training. Keyword arguments
    go to :func:`fit_dataset`.
    """
    import math

    sizes = sorted({int(n) for n in sizes})
    if not sizes or sizes[0] < 1:
        raise ValueError(f"sizes must be positive integers, got {sizes!r}")

    def steps(n: int) -> int:
        return n // min(settings.batch_size, n)

    fits = []
    for n in sizes:
        epochs = math.ceil(settings.epochs * steps(sizes[-1]) / steps(n)) if equal_steps else settings.epochs
        chosen = dataclasses.replace(settings, max_train=n, batch_size=min(settings.batch_size, n), epochs=epochs)
        fits.append(fit_dataset(data, chosen, **fit_kwargs))
    return LearningCurveResult(fits)
