"""symbreak: learn and discover symmetry breaking with relaxed E(3)-equivariant networks."""

__version__ = "0.1.0"
