r"""Edge features in G-irreps: a learned angular function, projected onto each irrep by group averaging.

For an edge vector :math:`r` and any function :math:`F_\Gamma: \mathbb{R}^3 \to \mathbb{R}^{m \times d_\Gamma}`,

.. math:: e_\Gamma(r) = \frac{1}{|G|} \sum_{g \in G} \rho_\Gamma(g)^\top F_\Gamma(g\, r)

transforms as :math:`e_\Gamma(h r) = \rho_\Gamma(h)\, e_\Gamma(r)` for every :math:`h \in G`
(substitute :math:`g' = g h`). This is the projection operator of the paper,
:math:`P^\Gamma_{ij} = \frac{d_\Gamma}{|G|}\sum_g \Gamma_{ij}(g)^* O(g)`, applied to the functions
:math:`F` instead of to spherical harmonics: with :math:`F` the harmonics up to some :math:`l`,
:math:`e_\Gamma` are their symmetry-adapted combinations (cubic harmonics for Oh); with
:math:`F` a learned MLP of :math:`(\hat r, |r|)`, the angular resolution is whatever the MLP
can represent. Nothing is cut at an :math:`l_{max}`: G sees a direction only through its
orbit :math:`\{g \hat r\}`, and every G-equivariant function of the direction is of this form
(take :math:`F = e` itself).
"""

from __future__ import annotations

import numpy as np
import torch
from e3nn.nn import FullyConnectedNet

from ...symmetry import irrep_matrices
from ..radial import RadialBasis, smooth_cutoff
from .g_irreps import GIrreps

__all__ = ["GEdgeEncoding", "GHarmonicEdgeEncoding", "symmetry_adapted_harmonics"]


