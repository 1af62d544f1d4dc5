"""SOQL queries: stream records page by page, and count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar, overload

from .. import _rest
from .._query import QueryPlan, child_continuations, plan_count, plan_query
from .._registry import resolve_client
from .._wire.pages import next_page_url, parse_query_page
from ..models import SObject, connection_of, from_payload
from ..soql import SelectQuery
from .client import AsyncSalesforceClient

__all__ = ["count_async", "query_async"]

M = TypeVar("M", bound=SObject)


async def _get(client: AsyncSalesforceClient, url: str, **kwargs: Any) -> Any:
    response = await client.get(url, **kwargs)
    await response.aread()
    return parse_query_page(_rest.check(response))


def _absolute(client: AsyncSalesforceClient, next_url: str, seen: set[str]) -> str:
    session = client.session
    assert session is not None
    return next_page_url(session.instance_url, next_url, seen)


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
    Iterate over the records of a query, fetching one page at a time (``nextRecordsUrl``).

    Records load into the builder's model, or the model registered for their type. Child
    subqueries are completed: their further pages are fetched before the parent is yielded.
    The arguments are checked at once; nothing is sent until iteration starts.

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


async def _records_async(client: AsyncSalesforceClient, plan: QueryPlan) -> AsyncIterator[Any]:
    page = await _get(client, plan.endpoint, params={"q": plan.soql}, headers=plan.headers)
    seen: set[str] = set()
    while True:
        for raw in page["records"]:
            for relationship, next_url in list(child_continuations(raw)):
                children = raw[relationship]
                while next_url:
                    more = await _get(
                        client, _absolute(client, next_url, seen), headers=plan.headers
                    )
                    children["records"].extend(more["records"])
                    next_url = more.get("nextRecordsUrl")
                children["done"] = True
                children.pop("nextRecordsUrl", None)
            yield from_payload(raw, plan.model)
        next_url = page.get("nextRecordsUrl")
        if not next_url:
            return
        page = await _get(client, _absolute(client, next_url, seen), headers=plan.headers)


async def count_async(
    query: SelectQuery[Any] | str,
    sf_client: AsyncSalesforceClient | None = None,
    *,
    include_deleted: bool = False,
) -> int:
    """Count the records a query matches (``SELECT COUNT() ...`` for a builder)."""
    plan = plan_count(query, include_deleted=include_deleted)
    client = resolve_client(
        sf_client, AsyncSalesforceClient, connection_of(plan.model) if plan.model else None
    )
    data = await _get(client, plan.endpoint, params={"q": plan.soql})
    return int(data["totalSize"])
