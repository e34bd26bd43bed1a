"""Charged particles in uniform electric and magnetic fields: the Boris integrator.

Time grid: positions :math:`x_n` at :math:`t_n = n\\,dt`, velocities of the leapfrog
scheme at the half steps :math:`v_{n\\pm 1/2}`. One Boris step (Boris 1970; Birdsall &
Langdon, *Plasma Physics via Computer Simulation*, §4-3) with :math:`a = q\\,dt\\,E/2m`
and :math:`t = q\\,dt\\,B/2m`:

.. math::
    v^- = v_{n-1/2} + a, \\quad
    v^+ = v^- + (v^- + v^- \\times t) \\times \\frac{2t}{1 + |t|^2}, \\quad
    v_{n+1/2} = v^+ + a, \\quad x_{n+1} = x_n + dt\\, v_{n+1/2}.

The rotation :math:`v^- \\to v^+` keeps :math:`|v|` exactly (so with :math:`E = 0` the
kinetic energy is conserved to rounding) and satisfies
:math:`v^+ - v^- = (v^+ + v^-) \\times t`. Hence, exactly,

.. math:: m\\,\\frac{v_{n+1/2} - v_{n-1/2}}{dt} = q\\,(E + v_n \\times B), \\qquad
          v_n = \\tfrac12 (v_{n-1/2} + v_{n+1/2}).

**The velocity of step n** is this time-centred :math:`v_n`, and **the force of
step n** is the Lorentz force evaluated at it, :math:`F_n = q(E + v_n \\times B)`: the
dataset pairs obey the Lorentz law exactly, and :math:`F_n` is also the force the
integrator applied between the half steps around :math:`t_n`. The initial velocity
:math:`v_0` is time-centred too: the integrator starts from
:math:`v_{-1/2} = v_0 - dt\\,F(v_0) / 2m`, which the Boris step maps to
:math:`v_{1/2} = v_0 + dt\\,F(v_0)/2m`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["Trajectory", "boris_push", "lorentz_force", "simulate", "as_field"]


def as_field(value, name: str) -> np.ndarray:
    """A field as a finite float64 vector of 3 numbers; ``ValueError`` naming it otherwise."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected 3 numbers, got {value!r} ({error})") from None
    if array.shape != (3,):
        raise ValueError(f"{name}: expected 3 numbers (x, y, z), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: components must be finite numbers, got {array.tolist()}")
    return array


