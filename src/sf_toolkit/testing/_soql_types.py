"""
Typed values for the SOQL engine: how a field's type decides comparison and sorting.

Stored values are JSON-ready (strings for dates and dateTimes, ``"a;b"`` for multipicklists).
Each field type falls into a *kind*; a kind knows how to turn a stored value and a literal into
comparable Python values, so ``=`` on text is case-insensitive and dates compare as dates.

Literals of the wrong type are refused the way Salesforce refuses them: ``INVALID_FIELD`` with
"value of filter criterion for field 'X' must be of type T and should (not) be enclosed in
quotes"; a malformed Id literal is ``INVALID_QUERY_FILTER_OPERATOR`` "invalid ID field: ...".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _soql_ast as ast
from ._protocols import FieldRef, SoqlError
from ._soql_dates import day_start, parse_date, parse_datetime, relative_range
from ._soql_errors import INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, error_at


@dataclass(frozen=True)
class DateRange:
    """A relative date literal resolved to the half-open range ``[start, end)``."""

    start: Any
    end: Any


_KINDS = {
    "id": "id",
    "reference": "id",
    "int": "number",
    "long": "number",
    "double": "number",
    "currency": "number",
    "percent": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "multipicklist": "multipicklist",
    "base64": "blob",
    "address": "compound",
    "location": "compound",
}
_ID_RE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_TYPE_NAMES = {"int": "integer", "datetime": "dateTime", "reference": "id"}


def kind_of(field: FieldRef) -> str:
    """
    The comparison kind of a field.

    One of ``id, string, number, boolean, date, datetime, time, multipicklist, blob,
    compound``; every text-like describe type (string, textarea, picklist, email, phone, url,
    ...) is ``string``. Times are stored as ``HH:MM:SS.sssZ``, which sorts as it compares.
    """
    return _KINDS.get(field.type, "string")


def _multi(value: str) -> frozenset[str]:
    return frozenset(part.strip().casefold() for part in value.split(";") if part.strip())


def field_converter(kind: str) -> Callable[[Any], Any]:
    """A function turning a stored value of ``kind`` into its comparable form (None stays None)."""
    # Salesforce stores empty text as null, so an empty stored string compares as null too.
    if kind == "string":
        return lambda value: (value.casefold() or None) if isinstance(value, str) else value
    if kind == "id":
        return lambda value: (value[:15] or None) if isinstance(value, str) else value
    if kind == "date":
        return lambda value: parse_date(value) if isinstance(value, str) else value
    if kind == "datetime":
        return lambda value: parse_datetime(value) if isinstance(value, str) else value
    if kind == "multipicklist":
        return lambda value: (_multi(value) or None) if isinstance(value, str) else value
    return lambda value: value


def sort_converter(kind: str, field: FieldRef, text: str, pos: int) -> Callable[[Any], Any]:
    """
    Like :func:`field_converter`, for ORDER BY.

    Raises:
        SoqlError: INVALID_FIELD for fields Salesforce cannot sort (multipicklist, blob, compound).
    """
    if kind in ("multipicklist", "blob", "compound"):
        raise error_at(
            text, pos, INVALID_FIELD, f"field '{field.name}' can not be sorted in a query call"
        )
    convert = field_converter(kind)
    if kind == "id":
        return lambda value: value
    return convert


def check_filterable(kind: str, field: FieldRef, text: str, pos: int) -> None:
    """
    Refuse a WHERE on a field Salesforce cannot filter.

    Raises:
        SoqlError: INVALID_FIELD for blob and compound (address, location) fields.
    """
    if kind in ("blob", "compound"):
        raise error_at(
            text, pos, INVALID_FIELD, f"field '{field.name}' can not be filtered in a query call"
        )


def _wrong_type(field: FieldRef, text: str, value: ast.Value) -> SoqlError:
    type_name = _TYPE_NAMES.get(field.type, field.type)
    quoted = kind_of(field) in ("string", "id", "multipicklist")
    should = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return error_at(
        text,
        value.pos,
        INVALID_FIELD,
        f"value of filter criterion for field '{field.name}' must be of type {type_name} "
        f"and {should}",
    )


def literal_converter(field: FieldRef, value: ast.Value, text: str, now: dt.datetime) -> Any:
    """
    Turn a WHERE literal into the comparable form of the field's kind.

    Returns:
        None for NULL (and for ``''`` on text, id and multipicklist fields, which Salesforce
        stores as null), a :class:`DateRange` for a relative date literal, otherwise the
        comparable value.

    Raises:
        SoqlError: INVALID_FIELD for a literal of the wrong type, INVALID_QUERY_FILTER_OPERATOR
            for a malformed Id.
    """
    if isinstance(value, ast.NullValue):
        return None
    kind = kind_of(field)
    if kind in ("string", "id", "multipicklist"):
        if not isinstance(value, ast.StringValue):
            raise _wrong_type(field, text, value)
        if value.value == "":
            return None
        if kind == "id":
            if _ID_RE.fullmatch(value.value) is None:
                raise error_at(
                    text,
                    value.pos,
                    INVALID_QUERY_FILTER_OPERATOR,
                    f"invalid ID field: {value.value}",
                )
            return value.value[:15]
        if kind == "multipicklist":
            return _multi(value.value)
        return value.value.casefold()
    if kind == "number":
        if not isinstance(value, ast.NumberValue):
            raise _wrong_type(field, text, value)
        return value.value
    if kind == "boolean":
        if not isinstance(value, ast.BooleanValue):
            raise _wrong_type(field, text, value)
        return value.value
    if kind == "time" and isinstance(value, ast.TimeValue):
        return value.value
    if kind in ("date", "datetime"):
        if isinstance(value, ast.RelativeDate):
            start, end = relative_range(value.name, value.n, now)
            if kind == "datetime":
                return DateRange(day_start(start), day_start(end))
            return DateRange(start, end)
        if kind == "date" and isinstance(value, ast.DateValue):
            return value.value
        if kind == "datetime" and isinstance(value, ast.DateTimeValue):
            return value.value
    raise _wrong_type(field, text, value)
