"""The hand-written async/sync pairs in `sf_toolkit._concurrency`."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest

from sf_toolkit._concurrency import (
    CALL_NAME,
    AsyncLock,
    Lock,
    call_callback,
    call_callback_async,
    check_callback,
    iterate_within,
    map_bounded,
    map_bounded_async,
    read_raw_within,
    read_raw_within_async,
    sleep_async,
    start,
    start_async,
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


# -- calls started in the background ---------------------------------------------------------


def ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == CALL_NAME]


async def test_a_started_call_runs_while_the_caller_goes_on() -> None:
    """start_async runs the call on its own task: it proceeds while its starter waits."""
    ran = anyio.Event()

    async def call() -> int:
        ran.set()
        return 7

    started = start_async(call)
    with anyio.fail_after(10):
        await ran.wait()  # the starter never awaited the call itself
        assert await started.result() == 7


async def test_a_started_call_raises_its_error_to_whoever_asks() -> None:
    async def call() -> int:
        raise KeyError("page 2")

    started = start_async(call)
    with pytest.raises(KeyError, match="page 2"):
        await started.result()


async def test_cancel_stops_a_call_that_hangs() -> None:
    """cancel() stops a call still running and waits for it: nothing is left, no value."""
    state = {"cancelled": False, "finished": False}

    async def call() -> int:
        try:
            await anyio.Event().wait()  # never set
        except anyio.get_cancelled_exc_class():
            state["cancelled"] = True
            raise
        finally:
            state["finished"] = True
        return 1

    started = start_async(call)
    await anyio.lowlevel.checkpoint()
    assert await started.cancel() is None
    assert state == {"cancelled": True, "finished": True}


async def test_cancel_hands_back_the_value_of_a_finished_call() -> None:
    """A call that finished before the cancel gives its value back, to be released."""

    async def call() -> list[int]:
        return [1, 2]

    started = start_async(call)
    with anyio.fail_after(10):
        while not started.done:
            await anyio.lowlevel.checkpoint()
    assert await started.cancel() == [1, 2]


async def test_a_cancelled_waiter_leaves_the_call_to_cancel() -> None:
    """A caller cancelled while waiting for the result can still cancel the call after."""
    gate = anyio.Event()

    async def call() -> int:
        await gate.wait()
        return 1

    started = start_async(call)
    with anyio.move_on_after(0.05) as scope:
        await started.result()
    assert scope.cancelled_caught
    assert not started.done
    assert await started.cancel() is None
    assert started.done


def test_a_started_thread_call_runs_beside_the_caller() -> None:
    """start runs the call in a thread of its own, which is gone once it has finished."""
    gate = threading.Event()
    started = start(lambda: gate.wait(10) and 5)
    assert len(ahead_threads()) == 1  # still waiting on the gate, while we go on
    gate.set()
    assert started.result() == 5
    assert not ahead_threads()


def test_a_thread_call_error_reaches_whoever_asks() -> None:
    def call() -> int:
        raise KeyError("page 2")

    started = start(call)
    with pytest.raises(KeyError, match="page 2"):
        started.result()
    assert started.cancel() is None


def test_cancel_waits_for_a_thread_call_and_hands_back_its_value() -> None:
    """A thread cannot be interrupted: cancel waits for it and gives its value back."""
    gate = threading.Event()
    started = start(lambda: gate.wait(10) and [3])
    threading.Timer(0.05, gate.set).start()
    assert started.cancel() == [3]
    assert not ahead_threads()


def test_sync_check_refuses_every_kind_of_async_callable() -> None:
    """A partial of an async function and an object with `async def __call__` are refused
    before any work, with a TypeError (not an AttributeError about __qualname__)."""

    async def on_chunk(value: str) -> None:
        pass

    class Handler:
        async def __call__(self, value: str) -> None:
            pass

    class Plain:
        def __call__(self, value: str) -> None:
            pass

    for callback in (functools.partial(on_chunk), Handler(), functools.partial(Handler())):
        with pytest.raises(TypeError, match="coroutine function"):
            check_callback(callback)
    check_callback(Plain())
    check_callback(functools.partial(print))


# -- reading a body within a time limit --------------------------------------------------------


class Trickle(httpx.SyncByteStream):
    """A body arriving in ``chunks``, ``pause`` seconds apart."""

    def __init__(self, chunks: list[bytes], pause: float) -> None:
        self.chunks = chunks
        self.pause = pause

    def __iter__(self) -> Iterator[bytes]:
        for number, chunk in enumerate(self.chunks):
            if number:
                time.sleep(self.pause)
            yield chunk


class AsyncTrickle(httpx.AsyncByteStream):
    """The async twin of :class:`Trickle`."""

    def __init__(self, chunks: list[bytes], pause: float) -> None:
        self.chunks = chunks
        self.pause = pause

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for number, chunk in enumerate(self.chunks):
            if number:
                await anyio.sleep(self.pause)
            yield chunk


def test_a_body_complete_when_the_limit_passes_is_returned_in_both_halves() -> None:
    """No time left, but the whole body is already there: both twins return it."""
    assert read_raw_within(httpx.Response(200, stream=httpx.ByteStream(b"abc")), 0.0) == b"abc"

    async def read() -> bytes | None:
        return await read_raw_within_async(
            httpx.Response(200, stream=httpx.ByteStream(b"abc")), 0.0
        )

    assert anyio.run(read) == b"abc"
    assert list(iterate_within(iter([b"abc"]), 0.0)) == [b"abc"]  # its last chunk, late


def test_a_body_still_trickling_after_the_limit_is_given_up_in_both_halves() -> None:
    chunks = [b"a", b"b", b"c", b"d"]
    assert read_raw_within(httpx.Response(200, stream=Trickle(chunks, 0.05)), 0.02) is None

    async def read() -> bytes | None:
        response = httpx.Response(200, stream=AsyncTrickle(chunks, 0.05))
        return await read_raw_within_async(response, 0.02)

    assert anyio.run(read) is None
    with pytest.raises(TimeoutError):
        list(iterate_within(iter(Trickle(chunks, 0.05)), 0.02))
