"""Source files compile without warnings: an invalid escape such as ``\\m`` in a docstring
is a SyntaxWarning today, an error in a later Python, and garbles the math it meant to show
(``"\\bmod"`` holds a backspace)."""

import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_compiles_without_warnings():
    failures = []
    for path in sorted(p for folder in ("src", "tests", "benchmarks", "examples") for p in (ROOT / folder).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                compile(text, str(path), "exec")
            except (SyntaxError, SyntaxWarning, DeprecationWarning) as error:
                failures.append(f"{path.relative_to(ROOT)}: {error}")
    assert not failures, "\n".join(failures)
