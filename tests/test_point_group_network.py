"""G-irrep features: tensor product, edge encoding, convolution and network are exactly G-equivariant.

Checked on every element of G (float64, 1e-9) for named groups and for a group found from a
randomly rotated point set; the invariant readout must still see directions (it is G-, not
O(3)-invariant).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symbreak.nn import equivariance_errors, random_orthogonal
from symbreak.nn.point_group import (
    GEdgeEncoding,
    GHarmonicEdgeEncoding,
    GIrreps,
    GLinear,
    GNetwork,
    GTensorProduct,
    symmetry_adapted_harmonics,
)
from symbreak.symmetry import PointGroup

from _point_group_helpers import randomise, rotated_group


def all_irreps(group: PointGroup, mul: int) -> str:
    return " + ".join(f"{mul}x{label}" for label in group.real_irrep_labels)


def elements(group: PointGroup) -> np.ndarray:
    return np.array(group.matrices)


@pytest.mark.parametrize("name", ["Oh", "C3h", pytest.param("D6h", marks=pytest.mark.slow),
                                  pytest.param("Ih", marks=pytest.mark.slow)])
def test_tensor_product_and_linear_are_equivariant(float64, generator, name):
    group = PointGroup.from_name(name)  # C3h: complex pairs E', E'' (two coefficients per copy)
    # a few irreps of each dimension keep the number of coupling paths (and the time) small
    labels = {"Oh": "A1g A2u Eg T1u T2g", "Ih": "Ag T1u Gg Hg"}.get(name, " ".join(group.real_irrep_labels))
    irreps = GIrreps(group, " + ".join(f"2x{label}" for label in labels.split()))
    tp = GTensorProduct(irreps, GIrreps(group, " + ".join(f"1x{label}" for label in labels.split())), irreps)
    linear = GLinear(irreps, GIrreps(group, " + ".join(f"3x{label}" for label in labels.split())))
    x = torch.randn(4, irreps.dim, generator=generator)
    y = torch.randn(4, tp.irreps2.dim, generator=generator)
    d1, d2, dout = (torch.from_numpy(i.matrices()) for i in (irreps, tp.irreps2, linear.irreps_out))
    with torch.no_grad():
        rotated = tp(torch.einsum("gij,zj->gzi", d1, x).flatten(0, 1), torch.einsum("gij,zj->gzi", d2, y).flatten(0, 1))
        expected = torch.einsum("gij,zj->gzi", d1, tp(x, y)).flatten(0, 1)
        assert (rotated - expected).abs().max() < 1e-9
        lin = linear(torch.einsum("gij,zj->gzi", d1, x)) - torch.einsum("gij,zj->gzi", dout, linear(x))
        assert lin.abs().max() < 1e-9


def test_edge_features_transform_by_the_irreps(float64, generator):
    group = rotated_group("D3d", 4)
    irreps = GIrreps(group, all_irreps(group, 2))
    encoding = GEdgeEncoding(irreps, cutoff=3.0, num_basis=4, hidden=8)
    vec = torch.randn(5, 3, generator=generator)
    ops = torch.from_numpy(elements(group))
    d = torch.from_numpy(irreps.matrices())
    with torch.no_grad():
        moved = encoding(torch.einsum("gij,ej->gei", ops, vec).flatten(0, 1)).unflatten(0, (len(ops), 5))
        expected = torch.einsum("gij,ej->gei", d, encoding(vec))
    assert (moved - expected).abs().max() < 1e-9
    assert encoding(vec).abs().max() > 1e-3  # not trivially zero
    far = encoding(torch.tensor([[0.0, 0.0, 3.5]]))
    assert far.abs().max() == 0.0  # beyond the cutoff


@pytest.mark.parametrize("group", ["Td", pytest.param(("C3h", 9), marks=pytest.mark.slow),
                                   pytest.param("Oh", marks=pytest.mark.slow),
                                   pytest.param(("D6h", 8), marks=pytest.mark.slow)])
def test_network_is_exactly_g_equivariant_and_not_o3_invariant(float64, generator, group):
    group = PointGroup.from_name(group) if isinstance(group, str) else rotated_group(*group)
    net = GNetwork(group, 2, all_irreps(group, 2), all_irreps(group, 1), 1, num_layers=2, cutoff=4.0,
                   num_basis=4, edge_hidden=8)
    randomise(net, generator)
    positions = torch.randn(5, 3, generator=generator)
    edge_index = torch.tensor([(j, i) for i in range(5) for j in range(5) if i != j]).T
    edge_vec = positions[edge_index[0]] - positions[edge_index[1]]
    features = torch.randn(5, 2, generator=generator)
    errors = equivariance_errors(net, features, edge_index, edge_vec, torch.from_numpy(elements(group)))
    assert errors.max() < 1e-9
    with torch.no_grad():
        outside = [net(features, edge_index, edge_vec @ random_orthogonal(k == 1, generator).T) for k in range(2)]
        reference = net(features, edge_index, edge_vec)
    assert min((o - reference).abs().max().item() for o in outside) > 1e-6


def test_symmetry_adapted_harmonics_follow_bethe_table():
    """Copies of O's irreps in Y^l (Bethe 1929; e.g. Dresselhaus et al., Group Theory, table of
    the splitting of angular momentum states in cubic symmetry), with g/u from (-1)^l in Oh."""
    expected = {0: "A1", 1: "T1", 2: "E T2", 3: "A2 T1 T2", 4: "A1 E T1 T2", 5: "E T1 T1 T2",
                6: "A1 A2 E T1 T2 T2"}
    found = symmetry_adapted_harmonics(PointGroup.from_name("Oh"), 6)
    for l, labels in expected.items():
        suffix = "g" if l % 2 == 0 else "u"
        got = sorted(label for label, copies in found.items() for l_copy, _ in copies if l_copy == l)
        assert got == sorted(label + suffix for label in labels.split()), l


def test_harmonic_edge_features_transform_by_the_irreps(float64, generator):
    group = rotated_group("C3h", 6)  # complex pairs E', E'': one copy per pair, not two
    irreps = GIrreps(group, "2xA' + 1xE' + 1xE''")
    encoding = GHarmonicEdgeEncoding(irreps, lmax=3, cutoff=3.0, num_basis=4, hidden=8)
    vec = torch.randn(5, 3, generator=generator)
    ops = torch.from_numpy(elements(group))
    d = torch.from_numpy(irreps.matrices())
    with torch.no_grad():
        moved = encoding(torch.einsum("gij,ej->gei", ops, vec).flatten(0, 1)).unflatten(0, (len(ops), 5))
        expected = torch.einsum("gij,ej->gei", d, encoding(vec))
    assert (moved - expected).abs().max() < 1e-9 and encoding(vec).abs().max() > 1e-3
    with pytest.raises(ValueError, match="occur in no harmonic up to l = 1"):
        GHarmonicEdgeEncoding(GIrreps(group, "1xE''"), lmax=1, cutoff=3.0)
