"""The fake org's schema and value rules: models, describe dicts, Ids and value formats."""

from __future__ import annotations

import datetime as dt

import pytest

from sf_toolkit.ids import is_valid_id
from sf_toolkit.models import SObject
from sf_toolkit.testing import FakeOrg, SchemaError
from sf_toolkit.testing._schema import FieldDef
from sf_toolkit.testing._values import ValueProblem, coerce, format_datetime, parse_datetime


class Project__c(SObject):
    Name: str | None = None
    Budget__c: float | None = None
    Starts__c: dt.date | None = None
    Active__c: bool | None = None
    Account__c: str | None = None


class Account(SObject):
    Name: str | None = None
    Tier__c: str | None = None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31T12:34:56Z", "2024-01-31T12:34:56.000+0000"),
        ("2024-01-31T12:34:56.789Z", "2024-01-31T12:34:56.789+0000"),
        ("2024-01-31T12:34:56+05:00", "2024-01-31T07:34:56.000+0000"),
        ("2024-01-31T12:34:56.000+0000", "2024-01-31T12:34:56.000+0000"),
        ("2024-01-31T12:34:56-0800", "2024-01-31T20:34:56.000+0000"),
    ],
)
def test_datetime_spellings_normalise_to_salesforce_format(text: str, expected: str) -> None:
    """Z, +HH:MM and +HHMM, with or without millis, all become UTC with +0000."""
    moment = parse_datetime(text)
    assert moment is not None
    assert format_datetime(moment) == expected


@pytest.mark.parametrize("text", ["2024-13-01T00:00:00Z", "yesterday", "2024-01-31"])
def test_bad_datetimes_are_refused(text: str) -> None:
    """Impossible or non-datetime text is not a datetime."""
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("int", "12", 12),
        ("double", 1.005, 1.0),
        ("boolean", "TRUE", True),
        ("boolean", None, False),
        ("date", "2024-02-29", "2024-02-29"),
        ("multipicklist", ["a", "b"], "a;b"),
        ("string", 5, "5"),
        ("time", "12:30:00", "12:30:00.000Z"),
    ],
)
def test_coercion_matches_salesforce(kind: str, value: object, expected: object) -> None:
    """Written values are stored JSON-ready the way Salesforce reads them back."""
    field = FieldDef(name="F", type=kind, label="F", scale=2 if kind == "double" else 0)
    assert coerce(field, value) == expected


@pytest.mark.parametrize(
    ("kind", "value"), [("int", 1.5), ("date", "2024-02-30"), ("double", True), ("int", "x")]
)
def test_wrong_types_are_refused(kind: str, value: object) -> None:
    """Values of the wrong type raise INVALID_TYPE_ON_FIELD_IN_RECORD."""
    with pytest.raises(ValueProblem) as info:
        coerce(FieldDef(name="F", type=kind, label="F"), value)
    assert info.value.status_code == "INVALID_TYPE_ON_FIELD_IN_RECORD"


def test_minted_ids_are_valid_and_prefixed() -> None:
    """Every minted Id is 18 characters, checksummed, with the object's key prefix."""
    org = FakeOrg(records=2)
    for sobject, prefix in (("Account", "001"), ("Contact", "003"), ("Attachment", "00P")):
        for record in org.records(sobject):
            assert is_valid_id(record["Id"])
            assert len(record["Id"]) == 18
            assert record["Id"].startswith(prefix)


def test_login_user_resolves_as_owner() -> None:
    """OwnerId and CreatedById point at the login user's User record."""
    org = FakeOrg(records=1)
    account = org.records("Account")[0]
    assert account["OwnerId"] == org.user_id
    assert org.get("User", account["CreatedById"])["Username"] == "user@example.com"  # type: ignore[index]


def test_add_model_declares_a_custom_object() -> None:
    """add_model() creates the object with typed fields from the model's annotations."""
    org = FakeOrg()
    assert org.add_model(Project__c) == "Project__c"
    types = {f.name: f.type for f in org.store.fields("Project__c")}
    assert types["Budget__c"] == "double"
    assert types["Starts__c"] == "date"
    assert types["Active__c"] == "boolean"
    record_id = org.insert("Project__c", {"Name": "p", "Budget__c": "9.5"})
    assert org.get("Project__c", record_id)["Budget__c"] == 9.5  # type: ignore[index]


def test_add_model_adds_missing_fields_to_a_standard_object() -> None:
    """add_model() on a standard object adds only the fields it lacks."""
    org = FakeOrg()
    org.add_model(Account)
    assert org.store.field("Account", "Tier__c") is not None
    assert org.store.field("Account", "Name").type == "string"  # type: ignore[union-attr]


def test_add_model_refuses_non_models() -> None:
    """Anything but an SObject subclass is a TypeError."""
    with pytest.raises(TypeError):
        FakeOrg().add_model(dict)


@pytest.mark.parametrize(
    "describe",
    [{"fields": []}, {"name": "X__c", "fields": [{"name": "A__c", "type": "blob"}]}],
)
def test_unusable_describe_dicts_are_refused(describe: dict[str, object]) -> None:
    """A describe without a name or with an unknown type raises SchemaError."""
    with pytest.raises(SchemaError):
        FakeOrg().add_object(describe)


def test_add_field_to_unknown_object_is_refused() -> None:
    """add_field() on an unknown sObject raises KeyError naming it."""
    with pytest.raises(KeyError, match="Nope__c"):
        FakeOrg().add_field("Nope__c", {"name": "A__c", "type": "string"})


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"api_versions": ()}, "api_versions"),
        ({"api_versions": ("v59",)}, "api_versions"),
        ({"records": -1}, "records"),
        ({"latency": -1}, "latency"),
    ],
)
def test_bad_constructor_arguments_are_refused(kwargs: dict[str, object], name: str) -> None:
    """FakeOrg refuses unusable arguments with a ValueError naming the argument."""
    with pytest.raises(ValueError, match=name):
        FakeOrg(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("helper", ["records", "count"])
def test_helpers_refuse_unknown_objects(helper: str) -> None:
    """records()/count() on an unknown sObject raise KeyError naming it."""
    with pytest.raises(KeyError, match="Nope__c"):
        getattr(FakeOrg(), helper)("Nope__c")


def test_helpers_accept_any_case() -> None:
    """Object names are case-insensitive, as in Salesforce."""
    org = FakeOrg(records=1)
    account = org.records("account")[0]
    assert account["attributes"]["type"] == "Account"
    assert org.get("ACCOUNT", account["Id"]) is not None
