"""
The few primitives that really differ between the async and the sync half.

``_async`` code never imports anyio, asyncio or time: it calls the async member of each pair
below, and the generator renames the call to its sync twin. Each pair is written by hand, side by
side, with the same signature and the same documented behaviour.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from types import AsyncGeneratorType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import httpx

from .exceptions import EventLoopError

if TYPE_CHECKING:
    from concurrent.futures import Future

# anyio is imported by each async primitive on first use, and concurrent.futures by the sync
# thread pool: ``import sf_toolkit`` and the whole sync half never load anyio.

__all__ = [
    "AsyncLock",
    "AsyncEvent",
    "AsyncSharedLock",
    "AsyncSpooledFetch",
    "Event",
    "Lock",
    "SharedLock",
    "SpooledFetch",
    "call_callback",
    "call_callback_async",
    "check_callback",
    "check_callback_async",
    "read_raw_within",
    "read_raw_within_async",
    "default_transport",
    "iterate_within",
    "iterate_within_async",
    "default_transport_async",
    "map_bounded",
    "map_bounded_async",
    "map_bounded_stream",
    "map_bounded_stream_async",
    "monotonic",
    "run_in_thread",
    "run_in_thread_async",
    "sleep",
    "sleep_async",
    "start",
    "start_async",
]

T = TypeVar("T")
R = TypeVar("R")

_END: Any = object()


def monotonic() -> float:
    """Seconds on a clock that never goes back, for measuring how long requests take."""
    return time.monotonic()


# -- sleeping ---------------------------------------------------------------------------------


async def sleep_async(seconds: float) -> None:
    """Sleep without blocking the event loop (asyncio or trio)."""
    import anyio

    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Sleep the calling thread."""
    time.sleep(seconds)


# -- locks ------------------------------------------------------------------------------------


class AsyncLock:
    """A lock for tasks, used as ``async with lock:``; works on asyncio and trio."""

    def __init__(self) -> None:
        import anyio

        self._lock = anyio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


class Lock:
    """A lock for threads, used as ``with lock:``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class AsyncSharedLock:
    """
    Hold a ``threading.Lock`` from a task, without blocking the event loop.

    The session of a client and its twin is guarded by one thread lock, so a task and a thread
    never refresh it at the same time. Tasks poll for it; the wait is as short as a login.
    """

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock

    async def __aenter__(self) -> None:
        # A busy wait by design: the holder may be a thread, which cannot wake a task.
        import anyio

        while not self._lock.acquire(blocking=False):  # noqa: ASYNC110
            await anyio.sleep(0.005)

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


class SharedLock:
    """Hold a ``threading.Lock`` from a thread (the twin of :class:`AsyncSharedLock`)."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class AsyncEvent:
    """A flag tasks wait for until it is set (once); works on asyncio and trio."""

    def __init__(self) -> None:
        import anyio

        self._event = anyio.Event()

    def set(self) -> None:
        """Set the flag and wake every waiter (from the event loop's own thread)."""
        self._event.set()

    async def wait(self) -> None:
        """Wait until the flag is set."""
        await self._event.wait()


