"""How the relaxed convolution scales with graph size: time, peak memory, compile, throughput.

For graphs of about 10^3, 10^4, 10^5 (and 10^6) edges, this measures, in one run:

* the median forward + backward time of the plain layer and of the relaxed layer with the
  same filter (``irreps_filter = irreps_sh``, the layers of ``bench_relaxed_conv.py``), their
  paired ratio, and the time per edge (linear growth means a flat time per edge);
* the peak memory of one forward + backward of each, measured in a fresh process as the
  rise of the resident set size (``ru_maxrss``) above what the graph, the layer and the
  features already hold, so one measurement cannot hide in another's high-water mark;
* at one size (``--compile-edges``), the ``torch.compile`` (inductor) layer against the
  eager one, and the one-off compile time;
* the throughput in edges per second and in floating-point operations per second, set
  against the machine's limit: the rate of a large single-threaded matrix product
  (``torch.mm``, the practical peak of this core) and the nominal peak (vector width ×
  FMA units × clock) where the CPU reports what it needs.

Floating-point operations are counted with ``torch.utils.flop_counter.FlopCounterMode``,
which counts matrix-class operations (``mm``, ``bmm``, ``addmm``, ...) only: the element-wise
work of a tensor product is left out, so the FLOP rate is a lower bound.

Run::

    python benchmarks/bench_scale.py                              # 1e3, 1e4, 1e5 edges
    python benchmarks/bench_scale.py --edges 1000 10000 100000 1000000 --json scale.json \
        --figure docs/figures/scale.png
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import peak_of, run_isolated  # noqa: E402  (sibling modules, not a package)
from bench_relaxed_conv import (  # noqa: E402
    DEGREE,
    IRREPS,
    build_layers,
    forward_backward,
    paired_ratio,
    random_graph,
    time_interleaved,
)

VARIANTS = ("plain", "relaxed")


def nodes_for(edges: int) -> int:
    """Number of nodes whose random graph has about ``edges`` edges at mean degree ``DEGREE``."""
    return max(32, round(edges / DEGREE))


def _peak_memory_child(num_nodes: int, variant: str, dtype_name: str, threads: int, queue) -> None:
    """In a fresh process: peak RSS rise during one forward + backward of ``variant``."""
    torch.set_num_threads(threads)
    dtype = getattr(torch, dtype_name)
    layer = build_layers(2, dtype)[variant]
    edge_index, edge_vec = random_graph(num_nodes, dtype)
    features = torch.randn(num_nodes, layer.irreps_in.dim, dtype=dtype, requires_grad=True)
    # The first call is measured: after it, freed small blocks stay in the C allocator's
    # free lists and a second call would reuse them without raising the resident set.
    queue.put(peak_of(forward_backward(lambda: layer(features, edge_index, edge_vec),
                                       [features, *layer.parameters()])))


def peak_memory(num_nodes: int, variant: str, dtype_name: str, threads: int) -> int:
    """Bytes that one forward + backward adds at its peak, measured in a spawned process."""
    exit_code, peak = run_isolated(_peak_memory_child, num_nodes, variant, dtype_name, threads)
    if exit_code != 0:
        raise RuntimeError(f"memory measurement of {variant} at {num_nodes} nodes failed (exit {exit_code})")
    return peak


def counted_flops(layer, features, edge_index, edge_vec) -> int:
    """Matrix-class floating-point operations of one forward + backward."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        forward_backward(lambda: layer(features, edge_index, edge_vec), [features, *layer.parameters()])()
    return counter.get_total_flops()


def matmul_rate(dtype: torch.dtype, size: int = 2048, repeats: int = 5) -> float:
    """Floating-point operations per second of a large ``torch.mm`` on the current threads."""
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    torch.mm(a, b)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


def nominal_peak(dtype: torch.dtype, threads: int) -> tuple[float | None, str]:
    """Nominal peak FLOP/s of ``threads`` cores from ``/proc/cpuinfo``, or ``None`` where it can't tell.

    Peak = clock × SIMD lanes × 2 (an FMA is two operations) × 2 FMA units per core, the
    figure for the x86-64 server cores of the last decade; the clock is the one the kernel
    reports now, not the turbo clock.
    """
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None, "no /proc/cpuinfo"
    flags = set(re.search(r"^flags\s*:(.*)$", text, re.M).group(1).split()) if "flags" in text else set()
    clock = re.search(r"^cpu MHz\s*:\s*([\d.]+)", text, re.M)
    model = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
    if clock is None or "fma" not in flags:
        return None, "clock or FMA unknown"
    vector_bits = 512 if "avx512f" in flags else 256 if "avx2" in flags else 128
    lanes = vector_bits // (8 * torch.finfo(dtype).bits // 8)
    peak = float(clock.group(1)) * 1e6 * lanes * 2 * 2 * threads
    name = model.group(1).strip() if model else "CPU"
    return peak, f"{name}, {float(clock.group(1)):.0f} MHz, {vector_bits}-bit FMA × 2 units, {threads} core(s)"


