"""SOQL queries: stream records page by page, and count."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar, overload

import httpx

from .. import _rest
from .._concurrency import AsyncEvent, start_async
from .._query import QueryPlan, child_continuations, count_result, plan_count, plan_query
from .._registry import resolve_client
from .._wire.errors import unexpected_answer
from .._wire.pages import HEAD_BYTES, early_next_url, next_page_url, parse_query_page
from ..exceptions import UnexpectedResponseError
from ..models import SObject, connection_of
from ..models._convert import adopt_payload
from ..soql import SelectQuery
from .client import AsyncSalesforceClient

__all__ = ["count_async", "query_async"]

M = TypeVar("M", bound=SObject)


async def _get(
    client: AsyncSalesforceClient, url: str, **kwargs: Any
) -> tuple[dict[str, Any], httpx.Response]:
    response = await client.get(url, **kwargs)
    await response.aread()
    return parse_query_page(_rest.check(response)), response


def _absolute(
    client: AsyncSalesforceClient, next_url: object, seen: set[str], answer: httpx.Response
) -> str:
    session = client.session
    assert session is not None
    return next_page_url(session.instance_url, next_url, seen, response=answer)


@overload
def query_async(
    query: SelectQuery[M],
    sf_client: AsyncSalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> AsyncIterator[M]: ...


@overload
def query_async(
    query: str,
    sf_client: AsyncSalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> AsyncIterator[SObject]: ...


def query_async(
    query: SelectQuery[Any] | str,
    sf_client: AsyncSalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> AsyncIterator[Any]:
    """
    Iterate over the records of a query, page by page (``nextRecordsUrl``).

    Each page's ``nextRecordsUrl`` is read from the start of its body (Salesforce writes it
    before the records), and the next page is requested at once: its round trip overlaps the
    decoding of this page and the caller's work on it. At most one page ahead, so memory stays
    bounded by two pages. Leaving the loop early cancels that request (the sync half, whose
    thread cannot be interrupted, waits for its answer and drops it) and leaves nothing
    running. Records load into the builder's model, or the model
    registered for their type. Child subqueries are completed: their further pages are
    fetched before the parent is handed out. The arguments are checked at once; nothing is
    sent until iteration starts.

    Args:
        query: ``select(Model)...`` or a SOQL string.
        include_deleted: Use ``queryAll``: include deleted and archived records.
        batch_size: Records per page, 200 to 2000 (a hint Salesforce may adjust).

    Raises:
        TypeError: If ``query`` is neither a builder nor a string.
        ValueError: If the SOQL is empty or ``batch_size`` is out of range.
        NoClientError: If no client is given or registered.
    """
    plan = plan_query(query, include_deleted=include_deleted, batch_size=batch_size)
    client = resolve_client(
        sf_client, AsyncSalesforceClient, connection_of(plan.model) if plan.model else None
    )
    return _records_async(client, plan)


class _PageRequest:
    """
    A query page requested ahead, on a task of its own: :meth:`sent` waits until the request
    has left (so that decoding the page before it does not hold it back), :meth:`answer`
    until the page has arrived.

    Only httpx's own transport reports when a request has left (httpcore's ``trace``
    extension); through any other, :meth:`sent` just lets the task start.
    """

    def __init__(self, client: AsyncSalesforceClient, url: str, headers: Mapping[str, str]) -> None:
        self._sent = AsyncEvent()
        request = client.build_request("GET", url, headers=headers)
        if client._reports_sends:
            request.extensions["trace"] = self._trace
        else:
            self._sent.set()
        self._call = start_async(lambda: self._fetch(client, request))

    async def _trace(self, event: str, info: object) -> None:
        # "http11.send_request_body.complete" (or "http2. ..."): the request is out.
        if event.endswith(".send_request_body.complete"):
            self._sent.set()

    async def _fetch(self, client: AsyncSalesforceClient, request: httpx.Request) -> httpx.Response:
        try:
            return await client.send(request)
        finally:
            self._sent.set()  # failed before it left, or retried: never wait for nothing

    async def sent(self) -> None:
        await self._sent.wait()

    async def answer(self) -> httpx.Response:
        return await self._call.result()

    async def discard(self) -> None:
        """Stop the request, or close its answer if it has come."""
        response = await self._call.cancel()
        if response is not None:
            await response.aclose()


def _checked_url(
    client: AsyncSalesforceClient, written: str, seen: set[str], answer: httpx.Response
) -> str | None:
    """
    The absolute URL of a ``nextRecordsUrl`` read early, or None where it would be refused:
    the decoded page then raises that refusal at the usual place, after its records.
    """
    try:
        return _absolute(client, written, seen, answer)
    except UnexpectedResponseError:
        return None


async def _complete_children_async(
    client: AsyncSalesforceClient, plan: QueryPlan, raw: dict[str, Any], answer: httpx.Response
) -> None:
    for relationship, next_url in list(child_continuations(raw)):
        children = raw[relationship]
        seen: set[str] = set()
        child_answer = answer
        while True:  # done: false promises more; a missing URL is refused, not skipped
            more, child_answer = await _get(
                client, _absolute(client, next_url, seen, child_answer), headers=plan.headers
            )
            children["records"].extend(more["records"])
            next_url = more.get("nextRecordsUrl")
            if not next_url:
                break
        children["done"] = True
        children.pop("nextRecordsUrl", None)


async def _records_async(client: AsyncSalesforceClient, plan: QueryPlan) -> AsyncIterator[Any]:
    """
    Every record of every page, in order: the first page, then each ``nextRecordsUrl``.

    A page's ``nextRecordsUrl`` is read from the start of its body, and the next page is
    requested before this one is decoded and handed out: that request's round trip overlaps
    the decoding and the caller's work, and at most one page is ahead. The decoded page must
    name the same URL.
    """
    answer = await client.get(plan.endpoint, params={"q": plan.soql}, headers=plan.headers)
    seen: set[str] = set()
    ahead: _PageRequest | None = None
    try:
        while True:
            written = early_next_url(_rest.check(answer).content[:HEAD_BYTES])
            if written is not None and (url := _checked_url(client, written, seen, answer)):
                ahead = _PageRequest(client, url, plan.headers)
                await ahead.sent()
            page = parse_query_page(answer)
            next_url = page.get("nextRecordsUrl")
            if ahead is not None and next_url != written:
                raise unexpected_answer(
                    answer,
                    f"the query page names nextRecordsUrl {written!r} before its records "
                    f"and {next_url!r} in the end",
                )
            for raw in page["records"]:
                if plan.subqueries:
                    await _complete_children_async(client, plan, raw, answer)
                yield adopt_payload(raw, plan.model)  # the page's rows are read once
            if ahead is None:
                if not next_url:
                    return
                ahead = _PageRequest(
                    client, _absolute(client, next_url, seen, answer), plan.headers
                )
            answer = await ahead.answer()
            ahead = None
    finally:
        if ahead is not None:
            await ahead.discard()


async def count_async(
    query: SelectQuery[Any] | str,
    sf_client: AsyncSalesforceClient | None = None,
    *,
    include_deleted: bool = False,
) -> int:
    """
    Count the records a query matches.

    A builder is sent as ``SELECT COUNT() FROM ...`` and the answer's ``totalSize`` is the
    count; so is a SOQL string in the ``COUNT()`` form, or any plain SELECT (the number of
    rows it matches). A string in the ``COUNT(field)`` or ``COUNT_DISTINCT(field)`` form is an
    aggregate: the count is the value of its one row (rows where ``field`` is not null).

    Raises:
        TypeError: If ``query`` is neither a builder nor a string.
        ValueError: If the SOQL is empty, or is ``COUNT(field)`` with ``GROUP BY`` (one count
            per group, not one number: iterate it with ``query``).
        NoClientError: If no client is given or registered.
    """
    plan = plan_count(query, include_deleted=include_deleted)
    client = resolve_client(
        sf_client, AsyncSalesforceClient, connection_of(plan.model) if plan.model else None
    )
    data, _ = await _get(client, plan.endpoint, params={"q": plan.soql})
    return count_result(plan, data)
