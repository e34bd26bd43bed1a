"""The relaxed filter θ ⊗ Y(r̂), folded into one matrix per forward pass."""

from __future__ import annotations

import torch
from e3nn import o3

from .._dtype import default_dtype
from .relaxed_weights import RelaxedWeights

__all__ = ["RelaxedFilter", "default_filter_irreps"]


def default_filter_irreps(irreps_sh: o3.Irreps) -> o3.Irreps:
    """Every ``l`` of ``irreps_sh`` with both parities, multiplicity one.

    The harmonics only have parity :math:`(-1)^l`; the opposite parity is needed so a
    pseudo-tensor θ (e.g. a magnetic field, ``1e``) can reach the node features
    through paths such as ``1o ⊗ 1e → 1o``.
    """
    out = []
    for l in sorted({ir.l for _, ir in irreps_sh}):
        natural = (-1) ** l
        out += [(1, (l, natural)), (1, (l, -natural))]
    return o3.Irreps(out)


class RelaxedFilter(torch.nn.Module):
    r"""Filter :math:`\theta \otimes Y(\hat r)` of the relaxed convolution (eq. 6).

    The tensor product has one path per allowed triple
    :math:`(l_\theta p_\theta) \otimes (l_Y p_Y) \to (l_f p_f)` with a fixed weight 1
    (component normalisation, no path normalisation). Fixed weights keep θ the only
    symmetry-breaking parameter: learnable path weights could make θ arbitrarily
    small while keeping the filter, which would defeat its regulariser. With θ =
    :math:`\theta^{0e}=1` and ``irreps_filter == irreps_sh`` the filter is exactly Y.

    Because θ is shared by all edges, the product is linear in Y:
    :math:`\theta \otimes Y = Y M(\theta)`, and :math:`M` is linear in θ,
    :math:`M_{kc}(\theta) = \sum_t \theta_t C_{tkc}` with the coupling tensor
    :math:`C_{tkc} = (e_t \otimes e_k)_c` of the basis vectors. ``C`` is computed once
    at construction; :meth:`matrix` contracts it with θ once per forward pass, and
    :meth:`forward` applies :math:`M(\theta)` to every edge as one matmul.

    Parameters
    ----------
    irreps_relaxed : str or o3.Irreps or int
        Irreps of θ (see :class:`RelaxedWeights`).
    irreps_sh : o3.Irreps
        Irreps of the edge spherical harmonics.
    irreps_filter : o3.Irreps
        Irreps of the filter; each must be reachable from some θ irrep ⊗ Y irrep.
    symmetry : PointGroup or str or array-like, optional
        A point group G: θ is then :math:`P_{A_1(G)}\varphi`
        (:class:`~symbreak.nn.SymmetricRelaxedWeights`) and the filter is exactly G-equivariant.
    symmetry_breaking : bool
        With ``symmetry``: let θ also break G through penalised weights δ.
    """

    def __init__(
        self,
        irreps_relaxed: str | o3.Irreps | int,
        irreps_sh: o3.Irreps,
        irreps_filter: o3.Irreps,
        *,
        symmetry=None,
        symmetry_breaking: bool = False,
    ) -> None:
        super().__init__()
        if symmetry is None:
            if symmetry_breaking:
                raise ValueError("symmetry_breaking=True needs symmetry=G: it lets θ break that group")
            self.theta = RelaxedWeights(irreps_relaxed)
        else:
            from .symmetric_weights import SymmetricRelaxedWeights

            self.theta = SymmetricRelaxedWeights(irreps_relaxed, symmetry, breaking=symmetry_breaking)
        self.irreps_sh = o3.Irreps(irreps_sh)
        self.irreps_filter = o3.Irreps(irreps_filter)
        instructions = [
            (i, j, k, "uvw", True)
            for i, (_, ir_theta) in enumerate(self.theta.irreps)
            for j, (_, ir_sh) in enumerate(self.irreps_sh)
            for k, (_, ir_filter) in enumerate(self.irreps_filter)
            if ir_filter in ir_theta * ir_sh
        ]
        reached = {k for _, _, k, _, _ in instructions}
        missing = [str(ir) for k, (_, ir) in enumerate(self.irreps_filter) if k not in reached]
        if missing:
            raise ValueError(
                f"filter irreps {', '.join(missing)} cannot be produced by relaxed weights "
                f"{self.theta.irreps} ⊗ harmonics {self.irreps_sh}: remove them from "
                "irreps_filter or add relaxed irreps that reach them"
            )
        if symmetry is not None:
            self.theta.check_reaches_filter({i for i, _, _, _, _ in instructions}, self.irreps_sh)
        self.tp = o3.TensorProduct(
            self.theta.irreps,
            self.irreps_sh,
            self.irreps_filter,
            instructions,
            irrep_normalization="component",
            path_normalization="none",
            internal_weights=False,
            shared_weights=True,
        )
        self.register_buffer("path_weights", torch.ones(self.tp.weight_numel), persistent=False)
        self.register_buffer("coupling", self._coupling(instructions), persistent=False)

    def _coupling(self, instructions) -> torch.Tensor:
        """:math:`C_{tkc}` in float64, whatever the default dtype.

        e3nn bakes its Clebsch-Gordan constants in the default dtype at construction;
        a float32-built C cast to float64 later would be off by ~1e-7, so C comes from
        a temporary float64 tensor product and stays float64 (it is cast to θ's dtype
        when used) unless the module itself is cast.
        """
        with default_dtype(torch.float64):
            tp = o3.TensorProduct(
                self.theta.irreps, self.irreps_sh, self.irreps_filter, instructions,
                irrep_normalization="component", path_normalization="none",
                internal_weights=False, shared_weights=True,
            )
            dim_theta, dim_sh = self.theta.irreps.dim, self.irreps_sh.dim
            with torch.no_grad():
                left = torch.eye(dim_theta).repeat_interleave(dim_sh, dim=0)
                right = torch.eye(dim_sh).repeat(dim_theta, 1)
                coupling = tp(left, right, torch.ones(tp.weight_numel))
        return coupling.reshape(dim_theta, dim_sh, self.irreps_filter.dim)

    def matrix(self) -> torch.Tensor:
        r""":math:`M(\theta)`, shape ``(irreps_sh.dim, irreps_filter.dim)``."""
        theta = self.theta()
        return torch.einsum("t,tkc->kc", theta, self.coupling.to(theta.dtype))

    def forward(self, sh: torch.Tensor) -> torch.Tensor:
        """Filter of every edge, ``(E, irreps_filter.dim)``, from harmonics ``(E, irreps_sh.dim)``."""
        return sh @ self.matrix()

    def per_edge(self, sh: torch.Tensor) -> torch.Tensor:
        """The same filter by a tensor product on every edge (reference for tests and benchmarks)."""
        theta = self.theta()
        return self.tp(theta.expand(sh.shape[0], -1), sh, self.path_weights)
