"""Point-group names (Schoenflies, Hermann–Mauguin) and generators in standard orientation.

Standard orientation (used by :meth:`PointGroup.from_name`):

- principal axis along z; ``C_nv``: one σv is the xz plane; ``D_n``, ``D_nh``, ``D_nd``: one C2'
  axis along x (in ``D_nd`` the σd planes bisect the C2' axes); ``Cs``: the mirror is the xy plane
  (σh); ``C2v``, ``D2``, ``D2h``: twofold axes along x, y, z.
- cubic groups: the C2 (T, Th), C4 (O, Oh) or S4 (Td) axes along x, y, z, a C3 along (1, 1, 1).
- icosahedral groups: C2 axes along x, y, z, a C5 axis along (0, 1, φ) (φ the golden ratio), i.e.
  the icosahedron with vertices the cyclic permutations of (0, ±1, ±φ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ._ops import INVERSION, reflection, rotation, rotoreflection

__all__ = [
    "MAX_AXIS_ORDER",
    "GroupName",
    "parse_name",
    "generators",
    "point_group_names",
    "HERMANN_MAUGUIN",
    "CRYSTALLOGRAPHIC",
]

#: Largest order of the principal axis of the axial families accepted by ``from_name``.
MAX_AXIS_ORDER = 12

#: Hermann–Mauguin symbols (several settings) of the 32 crystallographic point groups.
HERMANN_MAUGUIN: dict[str, str] = {
    "1": "C1", "-1": "Ci", "2": "C2", "m": "Cs", "2/m": "C2h",
    "222": "D2", "mm2": "C2v", "2mm": "C2v", "m2m": "C2v", "mmm": "D2h",
    "4": "C4", "-4": "S4", "4/m": "C4h", "422": "D4", "4mm": "C4v",
    "-42m": "D2d", "-4m2": "D2d", "4/mmm": "D4h",
    "3": "C3", "-3": "S6", "32": "D3", "321": "D3", "312": "D3",
    "3m": "C3v", "3m1": "C3v", "31m": "C3v", "-3m": "D3d", "-3m1": "D3d", "-31m": "D3d",
    "6": "C6", "-6": "C3h", "6/m": "C6h", "622": "D6", "6mm": "C6v",
    "-6m2": "D3h", "-62m": "D3h", "6/mmm": "D6h",
    "23": "T", "m-3": "Th", "m3": "Th", "432": "O", "-43m": "Td", "m-3m": "Oh", "m3m": "Oh",
}

#: Schoenflies names of the 32 crystallographic point groups.
CRYSTALLOGRAPHIC: tuple[str, ...] = (
    "C1", "Ci", "C2", "Cs", "C2h", "D2", "C2v", "D2h", "C4", "S4", "C4h", "D4", "C4v", "D2d",
    "D4h", "C3", "S6", "D3", "C3v", "D3d", "C6", "C3h", "C6h", "D6", "C6v", "D3h", "D6h",
    "T", "Th", "O", "Td", "Oh",
)

_ALIASES = {"C3i": "S6", "S2": "Ci", "C1h": "Cs", "C1v": None}

_AXIAL = re.compile(r"^(C|D|S)(\d+)(v|h|d)?$")


@dataclass(frozen=True)
class GroupName:
    """Parsed Schoenflies name.

    Attributes
    ----------
    name : str
        Canonical Schoenflies name (e.g. ``"S6"`` for ``"C3i"``).
    family : str
        ``"C1"``, ``"Ci"``, ``"Cs"``, ``"C"``, ``"Cv"``, ``"Ch"``, ``"D"``, ``"Dh"``, ``"Dd"``,
        ``"S"`` (S_2n, n >= 2) or the polyhedral names ``"T"``, ``"Th"``, ``"O"``, ``"Td"``,
        ``"Oh"``, ``"I"``, ``"Ih"``.
    n : int
        Order of the principal proper rotation (``S_2n`` has ``n``); 0 for polyhedral groups.
    """

    name: str
    family: str
    n: int

    @property
    def polyhedral(self) -> bool:
        """True for the cubic and icosahedral groups."""
        return self.n == 0


def point_group_names(max_n: int = MAX_AXIS_ORDER) -> list[str]:
    """Canonical Schoenflies names accepted by ``from_name``, with axial orders ``n <= max_n``."""
    names = ["C1", "Ci", "Cs"]
    for n in range(2, max_n + 1):
        names += [f"C{n}", f"C{n}v", f"C{n}h", f"D{n}", f"D{n}h", f"D{n}d", f"S{2 * n}"]
    return names + ["T", "Th", "O", "Td", "Oh", "I", "Ih"]


def _unknown(name: str) -> ValueError:
    return ValueError(
        f"unknown point group {name!r}; valid names are Schoenflies symbols "
        f"{', '.join(point_group_names())} (axial families up to n = {MAX_AXIS_ORDER}; "
        f"aliases C3i, S2, C1h) or Hermann–Mauguin symbols {', '.join(HERMANN_MAUGUIN)}"
    )


def parse_name(name: str) -> GroupName:
    """Parse a Schoenflies or Hermann–Mauguin name into its canonical form.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    if not isinstance(name, str):
        raise ValueError(f"point group name must be a string, got {type(name).__name__}")
    s = name.strip()
    if s in HERMANN_MAUGUIN:
        s = HERMANN_MAUGUIN[s]
    if s in _ALIASES:
        if _ALIASES[s] is None:
            raise _unknown(name)
        s = _ALIASES[s]
    if s in ("C1", "Ci", "Cs"):
        return GroupName(s, s, 1)
    if s in ("T", "Th", "O", "Td", "Oh", "I", "Ih"):
        return GroupName(s, s, 0)
    m = _AXIAL.match(s)
    if m is None:
        raise _unknown(name)
    letter, n, suffix = m.group(1), int(m.group(2)), m.group(3) or ""
    if letter == "S":
        if suffix or n % 2 or n < 4 or n // 2 > MAX_AXIS_ORDER:
            raise _unknown(name)
        return GroupName(s, "S", n // 2)
    if n < 2 or n > MAX_AXIS_ORDER:
        raise _unknown(name)
    return GroupName(s, letter + suffix, n)


_PHI = (1.0 + np.sqrt(5.0)) / 2.0
_Z = np.array([0.0, 0.0, 1.0])
_X = np.array([1.0, 0.0, 0.0])
_Y = np.array([0.0, 1.0, 0.0])
_111 = np.array([1.0, 1.0, 1.0])


def generators(g: GroupName) -> list[np.ndarray]:
    """Generators of the group ``g`` in standard orientation (see module docstring)."""
    f, n = g.family, g.n
    cn = rotation(_Z, 2.0 * np.pi / n) if n else None
    table: dict[str, list[np.ndarray]] = {
        "C1": [np.eye(3)],
        "Ci": [INVERSION],
        "Cs": [reflection(_Z)],
        "T": [rotation(_Z, np.pi), rotation(_X, np.pi), rotation(_111, 2 * np.pi / 3)],
        "O": [rotation(_Z, np.pi / 2), rotation(_111, 2 * np.pi / 3)],
        "Td": [rotoreflection(_Z, np.pi / 2), rotation(_111, 2 * np.pi / 3)],
        "I": [rotation(_Z, np.pi), rotation(_111, 2 * np.pi / 3),
              rotation([0.0, 1.0, _PHI], 2 * np.pi / 5)],
    }
    table["Th"] = table["T"] + [INVERSION]
    table["Oh"] = table["O"] + [INVERSION]
    table["Ih"] = table["I"] + [INVERSION]
    if f in table:
        return table[f]
    axial = {
        "C": [cn],
        "Cv": [cn, reflection(_Y)],
        "Ch": [cn, reflection(_Z)],
        "D": [cn, rotation(_X, np.pi)],
        "Dh": [cn, rotation(_X, np.pi), reflection(_Z)],
        "Dd": [rotoreflection(_Z, np.pi / n), rotation(_X, np.pi)],
        "S": [rotoreflection(_Z, np.pi / n)],
    }
    return axial[f]
