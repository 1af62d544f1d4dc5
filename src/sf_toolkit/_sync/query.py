# Generated from src/sf_toolkit/_async/query.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""SOQL queries: stream records page by page, and count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar, overload

import httpx

from .. import _rest
from .._concurrency import ReadAhead
from .._query import QueryPlan, child_continuations, count_result, plan_count, plan_query
from .._registry import resolve_client
from .._wire.pages import next_page_url, parse_query_page
from ..models import SObject, connection_of
from ..models._convert import adopt_payload
from ..soql import SelectQuery
from .client import SalesforceClient

__all__ = ["count", "query"]

M = TypeVar("M", bound=SObject)


def _get(
    client: SalesforceClient, url: str, **kwargs: Any
) -> tuple[dict[str, Any], httpx.Response]:
    response = client.get(url, **kwargs)
    response.read()
    return parse_query_page(_rest.check(response)), response


def _absolute(
    client: SalesforceClient, next_url: object, seen: set[str], answer: httpx.Response
) -> str:
    session = client.session
    assert session is not None
    return next_page_url(session.instance_url, next_url, seen, response=answer)


@overload
def query(
    query: SelectQuery[M],
    sf_client: SalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> Iterator[M]: ...


@overload
def query(
    query: str,
    sf_client: SalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> Iterator[SObject]: ...


def query(
    query: SelectQuery[Any] | str,
    sf_client: SalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> Iterator[Any]:
    """
    Iterate over the records of a query, page by page (``nextRecordsUrl``).

    While the caller works through one page, the next one is already being fetched: at most
    one page ahead, so memory stays bounded by two pages. Leaving the loop early stops that
    fetch and leaves nothing running. Records load into the builder's model, or the model
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
        sf_client, SalesforceClient, connection_of(plan.model) if plan.model else None
    )
    return _records(client, plan)


def _pages(
    client: SalesforceClient, plan: QueryPlan
) -> Iterator[tuple[dict[str, Any], httpx.Response]]:
    """Every page of the query, in order, with its answer: the first, then each continuation."""
    page, answer = _get(client, plan.endpoint, params={"q": plan.soql}, headers=plan.headers)
    seen: set[str] = set()
    while True:
        yield page, answer
        next_url = page.get("nextRecordsUrl")
        if not next_url:
            return
        page, answer = _get(client, _absolute(client, next_url, seen, answer), headers=plan.headers)


def _complete_children(
    client: SalesforceClient, plan: QueryPlan, raw: dict[str, Any], answer: httpx.Response
) -> None:
    for relationship, next_url in list(child_continuations(raw)):
        children = raw[relationship]
        seen: set[str] = set()
        child_answer = answer
        while True:  # done: false promises more; a missing URL is refused, not skipped
            more, child_answer = _get(
                client, _absolute(client, next_url, seen, child_answer), headers=plan.headers
            )
            children["records"].extend(more["records"])
            next_url = more.get("nextRecordsUrl")
            if not next_url:
                break
        children["done"] = True
        children.pop("nextRecordsUrl", None)


def _records(client: SalesforceClient, plan: QueryPlan) -> Iterator[Any]:
    # The next page is fetched while the caller works through this one (one page ahead).
    with ReadAhead(_pages(client, plan)) as pages:
        for page, answer in pages:
            for raw in page["records"]:
                if plan.subqueries:
                    _complete_children(client, plan, raw, answer)
                yield adopt_payload(raw, plan.model)  # the page's rows are read once
                pages.tick()


def count(
    query: SelectQuery[Any] | str,
    sf_client: SalesforceClient | None = None,
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
        sf_client, SalesforceClient, connection_of(plan.model) if plan.model else None
    )
    data, _ = _get(client, plan.endpoint, params={"q": plan.soql})
    return count_result(plan, data)
