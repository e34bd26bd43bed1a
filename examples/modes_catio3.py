"""CaTiO3 Pnma against its cubic parent: R4+ + M3+ + X5+ and secondary modes (docs/modes.md).

The child is the built-in ``CaTiO3-orthorhombic``, the published refinement of Yamanaka, Hirai &
Komatsu, Am. Mineral. 87, 1183 (2002) (x = 0, Pbnm setting, AMCSD 0002890); the parent is the
built-in ``CaTiO3-cubic`` (same volume per formula unit, Ti at the origin). The built-in names work
on the command line directly; this script writes both as CIF files to show the same run on files:

    python examples/modes_catio3.py out_dir
    symbreak modes --parent out_dir/CaTiO3-cubic.cif --child out_dir/CaTiO3-Pnma.cif --out out_dir
    symbreak modes --parent CaTiO3-cubic --child CaTiO3-orthorhombic          # the same analysis
"""

from __future__ import annotations

import sys
from pathlib import Path

import ase.io

from symbreak.structures import builtin_structure

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    ase.io.write(out / "CaTiO3-cubic.cif", builtin_structure("CaTiO3-cubic"))
    ase.io.write(out / "CaTiO3-Pnma.cif", builtin_structure("CaTiO3-orthorhombic"))
    print(f"wrote {out / 'CaTiO3-cubic.cif'} and {out / 'CaTiO3-Pnma.cif'}")
