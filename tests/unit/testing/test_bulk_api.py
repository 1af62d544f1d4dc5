"""
Bulk API 2.0 in the fake org, against docs/salesforce-wire.md §10, §11 and §15.

The tests run `BulkApi` over a tiny dict-backed `BulkBackend` defined here.

The real store lives elsewhere; this one knows Account, Contact, Lead and Task, validates
required fields, types and references, and answers the few SOQL shapes the bulk code sends
(``SELECT a, B.c FROM X [WHERE f = v | f IN (...)]``). Its own tests pin that down,
so a broken helper fails loudly rather than making the bulk tests pass by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import requests
from aiosalesforce import Salesforce
from aiosalesforce.auth import Auth
from simple_salesforce.bulk2 import SFBulk2Handler

from sf_toolkit.ids import is_valid_id, to_id18
from sf_toolkit.testing._bulk import BulkApi
from sf_toolkit.testing._protocols import DmlError, DmlOutcome, FieldRef, QueryResult, SoqlError

_ID = FieldRef("Id", "id", createable=False, updateable=False)
SCHEMA: dict[str, list[FieldRef]] = {
    "Account": [
        _ID,
        FieldRef("Name", "string"),
        FieldRef("External_ID__c", "string", external_id=True),
        FieldRef("NumberOfEmployees", "int"),
        FieldRef("AnnualRevenue", "currency"),
        FieldRef("Active__c", "boolean"),
        FieldRef("Tags__c", "multipicklist"),
        FieldRef("Founded__c", "date"),
        FieldRef("BillingAddress", "address", createable=False, updateable=False),
        FieldRef("ParentId", "reference", ("Account",), "Parent"),
    ],
    "Contact": [
        _ID,
        FieldRef("LastName", "string"),
        FieldRef("FirstName", "string"),
        FieldRef("Email", "email"),
        FieldRef("AccountId", "reference", ("Account",), "Account"),
        FieldRef("Birthdate", "date"),
    ],
    "Lead": [_ID, FieldRef("LastName", "string"), FieldRef("Email", "email", external_id=True)],
    "Task": [
        _ID,
        FieldRef("Subject", "string"),
        FieldRef("WhoId", "reference", ("Contact", "Lead"), "Who"),
    ],
}
REQUIRED = {"Account": "Name", "Contact": "LastName", "Lead": "LastName", "Task": "Subject"}
PREFIXES = {"Account": "001", "Contact": "003", "Lead": "00Q", "Task": "00T"}
_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<field>\w+)\s*(?P<op>=|IN)\s*(?P<value>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_LITERAL = re.compile(r"'((?:\\.|[^'\\])*)'|(-?\d+(?:\.\d+)?)")


class MemoryBackend:
    """Rows per sObject keyed by Id, plus the soft-deleted ones."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}
        self.deleted: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}
        self.hard_deleted: list[str] = []
        self._serial = 0

    # -- schema ---------------------------------------------------------------------------

    def canonical_object(self, name: str) -> str | None:
        return next((known for known in SCHEMA if known.lower() == name.lower()), None)

    def field(self, sobject: str, name: str) -> FieldRef | None:
        fields = SCHEMA.get(sobject, [])
        return next((ref for ref in fields if ref.name.lower() == name.lower()), None)

    # -- writes ---------------------------------------------------------------------------

    def _find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        for sobject, rows in self.rows.items():
            if record_id in rows:
                return sobject, rows[record_id]
        return None

    def _validate(self, sobject: str, values: Mapping[str, Any]) -> list[DmlError]:
        errors = []
        for name, value in values.items():
            ref = self.field(sobject, name)
            if ref is None:
                errors.append(DmlError("INVALID_FIELD", f"No such column '{name}'", [name]))
            elif ref.type == "reference" and value is not None:
                found = self._find(str(value))
                if found is None or found[0] not in ref.reference_to:
                    errors.append(
                        DmlError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
                    )
            elif ref.type == "boolean" and not isinstance(value, bool):
                errors.append(DmlError("INVALID_TYPE", "not a boolean", [name]))
        required = REQUIRED[sobject]
        if required in values and values[required] is None:
            errors.append(
                DmlError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{required}]",
                    [required],
                )
            )
        return errors

    def insert(self, sobject: str, values: Mapping[str, Any]) -> DmlOutcome:
        errors = self._validate(sobject, values)
        required = REQUIRED[sobject]
        if values.get(required) is None and not errors:
            errors.append(
                DmlError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{required}]",
                    [required],
                )
            )
        if errors:
            return DmlOutcome(None, False, errors=errors)
        self._serial += 1
        record_id = to_id18(f"{PREFIXES[sobject]}5g000000{self._serial:04d}")
        self.rows[sobject][record_id] = {"Id": record_id, **dict(values)}
        return DmlOutcome(record_id, True, created=True)

    def update(self, sobject: str, record_id: str, values: Mapping[str, Any]) -> DmlOutcome:
        if len(record_id) not in (15, 18):
            return DmlOutcome(None, False, errors=[DmlError("MALFORMED_ID", "bad id", ["Id"])])
        record_id = to_id18(record_id)
        row = self.rows[sobject].get(record_id)
        if row is None:
            error = DmlError("ENTITY_IS_DELETED", "entity is deleted", [])
            return DmlOutcome(record_id, False, errors=[error])
        errors = self._validate(sobject, values)
        if errors:
            return DmlOutcome(record_id, False, errors=errors)
        row.update(values)
        return DmlOutcome(record_id, True)

    def upsert(self, sobject: str, external_id_field: str, values: Mapping[str, Any]) -> DmlOutcome:
        key = str(values[external_id_field]).lower()
        matches = [
            row
            for row in self.rows[sobject].values()
            if str(row.get(external_id_field)).lower() == key
        ]
        if len(matches) > 1:
            error = DmlError("DUPLICATE_EXTERNAL_ID", "more than one record found", [])
            return DmlOutcome(None, False, errors=[error])
        if not matches:
            return self.insert(sobject, values)
        rest = {k: v for k, v in values.items() if k != "Id"}
        outcome = self.update(sobject, matches[0]["Id"], rest)
        outcome.created = False
        return outcome

    def delete(self, sobject: str, record_id: str, *, hard: bool = False) -> DmlOutcome:
        record_id = to_id18(record_id) if len(record_id) in (15, 18) else record_id
        row = self.rows[sobject].pop(record_id, None)
        if row is None:
            error = DmlError("ENTITY_IS_DELETED", "entity is deleted", [])
            return DmlOutcome(record_id, False, errors=[error])
        if hard:
            self.hard_deleted.append(record_id)
        else:
            self.deleted[sobject][record_id] = row
        return DmlOutcome(record_id, True)

    # -- queries --------------------------------------------------------------------------

    def _column(self, sobject: str, path: str) -> tuple[str, FieldRef, FieldRef | None]:
        if "." not in path:
            ref = self.field(sobject, path)
            if ref is None:
                raise SoqlError("INVALID_FIELD", f"No such column '{path}' on entity '{sobject}'")
            return ref.name, ref, None
        relationship, _, name = path.partition(".")
        lookup = next(
            (
                ref
                for ref in SCHEMA[sobject]
                if (ref.relationship_name or "").lower() == relationship.lower()
            ),
            None,
        )
        if lookup is None:
            raise SoqlError("INVALID_FIELD", f"Didn't understand relationship '{relationship}'")
        parent = self.field(lookup.reference_to[0], name)
        if parent is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{name}'")
        return f"{lookup.relationship_name}.{parent.name}", parent, lookup

    def query(self, soql: str, *, include_deleted: bool) -> QueryResult:
        match = _QUERY.match(soql)
        if match is None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: {soql[:20]}")
        sobject = self.canonical_object(match["object"])
        if sobject is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{match['object']}' is not supported.")
        paths = [part.strip() for part in match["fields"].split(",")]
        if [p.upper() for p in paths] == ["COUNT()"]:
            return QueryResult(sobject, len(self.rows[sobject]), [], is_count=True)
        columns = [self._column(sobject, path) for path in paths]
        rows = list(self.rows[sobject].values())
        if include_deleted:
            rows += list(self.deleted[sobject].values())
        if match["field"]:
            where = self.field(sobject, match["field"])
            if where is None:
                raise SoqlError("INVALID_FIELD", f"No such column '{match['field']}'")
            wanted = {
                float(m[2]) if m[2] is not None else re.sub(r"\\(.)", r"\1", m[1]).lower()
                for m in _LITERAL.finditer(match["value"])
            }

            def key(value: Any) -> Any:
                return float(value) if isinstance(value, int | float) else str(value).lower()

            rows = [row for row in rows if key(row.get(where.name)) in wanted]
        records = [self._record(sobject, row, columns) for row in rows]
        return QueryResult(sobject, len(records), records, [path for path, _, _ in columns])

    def _record(
        self,
        sobject: str,
        row: Mapping[str, Any],
        columns: list[tuple[str, FieldRef, FieldRef | None]],
    ) -> dict[str, Any]:
        url = f"/services/data/v59.0/sobjects/{sobject}/{row['Id']}"
        record: dict[str, Any] = {"attributes": {"type": sobject, "url": url}}
        for _path, ref, lookup in columns:
            if lookup is None:
                record[ref.name] = row.get(ref.name)
                continue
            assert lookup.relationship_name is not None
            parent_id = row.get(lookup.name)
            found = self._find(parent_id) if parent_id else None
            if found is None:
                record[lookup.relationship_name] = None
                continue
            parent = record.get(lookup.relationship_name) or {"attributes": {"type": found[0]}}
            parent[ref.name] = found[1].get(ref.name)
            record[lookup.relationship_name] = parent
        return record