class Event:
    """A flag threads wait for until it is set (the twin of :class:`AsyncEvent`)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        """Set the flag and wake every waiter."""
        self._event.set()

    def wait(self) -> None:
        """Wait until the flag is set."""
        self._event.wait()


# -- blocking calls ---------------------------------------------------------------------------


async def run_in_thread_async(fn: Callable[..., R], *args: Any) -> R:
    """Run a blocking call (a subprocess, a file write) in a worker thread."""
    import anyio
    import anyio.to_thread

    return await anyio.to_thread.run_sync(fn, *args)


def run_in_thread(fn: Callable[..., R], *args: Any) -> R:
    """Run a blocking call in the calling thread: sync code may block."""
    return fn(*args)


# -- bounded map ------------------------------------------------------------------------------


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an integer of at least 1, got {concurrency!r}")


async def map_bounded_async(
    fn: Callable[[T], Awaitable[R]], items: Iterable[T], concurrency: int
) -> list[R]:
    """
    Call ``fn`` on every item, at most ``concurrency`` calls at a time; results in input order.

    If a call raises, no further item is started, the calls still running are cancelled, and
    the first exception is raised as itself (not wrapped in a group).

    Raises:
        ValueError: If ``concurrency`` is less than 1.
    """
    import anyio

    _check_concurrency(concurrency)
    work: Sequence[T] = list(items)
    results: list[Any] = [None] * len(work)
    failures: list[Exception] = []
    pending = iter(range(len(work)))

    async with anyio.create_task_group() as group:

        async def worker() -> None:
            for index in pending:
                try:
                    results[index] = await fn(work[index])
                except Exception as exc:
                    failures.append(exc)
                    group.cancel_scope.cancel()
                    return

        for _ in range(min(concurrency, len(work))):
            group.start_soon(worker)

    if failures:
        raise failures[0]
    return results


def map_bounded(fn: Callable[[T], R], items: Iterable[T], concurrency: int) -> list[R]:
    """
    Call ``fn`` on every item, at most ``concurrency`` calls at a time; results in input order.

    With ``concurrency`` above 1 the calls run in that many threads. If a call raises, no
    further item is started, the calls still running finish (threads cannot be interrupted)
    and their results are discarded, and the first exception is raised.

    Raises:
        ValueError: If ``concurrency`` is less than 1.
    """
    _check_concurrency(concurrency)
    work: Sequence[T] = list(items)
    if concurrency == 1 or len(work) <= 1:
        return [fn(item) for item in work]

    results: list[Any] = [None] * len(work)
    failures: list[Exception] = []
    pending = iter(range(len(work)))
    guard = threading.Lock()

    def worker() -> None:
        while True:
            with guard:
                if failures:
                    return
                index = next(pending, None)
            if index is None:
                return
            try:
                results[index] = fn(work[index])
            except Exception as exc:
                with guard:
                    failures.append(exc)
                return

    threads = [
        threading.Thread(target=worker, name=f"sf_toolkit-map-{n}", daemon=True)
        for n in range(min(concurrency, len(work)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


async def map_bounded_stream_async(
    fn: Callable[[T], Awaitable[R]], items: Iterable[T], concurrency: int
) -> list[R]:
    """
    Like :func:`map_bounded_async`, but read ``items`` lazily, one item per free slot.

    At most ``concurrency`` items have been taken from ``items`` and not yet finished at any
    time, so a generator of a million batches is held ``concurrency`` batches at a time (the
    results, one per item, are kept). If a call (or the iterator) raises, no further item is
    taken, the calls still running are cancelled, and the first exception is raised as itself.

    Raises:
        ValueError: If ``concurrency`` is less than 1.
    """
    import anyio

    _check_concurrency(concurrency)
    results: list[Any] = []
    failures: list[Exception] = []
    limiter = anyio.Semaphore(concurrency)

    async with anyio.create_task_group() as group:

        async def run(index: int, item: T) -> None:
            try:
                results[index] = await fn(item)
            except Exception as exc:
                failures.append(exc)
                group.cancel_scope.cancel()
            finally:
                limiter.release()

        iterator = iter(items)
        while not failures:
            await limiter.acquire()
            try:
                item = next(iterator)
            except StopIteration:
                limiter.release()
                break
            except Exception as exc:
                limiter.release()
                failures.append(exc)
                group.cancel_scope.cancel()
                break
            results.append(None)
            group.start_soon(run, len(results) - 1, item)

    if failures:
        raise failures[0]
    return results


def map_bounded_stream(fn: Callable[[T], R], items: Iterable[T], concurrency: int) -> list[R]:
    """
    Like :func:`map_bounded`, but read ``items`` lazily, one item per free thread.

    At most ``concurrency`` items have been taken from ``items`` and not yet finished at any
    time, so a generator of a million batches is held ``concurrency`` batches at a time (the
    results, one per item, are kept). With ``concurrency`` above 1 the calls run in up to that
    many threads. If a call (or the iterator) raises, no further item is taken, the calls still
    running finish and their results are discarded, and the first exception is raised.

    Raises:
        ValueError: If ``concurrency`` is less than 1.
    """
    _check_concurrency(concurrency)
    if concurrency == 1:
        return [fn(item) for item in items]

    results: list[Any] = []
    failures: list[BaseException] = []
    limiter = threading.Semaphore(concurrency)
    guard = threading.Lock()

    def done(index: int, future: Future[R]) -> None:
        error = future.exception()
        with guard:
            if error is None:
                results[index] = future.result()
            else:
                failures.append(error)
        limiter.release()

    iterator = iter(items)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(concurrency, thread_name_prefix="sf_toolkit-map") as pool:
        while True:
            limiter.acquire()  # a free thread first, then the next item: reads stay lazy
            with guard:
                stop = bool(failures)
            item = _END if stop else next(iterator, _END)
            if item is _END:
                break
            with guard:
                results.append(None)
                index = len(results) - 1
            pool.submit(fn, item).add_done_callback(functools.partial(done, index))
    if failures:
        raise failures[0]
    return results


# -- callbacks --------------------------------------------------------------------------------


async def call_callback_async(callback: Callable[[T], Any], arg: T) -> None:
    """Call a progress callback; a coroutine function (or any awaitable result) is awaited."""
    result = callback(arg)
    if inspect.isawaitable(result):
        await result


def check_callback_async(callback: Callable[..., Any] | None) -> None:
    """
    Refuse a callback that is not callable, before work starts; async callbacks are welcome.

    Raises:
        TypeError: If ``callback`` is neither None nor callable.
    """
    _check_callable(callback)


def _check_callable(callback: Callable[..., Any] | None) -> None:
    if callback is not None and not callable(callback):
        raise TypeError(f"the callback must be a function, got {type(callback).__name__}")


def _name_of(callback: object) -> str:
    return str(getattr(callback, "__qualname__", None) or repr(callback))


def _is_coroutine_callable(callback: object) -> bool:
    """Whether calling ``callback`` makes a coroutine: an async def, a partial of one, or an
    object whose ``__call__`` is an async def."""
    while isinstance(callback, functools.partial):
        callback = callback.func
    if inspect.iscoroutinefunction(callback):
        return True
    if inspect.isroutine(callback) or not callable(callback):
        return False
    return inspect.iscoroutinefunction(type(callback).__call__)


def check_callback(callback: Callable[..., Any] | None) -> None:
    """
    Refuse a callback sync code cannot call, before work starts, as :func:`call_callback` would.

    Raises:
        TypeError: If ``callback`` is neither None nor callable, or calling it makes a
            coroutine (an ``async def`` function, a ``functools.partial`` of one, or an object
            whose ``__call__`` is ``async def``).
    """
    _check_callable(callback)
    if callback is not None and _is_coroutine_callable(callback):
        raise TypeError(
            f"callback {_name_of(callback)!r} is a coroutine function (async def); the sync "
            "API needs a plain function, or use the *_async function with this callback"
        )


def call_callback(callback: Callable[[T], Any], arg: T) -> None:
    """
    Call a progress callback from sync code.

    Raises:
        TypeError: If the callback is a coroutine function, which sync code cannot await.
    """
    check_callback(callback)
    result = callback(arg)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        raise TypeError(
            f"callback {_name_of(callback)!r} returned an awaitable; "
            "the sync API needs a callback that does its work and returns"
        )


# -- reading within a deadline ---------------------------------------------------------------


async def read_raw_within_async(response: httpx.Response, seconds: float) -> bytes | None:
    """
    Read an answer's raw (still encoded) body, giving up after ``seconds``; ``None`` if it did.

    A cancel scope interrupts the read wherever it waits, so a server trickling one byte at a
    time cannot hold it, and the stream's generators end with the interruption.
    """
    import anyio

    chunks: list[bytes] = []
    with anyio.move_on_after(seconds):
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
        return b"".join(chunks)
    return None


def read_raw_within(response: httpx.Response, seconds: float) -> bytes | None:
    """
    Read an answer's raw (still encoded) body, giving up after ``seconds``; ``None`` if it did.

    A thread cannot be interrupted, so the clock is checked as each chunk arrives: a trickling
    server holds the read at most one chunk (bounded by the read timeout) past the limit, and
    a body whose last chunk is that one is still returned (the async twin gives up at the
    limit itself); one more chunk after it gives ``None``.
    """
    ends = time.monotonic() + seconds
    chunks: list[bytes] = []
    late = False
    for chunk in response.iter_raw():
        if late:  # more was still to come after the limit
            return None
        chunks.append(chunk)
        late = time.monotonic() >= ends
    return b"".join(chunks)


async def iterate_within_async(items: AsyncIterator[T], seconds: float) -> AsyncGenerator[T, None]:
    """
    Yield the items of a streamed body (raw chunks), raising ``TimeoutError`` once
    ``seconds`` have passed, wherever the stream waits (a server trickling one byte at a time).

    The clock runs from the start, so the time the caller spends between items counts too.
    However it ends (exhausted, timed out, closed early), ``items`` is finished, so that no
    generator of the stream is left suspended.
    """
    import anyio

    ends = time.monotonic() + seconds
    try:
        while True:
            with anyio.move_on_after(max(ends - time.monotonic(), 0.0)) as scope:
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    return
            if scope.cancelled_caught:
                raise TimeoutError(f"the body did not arrive within {seconds:g} s")
            yield item
    finally:
        await _cancel_reads(items)


async def _cancel_reads(items: AsyncIterator[Any]) -> None:
    """
    End a stream's generators from the inside: the next read is cancelled at once.

    Closing the outermost generator would leave those it iterates suspended (httpx nests
    several), which trio reports when they are collected; a cancelled read ends them all.
    """
    import anyio

    with anyio.CancelScope() as scope:
        scope.cancel()
        with contextlib.suppress(Exception):
            while True:
                await items.__anext__()


def iterate_within(items: Iterator[T], seconds: float) -> Generator[T, None, None]:
    """
    Yield the items of a streamed body (raw chunks), raising ``TimeoutError`` once
    ``seconds`` have passed.

    A thread cannot be interrupted, so the clock is checked as each item arrives: a trickling
    server holds the read at most one item (bounded by the read timeout) past the limit, and
    a body whose last item is that one still ends normally (the async twin stops at the limit
    itself); one more item after it raises. However it ends, ``items`` is closed.
    """
    ends = time.monotonic() + seconds
    try:
        late = False
        for item in items:
            if late:  # more was still to come after the limit
                raise TimeoutError(f"the body did not arrive within {seconds:g} s")
            late = time.monotonic() >= ends
            yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


# -- connection pools -------------------------------------------------------------------------


class _PerLoopTransport(httpx.AsyncBaseTransport):
    """
    One connection pool per event loop: an async connection belongs to the loop that opened it.

    A sync client's ``as_async`` twin is typically used from several threads, each running
    ``asyncio.run(...)``; sharing one pool between those loops corrupts it. A pool that keeps no
    idle connections leaves nothing open when its loop ends, so any number of loops may each
    have one.

    A pool that keeps connections alive is closed, at the latest, when its event loop ends:
    a guard (an async generator started in that loop) closes it when the loop finalizes its
    async generators, as ``asyncio.run`` and ``trio.run`` do on their way out. So a client
    used in one ``asyncio.run(...)`` and closed in another leaks no socket, and may then be
    used in a new loop. While the first loop still runs, a second loop is refused with
    :class:`~sf_toolkit.exceptions.EventLoopError`: the first loop's idle connections cannot be
    closed from it.
    """

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport], *, keeps_idle: bool):
        self._factory = factory
        self._keeps_idle = keeps_idle
        self._pools: weakref.WeakKeyDictionary[Any, httpx.AsyncBaseTransport] = (
            weakref.WeakKeyDictionary()
        )
        self._guards: dict[int, AsyncGeneratorType[None, None]] = {}
        self._guard = threading.Lock()

    async def _pool(self) -> httpx.AsyncBaseTransport:
        import anyio
        import anyio.lowlevel

        loop = anyio.lowlevel.current_token().native_token
        with self._guard:
            pool = self._pools.get(loop)
            if pool is not None:
                return pool
            if self._keeps_idle:
                self._forget_closed_pools()
                if len(self._pools):
                    raise EventLoopError(
                        "this async client was first used in another event loop, which is "
                        "still running and keeps the client's idle connections; create one "
                        "async client per event loop (or pass "
                        "limits=httpx.Limits(max_keepalive_connections=0)), or use a sync "
                        "client's as_async twin, which works in any loop"
                    )
            pool = self._pools[loop] = self._factory()
        if self._keeps_idle:
            guard = cast(AsyncGeneratorType[None, None], _close_when_finalized(pool))
            await guard.asend(None)  # started here, so this loop finalizes it at its end
            with self._guard:
                self._guards[id(pool)] = guard
        return pool

    def _forget_closed_pools(self) -> None:
        """Drop the pools whose loop ended (their guard closed them). Hold ``_guard``."""
        for owner, pool in list(self._pools.items()):
            guard = self._guards.get(id(pool))
            if guard is not None and guard.ag_frame is None:  # finished: the pool is closed
                del self._pools[owner]
                del self._guards[id(pool)]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await (await self._pool()).handle_async_request(request)

    async def aclose(self) -> None:
        import anyio
        import anyio.lowlevel

        loop = anyio.lowlevel.current_token().native_token
        with self._guard:
            self._forget_closed_pools()
            pools = list(self._pools.items())
            self._pools.clear()
            guards = dict(self._guards)
            self._guards.clear()
        others = False
        for owner, pool in pools:
            guard = guards.get(id(pool))
            if owner is loop:
                await (guard.aclose() if guard is not None else pool.aclose())
            elif guard is not None:
                # Still running in its own loop: only that loop can close the pool, and its
                # guard will when the loop ends. Keep the guard alive until then.
                _PENDING_GUARDS.difference_update(
                    [done for done in _PENDING_GUARDS if done.ag_frame is None]
                )
                _PENDING_GUARDS.add(guard)
                others = True
            # A pool of another loop without a guard keeps no idle connection: nothing open.
        if others:
            raise EventLoopError(
                "this async client was closed from another event loop than the one it was "
                "used in, which is still running; its connections will close when that loop "
                "ends (close an async client in the loop that used it)"
            )


#: Guards of pools closed from a foreign loop: kept until their own loop finalizes them.
_PENDING_GUARDS: set[AsyncGeneratorType[None, None]] = set()


async def _close_when_finalized(pool: httpx.AsyncBaseTransport) -> AsyncGenerator[None, None]:
    """Suspend until closed, by the client or by the end of the loop that started it."""
    try:
        yield
    finally:
        await pool.aclose()


def default_transport_async(kwargs: dict[str, Any]) -> httpx.AsyncBaseTransport | None:
    """
    The transport an async client uses when given none: httpx's, one pool per event loop.

    Returns ``None`` (let httpx decide) when ``kwargs`` name a transport, mounts or a proxy.
    """
    if any(kwargs.get(name) is not None for name in ("transport", "mounts", "proxy")):
        return None
    limits = kwargs.get("limits", httpx.Limits(max_connections=100, max_keepalive_connections=20))
    settings = {
        name: kwargs[name]
        for name in ("verify", "cert", "trust_env", "http1", "http2")
        if name in kwargs
    }

    def factory() -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport(limits=limits, **settings)

    return _PerLoopTransport(factory, keeps_idle=limits.max_keepalive_connections != 0)


def default_transport(kwargs: dict[str, Any]) -> httpx.BaseTransport | None:
    """
    The transport a sync client uses when given none: httpx's own (``None``).

    Nothing to do: one sync pool is safely shared by any number of threads.
    """
    del kwargs
    return None


# -- calls started in the background ----------------------------------------------------------
#
# An async generator cannot hold a task group open across its ``yield``: when the caller leaves
# its ``async for`` early, the generator is closed later, from another task (asyncio's and
# trio's finalizers), and the group's cancel scope would be exited in the wrong task (PEP 789).
# So a call started ahead (the query's next page) is a task of its own, owned by whoever
# started it: cancelled and awaited from whichever task closes the generator.


def _running_trio() -> Any:
    """The trio module when the current thread runs a trio event loop, else None."""
    trio = sys.modules.get("trio")
    if trio is None:
        return None
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return None
    return trio


#: The name of the tasks and threads that run calls started ahead (the query's next page).
CALL_NAME = "sf_toolkit-ahead"


class _AsyncCall(Generic[T]):
    """``await fn()`` running on its own task, outside any task group; cancel it at will."""

    def __init__(self, fn: Callable[[], Awaitable[T]], name: str = CALL_NAME) -> None:
        import anyio

        self._fn = fn
        self._done = anyio.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        trio = _running_trio()
        if trio is not None:
            self._scope = trio.CancelScope()
            trio.lowlevel.spawn_system_task(
                self._run_trio, name=name, context=contextvars.copy_context()
            )
        else:
            import asyncio

            self._task = asyncio.get_running_loop().create_task(self._run(), name=name)
            # Set even when the task is cancelled before it ever ran (its body never starts).
            self._task.add_done_callback(lambda _: self._done.set())

    @property
    def done(self) -> bool:
        return self._done.is_set()

    async def _run(self) -> None:
        try:
            self._value = await self._fn()
        except Exception as exc:  # handed to the task that asks for the result
            self._error = exc

    async def _run_trio(self) -> None:
        try:
            with self._scope:  # absorbs our own cancel(); trio system tasks must not raise
                await self._run()
        finally:
            self._done.set()

    async def result(self) -> T:
        """Wait for the call and return its value, or raise its exception."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        if not self._finished_normally():
            raise EventLoopError("a call running ahead was cancelled by its event loop closing")
        return self._value  # type: ignore[no-any-return]

    def _finished_normally(self) -> bool:
        scope = getattr(self, "_scope", None)
        if scope is not None:
            return not scope.cancelled_caught
        return not self._task.cancelled()

    def stop(self) -> None:
        """Ask the call to stop (cancel it where it waits), without waiting for it."""
        if scope := getattr(self, "_scope", None):
            scope.cancel()
        else:
            self._task.cancel()

    async def cancel(self) -> T | None:
        """
        Cancel the call and wait until it has stopped (even when the caller is cancelled).

        Returns the call's value when it had finished with one before the cancel reached it
        (the caller may have to release it, an open answer say), else None.
        """
        import anyio

        self.stop()
        with anyio.CancelScope(shield=True):
            await self._done.wait()
        if self._error is None and self._finished_normally():
            return self._value  # type: ignore[no-any-return]
        return None


