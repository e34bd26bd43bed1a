"""Stabilisers (residual symmetry) and Landau's breaking irreps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from e3nn import o3

from symbreak.symmetry import PointGroup, breaking_irreps, stabilizer, subgroup

OH = PointGroup.from_name("Oh")


def quadratic(poly) -> np.ndarray:
    rng = np.random.default_rng(0)
    r = rng.normal(size=(100, 3))
    y = o3.spherical_harmonics(2, torch.tensor(r), normalize=False).numpy()
    return np.linalg.lstsq(y, poly(*r.T), rcond=None)[0]


@pytest.mark.parametrize(
    "vector, name",
    [([0, 0, 1.0], "C4v"), ([1, 1, 1.0], "C3v"), ([1, 1, 0.0], "C2v"), ([0.3, 0.5, 0.8], "C1"),
     ([1, 0.4, 0.0], "Cs")],
)
def test_stabilizer_of_vectors_in_oh(vector, name):
    h = stabilizer(np.array(vector), "1o", OH)
    assert h.name == name
    assert h.is_subgroup_of(OH)
    for m in h.matrices:
        np.testing.assert_allclose(m @ vector, vector, atol=1e-12)


def test_stabilizer_orientation_and_labels():
    h = stabilizer(np.array([0, 0, 2.0]), "1o", OH)
    assert h.is_standard and h.same_operations(PointGroup.from_name("C4v"))
    h = stabilizer(np.array([1.0, 1.0, 1.0]), "1o", OH)
    np.testing.assert_allclose(np.abs(h.principal_axis), np.ones(3) / np.sqrt(3), atol=1e-12)


def test_stabilizer_of_quadratics():
    eg = quadratic(lambda x, y, z: x**2 + y**2 - 2 * z**2)
    h = stabilizer(eg, "2e", OH)
    assert h.name == "D4h" and h.same_operations(PointGroup.from_name("D4h"))
    h = stabilizer(quadratic(lambda x, y, z: x**2 - y**2), "2e", OH)  # another Eg direction
    assert h.name == "D2h" and h.same_operations(PointGroup.from_name("D2h"))
    d4h = PointGroup.from_name("D4h")
    b1g = stabilizer(quadratic(lambda x, y, z: x**2 - y**2), "2e", d4h)
    assert b1g.name == "D2h" and b1g.is_standard
    assert stabilizer(quadratic(lambda x, y, z: x * y), "2e", d4h).name == "D2h"
    # a batch is stabilised by the common operations; a zero signal by everything
    both = np.stack([np.array([0, 0, 1.0]), np.array([1.0, 0, 0])])
    assert stabilizer(both, "1o", OH).name == "Cs"
    assert stabilizer(np.zeros(3), "1o", OH).name == "Oh"
    # a pseudovector along z keeps C4h
    assert stabilizer(np.array([0, 0, 1.0]), "1e", OH).name == "C4h"


def test_breaking_irreps():
    assert breaking_irreps(OH, PointGroup.from_name("D4h")) == ["Eg"]
    c4v = stabilizer(np.array([0, 0, 1.0]), "1o", OH)
    br = breaking_irreps(OH, c4v)
    assert "T1u" in br and "A1g" not in br
    d4h = PointGroup.from_name("D4h")
    assert breaking_irreps(d4h, PointGroup.from_name("D2h")) == ["B1g"]
    assert breaking_irreps(OH, OH) == []
    # every non-trivial irrep breaks to the trivial subgroup
    assert breaking_irreps(OH, PointGroup.from_name("C1")) == OH.real_irrep_labels[1:]
    with pytest.raises(ValueError, match="not a subgroup"):
        breaking_irreps(PointGroup.from_name("D4h"), PointGroup.from_name("C3v"))


def test_subgroup_rejects_non_closed_sets():
    with pytest.raises(ValueError, match="subgroup"):
        subgroup(OH, [0, 1])
