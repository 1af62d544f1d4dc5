"""
Running a parsed SOQL query against the fake org's store.

Execution has two steps. *Compiling* resolves every name through the :class:`QueryDatabase`
(so an unknown field is refused even when no row would be read) and turns WHERE, ORDER BY and the
SELECT list into plain Python functions. *Running* streams the rows once through those functions.
Parent lookups are cached per query and child subqueries index their rows by lookup field once,
so a query costs about one pass over each object it touches.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import _soql_ast as ast
from ._protocols import FieldRef, QueryDatabase, QueryResult
from ._soql_errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    MALFORMED_QUERY,
    error_at,
    no_such_column,
    unknown_relationship,
    unsupported_sobject,
)
from ._soql_types import (
    DateRange,
    check_filterable,
    field_converter,
    kind_of,
    literal_converter,
    sort_converter,
)

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
Getter = Callable[[Row], Any]
T = TypeVar("T")

_ORDERING = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_LIKE_KINDS = frozenset({"string"})


@dataclass(frozen=True)
class Hop:
    """One step through a parent relationship: ``Account`` via ``AccountId``."""

    relationship: str
    field: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedPath:
    """A field path with its relationships and final field resolved to canonical names."""

    hops: tuple[Hop, ...]
    field: FieldRef

    @property
    def column(self) -> str:
        """The canonical dotted path, e.g. ``"Account.Name"``."""
        return ".".join([hop.relationship for hop in self.hops] + [self.field.name])


@dataclass
class _ParentNode:
    """A parent relationship in the SELECT list, with the fields selected through it."""

    hop: Hop
    children: list[_Node] = field(default_factory=list)


@dataclass
class _FieldNode:
    name: str


@dataclass
class _ChildNode:
    key: str
    plan: _ChildPlan


_Node = _FieldNode | _ParentNode | _ChildNode


class Context:
    """What every part of one execution shares: the store, the clock, the parent cache."""

    def __init__(
        self, query: ast.Query, db: QueryDatabase, include_deleted: bool, now: dt.datetime
    ) -> None:
        self.text = query.text
        self.db = db
        self.include_deleted = include_deleted
        self.now = now
        self._relationships: dict[str, dict[str, FieldRef]] = {}
        self._parents: dict[tuple[str, str], tuple[str, Row] | None] = {}

    # -- schema -------------------------------------------------------------------------

    def sobject(self, name: str, pos: int) -> str:
        canonical = self.db.canonical_object(name)
        if canonical is None:
            raise unsupported_sobject(self.text, pos, name)
        return canonical

    def relationship(self, sobject: str, name: str) -> FieldRef | None:
        by_name = self._relationships.get(sobject)
        if by_name is None:
            by_name = {
                ref.relationship_name.lower(): ref
                for ref in self.db.fields(sobject)
                if ref.relationship_name and ref.reference_to
            }
            self._relationships[sobject] = by_name
        return by_name.get(name.lower())

    def resolve(self, sobject: str, path: ast.FieldPath, alias: str | None) -> ResolvedPath:
        """
        Resolve ``path`` from ``sobject``.

        Raises:
            SoqlError: INVALID_FIELD for an unknown relationship or field.
        """
        parts = path.parts
        if alias is not None and len(parts) > 1 and parts[0].lower() == alias.lower():
            parts = parts[1:]
        current = sobject
        hops: list[Hop] = []
        for part in parts[:-1]:
            ref = self.relationship(current, part)
            targets = (
                tuple(
                    canonical
                    for canonical in (self.db.canonical_object(t) for t in ref.reference_to)
                    if canonical is not None
                )
                if ref is not None
                else ()
            )
            if ref is None or not targets or ref.relationship_name is None:
                raise unknown_relationship(self.text, path.pos, part, in_from=False)
            hops.append(Hop(ref.relationship_name, ref.name, targets))
            current = targets[0]
        # Through a polymorphic lookup (Attachment.Parent), any target having the field will do.
        candidates = hops[-1].targets if hops else (current,)
        for candidate in candidates:
            found = self.db.field(candidate, parts[-1])
            if found is not None:
                return ResolvedPath(tuple(hops), found)
        raise no_such_column(self.text, path.pos, parts[-1], current)

    # -- data ---------------------------------------------------------------------------

    def rows(self, sobject: str) -> Iterable[Row]:
        rows = self.db.rows(sobject, include_deleted=self.include_deleted)
        if self.include_deleted:
            return rows
        return (row for row in rows if not row.get("IsDeleted"))

    def parent(self, hop: Hop, record_id: Any) -> tuple[str, Row] | None:
        """The (sObject, row) a lookup points to, or None when it is empty or dangling."""
        if not isinstance(record_id, str) or not record_id:
            return None
        key = (hop.targets[0], record_id)
        if key in self._parents:
            return self._parents[key]
        found: tuple[str, Row] | None = None
        for target in hop.targets:
            row = self.db.row(target, record_id)
            if row is not None:
                found = (target, row)
                break
        self._parents[key] = found
        return found

    def getter(self, resolved: ResolvedPath) -> Getter:
        """A function reading the resolved field from a row, following parent lookups."""
        name = resolved.field.name
        if not resolved.hops:
            return lambda row: row.get(name)
        hops = resolved.hops

        def get(row: Row) -> Any:
            current: Row | None = row
            for hop in hops:
                assert current is not None
                found = self.parent(hop, current.get(hop.field))
                if found is None:
                    return None
                current = found[1]
            assert current is not None
            return current.get(name)

        return get

    def project(self, nodes: list[_Node], sobject: str, row: Row) -> dict[str, Any]:
        """Build one output record: attributes, then the selected fields in SELECT order."""
        record: dict[str, Any] = {
            "attributes": {"type": sobject, "url": self.db.record_url(sobject, row["Id"])}
        }
        for node in nodes:
            if isinstance(node, _FieldNode):
                record[node.name] = row.get(node.name)
            elif isinstance(node, _ParentNode):
                found = self.parent(node.hop, row.get(node.hop.field))
                record[node.hop.relationship] = (
                    None if found is None else self.project(node.children, found[0], found[1])
                )
            else:
                record[node.key] = node.plan.children_of(row["Id"])
        return record


# -- WHERE ----------------------------------------------------------------------------------


def _compile_condition(
    ctx: Context, sobject: str, alias: str | None, condition: ast.Condition
) -> Predicate:
    """Turn a WHERE condition into a predicate over rows of ``sobject``, checking every name."""
    if isinstance(condition, ast.And):
        parts = [_compile_condition(ctx, sobject, alias, item) for item in condition.items]
        return lambda row: all(part(row) for part in parts)
    if isinstance(condition, ast.Or):
        parts = [_compile_condition(ctx, sobject, alias, item) for item in condition.items]
        return lambda row: any(part(row) for part in parts)
    if isinstance(condition, ast.Not):
        inner = _compile_condition(ctx, sobject, alias, condition.item)
        return lambda row: not inner(row)
    resolved = ctx.resolve(sobject, condition.path, alias)
    kind = kind_of(resolved.field)
    check_filterable(kind, resolved.field, ctx.text, condition.path.pos)
    get = ctx.getter(resolved)
    convert = field_converter(kind)

    def value_of(row: Row) -> Any:
        return convert(get(row))

    if isinstance(condition, ast.Comparison):
        return _compile_comparison(ctx, resolved.field, kind, value_of, get, condition)
    if isinstance(condition, ast.InList):
        literals = [
            literal_converter(resolved.field, v, ctx.text, ctx.now) for v in condition.values
        ]
        ranges = [lit for lit in literals if isinstance(lit, DateRange)]
        plain = {lit for lit in literals if not isinstance(lit, DateRange)}
        negated = condition.negated

        def in_list(row: Row) -> bool:
            value = value_of(row)
            hit = value in plain or (
                value is not None and any(r.start <= value < r.end for r in ranges)
            )
            return hit != negated

        return in_list
    if isinstance(condition, ast.Includes):
        if kind != "multipicklist":
            raise error_at(
                ctx.text,
                condition.pos,
                INVALID_QUERY_FILTER_OPERATOR,
                "includes or excludes operator only valid on multipicklist field",
            )
        sets = [literal_converter(resolved.field, v, ctx.text, ctx.now) for v in condition.values]
        wanted = [s for s in sets if s]
        excludes = condition.excludes

        def includes(row: Row) -> bool:
            value = value_of(row)
            hit = value is not None and any(s <= value for s in wanted)
            return hit != excludes

        return includes
    return _compile_semi_join(ctx, resolved.field, kind, value_of, condition)


def _compile_comparison(
    ctx: Context,
    ref: FieldRef,
    kind: str,
    value_of: Getter,
    raw: Getter,
    condition: ast.Comparison,
) -> Predicate:
    op = condition.op
    if op == "LIKE":
        if kind not in _LIKE_KINDS:
            raise error_at(
                ctx.text,
                condition.pos,
                INVALID_QUERY_FILTER_OPERATOR,
                f"invalid operator on {ref.type} field: LIKE",
            )
        assert isinstance(condition.value, ast.StringValue)
        pattern = re.compile(condition.value.like_regex, re.IGNORECASE | re.DOTALL)

        def like(row: Row) -> bool:
            value = raw(row)
            return isinstance(value, str) and pattern.fullmatch(value) is not None

        return like
    if kind == "multipicklist" and op in _ORDERING:
        raise error_at(
            ctx.text,
            condition.pos,
            INVALID_QUERY_FILTER_OPERATOR,
            f"invalid operator on multipicklist field: {op}",
        )
    literal = literal_converter(ref, condition.value, ctx.text, ctx.now)
    if isinstance(literal, DateRange):
        return _compile_range(op, value_of, literal)
    if op == "=":
        return lambda row: bool(value_of(row) == literal)
    if op == "!=":
        # Salesforce's != keeps rows whose field is null (unlike SQL's three-valued logic).
        return lambda row: bool(value_of(row) != literal)
    compare = _ORDERING[op]

    def ordered(row: Row) -> bool:
        value = value_of(row)
        return value is not None and literal is not None and bool(compare(value, literal))

    return ordered


def _compile_range(op: str, value_of: Getter, span: DateRange) -> Predicate:
    """Comparisons against a relative date literal, which stands for a whole range."""
    start, end = span.start, span.end
    tests: dict[str, Callable[[Any], bool]] = {
        "=": lambda v: bool(start <= v < end),
        "!=": lambda v: not start <= v < end,
        "<": lambda v: bool(v < start),
        "<=": lambda v: bool(v < end),
        ">": lambda v: bool(v >= end),
        ">=": lambda v: bool(v >= start),
    }
    test = tests[op]
    if_null = op == "!="

    def in_range(row: Row) -> bool:
        value = value_of(row)
        return if_null if value is None else test(value)

    return in_range


def _compile_semi_join(
    ctx: Context, ref: FieldRef, kind: str, value_of: Getter, condition: ast.SemiJoin
) -> Predicate:
    inner = condition.query
    if kind != "id" or len(inner.select) != 1 or not isinstance(inner.select[0], ast.FieldPath):
        raise error_at(
            ctx.text,
            condition.pos,
            MALFORMED_QUERY,
            "The selected field in a semi join subquery must be an Id or reference field",
        )
    sobject = ctx.sobject(inner.sobject, inner.sobject_pos)
    resolved = ctx.resolve(sobject, inner.select[0], inner.alias)
    if kind_of(resolved.field) != "id":
        raise error_at(
            ctx.text,
            inner.select[0].pos,
            INVALID_FIELD,
            "The selected field in a semi join subquery must be an Id or reference field",
        )
    where = (
        _compile_condition(ctx, sobject, inner.alias, inner.where)
        if inner.where is not None
        else None
    )
    get = ctx.getter(resolved)
    cache: list[frozenset[str]] = []

    def ids() -> frozenset[str]:
        if not cache:
            cache.append(
                frozenset(
                    value[:15]
                    for row in ctx.rows(sobject)
                    if where is None or where(row)
                    for value in (get(row),)
                    if isinstance(value, str)
                )
            )
        return cache[0]

    negated = condition.negated
    return lambda row: (value_of(row) in ids()) != negated


# -- ORDER BY -------------------------------------------------------------------------------


def sort_rows(rows: list[T], keys: list[tuple[Callable[[T], Any], bool, bool]]) -> None:
    """Sort in place by ``(getter, descending, nulls_first)`` keys, most significant first."""
    for get, descending, nulls_first in reversed(keys):
        # A null's rank is chosen so that, after an optional reverse, nulls land where asked.
        null_rank = 0 if nulls_first != descending else 2

        def key(
            row: T, get: Callable[[T], Any] = get, null_rank: int = null_rank
        ) -> tuple[Any, ...]:
            value = get(row)
            return (null_rank,) if value is None else (1, value)

        rows.sort(key=key, reverse=descending)


def _order_keys(ctx: Context, sobject: str, query: ast.Query) -> list[tuple[Getter, bool, bool]]:
    keys: list[tuple[Getter, bool, bool]] = []
    for item in query.order_by:
        if not isinstance(item.key, ast.FieldPath):
            raise error_at(
                ctx.text,
                item.key.pos,
                MALFORMED_QUERY,
                "Ordered field must be grouped or aggregated",
            )
        resolved = ctx.resolve(sobject, item.key, query.alias)
        convert = sort_converter(kind_of(resolved.field), resolved.field, ctx.text, item.key.pos)
        get = ctx.getter(resolved)
        keys.append((_compose(convert, get), item.descending, item.nulls_first))
    return keys


def _compose(convert: Callable[[Any], Any], get: Getter) -> Getter:
    return lambda row: convert(get(row))


def window(rows: list[T], offset: int | None, limit: int | None) -> list[T]:
    start = offset or 0
    return rows[start:] if limit is None else rows[start : start + limit]


# -- SELECT ---------------------------------------------------------------------------------


def _add_path(nodes: list[_Node], resolved: ResolvedPath) -> None:
    """Insert a selected path into the projection tree, merging shared relationships."""
    for hop in resolved.hops:
        for node in nodes:
            if isinstance(node, _ParentNode) and node.hop.relationship == hop.relationship:
                break
        else:
            node = _ParentNode(hop)
            nodes.append(node)
        nodes = node.children
    nodes.append(_FieldNode(resolved.field.name))


def _expand_fields(
    ctx: Context, sobject: str, items: tuple[ast.SelectItem, ...]
) -> list[ast.SelectItem]:
    """
    Replace ``FIELDS(...)`` by the fields it stands for, in describe order ("FIELDS()").

    CUSTOM: custom fields (``__c``, geolocation components ``__s``); STANDARD: the others; ALL:
    both.
    """
    expanded: list[ast.SelectItem] = []
    for item in items:
        if not isinstance(item, ast.FieldsGroup):
            expanded.append(item)
            continue
        for ref in ctx.db.fields(sobject):
            custom = ref.name.endswith(("__c", "__s"))
            if item.group == "ALL" or custom == (item.group == "CUSTOM"):
                expanded.append(ast.FieldPath((ref.name,), item.pos))
    return expanded


def _select_list(
    ctx: Context, sobject: str, query: ast.Query, *, allow_children: bool
) -> tuple[list[_Node], list[str]]:
    nodes: list[_Node] = []
    columns: list[str] = []
    seen: set[str] = set()
    for item in _expand_fields(ctx, sobject, query.select):
        if isinstance(item, ast.FieldPath):
            resolved = ctx.resolve(sobject, item, query.alias)
            column = resolved.column
            if column.lower() in seen:
                raise error_at(
                    ctx.text, item.pos, MALFORMED_QUERY, f"duplicate field selected: {column}"
                )
            seen.add(column.lower())
            columns.append(column)
            _add_path(nodes, resolved)
        elif isinstance(item, ast.SubQuery) and allow_children:
            plan = _ChildPlan(ctx, sobject, item.query)
            nodes.append(_ChildNode(plan.relationship, plan))
    return nodes, columns


class _ChildPlan:
    """A child relationship subquery, evaluated for all parents at once on first use."""

    def __init__(self, ctx: Context, parent: str, query: ast.Query) -> None:
        found = ctx.db.child_relationship(parent, query.sobject)
        if found is None:
            raise unknown_relationship(ctx.text, query.sobject_pos, query.sobject, in_from=True)
        self.ctx = ctx
        self.sobject, lookup, self.relationship = found
        lookup_ref = ctx.db.field(self.sobject, lookup)
        self.lookup = lookup_ref.name if lookup_ref is not None else lookup
        self.query = query
        self.nodes, _ = _select_list(ctx, self.sobject, query, allow_children=False)
        self.where = (
            _compile_condition(ctx, self.sobject, query.alias, query.where)
            if query.where is not None
            else None
        )
        self.keys = _order_keys(ctx, self.sobject, query)
        self._index: dict[str, list[Row]] | None = None

    def _build_index(self) -> dict[str, list[Row]]:
        rows = [row for row in self.ctx.rows(self.sobject) if self.where is None or self.where(row)]
        sort_rows(rows, self.keys)
        index: dict[str, list[Row]] = {}
        for row in rows:
            parent_id = row.get(self.lookup)
            if isinstance(parent_id, str):
                index.setdefault(parent_id[:15], []).append(row)
        return index

    def children_of(self, parent_id: str) -> dict[str, Any] | None:
        """The nested result for one parent, or None when it has no matching children."""
        if self._index is None:
            self._index = self._build_index()
        rows = window(self._index.get(parent_id[:15], []), self.query.offset, self.query.limit)
        if not rows:
            return None
        return {
            "totalSize": len(rows),
            "done": True,
            "records": [self.ctx.project(self.nodes, self.sobject, row) for row in rows],
        }


# -- entry point ----------------------------------------------------------------------------


def execute(
    query: ast.Query,
    db: QueryDatabase,
    *,
    include_deleted: bool = False,
    now: dt.datetime | None = None,
) -> QueryResult:
    """
    Run a parsed query against the store.

    Args:
        query: From :func:`~sf_toolkit.testing._soql_parser.parse`.
        db: The store.
        include_deleted: True for ``queryAll``: rows with ``IsDeleted`` true are kept.
        now: The time relative date literals are computed from (default: now, UTC).

    Returns:
        Every row of the result (``total_size`` counts rows after LIMIT and OFFSET).

    Raises:
        SoqlError: INVALID_TYPE, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR or
            MALFORMED_QUERY for a query the schema does not allow.
    """
    ctx = Context(query, db, include_deleted, now or dt.datetime.now(dt.timezone.utc))
    sobject = ctx.sobject(query.sobject, query.sobject_pos)
    where = (
        _compile_condition(ctx, sobject, query.alias, query.where)
        if query.where is not None
        else None
    )
    if query.is_count:
        count = sum(1 for row in ctx.rows(sobject) if where is None or where(row))
        start = min(count, query.offset or 0)
        count -= start
        if query.limit is not None:
            count = min(count, query.limit)
        return QueryResult(sobject=sobject, total_size=count, records=[], is_count=True)
    if query.has_aggregates:
        from ._soql_aggregate import execute_aggregate

        return execute_aggregate(ctx, sobject, query, where)
    nodes, columns = _select_list(ctx, sobject, query, allow_children=True)
    keys = _order_keys(ctx, sobject, query)
    rows = [row for row in ctx.rows(sobject) if where is None or where(row)]
    sort_rows(rows, keys)
    rows = window(rows, query.offset, query.limit)
    records = [ctx.project(nodes, sobject, row) for row in rows]
    return QueryResult(sobject=sobject, total_size=len(records), records=records, columns=columns)
