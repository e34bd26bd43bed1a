"""Labels and characters against textbook character tables (typed in here, computed by the library)."""

from __future__ import annotations

import numpy as np
import pytest

from symbreak.symmetry import PointGroup

A = (1 + 5**0.5) / 2  # ½(1 + √5)
B = (1 - 5**0.5) / 2  # ½(1 − √5)

# {group: (class names in textbook order, {label: characters})}
TABLES = {
    "Oh": (
        ["E", "8C3", "6C2'", "6C4", "3C2", "i", "6S4", "8S6", "3σh", "6σd"],
        {
            "A1g": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            "A2g": [1, 1, -1, -1, 1, 1, -1, 1, 1, -1],
            "Eg": [2, -1, 0, 0, 2, 2, 0, -1, 2, 0],
            "T1g": [3, 0, -1, 1, -1, 3, 1, 0, -1, -1],
            "T2g": [3, 0, 1, -1, -1, 3, -1, 0, -1, 1],
            "A1u": [1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
            "A2u": [1, 1, -1, -1, 1, -1, 1, -1, -1, 1],
            "Eu": [2, -1, 0, 0, 2, -2, 0, 1, -2, 0],
            "T1u": [3, 0, -1, 1, -1, -3, -1, 0, 1, 1],
            "T2u": [3, 0, 1, -1, -1, -3, 1, 0, 1, -1],
        },
    ),
    "D4h": (
        ["E", "2C4", "C2", "2C2'", "2C2''", "i", "2S4", "σh", "2σv", "2σd"],
        {
            "A1g": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            "A2g": [1, 1, 1, -1, -1, 1, 1, 1, -1, -1],
            "B1g": [1, -1, 1, 1, -1, 1, -1, 1, 1, -1],
            "B2g": [1, -1, 1, -1, 1, 1, -1, 1, -1, 1],
            "Eg": [2, 0, -2, 0, 0, 2, 0, -2, 0, 0],
            "A1u": [1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
            "A2u": [1, 1, 1, -1, -1, -1, -1, -1, 1, 1],
            "B1u": [1, -1, 1, 1, -1, -1, 1, -1, -1, 1],
            "B2u": [1, -1, 1, -1, 1, -1, 1, -1, 1, -1],
            "Eu": [2, 0, -2, 0, 0, -2, 0, 2, 0, 0],
        },
    ),
    "D2h": (
        ["E", "C2(z)", "C2(y)", "C2(x)", "i", "σ(xy)", "σ(xz)", "σ(yz)"],
        {
            "Ag": [1, 1, 1, 1, 1, 1, 1, 1],
            "B1g": [1, 1, -1, -1, 1, 1, -1, -1],
            "B2g": [1, -1, 1, -1, 1, -1, 1, -1],
            "B3g": [1, -1, -1, 1, 1, -1, -1, 1],
            "Au": [1, 1, 1, 1, -1, -1, -1, -1],
            "B1u": [1, 1, -1, -1, -1, -1, 1, 1],
            "B2u": [1, -1, 1, -1, -1, 1, -1, 1],
            "B3u": [1, -1, -1, 1, -1, 1, 1, -1],
        },
    ),
    "C4v": (
        ["E", "2C4", "C2", "2σv", "2σd"],
        {
            "A1": [1, 1, 1, 1, 1],
            "A2": [1, 1, 1, -1, -1],
            "B1": [1, -1, 1, 1, -1],
            "B2": [1, -1, 1, -1, 1],
            "E": [2, 0, -2, 0, 0],
        },
    ),
    "C3v": (
        ["E", "2C3", "3σv"],
        {"A1": [1, 1, 1], "A2": [1, 1, -1], "E": [2, -1, 0]},
    ),
    "D3d": (
        ["E", "2C3", "3C2'", "i", "2S6", "3σd"],
        {
            "A1g": [1, 1, 1, 1, 1, 1],
            "A2g": [1, 1, -1, 1, 1, -1],
            "Eg": [2, -1, 0, 2, -1, 0],
            "A1u": [1, 1, 1, -1, -1, -1],
            "A2u": [1, 1, -1, -1, -1, 1],
            "Eu": [2, -1, 0, -2, 1, 0],
        },
    ),
    "Td": (
        ["E", "8C3", "3C2", "6S4", "6σd"],
        {
            "A1": [1, 1, 1, 1, 1],
            "A2": [1, 1, 1, -1, -1],
            "E": [2, -1, 2, 0, 0],
            "T1": [3, 0, -1, 1, -1],
            "T2": [3, 0, -1, -1, 1],
        },
    ),
    "D6h": (
        ["E", "2C6", "2C3", "C2", "3C2'", "3C2''", "i", "2S3", "2S6", "σh", "3σd", "3σv"],
        {
            "A1g": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            "A2g": [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1],
            "B1g": [1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1],
            "B2g": [1, -1, 1, -1, -1, 1, 1, -1, 1, -1, -1, 1],
            "E1g": [2, 1, -1, -2, 0, 0, 2, 1, -1, -2, 0, 0],
            "E2g": [2, -1, -1, 2, 0, 0, 2, -1, -1, 2, 0, 0],
            "A1u": [1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1],
            "A2u": [1, 1, 1, 1, -1, -1, -1, -1, -1, -1, 1, 1],
            "B1u": [1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1],
            "B2u": [1, -1, 1, -1, -1, 1, -1, 1, -1, 1, 1, -1],
            "E1u": [2, 1, -1, -2, 0, 0, -2, -1, 1, 2, 0, 0],
            "E2u": [2, -1, -1, 2, 0, 0, -2, 1, 1, -2, 0, 0],
        },
    ),
    "Ih": (
        ["E", "12C5", "12C5^2", "20C3", "15C2", "i", "12S10", "12S10^3", "20S6", "15σ"],
        {
            "Ag": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            "T1g": [3, A, B, 0, -1, 3, B, A, 0, -1],
            "T2g": [3, B, A, 0, -1, 3, A, B, 0, -1],
            "Gg": [4, -1, -1, 1, 0, 4, -1, -1, 1, 0],
            "Hg": [5, 0, 0, -1, 1, 5, 0, 0, -1, 1],
            "Au": [1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
            "T1u": [3, A, B, 0, -1, -3, -B, -A, 0, 1],
            "T2u": [3, B, A, 0, -1, -3, -A, -B, 0, 1],
            "Gu": [4, -1, -1, 1, 0, -4, 1, 1, -1, 0],
            "Hu": [5, 0, 0, -1, 1, -5, 0, 0, 1, -1],
        },
    ),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_textbook_character_table(name):
    classes, rows = TABLES[name]
    g = PointGroup.from_name(name)
    assert sorted(g.class_names) == sorted(classes)
    assert g.irrep_labels == list(rows)  # textbook row order too
    cols = [g.class_names.index(c) for c in classes]
    sizes = [int(c[: len(c) - len(c.lstrip("0123456789"))] or 1) for c in classes]
    np.testing.assert_array_equal(g.class_sizes[cols], sizes)
    table = g.character_table
    for label, expected in rows.items():
        np.testing.assert_allclose(table[g.irrep_labels.index(label)][cols], expected, atol=1e-12)


@pytest.mark.parametrize(
    "name, labels",
    [
        ("C1", ["A"]),
        ("Ci", ["Ag", "Au"]),
        ("Cs", ["A'", "A''"]),
        ("C2v", ["A1", "A2", "B1", "B2"]),
        ("D2", ["A", "B1", "B2", "B3"]),
        ("C3", ["A", "1E", "2E"]),
        ("S4", ["A", "B", "1E", "2E"]),
        ("D2d", ["A1", "A2", "B1", "B2", "E"]),
        ("C3h", ["A'", "1E'", "2E'", "A''", "1E''", "2E''"]),
        ("D3h", ["A1'", "A2'", "E'", "A1''", "A2''", "E''"]),
        ("D5h", ["A1'", "A2'", "E1'", "E2'", "A1''", "A2''", "E1''", "E2''"]),
        ("C6v", ["A1", "A2", "B1", "B2", "E1", "E2"]),
        ("D4d", ["A1", "A2", "B1", "B2", "E1", "E2", "E3"]),
        ("T", ["A", "1E", "2E", "T"]),
        ("Th", ["Ag", "1Eg", "2Eg", "Tg", "Au", "1Eu", "2Eu", "Tu"]),
        ("O", ["A1", "A2", "E", "T1", "T2"]),
        ("I", ["A", "T1", "T2", "G", "H"]),
    ],
)
def test_mulliken_labels(name, labels):
    assert PointGroup.from_name(name).irrep_labels == labels


def test_complex_pairs_are_combined_into_real_irreps():
    c4h = PointGroup.from_name("C4h")
    assert c4h.irrep_labels == ["Ag", "Bg", "1Eg", "2Eg", "Au", "Bu", "1Eu", "2Eu"]
    assert c4h.real_irrep_labels == ["Ag", "Bg", "Eg", "Au", "Bu", "Eu"]
    np.testing.assert_array_equal(c4h.real_irrep_dims, [1, 1, 2, 1, 1, 2])
    assert np.iscomplexobj(c4h.character_table)
    c4 = c4h.characters("1Eg", real=False)[c4h.index_of(np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]]))]
    assert c4 == pytest.approx(1j)  # 1E: χ(C4 by +90°) = +i
    assert not np.iscomplexobj(c4h.real_character_table)
    c6 = PointGroup.from_name("C6")
    assert c6.real_irrep_labels == ["A", "B", "E1", "E2"]
    t = PointGroup.from_name("T")
    assert t.real_irrep_labels == ["A", "E", "T"]


def test_class_names_of_small_groups():
    assert PointGroup.from_name("C2v").class_names == ["E", "C2", "σv(xz)", "σv'(yz)"]
    assert PointGroup.from_name("C2h").class_names == ["E", "C2", "i", "σh"]
    assert sorted(PointGroup.from_name("D3h").class_names) == sorted(
        ["E", "2C3", "3C2'", "σh", "2S3", "3σv"])
