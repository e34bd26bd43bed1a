"""Allowed forms of property tensors, the Voigt-pattern figures of docs/tensors.md, and the
elastic tensor of fcc Cu from ASE's EMT, symmetrised onto m-3m.

Run: ``python examples/tensor_forms.py [figures_dir] [inputs_dir]`` (defaults ``docs/figures``
and ``tensor_inputs``); about 10 s. The second folder receives the input files of the
command-line examples of docs/tensors.md: ``Cu_conventional.cif``, ``Cu_primitive.cif``, ``cu_noisy.txt`` (the EMT
stiffness plus symmetric Gaussian noise of 1 GPa) and ``cu_primitive_frame.txt`` (the EMT
stiffness computed in the primitive CIF's own frame).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from symbreak.symmetry import CRYSTALLOGRAPHIC, HERMANN_MAUGUIN, PointGroup
from symbreak.tensors import allowed_form, hermann_mauguin, neumann_projection, tensor_kind
from symbreak.tensors.figures import plot_voigt_patterns


def emt_stiffness(atoms=None) -> tuple[np.ndarray, float]:
    """Voigt stiffness (GPa) of a cell (default: fcc Cu, one-atom primitive) with ASE's EMT, in the
    cell's own Cartesian frame, and its finite-difference error estimate (steps 1e-3 and 2e-3)."""
    from ase.build import bulk

    from symbreak.tasks.tensor_data import emt_elastic_tensor

    tensor, error = emt_elastic_tensor(bulk("Cu", "fcc", a=3.59) if atoms is None else atoms, step=1e-3)
    return tensor_kind("elastic").to_voigt(tensor), error


def main(out: Path, inputs: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    elastic = [allowed_form("elastic", g) for g in ("m-3m", "6/mmm", "4/mmm", "4/m", "-3m", "-3")]
    plot_voigt_patterns(elastic, out / "tensor_elastic_patterns.png",
                        title="elastic stiffness C_IJ (Voigt, no factors)")
    piezo = [allowed_form("piezoelectric", g) for g in ("4mm", "-42m", "32", "3m", "6mm", "-6")]
    plot_voigt_patterns(piezo, out / "tensor_piezoelectric_patterns.png",
                        title="piezoelectric d_iJ (d_i4 = 2 d_i23)", ncols=2)

    print("| group | dielectric | pyroelectric | piezoelectric | elastic | optical activity |")
    print("|---|---|---|---|---|---|")
    hm_of = {v: k for k, v in reversed(list(HERMANN_MAUGUIN.items()))}
    for name in CRYSTALLOGRAPHIC:
        g = PointGroup.from_name(name)
        counts = [allowed_form(k, g).num_independent
                  for k in ("dielectric", "pyroelectric", "piezoelectric", "elastic", "optical_activity")]
        print(f"| {hermann_mauguin(g) or hm_of[name]} ({name}) | " + " | ".join(map(str, counts)) + " |")

    fine, error = emt_stiffness()
    result = neumann_projection("elastic", fine, "m-3m", index_rtol=1e-4)
    print(f"EMT Cu: C11 = {result.constants['C11']:.3f}, C12 = {result.constants['C12']:.3f}, "
          f"C44 = {result.constants['C44']:.3f} GPa; projection removed {result.violation:.2e} GPa; "
          f"finite-difference error (steps 1e-3 vs 2e-3) {error:.2e} GPa")

    from ase.build import bulk
    from ase.io import read

    inputs.mkdir(parents=True, exist_ok=True)
    bulk("Cu", "fcc", a=3.59, cubic=True).write(inputs / "Cu_conventional.cif")
    bulk("Cu", "fcc", a=3.59).write(inputs / "Cu_primitive.cif")
    noise = np.random.default_rng(0).normal(scale=1.0, size=(6, 6))
    np.savetxt(inputs / "cu_noisy.txt", fine + (noise + noise.T) / 2, fmt="%.3f")
    primitive = read(inputs / "Cu_primitive.cif")  # the CIF's frame: a along x
    np.savetxt(inputs / "cu_primitive_frame.txt", emt_stiffness(primitive)[0], fmt="%.6f")
    print(f"wrote the inputs of the docs' command-line examples into {inputs}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/figures"),
         Path(sys.argv[2]) if len(sys.argv) > 2 else Path("tensor_inputs"))
