"""Real irrep matrices of point groups and coupling (generalised Clebsch–Gordan) coefficients.

Irrep matrices are cut out of e3nn's O(3) representations: for the first ``l`` (and parity)
in which the real irrep Γ occurs, a single copy gives the basis by Gram–Schmidt of the columns
of :math:`P_\\Gamma` (aligned with e3nn's harmonics: T1u of Oh is (x, y, z)); otherwise the
isotypic component :math:`P_\\Gamma V` is split into
irreducible copies by the eigenspaces of a random G-averaged symmetric operator
:math:`\\bar A = \\frac{1}{|G|}\\sum_g D(g) A D(g)^\\top` (which commutes with G); an orthonormal
basis :math:`B` of one copy gives :math:`\\rho(g) = B^\\top D(g) B`. The basis is therefore
arbitrary but deterministic.

Coupling coefficients (cached per group) :math:`C \\in \\mathbb{R}^{d_1 \\times d_2 \\times d_3}` are the intertwiners
:math:`(\\rho_1 \\otimes \\rho_2)(g)\\, C = C\\, \\rho_3(g)` for all g, i.e. the fixed points of
the orthogonal projector :math:`T = \\frac{1}{|G|} \\sum_g \\rho_1(g) \\otimes \\rho_2(g) \\otimes
\\rho_3(g)` acting on :math:`\\mathrm{vec}(C)`.
"""

from __future__ import annotations

import numpy as np

from .decompose import projectors, representation
from .group import PointGroup

__all__ = [
    "irrep_matrices",
    "coupling_coefficients",
    "dirac_coupling_coefficients",
    "product_multiplicities",
    "intertwiner_count",
]

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
            if abs(np.trace(p) - dim) < 0.5:
                # a single copy: its basis follows e3nn's harmonics as far as it can (T1u of Oh
                # in 1o is then (x, y, z) itself), so coupling coefficients read like textbook ones
                b = _aligned_basis(p, dim)
            else:
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


def _aligned_basis(p: np.ndarray, dim: int) -> np.ndarray:
    """Orthonormal basis of the image of the projector ``p``: Gram–Schmidt of its columns, the
    longest remaining one first (columns of ``p`` are the e3nn basis vectors projected)."""
    basis: list[np.ndarray] = []
    columns = np.array(p, dtype=np.float64)
    for _ in range(dim):
        residual = columns - sum(np.outer(b, b @ columns) for b in basis) if basis else columns
        norms = np.linalg.norm(residual, axis=0)
        best = int(np.argmax(norms - 1e-9 * np.arange(len(norms))))  # ties: the first column
        basis.append(residual[:, best] / norms[best])
    return np.stack(basis, axis=1)


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
    key = ("C", irrep1, irrep2, irrep3)
    if key in group._cache:  # noqa: SLF001 (cached per group: a network asks for each path once per layer)
        return group._cache[key]
    t, (d1, d2, d3) = _averaged_product(group, irrep1, irrep2, irrep3)
    w, v = np.linalg.eigh(0.5 * (t + t.T))
    sol = v[:, w > 0.5].T.reshape(-1, d1, d2, d3) * np.sqrt(d3)
    sol.setflags(write=False)
    group._cache[key] = sol  # noqa: SLF001
    return sol


def _averaged_product(group: PointGroup, irrep1: str, irrep2: str, irrep3: str):
    r"""The group average :math:`T = \frac{1}{|G|}\sum_g \rho_1(g)\otimes\rho_2(g)\otimes\rho_3(g)`,
    ``(d1 d2 d3, d1 d2 d3)``: an orthogonal projector whose image is the space of intertwiners."""
    r1, r2, r3 = (irrep_matrices(group, lab) for lab in (irrep1, irrep2, irrep3))
    d1, d2, d3 = r1.shape[1], r2.shape[1], r3.shape[1]
    t = np.einsum("gab,gcd,gef->acebdf", r1, r2, r3).reshape(d1 * d2 * d3, -1) / group.order
    return t, (d1, d2, d3)


def intertwiner_count(group: PointGroup, label: str) -> int:
    r""":math:`\langle\chi_\Gamma, \chi_\Gamma\rangle = \frac{1}{|G|}\sum_g \chi_\Gamma(g)^2`: 1 for a real
    irrep of real type, 2 for the real ``E`` made of a complex pair (its commutant is ℂ), so a
    copy of Γ in a product carries that many independent coupling coefficients."""
    _check_label(group, label)
    chi = group.characters(label)
    return int(round(float(chi @ chi) / group.order))


