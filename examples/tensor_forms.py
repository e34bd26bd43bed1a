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
from symbreak.tensors import allowed_form, hermann_mauguin, neumann_projection
from symbreak.tensors.figures import plot_voigt_patterns


def emt_elastic_constants(step: float, atoms=None) -> np.ndarray:
    """Voigt stiffness (GPa) of a one-atom cell (default: fcc Cu, primitive) with EMT, by central
    differences of the stress, in the cell's own Cartesian frame."""
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from ase.units import GPa

    atoms = bulk("Cu", "fcc", a=3.59) if atoms is None else atoms
    cell = atoms.cell.array.copy()
    c = np.zeros((6, 6))
    for column, (k, l) in enumerate(((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))):
        stresses = []
        for sign in (1.0, -1.0):
            strain = np.zeros((3, 3))
            strain[k, l] = strain[l, k] = sign * step / (1 if k == l else 2)
            strained = atoms.copy()
            strained.set_cell(cell @ (np.eye(3) + strain), scale_atoms=True)
            strained.calc = EMT()
            stresses.append(strained.get_stress(voigt=True))
        c[:, column] = (stresses[0] - stresses[1]) / (2 * step) / GPa
    return c


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

    fine, coarse = emt_elastic_constants(1e-3), emt_elastic_constants(2e-3)
    result = neumann_projection("elastic", fine, "m-3m", index_rtol=1e-4)
    print(f"EMT Cu: C11 = {result.constants['C11']:.3f}, C12 = {result.constants['C12']:.3f}, "
          f"C44 = {result.constants['C44']:.3f} GPa; projection removed {result.violation:.2e} GPa; "
          f"finite-difference error (steps 1e-3 vs 2e-3) {np.linalg.norm(fine - coarse):.2e} GPa")

    from ase.build import bulk
    from ase.io import read

    inputs.mkdir(parents=True, exist_ok=True)
    bulk("Cu", "fcc", a=3.59, cubic=True).write(inputs / "Cu_conventional.cif")
    bulk("Cu", "fcc", a=3.59).write(inputs / "Cu_primitive.cif")
    noise = np.random.default_rng(0).normal(scale=1.0, size=(6, 6))
    np.savetxt(inputs / "cu_noisy.txt", fine + (noise + noise.T) / 2, fmt="%.3f")
    primitive = read(inputs / "Cu_primitive.cif")  # the CIF's frame: a along x
    np.savetxt(inputs / "cu_primitive_frame.txt", emt_elastic_constants(1e-3, primitive), fmt="%.6f")
    print(f"wrote the inputs of the docs' command-line examples into {inputs}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/figures"),
         Path(sys.argv[2]) if len(sys.argv) > 2 else Path("tensor_inputs"))
