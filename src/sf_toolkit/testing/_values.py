"""
Turn written field values into the JSON-ready form the store keeps, the way Salesforce coerces them.

Salesforce's JSON reader is lenient (a numeric string is fine for an ``int`` field) and its
validation is strict (lengths, restricted picklists, e-mail syntax). Values arrive from REST JSON,
sObject Collections and Bulk CSV cells alike, so strings are accepted for every type.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from ._schema import FieldDef

__all__ = [
    "ValueProblem",
    "format_datetime",
    "parse_date",
    "parse_datetime",
    "parse_time",
]

_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?",
)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME_RE = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?Z?")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_STRING_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "encryptedstring",
    }
)
_NUMBER_TYPES = frozenset({"double", "currency", "percent"})


class ValueProblem(Exception):
    """A value Salesforce would refuse, with the per-record status code it would give."""

    def __init__(self, status_code: str, message: str) -> None:
        self.status_code = status_code
        self.message = message
        super().__init__(f"{status_code}: {message}")


def parse_datetime(text: str) -> datetime | None:
    """
    Parse a Salesforce dateTime in any of the accepted spellings; None if it is not one.

    Accepts ``Z``, ``+HH:MM`` and ``+HHMM`` offsets (none means UTC), with or without
    fractional seconds.
    """
    match = _DATETIME_RE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    tz = timezone.utc
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micros,
            tzinfo=tz,
        )
    except ValueError:
        return None
    return value.astimezone(timezone.utc)


def format_datetime(value: datetime) -> str:
    """Format a datetime the way Salesforce emits it: ``2024-01-31T12:34:56.000+0000`` (UTC)."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_date(text: str) -> date | None:
    """Parse ``YYYY-MM-DD``; None if it is not a date."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_time(text: str) -> str | None:
    """A time as Salesforce stores and returns it, ``HH:MM:SS.sssZ``; None if malformed."""
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        value = time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None
    millis = int((match[4] or "0")[:3].ljust(3, "0"))
    return value.strftime("%H:%M:%S.") + f"{millis:03d}Z"


def _type_error(label: str, value: Any) -> ValueProblem:
    return ValueProblem(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{label}: value not of required type: {value}",
    )


def _to_number(value: Any, label: str) -> float:
    if isinstance(value, bool):
        raise _type_error(label, value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _type_error(label, value) from None
    else:
        raise _type_error(label, value)
    if not math.isfinite(number):
        raise _type_error(label, value)
    return number


def coerce(field: FieldDef, value: Any) -> Any:
    """
    Return ``value`` in the JSON-ready form stored for ``field`` (a ``FieldDef``).

    ``None`` and ``""`` clear the field (Salesforce keeps no empty strings); booleans never hold
    null.

    Raises:
        ValueProblem: With the status code Salesforce gives for this value.
    """
    kind: str = field.type
    label: str = field.label
    if value is None or value == "":
        # Salesforce stores empty text as null, and a null checkbox as false.
        return False if kind == "boolean" else None
    if kind in _STRING_TYPES or kind in ("id", "reference"):
        return _coerce_text(field, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise _type_error(label, value)
    if kind == "int":
        number = _to_number(value, label)
        if number != int(number):
            raise _type_error(label, value)
        return _check_digits(field, int(number))
    if kind in _NUMBER_TYPES:
        number = round(_to_number(value, label), field.scale)
        return _check_digits(field, number)
    if kind == "date":
        if isinstance(value, str) and (parsed := parse_date(value)) is not None:
            return parsed.isoformat()
        raise _type_error(label, value)
    if kind == "datetime":
        if isinstance(value, str) and (moment := parse_datetime(value)) is not None:
            return format_datetime(moment)
        raise _type_error(label, value)
    if kind == "time":
        if isinstance(value, str) and (clock := parse_time(value)) is not None:
            return clock
        raise _type_error(label, value)
    if kind == "base64":
        return decode_base64(field, value)
    raise ValueProblem(
        "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {field.name}."
    )


def _coerce_text(field: FieldDef, value: Any) -> str:
    kind: str = field.type
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float, str)):
        text = str(value)
    elif kind == "multipicklist" and isinstance(value, list):
        text = ";".join(str(item) for item in value)
    else:
        raise _type_error(field.label, value)
    if kind in ("picklist", "multipicklist") and field.restricted_picklist:
        allowed = {entry["value"] for entry in field.picklist_values}
        chosen = text.split(";") if kind == "multipicklist" else [text]
        for item in chosen:
            if item not in allowed:
                raise ValueProblem(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{field.label}: bad value for restricted picklist field: {item}",
                )
    if kind == "email" and _EMAIL_RE.fullmatch(text) is None:
        raise ValueProblem("INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {text}")
    if field.length and len(text) > field.length:
        raise ValueProblem(
            "STRING_TOO_LONG",
            f"{field.label}: data value too large: {text[:40]} (max length={field.length})",
        )
    return text


def _check_digits(field: FieldDef, number: float | int) -> Any:
    precision: int = field.precision or field.digits or 18
    scale: int = field.scale if field.type != "int" else 0
    if abs(number) >= 10 ** (precision - scale):
        raise ValueProblem(
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{field.label}: value outside of valid range on numeric field: {number}",
        )
    return number


def decode_base64(field: FieldDef, value: Any) -> bytes:
    """
    Decode a base64 blob written in JSON.

    Raises:
        ValueProblem: If the value is not a base64 string.
    """
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise _type_error(field.label, "base64")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _type_error(field.label, "invalid base64") from None
