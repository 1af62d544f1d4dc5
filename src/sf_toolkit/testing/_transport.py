"""
httpx transports that route every request to a :class:`~._org.FakeOrg`, whatever the host.

Latency is slept *outside* the org's lock, with ``time.sleep`` in the sync transport and
``anyio.sleep`` in the async one, so concurrent requests really overlap on asyncio and trio.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio
import httpx

if TYPE_CHECKING:
    from ._org import FakeOrg

__all__ = ["AsyncFakeOrgTransport", "FakeOrgTransport"]


def _dropped(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        "Server disconnected without sending a response.", request=request
    )


class FakeOrgTransport(httpx.BaseTransport):
    """Answer ``httpx.Client`` requests from a fake org."""

    def __init__(self, org: FakeOrg) -> None:
        self._org = org

    def twin(self) -> AsyncFakeOrgTransport:
        """The async transport to the same org (used by ``client.as_async``)."""
        return AsyncFakeOrgTransport(self._org)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Read the body, wait the configured latency, then answer."""
        from ._org import ConnectionDropped

        request.read()
        with self._org._flight():
            delay = self._org._delay()
            if delay:
                time.sleep(delay)
            try:
                return self._org.respond(request)
            except ConnectionDropped as exc:
                raise _dropped(request) from exc


class AsyncFakeOrgTransport(httpx.AsyncBaseTransport):
    """Answer ``httpx.AsyncClient`` requests from a fake org (asyncio or trio)."""

    def __init__(self, org: FakeOrg) -> None:
        self._org = org

    def twin(self) -> FakeOrgTransport:
        """The sync transport to the same org (used by ``client.as_sync``)."""
        return FakeOrgTransport(self._org)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Read the body, sleep the configured latency without blocking, then answer."""
        from ._org import ConnectionDropped

        await request.aread()
        with self._org._flight():
            delay = self._org._delay()
            if delay:
                await anyio.sleep(delay)
            try:
                return self._org.respond(request)
            except ConnectionDropped as exc:
                raise _dropped(request) from exc
