"""Sans-I/O parts of queries: the SOQL text, its model, and where the next page is."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from .soql import SelectQuery

__all__ = ["QueryPlan", "child_continuations", "plan_count", "plan_query"]


@attrs.frozen
class QueryPlan:
    """What to send for a query, and which model its records load into."""

    soql: str
    model: Any
    """The builder's model class, or None for a SOQL string (records typed by the registry)."""
    endpoint: str
    headers: Mapping[str, str] = attrs.field(factory=dict)


def _batch_header(batch_size: int | None) -> dict[str, str]:
    if batch_size is None:
        return {}
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or not 200 <= batch_size <= 2000
    ):
        raise ValueError(f"batch_size must be an integer from 200 to 2000, got {batch_size!r}")
    return {"Sforce-Query-Options": f"batchSize={batch_size}"}


def plan_query(
    query: SelectQuery[Any] | str, *, include_deleted: bool = False, batch_size: int | None = None
) -> QueryPlan:
    """
    Plan a query from a builder or a SOQL string.

    Raises:
        TypeError: If ``query`` is neither.
        ValueError: If the string is empty or ``batch_size`` is outside 200..2000.
    """
    if isinstance(query, SelectQuery):
        soql, model = str(query), query.model
    elif isinstance(query, str):
        soql, model = query.strip(), None
        if not soql:
            raise ValueError("the SOQL query is empty")
    else:
        raise TypeError(f"query must be a SOQL string or select(...), got {type(query).__name__}")
    return QueryPlan(
        soql=soql,
        model=model,
        endpoint="queryAll" if include_deleted else "query",
        headers=_batch_header(batch_size),
    )


def plan_count(query: SelectQuery[Any] | str, *, include_deleted: bool = False) -> QueryPlan:
    """Plan a count: a builder becomes ``SELECT COUNT() FROM ...``; a string is sent as is."""
    if isinstance(query, SelectQuery):
        query = query.count_query()
    return plan_query(query, include_deleted=include_deleted)


def child_continuations(record: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """
    Yield ``(relationship, nextRecordsUrl)`` for child subqueries with more pages.

    Salesforce pages large child results separately; ignoring this silently drops children.
    A child result with ``done: false`` is yielded whatever its ``nextRecordsUrl`` holds
    (missing, empty, not a string): following it then fails loudly instead of dropping them.
    """
    for key, value in record.items():
        if (
            type(value) is dict  # parsed JSON objects are dicts: a cheap test on a hot path
            and "records" in value
            and value.get("done") is False
        ):
            yield key, value.get("nextRecordsUrl")