class _ThreadCall(Generic[T]):
    """``fn()`` running in a worker thread of its own."""

    def __init__(self, fn: Callable[[], T], name: str = CALL_NAME) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._run, fn), name=name, daemon=True
        )
        self._thread.start()

    def _run(self, fn: Callable[[], T]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # handed to the thread that asks for the result
            self._error = exc

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Nothing to do: a thread cannot be interrupted (see :meth:`cancel`)."""

    def result(self) -> T:
        """Wait for the call and return its value, or raise its exception."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[no-any-return]

    def cancel(self) -> T | None:
        """
        Wait until the call has finished: a thread cannot be interrupted.

        Returns the call's value when it finished with one (the caller may have to release
        it), else None.
        """
        self._thread.join()
        if self._error is None:
            return self._value  # type: ignore[no-any-return]
        return None


def start_async(fn: Callable[[], Awaitable[T]]) -> _AsyncCall[T]:
    """
    Start ``await fn()`` on a task of its own, outside any task group, and return the call:
    ``await call.result()`` waits for its value, ``await call.cancel()`` stops it.
    """
    return _AsyncCall(fn)


def start(fn: Callable[[], T]) -> _ThreadCall[T]:
    """
    Start ``fn()`` in a worker thread of its own and return the call: ``call.result()``
    waits for its value, ``call.cancel()`` waits for it to finish (the twin of
    :func:`start_async`).
    """
    return _ThreadCall(fn)


# -- spooled downloads ------------------------------------------------------------------------
#
# A download running in the background while the caller reads what has arrived so far: the
# bytes go through a spool (in memory up to a limit, then a temporary file), so a download that
# runs ahead of its reader costs disk, not memory. The fetch is a task of its own (a thread in
# the sync twin), for the same reason as the calls started ahead above: it must be cancellable
# from whichever task closes the enclosing generator.

#: The name of the tasks and threads that run spooled fetches.
SPOOLED_FETCH_NAME = "sf_toolkit-download"


class _ByteSpool:
    """
    Bytes written by one party and read in order by another, possibly from two threads: in
    memory up to ``in_memory`` bytes, then in a temporary file. Whenever the reader has caught
    up, the spool starts over, so a reader that keeps up keeps it small.
    """

    def __init__(self, in_memory: int) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=in_memory)  # noqa: SIM115
        self._guard = threading.Lock()
        self._written = 0
        self._taken = 0

    def write(self, data: bytes) -> None:
        with self._guard:
            self._file.seek(self._written)
            self._file.write(data)
            self._written += len(data)

    def take(self, size: int) -> bytes:
        """Up to ``size`` of the bytes not read yet (empty when there are none)."""
        with self._guard:
            if self._taken == self._written:
                return b""
            self._file.seek(self._taken)
            data = self._file.read(min(size, self._written - self._taken))
            self._taken += len(data)
            if self._taken == self._written:
                self._file.seek(0)
                self._file.truncate()
                self._taken = self._written = 0
            return data

    def close(self) -> None:
        with self._guard:
            self._file.close()


