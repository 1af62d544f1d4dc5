"""from_payload and to_payload: Salesforce JSON to records and back, and change tracking."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, time, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_toolkit.models import (
    Address,
    GenericRecord,
    Location,
    RelatedList,
    SObject,
    api_name_of,
    blob_field_of,
    changed_fields,
    extra_fields,
    from_payload,
    is_loaded,
    make_converter,
    mark_clean,
    sf_field,
    to_payload,
)

UTC = timezone.utc
ACCOUNT_ID = "001D000000IRFmaIAH"


class PayAccount(SObject, api_name="PayAccount__c"):
    Name: str | None = None
    AnnualRevenue: Decimal | None = None
    NumberOfEmployees: int | None = None
    Rating__c: float | None = None
    IsActive__c: bool | None = None
    Founded__c: date | None = None
    Opens__c: time | None = None
    Seen__c: datetime | None = None
    Colours__c: list[str] | None = None
    BillingAddress: Address | None = None
    Where__c: Location | None = None
    CreatedDate: datetime | None = None
    Score__c: float | None = sf_field(default=None, read_only=True)
    name_lower: str | None = sf_field(api_name="Lower__c", default=None)
    PayContacts: list[PayContact] | None = None


class PayContact(SObject, api_name="PayContact__c"):
    LastName: str | None = None
    Account: PayAccount | None = None


class Attachment(SObject):
    Name: str | None = None
    Body: bytes | None = None


def row(**fields: Any) -> dict[str, Any]:
    """An account row as a query returns it."""
    return {
        "attributes": {
            "type": "PayAccount__c",
            "url": f"/services/data/v59.0/sobjects/PayAccount__c/{ACCOUNT_ID}",
        },
        "Id": ACCOUNT_ID,
        **fields,
    }


def test_loads_every_declared_type() -> None:
    """Each declared type is read from Salesforce's JSON format."""
    record = from_payload(
        row(
            Name="Acme",
            AnnualRevenue=1234.56,
            NumberOfEmployees=10,
            Rating__c=4.5,
            IsActive__c=True,
            Founded__c="1999-12-31",
            Opens__c="08:30:00.000Z",
            Seen__c="2024-01-31T12:34:56.000+0000",
            Colours__c="Red;Blue",
            BillingAddress={"city": "Paris", "postalCode": "75001"},
            Where__c={"latitude": 1.0, "longitude": 2.0},
        ),
        PayAccount,
    )
    assert record.Name == "Acme"
    assert record.AnnualRevenue == Decimal("1234.56")
    assert record.NumberOfEmployees == 10
    assert record.IsActive__c is True
    assert record.Founded__c == date(1999, 12, 31)
    assert record.Opens__c == time(8, 30)
    assert record.Seen__c == datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)
    assert record.Colours__c == ["Red", "Blue"]
    assert record.BillingAddress == Address(city="Paris", postal_code="75001")
    assert record.Where__c == Location(latitude=1.0, longitude=2.0)


def test_loaded_record_is_clean_and_keeps_url() -> None:
    """A loaded record has no changes and remembers its attributes url."""
    record = from_payload(row(Name="Acme"), PayAccount)
    assert changed_fields(record) == frozenset()
    assert record.attributes == {
        "type": "PayAccount__c",
        "url": f"/services/data/v59.0/sobjects/PayAccount__c/{ACCOUNT_ID}",
    }


def test_only_returned_fields_are_loaded() -> None:
    """Fields absent from the JSON stay not loaded; nulls are loaded as None."""
    record = from_payload(row(Name=None), PayAccount)
    assert is_loaded(record, "Name")
    assert record.Name is None
    assert not is_loaded(record, "AnnualRevenue")
    assert to_payload(record) == {"Name": None}


def test_registry_picks_the_class_from_attributes() -> None:
    """Without a class, attributes.type selects the registered model."""
    assert type(from_payload(row(Name="x"))) is PayAccount


def test_unregistered_type_gives_generic_record() -> None:
    """An unknown sObject type loads as a GenericRecord holding every key."""
    record = from_payload({"attributes": {"type": "Nope__c"}, "Id": ACCOUNT_ID, "X__c": 1})
    assert isinstance(record, GenericRecord)
    assert api_name_of(record) == "Nope__c"
    assert record.X__c == 1
    assert record.Id == ACCOUNT_ID


