"""scripts/check_docs.py: what it reports about a built API reference."""

from __future__ import annotations

import importlib.util
import sys
import zlib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_docs", ROOT / "scripts/check_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_docs", module)
    spec.loader.exec_module(module)
    return module


check_docs = load_script()


def inventory(*names: str) -> bytes:
    """An objects.inv as Sphinx writes it: four header lines, then zlib-compressed entries."""
    header = b"# Sphinx inventory version 2\n# Project: x\n# Version: 1\n# compressed\n"
    body = "".join(f"{name} py:class 1 api.html#$ -\n" for name in names)
    return header + zlib.compress(body.encode())


def test_private_paths_are_found_in_a_page() -> None:
    """A private module path in a page is reported; public paths and dunders are not."""
    page = (
        '<dt id="sf_toolkit.SObject">class sf_toolkit.SObject</dt>'
        "<em>sf_toolkit.models._base.SObject</em> sf_toolkit.io.api.fetch "
        "sf_toolkit._sync.client.SalesforceClient sf_toolkit.SObject.__getitem__"
    )
    assert check_docs.private_paths(page) == [
        "sf_toolkit._sync.client.SalesforceClient",
        "sf_toolkit.models._base.SObject",
    ]


def test_inventory_names_are_read() -> None:
    """The names of a compressed objects.inv are read back."""
    assert check_docs.inventory_names(inventory("sf_toolkit.SObject", "a.b")) == {
        "sf_toolkit.SObject",
        "a.b",
    }


def test_a_public_name_missing_from_the_reference_is_reported() -> None:
    """A class of `__all__` without an entry under its home module is reported."""
    names = check_docs.inventory_names(inventory("sf_toolkit.ApiUsage"))
    problems = list(check_docs.undocumented(["sf_toolkit"], names))
    assert "sf_toolkit.Throttle: no entry 'sf_toolkit.Throttle' in the API reference" in problems
    assert not any(problem.startswith("sf_toolkit.ApiUsage:") for problem in problems)


def test_names_are_expected_under_their_home_module() -> None:
    """A re-exported class is expected where its `__module__` says it lives."""
    assert check_docs.documented_name("sf_toolkit", "SalesforceLogin") == (
        "sf_toolkit.auth.SalesforceLogin"
    )
    assert check_docs.documented_name("sf_toolkit.io.api", "fetch") == "sf_toolkit.io.api.fetch"
    assert check_docs.documented_name("sf_toolkit.models", "NOT_LOADED") == (
        "sf_toolkit.models.NOT_LOADED"
    )
