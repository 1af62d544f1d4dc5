"""Bulk API 2.0 rows and records without I/O: encoding, decoding, result rows, job JSON."""

from __future__ import annotations

import copy
import datetime
import pickle
from decimal import Decimal
from typing import Any

import pytest

from sf_toolkit import SObject
from sf_toolkit._wire.bulk_jobs import (
    BulkProgress,
    JobInfo,
    combined_state,
    ingest_spec,
    result_page_urls,
)
from sf_toolkit._wire.bulk_rows import (
    RecordEncoder,
    ResultReader,
    RowDecoder,
    check_external_id_field,
    describe_kinds,
    lookup_field,
    parse_sf_error,
)
from sf_toolkit.exceptions import InvalidIdError, SalesforceApiError
from sf_toolkit.models import (
    GenericRecord,
    changed_fields,
    extra_fields,
    from_payload,
    parse_describe,
)
from sf_toolkit.results import Outcome, SaveError


class Parent(SObject, api_name="UnitParent__c"):
    Name: str | None = None
    External_ID__c: str | None = None
    NumberOfEmployees: int | None = None


class Kid(SObject, api_name="UnitKid__c"):
    LastName: str | None = None
    Active__c: bool | None = None
    Score__c: float | None = None
    Amount__c: Decimal | None = None
    Seen__c: datetime.datetime | None = None
    Birthdate: datetime.date | None = None
    Colors__c: list[str] | None = None
    AccountId: str | None = None
    Account: Parent | None = None


def test_records_become_rows_in_salesforce_formats() -> None:
    """Nulls, booleans, datetimes (UTC with Z), dates, multipicklists and parent columns."""
    kid = Kid(
        LastName="Ann",
        Active__c=False,
        Score__c=None,
        Seen__c=datetime.datetime(
            2002, 10, 10, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
        ),
        Birthdate=datetime.date(1990, 5, 17),
        Colors__c=["Red", "Blue"],
        Account=Parent(External_ID__c="EXT-1"),
    )
    row = RecordEncoder("insert").row(kid)
    # "Valid Date Format in Records": 2002-10-10T12:00:00+05:00 is 2002-10-10T07:00:00Z.
    assert row == {
        "LastName": "Ann",
        "Active__c": "false",
        "Score__c": "#N/A",
        "Seen__c": "2002-10-10T07:00:00.000Z",
        "Birthdate": "1990-05-17",
        "Colors__c": "Red;Blue",
        "Account.External_ID__c": "EXT-1",
    }


def test_plain_dicts_become_rows_in_the_same_formats() -> None:
    """Dict values are written as records' are; nested dicts become parent columns."""
    encoder = RecordEncoder("insert", sobject="Contact")
    row = encoder.row(
        {
            "LastName": "Ann",
            "Seen__c": datetime.datetime(
                2002, 10, 10, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
            ),
            "Amount__c": Decimal("12.50"),
            "Colors__c": ["Red", "Blue"],
            "Email": None,
            "Account": {"External_ID__c": "EXT-1"},
            "Owner.Email": "boss@example.com",
        }
    )
    assert row == {
        "LastName": "Ann",
        "Seen__c": "2002-10-09T19:00:00.000Z",
        "Amount__c": "12.5",
        "Colors__c": "Red;Blue",
        "Email": "#N/A",
        "Owner.Email": "boss@example.com",
        "Account.External_ID__c": "EXT-1",
    }


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({"Bad Key": "x"}, ValueError),
        ({"Name": object()}, TypeError),
        ({"Id": "003000000000001AAA", "LastName": "x"}, ValueError),
    ],
)
def test_bad_dicts_are_refused(record: dict[str, object], error: type[Exception]) -> None:
    """A key that is not a field, a value with no CSV form, or an insert with an Id."""
    with pytest.raises(error):
        RecordEncoder("insert", sobject="Contact").row(record)


def test_a_record_without_fields_is_refused() -> None:
    """A record with nothing to send would be a blank CSV line; it is a ValueError."""
    with pytest.raises(ValueError, match="no field to send"):
        RecordEncoder("insert").row(Parent())


def test_update_rows_lead_with_the_id() -> None:
    """An update row carries the Id column first."""
    row = RecordEncoder("update").row(Parent(Id="001000000000001", Name="X"))
    assert list(row) == ["Id", "Name"]
    assert row["Id"] == "001000000000001AAA"