def product_multiplicities(group: PointGroup, irrep1: str, irrep2: str) -> dict[str, int]:
    r"""Γ1 ⊗ Γ2 = Σ n_c Γc over the real irreps of ``group``, from characters alone.

    .. math:: n_c = \frac{\langle \chi_1\chi_2, \chi_c\rangle}{\langle\chi_c,\chi_c\rangle},
              \qquad \langle\chi,\psi\rangle = \frac{1}{|G|}\sum_g \chi(g)\psi(g)

    (real characters; the denominator is 2 for a complex pair taken as one real ``E``).
    Only non-zero multiplicities are returned, in table order.
    """
    for label in (irrep1, irrep2):
        _check_label(group, label)
    product = group.characters(irrep1) * group.characters(irrep2)
    out = {}
    for label in group.real_irrep_labels:
        chi = group.characters(label)
        n = float(product @ chi) / float(chi @ chi)
        if abs(n - round(n)) > 1e-6:  # pragma: no cover (characters are exact)
            raise RuntimeError(f"non-integer multiplicity {n} of {label} in {irrep1} ⊗ {irrep2}")
        if round(n):
            out[label] = int(round(n))
    return out


def dirac_coupling_coefficients(group: PointGroup, irrep1: str, irrep2: str, irrep3: str) -> np.ndarray:
    r"""Coupling coefficients from Dirac's formula (Heilman 2025, §3), as the same array as
    :func:`coupling_coefficients`.

    For fixed reference indices :math:`(q, s, a)`,

    .. math:: U^{\gamma n}_{\alpha i\,\beta j} = \sqrt{\frac{d_\gamma}{N_G}}
              \Big(\sum_g \Gamma^\alpha_{qq}(g)\,\Gamma^\beta_{ss}(g)\,\Gamma^{\gamma}_{aa}(g)^*\Big)^{-1/2}
              \sum_g \Gamma^\alpha_{iq}(g)\,\Gamma^\beta_{js}(g)\,\Gamma^{\gamma}_{na}(g)^*

    i.e. the projection operator :math:`P^\gamma_{na}` applied to :math:`|\alpha q\rangle|\beta s\rangle`,
    normalised. The paper's :math:`\Gamma^{\gamma\dagger}_{na}` is read as the complex conjugate
    of the element :math:`\Gamma^\gamma_{na}` (real here); the transpose reading,
    :math:`\Gamma^\gamma_{an}`, does not intertwine in general. When Γγ occurs more than once
    (or is a complex pair), successive triples :math:`(q, s, a)` in lexicographic order give
    further solutions, orthonormalised (Gram–Schmidt) against the earlier ones, until the number
    fixed by the characters is reached.

    Returns
    -------
    ndarray, shape ``(k, d1, d2, d3)``
        Spans the same space as :func:`coupling_coefficients` (another orthonormal basis of it).
    """
    for label in (irrep1, irrep2, irrep3):
        _check_label(group, label)
    k = product_multiplicities(group, irrep1, irrep2).get(irrep3, 0) * intertwiner_count(group, irrep3)
    t, (d1, d2, d3) = _averaged_product(group, irrep1, irrep2, irrep3)
    found: list[np.ndarray] = []
    for column in range(t.shape[0]):  # column = (q, s, a) in lexicographic order
        if len(found) == k:
            break
        norm2 = t[column, column]  # (1/N) Σ_g Γα_qq Γβ_ss Γγ_aa
        if norm2 < 1e-10:
            continue
        u = t[:, column] / np.sqrt(norm2)  # Dirac's formula, unit Frobenius norm
        for v in found:
            u = u - (v @ u) * v
        if np.linalg.norm(u) > 1e-6:
            found.append(u / np.linalg.norm(u))
    if len(found) != k:  # pragma: no cover (T e_qsa span the image of T)
        raise RuntimeError(f"Dirac's formula gave {len(found)} of {k} coefficients")
    out = np.array(found).reshape(k, d1, d2, d3) * np.sqrt(d3)
    out.setflags(write=False)
    return out
