"""
Records read as read-only mappings of their loaded fields, by API name.

The rows are shaped like the records of Salesforce's REST API "Execute a SOQL Query" example
(``attributes`` first, a parent relationship as a nested record).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from sf_toolkit.models import SObject, from_payload

ROW = {
    "attributes": {"type": "Contact", "url": "/services/data/v59.0/sobjects/Contact/003xx"},
    "Id": "003D000000QV9n2IAD",
    "LastName": "Ng",
    "Account": {
        "attributes": {"type": "Account", "url": "/services/data/v59.0/sobjects/Account/001xx"},
        "Name": "Acme",
    },
}


class Opportunity(SObject):
    Name: str | None = None
    StageName: str | None = None
    Amount: float | None = None


def test_generic_row_reads_by_field_name() -> None:
    """row["LastName"] and row["Account"]["Name"] read a raw SOQL row."""
    row = from_payload(ROW)
    assert row["LastName"] == "Ng"
    assert row["Account"]["Name"] == "Acme"


def test_lookup_is_case_insensitive_like_salesforce() -> None:
    """An API name in another case finds the field, as SOQL field names do."""
    row = from_payload(ROW)
    assert row["lastname"] == "Ng"
    assert "LASTNAME" in row


def test_dict_of_a_row_holds_its_fields_without_attributes() -> None:
    """dict(row) maps each loaded API name to its value, in Salesforce's order."""
    row = from_payload(ROW)
    as_dict = dict(row)
    assert list(as_dict) == ["Id", "LastName", "Account"]
    assert as_dict["Id"] == "003D000000QV9n2IAD"
    assert list(row.keys()) == list(as_dict)
    assert list(row.values()) == list(as_dict.values())
    assert dict(row.items()) == as_dict


def test_typed_model_reads_the_same_way() -> None:
    """A typed model gives the same mapping view: declared fields, then extra ones."""
    record = from_payload(
        {
            "attributes": {"type": "Opportunity"},
            "Name": "Big deal",
            "Amount": 5000.0,
            "Probability": 10,
        },
        Opportunity,
    )
    assert record["Name"] == record.Name == "Big deal"
    assert dict(record) == {"Name": "Big deal", "Amount": 5000.0, "Probability": 10}


def test_a_field_not_loaded_is_missing() -> None:
    """A declared field that was not loaded raises KeyError naming it, and get() defaults."""
    record = from_payload({"Name": "Only name"}, Opportunity)
    with pytest.raises(KeyError, match=r"Opportunity\.StageName was not loaded"):
        record["StageName"]
    assert record.get("StageName") is None
    assert record.get("StageName", "n/a") == "n/a"
    assert "StageName" not in record


def test_an_unknown_field_is_missing_with_the_loaded_names() -> None:
    """An unknown name raises KeyError listing what the row does hold."""
    row = from_payload(ROW)
    with pytest.raises(KeyError, match=r"loaded: Id, LastName, Account"):
        row["Email"]


def test_a_record_without_fields_is_still_truthy() -> None:
    """A record with nothing loaded is truthy: the mapping view has no __len__."""
    assert from_payload({"attributes": {"type": "Account"}})


def test_mapping_tracks_assignments() -> None:
    """Assigned fields show in the view at once."""
    record = Opportunity(Name="New")
    record.StageName = "Prospecting"
    assert dict(record) == {"Name": "New", "StageName": "Prospecting"}


def test_field_names_must_be_strings() -> None:
    """A non-string key raises TypeError; a non-string is never "in" a record."""
    row = from_payload(ROW)
    with pytest.raises(TypeError):
        row[0]  # type: ignore[index]
    assert 0 not in row


def test_a_record_is_not_an_iterable_of_field_names() -> None:
    """One record where a list of records belongs fails at once instead of yielding names."""
    row = from_payload(ROW)
    assert not isinstance(row, Iterable)
    with pytest.raises(TypeError, match="not iterable"):
        list(row)  # type: ignore[call-overload]
