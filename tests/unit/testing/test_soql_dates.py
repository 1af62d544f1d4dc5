"""Tests of the SOQL engine's date reading and relative date literals."""

from __future__ import annotations

import datetime as dt

import pytest

from sf_toolkit.testing._soql_dates import parse_date, parse_datetime, relative_range

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 3, 13, 15, 30, tzinfo=UTC)  # Wednesday; the week began Sunday the 10th
D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31T12:34:56.000+0000", dt.datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
        ("2024-01-31T12:34:56Z", dt.datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
        ("2024-01-31T12:34:56.5+05:30", dt.datetime(2024, 1, 31, 7, 4, 56, 500000, tzinfo=UTC)),
        ("2024-01-31T12:34:56-0800", dt.datetime(2024, 1, 31, 20, 34, 56, tzinfo=UTC)),
        ("2024-01-31T12:34:56", dt.datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
        ("2024-02-30T00:00:00Z", None),
        ("yesterday", None),
    ],
)
def test_parse_datetime(text: str, expected: dt.datetime | None) -> None:
    """Stored and literal dateTimes read as aware UTC datetimes; invalid text gives None."""
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("2024-02-29", D(2024, 2, 29)), ("2023-02-29", None), ("24-1-1", None)]
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    """Dates read as date objects; invalid text gives None."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("name", "n", "start", "end"),
    [
        ("TODAY", None, D(2024, 3, 13), D(2024, 3, 14)),
        ("YESTERDAY", None, D(2024, 3, 12), D(2024, 3, 13)),
        ("TOMORROW", None, D(2024, 3, 14), D(2024, 3, 15)),
        ("THIS_WEEK", None, D(2024, 3, 10), D(2024, 3, 17)),
        ("LAST_WEEK", None, D(2024, 3, 3), D(2024, 3, 10)),
        ("NEXT_WEEK", None, D(2024, 3, 17), D(2024, 3, 24)),
        ("THIS_MONTH", None, D(2024, 3, 1), D(2024, 4, 1)),
        ("LAST_MONTH", None, D(2024, 2, 1), D(2024, 3, 1)),
        ("NEXT_MONTH", None, D(2024, 4, 1), D(2024, 5, 1)),
        ("THIS_YEAR", None, D(2024, 1, 1), D(2025, 1, 1)),
        ("LAST_YEAR", None, D(2023, 1, 1), D(2024, 1, 1)),
        ("NEXT_YEAR", None, D(2025, 1, 1), D(2026, 1, 1)),
        ("LAST_N_DAYS", 7, D(2024, 3, 6), D(2024, 3, 14)),
        ("NEXT_N_DAYS", 7, D(2024, 3, 14), D(2024, 3, 21)),
        ("N_DAYS_AGO", 3, D(2024, 3, 10), D(2024, 3, 11)),
        ("LAST_N_MONTHS", 3, D(2023, 12, 1), D(2024, 3, 1)),
        ("NEXT_N_WEEKS", 2, D(2024, 3, 17), D(2024, 3, 31)),
        ("LAST_N_YEARS", 2, D(2022, 1, 1), D(2024, 1, 1)),
    ],
)
def test_relative_ranges(name: str, n: int | None, start: dt.date, end: dt.date) -> None:
    """Each relative literal covers Salesforce's days, weeks starting on Sunday."""
    assert relative_range(name, n, NOW) == (start, end)


def test_months_wrap_across_years() -> None:
    """LAST_MONTH in January is December of the previous year."""
    january = dt.datetime(2024, 1, 5, tzinfo=UTC)
    assert relative_range("LAST_MONTH", None, january) == (D(2023, 12, 1), D(2024, 1, 1))


def test_now_in_another_zone_is_read_in_utc() -> None:
    """TODAY is the UTC day, whatever zone the clock is given in."""
    tokyo = dt.datetime(2024, 3, 14, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert relative_range("TODAY", None, tokyo)[0] == D(2024, 3, 13)


def test_unknown_literal_is_a_value_error() -> None:
    """A name that is not a relative literal raises ValueError."""
    with pytest.raises(ValueError, match="NEVER"):
        relative_range("NEVER", None, NOW)