class GEdgeEncoding(torch.nn.Module):
    """Edge features ``(E, irreps_edge.dim)`` of edge vectors, exactly G-equivariant.

    Parameters
    ----------
    irreps_edge : GIrreps
        Irreps (and channels) of the edge features.
    cutoff : float
        Radial cutoff; features vanish smoothly at it (radial basis with a smooth cutoff).
    num_basis : int
        Radial basis functions fed to the MLP with the unit vector.
    hidden : int
        Width of the MLP's two hidden layers.
    """

    def __init__(self, irreps_edge: GIrreps, cutoff: float, num_basis: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.irreps_edge = irreps_edge
        group = irreps_edge.group
        self.radial_basis = RadialBasis(cutoff, num_basis)
        self.mlp = FullyConnectedNet([3 + num_basis, hidden, hidden, irreps_edge.dim], torch.nn.functional.silu)
        self._operations_float64 = np.array(group.matrices)
        rho = [irrep_matrices(group, label) for _, label in irreps_edge]
        self._rho_float64 = rho
        dtype = torch.get_default_dtype()
        self.register_buffer("operations", torch.as_tensor(self._operations_float64, dtype=dtype), persistent=False)
        for index, r in enumerate(rho):
            self.register_buffer(f"rho_{index}", torch.as_tensor(np.array(r), dtype=dtype), persistent=False)

    def exact_float64(self) -> None:
        """Constants recomputed in float64 (see :func:`~symbreak.nn.float64_copy`)."""
        self.operations = torch.as_tensor(self._operations_float64, dtype=torch.float64)
        for index, r in enumerate(self._rho_float64):
            setattr(self, f"rho_{index}", torch.as_tensor(np.array(r), dtype=torch.float64))

    def forward(self, edge_vec: torch.Tensor) -> torch.Tensor:
        """``edge_vec (E, 3)`` (:math:`x_j - x_i`) → ``(E, irreps_edge.dim)``."""
        length = edge_vec.norm(dim=-1, keepdim=True)
        unit = edge_vec / torch.where(length > 0, length, torch.ones_like(length))
        orbit = torch.einsum("gij,ej->egi", self.operations.to(edge_vec.dtype), unit)  # (E, |G|, 3)
        radial = self.radial_basis(length.squeeze(-1))  # (E, num_basis), zero beyond the cutoff
        inputs = torch.cat([orbit, radial[:, None, :].expand(-1, orbit.shape[1], -1)], dim=-1)
        values = self.mlp(inputs)  # F(g r), (E, |G|, dim)
        # MLP(0) need not vanish: the envelope makes features go to zero smoothly at the cutoff
        values = values * smooth_cutoff(length, self.radial_basis.cutoff)[:, None, :]
        pieces = []
        for index, ((mul, _), part, d) in enumerate(zip(self.irreps_edge, self.irreps_edge.slices, self.irreps_edge.dims)):
            rho = getattr(self, f"rho_{index}").to(edge_vec.dtype)  # (|G|, d, d)
            f = values[..., part].unflatten(-1, (mul, d))  # (E, |G|, mul, d)
            # e[e, m, a] = (1/|G|) Σ_g Σ_b ρ(g)_{ba} F[e, g, m, b]
            pieces.append((torch.einsum("gba,egmb->ema", rho, f) / rho.shape[0]).flatten(-2))
        return torch.cat(pieces, dim=-1)


def symmetry_adapted_harmonics(group, lmax: int) -> dict[str, list[tuple[int, np.ndarray]]]:
    r"""Symmetry-adapted combinations of e3nn's harmonics: for each real irrep Γ of G, the copies
    of Γ in :math:`Y^l`, :math:`l \le l_{max}`, as orthonormal bases :math:`B` ``(2l+1, d_Γ)`` with

    .. math:: D^l(g)\, B = B\, \rho_\Gamma(g) \quad \forall g \in G

    (so :math:`B^\top Y^l(g\hat r) = \rho_\Gamma(g) B^\top Y^l(\hat r)`), in the basis of
    :func:`~symbreak.symmetry.irrep_matrices`. For Oh these are the cubic harmonics (A1g at
    l = 0, 4, 6, ...). Each copy is an intertwiner, a fixed point of
    :math:`\frac{1}{|G|}\sum_g D^l(g)\otimes\rho_\Gamma(g)`, taken inside :math:`P_\Gamma` and
    orthogonal to the copies already found (a complex pair's two intertwiners per copy span
    the same subspace and count once).

    Returns
    -------
    dict of str to list of (l, ndarray)
        For every label with at least one copy, ``(l, B)`` in increasing ``l``.
    """
    from ...symmetry import projectors, representation

    out: dict[str, list[tuple[int, np.ndarray]]] = {}
    for l in range(lmax + 1):
        ir = f"{l}{'e' if l % 2 == 0 else 'o'}"
        d_l = representation(ir, group)
        for label, p in projectors(ir, group).items():
            if np.trace(p) < 0.5:
                continue
            rho = irrep_matrices(group, label)
            d = rho.shape[1]
            t = np.einsum("gij,gab->iajb", d_l, rho).reshape((2 * l + 1) * d, -1) / group.order
            w, v = np.linalg.eigh(0.5 * (t + t.T))
            solutions = v[:, w > 0.5].T.reshape(-1, 2 * l + 1, d)
            remaining = np.array(p)
            while np.trace(remaining) > 0.5:
                candidates = np.einsum("ij,kjb->kib", remaining, solutions)
                best = candidates[int(np.argmax(np.linalg.norm(candidates, axis=(1, 2))))]
                scale = np.sqrt(np.trace(best.T @ best) / d)  # Bᵀ B = scale² I (Schur)
                b = best / scale
                out.setdefault(label, []).append((l, b))
                remaining = remaining - b @ b.T
    return out


class GHarmonicEdgeEncoding(torch.nn.Module):
    r"""Edge features from spherical harmonics up to ``lmax`` projected onto G's irreps.

    .. math:: e_{\Gamma, m}(r) = \sum_c R_{\Gamma m c}(|r|)\; B_c^\top Y^{l_c}(\hat r)

    over the copies :math:`c` of Γ in :func:`symmetry_adapted_harmonics`, with learned radial
    weights :math:`R` (an MLP of the radial basis). Cheaper than :class:`GEdgeEncoding` (no
    sum over G per edge) but cut at ``lmax``: an irrep whose first copy lies above ``lmax``
    is refused.

    Parameters
    ----------
    irreps_edge : GIrreps
    lmax : int
        Largest harmonic degree.
    cutoff, num_basis, hidden
        Radial basis and the radial MLP's width.
    """

    def __init__(self, irreps_edge: GIrreps, lmax: int, cutoff: float, num_basis: int = 8, hidden: int = 32) -> None:
        super().__init__()
        from e3nn import o3

        self.irreps_edge = irreps_edge
        group = irreps_edge.group
        bases = symmetry_adapted_harmonics(group, lmax)
        missing = [label for _, label in irreps_edge if label not in bases]
        if missing:
            raise ValueError(f"{', '.join(missing)} of {group.name} occur in no harmonic up to l = {lmax}: "
                             "raise lmax or drop them from irreps_edge")
        self.sh = o3.SphericalHarmonics(o3.Irreps.spherical_harmonics(lmax), normalize=False, normalization="component")
        offsets = np.cumsum([0] + [2 * l + 1 for l in range(lmax + 1)])
        self._copies = []  # per term: number of copies
        projection = []
        for _, label in irreps_edge:
            blocks = []
            for l, b in bases[label]:
                full = np.zeros((offsets[-1], b.shape[1]))
                full[offsets[l]: offsets[l + 1]] = b
                blocks.append(full)
            projection.append(np.stack(blocks))  # (copies, dim_sh, d)
            self._copies.append(len(blocks))
        self._projection_float64 = projection
        for index, p in enumerate(projection):
            self.register_buffer(f"projection_{index}", torch.as_tensor(p, dtype=torch.get_default_dtype()),
                                 persistent=False)
        self.radial_basis = RadialBasis(cutoff, num_basis)
        width = sum(mul * copies for (mul, _), copies in zip(irreps_edge, self._copies))
        self.radial = FullyConnectedNet([num_basis, hidden, width], torch.nn.functional.silu)

    def exact_float64(self) -> None:
        """Constants recomputed in float64 (see :func:`~symbreak.nn.float64_copy`)."""
        for index, p in enumerate(self._projection_float64):
            setattr(self, f"projection_{index}", torch.as_tensor(p, dtype=torch.float64))

    def forward(self, edge_vec: torch.Tensor) -> torch.Tensor:
        """``edge_vec (E, 3)`` → ``(E, irreps_edge.dim)``."""
        length = edge_vec.norm(dim=-1, keepdim=True)
        unit = edge_vec / torch.where(length > 0, length, torch.ones_like(length))
        sh = self.sh(unit)  # (E, dim_sh)
        weights = self.radial(self.radial_basis(length.squeeze(-1)))  # (E, Σ mul × copies)
        pieces, offset = [], 0
        for index, ((mul, _), copies) in enumerate(zip(self.irreps_edge, self._copies)):
            projection = getattr(self, f"projection_{index}").to(edge_vec.dtype)  # (copies, dim_sh, d)
            adapted = torch.einsum("es,csd->ecd", sh, projection)  # (E, copies, d)
            r = weights[:, offset: offset + mul * copies].unflatten(-1, (mul, copies))
            pieces.append(torch.einsum("emc,ecd->emd", r, adapted).flatten(-2))
            offset += mul * copies
        return torch.cat(pieces, dim=-1)
