"""Equivariance checks of graph layers and networks under O(3)."""

from __future__ import annotations

import copy
import re

import torch
from e3nn import o3


__all__ = ["equivariance_error", "equivariance_errors", "float64_copy", "random_orthogonal", "wigner_d"]

# e3nn 0.6's tensor-product code generator stores each Clebsch-Gordan tensor it uses as a
# buffer ``_w3j_{l1}_{l2}_{l3}`` of the generated fx.GraphModule (TensorProduct
# ``_compiled_main_left_right`` / ``_compiled_main_right``), in the default dtype of the
# moment the module was built. These are the only constants whose rounding breaks
# equivariance: the harmonics are polynomials with Python-float coefficients, the
# linear maps and gates have no coupling constants, and path weights are Python floats.
_W3J_BUFFER = re.compile(r"_w3j_(\d+)_(\d+)_(\d+)")


def random_orthogonal(improper: bool, generator: torch.Generator | None = None,
                      dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A Haar-random rotation, times -1 (so including inversion) if ``improper``."""
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=dtype))
    q = q * torch.sign(torch.diagonal(r))
    if torch.det(q) < 0:
        q = -q
    return -q if improper else q


def wigner_d(irreps: str | o3.Irreps, rotation: torch.Tensor) -> torch.Tensor:
    r""":math:`D(R)` of ``irreps``, ``(dim, dim)`` in float64, exact to ~1e-13 whatever the default dtype.

    e3nn's ``Irreps.D_from_matrix`` builds its Lie-algebra generators in the *default*
    dtype, so under float32 defaults :math:`D(R)` is only accurate to ~1e-7 even for a
    float64 ``R``, and its Euler angles lose precision near gimbal lock (R mapping y close
    to ±y: errors near 1e-10 for a rotation of 0.35 rad about y).
    :func:`symbreak.symmetry.wigner_matrices` avoids both. ``R`` may be improper.
    """
    from ..symmetry import wigner_matrices

    return torch.from_numpy(wigner_matrices(irreps, rotation.detach().cpu().double().numpy()))


def float64_copy(module: torch.nn.Module, atol: float = 1e-6) -> torch.nn.Module:
    r"""A float64 deep copy of ``module`` whose e3nn coupling constants are exact in float64.

    ``module.double()`` alone keeps Clebsch-Gordan constants that were rounded to
    float32 when the module was built in float32 (relative error ~1e-7), so the copy
    would be equivariant only to ~1e-7 even when its math is exact. Here every e3nn
    Wigner-3j buffer ``_w3j_{l1}_{l2}_{l3}`` is recomputed with
    ``o3.wigner_3j(l1, l2, l3, dtype=torch.float64)``. Parameters and every other buffer
    are only cast: the copy computes the same function as ``module`` up to rounding.

    Parameters
    ----------
    module : torch.nn.Module
        Any module (left unchanged).
    atol : float
        Each recomputed constant must agree with the stored one to ``atol``; a larger
        difference means the buffer is not the plain Clebsch-Gordan tensor, and
        replacing it would change the model, so a ``ValueError`` is raised instead.

    Returns
    -------
    torch.nn.Module
        The float64 copy.
    """
    exact = copy.deepcopy(module).to(torch.float64)
    for owner_name, owner in exact.named_modules():
        for name, buffer in list(owner.named_buffers(recurse=False)):
            match = _W3J_BUFFER.fullmatch(name)
            if match is None or buffer is None:
                continue
            l1, l2, l3 = (int(l) for l in match.groups())
            value = o3.wigner_3j(l1, l2, l3, dtype=torch.float64, device=buffer.device)
            if value.shape != buffer.shape or (value - buffer).abs().max() > atol:
                raise ValueError(
                    f"buffer {owner_name}.{name} is not the Wigner 3j tensor ({l1}, {l2}, {l3}) "
                    f"to {atol:g}; refusing to replace it"
                )
            owner._buffers[name] = value
    for owner in exact.modules():
        # symbreak's own float64 constants (e.g. a G-invariant projector) are recomputed too
        if hasattr(owner, "exact_float64"):
            owner.exact_float64()
    return exact


def equivariance_error(
    module: torch.nn.Module,
    node_features: torch.Tensor,
    edge_index: torch.Tensor,
    edge_vec: torch.Tensor,
    rotation: torch.Tensor,
    *,
    node_attrs: torch.Tensor | None = None,
    exact: bool = True,
) -> float:
    r"""Largest deviation from equivariance under one O(3) element ``rotation``.

    .. math:: \max \left| f(D_{in}(R) x, R\, r) - D_{out}(R) f(x, r) \right|

    ``module`` needs ``irreps_in`` and ``irreps_out`` and the call signature of
    :class:`~symbreak.nn.RelaxedConvolution`. ``rotation`` may be improper
    (:math:`\det R = -1`): e3nn's ``D_from_matrix`` then applies parity.

    With ``exact=True`` (default) the check measures the math, not round-off: it runs
    in float64 on :func:`float64_copy` of ``module`` (coupling constants recomputed in
    float64, whatever dtype the module was built in) with the inputs cast to float64,
    so an exactly equivariant model gives ~1e-15 even if it was built in float32.
    ``exact=False`` runs ``module`` itself in the dtype of ``node_features``.

    Parameters
    ----------
    module : torch.nn.Module
    node_features : torch.Tensor, shape ``(N, irreps_in.dim)``
    edge_index : torch.Tensor, shape ``(2, E)``
    edge_vec : torch.Tensor, shape ``(E, 3)``
    rotation : torch.Tensor, shape ``(3, 3)``, orthogonal
    node_attrs : torch.Tensor, shape ``(N, irreps_node_attr.dim)``, optional
        Node attributes, rotated with ``module.irreps_node_attr`` (invariant
        attributes such as a species one-hot are unchanged).
    exact : bool
        Check a float64 copy with exact constants (see above).

    Returns
    -------
    float
    """
    if exact:
        module = float64_copy(module)
        node_features = node_features.to(torch.float64)
        edge_vec = edge_vec.to(torch.float64)
        node_attrs = None if node_attrs is None else node_attrs.to(torch.float64)
    dtype = node_features.dtype
    d_in = wigner_d(module.irreps_in, rotation).to(dtype)
    d_out = wigner_d(module.irreps_out, rotation).to(dtype)
    rotation = rotation.to(dtype)
    kwargs, rotated_kwargs = {}, {}
    if node_attrs is not None:
        d_attr = wigner_d(module.irreps_node_attr, rotation).to(dtype)
        kwargs = {"node_attrs": node_attrs}
        rotated_kwargs = {"node_attrs": node_attrs @ d_attr.T}
    with torch.no_grad():
        rotated_first = module(node_features @ d_in.T, edge_index, edge_vec @ rotation.T, **rotated_kwargs)
        rotated_after = module(node_features, edge_index, edge_vec, **kwargs) @ d_out.T
    return (rotated_first - rotated_after).abs().max().item()


def equivariance_errors(
    module: torch.nn.Module,
    node_features: torch.Tensor,
    edge_index: torch.Tensor,
    edge_vec: torch.Tensor,
    rotations: torch.Tensor,
) -> torch.Tensor:
    r"""Deviation from equivariance under each of many O(3) elements, in one forward pass.

    The same check as :func:`equivariance_error` (``exact=True``: a :func:`float64_copy`,
    made once), for every element of ``rotations`` ``(K, 3, 3)`` at once: the K rotated
    copies of the graph are batched as one disjoint graph, so checking all 48 elements of Oh
    costs one call. Suits modules whose nodes interact only along edges (graph layers).
    ``module.irreps_in``/``irreps_out`` may be O(3) irreps or
    :class:`~symbreak.nn.point_group.GIrreps` (then every rotation must be an element of G).

    Returns
    -------
    torch.Tensor, shape ``(K,)``
        :math:`\max |f(D_{in}(R_k) x, R_k r) - D_{out}(R_k) f(x, r)|` for each k, float64.
    """
    module = float64_copy(module)
    x = node_features.to(torch.float64)
    vec = edge_vec.to(torch.float64)
    mats = rotations.detach().cpu().double().numpy().reshape(-1, 3, 3)
    from ..symmetry import wigner_matrices

    def representation(irreps) -> torch.Tensor:
        # O(3) irreps (Wigner matrices), or G-irreps (GIrreps.matrices; elements must be in G)
        values = irreps.matrices(mats) if hasattr(irreps, "matrices") else wigner_matrices(irreps, mats)
        return torch.from_numpy(values).to(x.device)

    d_in, d_out = representation(module.irreps_in), representation(module.irreps_out)
    rot = torch.from_numpy(mats).to(x.device)
    k, n = len(mats), x.shape[0]
    offsets = (torch.arange(k, device=edge_index.device) * n).repeat_interleave(edge_index.shape[1])
    batched_index = edge_index.repeat(1, k) + offsets
    rotated_x = torch.einsum("kij,nj->kni", d_in, x).reshape(k * n, -1)
    rotated_vec = torch.einsum("kij,ej->kei", rot, vec).reshape(-1, 3)
    with torch.no_grad():
        first = module(rotated_x, batched_index, rotated_vec).reshape(k, n, -1)
        after = torch.einsum("kij,nj->kni", d_out, module(x, edge_index, vec))
    return (first - after).abs().amax(dim=(1, 2))
