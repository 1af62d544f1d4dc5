"""The hand-written async/sync pairs in `sf_toolkit._concurrency`."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

from sf_toolkit._concurrency import (
    AsyncLock,
    AsyncReadAhead,
    Lock,
    ReadAhead,
    call_callback,
    call_callback_async,
    map_bounded,
    map_bounded_async,
    sleep_async,
)


class Tracker:
    """Counts calls in flight, for both threads and tasks."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.started: list[int] = []
        self._guard = threading.Lock()

    def enter(self, item: int) -> None:
        with self._guard:
            self.started.append(item)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self) -> None:
        with self._guard:
            self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 3, 50])
async def test_async_map_keeps_order_and_bound(concurrency: int) -> None:
    """Results come back in input order and no more than `concurrency` calls overlap."""
    tracker = Tracker()

    async def work(item: int) -> int:
        tracker.enter(item)
        await sleep_async(0.001 * (item % 3))
        tracker.leave()
        return item * 2

    assert await map_bounded_async(work, range(20), concurrency) == [i * 2 for i in range(20)]
    assert tracker.peak == min(concurrency, 20)


async def test_async_map_raises_first_error_and_starts_nothing_more() -> None:
    """One failing call is raised as itself; later items are never started."""
    tracker = Tracker()

    async def work(item: int) -> int:
        tracker.enter(item)
        if item == 2:
            raise KeyError(item)
        await sleep_async(0.01)
        return item

    with pytest.raises(KeyError):
        await map_bounded_async(work, range(100), 3)
    assert len(tracker.started) < 10


async def test_async_lock_is_mutually_exclusive() -> None:
    """Two tasks never hold the lock at once."""
    lock = AsyncLock()
    tracker = Tracker()

    async def work(item: int) -> None:
        async with lock:
            tracker.enter(item)
            await sleep_async(0.001)
            tracker.leave()

    await map_bounded_async(work, range(5), 5)
    assert tracker.peak == 1


def test_sync_map_runs_in_parallel_threads() -> None:
    """With concurrency > 1 the sync twin really runs calls at the same time."""
    barrier = threading.Barrier(4, timeout=5)

    def work(item: int) -> int:
        barrier.wait()  # only returns once four calls are running together
        return item + 1

    assert map_bounded(work, [1, 2, 3, 4], 4) == [2, 3, 4, 5]


def test_sync_map_keeps_order_and_bound() -> None:
    """Results keep input order and overlap stays within the bound."""
    tracker = Tracker()

    def work(item: int) -> int:
        tracker.enter(item)
        threading.Event().wait(0.002)
        tracker.leave()
        return -item

    assert map_bounded(work, range(30), 3) == [-i for i in range(30)]
    assert tracker.peak <= 3


def test_sync_map_with_one_runs_in_the_calling_thread() -> None:
    """concurrency=1 is a plain loop in the caller's thread."""
    threads = map_bounded(lambda _: threading.get_ident(), range(3), 1)
    assert set(threads) == {threading.get_ident()}


def test_sync_map_raises_first_error_and_stops() -> None:
    """A failing call is raised and no new items start after it."""
    tracker = Tracker()

    def work(item: int) -> int:
        tracker.enter(item)
        if item == 0:
            raise ValueError("boom")
        threading.Event().wait(0.01)
        return item

    with pytest.raises(ValueError, match="boom"):
        map_bounded(work, range(100), 2)
    assert len(tracker.started) < 10


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_concurrency_below_one_is_refused(bad: object) -> None:
    """A concurrency that is not a positive integer raises ValueError naming the argument."""
    with pytest.raises(ValueError, match="concurrency must be an integer of at least 1"):
        map_bounded(lambda x: x, [1], bad)  # type: ignore[arg-type]


async def test_async_concurrency_below_one_is_refused() -> None:
    """The async twin validates the same way."""

    async def work(item: int) -> int:
        return item

    with pytest.raises(ValueError, match="concurrency"):
        await map_bounded_async(work, [1], 0)


def test_sync_lock_is_reentrant_free() -> None:
    """The sync lock is a plain mutual-exclusion lock."""
    lock = Lock()
    with lock:
        pass
    with lock:
        pass


async def test_async_callback_accepts_both_kinds() -> None:
    """A coroutine callback is awaited; a plain one is just called."""
    seen: list[str] = []

    async def coro_callback(value: str) -> None:
        seen.append("async:" + value)

    await call_callback_async(coro_callback, "a")
    await call_callback_async(seen.append, "b")
    assert seen == ["async:a", "b"]


def test_sync_callback_refuses_coroutine_function() -> None:
    """The sync API rejects an `async def` callback with a TypeError naming it."""

    async def on_chunk(value: str) -> None:
        pass

    with pytest.raises(
        TypeError,
        match=r"on_chunk' is a coroutine function",
    ):
        call_callback(on_chunk, "x")


def test_sync_callback_refuses_awaitable_result() -> None:
    """A plain function returning a coroutine is refused too, without a never-awaited warning."""

    async def later() -> None:
        pass

    with pytest.raises(TypeError, match="returned an awaitable"):
        call_callback(lambda _: later(), "x")


# -- read-ahead -------------------------------------------------------------------------------