def test_delete_rows_hold_only_ids() -> None:
    """Delete files hold only Id, from records or from bare Ids."""
    encoder = RecordEncoder("delete", sobject="UnitParent__c")
    assert encoder.row("001000000000001AAA") == {"Id": "001000000000001AAA"}
    assert encoder.row(Parent(Id="001000000000002AAA", Name="ignored")) == {
        "Id": "001000000000002AAA"
    }
    with pytest.raises(InvalidIdError):
        encoder.row("not-an-id")


def test_a_record_of_another_type_is_refused() -> None:
    """One job, one sObject: a second type is a TypeError naming both."""
    encoder = RecordEncoder("insert")
    encoder.row(Parent(Name="a"))
    with pytest.raises(TypeError, match=r"UnitKid__c.*UnitParent__c"):
        encoder.row(Kid(LastName="b"))


def test_upsert_rows_need_an_external_id_value() -> None:
    """An upsert record without a value in the external id field is refused."""
    encoder = RecordEncoder("upsert", "External_ID__c")
    assert encoder.row(Parent(External_ID__c="E1", Name="a"))["External_ID__c"] == "E1"
    with pytest.raises(ValueError, match="External_ID__c"):
        encoder.row(Parent(Name="b"))


def test_external_id_fields_are_checked_against_the_model() -> None:
    """A declared field is spelled as declared; an unknown one is refused; generic passes."""
    assert check_external_id_field(Parent, "external_id__c") == "External_ID__c"
    assert check_external_id_field(Parent, "Id") == "Id"
    with pytest.raises(ValueError, match="declares no field"):
        check_external_id_field(Parent, "Nope__c")
    with pytest.raises(ValueError, match="API name"):
        check_external_id_field(Parent, "Bad Name")
    assert check_external_id_field(GenericRecord, "Any__c") == "Any__c"


def test_query_rows_become_typed_records() -> None:
    """Query cells convert by field type, empty is null, dotted columns nest parents."""
    header = [
        "Id",
        "LastName",
        "Active__c",
        "Score__c",
        "Amount__c",
        "Seen__c",
        "Birthdate",
        "Colors__c",
        "Account.Name",
        "Account.NumberOfEmployees",
    ]
    decoder = RowDecoder(header, Kid)
    kid = decoder.record(
        [
            "003000000000001AAA",
            "Ann",
            "true",
            "12.5",
            "19.99",
            "2024-01-31T12:34:56.000+0000",
            "1990-05-17",
            "Red;Blue",
            "Acme",
            "42",
        ]
    )
    assert kid.Active__c is True
    assert kid.Score__c == 12.5
    assert kid.Amount__c == Decimal("19.99")
    assert kid.Seen__c == datetime.datetime(2024, 1, 31, 12, 34, 56, tzinfo=datetime.timezone.utc)
    assert kid.Birthdate == datetime.date(1990, 5, 17)
    assert kid.Colors__c == ["Red", "Blue"]
    assert kid.Account is not None
    assert (kid.Account.Name, kid.Account.NumberOfEmployees) == ("Acme", 42)
    orphan = decoder.record(["003000000000002AAA", "Bo", "", "", "", "", "", "", "", ""])
    assert orphan.Active__c is None
    assert orphan.Account is None


def test_rows_of_a_registered_sobject_use_its_model() -> None:
    """Without an explicit model, the model registered for the sObject types the row."""
    record = RowDecoder(["Name", "NumberOfEmployees"], sobject="UnitParent__c").record(["x", "3"])
    assert isinstance(record, Parent)
    assert record.NumberOfEmployees == 3


def test_rows_without_a_model_stay_text() -> None:
    """Without a registered model, values stay text (empty as null) in a GenericRecord."""
    record = RowDecoder(["Id", "Flag__c", "Note__c"], sobject="Nothing__c").record(
        ["a01000000000001AAA", "true", ""]
    )
    assert isinstance(record, GenericRecord)
    assert record.Flag__c == "true"
    assert record.Note__c is None


