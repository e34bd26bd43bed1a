"""Time of each part of the symmetry-mode analysis for growing SrTiO3 supercells (docs/modes.md).

Run: PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/modes_scaling.py
"""

from __future__ import annotations

import time

import numpy as np

from symbreak.modes import decompose_distortion, find_relation
from symbreak.modes.decompose import _modes_of
from symbreak.modes.isotypic import mode_spaces
from symbreak.modes.quotient import SpaceGroupAction
from symbreak.structures import builtin_structure

CELLS = {
    "2x2x2 (8 cells)": 2 * np.eye(3, dtype=int),
    "bcc 4a (32 cells, 4x)": np.array([[-2, 2, 2], [2, -2, 2], [2, 2, -2]]),
    "4x4x4 (64 cells, 8x)": 4 * np.eye(3, dtype=int),
    "fcc 4a (128 cells, 16x)": np.array([[0, 4, 4], [4, 0, 4], [4, 4, 0]]),
}


def main() -> None:
    parent = builtin_structure("SrTiO3-cubic")
    start = time.perf_counter()
    find_relation(parent, "SrTiO3-tetragonal")
    relation = time.perf_counter() - start
    start = time.perf_counter()
    decompose_distortion(parent, "SrTiO3-tetragonal")
    total = time.perf_counter() - start
    print(f"SrTiO3 cubic -> I4/mcm (20-atom child): relation {relation:.2f} s, whole decomposition {total:.2f} s")
    rng = np.random.default_rng(0)
    print("| supercell | atoms | order of G/T_S | group + table | characters | mode spaces | amplitudes + isotropy | total |")
    print("|---|---|---|---|---|---|---|---|")
    for name, matrix in CELLS.items():
        t0 = time.perf_counter()
        action = SpaceGroupAction(parent, matrix)
        action.multiplication_table
        t1 = time.perf_counter()
        action.characters
        t2 = time.perf_counter()
        spaces = mode_spaces(action, "1o")
        t3 = time.perf_counter()
        values = rng.normal(scale=0.05, size=(5 * action.n_cells, 3))
        _modes_of(action, spaces, values, "1o", 20, 5, True, 1e-3)
        t4 = time.perf_counter()
        print(f"| {name} | {5 * action.n_cells} | {action.order} | {t1 - t0:.2f} s | {t2 - t1:.2f} s | "
              f"{t3 - t2:.2f} s | {t4 - t3:.2f} s | {t4 - t0:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
