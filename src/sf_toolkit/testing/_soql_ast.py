"""
The syntax tree of a parsed SOQL query.

The parser builds it without knowing the schema; the evaluator resolves names against the store.
Every node keeps ``pos``, its character offset in the query text, so that errors found later
(an unknown field, a literal of the wrong type) can point at the right place the way Salesforce
does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# --- literals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StringValue:
    """A quoted string; ``like_regex`` is the same text read as a LIKE pattern."""

    value: str
    like_regex: str
    pos: int


@dataclass(frozen=True)
class NumberValue:
    """An unquoted number; ``int`` unless it has a decimal point."""

    value: int | float
    pos: int


@dataclass(frozen=True)
class BooleanValue:
    """``TRUE`` or ``FALSE``."""

    value: bool
    pos: int


@dataclass(frozen=True)
class NullValue:
    """``NULL``."""

    pos: int


@dataclass(frozen=True)
class DateValue:
    """An unquoted date such as ``2024-01-31``."""

    value: dt.date
    pos: int


@dataclass(frozen=True)
class DateTimeValue:
    """An unquoted dateTime such as ``2024-01-31T12:34:56Z``, as an aware UTC datetime."""

    value: dt.datetime
    pos: int


@dataclass(frozen=True)
class TimeValue:
    """An unquoted time such as ``01:00:00.000Z``, normalised to ``HH:MM:SS.sssZ``."""

    value: str
    pos: int


@dataclass(frozen=True)
class RelativeDate:
    """A date literal such as ``TODAY`` or ``LAST_N_DAYS:30`` (``n`` is None without a count)."""

    name: str
    n: int | None
    pos: int


Value = (
    StringValue
    | NumberValue
    | BooleanValue
    | NullValue
    | DateValue
    | DateTimeValue
    | TimeValue
    | RelativeDate
)

# --- the SELECT list -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldPath:
    """A field, possibly through parent relationships: ``("Account", "Owner", "Name")``."""

    parts: tuple[str, ...]
    pos: int
    alias: str | None = None

    @property
    def text(self) -> str:
        """The path as written, joined with dots."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Aggregate:
    """An aggregate function: ``COUNT(Id)``, ``SUM(Amount)``, ... (name upper-cased)."""

    function: str
    argument: FieldPath
    pos: int
    alias: str | None = None


@dataclass(frozen=True)
class CountAll:
    """``COUNT()``: the query answers only with a row count."""

    pos: int


@dataclass(frozen=True)
class SubQuery:
    """A parenthesised ``SELECT``: a child relationship in the SELECT list, or a semi-join."""

    query: Query
    pos: int


@dataclass(frozen=True)
class FieldsGroup:
    """``FIELDS(ALL)``, ``FIELDS(STANDARD)`` or ``FIELDS(CUSTOM)`` (``group`` upper-cased)."""

    group: str
    pos: int


SelectItem = FieldPath | Aggregate | CountAll | SubQuery | FieldsGroup

# --- WHERE ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """``field op value`` with op one of ``= != < > <= >= LIKE`` (``<>`` is stored as ``!=``)."""

    path: FieldPath
    op: str
    value: Value
    pos: int


@dataclass(frozen=True)
class InList:
    """``field [NOT] IN (value, ...)``."""

    path: FieldPath
    values: tuple[Value, ...]
    negated: bool
    pos: int


@dataclass(frozen=True)
class SemiJoin:
    """``field [NOT] IN (SELECT field FROM ...)``."""

    path: FieldPath
    query: Query
    negated: bool
    pos: int


@dataclass(frozen=True)
class Includes:
    """``field INCLUDES ('a;b', 'c')`` or ``EXCLUDES``; each string is a set of values."""

    path: FieldPath
    values: tuple[StringValue, ...]
    excludes: bool
    pos: int


@dataclass(frozen=True)
class And:
    """All of ``items`` hold."""

    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    """At least one of ``items`` holds."""

    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """``item`` does not hold."""

    item: Condition


Condition = Comparison | InList | SemiJoin | Includes | And | Or | Not

# --- the query -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY key; ``nulls_first`` already holds Salesforce's default when not written."""

    key: FieldPath | Aggregate
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    """
    One parsed ``SELECT`` statement.

    ``text`` is the whole query string the statement came from (for subqueries too), so errors
    can quote the line they point at.
    """

    text: str
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: int
    alias: str | None = None
    where: Condition | None = None
    group_by: tuple[FieldPath, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None

    @property
    def is_count(self) -> bool:
        """True for ``SELECT COUNT() FROM ...``."""
        return any(isinstance(item, CountAll) for item in self.select)

    @property
    def has_subqueries(self) -> bool:
        """True when the SELECT list holds a child relationship subquery."""
        return any(isinstance(item, SubQuery) for item in self.select)

    @property
    def has_offset(self) -> bool:
        """True when the query has an OFFSET clause."""
        return self.offset is not None

    @property
    def has_aggregates(self) -> bool:
        """True for aggregate queries: aggregate functions (including ``COUNT()``) or GROUP BY."""
        return (
            self.is_count
            or bool(self.group_by)
            or any(isinstance(item, Aggregate) for item in self.select)
        )

    @property
    def has_group_by(self) -> bool:
        """True when the query has a GROUP BY clause."""
        return bool(self.group_by)
