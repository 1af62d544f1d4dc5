"""
Many records at once, on sObject Collections: fetch_list and the save_*_list / delete_list family.

The decisions (chunking, request bodies, result alignment, retries, reconciliation) live in
:mod:`sf_toolkit._wire.collections`; this module only sends what it says, ``concurrency``
requests at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, TypeVar

import httpx

from .._concurrency import (
    AsyncLock,
    call_callback_async,
    check_callback_async,
    map_bounded_async,
    map_bounded_stream_async,
    sleep_async,
)
from .._registry import resolve_client
from .._rest import RestCall, check
from .._wire.collections import (
    DEFAULT_CONCURRENCY,
    Batch,
    BatchRun,
    Operation,
    Reconcile,
    RetrievePlan,
    WritePlan,
    check_concurrency,
    claimed_ids,
    collect,
)
from ..exceptions import SalesforceConnectionError, SalesforceError
from ..models import SObject, connection_of
from ..results import SaveResult, SaveResults
from .client import AsyncSalesforceClient

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
        SalesforceApiError: If Salesforce refuses a request (an unknown field, say).

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
        rows = plan.parse(chunk, response.json())
        if on_chunk_received is not None:
            async with callback_lock:
                await call_callback_async(on_chunk_received, response)
        return rows

    return plan.assemble(await map_bounded_async(fetch_chunk, plan.chunks, concurrency))


async def _send_batch(client: AsyncSalesforceClient, plan: WritePlan, batch: Batch) -> BatchRun:
    """Send a batch, and its locked records again after a backoff, until it is settled."""
    run = plan.start(batch, client.retry.attempts)
    while True:
        failed_try = run.delay_attempt
        if failed_try is not None:
            delay = client.retry.next_delay(failed_try)
            if delay > 0:
                await sleep_async(delay)
        call = run.next_call(datetime.now(timezone.utc))
        if call is None:
            return run
        try:
            response = await _send(client, call)
        except SalesforceConnectionError as exc:
            run.failed_in_transit(exc)
        else:
            run.answered(response)


async def _reconcile(
    client: AsyncSalesforceClient, run: BatchRun, query: Reconcile, claimed: set[str]
) -> None:
    """Run a reconciling query (all pages); on failure its records stay UNKNOWN."""
    rows: list[Any] = []
    try:
        response = check(await client.get("query", params={"q": query.soql}))
        while True:
            page = response.json()
            if not isinstance(page, dict):
                return
            rows.extend(page.get("records") or ())
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                break
            response = check(await client.get(client.base_url.join(next_url)))
    except (SalesforceError, ValueError):
        return
    run.reconciled(query, rows, claimed)


async def _write_list(
    records: Iterable[Any],
    sf_client: AsyncSalesforceClient | None,
    plan: WritePlan,
    concurrency: int,
) -> SaveResults[Any]:
    check_concurrency(concurrency)
    batches = plan.batches(records)
    first = next(batches, None)
    if first is None:
        return SaveResults()
    target = next((item.record for item in first.items if isinstance(item.record, SObject)), None)
    client = resolve_client(
        sf_client, AsyncSalesforceClient, connection_of(target) if target is not None else None
    )

    async def write(batch: Batch) -> list[tuple[int, SaveResult[Any]]] | BatchRun:
        run = await _send_batch(client, plan, batch)
        # Lost inserts are matched once every other batch is done, against all known Ids.
        return run if run.needs_reconcile else run.finish()

    parts = await map_bounded_stream_async(write, _chain(first, batches), concurrency)
    claimed = claimed_ids(parts)
    session = client.session
    for index, part in enumerate(parts):
        if isinstance(part, BatchRun):
            for query in part.reconcile_queries(session.user_id if session else None):
                await _reconcile(client, part, query, claimed)
            parts[index] = part.finish()
    return collect(parts)


def _chain(first: Batch, rest: Iterable[Batch]) -> Iterable[Batch]:
    yield first
    yield from rest


async def save_insert_list_async(
    records: Iterable[S],
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
) -> SaveResults[S]:
    """
    Insert many records with sObject Collections create, ``batch_size`` per request.

    Records of several sObject types may be mixed. New Ids are set on the records that were
    saved, and their change sets cleared. Records whose create failed with
    ``UNABLE_TO_LOCK_ROW`` are sent again, alone, after a backoff (the client's
    ``RetryPolicy``). A request that got no answer is never resent: once the other requests
    are done, the records it carried are looked up in the org (created by this user in the
    last minutes, with the values sent) and reported SAVED with their Id when exactly one
    match is found that no other result holds, else UNKNOWN.

    Args:
        records: Any iterable of records without ``Id``. A list is checked whole before any
            request; a generator is read one batch at a time, so memory holds about
            ``concurrency x batch_size`` records in flight (plus one small result per record).
        sf_client: The client; default: the first record's registered connection.
        batch_size: Records per request, 1 to 200 (Salesforce's limit).
        concurrency: Requests in flight at most (default 5).
        all_or_none: Roll back a whole request when one of its records fails.

    Returns:
        One :class:`~sf_toolkit.results.SaveResult` per record, in input order, as a
        :class:`~sf_toolkit.results.SaveResults`. Per-record failures are not raised; call
        ``raise_for_failures()`` on the result for that.

    Raises:
        TypeError: If an item is not a record (a list: before any request).
        ValueError: If ``batch_size`` or ``concurrency`` is out of range, or a record already
            has an Id (a list: before any request).
        AuthenticationError: If Salesforce refuses the session even after renewing it.
    """
    plan = WritePlan(Operation.INSERT, batch_size=batch_size, all_or_none=all_or_none)
    return await _write_list(records, sf_client, plan, concurrency)


async def save_update_list_async(
    records: Iterable[S],
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
    only_changes: bool = False,
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

    Returns:
        One result per record, in input order; saved records have their change sets cleared.
        Records that failed with ``UNABLE_TO_LOCK_ROW`` are retried alone, with backoff.

    Raises:
        TypeError: If an item is not a record.
        ValueError: If a record has no ``Id``, or an argument is out of range.
        InvalidIdError: If a record's Id is malformed.
    """
    plan = WritePlan(
        Operation.UPDATE,
        batch_size=batch_size,
        all_or_none=all_or_none,
        only_changes=only_changes,
    )
    return await _write_list(records, sf_client, plan, concurrency)


async def save_upsert_list_async(
    records: Iterable[S],
    external_id_field: str,
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
) -> SaveResults[S]:
    """
    Insert or update many records of one sObject type by an external id field.

    Uses sObject Collections upsert (``PATCH /composite/sobjects/{T}/{external_id_field}``).
    Upserts are idempotent, so a request that got no answer is safely sent again.

    Args:
        records: Any iterable of records of one type, each with a value in
            ``external_id_field``.
        external_id_field: The API name of the external id field, e.g. ``"External_ID__c"``.
        sf_client: The client; default: the first record's registered connection.
        batch_size: Records per request, 1 to 200.
        concurrency: Requests in flight at most (default 5).
        all_or_none: Roll back a whole request when one of its records fails.

    Returns:
        One result per record, in input order; ``created`` says whether it was inserted.
        Saved records get their ``Id`` and have their change sets cleared.

    Raises:
        TypeError: If an item is not a record.
        ValueError: If a record has no external id value, the records are of several
            sObject types, or an argument is out of range.
    """
    plan = WritePlan(
        Operation.UPSERT,
        batch_size=batch_size,
        all_or_none=all_or_none,
        external_id_field=external_id_field,
    )
    return await _write_list(records, sf_client, plan, concurrency)


async def delete_list_async(
    records_or_ids: Iterable[SObject | str],
    sf_client: AsyncSalesforceClient | None = None,
    batch_size: int = 200,
    concurrency: int = DEFAULT_CONCURRENCY,
    all_or_none: bool = False,
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

    Returns:
        One result per input, in input order.

    Raises:
        TypeError: If an item is neither a record nor a string.
        ValueError: If a record has no ``Id``, or an argument is out of range.
        InvalidIdError: If an Id is malformed.
    """
    plan = WritePlan(Operation.DELETE, batch_size=batch_size, all_or_none=all_or_none)
    return await _write_list(records_or_ids, sf_client, plan, concurrency)