def compile_comparison(num_nodes: int, dtype: torch.dtype, warmup: int, repeats: int) -> dict:
    """Eager vs ``torch.compile`` forward + backward of the relaxed layer, and the compile time."""
    layer = build_layers(2, dtype)["relaxed"]
    edge_index, edge_vec = random_graph(num_nodes, dtype)
    features = torch.randn(num_nodes, layer.irreps_in.dim, dtype=dtype, requires_grad=True)
    compiled = torch.compile(layer, dynamic=False)
    start = time.perf_counter()
    forward_backward(lambda: compiled(features, edge_index, edge_vec), [features, *layer.parameters()])()
    compile_seconds = time.perf_counter() - start
    with torch.no_grad():
        difference = (compiled(features, edge_index, edge_vec) - layer(features, edge_index, edge_vec)).abs().max()
    tensors = [features, *layer.parameters()]
    steps = {
        "eager": forward_backward(lambda: layer(features, edge_index, edge_vec), tensors),
        "compiled": forward_backward(lambda: compiled(features, edge_index, edge_vec), tensors),
    }
    times = time_interleaved(steps, warmup, repeats, time.perf_counter)
    return {
        "nodes": num_nodes,
        "edges": int(edge_index.shape[1]),
        "compile_seconds": compile_seconds,
        "median_ms": {name: 1e3 * statistics.median(t) for name, t in times.items()},
        "eager_over_compiled": paired_ratio(times["eager"], times["compiled"]),
        "max_abs_difference": float(difference),
    }


def bench_edges(edges: int, dtype: torch.dtype, dtype_name: str, threads: int, warmup: int,
                budget_seconds: float, memory: bool) -> dict:
    """Time, memory and counted FLOPs of the plain and relaxed layers on one graph."""
    num_nodes = nodes_for(edges)
    layers = build_layers(2, dtype)
    layers = {name: layers[name] for name in VARIANTS}
    edge_index, edge_vec = random_graph(num_nodes, dtype)
    features = torch.randn(num_nodes, layers["plain"].irreps_in.dim, dtype=dtype, requires_grad=True)
    steps = {
        name: forward_backward(lambda layer=layer: layer(features, edge_index, edge_vec),
                               [features, *layer.parameters()])
        for name, layer in layers.items()
    }
    start = time.perf_counter()
    steps["relaxed"]()
    one = time.perf_counter() - start
    repeats = int(min(15, max(3, budget_seconds / (2 * one))))
    times = time_interleaved(steps, warmup, repeats, time.perf_counter)
    num_edges = int(edge_index.shape[1])
    median = {name: statistics.median(t) for name, t in times.items()}
    row = {
        "nodes": num_nodes,
        "edges": num_edges,
        "repeats": repeats,
        "median_ms": {name: 1e3 * value for name, value in median.items()},
        "ns_per_edge": {name: 1e9 * value / num_edges for name, value in median.items()},
        "relaxed_over_plain": paired_ratio(times["relaxed"], times["plain"]),
        "edges_per_second": {name: num_edges / value for name, value in median.items()},
        "counted_flops": {name: counted_flops(layer, features, edge_index, edge_vec) for name, layer in layers.items()},
    }
    row["flop_rate"] = {name: row["counted_flops"][name] / median[name] for name in VARIANTS}
    if memory:
        row["peak_bytes"] = {name: peak_memory(num_nodes, name, dtype_name, threads) for name in VARIANTS}
        row["bytes_per_edge"] = {name: row["peak_bytes"][name] / num_edges for name in VARIANTS}
    return row


