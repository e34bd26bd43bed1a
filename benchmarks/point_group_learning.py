"""Where point-group equivariance pays: learning curves on data whose symmetry is exactly Oh.

Task (generated on the fly, float64 ground truth): a cluster of ``--atoms`` identical atoms near a
crystal site at the origin, with energy

.. math:: E = \\sum_{i<j} D\\big[(1 - e^{-a(r_{ij} - r_0)})^2 - 1\\big]
            + c \\sum_i K_4(r_i)\\, e^{-|r_i|^2 / 2s^2},
          \\qquad K_4(r) = x^4 + y^4 + z^4 - \\tfrac{3}{5}|r|^4

a Morse pair potential (O(3)-invariant) plus a crystal field with cubic symmetry (the first
cubic harmonic, invariant under Oh and under nothing larger). The true symmetry of E as a
function of the positions is therefore exactly Oh (about the site) together with permutations.
Positions: uniform in a ball of radius ``R`` around the site, pair distances >= ``d_min``.

Every model sees the same graph: the atoms plus one node for the site (species one-hot), all
pairs connected, edge vectors :math:`x_j - x_i`; the energy is the sum of the node outputs.

Models (each about the same number of parameters; Adam, full batch, fixed epochs):

- ``G-relaxed (Oh)``: ``RelaxedNetwork(..., symmetry=Oh)``, θ = P_A1(Oh) φ in every layer;
- ``G-irreps (Oh)``: :class:`~symbreak.nn.point_group.GNetwork` on Oh-irrep features;
- ``O(3)-equivariant``: the same RelaxedNetwork with ``irreps_relaxed=None``: it sees every
  rotation of the cluster about the site as the same, so it cannot represent the field's
  anisotropy (its error has a floor);
- ``relaxed (free)``: RelaxedNetwork with θ up to l = 4, free to break O(3) (no penalty);
- ``MLP``: a multilayer perceptron on the flattened coordinates (no symmetry at all);
- (``--models "G-irreps, harmonics l<=4 (Oh)"``, not in the default run: the G-irrep network
  with harmonics up to l = 4 projected onto Oh's irreps as edge features.)

Output: test RMSE / std of the test energies, per model, training-set size and seed; a
figure (median over seeds, min-max band) and JSON. Also the speed of a G-equivariant relaxed
layer and of a G-irrep convolution relative to the plain O(3) layer of the same size
(forward + backward, one thread, one run).

Run::

    python benchmarks/point_group_learning.py                 # ~9 min on one (shared) core
    python benchmarks/point_group_learning.py --sizes 32 128 --seeds 0 --epochs 100   # quick look
    # the extra model, drawn into the same figure:
    python benchmarks/point_group_learning.py --models "G-irreps, harmonics l<=4 (Oh)" --no-speed \
        --json docs/figures/point_group_learning_harmonics.json --figure /tmp/harmonics.png
    python benchmarks/point_group_learning.py --replot --add docs/figures/point_group_learning_harmonics.json
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from symbreak.nn import RelaxedConvolution, RelaxedNetwork
from symbreak.nn.point_group import GConvolution, GEdgeEncoding, GIrreps, GNetwork
from symbreak.symmetry import PointGroup

MODELS = ["G-relaxed (Oh)", "G-irreps (Oh)", "O(3)-equivariant", "relaxed (free)", "MLP"]
# not in the default run (which stays under 10 min): the G-irrep network with projected harmonics
EXTRA_MODELS = ["G-irreps, harmonics l<=4 (Oh)"]


# ------------------------------------------------------------------ data


def cubic_field(positions: np.ndarray, strength: float, width: float) -> np.ndarray:
    """Σ_i c K4(r_i) exp(-|r_i|²/2s²) per cluster, ``(B,)``; K4 is the first cubic harmonic."""
    x, y, z = positions[..., 0], positions[..., 1], positions[..., 2]
    r2 = x**2 + y**2 + z**2
    k4 = x**4 + y**4 + z**4 - 0.6 * r2**2
    return strength * np.sum(k4 * np.exp(-r2 / (2 * width**2)), axis=-1)


def morse(positions: np.ndarray, depth: float = 1.0, a: float = 2.0, r0: float = 1.0) -> np.ndarray:
    """Σ_{i<j} D[(1 - exp(-a(r - r0)))² - 1] per cluster, ``(B,)``."""
    diff = positions[:, :, None] - positions[:, None, :]
    r = np.linalg.norm(diff, axis=-1)
    i, j = np.triu_indices(positions.shape[1], 1)
    r = r[:, i, j]
    return np.sum(depth * ((1 - np.exp(-a * (r - r0))) ** 2 - 1), axis=-1)


def sample_clusters(count: int, atoms: int, rng: np.random.Generator, radius: float = 1.6,
                    d_min: float = 0.8) -> np.ndarray:
    out = []
    while len(out) < count:
        p = rng.uniform(-radius, radius, size=(atoms, 3))
        if np.any(np.linalg.norm(p, axis=1) > radius):
            continue
        d = np.linalg.norm(p[:, None] - p[None], axis=-1) + np.eye(atoms) * 10
        if d.min() >= d_min:
            out.append(p)
    return np.stack(out)


def energies(positions: np.ndarray, strength: float, width: float) -> np.ndarray:
    return morse(positions) + cubic_field(positions, strength, width)


class Graphs:
    """A batch of clusters as one disjoint graph: atoms + one site node each, all pairs."""

    def __init__(self, positions: np.ndarray, dtype: torch.dtype) -> None:
        b, n, _ = positions.shape
        nodes = n + 1
        with_site = np.concatenate([positions, np.zeros((b, 1, 3))], axis=1)  # the site is the last node
        pairs = np.array([(j, i) for i in range(nodes) for j in range(nodes) if i != j]).T
        offsets = (np.arange(b) * nodes)[:, None, None]
        self.edge_index = torch.as_tensor((pairs[None] + offsets).transpose(1, 0, 2).reshape(2, -1))
        flat = with_site.reshape(-1, 3)
        self.edge_vec = torch.as_tensor(flat[self.edge_index[0]] - flat[self.edge_index[1]], dtype=dtype)
        species = np.zeros((b, nodes, 2))
        species[:, :n, 0] = 1.0
        species[:, n, 1] = 1.0
        self.node_features = torch.as_tensor(species.reshape(-1, 2), dtype=dtype)
        self.graph = torch.arange(b).repeat_interleave(nodes)
        self.coordinates = torch.as_tensor(positions.reshape(b, -1), dtype=dtype)
        self.num_graphs = b
        self.avg_num_neighbors = float(nodes - 1)


# ------------------------------------------------------------------ models


class GraphEnergy(torch.nn.Module):
    """Energy of each graph: the sum of a node model's scalar outputs."""

    def __init__(self, node_model: torch.nn.Module) -> None:
        super().__init__()
        self.node_model = node_model

    def forward(self, graphs: Graphs) -> torch.Tensor:
        out = self.node_model(graphs.node_features, graphs.edge_index, graphs.edge_vec)[:, 0]
        return out.new_zeros(graphs.num_graphs).index_add_(0, graphs.graph, out)


