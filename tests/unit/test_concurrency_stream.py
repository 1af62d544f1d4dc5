"""The lazy bounded map pair (`map_bounded_stream_async` / `map_bounded_stream`) and callbacks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from sf_toolkit._concurrency import (
    check_callback,
    check_callback_async,
    map_bounded_stream,
    map_bounded_stream_async,
    sleep_async,
)


class Feed:
    """An iterator that records how far ahead of the finished calls it was read."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0
        self.finished = 0
        self.most_ahead = 0
        self.in_flight = 0
        self.peak = 0
        self._guard = threading.Lock()

    def __iter__(self) -> Iterator[int]:
        for item in range(self.count):
            with self._guard:
                self.taken += 1
                self.most_ahead = max(self.most_ahead, self.taken - self.finished)
            yield item

    def enter(self) -> None:
        with self._guard:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self) -> None:
        with self._guard:
            self.in_flight -= 1
            self.finished += 1


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_async_stream_reads_lazily_in_order(concurrency: int) -> None:
    """Never more than `concurrency` items are taken and unfinished; results in input order."""
    feed = Feed(40)

    async def work(item: int) -> int:
        feed.enter()
        await sleep_async(0.002 * (item % 3))
        feed.leave()
        return item * 2

    assert await map_bounded_stream_async(work, feed, concurrency) == [n * 2 for n in range(40)]
    assert feed.most_ahead == concurrency
    assert feed.peak == concurrency


@pytest.mark.parametrize("concurrency", [1, 4])
def test_sync_stream_reads_lazily_in_threads(concurrency: int) -> None:
    """The sync twin overlaps calls in threads, bounded, reading the iterator lazily."""
    feed = Feed(40)
    threads: set[str] = set()

    def work(item: int) -> int:
        feed.enter()
        threads.add(threading.current_thread().name)
        time.sleep(0.002 * (item % 3 + 1))
        feed.leave()
        return item * 2

    assert map_bounded_stream(work, feed, concurrency) == [n * 2 for n in range(40)]
    assert feed.most_ahead == concurrency
    assert feed.peak == concurrency
    assert len(threads) == concurrency


async def test_async_stream_stops_at_the_first_error() -> None:
    """A failing call stops reading and is raised as itself."""
    feed = Feed(1000)

    async def work(item: int) -> int:
        if item == 3:
            raise KeyError("three")
        await sleep_async(0.001)
        return item

    with pytest.raises(KeyError, match="three"):
        await map_bounded_stream_async(work, feed, 2)
    assert feed.taken < 10


def test_sync_stream_stops_at_the_first_error() -> None:
    """A failing call in a thread stops reading and is raised as itself."""
    feed = Feed(1000)

    def work(item: int) -> int:
        if item == 3:
            raise KeyError("three")
        time.sleep(0.001)
        return item

    with pytest.raises(KeyError, match="three"):
        map_bounded_stream(work, feed, 2)
    assert feed.taken < 10


def test_iterator_errors_are_raised() -> None:
    """An exception from the input iterator itself reaches the caller (sync twin)."""

    def broken() -> Iterator[int]:
        yield 1
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError, match="generator broke"):
        map_bounded_stream(lambda n: n, broken(), 3)


async def test_async_iterator_errors_are_raised() -> None:
    """An exception from the input iterator itself reaches the caller."""

    def broken() -> Iterator[int]:
        yield 1
        raise RuntimeError("generator broke")

    async def same(item: int) -> int:
        return item

    with pytest.raises(RuntimeError, match="generator broke"):
        await map_bounded_stream_async(same, broken(), 3)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_stream_concurrency_below_one_is_refused(bad: object) -> None:
    """concurrency must be an int of at least 1."""
    with pytest.raises(ValueError, match="concurrency"):
        map_bounded_stream(lambda n: n, [1], bad)  # type: ignore[arg-type]


async def _coroutine_callback(value: object) -> None:
    del value


def test_check_callback_refuses_coroutine_functions_in_sync_code() -> None:
    """The sync check refuses an async def callback; the async check accepts it."""
    check_callback_async(_coroutine_callback)
    check_callback_async(None)
    check_callback(print)
    with pytest.raises(TypeError, match="coroutine function"):
        check_callback(_coroutine_callback)


@pytest.mark.parametrize("check", [check_callback, check_callback_async])
def test_check_callback_refuses_non_callables(check: object) -> None:
    """A callback that cannot be called is a TypeError in both halves."""
    with pytest.raises(TypeError, match="must be a function"):
        check("print")  # type: ignore[operator]
