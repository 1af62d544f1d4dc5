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
from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_toolkit.testing import FakeOrg

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


#: Standard-library and third-party modules loaded only when needed: anyio by the async half's
#: primitives, concurrent.futures by the sync thread pool, the HTML parser and the XML helpers
#: when an HTML or XML body arrives.
LAZY_MODULES = ("anyio", "concurrent.futures", "html.parser", "xml.sax")

#: A sync program against the fake org served on loopback (``{url}``), which runs in the test's
#: process: the program itself imports only what a user's would.
SYNC_PROGRAM = """
import sys
from sf_toolkit import SalesforceClient, SalesforceLogin, SObject, select
from sf_toolkit.io.api import count, query, save_insert

class Account(SObject):
    Name: str | None = None

login = SalesforceLogin(username="user@example.com", password="password", domain={url!r})
with SalesforceClient(login=login) as client:
    save_insert(Account(Name="new"), client)
    names = sorted(a.Name for a in query(select(Account), client, batch_size=200))
    assert names == ["a0", "a1", "a2", "a3", "a4", "new"], names
    assert count(select(Account), client) == 6
"""

HTML_ERROR_PROGRAM = """
import sys
import httpx
from sf_toolkit import SalesforceClient, SalesforceLogin, RetryPolicy
from sf_toolkit.exceptions import ServerError
from sf_toolkit.io.api import count
from sf_toolkit.testing import FakeOrg

org = FakeOrg()
real = org.transport()
page = b"<html><head><title>502 Bad Gateway</title></head><body>edge</body></html>"

def answer(request):
    if "/query" in request.url.path:
        return httpx.Response(502, headers={"Content-Type": "text/html"}, content=page)
    return real.handle_request(request)

login = SalesforceLogin(username="user@example.com", password="password")
with SalesforceClient(
    login=login, transport=httpx.MockTransport(answer), retry=RetryPolicy.disabled()
) as client:
    assert "html.parser" not in sys.modules
    try:
        count("SELECT COUNT() FROM Account", client)
    except ServerError as error:
        assert "502 Bad Gateway: edge" in error.message, error.message
    else:
        raise AssertionError("no error")
"""


@pytest.fixture
def org_url() -> Iterator[str]:
    org = FakeOrg()
    for n in range(5):
        org.insert("Account", {"Name": f"a{n}"})
    with org.serve() as url:
        yield url


def lazy_modules_after(statement: str) -> list[str]:
    """Which of ``LAZY_MODULES`` a fresh interpreter has loaded after ``statement``."""
    code = (
        f"{statement}\nimport json, sys\n"
        f"print(json.dumps([m for m in {LAZY_MODULES!r} if sys.modules.get(m) is not None]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


def test_daily_imports_load_no_anyio_thread_pool_or_markup_parser() -> None:
    """The client, login, models and operations load anyio, a thread pool, HTML/XML on use."""
    statement = (
        "from sf_toolkit import SalesforceClient, SalesforceLogin, SObject, select\n"
        "import sf_toolkit.io.api, sf_toolkit.models, sf_toolkit.auth"
    )
    assert lazy_modules_after(statement) == []


def test_the_sync_half_never_imports_anyio(org_url: str) -> None:
    """
    Logging in, saving, a paginated query with read-ahead and a count work with anyio
    unimportable, and load no HTML parser.

    httpcore imports anyio when it can (and copes when it cannot), so the program makes
    ``import anyio`` fail: any import of it by the sync half would end the program.
    """
    blocked = 'import sys\nsys.modules["anyio"] = None  # import anyio raises ImportError\n'
    loaded = lazy_modules_after(blocked + SYNC_PROGRAM.format(url=org_url))
    assert "anyio" not in loaded
    assert "html.parser" not in loaded


def test_an_async_primitive_loads_anyio_on_first_use() -> None:
    """The checks above would see anyio: an async primitive loads it when first awaited."""
    statement = "import asyncio, sf_toolkit._concurrency as c"
    assert "anyio" not in lazy_modules_after(statement)
    assert "anyio" in lazy_modules_after(f"{statement}\nasyncio.run(c.sleep_async(0))")


def test_an_html_error_page_loads_the_html_parser() -> None:
    """The HTML parser is loaded when an HTML page arrives, and still reads it."""
    assert "html.parser" in lazy_modules_after(HTML_ERROR_PROGRAM)
