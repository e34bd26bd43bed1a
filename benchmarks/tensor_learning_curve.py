"""Learning curve of EMT elastic tensors: validation error against training-set size.

Three models on the same random fcc/bcc/hcp cells (1–8 atoms, alloys, strains;
:func:`symbreak.tasks.tensor_data.elastic_dataset`):

- the training mean (one tensor for all structures);
- an MLP on the 27-number cell descriptor (:func:`symbreak.tasks.tensor_baselines.cell_descriptor`),
  predicting the 21 Voigt entries: not equivariant, no Neumann constraint;
- the equivariant network (:class:`symbreak.tasks.tensor_model.TensorNetwork`), whose output
  obeys every structure's Neumann constraints exactly; measured on the validation predictions.

The error is the RMSE over the 21 independent Voigt entries (GPa) on a fixed validation set.
Writes ``docs/figures/tensor_learning_curve.png`` and ``benchmarks/results/tensor_learning_curve.json``.

    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/tensor_learning_curve.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from symbreak._atomic import atomic_write_text
from symbreak.tasks.tensor_baselines import DescriptorMLP, MeanBaseline, cell_descriptor
from symbreak.tasks.tensor_data import ElasticDataSettings, elastic_dataset
from symbreak.tasks.tensor_learning import TensorSettings, fit_tensor_models, neumann_violation, voigt_rmse

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,20,50,100,200")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--validation", type=int, default=60)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=2e-2)
    parser.add_argument("--cache", default=None, help="cache folder of the EMT data (default ~/.cache/symbreak)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "tensor_learning_curve.json"))
    parser.add_argument("--figure", default=str(ROOT / "docs" / "figures" / "tensor_learning_curve.png"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]

    data_settings = ElasticDataSettings(count=max(sizes) + args.validation, seed=0)
    data = elastic_dataset(data_settings, args.cache, progress=True)
    print(f"{len(data)} structures, EMT tensors computed in {data.seconds:.1f} s "
          f"(median finite-difference error {np.median(data.errors):.1e} GPa)")
    validation = data.subset(range(len(data) - args.validation, len(data)))
    descriptors = np.stack([cell_descriptor(atoms) for atoms in data.structures])
    model_settings = TensorSettings(epochs=args.epochs, lr=args.lr, cutoff=4.0,
                                    irreps_hidden="8x0e+4x1o+4x2e+2x3o+2x4e")

    rows = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(data) - args.validation)
        for size in sizes:
            train = data.subset(order[:size])
            mean = MeanBaseline().fit(train.tensors).predict(len(validation))
            mlp = DescriptorMLP(seed=seed).fit(descriptors[order[:size]], train.tensors)
            mlp_pred = mlp.predict(descriptors[len(data) - args.validation:])
            tick = time.perf_counter()
            task, fitted = fit_tensor_models(train, dataclasses_replace(model_settings, seed=seed), validation,
                                             relaxed=False)
            equivariant = fitted["equivariant"]
            predicted = task.predict(equivariant.model, validation.structures)
            neumann = max(entry["violation"] for entry in neumann_violation(predicted, validation.structures))
            mlp_neumann = max(entry["violation"] for entry in neumann_violation(mlp_pred, validation.structures))
            row = {"seed": seed, "size": size,
                   "mean": voigt_rmse(mean, validation.tensors),
                   "mlp": voigt_rmse(mlp_pred, validation.tensors),
                   "equivariant": equivariant.metrics["validation_rmse"],
                   "equivariant_train": equivariant.metrics["train_rmse"],
                   "equivariant_seconds": time.perf_counter() - tick,
                   "equivariant_neumann_violation": neumann,
                   "mlp_neumann_violation": mlp_neumann}
            rows.append(row)
            print(f"seed {seed} n={size:4d}: mean {row['mean']:6.2f}  MLP {row['mlp']:6.2f}  "
                  f"equivariant {row['equivariant']:6.2f} GPa (train {row['equivariant_train']:.2f}, "
                  f"{row['equivariant_seconds']:.0f} s); Neumann violation: equivariant {neumann:.1e}, "
                  f"MLP {mlp_neumann:.1e}", flush=True)

    seconds = time.perf_counter() - started
    report = {"sizes": sizes, "seeds": seeds, "validation": args.validation, "rows": rows,
              "data": {**data_settings.__dict__, "elements": list(data_settings.elements),
                       "data_seconds": data.seconds, "median_fd_error_gpa": float(np.median(data.errors))},
              "model": model_settings.__dict__, "error": "RMSE over the 21 independent Voigt entries, GPa",
              "seconds": seconds, "threads": torch.get_num_threads()}
    atomic_write_text(json.dumps(report, indent=1), args.out)
    plot(rows, sizes, args.figure)
    print(f"total {seconds:.0f} s; wrote {args.out} and {args.figure}")


def dataclasses_replace(settings, **changes):
    import dataclasses

    return dataclasses.replace(settings, **changes)


def plot(rows, sizes, path) -> None:
    from symbreak.plot import new_figure, save_figure

    figure = new_figure(figsize=(5.2, 3.8))
    axis = figure.subplots()
    for key, label, style in (("mean", "training mean", "s--"), ("mlp", "MLP on cell descriptors", "^-"),
                              ("equivariant", "equivariant network", "o-")):
        means = [np.mean([r[key] for r in rows if r["size"] == n]) for n in sizes]
        spread = [np.std([r[key] for r in rows if r["size"] == n]) for n in sizes]
        axis.errorbar(sizes, means, yerr=spread, fmt=style, capsize=3, label=label)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("training structures")
    axis.set_ylabel("validation RMSE of C_IJ (GPa)")
    axis.set_title("EMT elastic tensors of random fcc/bcc/hcp cells")
    axis.legend(fontsize=8)
    save_figure(figure, path)


if __name__ == "__main__":
    main()