# -- harness -----------------------------------------------------------------------------


class Harness:
    """A `BulkApi` over a `MemoryBackend`, with a fixed clock and request helpers."""

    USER = "0055g00000AbCdEAAV"

    def __init__(self, **options: Any) -> None:
        self.backend = MemoryBackend()
        self.now = datetime(2024, 1, 31, 12, 34, 56, tzinfo=timezone.utc)
        self.api = BulkApi(self.backend, clock=lambda: self.now, **options)

    def call(
        self,
        method: str,
        subpath: str,
        *,
        json_body: Any = None,
        body: bytes = b"",
        params: Mapping[str, str] | None = None,
        version: str = "59.0",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        if json_body is not None:
            body = json.dumps(json_body).encode()
        response = self.api.handle(
            method, subpath, params or {}, headers or {}, body, version, self.USER
        )
        response.read()  # as a transport does: a result download is a stream of stored bytes
        return response

    def ingest_job(self, operation: str = "insert", sobject: str = "Account", **spec: Any) -> str:
        response = self.call(
            "POST", "ingest", json_body={"object": sobject, "operation": operation, **spec}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def run_ingest(
        self, csv_text: str, operation: str = "insert", sobject: str = "Account", **spec: Any
    ) -> str:
        """Create, upload, close and poll a job until it is no longer running; return its Id."""
        job = self.ingest_job(operation, sobject, **spec)
        assert self.call("PUT", f"ingest/{job}/batches", body=csv_text.encode()).status_code == 201
        closed = self.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
        assert closed.status_code == 200, closed.text
        self.poll_until_done("ingest", job)
        return job

    def poll_until_done(self, kind: str, job: str) -> dict[str, Any]:
        for _ in range(10):
            info: dict[str, Any] = self.call("GET", f"{kind}/{job}").json()
            if info["state"] not in ("UploadComplete", "InProgress"):
                return info
        raise AssertionError(f"job {job} never finished")

    def insert_account(self, **values: Any) -> str:
        outcome = self.backend.insert("Account", values)
        assert outcome.id is not None
        return outcome.id


# -- the helper's own behaviour -----------------------------------------------------------


def test_memory_backend_query_filters_by_in_list_case_insensitively() -> None:
    """The helper's `IN` filter matches strings without regard to case."""
    backend = MemoryBackend()
    backend.insert("Account", {"Name": "A", "External_ID__c": "X-1"})
    backend.insert("Account", {"Name": "B", "External_ID__c": "x-2"})
    result = backend.query(
        "SELECT Id, External_ID__c FROM Account WHERE External_ID__c IN ('x-1', 'X-2')",
        include_deleted=False,
    )
    assert sorted(r["External_ID__c"] for r in result.records) == ["X-1", "x-2"]


def test_memory_backend_query_nests_parent_fields() -> None:
    """The helper returns parent paths as nested records, like the SOQL engine."""
    backend = MemoryBackend()
    account = backend.insert("Account", {"Name": "Acme"}).id
    backend.insert("Contact", {"LastName": "Ann", "AccountId": account})
    result = backend.query("SELECT LastName, Account.Name FROM Contact", include_deleted=False)
    assert result.columns == ["LastName", "Account.Name"]
    assert result.records[0]["Account"]["Name"] == "Acme"


def test_memory_backend_refuses_unknown_columns() -> None:
    """The helper raises SoqlError with INVALID_FIELD for an unknown column."""
    with pytest.raises(SoqlError) as caught:
        MemoryBackend().query("SELECT Nope FROM Account", include_deleted=False)
    assert caught.value.error_code == "INVALID_FIELD"


# == ingest jobs ==========================================================================


@pytest.fixture
def h() -> Harness:
    return Harness()


def _results(h: Harness, job: str, which: str) -> str:
    response = h.call("GET", f"ingest/{job}/{which}")
    assert response.status_code == 200
    return response.text


# -- creating jobs ------------------------------------------------------------------------


def test_create_returns_the_complete_open_job(h: Harness) -> None:
    """Creating a job answers 200 with Salesforce's job JSON, state Open."""
    response = h.call(
        "POST",
        "ingest",
        json_body={"object": "account", "operation": "insert", "contentType": "CSV"},
    )
    assert response.status_code == 200
    body = response.json()
    job = body["id"]
    assert job.startswith("750")
    assert is_valid_id(job)
    assert len(job) == 18
    assert body == {
        "id": job,
        "operation": "insert",
        "object": "Account",
        "createdById": Harness.USER,
        "createdDate": "2024-01-31T12:34:56.000+0000",
        "systemModstamp": "2024-01-31T12:34:56.000+0000",
        "state": "Open",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": 59.0,
        "contentUrl": f"services/data/v59.0/jobs/ingest/{job}/batches",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }


def test_create_upsert_records_the_canonical_external_id_field(h: Harness) -> None:
    """An upsert job echoes its external id field with the field's canonical spelling."""
    response = h.call(
        "POST",
        "ingest",
        json_body={
            "object": "Account",
            "operation": "upsert",
            "externalIdFieldName": "external_id__c",
        },
    )
    assert response.json()["externalIdFieldName"] == "External_ID__c"


def test_job_ids_are_distinct(h: Harness) -> None:
    """Every job gets its own Id."""
    assert len({h.ingest_job() for _ in range(5)}) == 5


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "JSON_PARSER_ERROR"),
        (b"", 400, "JSON_PARSER_ERROR"),
        (b"[1, 2]", 400, "JSON_PARSER_ERROR"),
        (b'{"object": "Nope", "operation": "insert"}', 400, "INVALIDENTITY"),
        (b'{"object": "Account", "operation": "merge"}', 400, "JSON_PARSER_ERROR"),
        (b'{"object": "Account"}', 400, "INVALIDJOB"),
        (b'{"operation": "insert"}', 400, "INVALIDJOB"),
        (b'{"object": "Account", "operation": "upsert"}', 400, "INVALIDJOB"),
        (
            b'{"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"}',
            400,
            "INVALIDJOB",
        ),
        (
            b'{"object": "Account", "operation": "insert", "columnDelimiter": "COLON"}',
            400,
            "JSON_PARSER_ERROR",
        ),
        (
            b'{"object": "Account", "operation": "insert", "lineEnding": "CR"}',
            400,
            "JSON_PARSER_ERROR",
        ),
        (
            b'{"object": "Account", "operation": "insert", "contentType": "JSON"}',
            400,
            "JSON_PARSER_ERROR",
        ),
    ],
)
def test_create_refuses_bad_specs_with_salesforce_error_arrays(
    h: Harness, body: bytes, status: int, code: str
) -> None:
    """A bad job spec gets an error array with Salesforce's code."""
    response = h.call("POST", "ingest", body=body)
    assert response.status_code == status
    [error] = response.json()
    assert error["errorCode"] == code
    assert error["message"]


