"""The spooled fetch pair of `sf_toolkit._concurrency`: a background download read as it arrives."""

from __future__ import annotations

import threading

import anyio
import pytest

from sf_toolkit._concurrency import (
    SPOOLED_FETCH_NAME,
    AsyncSpooledFetch,
    SpooledFetch,
    sleep_async,
)

PIECES = [bytes([n]) * 700 for n in range(10)]  # 7,000 bytes: past a 1,000-byte spool in memory


def fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == SPOOLED_FETCH_NAME]


async def read_all_async(fetch: AsyncSpooledFetch, size: int = 300) -> bytes:
    data = b""
    while chunk := await fetch.read(size):
        assert len(chunk) <= size
        data += chunk
    return data


def read_all(fetch: SpooledFetch, size: int = 300) -> bytes:
    data = b""
    while chunk := fetch.read(size):
        assert len(chunk) <= size
        data += chunk
    return data


async def test_async_reads_every_byte_in_order_as_it_arrives() -> None:
    """The reader gets the bytes in order, in reads of at most `size`, then b''."""

    async def fetch(page: AsyncSpooledFetch) -> None:
        for piece in PIECES:
            await page.write(piece)
            await sleep_async(0)

    spooled = AsyncSpooledFetch(fetch, 1_000)
    try:
        assert await read_all_async(spooled) == b"".join(PIECES)
        assert await spooled.read(10) == b""
    finally:
        await spooled.aclose()


async def test_async_error_comes_after_the_bytes_written_before_it() -> None:
    """What the fetch raised is raised once the bytes it wrote first were read."""

    async def fetch(page: AsyncSpooledFetch) -> None:
        await page.write(b"first")
        raise LookupError("broke")

    spooled = AsyncSpooledFetch(fetch, 1_000)
    try:
        assert await spooled.read(100) == b"first"
        with pytest.raises(LookupError, match="broke"):
            await spooled.read(100)
    finally:
        await spooled.aclose()


async def test_async_close_cancels_a_fetch_that_waits() -> None:
    """aclose() cancels the fetch wherever it waits and returns once it has stopped."""
    stopped = anyio.Event()

    async def fetch(page: AsyncSpooledFetch) -> None:
        await page.write(b"x")
        try:
            await sleep_async(3600)
        finally:
            stopped.set()

    spooled = AsyncSpooledFetch(fetch, 1_000)
    assert await spooled.read(10) == b"x"
    await spooled.aclose()
    assert stopped.is_set()
    await spooled.aclose()  # closing twice is harmless


def test_sync_reads_what_the_thread_writes_in_order() -> None:
    """The fetch runs in a thread of its own; the reader waits for bytes and gets them all."""
    release = threading.Event()

    def fetch(page: SpooledFetch) -> None:
        assert threading.current_thread().name == SPOOLED_FETCH_NAME
        release.wait()
        for piece in PIECES:
            page.write(piece)

    spooled = SpooledFetch(fetch, 1_000)
    try:
        threading.Timer(0.05, release.set).start()  # the reader waits before any byte exists
        assert read_all(spooled) == b"".join(PIECES)
    finally:
        spooled.close()
    assert not fetch_threads()


def test_sync_error_comes_after_the_bytes_written_before_it() -> None:
    """What the fetch raised in its thread is raised in the reader, after its bytes."""

    def fetch(page: SpooledFetch) -> None:
        page.write(b"first")
        raise LookupError("broke")

    spooled = SpooledFetch(fetch, 1_000)
    try:
        assert spooled.read(100) == b"first"
        with pytest.raises(LookupError, match="broke"):
            spooled.read(100)
    finally:
        spooled.close()


def test_sync_close_stops_the_fetch_at_its_next_write() -> None:
    """close() makes an endless fetch stop at its next write and waits for its thread."""
    ended = threading.Event()

    def fetch(page: SpooledFetch) -> None:
        try:
            while True:
                page.write(b"x" * 100)
        finally:
            ended.set()

    spooled = SpooledFetch(fetch, 1_000)
    assert spooled.read(10) == b"x" * 10
    spooled.close()
    assert ended.is_set()
    assert not fetch_threads()