def test_aggregate_result_loads_as_generic_record() -> None:
    """AggregateResult rows load with their expr columns readable."""
    record = from_payload({"attributes": {"type": "AggregateResult"}, "expr0": 42, "Type": "Bug"})
    assert isinstance(record, GenericRecord)
    assert (record.expr0, record.Type) == (42, "Bug")


def test_unknown_keys_are_kept_as_extra_fields() -> None:
    """Keys a typed model does not declare are kept in extra_fields, not sent."""
    record = from_payload(row(Name="x", Formula__c="f"), PayAccount)
    assert extra_fields(record) == {"Formula__c": "f"}
    assert to_payload(record) == {"Name": "x"}


def test_keys_match_api_names_case_insensitively() -> None:
    """A JSON key in another case still loads the declared field."""
    assert from_payload({"NAME": "x"}, PayAccount).Name == "x"


def test_attribute_named_differently_loads_by_api_name() -> None:
    """sf_field(api_name=) maps the JSON key onto the attribute."""
    assert from_payload(row(Lower__c="low"), PayAccount).name_lower == "low"


def test_fifteen_character_id_is_normalised_on_load() -> None:
    """A 15-character Id in JSON is loaded as 18 characters."""
    assert from_payload({"Id": "001D000000IRFma"}, PayAccount).Id == ACCOUNT_ID


def test_malformed_id_in_json_is_refused() -> None:
    """An Id that is not 15/18 alphanumerics fails to load."""
    from sf_toolkit.exceptions import InvalidIdError

    with pytest.raises(InvalidIdError):
        from_payload({"Id": "../../etc"}, PayAccount)


def test_parent_relationship_loads_as_record() -> None:
    """A nested parent object becomes an instance of the declared model."""
    contact = from_payload(
        {
            "attributes": {"type": "PayContact__c"},
            "LastName": "Doe",
            "Account": {"attributes": {"type": "PayAccount__c"}, "Name": "Acme"},
        },
        PayContact,
    )
    assert isinstance(contact.Account, PayAccount)
    assert contact.Account.Name == "Acme"
    assert changed_fields(contact.Account) == frozenset()


def test_null_parent_loads_as_none() -> None:
    """A null parent relationship reads None."""
    assert from_payload({"Account": None}, PayContact).Account is None


def test_child_relationship_loads_as_related_list() -> None:
    """A subquery result becomes a RelatedList of records with its paging state."""
    record = from_payload(
        row(
            PayContacts={
                "totalSize": 3,
                "done": False,
                "nextRecordsUrl": "/services/data/v59.0/query/01gXX-2",
                "records": [{"attributes": {"type": "PayContact__c"}, "LastName": "A"}],
            }
        ),
        PayAccount,
    )
    children = record.PayContacts
    assert isinstance(children, RelatedList)
    assert [child.LastName for child in children] == ["A"]
    assert (children.total_size, children.done) == (3, False)
    assert children.next_records_url == "/services/data/v59.0/query/01gXX-2"


def test_undeclared_relationships_are_converted_in_extra_fields() -> None:
    """Nested records and subqueries the model does not declare still become records."""
    record = from_payload(
        row(
            Owner={"attributes": {"type": "User"}, "Name": "Ann"},
            Cases={"totalSize": 0, "done": True, "records": []},
        ),
        PayAccount,
    )
    extra = extra_fields(record)
    assert extra["Owner"].Name == "Ann"
    assert extra["Cases"] == []


def test_blob_url_is_not_loaded() -> None:
    """Record JSON holds the blob's URL, so the blob field stays not loaded."""
    record = from_payload(
        {"Name": "a.txt", "Body": "/services/data/v59.0/sobjects/Attachment/00P/Body"},
        Attachment,
    )
    assert not is_loaded(record, "Body")
    assert to_payload(record) == {"Name": "a.txt"}


@pytest.mark.parametrize(
    ("model", "expected"), [(Attachment, "Body"), (PayAccount, None), (PayContact, None)]
)
def test_blob_field_of(model: type[SObject], expected: str | None) -> None:
    """blob_field_of knows the standard blob fields and declared bytes fields."""
    assert blob_field_of(model) == expected


def test_blob_field_of_declared_bytes() -> None:
    """A custom model's bytes field is its blob field."""

    class Doc__c(SObject):
        File__c: bytes | None = None

    assert blob_field_of(Doc__c) == "File__c"


@pytest.mark.parametrize(
    ("api_name", "field"),
    [("Document", "Body"), ("ContentVersion", "VersionData")],
)
def test_standard_blob_fields(api_name: str, field: str) -> None:
    """Document and ContentVersion models have their standard blob fields."""
    model = type(api_name, (SObject,), {"__annotations__": {"Title": "str | None"}, "Title": None})
    assert blob_field_of(model) == field