class CoordinateMLP(torch.nn.Module):
    def __init__(self, inputs: int, hidden: int) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(inputs, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden), torch.nn.SiLU(),
            torch.nn.Linear(hidden, 1),
        )

    def forward(self, graphs: Graphs) -> torch.Tensor:
        return self.net(graphs.coordinates)[:, 0]


def build(name: str, group: PointGroup, atoms: int, z: float) -> torch.nn.Module:
    common = dict(cutoff=4.0, num_basis=8, radial_neurons=16, radial_layers=1, avg_num_neighbors=z)
    hidden = "8x0e+4x1o+4x2e"
    if name == "G-relaxed (Oh)":
        return GraphEnergy(RelaxedNetwork("2x0e", hidden, "1x0e", 2, symmetry=group, **common))
    if name == "O(3)-equivariant":
        return GraphEnergy(RelaxedNetwork("2x0e", hidden, "1x0e", 2, None, **common))
    if name == "relaxed (free)":
        return GraphEnergy(RelaxedNetwork("2x0e", hidden, "1x0e", 2, 4, **common))
    if name == "G-irreps (Oh)":
        return GraphEnergy(GNetwork(group, 2, "8xA1g+2xEg+2xT1u+2xT2g+2xA2u", "2xA1g+1xEg+1xT1u+1xT2g+1xA2u", 1,
                                    num_layers=2, cutoff=4.0, num_basis=8, edge_hidden=16, avg_num_neighbors=z))
    if name == "G-irreps, harmonics l<=4 (Oh)":
        return GraphEnergy(GNetwork(group, 2, "8xA1g+2xEg+2xT1u+2xT2g+2xA2u", "2xA1g+1xEg+1xT1u+1xT2g+1xA2u", 1,
                                    num_layers=2, cutoff=4.0, num_basis=8, edge_hidden=16, avg_num_neighbors=z,
                                    edge_lmax=4))
    if name == "MLP":
        return CoordinateMLP(3 * atoms, 64)
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS + EXTRA_MODELS)}")


