"""Relaxed weights (Hofgard et al. 2024) vs a learnable input (Smidt et al. 2021) on the same shapes.

Run:  python examples/compare_methods.py            (about 3 minutes on one core)

For each pair it prints which irreps of the source's point group each method
finds, the residual symmetry, the loss reached (its own target: vertex positions at
L = 2 for relaxed weights, displacements at L = 4 for the learned input) and the
training time.
"""

import time

import torch
from rich.console import Console
from rich.table import Table

from symbreak.tasks.order_parameter import run_order_parameter
from symbreak.tasks.shapes import run_shapes

PAIRS = [("square", "rectangle"), ("cube", "prism")]


def main() -> None:
    torch.set_num_threads(1)
    table = Table(title="Two ways to find the order parameter", header_style="bold")
    for column in ("source → target", "method", "breaking irreps", "residual", "loss (before → after)", "time (s)"):
        table.add_column(column)
    for source, target in PAIRS:
        started = time.perf_counter()
        relaxed = run_shapes(source, target).to_dict()
        seconds = time.perf_counter() - started
        breaking = relaxed["breaking"]
        table.add_row(
            f"{source} → {target}", "relaxed weights θ", ", ".join(breaking["breaking_irreps"]) or "none",
            breaking["residual_group"],
            f"{relaxed['equivariant']['loss']:.1e} → {relaxed['relaxed']['loss']:.1e}", f"{seconds:.0f}",
        )
        started = time.perf_counter()
        learned = run_order_parameter(source, target).to_dict()
        seconds = time.perf_counter() - started
        op = learned["order_parameter"]
        table.add_row(
            "", "learnable input", ", ".join(op["breaking_irreps"]) or "none", op["residual_group"],
            f"{learned['loss']['before']:.1e} → {learned['loss']['after']:.1e}", f"{seconds:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
