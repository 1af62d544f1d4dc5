"""
Dates for the SOQL engine: reading date/dateTime text and resolving relative date literals.

Relative literals (``TODAY``, ``LAST_N_DAYS:30``, ...) stand for a half-open range of time
``[start, end)``, computed in UTC (the fake org's time zone). Weeks start on Sunday, as in
Salesforce's default (en_US) locale.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

UTC = dt.timezone.utc

DATETIME_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|z|[+-]\d{2}:?\d{2})"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"

_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

#: Literals without a count, and the ones that take ``:n``.
SIMPLE_LITERALS = frozenset(
    {
        "YESTERDAY",
        "TODAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "LAST_YEAR",
        "THIS_YEAR",
        "NEXT_YEAR",
    }
)
COUNTED_LITERALS = frozenset(
    {
        "LAST_N_DAYS",
        "NEXT_N_DAYS",
        "N_DAYS_AGO",
        "LAST_N_WEEKS",
        "NEXT_N_WEEKS",
        "N_WEEKS_AGO",
        "LAST_N_MONTHS",
        "NEXT_N_MONTHS",
        "N_MONTHS_AGO",
        "LAST_N_YEARS",
        "NEXT_N_YEARS",
        "N_YEARS_AGO",
    }
)


@functools.lru_cache(maxsize=65536)
def parse_datetime(text: str) -> dt.datetime | None:
    """
    Read a dateTime as stored or written in SOQL, as an aware UTC datetime.

    Accepts ``Z``, ``+HH:MM``, ``+HHMM`` and no offset (taken as UTC), with or without
    fractional seconds. Returns None when ``text`` is not a valid dateTime.
    """
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _z, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = dt.timedelta(0)
    if sign is not None:
        offset = dt.timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    try:
        tz = dt.timezone(offset)
        value = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError:
        return None
    return value.astimezone(UTC)


@functools.lru_cache(maxsize=65536)
def parse_date(text: str) -> dt.date | None:
    """Read a ``YYYY-MM-DD`` date; None when ``text`` is not a valid date."""
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def relative_range(name: str, n: int | None, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """
    The days ``[start, end)`` a relative date literal covers, seen at ``now`` (UTC).

    Args:
        name: Upper-case literal name, e.g. ``"LAST_N_DAYS"``.
        n: The count for ``*_N_*`` literals, else None.
        now: The current time.

    Raises:
        ValueError: If ``name`` is not a relative date literal.
    """
    today = now.astimezone(UTC).date()
    day = dt.timedelta(days=1)
    week_start = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    month_start = today.replace(day=1)
    year_start = dt.date(today.year, 1, 1)
    count = n or 0
    simple: dict[str, tuple[dt.date, dt.date]] = {
        "YESTERDAY": (today - day, today),
        "TODAY": (today, today + day),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_WEEK": (week_start - 7 * day, week_start),
        "THIS_WEEK": (week_start, week_start + 7 * day),
        "NEXT_WEEK": (week_start + 7 * day, week_start + 14 * day),
        "LAST_MONTH": (_add_months(today, -1), month_start),
        "THIS_MONTH": (month_start, _add_months(today, 1)),
        "NEXT_MONTH": (_add_months(today, 1), _add_months(today, 2)),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "LAST_YEAR": (year_start.replace(year=today.year - 1), year_start),
        "THIS_YEAR": (year_start, year_start.replace(year=today.year + 1)),
        "NEXT_YEAR": (
            year_start.replace(year=today.year + 1),
            year_start.replace(year=today.year + 2),
        ),
    }
    if name in simple:
        return simple[name]
    counted: dict[str, tuple[dt.date, dt.date]] = {
        # LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow (Salesforce's definitions).
        "LAST_N_DAYS": (today - count * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (count + 1) * day),
        "N_DAYS_AGO": (today - count * day, today - (count - 1) * day),
        "LAST_N_WEEKS": (week_start - 7 * count * day, week_start),
        "NEXT_N_WEEKS": (week_start + 7 * day, week_start + 7 * (count + 1) * day),
        "N_WEEKS_AGO": (week_start - 7 * count * day, week_start - 7 * (count - 1) * day),
        "LAST_N_MONTHS": (_add_months(today, -count), month_start),
        "NEXT_N_MONTHS": (_add_months(today, 1), _add_months(today, count + 1)),
        "N_MONTHS_AGO": (_add_months(today, -count), _add_months(today, 1 - count)),
        "LAST_N_YEARS": (dt.date(today.year - count, 1, 1), year_start),
        "NEXT_N_YEARS": (dt.date(today.year + 1, 1, 1), dt.date(today.year + count + 1, 1, 1)),
        "N_YEARS_AGO": (dt.date(today.year - count, 1, 1), dt.date(today.year - count + 1, 1, 1)),
    }
    if name in counted:
        return counted[name]
    raise ValueError(f"not a relative date literal: {name}")


def day_start(day: dt.date) -> dt.datetime:
    """Midnight UTC at the start of ``day``."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