def print_report(result: dict, console: Console) -> None:
    """The tables a user reads."""
    env = result["environment"]
    console.print(
        f"torch {env['torch']}; {env['threads']} thread(s); {env['dtype']}; layers {IRREPS} → same, "
        f"sh lmax 2, θ lmax 2, mean degree ≈ {DEGREE:g}\n"
        f"machine limit: torch.mm {env['matmul_gflops']:.1f} GFLOP/s; nominal "
        + (f"{env['nominal_peak_gflops']:.1f} GFLOP/s ({env['nominal_peak_basis']})"
           if env["nominal_peak_gflops"] else f"unknown ({env['nominal_peak_basis']})")
    )
    table = Table(title="forward + backward per graph size (median; ratio = median of paired runs)")
    for column in ("edges", "plain ms", "relaxed ms", "relaxed/plain", "relaxed ns/edge",
                   "relaxed Medge/s", "counted GFLOP/s", "% of mm", "peak MB plain", "peak MB relaxed"):
        table.add_column(column, justify="right")
    for row in result["sizes"]:
        peak = row.get("peak_bytes", {})
        table.add_row(
            f"{row['edges']:,}", f"{row['median_ms']['plain']:.1f}", f"{row['median_ms']['relaxed']:.1f}",
            f"{row['relaxed_over_plain']:.2f}", f"{row['ns_per_edge']['relaxed']:.0f}",
            f"{row['edges_per_second']['relaxed'] / 1e6:.3f}", f"{row['flop_rate']['relaxed'] / 1e9:.2f}",
            f"{100 * row['flop_rate']['relaxed'] / (1e9 * env['matmul_gflops']):.1f}",
            f"{peak['plain'] / 2**20:.0f}" if peak else "-", f"{peak['relaxed'] / 2**20:.0f}" if peak else "-",
        )
    console.print(table)
    sizes = result["sizes"]
    for small, large in zip(sizes, sizes[1:]):
        growth = large["ns_per_edge"]["relaxed"] / small["ns_per_edge"]["relaxed"]
        console.print(f"time per edge at {large['edges']:,} / at {small['edges']:,} edges: {growth:.2f}")
    comp = result.get("compile")
    if comp:
        console.print(
            f"torch.compile (inductor), relaxed layer at {comp['edges']:,} edges: eager {comp['median_ms']['eager']:.1f} ms, "
            f"compiled {comp['median_ms']['compiled']:.1f} ms, eager/compiled {comp['eager_over_compiled']:.2f}; "
            f"first call (compile) {comp['compile_seconds']:.1f} s; max |Δ| {comp['max_abs_difference']:.1e}"
        )


def plot(result: dict, path: Path) -> None:
    """Log-log time and peak memory against edges, plain and relaxed."""
    from symbreak.plot import new_figure, save_figure

    figure = new_figure(figsize=(9, 3.6))
    time_axes, memory_axes = figure.subplots(1, 2)
    sizes = result["sizes"]
    edges = [row["edges"] for row in sizes]
    for name, marker in (("plain", "o"), ("relaxed", "s")):
        time_axes.loglog(edges, [row["median_ms"][name] for row in sizes], marker=marker, label=name)
        if all("peak_bytes" in row for row in sizes):
            memory_axes.loglog(edges, [row["peak_bytes"][name] / 2**20 for row in sizes], marker=marker, label=name)
    reference = [sizes[0]["median_ms"]["relaxed"] * e / edges[0] for e in edges]
    time_axes.loglog(edges, reference, "k:", label="∝ edges")
    time_axes.set(xlabel="edges", ylabel="forward + backward (ms)", title="time")
    memory_axes.set(xlabel="edges", ylabel="peak memory added (MiB)", title="memory")
    for axes in (time_axes, memory_axes):
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
    save_figure(figure, path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20.0, help="rough timing budget per size")
    parser.add_argument("--compile-edges", type=int, default=10000, help="size of the compile comparison; 0 skips it")
    parser.add_argument("--no-memory", action="store_true", help="skip the per-process memory measurements")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--figure", metavar="PATH")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Measure every size, print, and optionally save JSON and the figure."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    peak, basis = nominal_peak(dtype, args.threads)
    result = {
        "environment": {
            "torch": torch.__version__, "threads": args.threads, "dtype": args.dtype, "cpu_count": os.cpu_count(),
            "matmul_gflops": matmul_rate(dtype) / 1e9,
            "nominal_peak_gflops": peak / 1e9 if peak else None, "nominal_peak_basis": basis,
        },
        "sizes": [bench_edges(edges, dtype, args.dtype, args.threads, args.warmup, args.seconds, not args.no_memory)
                  for edges in args.edges],
    }
    if args.compile_edges:
        result["compile"] = compile_comparison(nodes_for(args.compile_edges), dtype, 2, 7)
    print_report(result, Console(width=140))
    if args.json:
        from symbreak._atomic import atomic_write_text

        atomic_write_text(json.dumps(result, indent=2), args.json)
    if args.figure:
        plot(result, Path(args.figure))


if __name__ == "__main__":
    main()