def test_described_types_read_rows_without_a_model() -> None:
    """Describe's field types read a model-less row: booleans, numbers, dates, datetimes."""
    description = parse_describe(
        {
            "name": "Thing__c",
            "fields": [
                {"name": "Flag__c", "type": "boolean"},
                {"name": "Count__c", "type": "int"},
                {"name": "Price__c", "type": "currency"},
                {"name": "Day__c", "type": "date"},
                {"name": "At__c", "type": "datetime"},
                {"name": "Colors__c", "type": "multipicklist"},
            ],
        }
    )
    kinds = describe_kinds(description)
    header = ["Flag__c", "Count__c", "Price__c", "Day__c", "At__c", "Colors__c", "Owner.Name"]
    record = RowDecoder(header, sobject="Thing__c", kinds=kinds).record(
        ["false", "7", "9.5", "2024-02-29", "2024-01-31T12:00:00.000+0000", "a;b", "Ann"]
    )
    assert record.Flag__c is False
    assert record.Count__c == 7
    assert record.Price__c == 9.5
    assert record.Day__c == datetime.date(2024, 2, 29)
    assert record.At__c == datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.timezone.utc)
    assert record.Colors__c == "a;b"  # text without a model to say it is a list
    assert record.Owner == {"Name": "Ann"}


def test_a_row_with_the_wrong_width_is_an_error() -> None:
    """A row with more or fewer cells than the header is refused, never misaligned."""
    with pytest.raises(ValueError, match="2 cells"):
        RowDecoder(["Id"], Kid).record(["a", "b"])


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        # Documented in "Get Job Failed Record Results" and observed traffic.
        (
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
            [
                SaveError(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [LastName]",
                    ["LastName"],
                )
            ],
        ),
        (
            "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
            [SaveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")],
        ),
        (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION:Amount: too big:Amount__c,Stage --"
            " DUPLICATE_VALUE:duplicate value found: Name:--",
            [
                SaveError(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Amount: too big", ["Amount__c", "Stage"]
                ),
                SaveError("DUPLICATE_VALUE", "duplicate value found: Name"),
            ],
        ),
        (
            "DUPLICATE_VALUE:duplicate value found: Name",
            [SaveError("DUPLICATE_VALUE", "duplicate value found: Name")],
        ),
        ("something odd", [SaveError("UNKNOWN_ERROR", "something odd")]),
        ("", [SaveError("UNKNOWN_ERROR", "")]),
    ],
)
def test_sf_error_splits_into_code_message_and_fields(text: str, errors: list[SaveError]) -> None:
    """``sf__Error`` is split into Salesforce's error objects; colons in messages survive."""
    assert list(parse_sf_error(text)) == errors


def test_result_rows_become_save_results_tied_to_their_input() -> None:
    """Successful and failed rows give SaveResults; the echoed columns rebuild the input."""
    header = ["sf__Id", "sf__Created", "Name", "NumberOfEmployees", "External_ID__c"]
    reader = ResultReader("successful", header, "upsert", Parent, "Account")
    result = reader.result(["001000000000001AAA", "false", "Acme", "#N/A", "E1"])
    assert result.outcome is Outcome.SAVED
    assert result.created is False
    assert result.id == "001000000000001AAA"
    assert result.record.Name == "Acme"
    assert result.record.NumberOfEmployees is None
    failed = ResultReader("failed", ["sf__Id", "sf__Error", "Name"], "insert", Parent, "Account")
    outcome = failed.result(
        ["", "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --", ""]
    )
    assert outcome.outcome is Outcome.FAILED
    assert outcome.id is None
    assert outcome.errors[0].fields == ("Name",)
    assert "Name" not in outcome.record.__dict__  # an empty cell was not sent: not loaded


def test_update_results_have_no_created_flag() -> None:
    """created is None for updates and deletes, as in SaveResult's contract."""
    reader = ResultReader("successful", ["sf__Id", "sf__Created", "Id"], "update", Parent, None)
    assert reader.result(["001000000000001AAA", "false", "001000000000001AAA"]).created is None


def test_a_results_file_without_sf_columns_is_refused() -> None:
    """A header without the sf__ columns of its file is a ValueError, not a misread."""
    with pytest.raises(ValueError, match="sf__"):
        ResultReader("failed", ["Name"], "insert", Parent, "Account")


# -- job JSON ------------------------------------------------------------------------------

