"""Sans-I/O parts of queries: the SOQL text, its model, and where the next page is."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from .exceptions import SalesforceApiError
from .soql import SelectQuery

__all__ = [
    "QueryPlan",
    "child_continuations",
    "count_result",
    "has_subquery",
    "plan_count",
    "plan_query",
]

_SUBQUERY_RE = re.compile(r"\(\s*select\b", re.IGNORECASE)
_COUNT_FIELD_RE = re.compile(
    r"select\s+count(?:_distinct)?\s*\(\s*[A-Za-z][\w.]*\s*\)(?:\s+(?!from\b)\w+)?\s+from\b",
    re.IGNORECASE,
)
_STRING_LITERAL_RE = re.compile(r"'(?:\\.|[^'\\])*'")
_GROUP_BY_RE = re.compile(r"\bgroup\s+by\b", re.IGNORECASE)
_AGGREGATE_RE = re.compile(r"\b(?:count|count_distinct|sum|avg|min|max)\s*\(\s*[A-Za-z]", re.I)
_WORD_OR_PAREN_RE = re.compile(r"[()]|\bfrom\b", re.IGNORECASE)


def _select_list(soql: str) -> str:
    """The text between SELECT and its own FROM (string literals blanked, subqueries kept)."""
    text = _STRING_LITERAL_RE.sub("''", soql)
    depth = 0
    for match in _WORD_OR_PAREN_RE.finditer(text):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return text[: match.start()]
    return text


@attrs.frozen
class QueryPlan:
    """What to send for a query, and which model its records load into."""

    soql: str
    model: Any
    """The builder's model class, or None for a SOQL string (records typed by the registry)."""
    endpoint: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    subqueries: bool = True
    """Whether rows may hold child subquery results whose further pages must be fetched."""
    aggregate_count: bool = False
    """For a count: the answer is the value of one ``COUNT(field)`` row, not ``totalSize``."""


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
        subqueries=has_subquery(soql),
    )


def plan_count(query: SelectQuery[Any] | str, *, include_deleted: bool = False) -> QueryPlan:
    """
    Plan a count.

    * A builder becomes ``SELECT COUNT() FROM ...``; the count is the answer's ``totalSize``.
    * ``SELECT COUNT() FROM ...`` likewise; so does any other plain SELECT, whose
      ``totalSize`` is the number of rows it matches.
    * ``SELECT COUNT(field) [alias] FROM ...`` (or ``COUNT_DISTINCT(field)``) is an aggregate:
      Salesforce answers one row whose value is the count of rows where ``field`` is not
      null (of its distinct values); that value is the count.

    Raises:
        ValueError: For ``COUNT(field)`` with ``GROUP BY`` (one count per group, not one
            number), or other aggregates in the select list (``COUNT(Id), MAX(Amount)``):
            iterate those with ``query()``.
    """
    if isinstance(query, SelectQuery):
        query = query.count_query()
    plan = plan_query(query, include_deleted=include_deleted)
    if _COUNT_FIELD_RE.match(plan.soql) is None:
        if _AGGREGATE_RE.search(_select_list(plan.soql)):
            raise ValueError(
                "count() takes SELECT COUNT() ..., a single COUNT(field) or a plain SELECT; "
                "this query selects other aggregates: iterate it with query()"
            )
        return plan
    if _GROUP_BY_RE.search(_STRING_LITERAL_RE.sub("''", plan.soql)):
        raise ValueError(
            "count() needs a query that answers one number; COUNT(field) with GROUP BY "
            "answers one row per group: iterate it with query()"
        )
    return attrs.evolve(plan, aggregate_count=True)


def count_result(plan: QueryPlan, answer: Any) -> int:
    """
    Read the count out of a query answer planned by :func:`plan_count`.

    Raises:
        SalesforceApiError: If the answer does not hold a count where Salesforce puts one.
    """
    if not isinstance(answer, Mapping):
        raise _bad_count(plan, f"the answer is not a JSON object: {answer!r:.200}")
    if not plan.aggregate_count:
        total = answer.get("totalSize")
        if isinstance(total, bool) or not isinstance(total, int):
            raise _bad_count(plan, f"totalSize is {total!r:.100}, not a number")
        return total
    rows = answer.get("records")
    if not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], Mapping):
        raise _bad_count(plan, f"expected one aggregate row, got {rows!r:.200}")
    values = [value for key, value in rows[0].items() if key != "attributes"]
    if len(values) != 1 or isinstance(values[0], bool) or not isinstance(values[0], int):
        raise _bad_count(plan, f"the aggregate row holds no single count: {rows[0]!r:.200}")
    return int(values[0])


def _bad_count(plan: QueryPlan, problem: str) -> SalesforceApiError:
    return SalesforceApiError(
        f"no count in Salesforce's answer to {plan.soql!r:.200}: {problem}",
        error_code="UNEXPECTED_RESPONSE",
    )


def has_subquery(soql: str) -> bool:
    """
    Whether the SOQL text holds a nested ``(SELECT``: only then can a row carry child rows.

    A semi-join (``WHERE Id IN (SELECT ...)``) also answers True; that costs a scan of each
    row's values, never a missed child page. Without any, rows are not scanned at all.
    """
    return _SUBQUERY_RE.search(soql) is not None


def child_continuations(record: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """
    Yield ``(relationship, nextRecordsUrl)`` for child subqueries with more pages.

    Salesforce pages large child results separately; ignoring this silently drops children.
    """
    for key, value in record.items():
        if (
            type(value) is dict  # parsed JSON objects are dicts: a cheap test on a hot path
            and "records" in value
            and value.get("done") is False
            and isinstance(value.get("nextRecordsUrl"), str)
        ):
            yield key, value["nextRecordsUrl"]
