"""Cost of relaxing a convolution: relaxed vs plain ``RelaxedConvolution``, on CPU.

Measured, in one run, as the median over repetitions of forward + backward
(``out.sum().backward()`` with respect to the node features and every parameter):

(a) ``plain``    the equivariant layer, ``irreps_relaxed=None``;
(b) ``relaxed``  ``irreps_relaxed=lmax``, ``irreps_filter=irreps_sh``: the same main
                 tensor product as (a); the difference is θ⊗Y plus the gradient of the
                 main product with respect to its filter, which θ needs and (a) skips
                 (target: relaxed/plain <= 1.2);
(c) ``default``  ``irreps_relaxed=lmax`` with the default filter (every l of the
                 harmonics with both parities), a larger main tensor product;
(d) θ⊗Y alone, on the same edges: ``relaxed_filter(sh)`` (folded, ``sh @ M(θ)``) vs
    ``relaxed_filter.per_edge(sh)`` (an e3nn tensor product on every edge), backward
    with respect to θ, and the max abs difference of the two (a sanity check).

Layers: ``16x0e+16x1o+16x2e -> 16x0e+16x1o+16x2e``, harmonics ``lmax=2``, θ of
``--lmax-relaxed`` (default 2), ``avg_num_neighbors=16``. Graphs: uniform random points
in a cube whose side is chosen so that the expected mean degree within the cutoff is
16 (open boundaries included); the measured mean degree is printed.

Method: every module is built from a fixed seed (θ set to random values so that (d)
compares non-trivial filters); after ``--warmup`` untimed iterations, each repetition
runs all variants back to back, in an order rotated between repetitions, so that
changes of machine load hit every variant alike. Ratios are medians of the per-repetition
ratios of these paired runs. Single-threaded by default (``torch.set_num_threads(1)``):
the timings are then comparable on a shared machine. ``--clock cpu`` times CPU time
instead of wall time, which a loaded machine disturbs less.

Run::

    make bench                                   # = python benchmarks/bench_relaxed_conv.py
    python benchmarks/bench_relaxed_conv.py --nodes 1000 --repeats 15 --json bench.json
    python benchmarks/bench_relaxed_conv.py --dtype float64 --threads 2 --lmax-relaxed 3
    python benchmarks/bench_relaxed_conv.py --clock cpu     # on a busy machine
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable

import e3nn
import torch
from e3nn import o3
from rich.console import Console
from rich.table import Table

from symbreak.graph import edge_vectors, radius_graph
from symbreak.nn import RelaxedConvolution

IRREPS = "16x0e+16x1o+16x2e"
LMAX_SH = 2
CUTOFF = 2.0
DEGREE = 16.0
SEED = 0
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def cube_side(num_nodes: int, degree: float, cutoff: float) -> float:
    """Side of the cube in which ``num_nodes`` uniform points have mean degree ``degree``.

    Two uniform points of a cube of side ``L`` are closer than ``r <= L`` with
    probability ``P(s) = 4π/3 s³ - 3π/2 s⁴ + 8/5 s⁵ - s⁶/6``, ``s = r/L`` (the integral of
    the cube's autocorrelation ``∏(1 - |x_k|)`` over the ball); the expected mean degree
    ``(N - 1) P`` decreases with ``L``, which is found by bisection.
    """

    def expected_degree(side: float) -> float:
        s = cutoff / side
        return (num_nodes - 1) * (4 * math.pi / 3 * s**3 - 1.5 * math.pi * s**4 + 1.6 * s**5 - s**6 / 6)

    if expected_degree(cutoff) < degree:
        raise ValueError(f"{num_nodes} nodes cannot reach a mean degree of {degree}")
    low, high = cutoff, cutoff * num_nodes
    for _ in range(100):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if expected_degree(middle) > degree else (low, middle)
    return 0.5 * (low + high)


def random_graph(num_nodes: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """``edge_index`` and ``edge_vec`` of uniform random points with mean degree ≈ ``DEGREE``."""
    generator = torch.Generator().manual_seed(SEED + num_nodes)
    side = cube_side(num_nodes, DEGREE, CUTOFF)
    positions = torch.rand(num_nodes, 3, generator=generator, dtype=torch.float64) * side
    edge_index = radius_graph(positions, CUTOFF)
    return edge_index, edge_vectors(positions, edge_index).to(dtype)


def build_layers(lmax_relaxed: int, dtype: torch.dtype) -> dict[str, RelaxedConvolution]:
    """The three layers (a)-(c), from a fixed seed, with random θ in the relaxed ones.

    They are built with ``dtype`` as the default dtype: constant buffers (e.g. the
    coupling tensor of the folded θ⊗Y) are computed at construction, and a layer built
    in float32 then cast with ``.to(float64)`` keeps float32-rounded constants.
    """
    torch.manual_seed(SEED)
    common = dict(irreps_sh=LMAX_SH, cutoff=CUTOFF, avg_num_neighbors=DEGREE)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        layers = {
            "plain": RelaxedConvolution(IRREPS, IRREPS, **common),
            "relaxed": RelaxedConvolution(
                IRREPS, IRREPS, **common, irreps_relaxed=lmax_relaxed,
                irreps_filter=o3.Irreps.spherical_harmonics(LMAX_SH),
            ),
            "default": RelaxedConvolution(IRREPS, IRREPS, **common, irreps_relaxed=lmax_relaxed),
        }
    finally:
        torch.set_default_dtype(default_dtype)
    for layer in layers.values():
        if layer.relaxed:
            torch.nn.init.normal_(layer.relaxed_weights.weight)
    return layers


def forward_backward(
    function: Callable[[], torch.Tensor], tensors: list[torch.Tensor]
) -> Callable[[], None]:
    """A step that clears the gradients of ``tensors``, then runs ``function().sum().backward()``."""

    def step() -> None:
        for tensor in tensors:
            tensor.grad = None
        function().sum().backward()

    return step


def time_interleaved(
    steps: dict[str, Callable[[], None]], warmup: int, repeats: int, clock: Callable[[], float]
) -> dict[str, list[float]]:
    """Seconds of every step in each of ``repeats`` repetitions, variants interleaved.

    Each repetition runs every step once, starting from a different one each time.
    """
    names = list(steps)
    for _ in range(warmup):
        for name in names:
            steps[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for repetition in range(repeats):
        shift = repetition % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            steps[name]()
            times[name].append(clock() - start)
    return times


def paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """Median of the per-repetition ratios ``numerator / denominator``."""
    return statistics.median(a / b for a, b in zip(numerator, denominator))


def bench_size(
    layers: dict[str, RelaxedConvolution],
    num_nodes: int,
    dtype: torch.dtype,
    warmup: int,
    repeats: int,
    clock: Callable[[], float],
) -> dict:
    """Time (a)-(d) on one random graph of ``num_nodes`` nodes; returns the numbers of one table row."""
    edge_index, edge_vec = random_graph(num_nodes, dtype)
    features = torch.randn(num_nodes, layers["plain"].irreps_in.dim, dtype=dtype, requires_grad=True)
    steps = {
        name: forward_backward(
            lambda layer=layer: layer(features, edge_index, edge_vec), [features, *layer.parameters()]
        )
        for name, layer in layers.items()
    }
    relaxed_filter = layers["default"].relaxed_filter
    with torch.no_grad():
        length = edge_vec.norm(dim=-1, keepdim=True)
        sh = layers["default"].sh(edge_vec / length)
        max_abs_diff = (relaxed_filter(sh) - relaxed_filter.per_edge(sh)).abs().max().item()
    theta = list(relaxed_filter.parameters())
    steps["folded"] = forward_backward(lambda: relaxed_filter(sh), theta)
    steps["per_edge"] = forward_backward(lambda: relaxed_filter.per_edge(sh), theta)

    times = time_interleaved(steps, warmup, repeats, clock)
    return {
        "nodes": num_nodes,
        "edges": edge_index.shape[1],
        "mean_degree": edge_index.shape[1] / num_nodes,
        "repeats": repeats,
        "median_ms": {name: 1e3 * statistics.median(t) for name, t in times.items()},
        "relaxed_over_plain": paired_ratio(times["relaxed"], times["plain"]),
        "default_over_plain": paired_ratio(times["default"], times["plain"]),
        "per_edge_over_folded": paired_ratio(times["per_edge"], times["folded"]),
        "filter_max_abs_diff": max_abs_diff,
        "times_s": times,
    }


def environment(args: argparse.Namespace) -> dict:
    """What the numbers depend on: versions, threads, dtype, CPUs, layer sizes."""
    return {
        "torch": torch.__version__,
        "e3nn": e3nn.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "dtype": args.dtype,
        "clock": args.clock,
        "irreps": IRREPS,
        "lmax_sh": LMAX_SH,
        "lmax_relaxed": args.lmax_relaxed,
        "avg_num_neighbors": DEGREE,
        "warmup": args.warmup,
    }


def print_tables(env: dict, rows: list[dict], console: Console) -> None:
    """The environment line and the two tables (convolutions, θ⊗Y)."""
    console.print(
        f"torch {env['torch']}, e3nn {env['e3nn']}, python {env['python']}; {env['threads']} "
        f"thread(s), {env['cpu_count']} CPUs; {env['dtype']}; {env['clock']} clock\n"
        f"irreps in/out {env['irreps']}, sh lmax {env['lmax_sh']}, θ lmax {env['lmax_relaxed']}, "
        f"avg_num_neighbors {env['avg_num_neighbors']:g}, warmup {env['warmup']}"
    )
    conv = Table(title="RelaxedConvolution forward+backward, median ms (ratios: median of paired runs)")
    for column in ("nodes", "edges", "mean deg", "reps", "(a) plain", "(b) relaxed, filter=Y",
                   "(b)/(a)", "(c) relaxed, default", "(c)/(a)"):
        conv.add_column(column, justify="right")
    theta = Table(title="θ⊗Y forward+backward (default filter), median ms")
    for column in ("nodes", "edges", "folded sh@M(θ)", "per-edge TP", "per-edge/folded", "max |Δ|"):
        theta.add_column(column, justify="right")
    for row in rows:
        ms = row["median_ms"]
        conv.add_row(
            str(row["nodes"]), str(row["edges"]), f"{row['mean_degree']:.1f}", str(row["repeats"]),
            f"{ms['plain']:.1f}", f"{ms['relaxed']:.1f}", f"{row['relaxed_over_plain']:.2f}",
            f"{ms['default']:.1f}", f"{row['default_over_plain']:.2f}",
        )
        theta.add_row(
            str(row["nodes"]), str(row["edges"]), f"{ms['folded']:.2f}", f"{ms['per_edge']:.2f}",
            f"{row['per_edge_over_folded']:.1f}", f"{row['filter_max_abs_diff']:.1e}",
        )
    console.print(conv)
    console.print(theta)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1000, 10000], help="graph sizes")
    parser.add_argument(
        "--repeats", type=int, default=7,
        help="timed repetitions at 1000 nodes; scaled by 1000/nodes for larger graphs, at least 3",
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations first")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument(
        "--clock", choices=list(CLOCKS), default="wall",
        help="wall: time.perf_counter; cpu: CPU time of the process (user + system, summed over "
        "threads), which leaves out the time other processes take on a loaded machine",
    )
    parser.add_argument("--lmax-relaxed", type=int, default=2, help="lmax of θ")
    parser.add_argument("--json", metavar="PATH", help="also save the results (and all timings) here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run every size, print the tables, optionally save JSON."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    layers = build_layers(args.lmax_relaxed, dtype)
    rows = []
    for num_nodes in args.nodes:
        repeats = max(3, round(args.repeats * min(1.0, 1000 / num_nodes)))
        rows.append(bench_size(layers, num_nodes, dtype, args.warmup, repeats, CLOCKS[args.clock]))
    env = environment(args)
    print_tables(env, rows, Console(width=120))
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"environment": env, "results": rows}, file, indent=2)


if __name__ == "__main__":
    main()
