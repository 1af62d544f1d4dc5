"""
Aggregate SOQL queries: ``COUNT(field)``, ``COUNT_DISTINCT``, ``SUM``, ``AVG``, ``MIN``, ``MAX``,
with or without ``GROUP BY``.

Each group becomes one ``AggregateResult`` record: ``{"attributes": {"type": "AggregateResult"},
...}`` with grouped fields under their alias or field name and aggregates under their alias or
``expr0``, ``expr1``, ... (numbered over the unaliased aggregates only). Without GROUP BY there is
exactly one group, even over zero rows. HAVING is not supported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import _soql_ast as ast
from ._protocols import QueryResult
from ._soql_errors import INVALID_FIELD, MALFORMED_QUERY, error_at
from ._soql_eval import Context, Getter, Predicate, Row, sort_rows, window
from ._soql_types import field_converter, kind_of, sort_converter

_NUMERIC_ONLY = frozenset({"SUM", "AVG"})
Group = tuple[dict[str, Any], list[Row]]
"""An output record with the rows it was computed from (ORDER BY may read either)."""
GroupKey = tuple[Callable[[Group], Any], bool, bool]


def _aggregate(function: str, values: list[Any], sort_key: Callable[[Any], Any]) -> Any:
    """Apply one aggregate function to the non-null values of a group."""
    present = [value for value in values if value is not None]
    if function == "COUNT":
        return len(present)
    if function == "COUNT_DISTINCT":
        return len({sort_key(value) for value in present})
    if not present:
        return None
    if function == "SUM":
        return sum(present)
    if function == "AVG":
        return sum(present) / len(present)
    if function == "MIN":
        return min(present, key=sort_key)
    return max(present, key=sort_key)


def _first(get: Getter) -> Callable[[list[Row]], Any]:
    """A grouped field's value: the same on every row of the group, so read the first."""
    return lambda rows: get(rows[0]) if rows else None


def _applied(
    function: str, get: Getter, sort_key: Callable[[Any], Any]
) -> Callable[[list[Row]], Any]:
    """An aggregate function over one field of a group's rows."""
    return lambda rows: _aggregate(function, [get(row) for row in rows], sort_key)


def _key_text(item: ast.Aggregate) -> str:
    return f"{item.function}({item.argument.text.lower()})"


def execute_aggregate(
    ctx: Context, sobject: str, query: ast.Query, where: Predicate | None
) -> QueryResult:
    """
    Run an aggregate query (not ``COUNT()``, which the caller answers).

    Raises:
        SoqlError: INVALID_FIELD for an unknown field or SUM/AVG of a non-numeric field,
            MALFORMED_QUERY for an ORDER BY key that is neither grouped nor aggregated.
    """
    group_getters: list[tuple[Getter, Callable[[Any], Any]]] = []
    grouped: dict[str, int] = {}
    for index, path in enumerate(query.group_by):
        resolved = ctx.resolve(sobject, path, query.alias)
        kind = kind_of(resolved.field)
        group_getters.append((ctx.getter(resolved), field_converter(kind)))
        grouped[path.text.lower()] = index

    # Output columns: (key, how to compute it from a group's rows and its first row).
    outputs: list[tuple[str, Callable[[list[Row]], Any]]] = []
    by_aggregate: dict[str, str] = {}
    expr = 0
    for item in query.select:
        if isinstance(item, ast.FieldPath):
            resolved = ctx.resolve(sobject, item, query.alias)
            get = ctx.getter(resolved)
            key = item.alias or resolved.field.name
            outputs.append((key, _first(get)))
        elif isinstance(item, ast.Aggregate):
            resolved = ctx.resolve(sobject, item.argument, query.alias)
            kind = kind_of(resolved.field)
            if item.function in _NUMERIC_ONLY and kind != "number":
                raise error_at(
                    ctx.text,
                    item.argument.pos,
                    INVALID_FIELD,
                    f"field {resolved.field.name} does not support aggregate operator "
                    f"{item.function}",
                )
            get = ctx.getter(resolved)
            if item.alias is not None:
                key = item.alias
            else:
                key = f"expr{expr}"
                expr += 1
            sort_key = (
                field_converter(kind)
                if item.function.startswith("COUNT")
                else sort_converter(kind, resolved.field, ctx.text, item.argument.pos)
            )

            outputs.append((key, _applied(item.function, get, sort_key)))
            by_aggregate[_key_text(item)] = key

    groups = _group(
        (row for row in ctx.rows(sobject) if where is None or where(row)),
        group_getters,
        single=not query.group_by,
    )
    results: list[Group] = []
    for rows in groups:
        record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        for key, compute in outputs:
            record[key] = compute(rows)
        results.append((record, rows))

    keys = [
        _order_key(ctx, sobject, query, order, grouped, by_aggregate) for order in query.order_by
    ]
    sort_rows(results, keys)
    records = [record for record, _ in window(results, query.offset, query.limit)]
    return QueryResult(
        sobject=sobject,
        total_size=len(records),
        records=records,
        columns=[key for key, _ in outputs],
    )


def _group(
    rows: Iterable[Row],
    getters: list[tuple[Getter, Callable[[Any], Any]]],
    *,
    single: bool,
) -> list[list[Row]]:
    """Rows split by their grouped values, groups in order of first appearance."""
    if single:
        return [list(rows)]
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key = tuple(convert(get(row)) for get, convert in getters)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _order_key(
    ctx: Context,
    sobject: str,
    query: ast.Query,
    order: ast.OrderItem,
    grouped: dict[str, int],
    by_aggregate: dict[str, str],
) -> GroupKey:
    """An ORDER BY key over groups: a grouped field, or an aggregate that is selected."""
    if isinstance(order.key, ast.Aggregate):
        output = by_aggregate.get(_key_text(order.key))
        if output is None:
            raise error_at(
                ctx.text,
                order.key.pos,
                MALFORMED_QUERY,
                "Ordered aggregate must also be selected in an aggregate query",
            )
        name = output
        return (lambda group: group[0].get(name), order.descending, order.nulls_first)
    if order.key.text.lower() not in grouped:
        raise error_at(
            ctx.text,
            order.key.pos,
            MALFORMED_QUERY,
            f"Ordered field must be grouped or aggregated: {order.key.parts[-1]}",
        )
    resolved = ctx.resolve(sobject, order.key, query.alias)
    convert = sort_converter(kind_of(resolved.field), resolved.field, ctx.text, order.key.pos)
    get = ctx.getter(resolved)

    def grouped_value(group: Group) -> Any:
        rows = group[1]
        return convert(get(rows[0])) if rows else None

    return (grouped_value, order.descending, order.nulls_first)
