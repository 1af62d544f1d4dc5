"""Bulk API 2.0 rows and records without I/O: encoding, decoding, result rows, job JSON."""

from __future__ import annotations

import datetime
from decimal import Decimal

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
    parse_sf_error,
)
from sf_toolkit.exceptions import InvalidIdError, SalesforceApiError
from sf_toolkit.models import GenericRecord, parse_describe
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
