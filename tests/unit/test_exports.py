"""
Exports: what ``import sf_toolkit`` loads, and that every public name resolves, lazily or not,
under a public module path.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = ["sf_toolkit", "sf_toolkit.auth", "sf_toolkit.io.api", "sf_toolkit.models"]

#: Modules that only some programs need: the fake org, Bulk, the command line, code generation.
ON_FIRST_USE = ("sf_toolkit.testing", "sf_toolkit.cli", "sf_toolkit.__main__")
ON_FIRST_USE_PARTS = ("bulk", "_codegen")


def modules_after(statement: str) -> list[str]:
    """The sf_toolkit modules a fresh interpreter has loaded after ``statement``."""
    code = (
        f"{statement}\nimport json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sf_toolkit'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


def loaded_on_first_use(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if name.startswith(ON_FIRST_USE)
        or any(part in name.split(".")[-1] for part in ON_FIRST_USE_PARTS)
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "import sf_toolkit",
        "from sf_toolkit import SalesforceClient, SalesforceLogin, SObject, select\n"
        "import sf_toolkit.io.api, sf_toolkit.models",
    ],
)
def test_import_leaves_optional_parts_unloaded(statement: str) -> None:
    """Importing the package, or what a program uses daily, loads no fake org, Bulk or CLI."""
    modules = modules_after(statement)
    assert "sf_toolkit" in modules
    assert loaded_on_first_use(modules) == []


def test_bare_import_loads_no_client_or_model() -> None:
    """`import sf_toolkit` alone imports neither the clients nor the models."""
    modules = modules_after("import sf_toolkit")
    assert not [m for m in modules if m.startswith(("sf_toolkit._async", "sf_toolkit.models"))]


def test_the_check_sees_optional_modules() -> None:
    """The check above would notice the fake org and code generation being loaded."""
    modules = modules_after("import sf_toolkit.testing, sf_toolkit.models._codegen")
    assert "sf_toolkit.testing" in loaded_on_first_use(modules)
    assert "sf_toolkit.models._codegen" in loaded_on_first_use(modules)


def type_checking_imports(package: str) -> set[str]:
    """The names a package imports under ``if TYPE_CHECKING:``, for type checkers."""
    module = importlib.import_module(package)
    tree = ast.parse(Path(inspect.getfile(module)).read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    names.update(alias.asname or alias.name for alias in statement.names)
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_lazy_names_are_declared_for_type_checkers(package: str) -> None:
    """Each lazily loaded name is in `__all__` and imported under `if TYPE_CHECKING:`."""
    module = importlib.import_module(package)
    lazy = set(getattr(module, "_EXPORTS", {}))
    assert lazy <= set(module.__all__)
    assert type_checking_imports(package) == lazy


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_and_is_listed_by_dir(package: str) -> None:
    """Every name of `__all__` resolves and is in `dir()`; an unknown name is refused."""
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        module.Nope  # noqa: B018


@pytest.mark.parametrize("package", [*PACKAGES, "sf_toolkit.testing", "sf_toolkit.exceptions"])
def test_exported_classes_and_functions_show_a_public_module(package: str) -> None:
    """No exported class or function names a private module as its home."""
    module = importlib.import_module(package)
    private = {
        name: value.__module__
        for name in module.__all__
        if callable(value := getattr(module, name))
        and any(part.startswith("_") for part in value.__module__.split("."))
    }
    assert private == {}


def test_published_model_still_resolves_its_annotations() -> None:
    """A subclass of SObject, shown under `sf_toolkit`, still has resolvable type hints."""
    import typing

    from sf_toolkit import SObject

    class Account(SObject):
        Name: str | None = None

    assert SObject.__module__ == "sf_toolkit"
    assert typing.get_type_hints(Account)["Name"] == str | None
