"""Tensor properties of crystals: kinds, allowed forms under a point group, Neumann projection.

Neumann's principle: a property tensor of a crystal is invariant under the crystal's point group
G. The allowed tensors are the fixed points of the group's representation on the tensor space,
the image of :math:`P = \\frac{1}{|G|}\\sum_{g\\in G} D(g)`; see ``docs/tensors.md``.
"""

from .kinds import VOIGT_CONVENTIONS, VOIGT_PAIRS, TensorKind, tensor_kind, tensor_kinds

__all__ = [
    "TensorKind",
    "tensor_kind",
    "tensor_kinds",
    "VOIGT_PAIRS",
    "VOIGT_CONVENTIONS",
]