def test_payload_formats_values() -> None:
    """Datetimes, dates, times, picklists, decimals and blobs use Salesforce's write formats."""
    record = PayAccount(
        Seen__c=datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC),
        Founded__c=date(1999, 12, 31),
        Opens__c=time(8, 30),
        Colours__c=["Red", "Blue"],
        AnnualRevenue=Decimal("10.25"),
    )
    assert to_payload(record) == {
        "AnnualRevenue": 10.25,
        "Founded__c": "1999-12-31",
        "Opens__c": "08:30:00.000Z",
        "Seen__c": "2024-01-31T12:34:56.000+0000",
        "Colours__c": "Red;Blue",
    }
    assert json.loads(json.dumps(to_payload(record))) == to_payload(record)


def test_payload_base64_encodes_blobs() -> None:
    """A blob field is sent as base64 text."""
    payload = to_payload(Attachment(Name="a", Body=b"\x00\x01"))
    assert payload == {"Name": "a", "Body": base64.b64encode(b"\x00\x01").decode()}


def test_payload_never_sends_read_only_fields() -> None:
    """Id, system, read-only, compound and relationship fields are never sent."""
    record = from_payload(
        row(
            Name="x",
            CreatedDate="2024-01-31T12:34:56.000+0000",
            Score__c=1.0,
            BillingAddress={"city": "Paris"},
            PayContacts={"totalSize": 0, "done": True, "records": []},
        ),
        PayAccount,
    )
    assert to_payload(record) == {"Name": "x"}


def test_payload_includes_id_first_when_asked() -> None:
    """include_id puts the Id first."""
    record = from_payload(row(Name="x"), PayAccount)
    assert list(to_payload(record, include_id=True).items()) == [("Id", ACCOUNT_ID), ("Name", "x")]


def test_payload_sends_none_as_null() -> None:
    """A field set to None is sent as null; an unset field is not sent."""
    assert to_payload(PayAccount(Name=None)) == {"Name": None}


def test_constructor_arguments_count_as_changes() -> None:
    """A record built by the user has every passed field changed."""
    assert changed_fields(PayAccount(Name="x", Rating__c=None)) == {"Name", "Rating__c"}


def test_assignment_is_tracked_by_api_name() -> None:
    """Assigning a field marks its API name changed."""
    record = from_payload(row(Name="x"), PayAccount)
    record.name_lower = "y"
    assert changed_fields(record) == {"Lower__c"}


def test_only_changes_sends_exactly_the_changed_fields() -> None:
    """only_changes=True sends the assigned fields, none of the other loaded ones."""
    record = from_payload(row(Name="x", NumberOfEmployees=3, Rating__c=1.0), PayAccount)
    record.NumberOfEmployees = 4
    record.Rating__c = None
    assert to_payload(record, only_changes=True) == {"NumberOfEmployees": 4, "Rating__c": None}
    assert to_payload(record, only_changes=True, include_id=True)["Id"] == ACCOUNT_ID


def test_mark_clean_clears_changes() -> None:
    """mark_clean forgets every change."""
    record = PayAccount(Name="x")
    mark_clean(record)
    assert changed_fields(record) == frozenset()
    assert to_payload(record, only_changes=True) == {}


def test_generic_record_payload_sends_plain_fields() -> None:
    """A GenericRecord sends its plain fields, never system fields or nested records."""
    record = from_payload(
        {
            "attributes": {"type": "Thing__c"},
            "Id": ACCOUNT_ID,
            "Name": "x",
            "CreatedDate": "2024-01-31T12:34:56.000+0000",
            "Owner": {"attributes": {"type": "User"}, "Name": "Ann"},
        }
    )
    assert isinstance(record, GenericRecord)
    record.When__c = datetime(2024, 1, 1, tzinfo=UTC)
    assert to_payload(record) == {"Name": "x", "When__c": "2024-01-01T00:00:00.000+0000"}
    assert to_payload(record, only_changes=True) == {"When__c": "2024-01-01T00:00:00.000+0000"}


def test_from_payload_rejects_non_objects() -> None:
    """Loading something that is not a JSON object raises TypeError."""
    with pytest.raises(TypeError, match="JSON object"):
        from_payload([1, 2], PayAccount)  # type: ignore[call-overload]


