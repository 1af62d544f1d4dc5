# Generated from tests/_async/test_bulk.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Bulk API 2.0 against the fake org: ingest jobs, splitting, results, queries, resilience.

No postponed annotations here: models declared inside a test must resolve their local types.
"""

import datetime
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sf_toolkit import (
    BulkIngestJob,
    BulkIngestJobGroup,
    BulkProgress,
    BulkQueryJob,
    RetryPolicy,
    SalesforceClient,
    SObject,
    select,
)
from sf_toolkit.exceptions import (
    BulkJobFailedError,
    BulkJobTimeoutError,
    BulkUploadError,
    NotFoundError,
    ServerError,
)
from sf_toolkit.io.api import (
    delete_bulk,
    query_bulk,
    save_insert_bulk,
    save_update_bulk,
    save_upsert_bulk,
)
from sf_toolkit.models import api_name_of
from sf_toolkit.results import Outcome
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    External_ID__c: str | None = None
    NumberOfEmployees: int | None = None
    AnnualRevenue: float | None = None


class Contact(SObject):
    LastName: str | None = None
    Email: str | None = None
    Birthdate: datetime.date | None = None
    Account: "Account | None" = None


class Opportunity(SObject):
    Name: str | None = None
    Nope__c: str | None = None  # the org has no such field


class Gadget__c(SObject):
    Name: str | None = None
    Seen__c: datetime.datetime | None = None
    Active__c: bool | None = None
    Colors__c: list[str] | None = None


NO_WAIT_PATIENT = RetryPolicy(attempts=12, backoff_initial=0.0, backoff_max=0.0, jitter=False)


def bulk_requests(org: FakeOrg) -> list[Any]:
    return [r for r in org.requests if r.route == "bulk"]


def uploads(org: FakeOrg) -> list[Any]:
    return [r for r in bulk_requests(org) if r.method == "PUT"]


def uploaded_header(client: SalesforceClient, job: BulkIngestJob) -> str:
    """The header of a job's upload, as its successful results file echoes it."""
    response = client.get(f"jobs/ingest/{job.id}/successfulResults")
    return response.text.splitlines()[0]


# -- ingest ------------------------------------------------------------------------------------


