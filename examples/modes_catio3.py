"""CaTiO3 Pnma against its cubic parent: R4+ + M3+ + X5+ and secondary modes (docs/modes.md).

The child is the published refinement of Yamanaka, Hirai & Komatsu, Am. Mineral. 87, 1183 (2002)
(CaTiO3, x = 0, Pbnm setting, AMCSD 0002890); the parent is cubic CaTiO3 of the same volume per
formula unit with Ti at the origin. Writes both as CIF files, so the command line can be run on them:

    python examples/modes_catio3.py out_dir
    symbreak modes --parent out_dir/CaTiO3-cubic.cif --child out_dir/CaTiO3-Pnma.cif --out out_dir
"""

from __future__ import annotations

import sys
from pathlib import Path

import ase.io
import numpy as np
from ase import Atoms

CELL = (5.4043, 5.4224, 7.6510)
SITES = [("Ca", (0.99160, 0.01230, 0.25)), ("Ti", (0.5, 0.0, 0.0)), ("O", (0.0586, 0.4687, 0.25)),
         ("O", (0.7130, 0.2880, 0.0371))]
# Pbnm: (x,y,z) (x,y,1/2-z) (-x,-y,1/2+z) (1/2+x,1/2-y,1/2+z) (1/2-x,1/2+y,1/2-z) (1/2-x,1/2+y,z)
# (1/2+x,1/2-y,-z) (-x,-y,-z): sign of each coordinate, then the shift
OPERATIONS = [((1, 1, 1), (0, 0, 0)), ((1, 1, -1), (0, 0, .5)), ((-1, -1, 1), (0, 0, .5)), ((1, -1, 1), (.5, .5, .5)),
              ((-1, 1, -1), (.5, .5, .5)), ((-1, 1, 1), (.5, .5, 0)), ((1, -1, -1), (.5, .5, 0)), ((-1, -1, -1), (0, 0, 0))]


def catio3_pnma() -> Atoms:
    symbols, frac = [], []
    for symbol, site in SITES:
        for signs, shift in OPERATIONS:
            p = (np.array(signs) * site + shift) % 1.0
            if not any(s == symbol and np.allclose(np.minimum(abs(p - q), 1 - abs(p - q)), 0, atol=1e-6)
                       for s, q in zip(symbols, frac)):
                symbols.append(symbol)
                frac.append(p)
    return Atoms(symbols, scaled_positions=frac, cell=np.diag(CELL), pbc=True)


def catio3_cubic() -> Atoms:
    a = (np.prod(CELL) / 4) ** (1 / 3)
    return Atoms("TiCaO3", scaled_positions=[(0, 0, 0), (.5, .5, .5), (.5, 0, 0), (0, .5, 0), (0, 0, .5)],
                 cell=np.eye(3) * a, pbc=True)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    ase.io.write(out / "CaTiO3-cubic.cif", catio3_cubic())
    ase.io.write(out / "CaTiO3-Pnma.cif", catio3_pnma())
    print(f"wrote {out / 'CaTiO3-cubic.cif'} and {out / 'CaTiO3-Pnma.cif'}")
