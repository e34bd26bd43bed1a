"""How large a graph a relaxed network handles here: time and peak memory by number of atoms.

A rattled fcc copper supercell (a = 3.61 Å) with periodic boundaries, neighbours within
``--cutoff`` (default 3.0 Å: the 12 nearest neighbours) found by vesin; a two-layer
``RelaxedNetwork`` (species one-hot in, ``16x0e+8x1o+8x1e+4x2e`` hidden, one scalar out per
atom, harmonics l ≤ 2, θ l ≤ 2), float32. One forward pass of the total energy and its
backward pass to the parameters and positions (forces), as training a potential needs,
without and with chunked edges (``edge_chunk_size``).

Each measurement runs in a fresh process so its peak memory is its own: the peak resident set
(``VmHWM``, reset before the step) minus the resident set before it. A fixed glibc mmap
threshold makes freed large blocks leave the resident set, so the figure is the step's real
high-water mark rather than whatever the allocator kept from earlier steps.

Run::

    python benchmarks/large_graph.py                                   # 1e3, 1e4, 1e5 atoms, 2 threads
    python benchmarks/large_graph.py --atoms 1000 100000 300000 --chunk 200000 --json large.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import peak_of, run_isolated  # noqa: E402  (a sibling module, not a package)

def _measure(num_atoms: int, cutoff: float, chunk: int | None, threads: int, queue) -> None:
    """In a fresh process: build the crystal, graph and network; time and measure one step."""
    import numpy as np
    import torch
    from ase.build import bulk

    from symbreak.nn import RelaxedNetwork
    from symbreak.periodic import periodic_radius_graph

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    repeat = max(1, round((num_atoms / 4) ** (1 / 3)))
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(repeat)
    atoms.rattle(0.05, seed=0)
    start = time.perf_counter()
    edge_index, shifts = periodic_radius_graph(atoms.positions, atoms.cell.array, True, cutoff)
    graph_seconds = time.perf_counter() - start
    cell = torch.tensor(atoms.cell.array, dtype=torch.float32)
    positions = torch.tensor(atoms.positions, dtype=torch.float32, requires_grad=True)
    offsets = shifts.to(torch.float32) @ cell
    species = torch.ones(len(atoms), 1)
    num_edges = int(edge_index.shape[1])
    net = RelaxedNetwork("1x0e", "16x0e+8x1o+8x1e+4x2e", "1x0e", 2, 2, cutoff=cutoff,
                         avg_num_neighbors=num_edges / len(atoms), edge_chunk_size=chunk)

    def step() -> None:
        for parameter in net.parameters():
            parameter.grad = None
        positions.grad = None
        edge_vec = positions[edge_index[0]] - positions[edge_index[1]] + offsets
        energy = net(species, edge_index, edge_vec).sum()
        energy.backward()

    start = time.perf_counter()
    peak = peak_of(step)
    first = time.perf_counter() - start
    start = time.perf_counter()
    step()
    second = time.perf_counter() - start
    queue.put({
        "atoms": len(atoms), "edges": num_edges, "chunk": chunk, "threads": threads,
        "graph_seconds": graph_seconds, "step_seconds": min(first, second),
        "peak_bytes": peak, "bytes_per_edge": peak / num_edges,
        "ns_per_edge": 1e9 * min(first, second) / num_edges,
        "positions_grad_finite": bool(np.isfinite(positions.grad.numpy()).all()),
    })


def measure(num_atoms: int, cutoff: float, chunk: int | None, threads: int) -> dict:
    """One measurement in a spawned process, or the reason it failed (e.g. out of memory)."""
    exit_code, row = run_isolated(_measure, num_atoms, cutoff, chunk, threads)
    if exit_code != 0:
        return {"atoms": num_atoms, "chunk": chunk, "failed": f"exit code {exit_code} (killed: out of memory?)"}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--atoms", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--cutoff", type=float, default=3.0)
    parser.add_argument("--chunk", type=int, default=100000, help="edge_chunk_size of the chunked runs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    rows = []
    print(f"{'atoms':>8} {'edges':>10} {'chunk':>8} {'graph s':>8} {'step s':>8} {'ns/edge':>8} {'peak MiB':>9} {'B/edge':>7}")
    for num_atoms in args.atoms:
        for chunk in (None, args.chunk):
            row = measure(num_atoms, args.cutoff, chunk, args.threads)
            rows.append(row)
            if "failed" in row:
                print(f"{num_atoms:>8} {'':>10} {str(chunk):>8}  {row['failed']}")
                continue
            print(f"{row['atoms']:>8} {row['edges']:>10} {str(chunk):>8} {row['graph_seconds']:>8.2f} "
                  f"{row['step_seconds']:>8.2f} {row['ns_per_edge']:>8.0f} {row['peak_bytes'] / 2**20:>9.0f} "
                  f"{row['bytes_per_edge']:>7.0f}", flush=True)
    if args.json:
        from symbreak._atomic import atomic_write_text

        atomic_write_text(json.dumps({"cutoff": args.cutoff, "results": rows}, indent=2), args.json)


if __name__ == "__main__":
    main()