def _multipart(job: dict[str, Any], content: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = "BOUNDARY"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="job"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f"{json.dumps(job)}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="content"; filename="content"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_multipart_create_starts_the_job_upload_complete(h: Harness) -> None:
    """A multipart create carries the CSV and leaves the job UploadComplete, ready to run."""
    body, headers = _multipart({"object": "Account", "operation": "insert"}, b"Name\nAcme\n")
    response = h.call("POST", "ingest", body=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["state"] == "UploadComplete"
    info = h.poll_until_done("ingest", response.json()["id"])
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 1)


@pytest.mark.parametrize(("content", "status"), [(b"Name\n" + b"x\n" * 50_000, 413), (None, 400)])
def test_multipart_create_limits(h: Harness, content: bytes | None, status: int) -> None:
    """A multipart create over 100,000 bytes, or without a content part, is refused."""
    body, headers = _multipart({"object": "Account", "operation": "insert"}, content or b"")
    if content is None:
        body = body.replace(b'name="content"', b'name="other"')
    assert h.call("POST", "ingest", body=body, headers=headers).status_code == status


# -- uploading and closing ----------------------------------------------------------------


def test_upload_answers_exactly_201_with_an_empty_body(h: Harness) -> None:
    """PUT of the CSV answers 201 and nothing else (simple-salesforce checks for 201)."""
    job = h.ingest_job()
    response = h.call(
        "PUT", f"ingest/{job}/batches/", body=b"Name\nAcme\n", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 201
    assert response.content == b""


def test_upload_to_a_closed_job_is_refused(h: Harness) -> None:
    """Uploading after UploadComplete answers 400 INVALIDJOBSTATE."""
    job = h.ingest_job()
    h.call("PUT", f"ingest/{job}/batches", body=b"Name\nAcme\n")
    h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    response = h.call("PUT", f"ingest/{job}/batches", body=b"Name\nMore\n")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_upload_over_the_size_limit_is_refused() -> None:
    """An upload beyond max_upload_bytes answers 413 EXCEEDED_MAX_SIZE_REQUEST."""
    h = Harness(max_upload_bytes=10)
    job = h.ingest_job()
    response = h.call("PUT", f"ingest/{job}/batches", body=b"Name\nA long enough name\n")
    assert response.status_code == 413
    assert response.json()[0]["errorCode"] == "EXCEEDED_MAX_SIZE_REQUEST"


def test_a_second_upload_is_refused_and_the_first_kept(h: Harness) -> None:
    """Salesforce takes one PUT per job: the second gets 'Found multiple contents'."""
    job = h.ingest_job()
    assert h.call("PUT", f"ingest/{job}/batches", body=b"Name\nAcme\n").status_code == 201
    response = h.call("PUT", f"ingest/{job}/batches", body=b"Name\nMore\n")
    assert response.status_code == 400
    [error] = response.json()
    assert error["message"].startswith(f"Found multiple contents for job: <{job}>")
    h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    assert h.poll_until_done("ingest", job)["numberRecordsProcessed"] == 1


def test_closing_without_data_fails_the_job(h: Harness) -> None:
    """A job closed without an upload fails when processed."""
    job = h.ingest_job()
    h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    assert h.poll_until_done("ingest", job)["state"] == "Failed"


def test_close_answers_the_job_in_upload_complete(h: Harness) -> None:
    """PATCH UploadComplete answers 200 with the job JSON in its new state."""
    job = h.ingest_job()
    h.call("PUT", f"ingest/{job}/batches", body=b"Name\nAcme\n")
    h.now = h.now.replace(second=59)
    response = h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "UploadComplete"
    assert body["systemModstamp"] == "2024-01-31T12:34:59.000+0000"
    assert body["createdDate"] == "2024-01-31T12:34:56.000+0000"


# -- the state machine --------------------------------------------------------------------


def _states_seen(h: Harness, job: str) -> list[str]:
    return [h.call("GET", f"ingest/{job}").json()["state"] for _ in range(4)]


@pytest.mark.parametrize(
    ("polls", "expected"),
    [
        (0, ["JobComplete"] * 4),
        (1, ["InProgress", "JobComplete", "JobComplete", "JobComplete"]),
        (2, ["InProgress", "InProgress", "JobComplete", "JobComplete"]),
    ],
)
def test_polls_move_a_closed_job_through_in_progress(polls: int, expected: list[str]) -> None:
    """Each poll advances UploadComplete -> InProgress -> JobComplete, as configured."""
    h = Harness(polls_in_progress=polls)
    job = h.ingest_job()
    h.call("PUT", f"ingest/{job}/batches", body=b"Name\nAcme\n")
    h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    assert _states_seen(h, job) == expected


def test_rows_are_written_when_the_job_starts(h: Harness) -> None:
    """Nothing is written on close; the first poll (InProgress) writes the rows."""
    job = h.ingest_job()
    h.call("PUT", f"ingest/{job}/batches", body=b"Name\nAcme\n")
    h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    assert h.backend.rows["Account"] == {}
    assert h.call("GET", f"ingest/{job}").json()["state"] == "InProgress"
    assert len(h.backend.rows["Account"]) == 1


def test_completed_job_info_is_complete(h: Harness) -> None:
    """Job info carries jobType, integer counters, retries and timings."""
    job = h.run_ingest("Name\nAcme\n\nGlobex\n")
    info = h.call("GET", f"ingest/{job}").json()
    assert info["jobType"] == "V2Ingest"
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 2
    assert info["numberRecordsFailed"] == 0
    assert info["retries"] == 0
    for key in ("totalProcessingTime", "apiActiveProcessingTime", "apexProcessingTime"):
        assert isinstance(info[key], int)
    assert "errorMessage" not in info


@pytest.mark.parametrize("state", ["Open", "JobComplete", "InProgress", "Bogus"])
def test_invalid_state_changes_are_refused(h: Harness, state: str) -> None:
    """Only UploadComplete (from Open) and Aborted are accepted state changes."""
    job = h.run_ingest("Name\nAcme\n")
    response = h.call("PATCH", f"ingest/{job}", json_body={"state": state})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_abort_an_open_job_leaves_its_rows_unprocessed(h: Harness) -> None:
    """Aborting before processing writes nothing and lists every row as unprocessed."""
    job = h.ingest_job()
    h.call("PUT", f"ingest/{job}/batches", body=b"Name,NumberOfEmployees\nAcme,5\n")
    response = h.call("PATCH", f"ingest/{job}", json_body={"state": "Aborted"})
    assert response.status_code == 200
    assert response.json()["state"] == "Aborted"
    assert h.call("GET", f"ingest/{job}").json()["state"] == "Aborted"
    assert h.backend.rows["Account"] == {}
    assert _results(h, job, "unprocessedrecords") == 'Name,NumberOfEmployees\n"Acme","5"\n'


def test_abort_after_completion_is_refused(h: Harness) -> None:
    """A finished job cannot be aborted: 400 INVALIDJOBSTATE."""
    job = h.run_ingest("Name\nAcme\n")
    response = h.call("PATCH", f"ingest/{job}", json_body={"state": "Aborted"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_delete_an_open_job_is_refused(h: Harness) -> None:
    """DELETE of a job that is still Open answers 400."""
    job = h.ingest_job()
    response = h.call("DELETE", f"ingest/{job}")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "API_ERROR"


def test_delete_a_finished_job_answers_204_and_forgets_it(h: Harness) -> None:
    """DELETE of a completed job answers 204 without a body; the job is then gone."""
    job = h.run_ingest("Name\nAcme\n")
    response = h.call("DELETE", f"ingest/{job}/")
    assert response.status_code == 204
    assert response.content == b""
    assert h.call("GET", f"ingest/{job}").status_code == 404


# -- routing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subpath",
    ["ingest/7505g000000AbCdAAK", "ingest/not-an-id", "ingest/{job}/nope", "bulk", ""],
)
def test_unknown_resources_answer_404_not_found(h: Harness, subpath: str) -> None:
    """Unknown jobs and resources answer 404 with NOT_FOUND."""
    job = h.ingest_job()
    response = h.call("GET", subpath.format(job=job))
    assert response.status_code == 404
    assert response.json() == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]


def test_an_ingest_job_is_not_a_query_job(h: Harness) -> None:
    """An ingest job's Id is unknown under /jobs/query."""
    job = h.ingest_job()
    assert h.call("GET", f"query/{job}").status_code == 404


@pytest.mark.parametrize(
    ("method", "subpath"),
    [("PUT", "ingest"), ("POST", "ingest/{job}"), ("GET", "ingest/{job}/batches")],
)
def test_wrong_methods_answer_405(h: Harness, method: str, subpath: str) -> None:
    """A known resource with the wrong method answers 405 METHOD_NOT_ALLOWED."""
    job = h.ingest_job()
    response = h.call(method, subpath.format(job=job))
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_the_15_character_job_id_is_accepted(h: Harness) -> None:
    """A job can be addressed by its 15-character Id."""
    job = h.ingest_job()
    assert h.call("GET", f"ingest/{job[:15]}").json()["id"] == job


def test_list_jobs_pages_with_next_records_url() -> None:
    """GET ingest lists jobs in pages linked by nextRecordsUrl, null on the last page."""
    h = Harness(list_page_size=2)
    jobs = [h.ingest_job() for _ in range(3)]
    first = h.call("GET", "ingest").json()
    assert first["done"] is False
    assert [r["id"] for r in first["records"]] == jobs[:2]
    assert first["records"][0]["jobType"] == "V2Ingest"
    url = first["nextRecordsUrl"]
    assert url.startswith("/services/data/v59.0/jobs/ingest?queryLocator=")
    locator = url.split("=", 1)[1]
    second = h.call("GET", "ingest", params={"queryLocator": locator}).json()
    assert second == {"done": True, "records": second["records"], "nextRecordsUrl": None}
    assert [r["id"] for r in second["records"]] == jobs[2:]


def test_list_jobs_filters_by_job_type(h: Harness) -> None:
    """Filtering on another jobType lists nothing."""
    h.ingest_job()
    assert h.call("GET", "ingest", params={"jobType": "Classic"}).json()["records"] == []


def test_concurrent_job_creation_is_safe() -> None:
    """Jobs created from many threads at once all get distinct Ids and are all listed."""
    h = Harness(list_page_size=10_000)
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = list(pool.map(lambda _: h.ingest_job(), range(160)))
    assert len(set(jobs)) == 160
    assert len(h.call("GET", "ingest").json()["records"]) == 160


# -- result files -------------------------------------------------------------------------


def test_successful_results_quote_values_and_echo_the_header(h: Harness) -> None:
    """successfulResults: quoted sf__ header cells, the header as sent, quoted values."""
    job = h.run_ingest('Name,NumberOfEmployees\n"Acme, Inc.",5\n"Say ""hi""",\n')
    ids = list(h.backend.rows["Account"])
    assert _results(h, job, "successfulResults/") == (
        '"sf__Id","sf__Created",Name,NumberOfEmployees\n'
        f'"{ids[0]}","true","Acme, Inc.","5"\n'
        f'"{ids[1]}","true","Say ""hi""",""\n'
    )


def test_failed_results_carry_the_error_code_message_and_fields(h: Harness) -> None:
    """failedResults: sf__Error is CODE:message:fields --, sf__Id empty for a failed insert."""
    job = h.run_ingest("Name,NumberOfEmployees\n#N/A,3\nAcme,4\n")
    info = h.call("GET", f"ingest/{job}").json()
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    assert _results(h, job, "failedResults") == (
        '"sf__Id","sf__Error",Name,NumberOfEmployees\n'
        '"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --","#N/A","3"\n'
    )


def test_results_keep_the_header_exactly_as_uploaded(h: Harness) -> None:
    """A quoted uploaded header is echoed with its quotes."""
    job = h.run_ingest('"Name"\nAcme\n')
    assert _results(h, job, "successfulResults").startswith('"sf__Id","sf__Created","Name"\n')


def test_unprocessed_records_path_is_case_insensitive(h: Harness) -> None:
    """unprocessedrecords answers in any case (simple-salesforce sends unprocessedRecords)."""
    job = h.run_ingest("Name\nAcme\n")
    assert _results(h, job, "unprocessedRecords") == "Name\n"


@pytest.mark.parametrize(
    ("delimiter", "line_ending", "sep", "eol"),
    [("PIPE", "LF", "|", "\n"), ("TAB", "CRLF", "\t", "\r\n"), ("SEMICOLON", "CRLF", ";", "\r\n")],
)
def test_results_honour_the_jobs_delimiter_and_line_ending(
    h: Harness, delimiter: str, line_ending: str, sep: str, eol: str
) -> None:
    """Uploads are read, and results written, with the job's delimiter and line ending."""
    job = h.run_ingest(
        f"Name{sep}NumberOfEmployees{eol}Acme{sep}7{eol}",
        columnDelimiter=delimiter,
        lineEnding=line_ending,
    )
    [record_id] = h.backend.rows["Account"]
    assert h.backend.rows["Account"][record_id]["NumberOfEmployees"] == 7
    assert _results(h, job, "successfulResults") == (
        f'"sf__Id"{sep}"sf__Created"{sep}Name{sep}NumberOfEmployees{eol}'
        f'"{record_id}"{sep}"true"{sep}"Acme"{sep}"7"{eol}'
    )


@pytest.mark.parametrize(
    ("line_ending", "data"), [("LF", "Name\r\nAcme\r\n"), ("CRLF", "Name\nA\n")]
)
def test_a_line_ending_other_than_the_jobs_fails_the_job(
    h: Harness, line_ending: str, data: str
) -> None:
    """Data whose line ending differs from the job's fails it with ClientInputError."""
    job = h.run_ingest(data, lineEnding=line_ending)
    info = h.call("GET", f"ingest/{job}").json()
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "ClientInputError : LineEnding is invalid on user data. "
        f"Current LineEnding setting is {line_ending}"
    )


def test_quoted_values_may_hold_newlines(h: Harness) -> None:
    """A quoted cell keeps its embedded line break."""
    h.run_ingest('Name\n"two\nlines"\n')
    [row] = h.backend.rows["Account"].values()
    assert row["Name"] == "two\nlines"


def test_a_byte_order_mark_is_ignored(h: Harness) -> None:
    """A UTF-8 byte-order mark before the header is not part of the first column name."""
    job = h.run_ingest("\ufeffName\nAcme\n")
    assert h.call("GET", f"ingest/{job}").json()["state"] == "JobComplete"


def test_invalid_utf8_fails_the_job(h: Harness) -> None:
    """An upload that is not UTF-8 fails the job."""
    job = h.ingest_job()
    h.call("PUT", f"ingest/{job}/batches", body=b"Name\n\xff\xfe\n")
    h.call("PATCH", f"ingest/{job}", json_body={"state": "UploadComplete"})
    info = h.poll_until_done("ingest", job)
    assert info["state"] == "Failed"
    assert "UTF-8" in info["errorMessage"]


# -- header problems ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Name,Foo", "InvalidBatch : Field name not found : Foo"),
        ("Name,Owner.Email", "InvalidBatch : Field name not found : Owner.Email"),
        ("Name,Parent.Nope", "InvalidBatch : Field name not found : Parent.Nope"),
        ("Name,name", "InvalidBatch : Duplicate field name: name"),
    ],
)
def test_a_bad_header_fails_the_job_and_processes_nothing(
    h: Harness, header: str, message: str
) -> None:
    """An unknown or duplicate column fails the job; every row stays unprocessed."""
    job = h.run_ingest(f"{header}\nAcme,x\n")
    info = h.call("GET", f"ingest/{job}").json()
    assert info["state"] == "Failed"
    assert info["errorMessage"] == message
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)
    assert h.backend.rows["Account"] == {}
    assert _results(h, job, "unprocessedrecords") == f'{header}\n"Acme","x"\n'


