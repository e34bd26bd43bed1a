"""Real irrep matrices of point groups and coupling (generalised Clebsch–Gordan) coefficients.

Irrep matrices are cut out of e3nn's O(3) representations: for the first ``l`` (and parity)
in which the real irrep Γ occurs, the isotypic component :math:`P_\\Gamma V` is split into
irreducible copies by the eigenspaces of a random G-averaged symmetric operator
:math:`\\bar A = \\frac{1}{|G|}\\sum_g D(g) A D(g)^\\top` (which commutes with G); an orthonormal
basis :math:`B` of one copy gives :math:`\\rho(g) = B^\\top D(g) B`. The basis is therefore
arbitrary but deterministic.

Coupling coefficients :math:`C \\in \\mathbb{R}^{d_1 \\times d_2 \\times d_3}` are the intertwiners
:math:`(\\rho_1 \\otimes \\rho_2)(g)\\, C = C\\, \\rho_3(g)` for all g, i.e. the fixed points of
the orthogonal projector :math:`T = \\frac{1}{|G|} \\sum_g \\rho_1(g) \\otimes \\rho_2(g) \\otimes
\\rho_3(g)` acting on :math:`\\mathrm{vec}(C)`.
"""

from __future__ import annotations

import numpy as np

from .decompose import projectors, representation
from .group import PointGroup

__all__ = ["irrep_matrices", "coupling_coefficients"]

_MAX_L = 30


def _check_label(group: PointGroup, label: str) -> None:
    if label not in group.real_irrep_labels:
        raise ValueError(f"{group.name} has no real irrep {label!r}; "
                         f"irreps: {', '.join(group.real_irrep_labels)}")


def irrep_matrices(group: PointGroup, label: str) -> np.ndarray:
    """Real orthogonal matrices of the real irrep ``label`` for every operation, (order, d, d).

    ``label`` is one of :attr:`PointGroup.real_irrep_labels` (a complex pair is its real
    two-dimensional ``E``). The traces equal :meth:`PointGroup.characters`.
    """
    _check_label(group, label)
    key = ("rho", label)
    if key in group._cache:  # noqa: SLF001
        return group._cache[key]
    dim = int(group.real_irrep_dims[group.real_irrep_labels.index(label)])
    rng = np.random.default_rng(7)
    for l in range(_MAX_L + 1):
        for parity in "eo":
            ir = f"{l}{parity}"
            p = projectors(ir, group)[label]
            if np.trace(p) < 0.5:
                continue
            d = representation(ir, group)
            a = rng.normal(size=p.shape)
            a = a + a.T
            abar = np.einsum("gij,jk,glk->il", d, a, d) / group.order
            wp, vp = np.linalg.eigh(p)
            q = vp[:, wp > 0.5]  # orthonormal basis of the isotypic component
            w, v = np.linalg.eigh(q.T @ abar @ q)
            top = np.abs(w - w[-1]) < 1e-6 * max(1.0, abs(w[-1]))
            if top.sum() != dim:
                continue
            b = q @ v[:, top]
            rho = np.einsum("ia,gij,jb->gab", b, d, b)
            if np.allclose(np.einsum("gab,gbc->gac", rho, np.transpose(rho, (0, 2, 1))),
                           np.eye(dim), atol=1e-8):
                rho.setflags(write=False)
                group._cache[key] = rho  # noqa: SLF001
                return rho
    raise RuntimeError(f"no irrep matrices found for {label} of {group.name}")  # pragma: no cover


def coupling_coefficients(group: PointGroup, irrep1: str, irrep2: str, irrep3: str) -> np.ndarray:
    """Coupling coefficients of ``irrep1 ⊗ irrep2 → irrep3`` (real irreps of ``group``).

    Returns
    -------
    ndarray, shape (k, d1, d2, d3)
        A basis of the intertwiners :math:`C` with
        :math:`\\sum_{a'b'} \\rho_1(g)_{aa'} \\rho_2(g)_{bb'} C_{a'b'c} = \\sum_{c'} C_{abc'} \\rho_3(g)_{c'c}`,
        orthonormal in the Frobenius inner product up to the factor ``d3``: each ``C`` is an
        isometry, :math:`\\sum_{ab} C_{abc} C_{abc'} = \\delta_{cc'}`. ``k = 0`` when Γ3 is not in
        Γ1 ⊗ Γ2; for a complex-type Γ3 (a ``1E``/``2E`` pair) solutions come in pairs. Bases are
        those of :func:`irrep_matrices`.
    """
    r1, r2, r3 = (irrep_matrices(group, lab) for lab in (irrep1, irrep2, irrep3))
    d1, d2, d3 = r1.shape[1], r2.shape[1], r3.shape[1]
    t = np.einsum("gab,gcd,gef->acebdf", r1, r2, r3).reshape(d1 * d2 * d3, -1) / group.order
    t = 0.5 * (t + t.T)
    w, v = np.linalg.eigh(t)
    sol = v[:, w > 0.5].T.reshape(-1, d1, d2, d3)
    return sol * np.sqrt(d3)
