"""
``as_async`` and ``as_sync``: the two properties that cross between the halves.

They are written once, by hand, because each half must name the other; the generated client
inherits them unchanged. A twin shares its origin's session (no second login), has its own
connection pool, is created once, and is closed with its origin.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._async.client import AsyncSalesforceClient
    from ._sync.client import SalesforceClient

__all__ = ["TwinMixin", "twin_kwargs", "twin_transport"]

#: Guards twin creation, so two threads asking at once get the same twin.
_TWIN_LOCK = threading.Lock()


def twin_transport(transport: Any, *, for_class: type) -> Any:
    """
    The transport a twin should use, given the one its origin was built with.

    ``None`` (httpx's default) stays ``None``; an ``httpx.MockTransport`` serves both kinds; a
    transport with a ``twin()`` method (such as the fake org's) provides its counterpart.

    Raises:
        TypeError: If a custom transport cannot provide a counterpart.
    """
    if transport is None or isinstance(transport, httpx.MockTransport):
        return transport
    want_async = issubclass(for_class, httpx.AsyncClient)
    wanted = httpx.AsyncBaseTransport if want_async else httpx.BaseTransport
    if isinstance(transport, wanted):
        return transport
    twin = getattr(transport, "twin", None)
    if callable(twin):
        return twin()
    raise TypeError(
        f"this client's transport {type(transport).__name__} has no twin() method, so its "
        f"{'async' if want_async else 'sync'} twin cannot reach the same server; build that "
        "client yourself with a transport of the right kind"
    )


def twin_kwargs(kwargs: dict[str, Any], *, for_class: type) -> dict[str, Any]:
    """
    The httpx arguments for a twin of kind ``for_class``, from its origin's.

    * The transport is translated by :func:`twin_transport`.
    * Event hooks are not passed on: a hook is written for one kind of client (an async hook
      cannot run in a sync client, and the reverse), so register the twin's hooks on it.
    * An async twin of a sync client keeps no idle connections: it is typically used inside
      ``asyncio.run(...)`` blocks, and a connection kept open past its event loop could never
      be closed properly.
    """
    result = dict(kwargs)
    result.pop("event_hooks", None)
    result["transport"] = twin_transport(kwargs.get("transport"), for_class=for_class)
    if issubclass(for_class, httpx.AsyncClient) and "limits" not in kwargs:
        result["limits"] = httpx.Limits(max_keepalive_connections=0)
    return result


class TwinMixin:
    """Gives both clients ``as_async`` and ``as_sync``."""

    _twin: Any = None
    _is_twin: bool = False
    """True on a client made by ``as_async``/``as_sync``: closing it leaves its origin open."""

    @property
    def as_async(self) -> AsyncSalesforceClient:
        """This client if it is async, else its async twin sharing the same session."""
        from ._async.client import AsyncSalesforceClient

        if isinstance(self, AsyncSalesforceClient):
            return self
        return self._get_twin(AsyncSalesforceClient)  # type: ignore[no-any-return]

    @property
    def as_sync(self) -> SalesforceClient:
        """This client if it is sync, else its sync twin sharing the same session."""
        from ._sync.client import SalesforceClient

        if isinstance(self, SalesforceClient):
            return self
        return self._get_twin(SalesforceClient)  # type: ignore[no-any-return]

    def _get_twin(self, twin_class: Any) -> Any:
        if self._is_twin:
            return self._twin  # a twin always leads back to its origin
        self._check_open()  # type: ignore[attr-defined]
        with _TWIN_LOCK:
            if self._twin is None or self._twin.is_closed:
                self._twin = twin_class._from_twin(self)
                self._twin._is_twin = True
            return self._twin

    def _close_twin(self) -> None:
        """
        Close the twin along with this client, unless this client is itself the twin.

        A sync twin is closed outright. An async twin cannot be awaited from sync code, so it
        is detached: marked closed and unregistered. It keeps no idle connections (see
        :func:`twin_kwargs`), so nothing is left open.
        """
        if self._is_twin:
            return  # closing a twin leaves its origin, and the link to it, as they are
        twin, self._twin = self._twin, None
        if twin is None or twin.is_closed:
            return
        if isinstance(twin, httpx.Client):
            twin.close()
        else:
            twin._detach()