# The create-job answer of "Create a Job" (docs/salesforce-wire.md §10).
CREATED = {
    "id": "7505g000000AbCdAAK",
    "operation": "upsert",
    "object": "Contact",
    "createdById": "0055g000000AbCdAAK",
    "createdDate": "2024-01-31T12:34:56.000+0000",
    "systemModstamp": "2024-01-31T12:34:56.000+0000",
    "state": "Open",
    "externalIdFieldName": "Ext__c",
    "concurrencyMode": "Parallel",
    "contentType": "CSV",
    "apiVersion": 59.0,
    "contentUrl": "services/data/v59.0/jobs/ingest/7505g000000AbCdAAK/batches",
    "lineEnding": "LF",
    "columnDelimiter": "COMMA",
}


def test_job_info_reads_salesforce_job_json() -> None:
    """The documented job JSON reads into a JobInfo; apiVersion becomes "59.0"."""
    info = JobInfo.from_json(CREATED, "ingest")
    assert (info.id, info.sobject, info.operation, info.state) == (
        "7505g000000AbCdAAK",
        "Contact",
        "upsert",
        "Open",
    )
    assert info.api_version == "59.0"
    assert info.external_id_field == "Ext__c"
    assert not info.done
    finished = JobInfo.from_json(
        {**CREATED, "state": "JobComplete", "numberRecordsProcessed": 10, "numberRecordsFailed": 2},
        "ingest",
    )
    assert finished.done
    assert (finished.records_processed, finished.records_failed) == (10, 2)


def test_a_non_job_answer_is_a_typed_error() -> None:
    """An answer without id and state raises SalesforceApiError, never KeyError."""
    with pytest.raises(SalesforceApiError, match="not a Bulk ingest job"):
        JobInfo.from_json([{"errorCode": "X"}], "ingest")


def test_the_create_body_names_csv_defaults() -> None:
    """A create body asks for CSV, COMMA and LF, and names the external id for upserts."""
    assert ingest_spec("Contact", "upsert", "Ext__c") == {
        "object": "Contact",
        "operation": "upsert",
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
        "externalIdFieldName": "Ext__c",
    }


@pytest.mark.parametrize(
    ("states", "combined"),
    [
        (["JobComplete", "InProgress", "UploadComplete"], "UploadComplete"),
        (["JobComplete", "InProgress"], "InProgress"),
        (["JobComplete", "Failed", "Aborted"], "Failed"),
        (["JobComplete", "Aborted"], "Aborted"),
        (["JobComplete", "JobComplete"], "JobComplete"),
    ],
)
def test_a_group_state_is_its_least_advanced_job(states: list[str], combined: str) -> None:
    """A group is as far as its slowest job; finished, it reports the worst outcome."""
    assert combined_state(states) == combined


def test_progress_events_default_to_zero_counts() -> None:
    """A progress event names the job and state; counts not reported are 0."""
    event = BulkProgress(job_id="7505g000000AbCdAAK", state="Open")
    assert (event.records_uploaded, event.rows_downloaded) == (0, 0)


def test_result_pages_give_urls_and_the_next_listing() -> None:
    """The documented resultPages answer gives each resultUrl, and nextRecordsUrl until done."""
    base = "/services/data/v59.0/jobs/query/750R0000000zxr8IAA"
    data = {
        "resultPages": [{"resultUrl": f"{base}/results?locator=MTAwMDA"}],
        "nextRecordsUrl": f"{base}/resultPages?locator=MjAwMDA",
        "done": False,
    }
    assert result_page_urls(data) == (
        [f"{base}/results?locator=MTAwMDA"],
        f"{base}/resultPages?locator=MjAwMDA",
    )
    assert result_page_urls({**data, "done": True})[1] is None
    with pytest.raises(SalesforceApiError, match="result pages"):
        result_page_urls({"resultPages": [{"url": "x"}]})


def test_result_pages_that_contradict_themselves_are_refused_or_followed() -> None:
    """done: false without a URL would lose the rest: refused. A URL without done: followed."""
    base = "/services/data/v59.0/jobs/query/750R0000000zxr8IAA"
    page = {"resultUrl": f"{base}/results?locator=MTAwMDA"}
    with pytest.raises(SalesforceApiError, match="done: false"):
        result_page_urls({"resultPages": [page], "done": False})
    with pytest.raises(SalesforceApiError, match="done: false"):
        result_page_urls({"resultPages": [page], "done": False, "nextRecordsUrl": None})
    with pytest.raises(SalesforceApiError, match="not a URL"):
        result_page_urls({"resultPages": [page], "done": False, "nextRecordsUrl": 5})
    listing = f"{base}/resultPages?locator=MjAwMDA"
    assert result_page_urls({"resultPages": [page], "nextRecordsUrl": listing})[1] == listing
    assert result_page_urls({"resultPages": [page]})[1] is None