def train(model: torch.nn.Module, train_set: Graphs, y: torch.Tensor, epochs: int, lr: float) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = (model(train_set) - y).pow(2).mean()
        loss.backward()
        optimizer.step()
        schedule.step()


# ------------------------------------------------------------------ speed


def speed_ratios(group: PointGroup, repeats: int = 7) -> dict[str, float]:
    """Forward + backward time of G layers / the plain O(3) layer, same features and graph."""
    torch.manual_seed(0)
    n = 200
    positions = torch.rand(n, 3) * (4 * math.pi * n / (3 * 16)) ** (1 / 3) * 1.0
    dist = torch.cdist(positions, positions)
    edge_index = torch.nonzero((dist < 1.0) & (dist > 0)).T
    edge_vec = positions[edge_index[0]] - positions[edge_index[1]]
    irreps = "16x0e+16x1o+16x2e"
    x = torch.randn(n, 16 + 48 + 80, requires_grad=True)
    layers = {
        "plain O(3)": RelaxedConvolution(irreps, irreps, 2, None, avg_num_neighbors=16, cutoff=1.0),
        "G-relaxed, filter=Y": RelaxedConvolution(irreps, irreps, 2, None, symmetry=group, irreps_filter="0e+1o+2e",
                                                  avg_num_neighbors=16, cutoff=1.0),
        "G-relaxed, default filter": RelaxedConvolution(irreps, irreps, 2, None, symmetry=group,
                                                        avg_num_neighbors=16, cutoff=1.0),
    }
    g_irreps = GIrreps(group, "16xA1g+16xT1u+8xEg+8xT2g")  # 16 + 48 + 16 + 24 = the O(3) layer's 144 - 40
    g_edge = GIrreps(group, "1xA1g+1xT1u+1xEg+1xT2g")
    g_encoding = GEdgeEncoding(g_edge, 1.0, 8, 16)
    g_conv = GConvolution(g_irreps, g_edge, g_irreps, 16.0)
    xg = torch.randn(n, g_irreps.dim, requires_grad=True)

    def run(name):
        if name == "G-irreps conv (+ edge encoding)":
            out = g_conv(xg, edge_index, g_encoding(edge_vec))
        else:
            out = layers[name](x, edge_index, edge_vec)
        out.sum().backward()

    names = [*layers, "G-irreps conv (+ edge encoding)"]
    times = {k: [] for k in names}
    for name in names:
        run(name)  # warm-up
    for rep in range(repeats):
        for name in names[rep % len(names):] + names[: rep % len(names)]:
            start = time.perf_counter()
            run(name)
            times[name].append(time.perf_counter() - start)
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {
        "edges": int(edge_index.shape[1]),
        "nodes": n,
        "seconds": medians,
        "ratio_to_plain": {k: medians[k] / medians["plain O(3)"] for k in names if k != "plain O(3)"},
    }


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--atoms", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--lr", type=float, default=3e-2)
    parser.add_argument("--test", type=int, default=256)
    parser.add_argument("--strength", type=float, default=1.0, help="c of the cubic field")
    parser.add_argument("--width", type=float, default=1.2, help="s of the field's Gaussian envelope")
    parser.add_argument("--json", type=Path, default=Path("docs/figures/point_group_learning.json"))
    parser.add_argument("--figure", type=Path, default=Path("docs/figures/point_group_learning.png"))
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--replot", action="store_true", help="only redraw the figure from --json")
    parser.add_argument("--add", type=Path, nargs="*", default=[],
                        help="with --replot: also draw the models of these JSON files (same sizes)")
    args = parser.parse_args(argv)
    if args.replot:
        report = json.loads(args.json.read_text())
        for extra in args.add:
            other = json.loads(extra.read_text())
            if other["sizes"] != report["sizes"]:
                raise ValueError(f"{extra} has sizes {other['sizes']}, {args.json} has {report['sizes']}")
            report["rmse"].update(other["rmse"])
        figure(report, args.figure)
        return report
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    start = time.perf_counter()
    group = PointGroup.from_name("Oh")

    rng = np.random.default_rng(12345)
    test_positions = sample_clusters(args.test, args.atoms, rng)
    test_e = energies(test_positions, args.strength, args.width)
    field_share = float(np.var(cubic_field(test_positions, args.strength, args.width)) / np.var(test_e))
    test_set = Graphs(test_positions, torch.float32)
    z = test_set.avg_num_neighbors

    results = {name: {str(size): [] for size in args.sizes} for name in args.models}
    timing = {name: 0.0 for name in args.models}
    for seed in args.seeds:
        data_rng = np.random.default_rng(seed)
        pool = sample_clusters(max(args.sizes), args.atoms, data_rng)
        pool_e = energies(pool, args.strength, args.width)
        for size in args.sizes:
            positions, e = pool[:size], pool_e[:size]
            mean, std = float(e.mean()), float(e.std()) or 1.0
            train_set = Graphs(positions, torch.float32)
            y = torch.as_tensor((e - mean) / std, dtype=torch.float32)
            for name in args.models:
                torch.manual_seed(seed)
                model = build(name, group, args.atoms, z)
                tick = time.perf_counter()
                train(model, train_set, y, args.epochs, args.lr)
                timing[name] += time.perf_counter() - tick
                with torch.no_grad():
                    predicted = model(test_set).double().numpy() * std + mean
                rmse = float(np.sqrt(np.mean((predicted - test_e) ** 2)) / test_e.std())
                results[name][str(size)].append(rmse)
                print(f"seed {seed} n={size:4d} {name:18s} test RMSE/std {rmse:.3f}", file=sys.stderr, flush=True)

    speed = None if args.no_speed else speed_ratios(group)
    report = {
        "task": "Morse cluster + cubic crystal field (Oh), energies",
        "atoms": args.atoms, "sizes": args.sizes, "seeds": args.seeds, "epochs": args.epochs, "lr": args.lr,
        "test_size": args.test, "field_share_of_variance": field_share,
        "metric": "test RMSE / std of test energies",
        "rmse": results,
        "median": {n: {s: statistics.median(v) for s, v in r.items()} for n, r in results.items()},
        "train_seconds": timing,
        "parameters": {n: sum(p.numel() for p in build(n, group, args.atoms, z).parameters()) for n in args.models},
        "speed": speed,
        "total_seconds": time.perf_counter() - start,
        "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, 1 thread",
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    figure(report, args.figure)
    return report


def figure(report: dict, path: Path) -> None:
    from symbreak.plot import new_figure, save_figure

    fig = new_figure(figsize=(5.2, 3.6))
    axis = fig.add_subplot(1, 1, 1)
    sizes = report["sizes"]
    for name, by_size in report["rmse"].items():
        med = [statistics.median(by_size[str(s)]) for s in sizes]
        low = [min(by_size[str(s)]) for s in sizes]
        high = [max(by_size[str(s)]) for s in sizes]
        line, = axis.plot(sizes, med, marker="o", label=name)  # median over seeds, band: min to max
        axis.fill_between(sizes, low, high, color=line.get_color(), alpha=0.15)
    axis.axhline(math.sqrt(report["field_share_of_variance"]), color="grey", ls=":", lw=1,
                 label="field part alone (√share)")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xticks(sizes, [str(s) for s in sizes])
    axis.minorticks_off()
    axis.set_yticks([0.1, 0.2, 0.3, 0.5, 1.0], ["0.1", "0.2", "0.3", "0.5", "1"])
    axis.set_xlabel("training clusters")
    axis.set_ylabel("test RMSE / std(E)")
    axis.set_title(f"{report['atoms']} atoms in a cubic (Oh) crystal field", fontsize=10)
    axis.legend(fontsize=7)
    save_figure(fig, path)


if __name__ == "__main__":
    report = main()
    print(json.dumps({"median": report["median"], "speed": report["speed"] and report["speed"]["ratio_to_plain"],
                      "field_share_of_variance": report["field_share_of_variance"],
                      "total_seconds": report["total_seconds"]}, indent=2))
