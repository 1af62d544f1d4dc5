"""Sphinx configuration for the sf_toolkit documentation."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from sphinx.pycode import ModuleAnalyzer

from sf_toolkit import __version__
from sf_toolkit._exports import published_from

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
nitpicky = True
# No network at build time, so no intersphinx inventories: references into the standard
# library and httpx stay plain text, and TypeVars (T, M, ...) have no page of their own.
nitpick_ignore_regex = [
    ("py:.*", r"(httpx|collections|os|pathlib|random|typing|datetime|decimal|cattrs|attrs)\..+"),
    ("py:class", r"(sf_toolkit\.[\w.]+\.)?_?[A-Z]"),
    # Internal types in the constructors of Bulk jobs, which operations build, never users.
    ("py:class", r"JobInfo|Progress"),
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = "sf_toolkit"
html_static_path: list[str] = []


# Exported classes and functions carry their public module in ``__module__`` (no private
# path in the pages), but their source is in a private module. Sphinx reads attribute
# docstrings and ``@overload`` signatures from the source of ``__module__``: let the analyzer
# of a public module see those of the private modules its names come from.
_analyze = ModuleAnalyzer.analyze

# Load every lazily exported name first, so that published_from() knows all the sources.
for _package in ("sf_toolkit", "sf_toolkit.auth", "sf_toolkit.io.api", "sf_toolkit.models"):
    _module = importlib.import_module(_package)
    for _name in _module.__all__:
        getattr(_module, _name)


def _analyze_with_sources(self: ModuleAnalyzer) -> None:
    if self._analyzed:
        return
    _analyze(self)
    for source in sorted(published_from(self.modname)):
        private = ModuleAnalyzer.for_module(source)
        private.analyze()
        for key, lines in private.attr_docs.items():
            self.attr_docs.setdefault(key, lines)
        for name, signatures in private.overloads.items():
            self.overloads.setdefault(name, signatures)
        for name, order in private.tagorder.items():
            self.tagorder.setdefault(name, order)


ModuleAnalyzer.analyze = _analyze_with_sources  # type: ignore[method-assign]


# Napoleon reads "Some words: more words" opening an attribute's docstring as "type:
# description". Ours are prose (the types come from the annotations), so the docstrings of
# attributes and properties skip napoleon: saved before it runs (priority 500), put back after.
_PROSE_KINDS = ("attribute", "data", "property")
_prose: dict[str, list[str]] = {}


def _save_prose(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if what in _PROSE_KINDS:
        _prose[name] = list(lines)


def _restore_prose(
    app: object, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if what in _PROSE_KINDS and name in _prose:
        lines[:] = _prose.pop(name)


#: Where a docstring's unqualified name may live, in this order.
_HOMES = ("sf_toolkit", "sf_toolkit.io.api", "sf_toolkit.models", "sf_toolkit.auth")


def _canonical(target: str) -> str | None:
    """
    Where the object a dotted path names is documented, or None if the path names nothing.

    ``sf_toolkit.SalesforceLogin`` -> ``sf_toolkit.auth.SalesforceLogin`` (a re-export), and
    ``AsyncBulkQueryJob.records`` -> ``sf_toolkit.AsyncBulkQueryJob.records``, ``query_bulk``
    -> ``sf_toolkit.io.api.query_bulk`` (names of the package, as docstrings write them).
    """
    if target.startswith("sf_toolkit."):
        return _documented_at(target.split("."))
    for home in _HOMES:
        found = _documented_at([*home.split("."), *target.split(".")])
        if found is not None:
            return found
    return None


def _documented_at(parts: list[str]) -> str | None:
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        base = obj.__name__
        for attribute in parts[cut:]:
            owner, obj = obj, getattr(obj, attribute, None)
            if obj is None:
                return None
            if isinstance(obj, type) or (inspect.isfunction(obj) and inspect.ismodule(owner)):
                base = f"{obj.__module__}.{obj.__qualname__}"
            else:
                base = f"{base}.{attribute}"
        return base
    return None


def _resolve_reexport(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    # A page or docstring may name a re-export, or a name of the package without its module:
    # resolve the reference where the object is documented, under its own module.
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py":
        return None
    canonical = _canonical(target)
    if canonical is None or canonical == target:
        return None
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], canonical, node, contnode
    )


def setup(app: Any) -> None:
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-docstring", _save_prose, priority=400)
    app.connect("autodoc-process-docstring", _restore_prose, priority=600)
