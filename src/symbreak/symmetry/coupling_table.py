"""The product table Γa ⊗ Γb = Σ n Γc of a point group, and the coupling coefficients of one pair."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .coupling import coupling_coefficients, intertwiner_count, irrep_matrices, product_multiplicities
from .group import PointGroup

__all__ = ["CouplingTable", "coupling_table"]


@dataclasses.dataclass(frozen=True)
class CouplingTable:
    """Products of the real irreps of a point group, with coefficients for one chosen pair.

    Attributes
    ----------
    group : PointGroup
    products : dict of (str, str) to dict of str to int
        ``(Γa, Γb) → {Γc: n}`` for every unordered pair (Γa before Γb in table order).
    pair : (str, str) or None
        The pair whose coefficients were asked for.
    coefficients : dict of str to ndarray ``(k, da, db, dc)``
        For ``pair``: a basis of the coupling coefficients into each Γc it contains
        (:func:`~symbreak.symmetry.coupling_coefficients`; ``k = n`` × 1 or 2 for a complex pair).
    irrep_matrices : dict of str to ndarray ``(order, d, d)``
        The fixed real irrep matrices the coefficients refer to (``pair`` and its products).
    """

    group: PointGroup
    products: dict[tuple[str, str], dict[str, int]]
    pair: tuple[str, str] | None = None
    coefficients: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    irrep_matrices: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)

    @staticmethod
    def formula(a: str, b: str, content: dict[str, int]) -> str:
        """``"T1u ⊗ T1u = A1g + Eg + T1g + T2g"`` (multiplicities > 1 as ``2 E``)."""
        terms = [f"{n} {label}" if n > 1 else label for label, n in content.items()]
        return f"{a} ⊗ {b} = " + " + ".join(terms)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: group, irreps (label, dimension), products, and for the pair the coefficients."""
        g = self.group
        out: dict[str, Any] = {
            "schema": "symbreak.coupling",
            "schema_version": 1,
            "group": g.name,
            "order": g.order,
            "frame": g.frame.tolist(),
            "irreps": [{"label": lab, "dim": int(d)} for lab, d in zip(g.real_irrep_labels, g.real_irrep_dims)],
            "products": [{"a": a, "b": b, "content": content} for (a, b), content in self.products.items()],
            "convention": "C[k, i, j, n]: psi_n = sum_ij C[k,i,j,n] u_i v_j transforms as irrep c when u, v "
                          "transform as a, b with the irrep_matrices given (rho(g) acting on column vectors, "
                          "g in the order of the group's operations); sum_ij C[k,i,j,n] C[k,i,j,m] = delta_nm",
        }
        if self.pair is not None:
            out["pair"] = list(self.pair)
            out["coefficients"] = {c: v.tolist() for c, v in self.coefficients.items()}
            out["irrep_matrices"] = {lab: m.tolist() for lab, m in self.irrep_matrices.items()}
            out["operations"] = g.matrices.tolist()
        return out


def coupling_table(group: PointGroup, pair: tuple[str, str] | None = None, target: str | None = None) -> CouplingTable:
    """The product table of ``group``; with ``pair``, the coupling coefficients of that pair.

    Parameters
    ----------
    group : PointGroup
    pair : (str, str), optional
        Two real irrep labels of ``group`` (:attr:`PointGroup.real_irrep_labels`).
    target : str, optional
        Only this irrep of ``pair``'s product; it must occur in it.

    Raises
    ------
    ValueError
        A label the group lacks, ``target`` without ``pair``, or a ``target`` the product of
        ``pair`` does not contain (the message gives the product).
    """
    labels = group.real_irrep_labels
    products = {
        (a, b): product_multiplicities(group, a, b)
        for i, a in enumerate(labels) for b in labels[i:]
    }
    if pair is None:
        if target is not None:
            raise ValueError("a target irrep needs a pair of irreps to couple (--irreps A B)")
        return CouplingTable(group, products)
    a, b = pair
    content = product_multiplicities(group, a, b)  # checks both labels
    if target is not None:
        if target not in labels:
            raise ValueError(f"{group.name} has no real irrep {target!r}; irreps: {', '.join(labels)}")
        if target not in content:
            raise ValueError(
                f"{target} does not occur in {CouplingTable.formula(a, b, content)} ({group.name}): "
                "no coupling coefficients"
            )
        content = {target: content[target]}
    coefficients = {c: coupling_coefficients(group, a, b, c) for c in content}
    for c, n in content.items():  # the null space must have the size the characters give
        if len(coefficients[c]) != n * intertwiner_count(group, c):  # pragma: no cover
            raise RuntimeError(f"{len(coefficients[c])} coupling coefficients for {a} ⊗ {b} → {c}, "
                               f"characters say {n * intertwiner_count(group, c)}")
    matrices = {lab: irrep_matrices(group, lab) for lab in dict.fromkeys([a, b, *content])}
    return CouplingTable(group, products, (a, b), coefficients, matrices)
