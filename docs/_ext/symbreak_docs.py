"""Sphinx build steps that keep the reference pages true to the code.

Two pages are written at build time rather than by hand, so that they cannot drift:

- the API reference, one page per public package, listing every name of its ``__all__``
  (classes and functions through ``autosummary``; module-level constants, which carry no
  ``__doc__`` of their own, through their ``#:`` comment in the module that defines them);
- the CLI reference, the ``--help`` of the typer app and of every command.

sphinx-click cannot be used for the CLI: typer ships its own copy of click, whose command objects
are not ``click.Command`` instances. ``make docs`` imports this file as a Sphinx extension;
``tests/test_docs_api.py`` imports it without Sphinx.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import os
from pathlib import Path

#: The packages whose ``__all__`` the API reference documents, with a one-line description.
PACKAGES: dict[str, str] = {
    "symbreak": "Top-level exports: the layers, the tasks' entry points, θ, tensors, data.",
    "symbreak.nn": "Relaxed equivariant layers, networks, potentials and equivariance checks.",
    "symbreak.symmetry": "Point groups, character tables, irreps, projectors, decompositions.",
    "symbreak.tensors": "Neumann's principle: allowed forms and projections of property tensors.",
    "symbreak.modes": "Symmetry-mode decomposition of distortions, zone-boundary irreps.",
    "symbreak.data": "Datasets of structures, neighbour lists, batching.",
    "symbreak.train": "Training loop, settings, checkpoints, several processes.",
}


def public_names(package: str) -> list[str]:
    """The names of ``package.__all__``, in its order."""
    return list(importlib.import_module(package).__all__)


def is_constant(obj: object) -> bool:
    """Whether ``obj`` is module-level data (documented by its ``#:`` comment), not code."""
    return not (inspect.isclass(obj) or callable(obj) or inspect.ismodule(obj))


@functools.lru_cache(maxsize=None)
def _module_sources(package: str) -> tuple[tuple[list[str], ast.Module], ...]:
    """(lines, syntax tree) of every module of ``package``, read once."""
    # Read the files rather than importing them: importing every module would pull in torch,
    # matplotlib and the tasks for nothing.
    folder = Path(importlib.import_module(package).__file__).parent
    out = []
    for path in sorted(folder.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        out.append((source.splitlines(), ast.parse(source)))
    return tuple(out)


def constant_comment(package: str, name: str) -> str:
    """The ``#:`` comment above the assignment of constant ``name`` in ``package``'s modules.

    A re-exported constant keeps no trace of where it was defined, so every module of the
    package is searched for a top-level assignment to ``name``. Returns ``""`` when none has
    such a comment.
    """
    for lines, tree in _module_sources(package):
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) else [])
            if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
                continue
            comment = []
            row = node.lineno - 2
            while row >= 0 and lines[row].lstrip().startswith("#:"):
                comment.insert(0, lines[row].lstrip()[2:].strip())
                row -= 1
            if comment:
                return " ".join(comment)
    return ""


def documented_name(package: str, name: str) -> str:
    """The dotted name under which ``package.name`` has its page.

    A top-level export that one of the subpackages also exports is documented once, under the
    subpackage (``symbreak.RelaxedNetwork`` → ``symbreak.nn.RelaxedNetwork``).
    """
    if package == "symbreak":
        obj = getattr(importlib.import_module(package), name)
        for sub in PACKAGES:
            if sub != package and name in public_names(sub):
                if getattr(importlib.import_module(sub), name) is obj:
                    return f"{sub}.{name}"
    return f"{package}.{name}"