class AsyncSpooledFetch:
    """
    Run ``await fetch(self)`` on a task of its own; the fetch hands its bytes to :meth:`write`,
    and the caller reads them in order with :meth:`read` as they arrive, while the fetch goes on.

    Bytes not read yet stay in memory up to ``in_memory`` bytes, the rest in a temporary file.
    The fetch starts at once. :meth:`aclose` (from any task) cancels it wherever it waits, waits
    until it has stopped and deletes the spool: no task and no file outlive it.
    """

    def __init__(
        self, fetch: Callable[[AsyncSpooledFetch], Awaitable[None]], in_memory: int
    ) -> None:
        import anyio

        self._fetch = fetch
        self._spool = _ByteSpool(in_memory)
        self._arrived = anyio.Event()
        self._ended = False
        self._closed = False
        self._call = _AsyncCall(self._run, name=SPOOLED_FETCH_NAME)

    async def _run(self) -> None:
        try:
            await self._fetch(self)
        finally:
            self._ended = True
            self._arrived.set()

    async def write(self, data: bytes) -> None:
        """Add the fetch's next bytes (called by the fetch)."""
        await run_in_thread_async(self._spool.write, data)
        self._arrived.set()

    async def read(self, size: int) -> bytes:
        """
        Return the next bytes (at most ``size``), waiting until some have arrived; ``b""`` once
        the fetch has ended and everything it wrote has been read.

        Raises:
            Exception: What the fetch raised, once the bytes it wrote before have been read.
        """
        import anyio

        while True:
            ended = self._ended
            self._arrived = anyio.Event()  # set by the next write, or by the end of the fetch
            data = await run_in_thread_async(self._spool.take, size)
            if data:
                return data
            if ended:
                await self._call.result()
                return b""
            if not self._ended:
                await self._arrived.wait()

    def stop(self) -> None:
        """Ask the fetch to stop, without waiting: close several at once by stopping each first."""
        self._call.stop()

    async def aclose(self) -> None:
        """Cancel the fetch, wait until it has stopped, and delete the spool."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._call.cancel()
        finally:
            self._spool.close()


class _StopFetch(Exception):
    """Raised in a fetch's thread by :meth:`SpooledFetch.write` once the spool is closing."""


