"""The shape-deformation experiment of Hofgard et al. (2024), §5.1, and its input checks."""

import numpy as np
import pytest

from symbreak.tasks.shapes import BUILTIN_SHAPES, ShapeSettings, builtin_shape, resolve_shape, run_shapes


def non_scalar_norms(report):
    """Sum over layers of each breaking block's norm, by parity."""
    even = odd = 0.0
    for layer in report["relaxed"]["theta"]:
        for label, block in layer["blocks"].items():
            irrep = label.split("[")[0]
            if irrep == "0e":
                continue
            if irrep.endswith("e"):
                even += block["norm"]
            else:
                odd += block["norm"]
    return even, odd


@pytest.mark.e2e
@pytest.mark.slow  # 13 s; run by .ci/run (and `make demo` runs the same experiment)
def test_cube_to_prism_reproduces_the_paper():
    result = run_shapes("cube", "prism", ShapeSettings(seed=3))
    report = result.to_dict()
    relaxed, baseline = report["relaxed"], report["equivariant"]
    assert relaxed["loss"] * 1000 < baseline["loss"]
    assert relaxed["vertex_error"] < 1e-2
    assert baseline["vertex_error"] > 0.1  # cannot leave the cube's symmetry
    even, odd = non_scalar_norms(report)
    assert even > 0.1  # it did learn to break symmetry...
    assert odd < 0.01 * even  # ...without breaking inversion, which the prism keeps
    # ... and names it as the paper did by hand: Eg of Oh, residual D4h ⊇ the prism's D4h
    assert report["source"]["point_group"] == "Oh" and report["target"]["point_group"] == "D4h"
    breaking = report["breaking"]
    assert breaking["breaking_irreps"] == ["Eg"]
    assert breaking["residual_group"] == "D4h" and breaking["residual_contains_target"]
    assert "Eg of Oh; residual symmetry D4h" in breaking["sentence"]
    assert "NOT converged" not in result.summary() and "Only the relaxed network fits" in result.summary()


@pytest.mark.e2e
def test_cube_to_cube_learns_no_breaking():
    report = run_shapes("cube", "cube", ShapeSettings(epochs=100), baseline=False).to_dict()
    weights = report["breaking"]["decomposition"]
    assert weights["A1g"] >= 0.99  # e.g. the cubic harmonic of the 4e block: symmetric under Oh
    assert report["breaking"]["breaking_irreps"] == []
    assert report["breaking"]["residual_group"] == "Oh"


@pytest.mark.parametrize("target, allowed", [("cube", {"A1g"}), ("prism", {"A1g", "Eg"})])
def test_gradient_at_initialisation_obeys_curie(target, allowed):
    """Smidt et al. 2021: gradients of an invariant loss are as symmetric as input and target together."""
    from symbreak.symmetry import PointGroup, decompose
    from symbreak.tasks.shapes import ShapeProblem

    problem = ShapeProblem(builtin_shape("cube"), builtin_shape(target), ShapeSettings())
    model = problem.build_model(relaxed=True)
    problem.loss(model).backward()
    cube_group = PointGroup.from_points(builtin_shape("cube").points)
    gradients = [(theta.weight.grad, theta.irreps) for theta in model.relaxed_weights()]
    total = {}
    for gradient, irreps in gradients:
        assert gradient.norm() > 1e-8
        for label, fraction in decompose(gradient, irreps, cube_group).fractions.items():
            total[label] = total.get(label, 0.0) + fraction * float(gradient.norm() ** 2)
    norm = sum(total.values())
    outside = sum(w for label, w in total.items() if label not in allowed) / norm
    assert outside < 1e-12
    if target == "prism":
        assert total["Eg"] / norm > 1e-3  # the gradient already points to the breaking


@pytest.mark.e2e
def test_cube_to_random_activates_odd_blocks():
    report = run_shapes("cube", "random", ShapeSettings(epochs=100, seed=1), baseline=False).to_dict()
    even, odd = non_scalar_norms(report)
    assert odd > 0.1 * even > 0


@pytest.mark.parametrize("name", sorted(BUILTIN_SHAPES))
def test_builtin_shapes_are_centred(name):
    shape = builtin_shape(name)
    assert np.allclose(shape.points.mean(axis=0), 0)
    assert len(np.unique(shape.points.round(9), axis=0)) == len(shape.points)


def test_random_shape_keeps_the_reference_vertex_order():
    cube, random = builtin_shape("cube").points, builtin_shape("random").points
    # vertex i of the random shape lies in the same octant as vertex i of the cube
    assert np.all(np.sign(random + 0.05) == np.sign(cube))


def test_shapes_from_files(tmp_path):
    points = builtin_shape("square").points
    np.save(tmp_path / "square.npy", points)
    np.savetxt(tmp_path / "square.csv", points, delimiter=",", header="x,y,z", comments="")
    (tmp_path / "square.xyz").write_text(
        "4\n\n" + "".join(f"C {x} {y} {z}\n" for x, y, z in points)
    )
    for suffix in ("npy", "csv", "xyz"):
        shape = resolve_shape(tmp_path / f"square.{suffix}")
        assert np.allclose(shape.points, points)


@pytest.mark.parametrize(
    "content, message",
    [
        ("0,0,0\n1,0\n", "line 2: expected 3 columns"),
        ("0,0,0\n1,0,nan\n", "NaN or inf in row"),
        ("0,0,0,0\n", "expected 3 columns"),
        ("", "no points found"),
    ],
)
def test_bad_shape_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        resolve_shape(path)


def test_bad_shape_requests(tmp_path):
    with pytest.raises(ValueError, match="unknown shape 'dodecahedron'"):
        resolve_shape("dodecahedron")
    with pytest.raises(ValueError, match="no such file"):
        resolve_shape(tmp_path / "missing.xyz")
    with pytest.raises(ValueError, match="has 8 points but target square has 4"):
        run_shapes("cube", "square", ShapeSettings(epochs=1))
    with pytest.raises(ValueError, match="without neighbours; use a cutoff above 1"):
        run_shapes("cube", "prism", ShapeSettings(epochs=1, cutoff=0.5))
    np.save(tmp_path / "flat.npy", np.zeros((5, 2)))
    with pytest.raises(ValueError, match="expected 3 columns"):
        resolve_shape(tmp_path / "flat.npy")