def test_a_parent_column_needs_an_external_id_field(h: Harness) -> None:
    """Parent.Name is refused: the parent field must be an external id."""
    job = h.run_ingest("Name,Parent.Name\nAcme,x\n")
    message = h.call("GET", f"ingest/{job}").json()["errorMessage"]
    assert message.startswith("InvalidBatch : Invalid field for upsert, must be an External Id")


# -- cell values --------------------------------------------------------------------------


def test_cells_become_typed_values(h: Harness) -> None:
    """Numbers, booleans, dates and multipicklists reach the store as JSON-ready values."""
    h.run_ingest(
        "Name,NumberOfEmployees,AnnualRevenue,Active__c,Founded__c,Tags__c\n"
        "Acme,12,1500.5,TRUE,2024-01-31,a;b\n"
    )
    [row] = h.backend.rows["Account"].values()
    assert row == {
        "Id": row["Id"],
        "Name": "Acme",
        "NumberOfEmployees": 12,
        "AnnualRevenue": 1500.5,
        "Active__c": True,
        "Founded__c": "2024-01-31",
        "Tags__c": "a;b",
    }


def test_empty_cells_leave_fields_unchanged_and_na_clears_them(h: Harness) -> None:
    """In an update an empty cell changes nothing and #N/A sets null."""
    record_id = h.insert_account(Name="Acme", NumberOfEmployees=5, Founded__c="2020-01-01")
    h.run_ingest(f"Id,Name,NumberOfEmployees,Founded__c\n{record_id},,#N/A,\n", "update")
    row = h.backend.rows["Account"][record_id]
    assert row["Name"] == "Acme"
    assert row["NumberOfEmployees"] is None
    assert row["Founded__c"] == "2020-01-01"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("NumberOfEmployees", "many"),
        ("NumberOfEmployees", " 12"),
        ("NumberOfEmployees", "1.5"),
        ("AnnualRevenue", "NaN"),
        ("AnnualRevenue", "1 000"),
        ("Active__c", "yes"),
    ],
)
def test_a_value_of_the_wrong_type_fails_the_row(h: Harness, column: str, value: str) -> None:
    """A cell not of the field's type fails its row with INVALID_TYPE_ON_FIELD_IN_RECORD."""
    job = h.run_ingest(f"Name,{column}\nAcme,{value}\nGood,\n")
    failed = _results(h, job, "failedResults").splitlines()
    assert failed[1] == (
        f'"","INVALID_TYPE_ON_FIELD_IN_RECORD:{column}: value not of required type: '
        f'{value}:{column} --","Acme","{value}"'
    )
    assert len(h.backend.rows["Account"]) == 1


