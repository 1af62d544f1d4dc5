"""
Python values to Salesforce JSON for writes, strictly by the field's declared type.

A value is accepted when it converts exactly (an ``int`` is a fine ``Decimal`` or ``float``;
``3.0`` is a fine ``int``); anything else raises ``TypeError`` (wrong kind of value) or
``ValueError`` (right kind, no JSON form: NaN, infinity) saying what was expected, so that a
bad value is refused before a request, never as an ``AttributeError`` or a JSON encoder error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from . import _values as v

__all__ = ["dumper_for", "dump_loose"]


def _kind(value: Any) -> str:
    return type(value).__name__


def _finite_number(value: Any) -> int | float:
    """An int, or a finite float or Decimal, as a JSON number."""
    if isinstance(value, bool):
        raise TypeError("expected a number, got bool")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Salesforce numbers must be finite")
        return value
    if isinstance(value, Decimal):
        return v.format_decimal(value)
    raise TypeError(f"expected a number, got {_kind(value)}")


def _dump_int(value: Any) -> int:
    number = _finite_number(value)
    if number != int(number):
        raise ValueError("expected a whole number")
    return int(number)


def _dump_str(value: Any) -> str:
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"expected a str, got {_kind(value)}")


def _dump_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a bool, got {_kind(value)}")


def _dump_date(value: Any) -> str:
    if isinstance(value, datetime):
        raise TypeError("expected a date, got a datetime (pass its .date())")
    if isinstance(value, date):
        return v.format_date(value)
    raise TypeError(f"expected a date, got {_kind(value)}")


def _dump_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return v.format_datetime(value)
    raise TypeError(f"expected a datetime, got {_kind(value)}")


def _dump_time(value: Any) -> str:
    if isinstance(value, time):
        return v.format_time(value)
    raise TypeError(f"expected a time, got {_kind(value)}")


def _dump_multipicklist(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            if not isinstance(item, str):
                raise TypeError(f"expected picklist values of type str, got {_kind(item)}")
        return v.format_multipicklist(value)
    raise TypeError(f"expected a list of str, got {_kind(value)}")


def _dump_blob(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return v.format_blob(bytes(value))
    raise TypeError(f"expected bytes, got {_kind(value)}")


_DUMPERS: dict[Any, Callable[[Any], Any]] = {
    str: _dump_str,
    bool: _dump_bool,
    int: _dump_int,
    float: _finite_number,
    Decimal: _finite_number,
    date: _dump_date,
    datetime: _dump_datetime,
    time: _dump_time,
    bytes: _dump_blob,
}


def dumper_for(tp: Any) -> Callable[[Any], Any] | None:
    """The strict dumper of a declared field type (``list[str]`` is a multipicklist), if any."""
    if tp == list[str]:
        return _dump_multipicklist
    return _DUMPERS.get(tp)


def dump_loose(value: Any, fallback: Callable[[Any], Any]) -> Any:
    """
    Dump a value of a loosely typed field (``Any``, or a GenericRecord's) by its own type.

    ``fallback`` handles the types this module does not know (the converter's hooks).
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (float, Decimal)):
        return _finite_number(value)
    if isinstance(value, datetime):
        return v.format_datetime(value)
    if isinstance(value, date):
        return v.format_date(value)
    if isinstance(value, time):
        return v.format_time(value)
    if isinstance(value, (bytes, bytearray)):
        return _dump_blob(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return _dump_multipicklist(value)
    return fallback(value)
