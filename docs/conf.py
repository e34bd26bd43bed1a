"""Sphinx configuration of the symbreak documentation (``make docs``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))
# The gallery trains small networks: one thread is as fast on two cores and keeps runs repeatable.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import symbreak  # noqa: E402
from symbreak_docs import FolderScraper  # noqa: E402

project = "symbreak"
author = "the symbreak authors"
copyright = "2026, the symbreak authors"
release = symbreak.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped inside the wheel and copied into _static: the pages need no network.
    "sphinx-mathjax-offline",
    "sphinx_gallery.gen_gallery",
    "symbreak_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "gallery/README.rst", "**/GALLERY_HEADER.rst"]
templates_path = ["_templates"]

# MyST: $...$ and $$...$$ math, amsmath environments, anchors for the pages' own links.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

html_theme = "furo"
html_title = f"symbreak {release}"
html_static_path: list[str] = []

# API reference: numpy-style docstrings, one page per public name.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "show-inheritance": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
# The summary tables cut a docstring's first line at "eq. 6" otherwise (the module-level tuple
# is the only hook autosummary offers for abbreviations; it reads it at each call).
import sphinx.ext.autosummary as _autosummary  # noqa: E402

_autosummary.WELL_KNOWN_ABBREVIATIONS = (*_autosummary.WELL_KNOWN_ABBREVIATIONS, "eq.")
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# Attributes as fields of the class, not as second descriptions of the dataclass fields.
napoleon_use_ivar = True

sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_gallery",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "symbreak_docs.GalleryOrder",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib", FolderScraper()),
    "abort_on_example_error": True,
    "show_memory": False,
}

nitpicky = False
suppress_warnings: list[str] = []