def test_insert_job_completes_and_the_store_holds_exactly_the_records(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """An insert job uploads, closes, completes, and the org holds each record once."""
    records = (Account(Name=f"Bulk {n}", NumberOfEmployees=n) for n in range(25))
    job = save_insert_bulk(records, client)
    assert isinstance(job, BulkIngestJob)
    assert job.state == "UploadComplete"
    assert job.records_uploaded == 25
    job.wait()
    assert job.state == "JobComplete"
    assert job.records_processed == 25
    stored = sorted((r["Name"], r["NumberOfEmployees"]) for r in org.records("Account"))
    assert stored == sorted((f"Bulk {n}", n) for n in range(25))
    assert len(uploads(org)) == 1


def test_successful_results_carry_ids_and_their_input_records(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """Each successful row gives the new Id, created=True and the record it came from."""
    job = save_insert_bulk([Account(Name="One"), Account(Name="Two")], client)
    job.wait()
    results = [r for r in job.successful_results()]
    by_name = {r.record.Name: r for r in results}
    assert set(by_name) == {"One", "Two"}
    for name, result in by_name.items():
        assert result.outcome is Outcome.SAVED
        assert result.created is True
        assert isinstance(result.record, Account)
        assert result.id is not None
        assert org.get("Account", result.id)["Name"] == name  # type: ignore[index]


def test_failed_rows_come_back_with_their_error_and_input_record(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A refused row gives Salesforce's code, message and fields, and its input record."""
    records = [
        Contact(LastName="Kept", Email="kept@example.com"),
        Contact(LastName=None, Email="lost@example.com"),
    ]
    job = save_insert_bulk(records, client)
    job.wait()
    assert job.records_failed == 1
    (failed,) = [r for r in job.failed_results()]
    assert failed.outcome is Outcome.FAILED
    assert failed.id is None
    (error,) = failed.errors
    assert error.status_code == "REQUIRED_FIELD_MISSING"
    assert "LastName" in error.message
    assert error.fields == ("LastName",)
    assert isinstance(failed.record, Contact)
    assert failed.record.Email == "lost@example.com"
    assert failed.record.LastName is None
    assert [c["LastName"] for c in org.records("Contact")] == ["Kept"]


def test_parent_columns_link_records_by_external_id(client: SalesforceClient, org: FakeOrg) -> None:
    """A parent record holding an external id becomes an ``Account.External_ID__c`` column."""
    parent = org.insert("Account", {"Name": "Parent", "External_ID__c": "EXT-1"})
    records = [
        Contact(LastName="Child", Account=Account(External_ID__c="EXT-1")),
        Contact(LastName="Orphan", Account=Account(External_ID__c="EXT-404")),
    ]
    job = save_insert_bulk(records, client)
    job.wait()
    (contact,) = org.records("Contact")
    assert contact["LastName"] == "Child"
    assert contact["AccountId"] == parent
    (failed,) = [r for r in job.failed_results()]
    assert failed.record.Account is not None
    assert failed.record.Account.External_ID__c == "EXT-404"
    assert "EXT-404" in failed.errors[0].message


def test_values_round_trip_in_salesforce_formats(client: SalesforceClient, org: FakeOrg) -> None:
    """Datetimes, booleans, multipicklists, dates and nulls reach the org as meant."""
    org.add_model(Gadget__c)
    org.add_field(
        "Gadget__c",
        {
            "name": "Colors__c",
            "type": "multipicklist",
            "picklistValues": [{"value": v, "active": True} for v in ("Red", "Blue")],
        },
    )
    seen = datetime.datetime(
        2024, 1, 31, 18, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
    )
    job = save_insert_bulk(
        [Gadget__c(Name="g", Seen__c=seen, Active__c=True, Colors__c=["Red", "Blue"])], client
    )
    job.wait()
    (row,) = org.records("Gadget__c")
    assert row["Seen__c"].startswith("2024-01-31T13:04:05")
    assert row["Active__c"] is True
    assert row["Colors__c"] == "Red;Blue"
    (gadget,) = [g for g in query_bulk(select(Gadget__c), client)]
    assert gadget.Seen__c == seen
    assert gadget.Active__c is True
    assert gadget.Colors__c == ["Red", "Blue"]


def test_update_clears_fields_set_to_none(client: SalesforceClient, org: FakeOrg) -> None:
    """An update sends None as ``#N/A``, which clears the field, and leaves others alone."""
    record_id = org.insert(
        "Account", {"Name": "Before", "NumberOfEmployees": 5, "AnnualRevenue": 9}
    )
    record = Account(Id=record_id, Name="After", NumberOfEmployees=None)
    job = save_update_bulk([record], client)
    job.wait()
    stored = org.get("Account", record_id)
    assert stored is not None
    assert (stored["Name"], stored["NumberOfEmployees"], stored["AnnualRevenue"]) == (
        "After",
        None,
        9,
    )


def test_upsert_inserts_and_updates_by_external_id(client: SalesforceClient, org: FakeOrg) -> None:
    """An upsert matches on the external id: one row updates, one inserts."""
    existing = org.insert("Account", {"Name": "Old", "External_ID__c": "U-1"})
    records = [
        Account(Name="New name", External_ID__c="U-1"),
        Account(Name="Fresh", External_ID__c="U-2"),
    ]
    job = save_upsert_bulk(records, "External_ID__c", client)
    job.wait()
    results = {r.record.External_ID__c: r for r in job.successful_results()}
    assert results["U-1"].created is False
    assert results["U-1"].id == existing
    assert results["U-2"].created is True
    assert sorted(r["Name"] for r in org.records("Account")) == ["Fresh", "New name"]


@pytest.mark.parametrize("hard_delete", [False, True])
def test_delete_bulk_takes_records_or_ids(
    client: SalesforceClient, org: FakeOrg, hard_delete: bool
) -> None:
    """Records and bare Ids (with ``sobject``) are deleted; hard_delete picks hardDelete."""
    ids = [org.insert("Account", {"Name": f"D{n}"}) for n in range(3)]
    job = delete_bulk(
        [Account(Id=ids[0]), ids[1]], client, sobject=Account, hard_delete=hard_delete
    )
    job.wait()
    assert [r["Id"] for r in org.records("Account")] == [ids[2]]
    create = next(r for r in bulk_requests(org) if r.method == "POST")
    assert create.body["operation"] == ("hardDelete" if hard_delete else "delete")


# -- splitting ---------------------------------------------------------------------------------


def test_a_large_input_becomes_several_jobs_with_one_upload_each(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """Over the upload limit, counted in UTF-8 bytes, each job gets one upload; none is lost."""
    org.bulk.max_upload_bytes = 2_000
    names = [f"Société n°{n} ✓" for n in range(300)]  # several bytes per character
    job = save_insert_bulk((Account(Name=name) for name in names), client, max_upload_bytes=2_000)
    assert isinstance(job, BulkIngestJobGroup)
    assert len(job.jobs) > 3
    puts = uploads(org)
    assert len(puts) == len(job.jobs)
    assert sorted(r.path.split("/")[-2] for r in puts) == sorted(job.ids)
    assert all(r.status == 201 for r in puts)
    assert job.records_uploaded == 300
    job.wait()
    assert job.state == "JobComplete"
    assert job.records_processed == 300
    assert sorted(r["Name"] for r in org.records("Account")) == sorted(names)
    saved = [r.record.Name for r in job.successful_results()]
    assert sorted(saved) == sorted(names)
    again = BulkIngestJobGroup.get(job.ids, client)
    assert again.ids == job.ids
    assert again.records_processed == 300


def test_records_of_differing_fields_share_one_job(client: SalesforceClient, org: FakeOrg) -> None:
    """Records loading different fields make one job with one header: the union of fields."""
    records = [
        Account(Name=f"H{n}", NumberOfEmployees=n)
        if n % 2
        else Account(Name=f"H{n}", External_ID__c=f"E{n}")
        for n in range(200)
    ]
    job = save_insert_bulk(records, client)
    assert isinstance(job, BulkIngestJob)
    assert job.ids == [job.id]
    creates = [r for r in bulk_requests(org) if r.method == "POST"]
    assert len(creates) == 1
    assert len(uploads(org)) == 1
    job.wait()
    assert (
        uploaded_header(client, job)
        == '"sf__Id","sf__Created",Name,External_ID__c,NumberOfEmployees'
    )
    stored = {
        r["Name"]: (r["NumberOfEmployees"], r["External_ID__c"]) for r in org.records("Account")
    }
    assert len(stored) == 200
    assert stored["H0"] == (None, "E0")
    assert stored["H1"] == (1, None)


def test_records_gaining_fields_over_several_jobs_share_one_header(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """Fields first set by later records widen every earlier row, in every job of a split."""
    records = [Account(Name=f"W{n}") for n in range(40)]
    records += [Account(Name=f"W{n}", NumberOfEmployees=n) for n in range(40, 80)]
    records += [Account(Name=f"W{n}", External_ID__c=f"E{n}") for n in range(80, 120)]
    job = save_insert_bulk(records, client, max_upload_bytes=250)
    assert isinstance(job, BulkIngestJobGroup)
    assert len(job.jobs) > 3
    job.wait()
    assert job.records_processed == 120
    assert job.records_failed == 0
    for one in job.jobs:
        assert uploaded_header(client, one) == (
            '"sf__Id","sf__Created",Name,NumberOfEmployees,External_ID__c'
        )
    stored = {
        r["Name"]: (r["NumberOfEmployees"], r["External_ID__c"]) for r in org.records("Account")
    }
    assert len(stored) == 120
    assert stored["W0"] == (None, None)
    assert stored["W41"] == (41, None)
    assert stored["W99"] == (None, "E99")


def test_an_update_leaves_fields_a_record_did_not_load(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """In one job, a field one record loads and another does not stays as it was in the other."""
    first = org.insert("Account", {"Name": "one", "NumberOfEmployees": 1, "External_ID__c": "X1"})
    second = org.insert("Account", {"Name": "two", "NumberOfEmployees": 2, "External_ID__c": "X2"})
    records = [
        Account(Id=first, NumberOfEmployees=10),
        Account(Id=second, Name="TWO", External_ID__c=None),
    ]
    job = save_update_bulk(records, client)
    assert isinstance(job, BulkIngestJob)
    job.wait()
    assert job.records_failed == 0
    by_id = {r["Id"]: r for r in org.records("Account")}
    assert (by_id[first]["Name"], by_id[first]["NumberOfEmployees"]) == ("one", 10)
    assert by_id[first]["External_ID__c"] == "X1"  # not loaded: unchanged
    assert (by_id[second]["Name"], by_id[second]["NumberOfEmployees"]) == ("TWO", 2)
    assert by_id[second]["External_ID__c"] is None  # set to None: cleared (#N/A)


def test_a_group_has_no_single_id(client: SalesforceClient, org: FakeOrg) -> None:
    """A group's id raises AttributeError naming ids; ids and jobs work on both shapes."""
    group = save_insert_bulk(
        [Account(Name=f"G{n}") for n in range(50)], client, max_upload_bytes=100
    )
    assert isinstance(group, BulkIngestJobGroup)
    with pytest.raises(AttributeError, match=r"use \.ids"):
        group.id  # noqa: B018
    group.wait()
    headers = {uploaded_header(client, job) for job in group.jobs}
    assert headers == {'"sf__Id","sf__Created",Name'}
    assert len(group.ids) == len(uploads(org)) > 1


def test_parents_by_id_and_queried_parents_round_trip(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A parent given by Id sets the lookup; a queried parent's fields are not sent back."""
    parent = org.insert("Account", {"Name": "Parent"})
    job = save_insert_bulk([Contact(LastName="Kid", Account=Account(Id=parent))], client)
    job.wait()
    assert [(r["LastName"], r["AccountId"]) for r in org.records("Contact")] == [("Kid", parent)]
    kids = [k for k in query_bulk(select(Contact, "Id", "LastName", "Account.Name"), client)]
    assert kids[0].Account is not None
    for kid in kids:
        kid.Email = "kid@example.com"
    again = save_update_bulk(kids, client)
    again.wait()
    assert again.records_failed == 0
    stored = org.records("Contact")[0]
    assert (stored["Email"], stored["AccountId"]) == ("kid@example.com", parent)


# -- failures once a job exists ---------------------------------------------------------------


def listed_jobs(client: SalesforceClient) -> list[tuple[str, str]]:
    """The org's ingest jobs as ``GET /jobs/ingest`` lists them: ``(id, state)``."""
    data = (client.get("jobs/ingest")).json()
    return [(job["id"], job["state"]) for job in data["records"]]


def test_a_failed_upload_aborts_its_job_and_names_it(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """An upload that keeps failing: the job is aborted, and the error carries it."""
    org.faults.routes = frozenset({"bulk"})
    org.faults.methods = frozenset({"PUT"})
    org.faults.rate_503 = 1.0
    with pytest.raises(BulkUploadError) as caught:
        save_insert_bulk([Account(Name="never")], client)
    org.faults.rate_503 = 0.0
    error = caught.value
    assert isinstance(error.__cause__, ServerError)
    [job] = error.jobs
    assert error.job_ids == [job.id]
    assert job.id in str(error)
    assert "uploading" in str(error)
    assert "aborted" in str(error)
    assert listed_jobs(client) == [(job.id, "Aborted")]
    assert job.state == "Aborted"


def test_a_lost_answer_to_closing_is_resolved_by_reading_the_job(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """The close PATCH applied but its answer lost: the job is read back, not sent again."""
    org.faults.routes = frozenset({"bulk"})
    org.faults.methods = frozenset({"PATCH"})
    org.faults.drop_after_apply = True
    org.faults.rate_drop = 1.0
    job = save_insert_bulk([Account(Name=f"once {n}") for n in range(3)], client)
    org.faults.rate_drop = 0.0
    assert isinstance(job, BulkIngestJob)
    assert job.state in ("UploadComplete", "InProgress")  # the GET read it closed
    methods = [r.method for r in bulk_requests(org)]
    assert (methods.count("POST"), methods.count("PUT"), methods[-1]) == (1, 1, "GET")
    job.wait()
    assert sorted(r["Name"] for r in org.records("Account")) == ["once 0", "once 1", "once 2"]
    assert len(listed_jobs(client)) == 1


def test_a_raising_progress_callback_keeps_the_job(client: SalesforceClient, org: FakeOrg) -> None:
    """A callback raising after the job is closed: BulkUploadError carries the running job."""

    def progress(event: BulkProgress) -> None:
        if event.state == "UploadComplete":
            raise RuntimeError("progress bar broke")

    with pytest.raises(BulkUploadError) as caught:
        save_insert_bulk([Account(Name="kept")], client, progress=progress)
    assert isinstance(caught.value.__cause__, RuntimeError)
    [job] = caught.value.jobs
    assert job.state == "UploadComplete"
    job.wait()
    assert [r["Name"] for r in org.records("Account")] == ["kept"]


def test_a_failure_creating_a_later_job_keeps_the_earlier_ones(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """The second job of a group cannot be created: the error holds the first, still running."""
    client.get("limits")
    org.faults.request_limit = org.stats.api_usage + 3  # POST, PUT, PATCH; the next POST fails
    with pytest.raises(BulkUploadError) as caught:
        save_insert_bulk(
            [Account(Name=f"part {n}") for n in range(40)], client, max_upload_bytes=200
        )
    org.faults.request_limit = None
    error = caught.value
    [first] = error.jobs
    assert first.state == "UploadComplete"
    assert "creating the next job" in str(error)
    assert listed_jobs(client) == [(first.id, "UploadComplete")]
    first.wait()
    assert 0 < org.count("Account") < 40


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: save_insert_bulk([], c), ValueError),
        (
            lambda c: save_insert_bulk([Account(Name="a"), Contact(LastName="b")], c),
            TypeError,
        ),
        (lambda c: save_insert_bulk([Account(Name="a"), 42], c), TypeError),
        (lambda c: save_insert_bulk([{"Name": "no sobject"}], c), TypeError),
        (lambda c: save_upsert_bulk([Account(Name="a")], "Nope__c", c), ValueError),
        (
            lambda c: save_upsert_bulk(
                [Account(Name="a", External_ID__c="1"), Account(Name="b")], "External_ID__c", c
            ),
            ValueError,
        ),
        (lambda c: save_update_bulk([Account(Name="no id")], c), ValueError),
        (
            lambda c: save_insert_bulk([Account(Id="001000000000001AAA", Name="x")], c),
            ValueError,
        ),
        (lambda c: delete_bulk(["001000000000001AAA"], c), ValueError),
        (lambda c: save_insert_bulk(Account(Name="one"), c), TypeError),
        (lambda c: save_upsert_bulk([Account(Name="a")], None, c), TypeError),
        (lambda c: delete_bulk(["001000000000001AAA"], c, sobject=5), TypeError),
        (
            lambda c: delete_bulk(["001000000000001AAA"], c, sobject=Account, hard_delete="yes"),
            TypeError,
        ),
        (lambda c: save_insert_bulk([Account(Name="#N/A")], c), ValueError),
        (lambda c: save_insert_bulk([Account()], c), ValueError),
        (lambda c: save_insert_bulk([Account(Name="a")], c, max_upload_bytes=1.5), TypeError),
        (lambda c: save_insert_bulk([Account(Name="a")], c, max_upload_bytes=0), ValueError),
    ],
    ids=[
        "empty",
        "mixed-types",
        "not-a-record",
        "dict-without-sobject",
        "unknown-external-id-field",
        "upsert-without-value",
        "update-without-id",
        "insert-with-id",
        "ids-without-sobject",
        "a-record-not-an-iterable",
        "external-id-field-none",
        "sobject-not-a-name",
        "hard-delete-not-a-bool",
        "text-that-reads-as-null",
        "a-record-without-fields",
        "upload-limit-not-an-integer",
        "upload-limit-zero",
    ],
)
def test_bad_input_is_refused_before_any_job_is_created(
    client: SalesforceClient, org: FakeOrg, call: Callable[..., Any], error: type[Exception]
) -> None:
    """Bad input raises a clear TypeError or ValueError and creates no job."""
    with pytest.raises(error):
        call(client)
    assert bulk_requests(org) == []


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: query_bulk("SELECT Id FROM Account", c, include_deleted="no"), TypeError),
        (lambda c: query_bulk("SELECT Id FROM Account", c, concurrency=2.0), TypeError),
        (lambda c: query_bulk("SELECT Id FROM Account", c, concurrency=0), ValueError),
        (lambda c: BulkQueryJob.create("SELECT Id FROM Account", c, "no"), TypeError),
        (lambda c: query_bulk("SELECT Id FROM Account", c, progress=42), TypeError),
    ],
    ids=[
        "include-deleted-text",
        "concurrency-float",
        "concurrency-zero",
        "create-flag-text",
        "progress-not-callable",
    ],
)
def test_bad_query_arguments_are_refused_before_any_job(
    client: SalesforceClient, org: FakeOrg, call: Callable[..., Any], error: type[Exception]
) -> None:
    """A wrong type is a TypeError, a wrong range a ValueError, as for the list operations."""
    with pytest.raises(error):
        call(client)
    assert bulk_requests(org) == []


def test_job_arguments_are_checked_before_any_request(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """wait(timeout=...), records(page_size=...) and write_csv(dir) fail before sending."""
    job = BulkQueryJob.create("SELECT Id FROM Account", client)
    sent = len(bulk_requests(org))
    with pytest.raises(TypeError, match="timeout"):
        job.wait(timeout="5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        job.wait(timeout=-1)
    with pytest.raises(ValueError, match="page_size"):
        _ = [r for r in job.records(page_size=0)]
    with pytest.raises(ValueError, match="page_size"):
        _ = [r for r in job.records(page_size=10, concurrency=2)]
    with pytest.raises(IsADirectoryError):
        job.write_csv(tmp_path, overwrite=True)
    assert len(bulk_requests(org)) == sent


def test_an_unknown_external_id_field_is_named(client: SalesforceClient, org: FakeOrg) -> None:
    """Upserting on a field the model does not declare says so, before any job."""
    with pytest.raises(ValueError, match="declares no field 'Nope__c'"):
        save_upsert_bulk([Account(Name="a")], "Nope__c", client)
    assert bulk_requests(org) == []


def test_plain_dicts_are_written_with_sobject(client: SalesforceClient, org: FakeOrg) -> None:
    """Dicts of API names, Python values and parent columns load like records."""
    parent = org.insert("Account", {"Name": "Parent", "External_ID__c": "P-1"})
    rows = [
        {
            "LastName": "Dict",
            "Birthdate": datetime.date(1990, 5, 17),
            "Account.External_ID__c": "P-1",
        },
        {"LastName": "Nested", "Account": {"External_ID__c": "P-1"}, "Email": None},
    ]
    job = save_insert_bulk(rows, client, sobject="Contact")
    job.wait()
    stored = sorted((r["LastName"], r["Birthdate"], r["AccountId"]) for r in org.records("Contact"))
    assert stored == [("Dict", "1990-05-17", parent), ("Nested", None, parent)]
    assert job.records_failed == 0


def test_salesforce_refuses_a_field_that_is_not_an_external_id(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A declared field that is not an external id is refused when the job is created."""
    from sf_toolkit.exceptions import SalesforceApiError

    with pytest.raises(SalesforceApiError) as caught:
        save_upsert_bulk([Account(Name="a")], "Name", client)
    assert caught.value.status_code == 400
    assert "External ID" in caught.value.message


# -- waiting, resilience -----------------------------------------------------------------------


def test_wait_timeout_names_the_job_and_does_not_abort_it(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """wait(timeout=0) raises BulkJobTimeoutError with the job id; the job keeps running."""
    org.bulk.polls_in_progress = 3
    job = save_insert_bulk([Account(Name="slow")], client)
    with pytest.raises(BulkJobTimeoutError) as caught:
        job.wait(timeout=0)
    assert caught.value.job_id == job.id
    assert job.id in str(caught.value)
    assert not [
        r for r in bulk_requests(org) if r.method == "PATCH" and r.body == {"state": "Aborted"}
    ]
    job.wait()
    assert job.state == "JobComplete"


def test_a_failed_job_raises_and_keeps_its_rows_unprocessed(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A job Salesforce fails raises BulkJobFailedError; its rows come back unprocessed."""
    job = save_insert_bulk([Opportunity(Name="a", Nope__c="x")], client)
    with pytest.raises(BulkJobFailedError) as caught:
        job.wait()
    assert caught.value.job_id == job.id
    assert "Nope__c" in (caught.value.error_message or "")
    unprocessed = [r for r in job.unprocessed_records()]
    assert [r.Name for r in unprocessed] == ["a"]


def test_session_expiry_mid_job_renews_and_the_job_completes(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Sessions expiring before the upload, the polls and the results each renew once."""
    expired: list[str] = []

    def expire_before_upload(request: httpx.Request) -> None:
        if request.method == "PUT" and not expired:
            expired.append(request.url.path)
            org.expire_sessions()

    with make_client(event_hooks={"request": [expire_before_upload]}) as client:
        job = save_insert_bulk([Account(Name=f"S{n}") for n in range(5)], client)
        org.expire_sessions()
        job.wait()
        org.expire_sessions()
        saved = [r for r in job.successful_results()]
    assert expired
    assert job.state == "JobComplete"
    assert len(saved) == 5
    assert org.stats.logins == 4
    assert [r.status for r in uploads(org)] == [401, 201]
    assert org.count("Account") == 5


def test_503s_while_uploading_polling_and_downloading_are_retried(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """With half the Bulk GETs and PUTs answered 503, the job still completes and reads."""
    with make_client(retry=NO_WAIT_PATIENT) as client:
        org.faults.routes = frozenset({"bulk"})
        org.faults.methods = frozenset({"GET", "PUT"})
        org.faults.rate_503 = 0.5
        job = save_insert_bulk([Account(Name=f"R{n}") for n in range(5)], client)
        job.wait()
        saved = [r for r in job.successful_results()]
        names = sorted([a.Name or "" for a in query_bulk(select(Account), client)])
    assert job.state == "JobComplete"
    assert len(saved) == 5
    assert names == [f"R{n}" for n in range(5)]
    assert any(r.status == 503 for r in bulk_requests(org))
    assert org.count("Account") == 5


def test_a_job_is_reattached_by_id_from_a_new_client(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """One client starts a job; another, later, gets it by Id, waits and reads its results."""
    with make_client() as first:
        job = save_insert_bulk([Contact(LastName="A"), Contact(LastName=None)], first)
        job_id = job.id
    with make_client() as second:
        again = BulkIngestJob.get(job_id, sf_client=second, model=Contact)
        assert again.id == job_id
        again.wait()
        saved = [r for r in again.successful_results()]
        failed = [r for r in again.failed_results()]
        again.delete()
        with pytest.raises(NotFoundError):
            BulkIngestJob.get(job_id, sf_client=second)
    assert [r.record.LastName for r in saved] == ["A"]
    assert isinstance(saved[0].record, Contact)
    assert failed[0].errors[0].status_code == "REQUIRED_FIELD_MISSING"


def test_abort_leaves_the_rows_unprocessed(client: SalesforceClient, org: FakeOrg) -> None:
    """Aborting a closed job before it starts keeps every row unprocessed and writes none."""
    job = save_insert_bulk([Account(Name="x"), Account(Name="y")], client)
    job.abort()
    assert job.state == "Aborted"
    job.wait()
    assert sorted([r.Name or "" for r in job.unprocessed_records()]) == ["x", "y"]
    assert org.count("Account") == 0


# -- progress ----------------------------------------------------------------------------------


def test_progress_reports_uploads_states_and_downloads(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """The callback sees the input prepared, uploaded, each polled state and the rows read."""
    events: list[BulkProgress] = []

    def progress(event: BulkProgress) -> None:
        events.append(event)

    job = save_insert_bulk(
        (Account(Name=f"P{n}") for n in range(12_000)), client, progress=progress
    )
    prepared = [(e.job_id, e.state, e.records_prepared) for e in events]
    assert prepared[:3] == [
        (None, "Preparing", 5_000),
        (None, "Preparing", 10_000),
        (None, "Preparing", 12_000),
    ]
    events = events[3:]
    assert [(e.state, e.records_uploaded) for e in events] == [
        ("Open", 12_000),
        ("UploadComplete", 12_000),
    ]
    job.wait()
    _ = [r for r in job.successful_results()]
    assert all(e.job_id == job.id for e in events)
    states = [e.state for e in events]
    assert "InProgress" in states
    assert "JobComplete" in states
    assert events[-1].records_processed == 12_000
    assert events[-1].rows_downloaded == 12_000


# -- queries -----------------------------------------------------------------------------------


def test_query_bulk_yields_typed_records(client: SalesforceClient, org: FakeOrg) -> None:
    """A builder's bulk query converts CSV text by field type, parents included."""
    parent = org.insert("Account", {"Name": "Parent", "NumberOfEmployees": 7})
    org.insert("Contact", {"LastName": "Kid", "AccountId": parent, "Birthdate": "1990-05-17"})
    org.insert("Contact", {"LastName": "Alone"})
    query = select(
        Contact, "Id", "LastName", "Birthdate", "Account.Name", "Account.NumberOfEmployees"
    ).order_by("LastName")
    alone, kid = [c for c in query_bulk(query, client)]
    assert kid.LastName == "Kid"
    assert kid.Birthdate == datetime.date(1990, 5, 17)
    assert kid.Account is not None
    assert kid.Account.Name == "Parent"
    assert kid.Account.NumberOfEmployees == 7
    assert alone.Birthdate is None
    assert alone.Account is None


@pytest.mark.parametrize("concurrency", [1, 3])
def test_query_pages_are_yielded_in_order(
    client: SalesforceClient, org: FakeOrg, concurrency: int
) -> None:
    """Every page is read (concurrently with resultPages), and records keep their order."""
    org.bulk.query_page_size = 10
    for n in range(45):
        org.insert("Account", {"Name": f"Q{n:02d}"})
    org.faults.latency = 0.01
    query = select(Account, "Id", "Name").order_by("Name")
    names = [a.Name for a in query_bulk(query, client, concurrency=concurrency)]
    assert names == [f"Q{n:02d}" for n in range(45)]
    pages = [r for r in bulk_requests(org) if r.path.endswith("/results")]
    assert len(pages) == 5
    listings = [r for r in bulk_requests(org) if r.path.endswith("/resultPages")]
    assert len(listings) == (0 if concurrency == 1 else 1)
    if concurrency > 1:
        assert 2 <= org.stats.max_in_flight <= concurrency


def test_query_bulk_include_deleted_uses_query_all(client: SalesforceClient, org: FakeOrg) -> None:
    """include_deleted=True creates a queryAll job that sees deleted rows."""
    kept = org.insert("Account", {"Name": "Kept"})
    gone = org.insert("Account", {"Name": "Gone"})
    job = delete_bulk([gone], client, sobject="Account")
    job.wait()
    live = [a.Id for a in query_bulk("SELECT Id FROM Account", client)]
    every = [a.Id for a in query_bulk("SELECT Id FROM Account", client, True)]
    assert live == [kept]
    assert sorted(every) == sorted([kept, gone])


def test_query_job_writes_its_results_to_a_csv_file(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """write_csv copies every page as sent, with one header row, without parsing."""
    org.bulk.query_page_size = 2
    for name in ("a", 'say "hi"', "c"):
        org.insert("Account", {"Name": name})
    job = BulkQueryJob.create("SELECT Name FROM Account ORDER BY Name", client)
    job.wait()
    path = job.write_csv(tmp_path / "accounts.csv")
    assert path.read_text(encoding="utf-8") == '"Name"\n"a"\n"c"\n"say ""hi"""\n'
    with pytest.raises(FileExistsError):
        job.write_csv(path)


def test_a_failing_query_job_raises(client: SalesforceClient, org: FakeOrg) -> None:
    """Salesforce refuses what Bulk queries cannot do, as a typed API error."""
    from sf_toolkit.exceptions import SalesforceApiError

    with pytest.raises(SalesforceApiError):
        _ = [r for r in query_bulk("SELECT COUNT() FROM Account", client)]


def test_a_large_bulk_query_streams_with_bounded_memory(
    make_client: Callable[..., SalesforceClient],
) -> None:
    """Iterating 5,000 bulk rows holds about one page at a time, not the whole result."""
    big = FakeOrg(seed=5)
    for n in range(5_000):
        big.store.insert("Account", {"Name": f"Account {n:05d} " + "x" * 200})
    big.bulk.query_page_size = 500
    query = select(Account, "Id", "Name")
    with make_client(transport=big.transport()) as client:
        # The job runs before the measure: the org, in this process, writes its result file.
        job = BulkQueryJob.create(query, client)
        job.wait()
        tracemalloc.start()
        try:
            seen = 0
            for _ in job.records():
                seen += 1
            _, streamed_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            kept = [a for a in job.records()]
            _, kept_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == len(kept) == 5_000
    # Ten pages of 500: streaming must stay far below holding them all.
    assert streamed_peak < kept_peak / 2


def test_concurrent_page_downloads_renew_an_expired_session_once(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Three page downloads that all meet an expired session cause one login, then finish."""
    org.bulk.query_page_size = 10
    for n in range(30):
        org.insert("Account", {"Name": f"E{n:02d}"})
    org.faults.latency = 0.01
    expired: list[str] = []

    def expire_at_first_page(request: httpx.Request) -> None:
        if request.url.path.endswith("/results") and not expired:
            expired.append(request.url.path)
            org.expire_sessions()

    with make_client(event_hooks={"request": [expire_at_first_page]}) as client:
        job = BulkQueryJob.create(select(Account).order_by("Name"), client)
        job.wait()
        logins = org.stats.logins
        names = [a.Name for a in job.records(concurrency=3)]
    assert names == [f"E{n:02d}" for n in range(30)]
    assert org.stats.logins == logins + 1
    refused = [r for r in bulk_requests(org) if r.path.endswith("/results") and r.status == 401]
    assert len(refused) >= 2  # several were in flight with the old session


def test_query_pages_follow_the_locator_with_max_records(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """page_size asks for maxRecords per page; the locator is followed to the end."""
    for n in range(20):
        org.insert("Account", {"Name": f"M{n:02d}"})
    job = BulkQueryJob.create("SELECT Name FROM Account ORDER BY Name", client)
    job.wait()
    names = [a.Name for a in job.records(page_size=7)]
    assert names == [f"M{n:02d}" for n in range(20)]
    pages = [r for r in bulk_requests(org) if r.path.endswith("/results")]
    assert [r.params.get("maxRecords") for r in pages] == ["7", "7", "7"]
    assert "locator" not in pages[0].params
    assert all(r.params.get("locator") for r in pages[1:])


def test_an_aborted_query_job_has_no_results(client: SalesforceClient, org: FakeOrg) -> None:
    """Aborting a query job ends it Aborted; waiting on it raises BulkJobFailedError."""
    job = BulkQueryJob.create("SELECT Id FROM Account", client)
    job.abort()
    assert job.state == "Aborted"
    with pytest.raises(BulkJobFailedError) as caught:
        job.wait()
    assert caught.value.state == "Aborted"


def test_a_job_made_by_another_tool_reads_with_its_own_delimiter(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A reattached TAB/CRLF job's results read with its delimiter and line ending."""
    spec = {
        "object": "Contact",
        "operation": "insert",
        "columnDelimiter": "TAB",
        "lineEnding": "CRLF",
    }
    created = client.post("jobs/ingest", json=spec)
    job_id = created.json()["id"]
    upload = "LastName\tEmail\r\nTabbed\ttab@example.com\r\n\tnobody@example.com\r\n"
    put = client.put(
        f"jobs/ingest/{job_id}/batches",
        content=upload.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert put.status_code == 201
    client.patch(f"jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    job = BulkIngestJob.get(job_id, client, model=Contact)
    job.wait()
    saved = [r for r in job.successful_results()]
    failed = [r for r in job.failed_results()]
    assert [(r.record.LastName, r.record.Email) for r in saved] == [("Tabbed", "tab@example.com")]
    assert failed[0].record.Email == "nobody@example.com"
    assert failed[0].errors[0].status_code == "REQUIRED_FIELD_MISSING"


def test_rows_without_a_model_are_typed_by_describe(client: SalesforceClient, org: FakeOrg) -> None:
    """With no model for the sObject, describe types the values: numbers, booleans, dates."""
    org.add_object(
        {
            "name": "Unmodelled__c",
            "fields": [
                {"name": "Name", "type": "string"},
                {"name": "Count__c", "type": "int"},
                {"name": "Live__c", "type": "boolean"},
                {"name": "Day__c", "type": "date"},
                {"name": "Note__c", "type": "string"},
            ],
        }
    )
    org.insert(
        "Unmodelled__c", {"Name": "u", "Count__c": 3, "Live__c": True, "Day__c": "2024-02-29"}
    )
    soql = "SELECT Name, Count__c, Live__c, Day__c, Note__c FROM Unmodelled__c"
    (record,) = [r for r in query_bulk(soql, client)]
    assert api_name_of(record) == "Unmodelled__c"
    assert record.Count__c == 3
    assert record.Live__c is True
    assert record.Day__c == datetime.date(2024, 2, 29)
    assert record.Note__c is None
    assert len([r for r in org.requests if r.route == "describe"]) == 1


PAGE_ROWS = 4_000
ROW = b'"0015g0000000001AAA","' + b"n" * 1_000 + b'"\n'


def test_concurrent_result_pages_stay_bounded_in_memory(
    org: FakeOrg, login: Any, generated_body: Callable[..., Any]
) -> None:
    """Four 4 MB pages read four at a time: each spooled, memory bounded whatever their size."""

    def rows(page: int) -> Iterator[bytes]:
        yield b'"Id","Name"\n'
        for _ in range(PAGE_ROWS // 100):
            yield ROW * 100

    def pages(request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.endswith("/resultPages"):
            base = path.removesuffix("/resultPages")
            urls = [{"resultUrl": f"{base}/results?locator=L{n}"} for n in range(4)]
            return httpx.Response(200, json={"resultPages": urls, "done": True})
        if "/jobs/query/" in path and path.endswith("/results"):
            page = int(request.url.params["locator"].removeprefix("L"))
            return httpx.Response(200, stream=generated_body(lambda: rows(page)))
        return None

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return pages(request) or org.handle(request)

    transport = httpx.MockTransport(handler)
    with SalesforceClient(login=login, transport=transport, retry=NO_WAIT_PATIENT) as client:
        job = BulkQueryJob.create(select(Account, "Id", "Name"), client)
        job.wait()
        tracemalloc.start()
        try:
            seen = 0
            for _ in job.records(concurrency=4):
                seen += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == 4 * PAGE_ROWS
    page_bytes = len(ROW) * PAGE_ROWS
    # Holding the four pages whole, then their parsed rows, peaked at 19 pages' worth (78 MB).
    # Spooled, each download keeps at most 1 MB of page in memory (the rest in a temporary
    # file) and one 1 MB read's rows are parsed at a time, whatever the page size.
    assert peak < 5 * page_bytes
