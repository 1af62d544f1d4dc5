"""
A ``requests`` transport adapter that answers from a fake org, for code built on ``requests``.

simple-salesforce always calls ``https://{domain}.salesforce.com``; mounting this adapter on its
session sends those calls to the fake without TLS or a server. ``requests`` is imported only
when an adapter is made.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._org import FakeOrg

__all__ = ["make_requests_adapter"]


def make_requests_adapter(org: FakeOrg) -> Any:
    """
    Build a ``requests.adapters.BaseAdapter`` routing every request to ``org``.

    Raises:
        RuntimeError: If ``requests`` is not installed.
    """
    try:
        import requests
        from requests.adapters import BaseAdapter
        from requests.structures import CaseInsensitiveDict
    except ImportError as exc:  # pragma: no cover - requests comes with simple-salesforce
        raise RuntimeError("org.requests_adapter() needs the 'requests' package") from exc
    from ._org import ConnectionDropped

    class FakeOrgAdapter(BaseAdapter):
        """Answers ``requests`` calls from a fake org (latency and faults included)."""

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode()
            elif not isinstance(body, bytes):
                body = b"".join(body)
            outgoing = httpx.Request(
                request.method, request.url, headers=dict(request.headers), content=body
            )
            with org._flight():
                delay = org._delay()
                if delay:
                    time.sleep(delay)
                try:
                    reply = org.respond(outgoing)
                except ConnectionDropped as exc:
                    raise requests.exceptions.ConnectionError(
                        "Connection aborted: the fake org dropped it", request=request
                    ) from exc
            response = requests.Response()
            response.status_code = reply.status_code
            response.headers = CaseInsensitiveDict(reply.headers)
            response._content = reply.read()
            response.encoding = reply.encoding
            response.url = request.url
            response.request = request
            response.reason = reply.reason_phrase
            return response

        def close(self) -> None:
            """Nothing to release: no sockets are opened."""

    return FakeOrgAdapter()
