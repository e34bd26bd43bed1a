r"""Relaxed weights held in the G-invariant subspace: exact point-group equivariance (Heilman 2025 §3).

For a point group G acting on θ by the Wigner matrices :math:`D(g)`, the projector onto the
trivial irrep (Wigner projection operator of :math:`A_1`)

.. math:: P_{A_1} = \frac{1}{|G|} \sum_{g \in G} D(g)

satisfies :math:`D(h) P_{A_1} = \frac{1}{|G|}\sum_g D(hg) = P_{A_1}` for every :math:`h \in G`.
So :math:`\theta = P_{A_1}\varphi` is G-invariant for *every* value of the free parameters φ:
no training step can leave the subspace, and the relaxed layer, equivariant under every
:math:`h` that fixes θ (Hofgard et al. 2024, Prop. 4.1), is exactly G-equivariant.
"""

from __future__ import annotations

import numpy as np
import torch
from e3nn import o3

from ..symmetry import PointGroup, as_point_group, projectors, trivial_irrep
from .breaking_parameter import BreakingParameter
from .relaxed_weights import RelaxedWeights

__all__ = ["SymmetricRelaxedWeights", "GroupBreaking", "first_invariant_degree"]


class GroupBreaking(BreakingParameter):
    r"""Free G-breaking weights δ of a :class:`SymmetricRelaxedWeights`; all zero at start.

    Only :math:`(1 - P_{A_1})\delta` reaches θ, so the ``0e`` block (always G-invariant)
    does nothing and is not penalised; every other block is, like a relaxed θ's.
    """

    def reset_parameters(self) -> None:
        """Every component zero: the layer starts exactly G-equivariant."""
        with torch.no_grad():
            self.weight.zero_()


class SymmetricRelaxedWeights(RelaxedWeights):
    r"""Relaxed weights θ confined to the invariant subspace of a point group G.

    .. math:: \theta = P_{A_1(G)}\,\varphi \;\big[ + (1 - P_{A_1(G)})\,\delta \big]

    φ (``weight``) is free and starts as :math:`\varphi^{0e} = 1`; θ is recomputed from it
    in every forward pass, so the layer is equivariant under every element of G for every
    value of φ, to round-off. :math:`P_{A_1}` is block diagonal (one block per irrep copy
    of θ, since :math:`D(g)` is); it is computed in float64 from
    :func:`symbreak.symmetry.projectors` (exact Wigner matrices of G's operations, in G's own
    orientation) and kept as a buffer in the model's dtype.

    With ``breaking=True`` the weights δ (:class:`GroupBreaking`, zero at start, penalised by
    :func:`~symbreak.nn.relaxed_weight_penalty` and the group-lasso prox of
    :class:`~symbreak.optim.IrrepsAdam` like an ordinary θ) add the G-breaking part
    :math:`(1 - P_{A_1})\delta`: the layer starts G-equivariant and breaks G only as much as
    the data asks. φ is not penalised (``penalised = False``): nothing in it breaks G.
    Name what was broken with ``breaking_analysis(thetas_of(model), group)``
    (:mod:`symbreak.analysis`): the non-trivial irreps of G in θ and the residual subgroup.

    Parameters
    ----------
    irreps : str or o3.Irreps or int
        Irreps of θ (as :class:`RelaxedWeights`). For θ to see G and not a larger group it
        must reach the degree at which G's invariants stop being those of a larger group
        (e.g. ``l = 4`` for Oh, ``l = 6`` for D6h and Ih); :attr:`invariant_dim` counts them.
    symmetry : PointGroup or str or array-like ``(order, 3, 3)``
        G (see :func:`~symbreak.symmetry.as_point_group`), in the frame of the edge vectors.
    breaking : bool
        Add the penalised G-breaking weights δ.
    """

    penalised = False

    def __init__(self, irreps: "str | o3.Irreps | int", symmetry, breaking: bool = False) -> None:
        super().__init__(irreps)
        self.group: PointGroup = as_point_group(symmetry)
        self.trivial = trivial_irrep(self.group)
        projector = self._projector_float64()
        self.invariant_dim = int(round(float(np.trace(projector))))
        self.register_buffer(
            "projector", torch.as_tensor(projector, dtype=torch.get_default_dtype()), persistent=False
        )
        self.breaking = GroupBreaking(self.irreps) if breaking else None

    def _projector_float64(self) -> np.ndarray:
        """:math:`P_{A_1}` on θ's irreps, float64 ``(dim, dim)``."""
        return np.array(projectors(self.irreps, self.group)[self.trivial])

    def check_reaches_filter(self, used_terms: set[int], irreps_sh: o3.Irreps) -> None:
        """ValueError unless a G-invariant component beyond ``0e`` reaches the filter.

        ``used_terms`` are the indices of θ's irreps terms that have a path to the filter
        (:class:`~symbreak.nn.RelaxedFilter`). If only scalars are left, θ ⊗ Y would be a
        scalar multiple of Y and the layer equivariant under all of O(3), not G: a silent
        failure, so it is refused (e.g. Ih, whose first invariant is at l = 6, with harmonics
        up to l = 2: θ ⊗ Y reaches a filter of degree <= 2 only from l <= 4).
        """
        diagonal = np.diag(self._projector_float64())
        useful = 0.0
        for index, ((mul, ir), part) in enumerate(zip(self.irreps, self.irreps.slices())):
            if index in used_terms and ir.l > 0:
                useful += float(diagonal[part].sum())
        if useful < 0.5:
            first = first_invariant_degree(self.group)
            raise ValueError(
                f"no {self.group.name}-invariant part of θ beyond the scalar reaches the filter: the layer would be "
                f"O(3)-equivariant, not {self.group.name}-equivariant. {self.group.name}'s first invariant beyond "
                f"l = 0 has l = {first}; θ ⊗ Y passes θ of degree <= 2 * lmax of the harmonics ({irreps_sh.lmax}) "
                f"to the filter: use harmonics up to l >= {(first + 1) // 2} and θ up to l >= {first}"
            )

    def exact_float64(self) -> None:
        """Recompute the projector in float64 (called by :func:`~symbreak.nn.float64_copy`):
        a projector rounded to float32 and cast back would leave θ invariant only to ~1e-7."""
        self.projector = torch.as_tensor(self._projector_float64(), dtype=torch.float64, device=self.weight.device)

    def forward(self) -> torch.Tensor:
        """θ, shape ``(irreps.dim,)``."""
        projector = self.projector.to(self.weight.dtype)
        theta = projector @ self.weight
        if self.breaking is not None:
            delta = self.breaking.weight
            theta = theta + delta - projector @ delta
        return theta

    def effective_weight(self) -> torch.Tensor:
        """θ as the layer uses it (what :func:`~symbreak.theta.thetas_of` snapshots)."""
        return self.forward()

    def extra_repr(self) -> str:
        broken = ", breaking" if self.breaking is not None else ""
        return f"irreps={self.irreps}, symmetry={self.group.name}, invariant_dim={self.invariant_dim}{broken}"


def first_invariant_degree(group: PointGroup, max_l: int = 12) -> int:
    """Smallest ``l >= 1`` at which ``l`` (either parity) holds a G-invariant component."""
    trivial = trivial_irrep(group)
    for l in range(1, max_l + 1):
        for parity in "eo":
            if np.trace(projectors(f"{l}{parity}", group)[trivial]) > 0.5:
                return l
    return max_l + 1  # pragma: no cover (every finite group has invariants by l = 12)