def test_a_row_with_the_wrong_number_of_cells_fails_alone(h: Harness) -> None:
    """A short or long row fails; the other rows are written."""
    job = h.run_ingest("Name,NumberOfEmployees\nAcme\nGood,1\nLong,1,2\n")
    info = h.call("GET", f"ingest/{job}").json()
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3, 2)


def test_an_id_in_an_insert_fails_the_row(h: Harness) -> None:
    """Insert rows may not carry an Id."""
    record_id = h.insert_account(Name="Acme")
    job = h.run_ingest(f"Id,Name\n{record_id},Copy\n")
    assert "INVALID_FIELD_FOR_INSERT_UPDATE" in _results(h, job, "failedResults")


# -- parent lookups -----------------------------------------------------------------------


def test_a_parent_column_resolves_the_parent_by_external_id(h: Harness) -> None:
    """Account.External_ID__c sets AccountId to the Account with that external id."""
    account = h.insert_account(Name="Acme", External_ID__c="EXT-1")
    h.run_ingest("LastName,Account.External_ID__c\nAnn,ext-1\n", sobject="Contact")
    [contact] = h.backend.rows["Contact"].values()
    assert contact["AccountId"] == account


def test_parent_external_ids_with_quotes_and_backslashes_resolve(h: Harness) -> None:
    """External id values needing SOQL escapes still find their parent."""
    account = h.insert_account(Name="Acme", External_ID__c="O'Brien\\1")
    h.run_ingest('LastName,Account.External_ID__c\nAnn,"O\'Brien\\1"\n', sobject="Contact")
    [contact] = h.backend.rows["Contact"].values()
    assert contact["AccountId"] == account


def test_an_unknown_parent_fails_only_that_row(h: Harness) -> None:
    """A parent external id that matches nothing fails the row with INVALID_FIELD."""
    h.insert_account(Name="Acme", External_ID__c="EXT-1")
    job = h.run_ingest(
        "LastName,Account.External_ID__c\nAnn,EXT-1\nBob,EXT-404\n", sobject="Contact"
    )
    failed = _results(h, job, "failedResults").splitlines()
    assert failed[1:] == [
        '"","INVALID_FIELD:Foreign key external ID: EXT-404 not found for field '
        'External_ID__c in entity Account:--","Bob","EXT-404"'
    ]
    assert len(h.backend.rows["Contact"]) == 1


def test_an_ambiguous_parent_fails_the_row(h: Harness) -> None:
    """A parent external id matching two records fails the row."""
    h.insert_account(Name="A", External_ID__c="DUP")
    h.insert_account(Name="B", External_ID__c="dup")
    job = h.run_ingest("LastName,Account.External_ID__c\nAnn,DUP\n", sobject="Contact")
    assert "matches more than one record" in _results(h, job, "failedResults")


def test_na_in_a_parent_column_clears_the_lookup(h: Harness) -> None:
    """#N/A in Account.External_ID__c sets AccountId to null."""
    account = h.insert_account(Name="Acme")
    contact = h.backend.insert("Contact", {"LastName": "Ann", "AccountId": account}).id
    assert contact is not None
    h.run_ingest(f"Id,Account.External_ID__c\n{contact},#N/A\n", "update", "Contact")
    assert h.backend.rows["Contact"][contact]["AccountId"] is None


def test_a_bad_reference_id_fails_with_invalid_cross_reference_key(h: Harness) -> None:
    """A reference column with an unknown Id fails the row the store's way."""
    job = h.run_ingest("LastName,AccountId\nAnn,001000000000000AAA\n", sobject="Contact")
    assert _results(h, job, "failedResults").splitlines()[1] == (
        '"","INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--","Ann","001000000000000AAA"'
    )


def test_a_polymorphic_parent_column_names_its_type(h: Harness) -> None:
    """Lead:Who.Email resolves a Lead by its external id for a polymorphic lookup."""
    lead = h.backend.insert("Lead", {"LastName": "Lee", "Email": "lee@example.com"}).id
    h.run_ingest("Subject,Lead:Who.Email\nCall,lee@example.com\n", sobject="Task")
    [task] = h.backend.rows["Task"].values()
    assert task["WhoId"] == lead


