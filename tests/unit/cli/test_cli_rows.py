"""Rows in: a CSV header checked against describe, cells read by field type (Bulk's dialect)."""

from __future__ import annotations

from typing import Any

import pytest

from sf_toolkit.cli.rows import (
    Operation,
    failed_row,
    header_cells,
    plan_columns,
    result_cells,
    row_record,
)
from sf_toolkit.models import SObjectDescription, api_name_of, loaded_fields, parse_describe
from sf_toolkit.results import Outcome, SaveError, SaveResult


def _field(name: str, kind: str, **flags: Any) -> dict[str, Any]:
    base = {"name": name, "label": name, "type": kind, "createable": True, "updateable": True}
    return {**base, **flags}


# The keys of a describe as Salesforce documents them ("sObject Describe", REST API guide).
ACCOUNT: SObjectDescription = parse_describe(
    {
        "name": "Account",
        "label": "Account",
        "fields": [
            _field("Id", "id", createable=False, updateable=False),
            _field("Name", "string"),
            _field("NumberOfEmployees", "int"),
            _field("AnnualRevenue", "currency"),
            _field("IsActive__c", "boolean"),
            _field("External_ID__c", "string", externalId=True, idLookup=True),
            _field("CreatedDate", "datetime", createable=False, updateable=False),
            _field("Score__c", "double", calculated=True),
            _field("Created_Only__c", "string", updateable=False),
        ],
        "childRelationships": [],
    }
)


def test_header_any_case_becomes_the_orgs_spelling() -> None:
    """Header names match fields case-insensitively and take the org's spelling."""
    plan = plan_columns(ACCOUNT, ["name", "NUMBEROFEMPLOYEES"], Operation.INSERT)
    assert plan.fields == ("Name", "NumberOfEmployees")
    assert plan.header == ("name", "NUMBEROFEMPLOYEES")


@pytest.mark.parametrize(
    ("header", "operation", "external_id", "message"),
    [
        (["Name", "Nmae"], Operation.INSERT, None, "'Nmae', which Account does not have"),
        (["Name", "Account.Name"], Operation.INSERT, None, "relationship columns"),
        (["Name", "name"], Operation.INSERT, None, "twice"),
        (["Name", ""], Operation.INSERT, None, "empty column"),
        (["Name", "CreatedDate"], Operation.INSERT, None, "cannot be set on insert"),
        (["Id", "Created_Only__c"], Operation.UPDATE, None, "cannot be updated"),
        (["Name", "Score__c"], Operation.INSERT, None, "calculated"),
        (["Name"], Operation.UPDATE, None, "needs an Id column"),
        (["Name"], Operation.DELETE, None, "needs an Id column"),
        (["Id", "Name"], Operation.INSERT, None, "cannot take an Id column"),
        (["Name"], Operation.UPSERT, None, "--external-id"),
        (["Name"], Operation.UPSERT, "Name", "not an external id field"),
        (["Name"], Operation.UPSERT, "Nope__c", "no such field"),
        (["Name"], Operation.UPSERT, "External_ID__c", "needs a External_ID__c column"),
        (["Id", "Name"], Operation.UPSERT, "Id", "upsert cannot match by Id"),
    ],
)
def test_bad_headers_are_refused_before_sending(
    header: list[str], operation: Operation, external_id: str | None, message: str
) -> None:
    """Every header problem is one ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        plan_columns(ACCOUNT, header, operation, external_id)


def test_cells_become_typed_values() -> None:
    """Numbers, checkboxes and #N/A are read by field type; empty cells are left out."""
    plan = plan_columns(
        ACCOUNT,
        ["Name", "NumberOfEmployees", "AnnualRevenue", "IsActive__c", "External_ID__c"],
        Operation.INSERT,
    )
    record = row_record(plan, ["Acme", "12", "2.5", "TRUE", "#N/A"])
    assert not isinstance(record, str)
    assert api_name_of(record) == "Account"
    assert loaded_fields(record) == {
        "Name": "Acme",
        "NumberOfEmployees": 12,
        "AnnualRevenue": 2.5,
        "IsActive__c": True,
        "External_ID__c": None,
    }
    empty = row_record(plan, ["Acme", "", "", "", ""])
    assert not isinstance(empty, str)
    assert loaded_fields(empty) == {"Name": "Acme"}


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["Acme", "twelve", "", ""], "NumberOfEmployees: 'twelve' is not a whole number"),
        (["Acme", "", "lots", ""], "AnnualRevenue: 'lots' is not a number"),
        (["Acme", "", "", "maybe"], "IsActive__c: 'maybe' is not true or false"),
        (["Acme", ""], "2 cells, the header 4"),
        (["Acme", "", "nan", ""], "AnnualRevenue: 'nan' is not a number"),
        (["Acme", "", "inf", ""], "AnnualRevenue: 'inf' is not a number"),
        (["Acme", "", "-Infinity", ""], "AnnualRevenue: '-Infinity' is not a number"),
        (["Acme", "", "1e400", ""], "AnnualRevenue: '1e400' is out of range"),
        (["Acme", "", "1_000", ""], "AnnualRevenue: '1_000' is not a number"),
        (["Acme", "1_000", "", ""], "NumberOfEmployees: '1_000' is not a whole number"),
    ],
)
def test_unreadable_cells_fail_their_row(cells: list[str], message: str) -> None:
    """A cell that cannot be read raises for its row, naming the field."""
    plan = plan_columns(
        ACCOUNT, ["Name", "NumberOfEmployees", "AnnualRevenue", "IsActive__c"], Operation.INSERT
    )
    with pytest.raises(ValueError, match=message):
        row_record(plan, cells)


