"""Helpers for the I/O layer: reload in place, field lookup, child pages, file names, copies."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timezone
from typing import Any

import pytest

from sf_toolkit.exceptions import InvalidIdError
from sf_toolkit.models import (
    NOT_LOADED,
    RelatedList,
    SObject,
    blob_file_name,
    changed_fields,
    extra_fields,
    from_payload,
    get_field,
    incomplete_related_lists,
    is_loaded,
    load_into,
    safe_file_name,
    sf_field,
    to_payload,
    validate_record_id,
)

ACCOUNT_ID = "001D000000IRFmaIAH"


class HAccount(SObject, api_name="HAccount__c"):
    Name: str | None = None
    Note: Any = sf_field(api_name="Note__c", default=None)
    HContacts: list[HContact] | None = None


class HContact(SObject, api_name="HContact__c"):
    LastName: str | None = None


class ContentVersion(SObject):
    Title: str | None = None
    PathOnClient: str | None = None
    FileExtension: str | None = None
    VersionData: bytes | None = None


class Document(SObject):
    Name: str | None = None
    Type: str | None = None
    Body: bytes | None = None


def contact_page(names: list[str], *, done: bool, next_url: str | None = None) -> dict[str, Any]:
    """A page of HContact__c children as Salesforce returns it."""
    page: dict[str, Any] = {
        "totalSize": 3,
        "done": done,
        "records": [{"attributes": {"type": "HContact__c"}, "LastName": n} for n in names],
    }
    if next_url is not None:
        page["nextRecordsUrl"] = next_url
    return page


def test_load_into_replaces_fields_in_place() -> None:
    """load_into updates the same object, drops fields the data lacks, and leaves it clean."""
    record = HAccount(Id=ACCOUNT_ID, Name="old", Note="n")
    load_into(record, {"attributes": {"type": "HAccount__c", "url": "/u"}, "Name": "new", "X": 1})
    assert record.Name == "new"
    assert not is_loaded(record, "Note")
    assert not is_loaded(record, "Id")
    assert extra_fields(record) == {"X": 1}
    assert record.attributes["url"] == "/u"
    assert changed_fields(record) == frozenset()


def test_get_field_reads_by_api_name() -> None:
    """get_field finds declared and extra fields by API name, ignoring case."""
    record = from_payload({"Note__c": "n", "Other__c": 2}, HAccount)
    assert get_field(record, "note__c") == "n"
    assert get_field(record, "OTHER__C") == 2
    assert get_field(record, "Name") is NOT_LOADED
    assert get_field(record, "Name", None) is None


def test_incomplete_children_are_listed_and_completed() -> None:
    """A child list with more pages is reported, and add_page completes it."""
    record = from_payload(
        {"HContacts": contact_page(["a"], done=False, next_url="/services/data/v59.0/query/01g-1")},
        HAccount,
    )
    (pending,) = incomplete_related_lists(record)
    assert pending is record.HContacts
    pending.add_page(contact_page(["b"], done=False, next_url="/services/data/v59.0/query/01g-2"))
    pending.add_page(contact_page(["c"], done=True))
    assert all(isinstance(child, HContact) for child in pending)
    assert [get_field(child, "LastName") for child in pending] == ["a", "b", "c"]
    assert pending.done
    assert pending.next_records_url is None
    assert incomplete_related_lists(record) == []


def test_undeclared_incomplete_children_are_found_too() -> None:
    """Child lists kept in extra fields are reported as well."""
    record = from_payload(
        {"Cases": {"totalSize": 9, "done": False, "nextRecordsUrl": "/q/1", "records": []}},
        HAccount,
    )
    assert len(incomplete_related_lists(record)) == 1


def test_add_page_rejects_non_pages() -> None:
    """add_page needs a query result with a records list."""
    with pytest.raises(TypeError, match="records"):
        RelatedList().add_page({"done": True})


def test_validate_record_id_requires_an_id() -> None:
    """A record without an Id cannot be addressed."""
    assert validate_record_id(HAccount(Id=ACCOUNT_ID)) == ACCOUNT_ID
    with pytest.raises(InvalidIdError, match="no Id"):
        validate_record_id(HAccount(Name="x"))


def test_any_field_holding_a_datetime_is_serialised() -> None:
    """A loosely typed field still sends Salesforce's formats."""
    record = HAccount(Note=datetime(2024, 1, 31, tzinfo=timezone.utc))
    assert to_payload(record) == {"Note__c": "2024-01-31T00:00:00.000+0000"}


@pytest.mark.parametrize(
    "clone", [copy.copy, copy.deepcopy, lambda r: pickle.loads(pickle.dumps(r))]
)
def test_records_copy_and_pickle_with_their_state(clone: Any) -> None:
    """Copies keep loaded fields, extras and changes."""
    record = from_payload({"attributes": {"type": "HAccount__c"}, "Name": "a", "X": 1}, HAccount)
    record.Note = "changed"
    twin = clone(record)
    assert twin == record
    assert changed_fields(twin) == {"Note__c"}
    assert extra_fields(twin) == {"X": 1}
    assert not is_loaded(twin, "Id")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\q1.xlsx", "q1.xlsx"),
        ('a<b>:c"d|e?f*.txt', "a_b__c_d_e_f_.txt"),
        ("tab\there", "tab_here"),
        ("..", None),
        ("dir/", None),
        ("  ", None),
        (None, None),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
        ("é" * 200, "é" * 127),
    ],
)
def test_safe_file_name(name: object, expected: str | None) -> None:
    """Names from Salesforce are reduced to one safe file name."""
    assert safe_file_name(name) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (ContentVersion(PathOnClient="/home/ann/q1.pdf", Title="Q1"), "q1.pdf"),
        (ContentVersion(Title="Q1", FileExtension="pdf"), "Q1.pdf"),
        (ContentVersion(Title="Q1.pdf", FileExtension="pdf"), "Q1.pdf"),
        (Document(Name="logo", Type="png"), "logo.png"),
        (Document(Name="logo.png", Type="png"), "logo.png"),
        (HAccount(Name="../x"), "x"),
        (HAccount(), None),
    ],
)
def test_blob_file_name(record: SObject, expected: str | None) -> None:
    """blob_file_name picks the file name fields each object uses."""
    assert blob_file_name(record) == expected


def test_attachment_file_name_from_loaded_record() -> None:
    """A loaded Attachment row (no model needed) is named by its Name."""
    row = {"attributes": {"type": "Attachment"}, "Name": "a.txt", "Body": "/services/x/Body"}
    assert blob_file_name(from_payload(row)) == "a.txt"