def test_a_polymorphic_parent_column_without_a_type_fails_the_job(h: Harness) -> None:
    """Who.Email is ambiguous for a lookup to several objects and fails the job."""
    job = h.run_ingest("Subject,Who.Email\nCall,lee@example.com\n", sobject="Task")
    assert h.call("GET", f"ingest/{job}").json()["state"] == "Failed"


# -- operations ---------------------------------------------------------------------------


def test_update_writes_by_id_and_reports_not_created(h: Harness) -> None:
    """update changes the named records; sf__Created is false."""
    record_id = h.insert_account(Name="Old")
    job = h.run_ingest(f"Id,Name\n{record_id},New\n", "update")
    assert h.backend.rows["Account"][record_id]["Name"] == "New"
    assert _results(h, job, "successfulResults").splitlines()[1] == (
        f'"{record_id}","false","{record_id}","New"'
    )


def test_update_without_an_id_fails_the_row(h: Harness) -> None:
    """An update row with an empty Id fails with MISSING_ARGUMENT."""
    job = h.run_ingest("Id,Name\n,New\n", "update")
    assert _results(h, job, "failedResults").splitlines()[1] == (
        '"","MISSING_ARGUMENT:Id not specified in an update call:--","","New"'
    )


def test_update_failures_keep_the_record_id(h: Harness) -> None:
    """A failed update reports the row's Id in sf__Id."""
    record_id = h.insert_account(Name="Old")
    h.backend.delete("Account", record_id)
    job = h.run_ingest(f"Id,Name\n{record_id},New\n", "update")
    assert _results(h, job, "failedResults").splitlines()[1].startswith(f'"{record_id}",')


def test_upsert_reports_created_per_row(h: Harness) -> None:
    """upsert inserts unknown keys (created true) and updates known ones (created false)."""
    existing = h.insert_account(Name="Old", External_ID__c="E1")
    job = h.run_ingest(
        "External_ID__c,Name\nE1,Updated\nE2,Inserted\n",
        "upsert",
        externalIdFieldName="External_ID__c",
    )
    rows = _results(h, job, "successfulResults").splitlines()[1:]
    assert rows[0] == f'"{existing}","false","E1","Updated"'
    assert rows[1].split(",")[1] == '"true"'
    assert h.backend.rows["Account"][existing]["Name"] == "Updated"


def test_upsert_without_the_key_fails_the_row(h: Harness) -> None:
    """An upsert row with an empty external id fails with MISSING_ARGUMENT."""
    job = h.run_ingest(
        "External_ID__c,Name\n,Nameless\n", "upsert", externalIdFieldName="External_ID__c"
    )
    assert "MISSING_ARGUMENT:External_ID__c not specified" in _results(h, job, "failedResults")


@pytest.mark.parametrize(("operation", "hard"), [("delete", False), ("hardDelete", True)])
def test_delete_operations_remove_records(h: Harness, operation: str, hard: bool) -> None:
    """delete moves records to the recycle bin; hardDelete removes them for good."""
    record_id = h.insert_account(Name="Doomed")
    job = h.run_ingest(f"Id\n{record_id}\n", operation)
    assert h.backend.rows["Account"] == {}
    assert (record_id in h.backend.hard_deleted) is hard
    assert _results(h, job, "successfulResults") == (
        f'"sf__Id","sf__Created",Id\n"{record_id}","false","{record_id}"\n'
    )


def test_delete_files_hold_only_ids(h: Harness) -> None:
    """A delete upload with more than the Id column fails the job."""
    record_id = h.insert_account(Name="Kept")
    job = h.run_ingest(f"Id,Name\n{record_id},Kept\n", "delete")
    info: dict[str, Any] = h.call("GET", f"ingest/{job}").json()
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : The 'delete' batch must contain only ids"
    assert record_id in h.backend.rows["Account"]


def test_many_rows_are_processed_and_counted() -> None:
    """A few thousand rows with parent lookups complete with exact counts."""
    h = Harness()
    for n in range(300):
        h.insert_account(Name=f"A{n}", External_ID__c=f"E{n}")
    lines = ["LastName,Account.External_ID__c"]
    lines += [f"C{n},E{n % 350}" for n in range(3000)]
    job = h.run_ingest("\n".join(lines) + "\n", sobject="Contact")
    info = h.call("GET", f"ingest/{job}").json()
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3000, 400)
    assert (
        len(re.findall("not found", _results(h, job, "failedResults")))
        == info["numberRecordsFailed"]
    )


# == query jobs ===========================================================================


def _query_job(h: Harness, soql: str, **spec: Any) -> str:
    response = h.call("POST", "query", json_body={"operation": "query", "query": soql, **spec})
    assert response.status_code == 200, response.text
    job = str(response.json()["id"])
    assert h.poll_until_done("query", job)["state"] == "JobComplete"
    return job


def _seed_accounts(h: Harness, count: int) -> list[str]:
    return [h.insert_account(Name=f"A{n:03d}", NumberOfEmployees=n) for n in range(count)]


def test_create_query_job_starts_upload_complete(h: Harness) -> None:
    """A query job answers 200 in UploadComplete with its object filled in (Accept ignored)."""
    response = h.call(
        "POST",
        "query/",
        json_body={"operation": "query", "query": "SELECT Id FROM account"},
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": body["id"],
        "operation": "query",
        "object": "Account",
        "createdById": Harness.USER,
        "createdDate": "2024-01-31T12:34:56.000+0000",
        "systemModstamp": "2024-01-31T12:34:56.000+0000",
        "state": "UploadComplete",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": 59.0,
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }


def test_query_job_info_moves_to_job_complete(h: Harness) -> None:
    """Polls move a query job InProgress then JobComplete; info says V2Query."""
    _seed_accounts(h, 3)
    created = h.call(
        "POST", "query", json_body={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    job = created.json()["id"]
    states = [h.call("GET", f"query/{job}").json()["state"] for _ in range(3)]
    assert states == ["InProgress", "JobComplete", "JobComplete"]
    info = h.call("GET", f"query/{job}").json()
    assert info["jobType"] == "V2Query"
    assert info["numberRecordsProcessed"] == 3
    assert info["retries"] == 0
    assert isinstance(info["totalProcessingTime"], int)
    assert info["isPkChunkingSupported"] is True
    assert "numberRecordsFailed" not in info


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT COUNT() FROM Account",
        "SELECT Name, COUNT(Id) FROM Account GROUP BY Name",
        "SELECT SUM(NumberOfEmployees) FROM Account",
        "SELECT Id FROM Account LIMIT 5 OFFSET 2",
        "SELECT TYPEOF Who WHEN Lead THEN Email END FROM Task",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT BillingAddress FROM Account",
    ],
)
def test_bulk_query_refuses_what_salesforce_refuses(h: Harness, soql: str) -> None:
    """Aggregates, GROUP BY, OFFSET, TYPEOF, child subqueries and compound fields: 400."""
    response = h.call("POST", "query", json_body={"operation": "query", "query": soql})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "API_ERROR"


def test_keywords_inside_string_literals_are_not_refused(h: Harness) -> None:
    """'GROUP BY' inside a quoted literal is data, not a clause."""
    h.insert_account(Name="x", External_ID__c="GROUP BY")
    job = _query_job(h, "SELECT Name FROM Account WHERE External_ID__c = 'GROUP BY'")
    assert h.call("GET", f"query/{job}/results").text == '"Name"\n"x"\n'