class FlatAccount(SObject, api_name="FlatAccount__c"):
    """Scalar fields only: loaded by the copy-and-convert fast path."""

    Name: str | None = None
    Seen__c: datetime | None = None


@pytest.mark.parametrize("model", [FlatAccount, PayAccount])
def test_from_payload_leaves_the_json_object_as_it_was(model: type[SObject]) -> None:
    """The record gets its own values: the caller's object is neither changed nor shared."""
    data = {
        "attributes": {"type": api_name_of(model), "url": "/services/data/v62.0/sobjects/x"},
        "Name": "Acme",
        "Seen__c": "2024-01-31T12:34:56.000+0000",
    }
    before = json.loads(json.dumps(data))
    record = from_payload(data, model)
    assert data == before
    record.Name = "Changed"
    assert data["Name"] == "Acme"
    assert record.Seen__c == datetime(2024, 1, 31, 12, 34, 56, tzinfo=timezone.utc)


def test_from_payload_loads_any_mapping() -> None:
    """A read-only mapping (not a dict) loads like the dict it mirrors."""
    data = {"Name": "Acme", "Seen__c": "2024-01-31T12:34:56.000+0000"}
    record = from_payload(MappingProxyType(data), PayAccount)
    assert record.Name == "Acme"
    assert record.Seen__c == datetime(2024, 1, 31, 12, 34, 56, tzinfo=timezone.utc)


def test_bad_value_names_the_problem() -> None:
    """A malformed datetime raises ValueError quoting the value."""
    with pytest.raises(ValueError, match="not-a-date"):
        from_payload({"Seen__c": "not-a-date"}, PayAccount)


def test_unresolvable_annotation_is_reported() -> None:
    """A field type that cannot be resolved names the model."""

    class Broken__c(SObject):
        Parent: Missing | None = None  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(TypeError, match="Broken__c"):
        from_payload({}, Broken__c)


def test_make_converter_is_private() -> None:
    """make_converter returns a new converter each time, leaving cattrs' global one alone."""
    import cattrs

    first, second = make_converter(), make_converter()
    assert first is not second
    assert first.structure("2024-01-31T12:34:56.000+0000", datetime).tzinfo is not None
    with pytest.raises(Exception):  # noqa: B017, PT011 - the global converter knows no datetimes
        cattrs.structure("2024-01-31T12:34:56.000+0000", datetime)


class FastAccount(SObject, api_name="FastAccount__c"):
    """Every attribute named as its API name: loads through the fast path."""

    Name: str | None = None
    AnnualRevenue: Decimal | None = None
    Founded__c: date | None = None
    Opens__c: time | None = None
    Seen__c: datetime | None = None
    Colours__c: list[str] | None = None
    BillingAddress: Address | None = None
    PayContacts: list[PayContact] | None = None


FULL_ROW = row(
    Name="Acme",
    AnnualRevenue=1234.56,
    Founded__c="1999-12-31",
    Opens__c="08:30:00.000Z",
    Seen__c="2024-01-31T12:34:56+05:00",
    Colours__c="Red;Blue",
    BillingAddress={"city": "Paris"},
    PayContacts={"totalSize": 1, "done": True, "records": [{"LastName": "A"}]},
)


@pytest.mark.parametrize("data", [FULL_ROW, {**FULL_ROW, "Unknown__c": 1}])
def test_fast_and_general_loading_agree(data: dict[str, Any]) -> None:
    """A model loads the same values whether its JSON takes the fast path or not."""
    fast = from_payload(data, FastAccount)
    general = from_payload(data, PayAccount)
    for name in ("Id", "Name", "AnnualRevenue", "Founded__c", "Opens__c", "Seen__c"):
        assert getattr(fast, name) == getattr(general, name)
    assert fast.Colours__c == general.Colours__c == ["Red", "Blue"]
    assert fast.BillingAddress == general.BillingAddress == Address(city="Paris")
    assert fast.PayContacts == general.PayContacts
    assert fast.attributes["url"] == general.attributes["url"]
    assert extra_fields(fast) == extra_fields(general)
    assert changed_fields(fast) == changed_fields(general) == frozenset()


picklist_value = st.text(min_size=1).filter(lambda t: ";" not in t)