def test_delete_rows_are_ids() -> None:
    """Delete reads only the Id; a row without one fails."""
    plan = plan_columns(ACCOUNT, ["Id", "Name"], Operation.DELETE)
    assert row_record(plan, ["001000000000001AAA", "x"]) == "001000000000001AAA"
    with pytest.raises(ValueError, match="no Id"):
        row_record(plan, ["", "x"])
    with pytest.raises(ValueError, match="'0015g000000000ZZZZ' is not a Salesforce Id"):
        row_record(plan, ["0015g000000000ZZZZ", "x"])


def test_numbers_in_plain_notation_are_read() -> None:
    """Signs, exponents and a leading point are fine; the value is finite."""
    plan = plan_columns(ACCOUNT, ["Name", "AnnualRevenue"], Operation.INSERT)
    values = [
        loaded_fields(row_record(plan, ["A", text]))["AnnualRevenue"]  # type: ignore[arg-type]
        for text in ("-2.5", "1e3", ".5", "+7")
    ]
    assert values == [-2.5, 1000.0, 0.5, 7]


def test_upsert_rows_need_their_external_id() -> None:
    """Upsert rows carry their external id value."""
    plan = plan_columns(ACCOUNT, ["External_ID__c", "Name"], Operation.UPSERT, "external_id__c")
    assert plan.external_id == "External_ID__c"
    with pytest.raises(ValueError, match="no External_ID__c value"):
        row_record(plan, ["", "Acme"])


def test_result_cells() -> None:
    """A results row: number, outcome, Id, created, errors as 'CODE: message (fields)'."""
    saved = SaveResult("r", Outcome.SAVED, id="001000000000001AAA", created=True)
    failed = SaveResult(
        "r",
        Outcome.FAILED,
        errors=[
            SaveError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"])
        ],
    )
    assert header_cells(["Name"]) == [
        "sf__Row",
        "sf__Outcome",
        "sf__Id",
        "sf__Created",
        "sf__Error",
        "Name",
    ]
    assert result_cells(1, saved) == ["1", "saved", "001000000000001AAA", "true", ""]
    assert result_cells(2, failed) == [
        "2",
        "failed",
        "",
        "",
        "REQUIRED_FIELD_MISSING: Required fields are missing: [Name] (Name)",
    ]
    assert result_cells(3, failed_row(["x"], "bad"))[1:] == ["failed", "", "", "INVALID_ROW: bad"]