@pytest.mark.parametrize(
    ("soql", "code"),
    [("SELECT Nope FROM Account", "INVALID_FIELD"), ("SELEKT Id FROM Account", "MALFORMED_QUERY")],
)
def test_bad_soql_is_refused_with_the_engines_code(h: Harness, soql: str, code: str) -> None:
    """SOQL the engine refuses answers 400 with the engine's error code."""
    response = h.call("POST", "query", json_body={"operation": "query", "query": soql})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"operation": "query"}, "INVALIDJOB"),
        ({"query": "SELECT Id FROM Account"}, "INVALIDJOB"),
        ({"operation": "insert", "query": "SELECT Id FROM Account"}, "INVALIDJOB"),
        ({"operation": "select", "query": "SELECT Id FROM Account"}, "JSON_PARSER_ERROR"),
    ],
)
def test_bad_query_job_specs_are_refused(h: Harness, spec: dict[str, str], code: str) -> None:
    """A query job needs a query operation and a query."""
    response = h.call("POST", "query", json_body=spec)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_results_are_quoted_csv_in_select_order_with_parent_paths(h: Harness) -> None:
    """Results: quoted header, every value quoted, Account.Name column, null as empty."""
    account = h.insert_account(Name='Acme "Best"')
    h.backend.insert("Contact", {"LastName": "Ann", "AccountId": account, "Email": "a@x.com"})
    h.backend.insert("Contact", {"LastName": "Bob"})
    job = _query_job(h, "SELECT LastName, Account.Name, Email FROM Contact")
    response = h.call("GET", f"query/{job}/results")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.text == (
        '"LastName","Account.Name","Email"\n"Ann","Acme ""Best""","a@x.com"\n"Bob","",""\n'
    )
    assert response.headers["Sforce-NumberOfRecords"] == "2"
    assert response.headers["Sforce-Locator"] == "null"


def test_result_values_render_like_salesforce(h: Harness) -> None:
    """Booleans as true/false, numbers without exponents."""
    h.insert_account(Name="A", Active__c=True, AnnualRevenue=1e20, NumberOfEmployees=7)
    job = _query_job(h, "SELECT Active__c, AnnualRevenue, NumberOfEmployees FROM Account")
    lines = h.call("GET", f"query/{job}/results").text.splitlines()
    assert lines[1] == '"true","100000000000000000000","7"'


def test_results_page_with_max_records_and_locators(h: Harness) -> None:
    """maxRecords pages the rows; Sforce-Locator links pages and is 'null' on the last."""
    _seed_accounts(h, 5)
    job = _query_job(h, "SELECT Name FROM Account")
    names: list[str] = []
    counts: list[str] = []
    params = {"maxRecords": "2"}
    while True:
        response = h.call("GET", f"query/{job}/results", params=params)
        counts.append(response.headers["Sforce-NumberOfRecords"])
        lines = response.text.splitlines()
        assert lines[0] == '"Name"'
        names += lines[1:]
        locator = response.headers["Sforce-Locator"]
        if locator == "null":
            break
        assert re.fullmatch(r"[A-Za-z0-9+/]+", locator)
        params = {"maxRecords": "2", "locator": locator}
    assert counts == ["2", "2", "1"]
    assert names == [f'"A{n:03d}"' for n in range(5)]


def test_default_page_size_applies_without_max_records() -> None:
    """Without maxRecords the configured page size applies."""
    h = Harness(query_page_size=3)
    _seed_accounts(h, 4)
    job = _query_job(h, "SELECT Name FROM Account")
    response = h.call("GET", f"query/{job}/results")
    assert response.headers["Sforce-NumberOfRecords"] == "3"
    assert response.headers["Sforce-Locator"] != "null"


def test_an_empty_result_still_has_a_header_and_both_headers(h: Harness) -> None:
    """A query matching nothing answers its header row, 0 records and locator null."""
    job = _query_job(h, "SELECT Id, Name FROM Account")
    response = h.call("GET", f"query/{job}/results", params={"maxRecords": "10"})
    assert response.text == '"Id","Name"\n'
    assert response.headers["Sforce-NumberOfRecords"] == "0"
    assert response.headers["Sforce-Locator"] == "null"


@pytest.mark.parametrize(
    "params",
    [{"maxRecords": "0"}, {"maxRecords": "ten"}, {"locator": "!!"}, {"locator": "OTk5"}],
)
def test_bad_paging_parameters_are_refused(h: Harness, params: dict[str, str]) -> None:
    """A non-positive maxRecords or a locator this job never issued answers 400."""
    _seed_accounts(h, 2)
    job = _query_job(h, "SELECT Name FROM Account")
    response = h.call("GET", f"query/{job}/results", params=params)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "API_ERROR"


