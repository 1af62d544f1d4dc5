"""
Bulk API 2.0 for the fake org: ingest and query jobs under ``/services/data/v{v}/jobs/``.

The org's router authenticates the request and adds ``Sforce-Limit-Info``; :class:`BulkApi`
answers everything below ``jobs/`` with Salesforce's status codes, JSON and CSV bodies
(``docs/salesforce-wire.md`` §10, §11, gotchas 8-15). Choices where Salesforce's behaviour is
not documented:

* Salesforce takes one upload per job: a second ``PUT .../batches`` is refused with its
  "Found multiple contents for job" message (400 ``INVALIDJOBSTATE``; the code is our guess)
  and the job keeps its first upload.
* Closing a job without uploading anything fails it when processed ("No data uploaded").
* A multipart create (``job`` JSON part + ``content`` CSV part, at most 100,000 bytes) starts
  the job in ``UploadComplete``.
* A query job runs its SOQL when it is created, so bad SOQL is refused with a 400 at once;
  its rows are the ones that matched at that moment.
* Rows are written when a poll first moves the job from ``UploadComplete`` to
  ``InProgress``; after ``polls_in_progress`` polls reporting ``InProgress`` (default 1) it
  is ``JobComplete``. Aborting an ``InProgress`` job therefore leaves nothing unprocessed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx

from ..ids import is_valid_id, to_id18
from ._bulk_csv import CsvUploadError, parse_upload
from ._bulk_ingest import OPERATIONS, JobFailure, process_rows
from ._bulk_jobs import (
    ABORTED,
    FAILED,
    IN_PROGRESS,
    JOB_COMPLETE,
    OPEN,
    TERMINAL_STATES,
    UPLOAD_COMPLETE,
    IngestResults,
    Job,
    format_datetime,
    job_id,
)
from ._bulk_query import columns_of, compound_refusal, decode_locator, encode_locator, refusal
from ._bulk_requests import (
    Refusal,
    csv_options,
    enum_error,
    form_parts,
    header,
    json_object,
    method_not_allowed,
    not_found,
    required,
)
from ._bulk_result_file import ResultFile
from ._bulk_results import ingest_results, query_results, result_pages
from ._protocols import BulkBackend, SoqlError

__all__ = ["BulkApi"]

_QUERY_OPERATIONS = ("query", "queryAll")
_INGEST_RESULTS = {
    "successfulresults": "successful",
    "failedresults": "failed",
    "unprocessedrecords": "unprocessed",
}
_ABORTABLE = frozenset({OPEN, UPLOAD_COMPLETE, IN_PROGRESS})
_INGEST_DELETABLE = frozenset({UPLOAD_COMPLETE, JOB_COMPLETE, ABORTED, FAILED})
_MULTIPART_MAX_BYTES = 100_000


class BulkApi:
    """
    Bulk API 2.0 ingest and query jobs over a :class:`BulkBackend`.

    ``max_upload_bytes``, ``polls_in_progress`` and ``query_page_size`` are also attributes
    that tests may change at run time (``org.bulk.max_upload_bytes = 2_000``).

    Args:
        backend: The store every row is written to and every query runs against.
        clock: Returns the current moment (aware or UTC); defaults to the system clock.
        max_upload_bytes: The most CSV bytes one job accepts (Salesforce's "Bulk API 2.0
            Limits": 150 MB per job after base64 encoding, about 100 MB of raw CSV); a
            larger upload is refused with 413 ``EXCEEDED_MAX_SIZE_REQUEST``.
        polls_in_progress: How many job-info polls report ``InProgress`` before
            ``JobComplete``; 0 completes a job on the first poll after it was closed.
        query_page_size: Rows per query-result page when the client sends no ``maxRecords``.
        list_page_size: Jobs per page of ``GET /jobs/ingest`` and ``GET /jobs/query``.
    """

    def __init__(
        self,
        backend: BulkBackend,
        *,
        clock: Callable[[], datetime] | None = None,
        max_upload_bytes: int = 100_000_000,
        polls_in_progress: int = 1,
        query_page_size: int = 50_000,
        list_page_size: int = 1_000,
    ) -> None:
        if polls_in_progress < 0:
            raise ValueError(f"polls_in_progress must be 0 or more, got {polls_in_progress}")
        if query_page_size < 1 or list_page_size < 1:
            raise ValueError("query_page_size and list_page_size must be at least 1")
        self._backend = backend
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.max_upload_bytes = max_upload_bytes
        self.polls_in_progress = polls_in_progress
        self.query_page_size = query_page_size
        self._list_page_size = list_page_size
        self._jobs: dict[str, Job] = {}
        self._serial = 0
        self._lock = threading.RLock()

    def handle(
        self,
        method: str,
        subpath: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        api_version: str,
        user_id: str,
    ) -> httpx.Response:
        """
        Answer one request below ``/services/data/v{api_version}/jobs/``.

        Args:
            method: The HTTP method.
            subpath: What follows ``jobs/``, e.g. ``"ingest/750.../batches"``; trailing
                slashes are ignored.
            params: The query string.
            headers: The request headers (``Accept`` is ignored, as Salesforce does).
            body: The raw request body.
            api_version: The version in the path, e.g. ``"59.0"``.
            user_id: The authenticated user, recorded as ``createdById``.
        """
        parts = [part for part in subpath.split("/") if part]
        with self._lock:
            try:
                return self._route(
                    method.upper(), parts, params, headers, body, api_version, user_id
                )
            except Refusal as refusal_:
                return refusal_.response()

    # -- routing --------------------------------------------------------------------------

    def _route(
        self,
        method: str,
        parts: list[str],
        params: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        api_version: str,
        user_id: str,
    ) -> httpx.Response:
        if not parts or parts[0] not in ("ingest", "query"):
            raise not_found()
        kind = parts[0]
        if len(parts) == 1:
            if method == "GET":
                return self._list(kind, params, api_version)
            if method == "POST":
                if kind == "ingest":
                    return self._create_ingest(body, headers, api_version, user_id)
                return self._create_query(body, api_version, user_id)
            raise method_not_allowed(method, "GET,POST")
        job = self._job(kind, parts[1])
        if len(parts) == 2:
            if method == "GET":
                self._advance(job)
                return httpx.Response(200, json=job.info())
            if method == "PATCH":
                return self._change_state(job, body)
            if method == "DELETE":
                return self._delete(job)
            raise method_not_allowed(method, "GET,PATCH,DELETE")
        if len(parts) != 3:
            raise not_found()
        resource = parts[2].lower()
        if kind == "ingest" and resource == "batches":
            if method != "PUT":
                raise method_not_allowed(method, "PUT")
            return self._upload(job, body)
        if kind == "ingest" and resource in _INGEST_RESULTS:
            if method != "GET":
                raise method_not_allowed(method, "GET")
            return ingest_results(job, _INGEST_RESULTS[resource])
        if kind == "query" and resource == "results":
            if method != "GET":
                raise method_not_allowed(method, "GET")
            return query_results(job, params, api_version, self.query_page_size)
        if kind == "query" and resource == "resultpages" and float(api_version) >= 58.0:
            if method != "GET":
                raise method_not_allowed(method, "GET")
            return result_pages(job, params, api_version, self.query_page_size)
        raise not_found()

    def _job(self, kind: str, raw_id: str) -> Job:
        if not is_valid_id(raw_id):
            raise not_found()
        job = self._jobs.get(to_id18(raw_id))
        if job is None or job.kind != kind:
            raise not_found()
        return job

    def _now(self) -> str:
        return format_datetime(self._clock())

    def _new_job(self, kind: str, operation: str, sobject: str, **fields: Any) -> Job:
        self._serial += 1
        now = self._now()
        job = Job(
            id=job_id(self._serial),
            kind=kind,
            operation=operation,
            object=sobject,
            created_date=now,
            system_modstamp=now,
            **fields,
        )
        self._jobs[job.id] = job
        return job

    def _set_state(self, job: Job, state: str) -> None:
        job.state = state
        job.system_modstamp = self._now()

    # -- creating and listing -------------------------------------------------------------

    def _create_ingest(
        self, body: bytes, headers: Mapping[str, str], api_version: str, user_id: str
    ) -> httpx.Response:
        content_type = header(headers, "content-type")
        content: bytes | None = None
        if content_type.lower().startswith("multipart/form-data"):
            parts = form_parts(content_type, body)
            if "job" not in parts or "content" not in parts:
                raise Refusal(
                    400,
                    "INVALIDJOB",
                    "InvalidJob : A multipart request needs a 'job' part and a 'content' part",
                )
            body, content = parts["job"], parts["content"]
            if len(content) > _MULTIPART_MAX_BYTES:
                raise Refusal(
                    413,
                    "EXCEEDED_MAX_SIZE_REQUEST",
                    f"The data in a multipart request cannot exceed {_MULTIPART_MAX_BYTES} "
                    "characters; upload larger files with PUT",
                )
        spec = json_object(body)
        operation = spec.get("operation")
        if operation is None:
            raise Refusal(400, "INVALIDJOB", "InvalidJob : Required field is missing: operation")
        if operation not in OPERATIONS:
            raise enum_error("OperationEnum", operation)
        sobject_name = required(spec, "object")
        sobject = self._backend.canonical_object(sobject_name)
        if sobject is None:
            raise Refusal(
                400, "INVALIDENTITY", f"Entity '{sobject_name}' is not supported by the Bulk API."
            )
        delimiter, line_ending = csv_options(spec)
        external_id = None
        if operation == "upsert":
            external_id = self._external_id_field(sobject, spec.get("externalIdFieldName"))
        rule = spec.get("assignmentRuleId")
        job = self._new_job(
            "ingest",
            str(operation),
            sobject,
            created_by_id=user_id,
            state=OPEN,
            api_version=api_version,
            column_delimiter=delimiter,
            line_ending=line_ending,
            external_id_field=external_id,
            assignment_rule_id=rule if isinstance(rule, str) else None,
        )
        if content is not None:
            job.upload = content
            self._set_state(job, UPLOAD_COMPLETE)
        return httpx.Response(200, json=job.summary())

    def _external_id_field(self, sobject: str, name: object) -> str:
        if not isinstance(name, str) or not name.strip():
            raise Refusal(
                400,
                "INVALIDJOB",
                f"InvalidJob : External ID was blank for {sobject}. "
                "An External ID must be specified for upsert.",
            )
        ref = self._backend.field(sobject, name)
        if ref is None or not (ref.external_id or ref.type == "id"):
            raise Refusal(
                400,
                "INVALIDJOB",
                f"InvalidJob : Field name provided, {name} does not match an External ID, "
                f"Salesforce Id, or indexed field for {sobject}",
            )
        return ref.name

    def _create_query(self, body: bytes, api_version: str, user_id: str) -> httpx.Response:
        spec = json_object(body)
        operation = spec.get("operation")
        if operation is None:
            raise Refusal(400, "INVALIDJOB", "InvalidJob : Required field is missing: operation")
        if operation in OPERATIONS:
            raise Refusal(
                400,
                "INVALIDJOB",
                f"InvalidJob : Operation {operation} is not valid for a query job",
            )
        if operation not in _QUERY_OPERATIONS:
            raise enum_error("OperationEnum", operation)
        soql = required(spec, "query")
        delimiter, line_ending = csv_options(spec)
        reason = refusal(soql)
        if reason is not None:
            raise Refusal(400, "API_ERROR", reason)
        try:
            result = self._backend.query(soql, include_deleted=operation == "queryAll")
        except SoqlError as exc:
            raise Refusal(400, exc.error_code, exc.message) from None
        if result.is_count:
            raise Refusal(400, "API_ERROR", "COUNT() is not supported by Bulk API 2.0 query jobs")
        reason = compound_refusal(self._backend, result)
        if reason is not None:
            raise Refusal(400, "API_ERROR", reason)
        job = self._new_job(
            "query",
            str(operation),
            result.sobject,
            created_by_id=user_id,
            state=UPLOAD_COMPLETE,
            api_version=api_version,
            column_delimiter=delimiter,
            line_ending=line_ending,
            query=soql,
            query_result=result,
        )
        return httpx.Response(200, json=job.summary())

    def _list(self, kind: str, params: Mapping[str, str], api_version: str) -> httpx.Response:
        job_type = "V2Ingest" if kind == "ingest" else "V2Query"
        jobs = [job for job in self._jobs.values() if job.kind == kind]
        if params.get("jobType", job_type) != job_type:
            jobs = []
        if params.get("concurrencyMode", "Parallel") != "Parallel":
            jobs = []
        start = 0
        if "queryLocator" in params:
            offset = decode_locator(params["queryLocator"])
            if offset is None or offset > len(jobs):
                raise Refusal(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            start = offset
        page = jobs[start : start + self._list_page_size]
        end = start + len(page)
        next_url = None
        if end < len(jobs):
            next_url = (
                f"/services/data/v{api_version}/jobs/{kind}?queryLocator={encode_locator(end)}"
            )
        body = {
            "done": next_url is None,
            "records": [job.listing() for job in page],
            "nextRecordsUrl": next_url,
        }
        return httpx.Response(200, json=body)

    # -- the state machine ----------------------------------------------------------------

    def _change_state(self, job: Job, body: bytes) -> httpx.Response:
        state = json_object(body).get("state")
        if state == UPLOAD_COMPLETE and job.kind == "ingest" and job.state == OPEN:
            self._set_state(job, UPLOAD_COMPLETE)
        elif state == ABORTED and job.state in _ABORTABLE:
            if job.kind == "ingest" and job.state in (OPEN, UPLOAD_COMPLETE):
                job.results = IngestResults(unprocessed=self._unprocessed(job))
                job.upload = None
            if job.kind == "query":
                job.query_result = None
                job.result_file = None
            self._set_state(job, ABORTED)
        else:
            raise Refusal(
                400,
                "INVALIDJOBSTATE",
                f"Job {job.id} cannot change from state {job.state} to {state}",
            )
        return httpx.Response(200, json=job.summary())

    def _advance(self, job: Job) -> None:
        """Move a closed job along by one poll: start it, keep it running, or complete it."""
        if job.state == UPLOAD_COMPLETE:
            self._start(job)
            if job.state == FAILED:
                return
            self._set_state(job, IN_PROGRESS)
            job.polls_in_progress = self.polls_in_progress
        if job.state == IN_PROGRESS:
            if job.polls_in_progress > 0:
                job.polls_in_progress -= 1
            else:
                self._set_state(job, JOB_COMPLETE)

    def _start(self, job: Job) -> None:
        if job.kind == "query":
            # Salesforce writes the results while the job runs; pages are then downloads of
            # that file (see _bulk_result_file). The records themselves are not kept.
            result, job.query_result = job.query_result, None
            assert result is not None
            job.result_file = ResultFile.write(
                columns_of(result),
                result.records,
                column_delimiter=job.column_delimiter,
                line_ending=job.line_ending,
            )
            job.records_processed = job.result_file.rows
            job.processing_time = 1 + job.records_processed // 100
            return
        try:
            header, rows = self._parse(job)
            job.results = process_rows(
                self._backend, job.object, job.operation, job.external_id_field, header, rows
            )
        except (CsvUploadError, JobFailure) as exc:
            job.error_message = str(exc)
            job.results = IngestResults(unprocessed=self._unprocessed(job))
            self._set_state(job, FAILED)
        else:
            job.records_failed = len(job.results.failed)
            job.records_processed = len(job.results.successful) + job.records_failed
            job.processing_time = 1 + job.records_processed // 10
        finally:
            job.upload = None  # the results hold every row now

    def _parse(self, job: Job) -> tuple[list[str], Iterator[list[str]]]:
        """The uploaded header and rows. Raises CsvUploadError or JobFailure."""
        if job.upload is None:
            raise JobFailure("InvalidBatch : No data uploaded for this job")
        upload = parse_upload(
            job.upload, column_delimiter=job.column_delimiter, line_ending=job.line_ending
        )
        job.raw_header = upload.raw_header
        return upload.header, upload.rows

    def _unprocessed(self, job: Job) -> list[list[str]]:
        """Every uploaded row, for a job that stops before processing them."""
        if job.upload is None:
            return []
        try:
            upload = parse_upload(
                job.upload, column_delimiter=job.column_delimiter, line_ending=job.line_ending
            )
            rows = list(upload.rows)
        except CsvUploadError:
            return []
        job.raw_header = upload.raw_header
        return rows

    def _delete(self, job: Job) -> httpx.Response:
        deletable = _INGEST_DELETABLE if job.kind == "ingest" else TERMINAL_STATES
        if job.state not in deletable:
            raise Refusal(
                400, "API_ERROR", f"Job {job.id} cannot be deleted while it is {job.state}"
            )
        del self._jobs[job.id]
        return httpx.Response(204)

    # -- data in and out ------------------------------------------------------------------

    def _upload(self, job: Job, body: bytes) -> httpx.Response:
        if job.state != OPEN:
            raise Refusal(
                400,
                "INVALIDJOBSTATE",
                f"Job {job.id} is not open for uploads; its state is {job.state}",
            )
        if job.upload is not None:
            raise Refusal(
                400,
                "INVALIDJOBSTATE",
                f"Found multiple contents for job: <{job.id}>, please 'Close' / 'Abort' / "
                "'Delete' the current Job then create a new Job and make sure you only do "
                "'PUT' once on a given Job.",
            )
        if len(body) > self.max_upload_bytes:
            raise Refusal(
                413,
                "EXCEEDED_MAX_SIZE_REQUEST",
                f"The job data exceeds the maximum upload size of {self.max_upload_bytes} bytes",
            )
        job.upload = bytes(body)
        return httpx.Response(201, content=b"")
