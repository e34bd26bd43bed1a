"""Read-out of the fields from a trained force network: θ blocks, probes, least squares.

E comes from θ^{1o} and B from θ^{1e}. Their signs are fixed by probing the
model, and their magnitudes by a least-squares fit on the training data
(see :func:`read_fields`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..theta import thetas_of

if TYPE_CHECKING:
    from .fields import FieldProblem, ForceNetwork

__all__ = ["probe_fields", "read_fields"]


def _angle_deg(u: np.ndarray | None, truth: np.ndarray) -> float | None:
    if u is None or not truth.any():
        return None
    t = truth / np.linalg.norm(truth)
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(u, t)), u @ t)))


def _unit(v: np.ndarray | None) -> np.ndarray | None:
    if v is None:
        return None
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else None


def probe_fields(model: ForceNetwork, q: float) -> tuple[np.ndarray, np.ndarray]:
    """E and B implied by the trained model's forces at charge ``q``.

    ``E = F(q, 0) / q``; with the Jacobian ``J = ∂F/∂v`` (finite differences of
    size ``velocity_scale``, exact for a model affine in v), ``v × B = -[B]_× v``
    gives ``B = -axial((J - Jᵀ)/2) / q``.
    """
    step = float(model.velocity_scale)
    velocities = torch.cat([torch.zeros(1, 3, dtype=torch.float64), step * torch.eye(3, dtype=torch.float64)])
    with torch.no_grad():
        forces = model(torch.full((4,), float(q)), velocities).double().numpy()
    jacobian = (forces[1:] - forces[0]).T / step  # column i: dF/dv_i
    anti = 0.5 * (jacobian - jacobian.T)
    axial = np.array([anti[2, 1], anti[0, 2], anti[1, 0]])
    return forces[0] / q, -axial / q


def read_fields(model: ForceNetwork, problem: FieldProblem) -> dict[str, Any]:
    """Field directions from θ, signs from probes, magnitudes from a least-squares fit.

    For each field the layer with the largest block (θ^{1o} for E, θ^{1e} for B) is
    used (with one layer, the only one). Its unit vector is flipped if it points
    against the model's probed field (:func:`probe_fields`). The magnitudes ``a``,
    ``b`` minimise ``Σ |F/q - a ê - b v × b̂|²`` over the training samples.

    Returns
    -------
    dict
        ``E_true``, ``B_true``, ``E_learned``, ``B_learned`` (unit vectors or ``None``
        for a zero field / block), ``E_angle_deg``, ``B_angle_deg`` (``None`` when the
        true field is zero), ``E_magnitude``, ``B_magnitude`` (``learned``, ``true``,
        ``probe``), ``E_probe``, ``B_probe`` (vectors), block norms and their ratio
        ``E_to_B_block_ratio``, and ``per_layer`` cosines.
    """
    thetas = thetas_of(model)
    if not thetas:
        raise ValueError("the model has no relaxed weights (equivariant baseline): nothing to read out")
    q = problem.settings.q
    e_probe, b_probe = probe_fields(model, q)
    blocks = [(t.block("1o"), t.block("1e")) for t in thetas]
    if any(e is None or b is None for e, b in blocks):
        raise ValueError(f"the read-out needs 1o and 1e blocks in θ, got {thetas[0].irreps}")
    e_norms = [float(np.linalg.norm(e)) for e, _ in blocks]
    b_norms = [float(np.linalg.norm(b)) for _, b in blocks]
    e_layer, b_layer = int(np.argmax(e_norms)), int(np.argmax(b_norms))
    e_hat, b_hat = _unit(blocks[e_layer][0]), _unit(blocks[b_layer][1])
    if e_hat is not None and e_hat @ e_probe < 0:
        e_hat = -e_hat
    if b_hat is not None and b_hat @ b_probe < 0:
        b_hat = -b_hat

    v = problem.velocities.numpy()
    target = (problem.forces.numpy() / q).reshape(-1)
    columns, names = [], []
    if e_hat is not None:
        columns.append(np.broadcast_to(e_hat, v.shape).reshape(-1))
        names.append("E")
    if b_hat is not None:
        columns.append(np.cross(v, b_hat).reshape(-1))
        names.append("B")
    magnitudes = {"E": 0.0, "B": 0.0}
    if columns:
        solution, *_ = np.linalg.lstsq(np.stack(columns, axis=1), target, rcond=None)
        magnitudes.update({name: float(x) for name, x in zip(names, solution)})

    def listed(x):
        return None if x is None else [float(c) for c in x]

    return {
        "E_true": listed(problem.E / np.linalg.norm(problem.E)) if problem.E.any() else None,
        "B_true": listed(problem.B / np.linalg.norm(problem.B)) if problem.B.any() else None,
        "E_learned": listed(e_hat),
        "B_learned": listed(b_hat),
        "E_angle_deg": _angle_deg(e_hat, problem.E),
        "B_angle_deg": _angle_deg(b_hat, problem.B),
        "E_magnitude": {"learned": magnitudes["E"], "true": float(np.linalg.norm(problem.E)),
                        "probe": float(np.linalg.norm(e_probe))},
        "B_magnitude": {"learned": magnitudes["B"], "true": float(np.linalg.norm(problem.B)),
                        "probe": float(np.linalg.norm(b_probe))},
        "E_probe": listed(e_probe),
        "B_probe": listed(b_probe),
        "E_layer": e_layer,
        "B_layer": b_layer,
        "E_block_norm": e_norms[e_layer],
        "B_block_norm": b_norms[b_layer],
        "E_to_B_block_ratio": e_norms[e_layer] / b_norms[b_layer] if b_norms[b_layer] > 0 else None,
        "per_layer": [
            {
                "layer": i,
                "E_block_norm": e_norms[i],
                "B_block_norm": b_norms[i],
                "E_cosine": _cosine(e, problem.E),
                "B_cosine": _cosine(b, problem.B),
            }
            for i, (e, b) in enumerate(blocks)
        ],
    }


def _cosine(block: np.ndarray, truth: np.ndarray) -> float | None:
    """|cos| between a block and the true field (the block's sign is the network's choice)."""
    u = _unit(block)
    if u is None or not truth.any():
        return None
    return float(abs(u @ truth) / np.linalg.norm(truth))
