"""The sans-I/O pieces behind the fake Bulk API 2.0: Ids, dates, locators, SOQL checks, CSV."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sf_toolkit.ids import is_valid_id
from sf_toolkit.testing._bulk_csv import CsvUploadError, cell_text, parse_upload, result_csv
from sf_toolkit.testing._bulk_ingest import format_errors
from sf_toolkit.testing._bulk_jobs import format_datetime, job_id
from sf_toolkit.testing._bulk_query import columns_of, decode_locator, encode_locator, refusal
from sf_toolkit.testing._protocols import DmlError, QueryResult


@pytest.mark.parametrize("serial", [0, 1, 61, 62, 916_132_831])
def test_job_ids_are_valid_18_character_750_ids(serial: int) -> None:
    """Minted job Ids carry the 750 prefix and a valid checksum."""
    minted = job_id(serial)
    assert minted.startswith("750")
    assert len(minted) == 18
    assert is_valid_id(minted)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 1, 31, 12, 34, 56, 789000, tzinfo=timezone.utc),
        datetime(2024, 1, 31, 14, 34, 56, tzinfo=timezone(timedelta(hours=2))),
        datetime(2024, 1, 31, 12, 34, 56),
    ],
)
def test_dates_render_in_utc_with_zero_milliseconds(moment: datetime) -> None:
    """Job dates look like 2024-01-31T12:34:56.000+0000 whatever the clock's zone."""
    assert format_datetime(moment) == "2024-01-31T12:34:56.000+0000"


@pytest.mark.parametrize("offset", [0, 7, 10_000, 123_456_789])
def test_locators_round_trip(offset: int) -> None:
    """A locator decodes to the offset it was made from."""
    assert decode_locator(encode_locator(offset)) == offset


def test_locators_look_like_salesforces() -> None:
    """The locator for offset 10000 is MTAwMDA, as in real captures."""
    assert encode_locator(10_000) == "MTAwMDA"


@pytest.mark.parametrize("locator", ["!!", "null", "bm90LWEtbnVtYmVy", "-1"])
def test_foreign_locators_decode_to_none(locator: str) -> None:
    """A locator this fake never issued decodes to None."""
    assert decode_locator(locator) is None


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
        "SELECT Id FROM Account WHERE Name = 'COUNT(x) GROUP BY OFFSET'",
        "SELECT Id, Account.Name FROM Contact ORDER BY Name LIMIT 10",
    ],
)
def test_refusal_allows_semi_joins_and_keywords_in_literals(soql: str) -> None:
    """Semi-join subqueries and keywords inside string literals are fine."""
    assert refusal(soql) is None


@pytest.mark.parametrize(
    "soql",
    [
        "select count() from Account",
        "SELECT MAX(CreatedDate) FROM Account",
        "SELECT Name FROM Account GROUP  BY Name",
        "SELECT Id FROM Account OFFSET 10",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    ],
)
def test_refusal_names_what_bulk_queries_cannot_do(soql: str) -> None:
    """Aggregates, GROUP BY, OFFSET and child subqueries are refused with a reason."""
    assert refusal(soql)


@pytest.mark.parametrize(
    ("errors", "text"),
    [
        ([DmlError("X", "m", ["A", "B"])], "X:m:A,B --"),
        ([DmlError("X", "m")], "X:m:--"),
        ([DmlError("X", "m"), DmlError("Y", "n", ["F"])], "X:m:-- Y:n:F --"),
        ([], "UNKNOWN_EXCEPTION:Unknown error:--"),
    ],
)
def test_sf_error_format(errors: list[DmlError], text: str) -> None:
    """sf__Error is CODE:message:fields followed by the -- terminator."""
    assert format_errors(errors) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (False, "false"), (12, "12"), (0.1, "0.1"), (1e-7, "0.0000001")],
)
def test_query_cells_render_json_values(value: object, text: str) -> None:
    """Query-result cells render booleans, numbers and null as Salesforce writes them."""
    assert cell_text(value) == text


def test_result_csv_without_sf_columns_or_header_is_empty() -> None:
    """An unprocessed-records file for a job without data is empty."""
    assert result_csv((), "", [], column_delimiter="COMMA", line_ending="LF") == b""


def test_parse_upload_reports_bad_quoting_while_reading_rows() -> None:
    """A row that breaks CSV quoting raises CsvUploadError when it is read."""
    upload = parse_upload(b'Name\n"open\n', column_delimiter="COMMA", line_ending="LF")
    with pytest.raises(CsvUploadError):
        list(upload.rows)


def test_parse_upload_needs_a_header() -> None:
    """An empty upload has no header and is refused."""
    with pytest.raises(CsvUploadError):
        parse_upload(b"", column_delimiter="COMMA", line_ending="LF")


def test_columns_come_from_the_engine_in_select_order() -> None:
    """The engine's SELECT-order columns are used as they are."""
    result = QueryResult("Contact", 1, [{"Id": "x", "LastName": "y"}], ["LastName", "Id"])
    assert columns_of(result) == ["LastName", "Id"]


def test_columns_fall_back_to_the_first_records_paths() -> None:
    """Without engine columns, the first record's keys (parents as paths) make the header."""
    record = {
        "attributes": {"type": "Contact"},
        "Id": "x",
        "Account": {"attributes": {"type": "Account"}, "Name": "Acme"},
    }
    assert columns_of(QueryResult("Contact", 1, [record])) == ["Id", "Account.Name"]
