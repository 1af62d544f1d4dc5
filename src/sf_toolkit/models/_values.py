"""
Salesforce's wire formats for single field values, in both directions.

Pure functions on plain values: the converter and the SOQL builder both build on them.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "Address",
    "Location",
    "format_blob",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_multipicklist",
    "format_time",
    "parse_address",
    "parse_blob",
    "parse_date",
    "parse_datetime",
    "parse_decimal",
    "parse_location",
    "parse_multipicklist",
    "parse_time",
]

_UTC = timezone.utc
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)
_TIME_RE = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?(Z|z)?")
_FAST_ISO = sys.version_info >= (3, 11)


def _offset(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return _UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return _UTC if minutes == 0 else timezone(sign * timedelta(minutes=minutes))


def parse_datetime(text: str) -> datetime:
    """
    Parse a Salesforce dateTime into a timezone-aware datetime.

    Accepts ``2024-01-31T12:34:56.000+0000`` (what Salesforce sends), ``Z``, ``+05:00``,
    with or without fractional seconds. A value without an offset is taken as UTC.

    Raises:
        ValueError: If the text is not a dateTime.
    """
    if not isinstance(text, str):
        raise TypeError(f"a dateTime must be a string, got {type(text).__name__}")
    if _FAST_ISO and len(text) > 10:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a Salesforce dateTime: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micro,
            tzinfo=_offset(offset),
        )
    except ValueError as exc:
        raise ValueError(f"not a Salesforce dateTime: {text!r} ({exc})") from None


def format_datetime(value: datetime) -> str:
    """
    Format a datetime the way Salesforce writes them: ``2024-01-31T12:34:56.000+0000``.

    Aware values are converted to UTC; naive values are taken to be UTC already.
    """
    utc = value.astimezone(_UTC) if value.tzinfo is not None else value
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}+0000"
    )


def parse_date(text: str) -> date:
    """
    Parse a Salesforce date (``2024-01-31``).

    Raises:
        ValueError: If the text is not a date.
    """
    if not isinstance(text, str):
        raise TypeError(f"a date must be a string, got {type(text).__name__}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a Salesforce date: {text!r}") from None


def format_date(value: date) -> str:
    """Format a date as ``2024-01-31``; a datetime is reduced to its date."""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def parse_time(text: str) -> time:
    """
    Parse a Salesforce time (``12:34:56.000Z``) into a naive time.

    Salesforce time fields carry no time zone; the ``Z`` it appends is dropped.

    Raises:
        ValueError: If the text is not a time.
    """
    if not isinstance(text, str):
        raise TypeError(f"a time must be a string, got {type(text).__name__}")
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a Salesforce time: {text!r}")
    hour, minute, second, fraction, _ = match.groups()
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    return time(int(hour), int(minute), int(second or 0), micro)


def format_time(value: time) -> str:
    """Format a time as ``12:34:56.000Z``."""
    return (
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def parse_decimal(value: Any) -> Decimal:
    """
    Read a currency or number as a Decimal.

    A JSON float is read through its shortest repr, so ``12.1`` becomes ``Decimal("12.1")``.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"a number must be int, float or str, got {type(value).__name__}")
    return Decimal(repr(value) if isinstance(value, float) else value)


def format_decimal(value: Decimal) -> int | float:
    """
    Turn a Decimal into a JSON number: an int when integral, else a float.

    JSON bodies are written with the standard library, which has no exact decimal type;
    Salesforce numbers have at most 18 digits, and a float keeps 15 of them exactly.
    """
    if not value.is_finite():
        raise ValueError(f"Salesforce numbers must be finite, got {value}")
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def parse_multipicklist(value: Any) -> list[str]:
    """Split a multi-select picklist (``"Red;Blue"``) into its values."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if not isinstance(value, str):
        raise TypeError(f"a multipicklist must be a string, got {type(value).__name__}")
    return value.split(";") if value else []


def format_multipicklist(values: Any) -> str:
    """
    Join multi-select picklist values as ``"Red;Blue"``.

    Raises:
        ValueError: If a value contains ``;``, which would split it in two.
    """
    if isinstance(values, str):
        return values
    items = [str(item) for item in values]
    for item in items:
        if ";" in item:
            raise ValueError(f"a multipicklist value cannot contain ';': {item!r}")
    return ";".join(items)


def parse_blob(value: Any) -> bytes:
    """Decode a base64 blob value."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise TypeError(f"a blob must be a base64 string, got {type(value).__name__}")
    return base64.b64decode(value, validate=True)


def format_blob(value: bytes) -> str:
    """Encode blob bytes as base64 text, as JSON bodies carry them."""
    return base64.b64encode(value).decode("ascii")


@attrs.frozen(kw_only=True)
class Address:
    """
    A compound address field (``BillingAddress``), read-only.

    Write its component fields (``BillingCity``, ...) to change it.
    """

    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    state_code: str | None = None
    country_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geocode_accuracy: str | None = None


@attrs.frozen(kw_only=True)
class Location:
    """A compound geolocation field, read-only; write ``X__Latitude__s``/``X__Longitude__s``."""

    latitude: float | None = None
    longitude: float | None = None


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def parse_address(value: Any) -> Address:
    """Read a compound address from its JSON object."""
    data = _mapping(value, "an address")
    return Address(
        street=data.get("street"),
        city=data.get("city"),
        state=data.get("state"),
        postal_code=data.get("postalCode"),
        country=data.get("country"),
        state_code=data.get("stateCode"),
        country_code=data.get("countryCode"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        geocode_accuracy=data.get("geocodeAccuracy"),
    )


def parse_location(value: Any) -> Location:
    """Read a compound geolocation from its JSON object."""
    data = _mapping(value, "a location")
    return Location(latitude=data.get("latitude"), longitude=data.get("longitude"))