PARENT_ID = "0015g0000000001AAA"


def test_a_parent_given_by_id_fills_the_lookup_field() -> None:
    """Account=Account(Id=...) is the AccountId column ("Relationship Fields in a Header Row")."""
    row = RecordEncoder("insert").row(Kid(LastName="b", Account=Parent(Id=PARENT_ID)))
    assert row == {"LastName": "b", "AccountId": PARENT_ID}
    assert lookup_field("Parent_Account__r") == "Parent_Account__c"


def test_a_parent_given_by_one_external_id_is_a_relationship_column() -> None:
    """A parent that sets exactly one field is matched on it: Account.External_ID__c."""
    row = RecordEncoder("insert").row(Kid(LastName="a", Account=Parent(External_ID__c="P-1")))
    assert row == {"LastName": "a", "Account.External_ID__c": "P-1"}


def test_a_queried_parent_is_not_written() -> None:
    """Parent fields loaded by a query describe the parent; an update does not send them."""
    kid = from_payload(
        {"Id": "0035g0000000001AAA", "LastName": "k", "Account": {"Name": "Parent"}}, Kid
    )
    kid.LastName = "K"
    assert RecordEncoder("update").row(kid) == {"Id": "0035g0000000001AAA", "LastName": "K"}


@pytest.mark.parametrize(
    "parent",
    [Parent(Name="Acme", External_ID__c="P-1")],
)
def test_a_parent_setting_several_fields_is_refused(parent: Parent) -> None:
    """A parent with two candidate keys is ambiguous: a ValueError before any job."""
    with pytest.raises(ValueError, match="by its Id or by one external id field"):
        RecordEncoder("insert").row(Kid(LastName="c", Account=parent))


def test_a_lookup_and_a_parent_disagreeing_are_refused() -> None:
    """AccountId set next to a parent matched otherwise: set one of them."""
    with pytest.raises(ValueError, match="set one of them"):
        RecordEncoder("insert").row(
            Kid(LastName="e", AccountId=PARENT_ID, Account=Parent(External_ID__c="P-1"))
        )


# -- what is worked out once per model class or header ------------------------------------


# Models of their own sObject, so that declaring two of them leaves the models registered
# for the other tests' sObjects alone.


class Twin(SObject, api_name="UnitTwin__c"):
    Name: str | None = None
    Size__c: int | None = None
    Code__c: str | None = None


class TwinSummary(SObject, api_name="UnitTwin__c"):
    """A second model of the same sObject, declaring other fields."""

    Name: str | None = None
    Rating__c: float | None = None


class SpecialTwin(Twin, api_name="UnitTwin__c"):
    """A subclass: the fields of Twin and one more."""

    Nickname__c: str | None = None


def test_two_models_of_one_sobject_each_write_their_own_fields() -> None:
    """Same sObject, one job; each record is written by its own class's fields, in any order."""
    encoder = RecordEncoder("insert")
    rows = [
        encoder.row(Twin(Name="a", Size__c=3)),
        encoder.row(TwinSummary(Name="b", Rating__c=4.5)),
        encoder.row(Twin(Name="c", Code__c="E-3")),
        encoder.row(TwinSummary(Rating__c=None)),
    ]
    assert rows == [
        {"Name": "a", "Size__c": "3"},
        {"Name": "b", "Rating__c": "4.5"},
        {"Name": "c", "Code__c": "E-3"},
        {"Rating__c": "#N/A"},
    ]
    assert encoder.sobject == "UnitTwin__c"
    assert encoder.model is Twin  # the first record's class: results are read with it


def test_each_record_writes_the_fields_it_holds() -> None:
    """Records of one class loading different fields give rows of different columns."""
    encoder = RecordEncoder("insert")
    assert encoder.row(Parent(Name="a")) == {"Name": "a"}
    assert encoder.row(Parent(NumberOfEmployees=2, External_ID__c="E")) == {
        "External_ID__c": "E",
        "NumberOfEmployees": "2",
    }
    assert encoder.row(Parent(Name=None)) == {"Name": "#N/A"}