def api_page(package: str) -> str:
    """reStructuredText of the API page of ``package``: a summary table, a page per name."""
    module = importlib.import_module(package)
    names = public_names(package)
    code = [n for n in names if not is_constant(getattr(module, n))]
    data = [n for n in names if is_constant(getattr(module, n))]
    title = f"``{package}``"
    out = [title, "=" * len(title), "", PACKAGES[package], "",
           f".. currentmodule:: {package}", ""]
    here = [n for n in code if documented_name(package, n) == f"{package}.{n}"]
    elsewhere = [n for n in code if n not in here]
    if here:
        out += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        out += [f"   {n}" for n in sorted(here, key=str.lower)]
        out.append("")
    if elsewhere:
        out += ["Also exported here", "-" * 18, "",
                "These names are documented with the subpackage that defines them.", ""]
        for n in sorted(elsewhere, key=str.lower):
            target = documented_name(package, n)
            out.append(f"- :py:obj:`{n} <{target}>` (``{target}``)")
        out.append("")
    if data:
        out += ["Constants", "---------", ""]
        for n in data:
            value = repr(getattr(module, n))
            if len(value) > 70:
                value = value[:67] + "..."
            out += [f".. py:data:: {n}", "", f"   ``{value}``", "",
                    f"   {constant_comment(package, n)}", ""]
    return "\n".join(out) + "\n"


def cli_help() -> list[tuple[str, str]]:
    """``(command line, help text)`` for the typer app and each of its commands."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from symbreak.cli import app

    env = {"COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    runner = CliRunner()
    pages = [("symbreak --help", runner.invoke(app, ["--help"], env=env).output)]
    for name in get_command(app).commands:  # in the order the app lists them
        result = runner.invoke(app, [name, "--help"], env=env)
        if result.exit_code != 0:
            raise RuntimeError(f"symbreak {name} --help exited {result.exit_code}")
        pages.append((f"symbreak {name} --help", result.output))
    return pages


def cli_page() -> str:
    """reStructuredText of the CLI reference."""
    out = ["CLI reference", "=============", "",
           "Generated at build time from the typer app ``symbreak.cli.app``: each block is the",
           "command's ``--help``, exactly as the terminal prints it.", ""]
    for command, text in cli_help():
        heading = f"``{command.removesuffix(' --help')}``"
        out += [heading, "-" * len(heading), "", ".. code-block:: text", ""]
        out += [("   " + line).rstrip() for line in text.rstrip().splitlines()]
        out.append("")
    return "\n".join(out) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    # Rewriting an unchanged file would make Sphinx re-read it (and its autosummary) every build.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def generate(srcdir: str | os.PathLike) -> None:
    """Write ``api/<package>.rst`` and ``cli.rst`` under the docs source folder."""
    srcdir = Path(srcdir)
    for package in PACKAGES:
        _write_if_changed(srcdir / "api" / f"{package}.rst", api_page(package))
    _write_if_changed(srcdir / "cli.rst", cli_page())


def _on_config_inited(app, config) -> None:
    generate(app.srcdir)


def setup(app):
    # config-inited runs before the source files are listed, so the generated pages are found.
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


class FolderScraper:
    """sphinx-gallery scraper for figures that symbreak writes as PNG files.

    symbreak's plotting functions save figures to files (they never touch pyplot's global state),
    so the gallery's matplotlib scraper cannot see them. After each code block this collects the
    new ``*.png`` files in every folder that a variable of the example holds (``out =
    Path(tempfile.mkdtemp())``) and embeds them in the page.
    """

    def __init__(self) -> None:
        self.seen: set[Path] = set()

    def __repr__(self) -> str:  # sphinx-gallery hashes the config; keep it stable between builds
        return "FolderScraper()"

    def __call__(self, block, block_vars, gallery_conf):
        import shutil

        from sphinx_gallery.scrapers import figure_rst

        folders = {v for v in block_vars["example_globals"].values()
                   if isinstance(v, Path) and v.is_dir()}
        new = sorted({p for folder in folders for p in folder.glob("*.png")} - self.seen)
        self.seen.update(new)
        images = []
        for png, image_path in zip(new, block_vars["image_path_iterator"]):
            shutil.copyfile(png, image_path)
            images.append(image_path)
        return figure_rst(images, gallery_conf["src_dir"])


class GalleryOrder:
    """Sort key of the gallery's examples: from the first idea to the tools, new ones last."""

    ORDER = ["plot_cube_to_prism.py", "plot_square_to_rectangle.py", "plot_charged_particle.py",
             "plot_batio3.py", "plot_srtio3_modes.py", "plot_tensor_forms.py",
             "plot_point_group_layer.py"]

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        rank = self.ORDER.index(filename) if filename in self.ORDER else len(self.ORDER)
        return rank, filename

    def __repr__(self) -> str:
        return "GalleryOrder()"
