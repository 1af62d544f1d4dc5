"""
How packages export names: lazily (PEP 562), and under their public module path.

A package lists ``{public name: defining module}`` in a table; :func:`lazy_exports` gives it
the module ``__getattr__`` and ``__dir__`` that import a name's module on first access, so
``import sf_toolkit`` loads nothing it does not need. Type checkers do not run
``__getattr__``: the package imports the same names under ``if TYPE_CHECKING:`` for them,
and ``tests/unit/test_exports.py`` keeps the two lists identical.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_exports", "publish", "published_from"]

#: Public module -> the private modules whose classes and functions it shows as its own.
_SOURCES: dict[str, set[str]] = {}


def lazy_exports(
    package: str, table: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """
    Return a module's ``__getattr__`` and ``__dir__`` for the names of ``table``.

    Args:
        package: The module's ``__name__``, the home shown by what it loads.
        table: Public name -> module defining it, relative as in the module's own imports
            (``"._sync.client"`` in a package ``__init__``, ``".._sync.bulk"`` in ``io/api.py``).
        namespace: The module's ``globals()``: a loaded name is stored there, so the next
            access costs nothing.

    A loaded class or function defined in a private module shows the package as its home
    (see :func:`publish`).
    """

    # Relative paths resolve as in the module's own import statements.
    anchor = namespace.get("__package__") or package

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, anchor), name)
        publish(package, [value])
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *table})

    return __getattr__, __dir__


def publish(public_module: str, objects: Iterable[Any]) -> None:
    """
    Show exported classes and functions under ``public_module`` rather than a private path.

    Reprs, tracebacks, pickling and the API reference then name the path users import from
    (``sf_toolkit.models.SObject``, not ``sf_toolkit.models._base.SObject``). An object whose
    module is already public keeps it, so the first, most specific export wins.

    A class's own postponed annotations are resolved first, in its defining module:
    ``typing.get_type_hints`` (which attrs, cattrs and the models use) looks names up in the
    module ``__module__`` names, and the public one does not hold them.
    """
    for obj in objects:
        module = getattr(obj, "__module__", None)
        is_code = inspect.isclass(obj) or inspect.isfunction(obj)
        if is_code and isinstance(module, str) and _is_private(module):
            if isinstance(obj, type):
                _resolve_own_annotations(obj)
            _SOURCES.setdefault(public_module, set()).add(module)
            obj.__module__ = public_module


def published_from(public_module: str) -> frozenset[str]:
    """
    The private modules that define what ``public_module`` shows as its own, so far.

    Tools that read source by ``__module__`` (Sphinx's attribute docstrings and overloads)
    look there too.
    """
    return frozenset(_SOURCES.get(public_module, ()))


def _resolve_own_annotations(cls: type) -> None:
    own = inspect.get_annotations(cls)
    if any(isinstance(value, str) for value in own.values()):
        try:
            resolved = inspect.get_annotations(cls, eval_str=True)
        except NameError:  # a name imported only for type checkers: leave them as written
            return
        type.__setattr__(cls, "__annotations__", resolved)


def _is_private(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "sf_toolkit" and any(part.startswith("_") for part in parts[1:])
