"""Order-parameter discovery by a learnable input (Smidt, Geiger, Miller 2021)."""

import pytest
import torch
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.nn import LearnableInput, RelaxedNetwork, breaking_subspace
from symbreak.symmetry import PointGroup, decompose, representation
from symbreak.tasks.order_parameter import InputNetwork, OrderParameterSettings, run_order_parameter
from symbreak.tasks.shapes import ShapeProblem, ShapeSettings, builtin_shape

runner = CliRunner()


def input_gradient(target: str) -> tuple[torch.Tensor, LearnableInput]:
    """Gradient of the loss w.r.t. a free learnable input at initialisation, on a tiny model."""
    problem = ShapeProblem(builtin_shape("square"), builtin_shape(target),
                           ShapeSettings(lmax_signal=2, signal="displacement"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        learnable = LearnableInput(2)
        network = RelaxedNetwork(learnable.irreps, "4x0e+2x1o+2x1e+2x2e+2x2o", "0e+1o+2e", 2, None,
                                 cutoff=problem.cutoff)
    model = InputNetwork(learnable, network).double()
    problem.loss(model).backward()
    return learnable.weight.grad, learnable


@pytest.mark.parametrize("target, allowed", [("square", {"A1g"}), ("rectangle", {"A1g", "B1g"})])
def test_input_gradient_has_the_symmetry_paper_004_proves(target, allowed):
    gradient, learnable = input_gradient(target)
    d4h = PointGroup.from_points(builtin_shape("square").points)
    fractions = decompose(gradient, learnable.irreps, d4h).fractions
    assert sum(w for label, w in fractions.items() if label not in allowed) < 1e-12
    if target == "rectangle":
        assert fractions["B1g"] > 1e-6  # the gradient already points at the order parameter


def test_breaking_subspace_is_an_equivariant_projector_that_keeps_the_background():
    oh = PointGroup.from_name("Oh")
    irreps = LearnableInput(4).irreps
    projector = breaking_subspace(irreps, oh)
    assert torch.allclose(projector @ projector, projector, atol=1e-10)
    d = torch.tensor(representation(irreps, oh))
    assert torch.allclose(d @ projector, projector @ d, atol=1e-10)
    background = torch.zeros(irreps.dim, dtype=torch.float64)
    background[0] = 1
    assert torch.allclose(projector @ background, background)
    # what it removes is exactly Oh-invariant (apart from the background)
    removed = torch.eye(irreps.dim, dtype=torch.float64) - projector
    fractions = decompose(removed.T, irreps, oh).fractions
    assert fractions["A1g"] == pytest.approx(1.0)


def test_learnable_input_shared_and_per_node():
    shared = LearnableInput("0e+1o")
    assert torch.equal(shared(3), torch.tensor([[1.0, 0, 0, 0]] * 3))
    per_node = LearnableInput("0e+1o", num_nodes=2)
    assert per_node(2).shape == (2, 4) and len(per_node.breaking_blocks()) == 2
    with pytest.raises(ValueError, match="for 2 nodes, got 3"):
        per_node(3)
    with pytest.raises(ValueError, match="projector"):
        LearnableInput("0e+1o", subspace=2 * torch.eye(4))


@pytest.mark.slow
def test_square_to_rectangle_finds_b1g():
    report = run_order_parameter("square", "rectangle").to_dict()
    op = report["order_parameter"]
    nonscalar = sum(op["decomposition"].values())
    assert op["decomposition"]["B1g"] >= 0.95 * nonscalar
    assert op["residual_group"] == "D2h" and op["residual_contains_target"]
    terms = op["polynomial"]
    assert "x^2" in terms and "y^2" in terms
    loss = report["loss"]
    assert loss["after"] * 100 < loss["before"]
    # Curie: with the input frozen the predictions keep D4h; the order parameter breaks it
    assert report["curie"]["before"]["max_violation"] < 1e-5
    assert report["curie"]["after"]["max_violation"] > 0.1
    assert report["curie"]["before"]["site_groups"] == ["C2v"]


@pytest.mark.slow
def test_cube_to_prism_finds_eg_with_residual_d4h():
    op = run_order_parameter("cube", "prism").to_dict()["order_parameter"]
    assert op["breaking_irreps"] == ["Eg"] and op["residual_group"] == "D4h"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--source", "square", "--target", "pentagon"], "unknown shape 'pentagon'"),
        (["--source", "cube", "--target", "rectangle"], "has 8 points but target rectangle has 4"),
        (["--source", "square", "--target", "rectangle", "--lmax", "-1"], "lmax of the learnable input"),
        (["--source", "square", "--target", "rectangle", "--penalty", "l2"], "penalty must be"),
    ],
)
def test_cli_bad_input(args, message):
    result = runner.invoke(app, ["order-parameter", *args, "--quiet"])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_settings_reject_bad_values():
    with pytest.raises(ValueError, match="alternating phase"):
        OrderParameterSettings(alternating_epochs=0)
