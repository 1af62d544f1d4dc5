"""
Many records at once, on sObject Collections: fetch_list and the save_*_list / delete_list family.

The decisions (chunking, request bodies, result alignment, retries, reconciliation) live in
:mod:`sf_toolkit._wire.collections`; this module only sends what it says, ``concurrency``
requests at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, TypeVar

import httpx

from .._concurrency import (
    AsyncLock,
    call_callback_async,
    check_callback_async,
    map_bounded_async,
    map_bounded_stream_async,
    monotonic,
    sleep_async,
)
from .._registry import resolve_client
from .._rest import RestCall, check, json_answer
from .._wire.collections import (
    DEFAULT_CONCURRENCY,
    Batch,
    BatchRun,
    CallClock,
    Operation,
    Part,
    Reconciler,
    RetrievePlan,
    WritePlan,
    check_concurrency,
    claimed_ids,
    collect,
)
from ..exceptions import SalesforceConnectionError, SalesforceError
from ..models import SObject, connection_of
from ..results import SaveInterruptedError, SaveResults
from .client import AsyncSalesforceClient
from .query import _absolute, _get

__all__ = [
    "delete_list_async",
    "fetch_list_async",
    "save_insert_list_async",
    "save_update_list_async",
    "save_upsert_list_async",
]

T = TypeVar("T", bound=SObject)
S = TypeVar("S", bound=SObject)


async def _send(client: AsyncSalesforceClient, call: RestCall) -> httpx.Response:
    return await client.request(
        call.method, call.url, params=call.params, json=call.json, extensions=call.extensions()
    )


async def fetch_list_async(
    sobject_class: type[T],
    *ids: str,
    sf_client: AsyncSalesforceClient | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_chunk_received: Callable[[httpx.Response], Any] | None = None,
) -> list[T | None]:
    """
    Fetch many records by Id, with the fields their model declares, in input order.

    Uses sObject Collections retrieve (``POST /composite/sobjects/{T}``, up to 2,000 Ids per
    request, so long lists never hit URL limits); the requests run ``concurrency`` at a time.
    Ids may be 15 or 18 characters; an Id given twice is fetched once and returned at both
    places (as two record objects).

    Args:
        sobject_class: The model, such as ``Account``.
        *ids: The record Ids.
        sf_client: The client; default: the model's registered connection.
        concurrency: Requests in flight at most (default 5).
        on_chunk_received: Called with each chunk's ``httpx.Response`` (its ``.json()`` is
            the list of records) as it arrives, one call at a time. The event-loop form takes
            a plain function or a coroutine function; the blocking form only a plain function.

    Returns:
        One entry per Id, in input order; the record, or None where Salesforce answered
        ``null`` (no such record, deleted, or not visible to the user).

    Raises:
        TypeError: If ``sobject_class`` is not a model class, an Id is not a string, or the
            callback cannot be called (the blocking form: a coroutine function), before any
            request.
        InvalidIdError: If an Id is malformed, before any request.
        ValueError: If ``concurrency`` is less than 1, before any request.
        SalesforceApiError: If Salesforce refuses a request (an unknown field, say), or
            answers with something that is not JSON (``UNEXPECTED_RESPONSE``).
        SalesforceError: If an answer is not one record or null per Id.

    An exception raised by ``on_chunk_received`` stops the fetch and is raised as itself.
    """
    plan = RetrievePlan.build(sobject_class, ids)
    check_concurrency(concurrency)
    check_callback_async(on_chunk_received)
    if not plan.chunks:
        return []
    client = resolve_client(sf_client, AsyncSalesforceClient, connection_of(sobject_class))
    callback_lock = AsyncLock()

    async def fetch_chunk(chunk: tuple[str, ...]) -> dict[str, Any]:
        response = check(await _send(client, plan.call(chunk)))
        rows = plan.parse(chunk, json_answer(response, expect=list), response)
        if on_chunk_received is not None:
            async with callback_lock:
                await call_callback_async(on_chunk_received, response)
        return rows

    return plan.assemble(await map_bounded_async(fetch_chunk, plan.chunks, concurrency))


async def _drive(
    client: AsyncSalesforceClient, run: BatchRun, clock: CallClock, started_clock: float
) -> None:
    """Send a batch, and its locked (or lost upsert) records again after a backoff."""
    while True:
        failed_try = run.delay_attempt
        if failed_try is not None:
            delay = client.retry.next_delay(failed_try)
            if delay > 0:
                await sleep_async(delay)
        call = run.next_call()
        if call is None:
            return
        sent_clock = monotonic()
        try:
            response = await _send(client, call)
        except SalesforceConnectionError as exc:
            run.failed_in_transit(exc)
        else:
            clock.observe(response.headers.get("Date"), sent_clock - started_clock)
            run.answered(response)


async def _reconcile(
    client: AsyncSalesforceClient, reconciler: Reconciler, started_clock: float
) -> None:
    """Run the reconciling queries (every page) and settle the lost inserts."""
    session = client.session
    for query in reconciler.queries(session.user_id if session else None):
        rows: list[Any] = []
        seen: set[str] = set()
        try:
            sent_clock = monotonic()
            # The same checked path as query(): every page validated, each nextRecordsUrl
            # kept under the instance's REST data root and followed at most once.
            page, response = await _get(client, "query", params={"q": query.soql})
            reconciler.clock.observe(response.headers.get("Date"), sent_clock - started_clock)
            rows.extend(page["records"])
            while not page.get("done", True):
                next_url = _absolute(client, page.get("nextRecordsUrl"), seen, response)
                page, response = await _get(client, next_url)
                rows.extend(page["records"])
        except SalesforceError as exc:
            # Any typed error (a refused continuation, a RedirectError, a 5xx) leaves the lost
            # records UNKNOWN, the error named in each one's errors.
            reconciler.query_failed(exc)
            break
        reconciler.found(rows)
    reconciler.settle()


async def _write_list(
    records: Iterable[Any],
    sf_client: AsyncSalesforceClient | None,
    plan: WritePlan,
    concurrency: int,
    on_batch_done: Callable[[SaveResults[Any]], Any] | None,
) -> SaveResults[Any]:
    check_concurrency(concurrency)
    check_callback_async(on_batch_done)
    batches = plan.batches(records)
    first = next(batches, None)
    if first is None:
        return SaveResults()
    target = next((item.record for item in first.items if isinstance(item.record, SObject)), None)
    client = resolve_client(
        sf_client, AsyncSalesforceClient, connection_of(target) if target is not None else None
    )
    started, started_clock = datetime.now(timezone.utc), monotonic()
    clock = CallClock()
    # The Ids the call's inserts got, when results are kept anyway: an Id answered twice is
    # not SAVED twice (finish, under the lock: batches finish concurrently).
    created_ids: set[str] | None = set() if on_batch_done is None else None
    stopped: list[Exception] = []
    callback_lock = AsyncLock()

    def source() -> Iterator[Batch]:
        yield first
        while not stopped:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except Exception as exc:  # the caller's iterable raised: stop, keep what was saved
                stopped.append(exc)
                return
            yield batch

    async def deliver(part: Part) -> Part:
        """Hand a finished batch to on_batch_done; keep only what the caller still needs."""
        if on_batch_done is None:
            return part
        async with callback_lock:
            if stopped:  # no more calls once the call is stopping (say, the callback raised)
                return part
            try:
                await call_callback_async(on_batch_done, SaveResults(part))
            except Exception as exc:
                stopped.append(exc)
                return part
        return [result for result in part if not result.success]

    async def write(batch: Batch) -> Part | BatchRun:
        run = plan.start(batch, client.retry.attempts)
        try:
            await _drive(client, run, clock, started_clock)
        except Exception as exc:  # not a per-record answer: stop, keep what was saved
            stopped.append(exc)
            run.interrupted(exc)
        if run.needs_reconcile:
            # Lost inserts are matched once every other batch is done, against all known Ids.
            return run
        return await deliver(await finish(run))

    async def finish(run: BatchRun) -> Part:
        async with callback_lock:
            return run.finish(created_ids)

    parts = await map_bounded_stream_async(write, source(), concurrency)
    lost = [part for part in parts if isinstance(part, BatchRun)]
    if lost:
        claimed = claimed_ids(parts) if on_batch_done is None else None
        await _reconcile(client, Reconciler(lost, claimed, started, clock), started_clock)
        for index, part in enumerate(parts):
            if isinstance(part, BatchRun):
                parts[index] = await deliver(await finish(part))
    results = collect(parts)
    if stopped:
        raise SaveInterruptedError(results, stopped[0]) from stopped[0]
    return results


async def save_insert_list_async(
    records: Iterable[S],
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
    on_batch_done: Callable[[SaveResults[S]], Any] | None = None,
) -> SaveResults[S]:
    """
    Insert many records with sObject Collections create, ``batch_size`` per request.

    Records of several sObject types may be mixed. New Ids are set on the records that were
    saved, and their change sets cleared. Records whose create failed with
    ``UNABLE_TO_LOCK_ROW`` are sent again, alone, after a backoff (the client's
    ``RetryPolicy``). A request that got no answer (or an unreadable one) is never resent:
    once the other requests are done, its records are looked up in the org and reported
    SAVED only when the match is provably this call's (records of this user with the values
    sent, created after the call started by Salesforce's clock, as many as were sent with
    those values, held by no other result), else UNKNOWN; see "Working with many records".

    Args:
        records: Any iterable of records without ``Id``. A list is checked whole before any
            request; a generator is read one batch at a time, so about
            ``concurrency x batch_size`` records are in flight (the results, which hold their
            records, are kept unless ``on_batch_done`` is given). The same record object
            may appear once per call.
        sf_client: The client; default: the first record's registered connection.
        batch_size: Records per request, 1 to 200 (Salesforce's limit).
        concurrency: Requests in flight at most (default 5).
        all_or_none: Roll back a whole request when one of its records fails.
        on_batch_done: Called with each finished batch's results (a ``SaveResults``, in
            input order within the batch; batches in the order they finish), one call at a
            time. The event-loop form takes a plain or a coroutine function, the blocking form
            a plain one. When given, results are not kept: the call returns only the results
            that did not succeed, so memory stays bounded by ``concurrency x batch_size``
            whatever the input's size.

    Returns:
        One :class:`~sf_toolkit.results.SaveResult` per record, in input order, as a
        :class:`~sf_toolkit.results.SaveResults`. Per-record failures are not raised; call
        ``raise_for_failures()`` on the result for that.

    Raises:
        TypeError: If an item is not a record (a list: before any request).
        ValueError: If ``batch_size`` or ``concurrency`` is out of range, or a record already
            has an Id (a list: before any request).
        SaveInterruptedError: If reading ``records`` raises, ``on_batch_done`` raises, or a
            request fails with an error that is not a per-record result (a session
            Salesforce refuses, say): requests in flight are finished first, and the error's
            ``results`` hold every record sent (the original error is its ``__cause__``). An
            error before the first request (reading the first batch) is raised as itself.
    """
    plan = WritePlan(Operation.INSERT, batch_size=batch_size, all_or_none=all_or_none)
    return await _write_list(records, sf_client, plan, concurrency, on_batch_done)


async def save_update_list_async(
    records: Iterable[S],
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
    only_changes: bool = False,
    on_batch_done: Callable[[SaveResults[S]], Any] | None = None,
) -> SaveResults[S]:
    """
    Update many records with sObject Collections update, ``batch_size`` per request.

    Args:
        records: Any iterable of records with an ``Id`` (see ``save_insert_list``).
        sf_client: The client; default: the first record's registered connection.
        batch_size: Records per request, 1 to 200.
        concurrency: Requests in flight at most (default 5).
        all_or_none: Roll back a whole request when one of its records fails.
        only_changes: Send only the fields changed since load or the last save, plus ``Id``;
            records without changes are not sent and get ``Outcome.UNCHANGED``.
        on_batch_done: Streams each batch's results, as for ``save_insert_list``.

    Returns:
        One result per record, in input order; saved records have their change sets cleared.
        Records that failed with ``UNABLE_TO_LOCK_ROW`` are retried alone, with backoff; a
        request that got no answer is sent again (updates are idempotent), and a record
        whose later tries fail is then UNKNOWN (the lost try may have worked), not FAILED.

    Raises:
        TypeError: If an item is not a record.
        ValueError: If a record has no ``Id``, or an argument is out of range.
        InvalidIdError: If a record's Id is malformed.
        SaveInterruptedError: As for ``save_insert_list``.
    """
    plan = WritePlan(
        Operation.UPDATE,
        batch_size=batch_size,
        all_or_none=all_or_none,
        only_changes=only_changes,
    )
    return await _write_list(records, sf_client, plan, concurrency, on_batch_done)


async def save_upsert_list_async(
    records: Iterable[S],
    external_id_field: str,
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
    on_batch_done: Callable[[SaveResults[S]], Any] | None = None,
) -> SaveResults[S]:
    """
    Insert or update many records of one sObject type by an external id field.

    Uses sObject Collections upsert (``PATCH /composite/sobjects/{T}/{external_id_field}``).
    Upserts are idempotent, so a request that got no answer is safely sent again; ``created``
    is then None for the records its answer calls updated (the lost try may have created
    them), and a record whose later tries fail is UNKNOWN rather than FAILED.

    Args:
        records: Any iterable of records of one type, each with a value in
            ``external_id_field``.
        external_id_field: The external id field, by API name (``"External_ID__c"``) or by
            the model's attribute name, as ``save_upsert`` takes it.
        sf_client: The client; default: the first record's registered connection.
        batch_size: Records per request, 1 to 200.
        concurrency: Requests in flight at most (default 5).
        all_or_none: Roll back a whole request when one of its records fails.
        on_batch_done: Streams each batch's results, as for ``save_insert_list``.

    Returns:
        One result per record, in input order; ``created`` says whether it was inserted
        (None when that cannot be known, see above).
        Saved records get their ``Id`` and have their change sets cleared.

    Raises:
        TypeError: If an item is not a record.
        ValueError: If a record has no external id value, the records are of several
            sObject types, or an argument is out of range.
        SaveInterruptedError: As for ``save_insert_list``.
    """
    plan = WritePlan(
        Operation.UPSERT,
        batch_size=batch_size,
        all_or_none=all_or_none,
        external_id_field=external_id_field,
    )
    return await _write_list(records, sf_client, plan, concurrency, on_batch_done)


async def delete_list_async(
    records_or_ids: Iterable[SObject | str],
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
    on_batch_done: Callable[[SaveResults[SObject | str]], Any] | None = None,
) -> SaveResults[SObject | str]:
    """
    Delete many records (to the recycle bin) with sObject Collections delete.

    A record that is already deleted counts as deleted (``ENTITY_IS_DELETED`` is success),
    so a request resent after a lost answer does not report failures of its own making.

    Args:
        records_or_ids: Any iterable of records with an ``Id``, or of Id strings, or both.
        sf_client: The client; default: the first record's registered connection.
        batch_size: Ids per request, 1 to 200.
        concurrency: Requests in flight at most (default 5).
        all_or_none: Roll back a whole request when one of its records fails.
        on_batch_done: Streams each batch's results, as for ``save_insert_list``.

    Returns:
        One result per input, in input order.

    Raises:
        TypeError: If an item is neither a record nor a string.
        ValueError: If a record has no ``Id``, or an argument is out of range.
        InvalidIdError: If an Id is malformed.
        SaveInterruptedError: As for ``save_insert_list``.
    """
    plan = WritePlan(Operation.DELETE, batch_size=batch_size, all_or_none=all_or_none)
    return await _write_list(records_or_ids, sf_client, plan, concurrency, on_batch_done)
