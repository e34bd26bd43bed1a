"""Networks on features indexed by the real irreps of a point group G (Heilman 2025, §3)."""

from .g_convolution import GConvolution, GGate, GNetwork
from .g_edges import GEdgeEncoding, GHarmonicEdgeEncoding, symmetry_adapted_harmonics
from .g_irreps import GIrreps
from .g_tensor_product import GLinear, GTensorProduct

__all__ = ["GIrreps", "GLinear", "GTensorProduct", "GEdgeEncoding", "GHarmonicEdgeEncoding", "symmetry_adapted_harmonics", "GConvolution", "GGate", "GNetwork"]
