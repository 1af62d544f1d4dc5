"""
Shared pytest configuration.

Coroutine tests (the hand-written ones in ``tests/_async``) run once on asyncio and once on trio
through anyio's plugin in auto mode; their generated twins in ``tests/_sync`` run as plain tests.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

import anyio
import httpx
import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test on both event loops."""
    return str(request.param)


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """
    A response body that sends one byte every ``interval`` seconds, ``total`` bytes in all (both
    protocols): long enough to outlast a test's time budget, short enough to end without one.

    ``sent`` counts the bytes handed out, so a test can check the client gave up early.
    """

    def __init__(self, interval: float, total: int = 100) -> None:
        self.interval = interval
        self.total = total
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.total:
            time.sleep(self.interval)
            self.sent += 1
            yield b" "

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            await anyio.sleep(self.interval)
            self.sent += 1
            yield b" "


@pytest.fixture
def trickle() -> Callable[[float], Trickle]:
    """Make an endless body that trickles one byte per interval (a stalled gateway)."""
    return Trickle