def _check_scalar(value, name: str, *, positive: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and not number > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def lorentz_force(velocity: np.ndarray, E: np.ndarray, B: np.ndarray, q: float) -> np.ndarray:
    """:math:`F = q (E + v \\times B)` for velocities of shape ``(..., 3)``."""
    return q * (E + np.cross(velocity, B))


def boris_push(velocity: np.ndarray, E: np.ndarray, B: np.ndarray, q: float, m: float,
               dt: float) -> np.ndarray:
    """One Boris step :math:`v_{n-1/2} \\to v_{n+1/2}` for velocities of shape ``(..., 3)``."""
    a = (q * dt / (2 * m)) * E
    t = (q * dt / (2 * m)) * B
    s = 2 * t / (1 + t @ t)
    minus = velocity + a
    plus = minus + np.cross(minus + np.cross(minus, t), s)
    return plus + a


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """Trajectories of ``N`` identical particles over ``S`` steps.

    Attributes
    ----------
    positions : np.ndarray, shape ``(N, S, 3)``
        :math:`x_n` at :math:`t_n = n\\,dt`, ``n = 0 … S-1``.
    velocities : np.ndarray, shape ``(N, S, 3)``
        Time-centred :math:`v_n = (v_{n-1/2} + v_{n+1/2})/2` (``velocities[:, 0]`` is the
        initial velocity).
    forces : np.ndarray, shape ``(N, S, 3)``
        :math:`F_n = q (E + v_n \\times B)`.
    half_velocities : np.ndarray, shape ``(N, S + 1, 3)``
        The leapfrog velocities :math:`v_{-1/2}, v_{1/2}, …, v_{S-1/2}`.
    E, B : np.ndarray, shape ``(3,)``
    q, m, dt : float
    seed : int
    """

    positions: np.ndarray
    velocities: np.ndarray
    forces: np.ndarray
    half_velocities: np.ndarray
    E: np.ndarray
    B: np.ndarray
    q: float
    m: float
    dt: float
    seed: int

    @property
    def times(self) -> np.ndarray:
        """:math:`t_n`, shape ``(S,)``."""
        return np.arange(self.positions.shape[1]) * self.dt

    def kinetic_energy(self) -> np.ndarray:
        """:math:`m |v_{n+1/2}|^2 / 2` of the leapfrog velocities, shape ``(N, S + 1)``."""
        return 0.5 * self.m * (self.half_velocities**2).sum(axis=-1)


def simulate(
    E,
    B,
    *,
    q: float = 1.0,
    m: float = 1.0,
    steps: int = 500,
    dt: float = 0.05,
    n_particles: int = 1,
    seed: int = 0,
    position_scale: float = 1.0,
    velocity_scale: float = 1.0,
    initial_positions: np.ndarray | None = None,
    initial_velocities: np.ndarray | None = None,
) -> Trajectory:
    """Integrate ``n_particles`` particles of charge ``q`` and mass ``m`` in uniform E and B.

    Initial positions and velocities are drawn from normal distributions of standard
    deviation ``position_scale`` and ``velocity_scale`` per component (a
    ``numpy.random.default_rng(seed)``), unless given.

    Parameters
    ----------
    E, B : array-like, shape ``(3,)``
        Electric field (a vector) and magnetic field (a pseudovector).
    q : float
        Charge (0 is allowed: the particle moves in a straight line and F = 0).
    m : float
        Mass, > 0.
    steps : int
        Number of time steps ``S`` (>= 1) kept in the output.
    dt : float
        Time step, > 0.
    n_particles : int
    seed : int
    initial_positions, initial_velocities : array-like, shape ``(n_particles, 3)``, optional

    Returns
    -------
    Trajectory
    """
    E, B = as_field(E, "E"), as_field(B, "B")
    q = _check_scalar(q, "q (charge)")
    m = _check_scalar(m, "m (mass)", positive=True)
    dt = _check_scalar(dt, "dt (time step)", positive=True)
    steps = _check_count(steps, "steps")
    n_particles = _check_count(n_particles, "n_particles")
    rng = np.random.default_rng(seed)
    x0 = rng.normal(scale=position_scale, size=(n_particles, 3))
    v0 = rng.normal(scale=velocity_scale, size=(n_particles, 3))
    if initial_positions is not None:
        x0 = _initial(initial_positions, n_particles, "initial_positions")
    if initial_velocities is not None:
        v0 = _initial(initial_velocities, n_particles, "initial_velocities")

    half = np.empty((n_particles, steps + 1, 3))
    positions = np.empty((n_particles, steps, 3))
    half[:, 0] = v0 - dt / (2 * m) * lorentz_force(v0, E, B, q)
    x = x0
    for n in range(steps):
        positions[:, n] = x
        half[:, n + 1] = boris_push(half[:, n], E, B, q, m, dt)
        x = x + dt * half[:, n + 1]
    velocities = 0.5 * (half[:, :-1] + half[:, 1:])
    velocities[:, 0] = v0  # equal to rounding; keep the given initial velocity exactly
    forces = lorentz_force(velocities, E, B, q)
    return Trajectory(positions, velocities, forces, half, E, B, q, m, dt, int(seed))


def _initial(value, n_particles: int, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape != (n_particles, 3) or not np.isfinite(array).all():
        raise ValueError(f"{name}: expected an array of shape ({n_particles}, 3) of finite numbers")
    return array
