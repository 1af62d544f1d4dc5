"""
A SOQL query builder and literal escaping, sans I/O.

``select(Account).where(Name="Acme").order_by("-CreatedDate").limit(10)`` builds an immutable
query; ``str()`` of it is the SOQL text. Every value goes through :func:`quote`, which turns a
Python value into a SOQL literal that cannot end early: no value can inject SOQL.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

import attrs

from .models import GenericRecord, SObject, api_name_of, field_api_names, relationship_fields
from .models._base import FieldInfo
from .models._values import format_time

__all__ = [
    "LikePattern",
    "SelectQuery",
    "escape_like",
    "quote",
    "select",
]

_M = TypeVar("_M", bound=SObject)
_FIELD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")
_MAX_OFFSET = 2000

# Characters a string literal must escape; every other control character becomes \uXXXX.
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_NEEDS_ESCAPE = re.compile(r"[\\'\"\x00-\x1f\x7f]")
_LIKE_TOKEN = re.compile(r"\\[\\%_]|[\\'\"\x00-\x1f\x7f]")


def _escape_char(char: str) -> str:
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


class LikePattern(str):
    """
    A LIKE pattern: ``%`` and ``_`` are wildcards, ``\\%``, ``\\_`` and ``\\\\`` match them
    literally.

    :func:`escape_like` makes one from plain text; ``+`` with a plain string keeps the type,
    so ``escape_like(text) + "%"`` is a "starts with" pattern. An f-string does not: it makes
    a plain ``str``, whose backslashes :func:`quote` would escape.
    """

    __slots__ = ()

    def __add__(self, other: str) -> LikePattern:
        return LikePattern(str.__add__(self, other))

    def __radd__(self, other: str) -> LikePattern:
        return LikePattern(str.__add__(other, self))


def escape_like(text: str) -> LikePattern:
    """Return a LIKE pattern matching ``text`` literally: ``%``, ``_`` and ``\\`` escaped."""
    if not isinstance(text, str):
        raise TypeError(f"escape_like() takes a str, got {type(text).__name__}")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return LikePattern(escaped)


def _quote_str(value: str) -> str:
    if isinstance(value, LikePattern):
        # Keep the pattern's own escapes; escape everything else, lone backslashes included.
        body = _LIKE_TOKEN.sub(
            lambda m: m.group() if len(m.group()) == 2 else _escape_char(m.group()), value
        )
    else:
        body = _NEEDS_ESCAPE.sub(lambda m: _escape_char(m.group()), value)
    return f"'{body}'"


def _format_number(value: float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"SOQL has no literal for {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"SOQL has no literal for {value}")
    text = repr(value) if isinstance(value, float) else str(value)
    if "e" in text.lower():
        text = format(Decimal(text), "f")
    return text


def quote(value: Any) -> str:
    """
    Return the SOQL literal for a Python value.

    * str: single-quoted with ``\\ ' " \\n \\r \\t \\b \\f`` escaped (other control characters
      as ``\\uXXXX``); a :class:`LikePattern` keeps its ``\\%`` and ``\\_``.
    * bool ``true``/``false``; None ``null``; int, float, Decimal as plain numbers.
    * datetime in UTC as ``2024-01-31T12:34:56Z`` (naive means UTC; sub-seconds dropped);
      date as ``2024-01-31``; time as ``01:00:00.000Z`` (Salesforce's time literal; a time
      field has no time zone, so only a naive or UTC time is accepted).
    * a record: its Id, quoted; an Enum member: its value.
    * list, tuple, set or frozenset: ``('a', 'b')`` for IN.

    Raises:
        TypeError: For any other type.
        ValueError: For NaN or infinity, an empty collection, a record without an Id, or a
            time with a non-UTC offset.
    """
    if value is None:
        return "null"
    if isinstance(value, enum.Enum):
        return quote(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote_str(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, (float, Decimal)):
        return _format_number(value)
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc) if value.tzinfo is not None else value
        return (
            f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
            f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
        )
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, time):
        offset = value.utcoffset()
        if offset is not None and offset != timedelta(0):
            raise ValueError(
                f"SOQL time literals carry no time zone; got {value!r} with offset {offset}"
            )
        return format_time(value)
    if isinstance(value, SObject):
        record_id = value.__dict__.get("Id")
        if record_id is None:
            raise ValueError(f"this {api_name_of(value)} record has no Id to compare with")
        return _quote_str(str(record_id))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if not items:
            raise ValueError("an IN list needs at least one value")
        for item in items:
            if isinstance(item, (list, tuple, set, frozenset)):
                raise TypeError("an IN list cannot contain another list")
        return "(" + ", ".join(quote(item) for item in items) + ")"
    raise TypeError(f"no SOQL literal for a value of type {type(value).__name__}")


def _check_field(name: str) -> str:
    if not isinstance(name, str) or _FIELD_RE.fullmatch(name) is None:
        raise ValueError(f"not a SOQL field name: {name!r}")
    return name


def _api_field(model: type[SObject], name: str) -> str:
    info: FieldInfo | None = model._sf_by_attr.get(name)
    return info.api_name if info is not None else _check_field(name)


def _render_template(template: str, args: tuple[Any, ...]) -> str:
    pieces = template.split("{}")
    if len(pieces) - 1 != len(args):
        raise ValueError(
            f"the condition has {len(pieces) - 1} placeholder(s) but {len(args)} value(s)"
        )
    out = [pieces[0]]
    for arg, piece in zip(args, pieces[1:], strict=True):
        out.append(quote(arg))
        out.append(piece)
    return "".join(out)


def _default_fields(model: type[SObject]) -> tuple[str, ...]:
    fields = list(field_api_names(model))
    for name, related, is_child in relationship_fields(model):
        if related is None:
            continue
        if is_child:
            columns = ", ".join(field_api_names(related))
            fields.append(f"(SELECT {columns} FROM {name})")
        else:
            fields.extend(f"{name}.{column}" for column in field_api_names(related))
    return tuple(fields)


@attrs.frozen
class SelectQuery(Generic[_M]):
    """
    An immutable SOQL SELECT; each method returns a new query.

    ``str(query)`` is the SOQL text and ``query.model`` the class its rows load into.
    """

    model: type[_M]
    fields: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ()
    limit_value: int | None = None
    offset_value: int | None = None

    def where(
        self, condition: str | None = None, /, *args: Any, **equalities: Any
    ) -> SelectQuery[_M]:
        """
        Add conditions, joined with AND to the existing ones.

        Args:
            condition: SOQL text whose ``{}`` placeholders take ``args`` as quoted literals:
                ``where("Name LIKE {} AND AnnualRevenue > {}", "Ac%", 1000)``.
            equalities: ``Field=value`` tests; a list or tuple means IN, None means ``= null``.
                Keys may be attribute names of the model or API names.

        Raises:
            ValueError: On a bad field name, or placeholders that do not match the values.
        """
        added: list[str] = []
        if condition is not None:
            if not isinstance(condition, str):
                raise TypeError(f"a condition must be a str, got {type(condition).__name__}")
            added.append(_render_template(condition, args))
        elif args:
            raise ValueError("values were given without a condition to place them in")
        for key, value in equalities.items():
            field = _api_field(self.model, key)
            if isinstance(value, (list, tuple, set, frozenset)):
                added.append(f"{field} IN {quote(value)}")
            else:
                added.append(f"{field} = {quote(value)}")
        if not added:
            raise ValueError("where() needs a condition or Field=value arguments")
        return attrs.evolve(self, conditions=(*self.conditions, *added))

    def order_by(
        self, *fields: str, desc: bool = False, nulls: Literal["first", "last"] | None = None
    ) -> SelectQuery[_M]:
        """
        Add sort keys; ``"-Name"`` sorts one field descending, ``desc=True`` all of them.

        Args:
            nulls: ``"first"`` or ``"last"`` adds ``NULLS FIRST``/``NULLS LAST`` to each key.
        """
        if not fields:
            raise ValueError("order_by() needs at least one field")
        if nulls not in (None, "first", "last"):
            raise ValueError(f"nulls must be 'first' or 'last', got {nulls!r}")
        keys = []
        for field in fields:
            descending = desc
            if isinstance(field, str) and field.startswith("-"):
                field, descending = field[1:], True
            key = _api_field(self.model, field) + (" DESC" if descending else " ASC")
            if nulls is not None:
                key += f" NULLS {nulls.upper()}"
            keys.append(key)
        return attrs.evolve(self, ordering=(*self.ordering, *keys))

    def limit(self, n: int) -> SelectQuery[_M]:
        """Return at most ``n`` rows."""
        return attrs.evolve(self, limit_value=_count(n, "limit"))

    def offset(self, n: int) -> SelectQuery[_M]:
        """Skip the first ``n`` rows (SOQL allows at most 2,000)."""
        n = _count(n, "offset")
        if n > _MAX_OFFSET:
            raise ValueError(f"SOQL OFFSET is at most {_MAX_OFFSET}, got {n}")
        return attrs.evolve(self, offset_value=n)

    def _where_clause(self) -> str:
        if not self.conditions:
            return ""
        if len(self.conditions) == 1:
            return f" WHERE {self.conditions[0]}"
        return " WHERE " + " AND ".join(f"({condition})" for condition in self.conditions)

    def count_query(self) -> str:
        """Return ``SELECT COUNT() FROM ...`` with the same conditions and limit."""
        text = f"SELECT COUNT() FROM {api_name_of(self.model)}{self._where_clause()}"
        if self.limit_value is not None:
            text += f" LIMIT {self.limit_value}"
        return text

    def __str__(self) -> str:
        text = f"SELECT {', '.join(self.fields)} FROM {api_name_of(self.model)}"
        text += self._where_clause()
        if self.ordering:
            text += " ORDER BY " + ", ".join(self.ordering)
        if self.limit_value is not None:
            text += f" LIMIT {self.limit_value}"
        if self.offset_value is not None:
            text += f" OFFSET {self.offset_value}"
        return text


def _count(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{what} must be a non-negative int, got {n!r}")
    return n


def select(model: type[_M], *fields: str) -> SelectQuery[_M]:
    """
    Start a query of ``model``'s sObject.

    Args:
        fields: Field names or paths (``"Account.Name"``) to select; attribute names of the
            model are translated to API names. By default:
            :func:`~sf_toolkit.models.field_api_names`, plus ``Parent.Field`` columns and
            ``(SELECT ... FROM Children)`` subqueries for the relationships the model declares
            with model types.

    Raises:
        ValueError: On a name that is not a field path.
    """
    if not (isinstance(model, type) and issubclass(model, SObject)) or model is GenericRecord:
        raise TypeError(f"select() takes the model class of an sObject, got {model!r}")
    columns = (
        tuple(_api_field(model, field) for field in _unique(fields))
        if fields
        else _default_fields(model)
    )
    return SelectQuery(model=model, fields=columns)


def _unique(fields: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(fields))
