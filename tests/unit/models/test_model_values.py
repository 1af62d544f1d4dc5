"""Salesforce value formats: datetimes, dates, times, numbers, picklists, blobs, compounds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_toolkit.models import _values as v

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31T12:34:56.000+0000", datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
        ("2024-01-31T12:34:56Z", datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
        ("2024-01-31T12:34:56.123Z", datetime(2024, 1, 31, 12, 34, 56, 123000, tzinfo=UTC)),
        (
            "2024-01-31T12:34:56+05:00",
            datetime(2024, 1, 31, 12, 34, 56, tzinfo=timezone(timedelta(hours=5))),
        ),
        (
            "2024-01-31T12:34:56.5-0800",
            datetime(2024, 1, 31, 12, 34, 56, 500000, tzinfo=timezone(timedelta(hours=-8))),
        ),
        ("2024-01-31T12:34:56", datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
    ],
)
def test_parse_datetime_accepts_salesforce_variants(text: str, expected: datetime) -> None:
    """Datetimes parse with +0000, Z or +05:00 offsets, with or without fractions."""
    parsed = v.parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["2024-01-31", "yesterday", "2024-13-01T00:00:00Z", ""])
def test_parse_datetime_rejects_garbage(text: str) -> None:
    """Text that is not a dateTime raises ValueError quoting it."""
    with pytest.raises(ValueError, match="dateTime"):
        v.parse_datetime(text)


def test_format_datetime_converts_to_utc() -> None:
    """Datetimes are written in UTC with milliseconds and +0000."""
    value = datetime(2024, 1, 31, 17, 34, 56, 789999, tzinfo=timezone(timedelta(hours=5)))
    assert v.format_datetime(value) == "2024-01-31T12:34:56.789+0000"


def test_format_datetime_takes_naive_as_utc() -> None:
    """A naive datetime is written as if it were UTC."""
    assert v.format_datetime(datetime(2024, 1, 31)) == "2024-01-31T00:00:00.000+0000"


@given(st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)))
def test_datetime_round_trips(value: datetime) -> None:
    """Formatting then parsing a datetime gives it back (to the millisecond)."""
    assert v.parse_datetime(v.format_datetime(value)) == value


def test_date_and_time_formats() -> None:
    """Dates and times use Salesforce's ISO forms; times drop the Z."""
    assert v.parse_date("2024-01-31") == date(2024, 1, 31)
    assert v.format_date(date(2024, 1, 31)) == "2024-01-31"
    assert v.parse_time("12:34:56.000Z") == time(12, 34, 56)
    assert v.format_time(time(12, 34, 56, 5000)) == "12:34:56.005Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12.1, Decimal("12.1")), (3, Decimal(3)), ("1.50", Decimal("1.50"))],
)
def test_parse_decimal_keeps_the_written_digits(value: object, expected: Decimal) -> None:
    """JSON numbers read as the Decimal they were written as."""
    assert v.parse_decimal(value) == expected


def test_format_decimal_is_a_json_number() -> None:
    """Decimals are written as int when integral, else float."""
    assert v.format_decimal(Decimal("12.50")) == 12.5
    assert v.format_decimal(Decimal("7.00")) == 7
    assert isinstance(v.format_decimal(Decimal("7.00")), int)
    with pytest.raises(ValueError, match="finite"):
        v.format_decimal(Decimal("NaN"))


def test_multipicklist_both_ways() -> None:
    """Multipicklists are ';'-joined strings on the wire and lists in Python."""
    assert v.parse_multipicklist("Red;Blue") == ["Red", "Blue"]
    assert v.parse_multipicklist("") == []
    assert v.format_multipicklist(["Red", "Blue"]) == "Red;Blue"
    with pytest.raises(ValueError, match="';'"):
        v.format_multipicklist(["a;b"])


def test_blob_both_ways() -> None:
    """Blobs are base64 text on the wire."""
    assert v.format_blob(b"\x00hi") == "AGhp"
    assert v.parse_blob("AGhp") == b"\x00hi"


def test_address_reads_camel_case_keys() -> None:
    """A compound address maps Salesforce's keys onto snake_case attributes."""
    address = v.parse_address({"city": "Paris", "postalCode": "75001", "countryCode": "FR"})
    assert address == v.Address(city="Paris", postal_code="75001", country_code="FR")


def test_location_reads_coordinates() -> None:
    """A compound geolocation reads latitude and longitude."""
    assert v.parse_location({"latitude": 1.5, "longitude": -2.0}) == v.Location(
        latitude=1.5, longitude=-2.0
    )
