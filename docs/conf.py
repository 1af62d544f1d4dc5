"""Sphinx configuration for the sf_toolkit documentation."""

from __future__ import annotations

from sf_toolkit import __version__

project = "sf_toolkit"
author = "The sf_toolkit developers"
copyright = "2026, the sf_toolkit developers"
release = __version__
version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
nitpicky = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = "sf_toolkit"
html_static_path: list[str] = []
