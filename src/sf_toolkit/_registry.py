"""
The default connections: clients found by name when an operation is given none.

Sync and async clients live in separate registries. Under each name the most recently created
open client wins; closing it hands the name back to the one before, if that one is still open.
The registry holds clients weakly: a client nobody references any more is not kept alive, and
never silently serves a later call.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, TypeVar

import httpx

from .exceptions import NoClientError

__all__ = ["DEFAULT_CONNECTION", "lookup", "register", "resolve_client", "unregister"]

DEFAULT_CONNECTION = "default"

C = TypeVar("C")

_lock = threading.Lock()
_stacks: dict[tuple[bool, str], list[weakref.ref[Any]]] = {}


def _key(client_or_class: object, name: str) -> tuple[bool, str]:
    cls = client_or_class if isinstance(client_or_class, type) else type(client_or_class)
    return issubclass(cls, httpx.AsyncClient), name


def register(client: Any, name: str) -> None:
    """Make ``client`` the default connection under ``name`` for its kind (sync or async)."""
    with _lock:
        _stacks.setdefault(_key(client, name), []).append(weakref.ref(client))


def unregister(client: Any, name: str) -> None:
    """Remove ``client`` from the registry; the previous open client of the name takes over."""
    with _lock:
        stack = _stacks.get(_key(client, name), [])
        _stacks[_key(client, name)] = [ref for ref in stack if ref() not in (None, client)]


def lookup(client_class: type[C], name: str) -> C | None:
    """The newest open client of ``client_class``'s kind registered under ``name``."""
    with _lock:
        for ref in reversed(_stacks.get(_key(client_class, name), [])):
            client = ref()
            if client is not None and not client.is_closed and isinstance(client, client_class):
                return client
    return None


def resolve_client(sf_client: object, client_class: type[C], name: str | None = None) -> C:
    """
    Return the client to use: the one given, else the default connection ``name``.

    Raises:
        TypeError: If ``sf_client`` is not a ``client_class`` (a sync client given to an
            async function, or something else entirely).
        NoClientError: If none was given and none is registered under the name.
    """
    if sf_client is not None:
        if not isinstance(sf_client, client_class):
            hint = ""
            if isinstance(sf_client, (httpx.Client, httpx.AsyncClient)):
                wanted = "as_async" if issubclass(client_class, httpx.AsyncClient) else "as_sync"
                hint = f"; convert it with client.{wanted}"
            raise TypeError(
                f"sf_client must be a {client_class.__name__}, got {type(sf_client).__name__}{hint}"
            )
        return sf_client
    name = name or DEFAULT_CONNECTION
    client = lookup(client_class, name)
    if client is None:
        raise NoClientError(
            f"no open {client_class.__name__} is registered as connection {name!r}: pass "
            f"sf_client=..., or create a {client_class.__name__}(login=..., "
            f"connection_name={name!r}) first"
        )
    return client
