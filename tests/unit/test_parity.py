"""Every public name of the async half has a sync twin with the same parameters."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import sf_toolkit
import sf_toolkit._async

#: httpx's own method pairs, which keep their distinct names in the sync half.
HTTPX_PAIRS = {"aclose": "close", "aread": "read", "aiter_bytes": "iter_bytes"}


def twin_name(name: str) -> str:
    if name in HTTPX_PAIRS:
        return HTTPX_PAIRS[name]
    if name.startswith("Async") and name[5:6].isupper():
        return name[5:]
    if name.endswith("_async"):
        return name[: -len("_async")]
    return name


ASYNC_MODULES = [
    info.name for info in pkgutil.iter_modules(sf_toolkit._async.__path__) if not info.ispkg
]


def modules(name: str) -> tuple[ModuleType, ModuleType]:
    return (
        importlib.import_module(f"sf_toolkit._async.{name}"),
        importlib.import_module(f"sf_toolkit._sync.{name}"),
    )


def defined_in(value: object, module: ModuleType) -> bool:
    """Whether ``module``'s own code defines ``value`` (exported classes show `sf_toolkit`)."""
    if inspect.isfunction(value):
        return inspect.unwrap(value).__code__.co_filename == module.__file__  # decorated too
    if inspect.isclass(value):
        return any(defined_in(member, module) for member in vars(value).values())
    return False


def shape(obj: object) -> list[tuple[str, object, object]]:
    """Parameter names, kinds and defaults; annotations differ between halves by design."""
    signature = inspect.signature(obj)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def test_there_are_async_modules() -> None:
    """The parity check has something to check."""
    assert "client" in ASYNC_MODULES


@pytest.mark.parametrize("module_name", ASYNC_MODULES)
def test_all_names_have_twins(module_name: str) -> None:
    """Each name in an async module's `__all__` has its twin in the sync module's `__all__`."""
    async_module, sync_module = modules(module_name)
    assert [twin_name(n) for n in async_module.__all__] == list(sync_module.__all__)


@pytest.mark.parametrize("module_name", ASYNC_MODULES)
def test_all_is_sorted_and_complete(module_name: str) -> None:
    """`__all__` is sorted and lists every public class and function the module defines."""
    async_module, _ = modules(module_name)
    defined = sorted(
        name
        for name, value in vars(async_module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and defined_in(value, async_module)
    )
    assert list(async_module.__all__) == sorted(async_module.__all__)
    assert sorted(async_module.__all__) == defined


@pytest.mark.parametrize("module_name", ASYNC_MODULES)
def test_signatures_match(module_name: str) -> None:
    """Functions, classes and their public methods take the same parameters in both halves."""
    async_module, sync_module = modules(module_name)
    for name in async_module.__all__:
        async_obj = getattr(async_module, name)
        sync_obj = getattr(sync_module, twin_name(name))
        assert shape(async_obj) == shape(sync_obj), name
        if not inspect.isclass(async_obj):
            continue
        own = {k for k in vars(async_obj) if not k.startswith("_") or k == "__init__"}
        assert {twin_name(k) for k in own} == {
            k for k in vars(sync_obj) if not k.startswith("_") or k == "__init__"
        }
        for member in own:
            async_member = inspect.getattr_static(async_obj, member)
            sync_member = inspect.getattr_static(sync_obj, twin_name(member))
            if inspect.isfunction(async_member):
                assert shape(async_member) == shape(sync_member), f"{name}.{member}"


def test_package_exports_both_halves() -> None:
    """Both clients import from `sf_toolkit` and show the public module path."""
    assert sf_toolkit.AsyncSalesforceClient.__module__ == "sf_toolkit"
    assert sf_toolkit.SalesforceClient.__module__ == "sf_toolkit"
    assert list(sf_toolkit.__all__) == sorted(sf_toolkit.__all__)
