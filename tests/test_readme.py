"""The README's Python quick start runs as written and finds the right breaking."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.e2e
def test_readme_quick_start_runs(capsys):
    blocks = _python_blocks()
    assert blocks, "README has no python example"
    for block in blocks:  # every block runs as written, each in a fresh namespace
        exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})
    printed = capsys.readouterr().out
    loss = re.search(r"loss ([0-9.eE+-]+)", printed)
    assert loss, printed
    # cube → prism: the relaxed network fits (the equivariant one stays near 1e-1) ...
    assert float(loss.group(1)) < 1e-6, printed
    # ... and the breaking it learned is named: Eg of Oh, leaving D4h (the prism's group).
    assert "Eg of Oh" in printed and "residual symmetry D4h" in printed, printed


def test_getting_started_shows_the_tested_quick_start():
    # The site's getting-started page repeats the README's quick start; it must stay the block
    # that test_readme_quick_start_runs executes.
    page = README.parent / "docs" / "getting_started.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    assert blocks and all(block in _python_blocks() for block in blocks)
