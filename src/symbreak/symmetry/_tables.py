"""Multiplication table, conjugacy classes and character table of a finite matrix group.

The character table is computed with the Burnside–Dixon method: with class sums
:math:`K_j = \\sum_{g \\in C_j} g` and structure constants :math:`K_j K_k = \\sum_l c_{jkl} K_l`,
the central characters :math:`\\omega_i(C_j) = |C_j| \\chi_i(g_j) / d_i` satisfy
:math:`\\omega_i(C_j)\\,\\omega_i(C_k) = \\sum_l c_{jkl}\\,\\omega_i(C_l)`, i.e. each
:math:`\\omega_i` is a common eigenvector of the matrices :math:`(N_j)_{kl} = c_{jkl}` normalised by
:math:`\\omega_i(E) = 1`. The dimension follows from :math:`\\sum_j |C_j| |\\chi_i(g_j)|^2 = |G|`:
:math:`d_i^2 \\sum_j |\\omega_i(C_j)|^2 / |C_j| = |G|`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["multiplication_table", "conjugacy_classes", "burnside_dixon", "clean"]


def multiplication_table(matrices: np.ndarray, atol: float = 1e-6) -> np.ndarray:
    """``table[a, b] = c`` with ``matrices[a] @ matrices[b] ≈ matrices[c]``, shape (order, order).

    Products are matched to the closest element in Frobenius norm (within ``atol``).

    Raises
    ------
    ValueError
        If a product is not in the set (not closed within ``atol``).
    """
    n = len(matrices)
    flat = matrices.reshape(n, 9)
    prod = np.einsum("aij,bjk->abik", matrices, matrices).reshape(n * n, 9)
    # squared distances |p|^2 + |m|^2 - 2 p.m in one matrix product
    d2 = (prod**2).sum(1)[:, None] + (flat**2).sum(1)[None, :] - 2.0 * prod @ flat.T
    idx = np.argmin(d2, axis=1)
    if np.any(d2[np.arange(n * n), idx] > atol**2):
        raise ValueError("the matrices are not closed under multiplication")
    return idx.reshape(n, n)


def conjugacy_classes(table: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Conjugacy classes from the multiplication table.

    Returns
    -------
    classes : list of int arrays
        Element indices of each class, ordered by first element (the identity's class first
        when element 0 is the identity).
    class_of : (order,) int array
        Class index of each element.
    inverse : (order,) int array
        Index of the inverse of each element.
    """
    n = len(table)
    identity = int(np.flatnonzero((table == np.arange(n)[None, :]).all(axis=1))[0])
    inverse = np.argmax(table == identity, axis=1)
    class_of = -np.ones(n, dtype=np.int64)
    classes = []
    for g in range(n):
        if class_of[g] >= 0:
            continue
        conj = np.unique(table[table[np.arange(n), g], inverse])  # h g h^-1 over all h
        class_of[conj] = len(classes)
        classes.append(conj)
    return classes, class_of, inverse


def clean(x: np.ndarray, atol: float = 1e-9) -> np.ndarray:
    """Snap real and imaginary parts within ``atol`` of an integer to that integer."""
    x = np.asarray(x, dtype=np.complex128)
    re, im = x.real.copy(), x.imag.copy()
    for part in (re, im):
        r = np.round(part)
        close = np.abs(part - r) < atol
        part[close] = r[close]
    return re + 1j * im


def burnside_dixon(
    table: np.ndarray, classes: list[np.ndarray], class_of: np.ndarray, inverse: np.ndarray
) -> np.ndarray:
    """Character table ``(n_classes, n_classes)`` complex, rows = irreps, columns = classes.

    Rows are in no particular order; the identity class must be ``classes[0]``.
    """
    n, k = len(table), len(classes)
    sizes = np.array([len(c) for c in classes], dtype=np.float64)
    # c[j, kk, l] = #{x in C_j : x^-1 g_l in C_kk}
    c = np.zeros((k, k, k))
    for l, cls in enumerate(classes):
        g = cls[0]
        kk = class_of[table[inverse, g]]  # class of x^-1 g for every x
        np.add.at(c[:, :, l], (class_of, kk), 1.0)
    rng = np.random.default_rng(12345)
    coef = rng.normal(size=k) + 1j * rng.normal(size=k)
    a = np.einsum("j,jkl->kl", coef, c)
    _, vecs = np.linalg.eig(a)
    omega = vecs / vecs[0:1, :]  # columns: eigenvectors with ω(E) = 1
    omega = omega.T  # (irrep, class)
    # refine: ω_j for each irrep from the eigenvalue equation N_j ω = ω_j ω
    d2 = n / np.sum(np.abs(omega) ** 2 / sizes[None, :], axis=1)
    dims = np.sqrt(d2.real)
    chars = dims[:, None] * omega / sizes[None, :]
    if np.any(np.abs(dims - np.round(dims)) > 1e-6):
        raise RuntimeError("Burnside–Dixon: non-integer irrep dimension (degenerate eigenvalues)")
    return clean(chars)
