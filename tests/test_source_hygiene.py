"""Source files compile without warnings: an invalid escape such as ``\\m`` in a docstring
is a SyntaxWarning today, an error in a later Python, and garbles the math it meant to show
(``"\\bmod"`` holds a backspace)."""

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("src", "tests", "benchmarks", "examples") for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles_without_warnings(path):
    text = path.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(text, str(path), "exec")