class SpooledFetch:
    """
    Run ``fetch(self)`` in a worker thread of its own; the fetch hands its bytes to
    :meth:`write`, and the caller reads them in order with :meth:`read` as they arrive, while
    the fetch goes on.

    Bytes not read yet stay in memory up to ``in_memory`` bytes, the rest in a temporary file.
    The fetch starts at once. A thread cannot be interrupted, so :meth:`close` makes the
    fetch's next :meth:`write` raise (ending the fetch), waits for the thread to finish and
    deletes the spool: no thread and no file outlive it.
    """

    def __init__(self, fetch: Callable[[SpooledFetch], None], in_memory: int) -> None:
        self._fetch = fetch
        self._spool = _ByteSpool(in_memory)
        self._changed = threading.Condition()
        self._ended = False
        self._stopping = False
        self._closed = False
        self._call = _ThreadCall(self._run, name=SPOOLED_FETCH_NAME)

    def _run(self) -> None:
        try:
            self._fetch(self)
        except _StopFetch:
            pass
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def write(self, data: bytes) -> None:
        """Add the fetch's next bytes (called by the fetch, in its thread)."""
        if self._stopping:
            raise _StopFetch
        self._spool.write(data)
        with self._changed:
            self._changed.notify_all()

    def read(self, size: int) -> bytes:
        """
        Return the next bytes (at most ``size``), waiting until some have arrived; ``b""`` once
        the fetch has ended and everything it wrote has been read.

        Raises:
            Exception: What the fetch raised, once the bytes it wrote before have been read.
        """
        with self._changed:
            while True:
                ended = self._ended
                data = self._spool.take(size)
                if data:
                    return data
                if ended:
                    break
                self._changed.wait()
        self._call.result()
        return b""

    def stop(self) -> None:
        """Make the fetch stop at its next write, without waiting: close several at once by
        stopping each first."""
        self._stopping = True

    def close(self) -> None:
        """Stop the fetch at its next write, wait for its thread to finish, delete the spool."""
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        try:
            self._call.cancel()
        finally:
            self._spool.close()
