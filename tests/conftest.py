"""
Shared pytest configuration.

Coroutine tests (the hand-written ones in ``tests/_async``) run once on asyncio and once on trio
through anyio's plugin in auto mode; their generated twins in ``tests/_sync`` run as plain tests.
"""

from __future__ import annotations

import threading
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


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that sends one chunk, then loses the connection (both protocols)."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"first part"
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"first part"
        raise httpx.ReadError("connection reset by peer")


@pytest.fixture
def broken_body() -> Callable[[], BrokenBody]:
    """Make a body that breaks off after its first chunk."""
    return BrokenBody


@pytest.fixture
def trickle() -> Callable[[float], Trickle]:
    """Make an endless body that trickles one byte per interval (a stalled gateway)."""
    return Trickle


class Generated(httpx.SyncByteStream, httpx.AsyncByteStream):
    """
    A response body made chunk by chunk as it is read (both protocols), so the server side of
    a test holds nothing: memory measured while a client reads it is the client's own.
    """

    def __init__(self, chunks: Callable[[], Iterator[bytes]]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks():
            yield chunk


@pytest.fixture
def generated_body() -> Callable[[Callable[[], Iterator[bytes]]], Generated]:
    """Make a response body generated lazily from a function returning chunks."""
    return Generated


class GatedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """
    A response body that sends ``first``, then waits until :meth:`open` is called (at most
    ten seconds, so a client that waits for the whole body fails a test instead of hanging it),
    then sends ``rest`` (both protocols). ``sent_rest`` tells whether ``rest`` went out.
    """

    def __init__(self, first: bytes, rest: bytes) -> None:
        self.first = first
        self.rest = rest
        self.sent_rest = False
        self._gate = threading.Event()

    def open(self) -> None:
        self._gate.set()

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        self._gate.wait(10)
        self.sent_rest = True
        yield self.rest

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        with anyio.move_on_after(10):
            # A thread's event (the sync half opens it from another thread): polled.
            while not self._gate.is_set():  # noqa: ASYNC110
                await anyio.sleep(0.005)
        self.sent_rest = True
        yield self.rest


@pytest.fixture
def gated_body() -> Callable[[bytes, bytes], GatedBody]:
    """Make a body that stops after its first part until the test opens its gate."""
    return GatedBody
