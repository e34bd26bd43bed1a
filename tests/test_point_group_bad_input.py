"""Point-group networks and the coupling command fed bad input: one ValueError line naming it, exit 2."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from symbreak.cli import app
from symbreak.symmetry import PointGroup, as_point_group, coupling_coefficients, coupling_table


def c4_without_its_square() -> np.ndarray:
    """{E, C4, C4³}: every element is a rotation, but C4·C4 = C2 is missing."""
    c4 = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    return np.stack([np.eye(3), c4, c4.T])


@pytest.mark.parametrize(
    "symmetry, message",
    [
        (c4_without_its_square(), "do not form a group: the product of matrices 1 and 1"),
        (np.stack([np.eye(3), 2 * np.eye(3)]), "is not orthogonal"),
        (np.stack([-np.eye(3)]), "the identity is missing"),
        (np.stack([np.eye(3), np.eye(3)]), "the same operation twice"),
        (np.ones((2, 2, 2)), "shape (order, 3, 3)"),
        ("Q7", "Q7"),
        (object(), "must be a PointGroup, a group name or an array"),
    ],
)
def test_a_symmetry_that_is_not_a_group(symmetry, message):
    with pytest.raises(ValueError, match=None) as error:
        as_point_group(symmetry)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_layers_refuse_a_non_group_and_breaking_without_a_group():
    from symbreak.nn import RelaxedConvolution

    with pytest.raises(ValueError, match="do not form a group"):
        RelaxedConvolution("0e", "0e", 2, 4, symmetry=c4_without_its_square())
    with pytest.raises(ValueError, match="needs symmetry=G"):
        RelaxedConvolution("0e", "0e", 2, 4, symmetry_breaking=True)


def test_irreps_the_group_lacks_and_incompatible_irreps():
    from symbreak.nn.point_group import GIrreps, GTensorProduct

    oh = PointGroup.from_name("Oh")
    with pytest.raises(ValueError, match="Oh has no real irrep 'B1g'"):
        GIrreps(oh, "2xB1g")
    with pytest.raises(ValueError, match="cannot read G-irreps term"):
        GIrreps(oh, "2xA1g + x y")
    with pytest.raises(ValueError, match="Oh has no real irrep 'E1u'"):
        coupling_coefficients(oh, "T1u", "E1u", "A1g")
    scalars = GIrreps(oh, "2xA1g")
    with pytest.raises(ValueError, match="incompatible irreps: T1u of Oh occur in no product"):
        GTensorProduct(scalars, scalars, GIrreps(oh, "1xT1u"))
    with pytest.raises(ValueError, match=r"T1u does not occur in T1u ⊗ T1u = A1g \+ Eg \+ T1g \+ T2g"):
        coupling_table(oh, ("T1u", "T1u"), "T1u")


@pytest.mark.parametrize(
    "args, message",
    [
        (["coupling", "Q7"], "Q7"),
        (["coupling", "Oh", "--irreps", "T1u", "B1g"], "Oh has no real irrep 'B1g'"),
        (["coupling", "Oh", "--irreps", "T1u", "T1u", "--to", "T1u"], "T1u does not occur in T1u ⊗ T1u"),
        (["coupling", "Oh", "--irreps", "T1u", "T1u", "--to", "X"], "Oh has no real irrep 'X'"),
        (["coupling", "Oh", "--to", "A1g"], "needs a pair of irreps"),
    ],
)
def test_coupling_command_bad_input(args, message):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output
