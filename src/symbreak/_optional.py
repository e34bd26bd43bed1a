"""Native dependencies imported when first needed, with a clear message if a platform lacks them."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingDependency", "require"]


class MissingDependency(RuntimeError):
    """A compiled dependency is not installed (e.g. no wheel for this platform)."""


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependency` saying what needs it and how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependency(
            f"{purpose} needs the package '{module}', which is not installed or has no build for "
            f"this platform ({error}); install it with 'pip install {module}'"
        ) from None