def test_a_record_of_another_type_is_refused_after_many() -> None:
    """However many records passed, one of another sObject (typed or generic) is refused."""
    encoder = RecordEncoder("insert")
    for n in range(3):
        encoder.row(Parent(Name=f"p{n}"))
    with pytest.raises(TypeError, match=r"record 4 is a UnitKid__c.*UnitParent__c"):
        encoder.row(Kid(LastName="k"))
    other = from_payload({"attributes": {"type": "Other__c"}, "Name": "x"})
    with pytest.raises(TypeError, match=r"record 5 is a Other__c"):
        encoder.row(other)
    same = from_payload({"attributes": {"type": "UnitParent__c"}, "Name": "g"})
    assert encoder.row(same) == {"Name": "g"}
    assert encoder.row(Parent(Name="p3")) == {"Name": "p3"}


def test_generic_records_are_checked_one_by_one() -> None:
    """GenericRecords carry their own sObject name: the second type is refused."""
    encoder = RecordEncoder("insert")
    first = from_payload({"attributes": {"type": "Thing__c"}, "Name": "a"})
    second = from_payload({"attributes": {"type": "Other__c"}, "Name": "b"})
    assert encoder.row(first) == {"Name": "a"}
    with pytest.raises(TypeError, match=r"Other__c.*Thing__c"):
        encoder.row(second)


def test_deleting_records_of_another_type_is_refused_after_many() -> None:
    """Deletes check the sObject of each class too, after records of the first passed."""
    encoder = RecordEncoder("delete")
    assert encoder.row(Parent(Id="001000000000001AAA")) == {"Id": "001000000000001AAA"}
    assert encoder.row(Parent(Id="001000000000002AAA")) == {"Id": "001000000000002AAA"}
    with pytest.raises(TypeError, match="UnitKid__c"):
        encoder.row(Kid(Id="003000000000001AAA"))


