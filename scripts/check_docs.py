"""
Check the built API reference: every public name documented, no private module path shown.

Run after ``sphinx-build -b html docs DIR`` as ``python scripts/check_docs.py DIR`` (.ci/run
does). It exits 1, listing the problems, when:

* a name in the ``__all__`` of a public module has no entry in the reference (``objects.inv``),
  under the module it shows as its home (``__module__``, else the module exporting it);
* a page shows a private module path such as ``sf_toolkit.models._base.SObject`` (the source
  pages of ``viewcode`` under ``_modules/`` name the source files, and are not checked).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

#: The modules whose ``__all__`` makes up the public API.
PUBLIC_MODULES = [
    "sf_toolkit",
    "sf_toolkit.auth",
    "sf_toolkit.exceptions",
    "sf_toolkit.io.api",
    "sf_toolkit.models",
    "sf_toolkit.results",
    "sf_toolkit.soql",
    "sf_toolkit.testing",
]

#: Names that are not API objects to document.
NOT_DOCUMENTED = {"__version__"}

PRIVATE_PATH = re.compile(r"\bsf_toolkit(?:\.\w+)*?\._(?!_)\w+(?:\.\w+)*")


def private_paths(text: str) -> list[str]:
    """The private ``sf_toolkit`` module paths a page shows (``sf_toolkit._sync.client``...)."""
    return sorted(set(PRIVATE_PATH.findall(text)))


def inventory_names(data: bytes) -> set[str]:
    """The object names listed in a Sphinx ``objects.inv`` (version 2)."""
    header_end = 0
    for _ in range(4):
        header_end = data.index(b"\n", header_end) + 1
    body = zlib.decompress(data[header_end:]).decode("utf-8")
    return {line.split(" ", 1)[0] for line in body.splitlines() if line.strip()}


def documented_name(module_name: str, name: str) -> str:
    """The name a public object is documented under: its home module's path, then its name."""
    obj = getattr(importlib.import_module(module_name), name)
    home, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and isinstance(home, str):
        return f"{home}.{qualname}"
    return f"{module_name}.{name}"


def undocumented(modules: Iterable[str], inventory: set[str]) -> Iterator[str]:
    for module_name in modules:
        for name in importlib.import_module(module_name).__all__:
            if name not in NOT_DOCUMENTED:
                expected = documented_name(module_name, name)
                if expected not in inventory:
                    yield f"{module_name}.{name}: no entry {expected!r} in the API reference"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/check_docs.py BUILT_HTML_DIR", file=sys.stderr)
        return 2
    built = Path(argv[0])
    problems = list(
        undocumented(PUBLIC_MODULES, inventory_names((built / "objects.inv").read_bytes()))
    )
    for page in sorted(built.rglob("*.html")):
        if page.relative_to(built).parts[0] in ("_modules", "_sources", "_static"):
            continue
        for path in private_paths(page.read_text(encoding="utf-8")):
            problems.append(f"{page.relative_to(built)}: shows the private path {path!r}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"check_docs: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
