"""Rows out: JSON values, flattened CSV, and the three writers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from sf_toolkit.cli.formats import CsvWriter, cell, flatten, make_writer, plain, record_to_dict
from sf_toolkit.models import SObject, from_payload


class FormatsAccount(SObject, api_name="Account"):
    Name: str | None = None
    CreatedDate: dt.datetime | None = None
    AnnualRevenue: Decimal | None = None


def test_record_to_dict_as_salesforce_sends_it() -> None:
    """A loaded record gives back its fields by API name, datetimes in Salesforce's format."""
    payload = {
        "attributes": {"type": "Account", "url": "/services/data/v59.0/sobjects/Account/001"},
        "Id": "001000000000001AAA",
        "Name": "Acme",
        "CreatedDate": "2024-01-31T12:34:56.000+0000",
        "AnnualRevenue": 12.5,
    }
    record = from_payload(payload, FormatsAccount)
    assert record_to_dict(record) == {
        "Id": "001000000000001AAA",
        "Name": "Acme",
        "CreatedDate": "2024-01-31T12:34:56.000+0000",
        "AnnualRevenue": 12.5,
    }


def test_plain_values() -> None:
    """Dates, decimals and multipicklist sets become JSON values."""
    assert plain(dt.date(2024, 1, 31)) == "2024-01-31"
    assert plain(Decimal("3")) == 3
    assert plain(Decimal("2.5")) == 2.5
    assert plain(frozenset({"b", "a"})) == "a;b"


def test_flatten_parents() -> None:
    """Parents become dotted keys; a null parent stays one key."""
    row = {"Id": "003", "Account": {"Name": "Acme", "Owner": {"Name": "Ann"}}, "ReportsTo": None}
    assert flatten(row) == {
        "Id": "003",
        "Account.Name": "Acme",
        "Account.Owner.Name": "Ann",
        "ReportsTo": None,
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (False, "false"), (2.5, "2.5"), ([{"A": 1}], '[{"A":1}]')],
)
def test_cell(value: object, text: str) -> None:
    """CSV cells as in Bulk API 2.0 files: empty for null, lower-case booleans."""
    assert cell(value) == text


def test_csv_with_columns_leaves_null_parents_empty() -> None:
    """Given columns, a null parent leaves its columns empty; the header comes first."""
    out = io.StringIO()
    writer = CsvWriter(out, ["Id", "Account.Name"])
    writer.write({"Id": "1", "Account": None})
    writer.write({"Id": "2", "account": {"name": "Acme"}})
    writer.close()
    assert out.getvalue() == "Id,Account.Name\n1,\n2,Acme\n"


def test_csv_learns_columns_past_a_first_null_parent() -> None:
    """Without columns, a parent null in the first row still gets its column."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.write({"Id": "1", "Account": None})
    writer.write({"Id": "2", "Account": {"Name": "Acme"}})
    writer.close()
    assert out.getvalue() == "Id,Account.Name\n1,\n2,Acme\n"


def test_csv_keeps_a_compound_field_in_its_column() -> None:
    """An address (a compound field, as REST returns it) is one JSON cell, null or not."""
    address = {"city": "Paris", "country": "France", "latitude": None, "street": "1 Rue"}
    for columns in (["Id", "BillingAddress"], None):
        out = io.StringIO()
        writer = CsvWriter(out, columns, lookahead=1)
        writer.write({"Id": "1", "BillingAddress": None})
        writer.write({"Id": "2", "BillingAddress": address})
        writer.close()
        rows = out.getvalue().splitlines()
        assert rows[:2] == ["Id,BillingAddress", "1,"]
        assert json.loads(next(csv.reader([rows[2]]))[1]) == address


def test_csv_refuses_a_field_outside_its_columns() -> None:
    """A row key no column covers raises instead of being dropped."""
    writer = CsvWriter(io.StringIO(), ["Id"])
    with pytest.raises(ValueError, match="'Name'"):
        writer.write({"Id": "1", "Name": "x"})


def test_csv_without_rows_writes_the_known_header_only() -> None:
    """No rows: the header when the columns are known, nothing otherwise."""
    known, unknown = io.StringIO(), io.StringIO()
    CsvWriter(known, ["Id", "Name"]).close()
    CsvWriter(unknown).close()
    assert (known.getvalue(), unknown.getvalue()) == ("Id,Name\n", "")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats_round_trip(fmt: str) -> None:
    """json is one array, jsonl one object a line; both keep the nesting."""
    rows = [{"Id": "1", "Account": {"Name": "Ä"}}, {"Id": "2", "Account": None}]
    out = io.StringIO()
    writer = make_writer(fmt, out)
    for row in rows:
        writer.write(row)
    writer.close()
    text = out.getvalue()
    parsed = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    assert parsed == rows


def test_json_without_rows_is_an_empty_array() -> None:
    """An empty result is still valid JSON."""
    out = io.StringIO()
    make_writer("json", out).close()
    assert json.loads(out.getvalue()) == []