def test_values_of_later_records_are_still_checked() -> None:
    """A wrong value, an insert with an Id or the text #N/A is refused in any record."""
    encoder = RecordEncoder("insert")
    encoder.row(Parent(Name="ok", NumberOfEmployees=1))
    with pytest.raises(TypeError, match=r"Parent.NumberOfEmployees .*expected a number"):
        encoder.row(Parent(NumberOfEmployees="many"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already has Id"):
        encoder.row(Parent(Id="001000000000001AAA", Name="x"))
    with pytest.raises(ValueError, match="reads as null"):
        encoder.row(Parent(Name="#N/A"))
    assert encoder.row(Parent(NumberOfEmployees=3.0)) == {"NumberOfEmployees": "3"}
    with pytest.raises(TypeError, match="got bool"):
        encoder.row(Parent(NumberOfEmployees=True))


def test_a_wrong_value_is_named_before_a_null_text_in_the_same_record() -> None:
    """A record with a bad value and the text #N/A fails on the bad value, as to_payload does."""
    encoder = RecordEncoder("insert")
    encoder.row(Kid(LastName="ok"))
    with pytest.raises(TypeError, match=r"Kid.Active__c"):
        encoder.row(Kid(LastName="#N/A", Active__c="yes"))  # type: ignore[arg-type]


def test_update_rows_of_later_records_lead_with_their_id() -> None:
    """Every update row carries its own record's Id first; a later record without one fails."""
    encoder = RecordEncoder("update")
    assert list(encoder.row(Parent(Id="001000000000001AAA", Name="a"))) == ["Id", "Name"]
    assert encoder.row(Parent(Id="001000000000002AAA", NumberOfEmployees=None)) == {
        "Id": "001000000000002AAA",
        "NumberOfEmployees": "#N/A",
    }
    with pytest.raises(ValueError, match=r"record 3 .* has no Id to update"):
        encoder.row(Parent(Name="c"))


def test_parent_columns_appear_on_the_records_that_set_a_parent() -> None:
    """A parent set only on later records is written for them, and only for them."""
    encoder = RecordEncoder("insert")
    assert encoder.row(Kid(LastName="a")) == {"LastName": "a"}
    assert encoder.row(Kid(LastName="b", Account=Parent(External_ID__c="P-2"))) == {
        "LastName": "b",
        "Account.External_ID__c": "P-2",
    }
    assert encoder.row(Kid(LastName="c", Account=Parent(Id=PARENT_ID))) == {
        "LastName": "c",
        "AccountId": PARENT_ID,
    }
    assert encoder.row(Kid(LastName="d")) == {"LastName": "d"}


def test_a_parent_only_in_a_loaded_records_extra_fields_is_written_when_set() -> None:
    """A relationship the model does not declare, loaded then set, is still a parent column."""
    encoder = RecordEncoder("update")
    plain = from_payload({"Id": "001000000000001AAA", "Name": "p"}, Parent)
    plain.Name = "P"
    assert encoder.row(plain) == {"Id": "001000000000001AAA", "Name": "P"}
    loaded = from_payload(
        {
            "Id": "001000000000002AAA",
            "Name": "q",
            "Owner": {"attributes": {"type": "UnitParent__c"}, "External_ID__c": "old"},
        },
        Parent,
    )
    owner = loaded["Owner"]
    owner.External_ID__c = "O-1"
    assert encoder.row(loaded) == {
        "Id": "001000000000002AAA",
        "Name": "q",
        "Owner.External_ID__c": "O-1",
    }


def test_subclass_records_write_their_own_fields() -> None:
    """A subclass instance among its base class's records writes the subclass's fields too."""
    encoder = RecordEncoder("insert")
    assert encoder.row(Twin(Name="base")) == {"Name": "base"}
    assert encoder.row(SpecialTwin(Name="sub", Nickname__c="S")) == {
        "Name": "sub",
        "Nickname__c": "S",
    }
    assert encoder.row(Twin(Name="base again")) == {"Name": "base again"}


def test_upsert_checks_the_external_id_of_every_record() -> None:
    """The external id is looked for in each record, in any case the caller spelled it."""
    encoder = RecordEncoder("upsert", "external_id__c")
    assert encoder.row(Parent(External_ID__c="E1")) == {"External_ID__c": "E1"}
    assert encoder.external_id_field == "External_ID__c"
    with pytest.raises(ValueError, match=r"record 2 .*no value in External_ID__c"):
        encoder.row(Parent(Name="x", External_ID__c=""))
    with pytest.raises(ValueError, match=r"record 3 .*no value in External_ID__c"):
        encoder.row(Parent(Name="x", External_ID__c=None))


# -- reading rows by a plan of their header -------------------------------------------------


def test_flat_rows_become_records_like_their_json() -> None:
    """A row of plain fields gives the record its JSON gives: types, nulls, attributes."""
    header = ["Id", "name", "NumberOfEmployees", "External_ID__c"]
    decoder = RowDecoder(header, Parent)
    record = decoder.record(["001000000000001", "Acme", "12", ""])
    expected = from_payload(
        {
            "attributes": {"type": "UnitParent__c"},
            "Id": "001000000000001AAA",
            "Name": "Acme",
            "NumberOfEmployees": 12,
            "External_ID__c": None,
        },
        Parent,
    )
    assert record == expected
    assert record.attributes == {"type": "UnitParent__c"}
    assert record.NumberOfEmployees == 12
    assert record.External_ID__c is None
    assert changed_fields(record) == frozenset()
    again = decoder.record(["001000000000002AAA", "", "", "E-2"])
    assert (again.Name, again.NumberOfEmployees, again.External_ID__c) == (None, None, "E-2")


def test_upload_rows_leave_empty_cells_not_loaded_and_read_na_as_null() -> None:
    """In an upload's echo, an empty cell was not sent (not loaded); #N/A is null."""
    decoder = RowDecoder(["Name", "NumberOfEmployees", "External_ID__c"], Parent, upload=True)
    record = decoder.record(["", "#N/A", "7"])
    assert record.__dict__ == {"NumberOfEmployees": None, "External_ID__c": "7"}
    kids = RowDecoder(["LastName", "Active__c", "Seen__c"], Kid, upload=True)
    kid = kids.record(["#N/A", "true", "2024-01-31T12:34:56.000Z"])
    assert kid.__dict__ == {
        "LastName": None,
        "Active__c": True,
        "Seen__c": datetime.datetime(2024, 1, 31, 12, 34, 56, tzinfo=datetime.timezone.utc),
    }


def test_columns_the_model_does_not_declare_are_extra_fields() -> None:
    """An undeclared column is kept as an extra field, as from_payload keeps unknown keys."""
    record = RowDecoder(["Name", "Formula__c"], Parent).record(["a", "x"])
    assert record.Name == "a"
    assert extra_fields(record) == {"Formula__c": "x"}


def test_rows_with_parent_columns_and_plain_rows_from_one_model() -> None:
    """The same model read flat and with dotted columns gives the same plain fields."""
    flat = RowDecoder(["LastName", "Score__c"], Kid).record(["Ann", "1.5"])
    nested = RowDecoder(["LastName", "Score__c", "Account.Name"], Kid).record(["Ann", "1.5", "X"])
    assert (flat.LastName, flat.Score__c) == (nested.LastName, nested.Score__c) == ("Ann", 1.5)
    assert "Account" not in flat
    assert nested.Account is not None
    assert nested.Account.Name == "X"


def test_generic_rows_keep_their_id_and_columns() -> None:
    """Without a model: Id is the record's Id (15 characters become 18), columns are fields."""
    decoder = RowDecoder(
        ["Id", "Count__c", "Note__c"], sobject="Nothing__c", kinds={"count__c": "int"}
    )
    record = decoder.record(["a01000000000001", "4", ""])
    assert isinstance(record, GenericRecord)
    assert record.Id == "a01000000000001AAA"
    assert extra_fields(record) == {"Count__c": 4, "Note__c": None}
    assert record.attributes == {"type": "Nothing__c"}
    nameless = decoder.record(["", "5", "n"])
    assert nameless.Id is None
    assert nameless.Count__c == 5


@pytest.mark.parametrize(
    ("header", "cells", "message"),
    [
        (["Id", "Name"], ["not-an-id", "a"], "not-an-id"),
        (["LastName", "Seen__c"], ["a", "yesterday"], "yesterday"),
        (["Birthdate"], ["31/01/2024"], "31/01/2024"),
    ],
)
def test_a_bad_cell_is_a_value_error_naming_it(
    header: list[str], cells: list[str], message: str
) -> None:
    """A cell that does not read as its field's type raises ValueError naming the text."""
    with pytest.raises(ValueError, match=message):
        RowDecoder(header, Kid).record(cells)


def test_a_column_given_twice_reads_as_json_would() -> None:
    """A repeated column: the last cell wins, as with a repeated JSON key."""
    decoder = RowDecoder(["Name", "Name"], Parent)
    assert decoder.record(["first", "second"]).Name == "second"
    assert decoder.record(["", "second"]).Name == "second"
    assert decoder.record(["first", ""]).Name is None


@pytest.mark.parametrize(
    "clone", [copy.copy, copy.deepcopy, lambda record: pickle.loads(pickle.dumps(record))]
)
def test_records_read_from_rows_copy_and_pickle(clone: Any) -> None:
    """Records read from CSV rows copy and pickle like any record, typed or generic."""
    typed = RowDecoder(["Id", "Name"], Parent).record(["001000000000001AAA", "a"])
    generic = RowDecoder(["Id", "Note__c"], sobject="Nothing__c").record(
        ["a01000000000001AAA", "n"]
    )
    for record in (typed, generic):
        copied = clone(record)
        assert copied == record
        assert copied.attributes == record.attributes


class GenericKid(GenericRecord, api_name="UnitGenericKid__c"):
    """A GenericRecord subclass: declared fields beside any others."""

    Seen__c: datetime.datetime | None = None
    Account: Parent | None = None


def test_a_generic_record_subclass_writes_its_declared_fields_as_a_model_does() -> None:
    """Its declared parents become lookup or relationship columns, its datetimes UTC with Z;
    its undeclared fields are written as they are."""
    noon_plus_5 = datetime.datetime(
        2002, 10, 10, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
    )
    by_id = GenericKid(Seen__c=noon_plus_5, Account=Parent(Id=PARENT_ID))
    by_id.Note__c = "free"
    by_external_id = GenericKid(Account=Parent(External_ID__c="EXT-1"))
    encoder = RecordEncoder("insert")
    assert encoder.row(by_id) == {
        "Seen__c": "2002-10-10T07:00:00.000Z",
        "AccountId": PARENT_ID,
        "Note__c": "free",
    }
    assert encoder.row(by_external_id) == {"Account.External_ID__c": "EXT-1"}