@given(
    name=st.none() | st.text(),
    revenue=st.none()
    | st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**12, min_value=-(10**12)
    ),
    seen=st.none()
    | st.datetimes(timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
    founded=st.none() | st.dates(),
    colours=st.none() | st.lists(picklist_value, max_size=4),
)
def test_payload_round_trips_through_json(
    name: str | None,
    revenue: Decimal | None,
    seen: datetime | None,
    founded: date | None,
    colours: list[str] | None,
) -> None:
    """Writing a record's fields to JSON and loading them back gives the same values."""
    record = FastAccount(
        Name=name, AnnualRevenue=revenue, Seen__c=seen, Founded__c=founded, Colours__c=colours
    )
    loaded = from_payload(json.loads(json.dumps(to_payload(record))), FastAccount)
    assert loaded.Name == name
    assert loaded.AnnualRevenue == revenue
    assert loaded.Seen__c == seen
    assert loaded.Founded__c == founded
    assert loaded.Colours__c == colours


@pytest.mark.parametrize(
    ("field", "value", "sent"),
    [
        ("AnnualRevenue", 1500, 1500),  # an int is an exact Decimal
        ("AnnualRevenue", 12.5, 12.5),
        ("AnnualRevenue", Decimal("1E+3"), 1000),
        ("Rating__c", 3, 3),
        ("Rating__c", Decimal("2.5"), 2.5),
        ("NumberOfEmployees", 4.0, 4),
        ("NumberOfEmployees", Decimal("12"), 12),
        ("Colours__c", ("Red", "Blue"), "Red;Blue"),
        ("Colours__c", "Red;Blue", "Red;Blue"),
        ("name_lower", "x", "x"),
    ],
)
def test_exact_conversions_are_accepted_at_save(field: str, value: Any, sent: Any) -> None:
    """A value that converts exactly to the field's type is sent in Salesforce's format."""
    payload = to_payload(PayAccount(**{field: value}))
    assert list(payload.values()) == [sent]
    assert type(next(iter(payload.values()))) is type(sent)


@pytest.mark.parametrize(
    ("field", "value", "error", "expected"),
    [
        ("AnnualRevenue", "1500", TypeError, "expected a number, got str"),
        ("AnnualRevenue", Decimal("NaN"), ValueError, "must be finite"),
        ("AnnualRevenue", True, TypeError, "got bool"),
        ("Rating__c", float("nan"), ValueError, "must be finite"),
        ("Rating__c", float("-inf"), ValueError, "must be finite"),
        ("NumberOfEmployees", 4.5, ValueError, "whole number"),
        ("NumberOfEmployees", "4", TypeError, "got str"),
        ("NumberOfEmployees", False, TypeError, "got bool"),
        ("IsActive__c", 1, TypeError, "expected a bool, got int"),
        ("Name", 42, TypeError, "expected a str, got int"),
        ("Founded__c", "2024-01-31", TypeError, "expected a date, got str"),
        ("Founded__c", datetime(2024, 1, 31, 9), TypeError, "got a datetime"),
        ("Seen__c", date(2024, 1, 31), TypeError, "expected a datetime, got date"),
        ("Seen__c", "2024-01-31T00:00:00Z", TypeError, "expected a datetime, got str"),
        ("Opens__c", "08:30", TypeError, "expected a time, got str"),
        ("Colours__c", ["Red", 3], TypeError, "picklist values of type str, got int"),
        ("Colours__c", ["Red;Blue"], ValueError, "cannot contain ';'"),
        ("name_lower", b"x", TypeError, "expected a str, got bytes"),
    ],
)
def test_inexact_values_are_refused_naming_model_field_and_value(
    field: str, value: Any, error: type[Exception], expected: str
) -> None:
    """A value that does not fit its field raises before any request, naming all three."""
    record = PayAccount(**{"Name": "ok", field: value})
    with pytest.raises(error) as info:
        to_payload(record)
    message = str(info.value)
    assert message.startswith(f"PayAccount.{field}")
    assert expected in message
    assert repr(value)[:40] in message


def test_a_loose_field_refuses_nan_naming_it() -> None:
    """A GenericRecord field holding NaN is refused with its name, not by the JSON encoder."""
    record = from_payload({"attributes": {"type": "Thing__c"}, "Name": "x"})
    record.Weight__c = float("nan")
    with pytest.raises(ValueError, match=r"GenericRecord\.Weight__c .*finite.*nan"):
        to_payload(record)


def test_payload_of_attribute_named_field_names_both() -> None:
    """The error names the attribute and the API name when they differ."""
    with pytest.raises(TypeError, match=r"PayAccount\.name_lower \(Lower__c\)"):
        to_payload(PayAccount(name_lower=3))  # type: ignore[arg-type]