def test_results_before_completion_are_refused(h: Harness) -> None:
    """Asking for results of a job that has not completed answers 400."""
    created = h.call(
        "POST", "query", json_body={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    response = h.call("GET", f"query/{created.json()['id']}/results")
    assert response.status_code == 400


def test_results_need_the_jobs_api_version(h: Harness) -> None:
    """Results requested with another API version than the job's answer 409."""
    job = _query_job(h, "SELECT Id FROM Account")
    assert h.call("GET", f"query/{job}/results", version="60.0").status_code == 409


def test_query_results_honour_the_jobs_delimiter_and_line_ending(h: Harness) -> None:
    """A query job with PIPE and CRLF writes its results that way."""
    h.insert_account(Name="A|B")
    job = _query_job(
        h, "SELECT Name, NumberOfEmployees FROM Account", columnDelimiter="PIPE", lineEnding="CRLF"
    )
    assert (
        h.call("GET", f"query/{job}/results").text == '"Name"|"NumberOfEmployees"\r\n"A|B"|""\r\n'
    )


def test_query_all_includes_deleted_rows(h: Harness) -> None:
    """queryAll sees soft-deleted rows; query does not."""
    record_id = h.insert_account(Name="Gone")
    h.backend.delete("Account", record_id)
    spec = {"query": "SELECT Name FROM Account"}
    for operation, expected in (("query", '"Name"\n'), ("queryAll", '"Name"\n"Gone"\n')):
        response = h.call("POST", "query", json_body={"operation": operation, **spec})
        job = response.json()["id"]
        h.poll_until_done("query", job)
        assert h.call("GET", f"query/{job}/results").text == expected


def test_abort_a_query_job(h: Harness) -> None:
    """A query job can be aborted before it completes; then it is Aborted and deletable."""
    created = h.call(
        "POST", "query", json_body={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    job = created.json()["id"]
    response = h.call("PATCH", f"query/{job}", json_body={"state": "Aborted"})
    assert response.status_code == 200
    assert response.json()["state"] == "Aborted"
    assert h.call("GET", f"query/{job}").json()["state"] == "Aborted"
    assert h.call("DELETE", f"query/{job}").status_code == 204


def test_abort_a_completed_query_job_is_refused(h: Harness) -> None:
    """Aborting a completed query job answers 400 INVALIDJOBSTATE."""
    job = _query_job(h, "SELECT Id FROM Account")
    response = h.call("PATCH", f"query/{job}", json_body={"state": "Aborted"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_a_query_job_cannot_be_closed_like_an_ingest_job(h: Harness) -> None:
    """PATCH UploadComplete on a query job answers 400 INVALIDJOBSTATE."""
    created = h.call(
        "POST", "query", json_body={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    response = h.call(
        "PATCH", f"query/{created.json()['id']}", json_body={"state": "UploadComplete"}
    )
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_delete_a_running_query_job_is_refused(h: Harness) -> None:
    """DELETE of a query job that is not finished answers 400 API_ERROR."""
    created = h.call(
        "POST", "query", json_body={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    job = created.json()["id"]
    h.call("GET", f"query/{job}")
    response = h.call("DELETE", f"query/{job}")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "API_ERROR"


def test_list_query_jobs(h: Harness) -> None:
    """GET query lists query jobs only, as V2Query."""
    h.ingest_job()
    job = _query_job(h, "SELECT Id FROM Account")
    body = h.call("GET", "query").json()
    assert [(r["id"], r["jobType"]) for r in body["records"]] == [(job, "V2Query")]


def test_result_pages_list_at_most_five_result_urls() -> None:
    """resultPages (v58+) lists up to five result URLs and links the rest."""
    h = Harness(query_page_size=2)
    _seed_accounts(h, 13)
    job = _query_job(h, "SELECT Name FROM Account")
    first = h.call("GET", f"query/{job}/resultPages").json()
    assert first["done"] is False
    urls = [page["resultUrl"] for page in first["resultPages"]]
    assert len(urls) == 5
    assert all(
        u.startswith(f"/services/data/v59.0/jobs/query/{job}/results?locator=") for u in urls
    )
    locator = first["nextRecordsUrl"].split("locator=", 1)[1]
    second = h.call("GET", f"query/{job}/resultpages", params={"locator": locator}).json()
    assert len(second["resultPages"]) == 2
    assert second["done"] is True
    assert second["nextRecordsUrl"] is None
    last = second["resultPages"][-1]["resultUrl"].split("locator=", 1)[1]
    response = h.call("GET", f"query/{job}/results", params={"locator": last})
    assert response.text.splitlines()[1:] == ['"A012"']


def test_a_result_set_is_a_download_of_what_the_job_wrote(h: Harness) -> None:
    """
    A set is streamed after the answer (outside the org's locks) from the file the job wrote
    when it ran: its locator reads it again, unchanged by later edits (Get Results for a
    Query Job: "You can use the locator to retrieve a set of results multiple times").
    """
    ids = _seed_accounts(h, 5)
    job = _query_job(h, "SELECT Name FROM Account")
    first = h.call("GET", f"query/{job}/results", params={"maxRecords": "2"})
    page = {"maxRecords": "2", "locator": first.headers["Sforce-Locator"]}
    before = h.call("GET", f"query/{job}/results", params=page).text
    for record_id in ids:
        h.backend.update("Account", record_id, {"Name": "Edited"})
    raw = h.api.handle("GET", f"query/{job}/results", page, {}, b"", "59.0", h.USER)
    assert not raw.is_stream_consumed  # handle() returned before the body was produced
    assert raw.read().decode() == before == '"Name"\n"A002"\n"A003"\n'
    assert raw.headers["Content-Length"] == str(len(before))


def test_aborting_a_running_query_job_drops_its_results(h: Harness) -> None:
    """A query job aborted while InProgress keeps no result file: its results answer 400."""
    _seed_accounts(h, 3)
    created = h.call(
        "POST", "query", json_body={"operation": "query", "query": "SELECT Name FROM Account"}
    )
    job = created.json()["id"]
    assert h.call("GET", f"query/{job}").json()["state"] == "InProgress"
    aborted = h.call("PATCH", f"query/{job}", json_body={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    assert h.call("GET", f"query/{job}/results").status_code == 400


def test_result_pages_need_api_58(h: Harness) -> None:
    """resultPages does not exist before API 58.0."""
    job = _query_job(
        h,
        "SELECT Id FROM Account",
    )
    assert h.call("GET", f"query/{job}/resultPages", version="57.0").status_code == 404


# == peer clients, unmodified ===============================================================

_JOBS_PATH = re.compile(r"/services/data/v(?P<version>\d+\.\d+)/jobs/(?P<subpath>.*)")


def _route(h: Harness, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Any:
    parts = urlsplit(url)
    match = _JOBS_PATH.fullmatch(parts.path)
    assert match is not None, url
    params = dict(parse_qsl(parts.query))
    return h.api.handle(
        method, match["subpath"], params, headers, body, match["version"], Harness.USER
    )


class _BulkAdapter(requests.adapters.BaseAdapter):
    """A requests adapter that hands every call to the harness's `BulkApi`."""

    def __init__(self, h: Harness) -> None:
        super().__init__()
        self.h = h

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        reply = _route(self.h, request.method, request.url, dict(request.headers), body)
        response = requests.Response()
        response.status_code = reply.status_code
        response.headers = requests.structures.CaseInsensitiveDict(reply.headers)
        response._content = reply.read()
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def sf_bulk2(h: Harness) -> Any:
    session = requests.Session()
    session.mount("https://", _BulkAdapter(h))
    url = "https://fake.my.salesforce.com/services/data/v59.0/jobs/"
    return SFBulk2Handler("token", url, session=session)


def test_simple_salesforce_inserts_and_reads_failed_records(h: Harness, sf_bulk2: Any) -> None:
    """simple-salesforce's Bulk 2.0 insert completes, counts, and reads the failures."""
    [result] = sf_bulk2.Account.insert(records=[{"Name": "A"}, {"Name": "#N/A"}], wait=0)
    assert result["numberRecordsProcessed"] == 2
    assert result["numberRecordsFailed"] == 1
    failed = sf_bulk2.Account.get_failed_records(result["job_id"])
    assert "REQUIRED_FIELD_MISSING" in failed
    successful = sf_bulk2.Account.get_successful_records(result["job_id"])
    assert successful.splitlines()[0] == '"sf__Id","sf__Created",Name'
    assert sf_bulk2.Account.get_unprocessed_records(result["job_id"]) == "Name\n"


def test_simple_salesforce_upserts_and_deletes(h: Harness, sf_bulk2: Any) -> None:
    """simple-salesforce's upsert and delete round-trip through the fake."""
    existing = h.insert_account(Name="Old", External_ID__c="E1")
    records = [{"External_ID__c": "E1", "Name": "New"}, {"External_ID__c": "E2", "Name": "Two"}]
    [result] = sf_bulk2.Account.upsert(records=records, external_id_field="External_ID__c", wait=0)
    assert result["numberRecordsFailed"] == 0
    assert h.backend.rows["Account"][existing]["Name"] == "New"
    [deleted] = sf_bulk2.Account.delete(records=[{"Id": existing}], wait=0)
    assert deleted["numberRecordsProcessed"] == 1
    assert existing not in h.backend.rows["Account"]


def test_simple_salesforce_pages_a_bulk_query(h: Harness, sf_bulk2: Any) -> None:
    """simple-salesforce's Bulk 2.0 query follows Sforce-Locator to the last page."""
    _seed_accounts(h, 5)
    pages = list(sf_bulk2.Account.query("SELECT Name FROM Account", max_records=2, wait=0))
    assert len(pages) == 3
    rows = [line for page in pages for line in page.splitlines()[1:]]
    assert rows == [f'"A{n:03d}"' for n in range(5)]


class _Token(Auth):
    """A fixed access token: the fake Bulk API does not check it."""

    async def _acquire_new_access_token(self, client: Any) -> str:
        return "token"

    async def _refresh_access_token(self, client: Any) -> str:
        return "token"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_aiosalesforce_ingests_and_parses_job_info(h: Harness, anyio_backend: str) -> None:
    """aiosalesforce's Bulk 2.0 ingest parses the job JSON and the three result files."""

    def handler(request: httpx.Request) -> httpx.Response:
        reply: httpx.Response = _route(
            h, request.method, str(request.url), request.headers, request.read()
        )
        return reply

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        sf = Salesforce(client, "https://fake.my.salesforce.com", auth=_Token(), version="59.0")
        data: list[dict[str, Any]] = [
            {"Name": "A", "NumberOfEmployees": 3},
            {"Name": None, "NumberOfEmployees": 1},
        ]
        results = [
            result
            async for result in sf.bulk_v2.ingest.perform_operation(
                "insert", "Account", data, polling_interval=0
            )
        ]
    [result] = results
    assert result.job_info.state == "JobComplete"
    assert result.job_info.created_date.tzinfo is not None
    assert [row["Name"] for row in result.successful_results] == ["A"]
    assert result.failed_results[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    assert result.unprocessed_records == []


@pytest.mark.parametrize(
    "options",
    [{"polls_in_progress": -1}, {"query_page_size": 0}, {"list_page_size": 0}],
)
def test_bad_options_are_refused_with_value_error(options: dict[str, Any]) -> None:
    """Negative poll counts and empty pages are refused when the API is built."""
    with pytest.raises(ValueError, match="must be"):
        BulkApi(MemoryBackend(), **options)
