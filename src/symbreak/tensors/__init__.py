"""Tensor properties of crystals: kinds, allowed forms under a point group, Neumann projection.

Neumann's principle: a property tensor of a crystal is invariant under the crystal's point group
G. The allowed tensors are the fixed points of the group's representation on the tensor space,
the image of :math:`P = \\frac{1}{|G|}\\sum_{g\\in G} D(g)`; see ``docs/tensors.md``.
"""

from .forms import ENTRY_CLASSES, AllowedForm, allowed_form, invariant_projector
from .groups import as_point_group, hermann_mauguin
from .kinds import VOIGT_CONVENTIONS, VOIGT_PAIRS, TensorKind, tensor_kind, tensor_kinds
from .projection import NeumannProjection, neumann_projection, read_tensor
from .report import TensorResult, load_tensor, tensor_report

__all__ = [
    "TensorKind",
    "tensor_kind",
    "tensor_kinds",
    "VOIGT_PAIRS",
    "VOIGT_CONVENTIONS",
    "AllowedForm",
    "allowed_form",
    "invariant_projector",
    "ENTRY_CLASSES",
    "NeumannProjection",
    "neumann_projection",
    "read_tensor",
    "as_point_group",
    "hermann_mauguin",
    "TensorResult",
    "tensor_report",
    "load_tensor",
]
