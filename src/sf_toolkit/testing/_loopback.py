"""
Point other clients at the loopback server when they insist on Salesforce host names.

simple-salesforce always speaks ``https://{domain}.salesforce.com`` and aiosalesforce only
accepts ``*.my.salesforce.com``. These shims sit at each client's HTTP boundary and send every
request, unchanged but for scheme and host, to ``org.serve()``'s URL, so everything on the
wire is real.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["LoopbackTransport", "loopback_requests_adapter", "to_loopback"]


def to_loopback(url: str, base: str) -> str:
    """``url``'s path and query on the loopback server at ``base``."""
    parts = urlsplit(url)
    return f"{base}{parts.path}" + (f"?{parts.query}" if parts.query else "")


class LoopbackTransport(httpx.AsyncBaseTransport):
    """An httpx async transport that sends every request to the loopback server at ``base``."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = httpx.URL(to_loopback(str(request.url), self.base))
        request.headers["Host"] = request.url.netloc.decode()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def loopback_requests_adapter(base: str) -> Any:
    """
    A ``requests`` adapter sending every request to the loopback server at ``base``.

    Mount it with ``session.mount("https://", adapter)``. Needs the ``requests`` package.
    """
    import requests
    from requests.adapters import HTTPAdapter

    class LoopbackAdapter(HTTPAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            request.url = to_loopback(str(request.url), base)
            return super().send(request, **kwargs)

    return LoopbackAdapter()
