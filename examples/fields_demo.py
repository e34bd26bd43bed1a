"""Discover E and B from one charged particle's trajectory (Hofgard et al. 2024, §5.2).

    python examples/fields_demo.py [OUT_DIR]

Trains the relaxed network and its equivariant baseline on the paper's setting (E along x,
B along y, 500 Boris steps of one trajectory, batch 50), prints the read-out, and writes
``report.json``, ``fields_trajectory.png`` and ``fields_loss.png`` into OUT_DIR
(default ``fields_output``).
"""

import sys
from pathlib import Path

import torch

from symbreak.tasks.fields import run_fields


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "fields_output")
    torch.set_num_threads(1)  # tiny graphs: one thread is fastest (and kind to shared machines)
    result = run_fields([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], q=1.0, m=1.0, steps=500, batch_size=50)
    report = result.to_dict()
    fields = report["fields"]
    for label in ("relaxed", "equivariant"):
        entry = report[label]
        print(f"{label:>11}: training MSE {entry['mse']:.2e} ({entry['mse_relative']:.1e} of the mean "
              f"squared force), held-out {entry['test_mse_relative']:.1e}, {entry['seconds']:.1f} s")
    for name in ("E", "B"):
        learned = ", ".join(f"{c:+.6f}" for c in fields[f"{name}_learned"])
        magnitude = fields[f"{name}_magnitude"]
        print(f"{name}: learned direction ({learned}), {fields[f'{name}_angle_deg']:.2e}° from the truth; "
              f"|{name}| = {magnitude['learned']:.6f} (true {magnitude['true']:g})")
    result.write_json(out / "report.json")
    for path in result.figures(out):
        print("wrote", path)
    print(f"whole run: {report['seconds']:.1f} s")


if __name__ == "__main__":
    main()