class Source:
    """Items 0..n-1, each fetch logged; a fetch waits for its gate when one is set."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.fetched: list[int] = []
        self.finished = False
        self.cancelled = False
        self.waiting = False

    async def items_async(self, gates: dict[int, anyio.Event]) -> AsyncIterator[int]:
        try:
            for item in range(self.n):
                if item in gates:
                    self.waiting = True
                    try:
                        await gates[item].wait()
                    except anyio.get_cancelled_exc_class():
                        self.cancelled = True
                        raise
                self.fetched.append(item)
                yield item
        finally:
            self.finished = True

    def items(self, gates: dict[int, threading.Event]) -> Iterator[int]:
        try:
            for item in range(self.n):
                if item in gates:
                    assert gates[item].wait(10)
                self.fetched.append(item)
                yield item
        finally:
            self.finished = True


async def settle(condition: object) -> None:
    for _ in range(2000):
        if callable(condition) and condition():
            return
        await sleep_async(0.002)
    raise AssertionError("the condition never came true")


async def test_async_read_ahead_fetches_exactly_one_ahead() -> None:
    """While the caller holds item k, item k+1 is fetched, and item k+2 is not."""
    source = Source(4)
    async with AsyncReadAhead(source.items_async({})) as items:
        assert await items.__anext__() == 0
        await settle(lambda: source.fetched == [0, 1])
        for _ in range(50):  # many turns of the event loop: still only one ahead
            await anyio.lowlevel.checkpoint()
        assert source.fetched == [0, 1]
        assert [item async for item in items] == [1, 2, 3]
    assert source.finished


async def test_async_read_ahead_close_cancels_the_fetch_in_flight() -> None:
    """Closing while the next item is being fetched cancels that fetch and closes the source."""
    source = Source(3)
    gate = anyio.Event()  # never set: the fetch of item 1 hangs until cancelled
    async with AsyncReadAhead(source.items_async({1: gate})) as items:
        assert await items.__anext__() == 0
        await settle(lambda: source.waiting)
    assert source.cancelled
    assert source.finished
    assert source.fetched == [0]


# asyncio only: trio warns (ResourceWarning) about every async generator left unexhausted and
# asks for ``aclosing``, which is the explicit close tested above.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_async_read_ahead_break_in_a_generator_cancels_the_fetch() -> None:
    """An enclosing generator left by break (closed later by the finalizer) cancels the fetch."""
    source = Source(3)
    gate = anyio.Event()

    async def outer() -> AsyncIterator[int]:
        async with AsyncReadAhead(source.items_async({1: gate})) as items:
            async for item in items:
                yield item

    async for _ in outer():
        break
    await settle(lambda: source.finished)
    assert source.cancelled


async def test_async_read_ahead_raises_the_fetch_error_in_order() -> None:
    """An error while fetching ahead is raised when the caller reaches that item."""

    async def failing() -> AsyncIterator[int]:
        yield 0
        raise KeyError("page 2")

    async with AsyncReadAhead(failing()) as items:
        assert await items.__anext__() == 0
        with pytest.raises(KeyError, match="page 2"):
            await items.__anext__()


def test_sync_read_ahead_fetches_in_a_thread_exactly_one_ahead() -> None:
    """The sync twin fetches item k+1 in a worker thread while the caller holds item k."""
    source = Source(4)
    gate = threading.Event()
    with ReadAhead(source.items({1: gate})) as items:
        assert next(items) == 0
        gate.set()  # the worker, already waiting on item 1, may proceed
        for _ in range(1000):
            if source.fetched == [0, 1]:
                break
            threading.Event().wait(0.002)
        assert source.fetched == [0, 1]
        threading.Event().wait(0.02)
        assert source.fetched == [0, 1]
        assert list(items) == [1, 2, 3]
    assert source.finished


def test_sync_read_ahead_close_leaves_no_thread() -> None:
    """Closing waits for the fetch in flight, closes the source, and no worker outlives it."""
    source = Source(3)
    gate = threading.Event()
    with ReadAhead(source.items({1: gate})) as items:
        assert next(items) == 0
        workers = [t for t in threading.enumerate() if t.name == "sf_toolkit-read-ahead"]
        assert len(workers) == 1  # the fetch of item 1 waits on the gate
        threading.Timer(0.05, gate.set).start()
    assert source.finished
    assert not [t for t in threading.enumerate() if t.name == "sf_toolkit-read-ahead"]


def test_sync_read_ahead_raises_the_fetch_error_in_order() -> None:
    """An error in the worker thread is raised when the caller reaches that item."""

    def failing() -> Iterator[int]:
        yield 0
        raise KeyError("page 2")

    with ReadAhead(failing()) as items:
        assert next(items) == 0
        with pytest.raises(KeyError, match="page 2"):
            next(items)


async def test_async_read_ahead_cancelled_caller_stops_the_fetch() -> None:
    """A caller cancelled while waiting for the next item leaves no fetch running."""
    source = Source(3)
    gate = anyio.Event()  # never set: item 1 never arrives
    with anyio.move_on_after(0.05) as scope:
        async with AsyncReadAhead(source.items_async({1: gate})) as items:
            async for _ in items:
                pass
    assert scope.cancelled_caught
    assert source.cancelled
    assert source.finished
