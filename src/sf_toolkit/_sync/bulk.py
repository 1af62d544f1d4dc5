# Generated from src/sf_toolkit/_async/bulk.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Bulk API 2.0: ingest and query jobs, streamed both ways.

Uploads are written to a temporary file as CSV (in memory up to a few MB, then on disk) and
sent from it, so any iterable of records is consumed once, memory stays flat, and an upload
refused by an expired session or a 503 is simply sent again. Results are read as they arrive
and parsed row by row. The decisions (CSV format, splitting, job JSON, result rows) live in
``sf_toolkit._wire.bulk_*``; this module only sends requests in their order.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar, overload

import httpx

from .. import _rest
from .._concurrency import (
    SpooledFetch,
    call_callback,
    check_callback,
    monotonic,
    run_in_thread,
    sleep,
    start,
)
from .._exports import publish
from .._query import QueryPlan, plan_query
from .._registry import resolve_client
from .._wire.bulk_csv import (
    DEFAULT_MAX_UPLOAD_BYTES,
    CsvReader,
    HeaderUnion,
    PageHeaders,
    UploadSplitter,
    headless_page,
    pad_line,
    same_header,
)
from .._wire.bulk_jobs import (
    ABORTED,
    JOB_COMPLETE,
    OPEN,
    PREPARING,
    UPLOAD_COMPLETE,
    BulkProgress,
    JobInfo,
    check_flag,
    check_timeout,
    combined_state,
    ingest_spec,
    job_path,
    query_spec,
    result_page_urls,
)
from .._wire.bulk_rows import (
    RecordEncoder,
    ResultReader,
    RowDecoder,
    check_external_id_field,
    check_sobject,
    describe_kinds,
)
from .._wire.collections import check_concurrency
from .._wire.errors import connection_error, request_label, unexpected_answer
from .._wire.pages import next_page_url
from .._wire.urls import ServerUrlError, resolve_data_url, sobject_segment
from ..exceptions import (
    BulkJobFailedError,
    BulkJobTimeoutError,
    BulkUploadError,
    SalesforceApiError,
    SalesforceConnectionError,
    SalesforceError,
    ServerError,
    UnexpectedResponseError,
)
from ..ids import validate_id
from ..models import SObject, connection_of, parse_describe, sobject_class
from ..results import SaveResult
from ..soql import SelectQuery
from .client import SalesforceClient
from .files import written_whole

__all__ = [
    "BulkIngestJob",
    "BulkIngestJobGroup",
    "BulkJob",
    "BulkQueryJob",
    "delete_bulk",
    "query_bulk",
    "save_insert_bulk",
    "save_update_bulk",
    "save_upsert_bulk",
]

M = TypeVar("M", bound=SObject)

#: A progress callback: called with a :class:`~sf_toolkit.BulkProgress`.
Progress = Callable[[BulkProgress], Any]

#: Bytes per read or write while streaming an upload, a result file or a CSV export.
CHUNK_SIZE = 1 << 20
#: An upload stays in memory up to this size, then moves to a temporary file.
SPOOL_IN_MEMORY = 8 << 20
#: A result page downloaded ahead of its reader stays in memory up to this size, then moves to
#: a temporary file.
PAGE_IN_MEMORY = 1 << 20
#: Records encoded between two chances for other tasks to run.
YIELD_EVERY = 5_000
#: Result rows between two progress reports while reading a result file.
PROGRESS_ROWS = 10_000

_CSV_HEADERS = {"Accept": "text/csv"}


# ----------------------------------------------------------------------------- plumbing


def _json(response: httpx.Response) -> Any:
    return _rest.json_answer(response, expect=dict)


def _job_info(response: httpx.Response, kind: str, api_version: str | None) -> JobInfo:
    """
    Read a job info answer (checked: its Id and version go into the job's URLs). Errors name
    the request and mask every secret the client knows (the request carries them).
    """
    data = _json(response)
    try:
        return JobInfo.from_json(data, kind, api_version=api_version)
    except SalesforceApiError as exc:
        raise unexpected_answer(response, exc.message) from None


def _instance_url(client: SalesforceClient) -> str:
    session = client.session
    assert session is not None
    return session.instance_url


def _on_instance(client: SalesforceClient, path: str) -> httpx.URL:
    """Join a job path (built from checked segments) onto the session's instance URL."""
    return httpx.URL(_instance_url(client)).join(path)


def _data_url(
    client: SalesforceClient, response: httpx.Response, url: object, what: str
) -> httpx.URL:
    """
    Join a URL Salesforce sent (a ``resultUrl``) onto the instance: it must stay under the
    REST data root ``/services/data/vNN.N/``.
    """
    try:
        return httpx.URL(resolve_data_url(_instance_url(client), url))
    except ServerUrlError as exc:
        raise unexpected_answer(response, f"refused to follow {what}: {exc}") from None


def _next_locator(response: httpx.Response, seen: set[str]) -> str | None:
    """
    The ``Sforce-Locator`` of a result page: None after the last page (``null``).

    Raises:
        UnexpectedResponseError: If the answer has no locator (Salesforce always sends one:
            without it, where the rest is cannot be known), or the locator was already
            followed for this job (a server repeating it would never finish).
    """
    locator: str | None = response.headers.get("Sforce-Locator")
    if locator is None:
        raise unexpected_answer(
            response, "the result page has no Sforce-Locator: where the rest is is unknown"
        )
    if not locator or locator == "null":
        return None
    if locator in seen:
        raise unexpected_answer(
            response,
            f"Salesforce sent Sforce-Locator {locator!r} a second time for one job; "
            "following it again would never end",
        )
    seen.add(locator)
    return locator


def _bad_csv(
    client: SalesforceClient, job_id: str, exc: Exception, url: httpx.URL
) -> SalesforceApiError:
    """The error for a result file that is not the CSV documented, naming the request."""
    return UnexpectedResponseError(
        client.secret_mask(f"Bulk job {job_id}: the result file could not be read as CSV ({exc})"),
        error_code="UNEXPECTED_RESPONSE",
        method="GET",
        url=request_label(httpx.Request("GET", url)),
    )


def _read_error(client: SalesforceClient, response: httpx.Response) -> None:
    """Raise the typed error of a streamed error answer (its body read within the budget)."""
    if response.is_error:
        _rest.check(client.read_body(response))


def _csv_rows(
    client: SalesforceClient,
    info: JobInfo,
    url: httpx.URL,
    params: Any = None,
    seen: set[str] | None = None,
) -> Iterator[list[str] | str | None]:
    """
    Stream one CSV file within the retry budget: yield its rows as they arrive, then (with
    ``seen``, the locators followed so far) its ``Sforce-Locator``, None after the last page.
    """
    reader = CsvReader(info.delimiter)
    try:
        with client.stream("GET", url, params=params, headers=_CSV_HEADERS) as response:
            _read_error(client, response)
            chunks = client.body_chunks(response, CHUNK_SIZE)
            try:
                for chunk in chunks:
                    for row in reader.feed(chunk):
                        yield row
            finally:  # closed here too when the caller stops early
                chunks.close()  # type: ignore[attr-defined]
            for row in reader.close():
                yield row
            if seen is not None:
                yield _next_locator(response, seen)
    except httpx.TransportError as exc:  # the connection broke before the body
        raise connection_error(exc, exc.request) from exc
    except ValueError as exc:
        if isinstance(exc, SalesforceApiError):  # InvalidIdError is a ValueError too
            raise
        raise _bad_csv(client, info.id, exc, url) from exc


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := run_in_thread(handle.read, CHUNK_SIZE):
        yield chunk


def _spool_file(max_size: int = SPOOL_IN_MEMORY) -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=max_size)


class _Upload:
    """The CSV of one job: in memory while small, in a temporary file beyond."""

    def __init__(self, header: bytes, first_row: int) -> None:
        self.file = _spool_file()
        self.pending = [header]
        self.pending_size = len(header)
        self.size = len(header)
        self.rows = 0
        self.first_row = first_row

    def add(self, line: bytes) -> None:
        self.pending.append(line)
        self.pending_size += len(line)
        self.size += len(line)
        self.rows += 1
        if self.pending_size >= CHUNK_SIZE:
            self.flush()

    def flush(self) -> None:
        self.file.write(b"".join(self.pending))
        self.pending = []
        self.pending_size = 0


class _Spool:
    """
    The encoded input, before the header is known: its lines back to back in one file,
    their lengths in another, and the width (cells) of each run of lines written before the
    header grew, so a line can be widened to the final header without parsing it again.
    """

    def __init__(self) -> None:
        self.file = _spool_file()
        self.lengths = _spool_file(CHUNK_SIZE)  # 4 bytes a line: on disk beyond 262,144 lines
        self.union = HeaderUnion()
        self.rows = 0
        self.size = 0
        self.widths: list[tuple[int, int]] = []  # (first row, width) of each run of lines
        self.pending: list[bytes] = []
        self.pending_lengths = array("I")
        self.pending_size = 0

    def add(self, row: dict[str, str]) -> None:
        line, width = self.union.line(row)
        if not self.widths or self.widths[-1][1] != width:
            self.widths.append((self.rows, width))
        self.pending.append(line)
        self.pending_lengths.append(len(line))
        self.pending_size += len(line)
        self.rows += 1

    def flush(self) -> None:
        data, lengths = b"".join(self.pending), self.pending_lengths.tobytes()
        self.size += len(data)
        self.pending, self.pending_lengths, self.pending_size = [], array("I"), 0
        run_in_thread(self._write, data, lengths)

    def _write(self, data: bytes, lengths: bytes) -> None:
        self.file.write(data)
        self.lengths.write(lengths)

    def close(self) -> None:
        self.file.close()
        self.lengths.close()

    def cut(self, splitter: UploadSplitter) -> list[_Upload]:
        """
        Write the uploads: every line widened to the final header, cut by size (blocking
        file I/O: run it in a thread).
        """
        header = self.union.header()
        splitter.start(header)
        self.file.seek(0)
        if len(self.widths) == 1 and splitter.fits(self.size):
            # The usual case: every line has every column and they all fit in one upload.
            upload = _Upload(header, 0)
            try:
                upload.flush()
                shutil.copyfileobj(self.file, upload.file, CHUNK_SIZE)
            except BaseException:  # a full disk, say: no temporary file left open
                upload.file.close()
                raise
            upload.size += self.size
            upload.rows = self.rows
            return [upload]
        uploads: list[_Upload] = []
        try:
            for row, line in enumerate(self._widened()):
                if splitter.place(line):
                    if uploads:
                        uploads[-1].flush()
                    uploads.append(_Upload(header, row))
                uploads[-1].add(line)
            if uploads:
                uploads[-1].flush()
        except BaseException:
            for upload in uploads:
                upload.file.close()
            raise
        return uploads

    def _widened(self) -> Iterator[bytes]:
        """Every spooled line, widened to the final header."""
        if not self.widths:  # no line at all
            return
        width = len(self.union.columns)
        runs = [*self.widths[1:], (self.rows, width)]
        next_run, written = runs[0][0], self.widths[0][1]
        row = 0
        read = self.file.read
        self.lengths.seek(0)
        while block := self.lengths.read(CHUNK_SIZE // 16):
            lengths = array("I")
            lengths.frombytes(block)
            for length in lengths:
                while row == next_run:  # this line starts a run written wider
                    written = runs[0][1]
                    runs.pop(0)
                    next_run = runs[0][0] if runs else -1
                yield pad_line(read(length), written, width)
                row += 1


def _report_prepared(progress: Progress | None, rows: int) -> None:
    if progress is not None:
        call_callback(progress, BulkProgress(job_id=None, state=PREPARING, records_prepared=rows))


def _spool(records: Iterable[Any], encoder: RecordEncoder, progress: Progress | None) -> _Spool:
    """Encode every record (checking it) into a spool; report every ``YIELD_EVERY`` rows."""
    spool = _Spool()
    try:
        for record in records:
            spool.add(encoder.row(record))
            if spool.pending_size >= CHUNK_SIZE:
                spool.flush()
            if spool.rows % YIELD_EVERY == 0:
                _report_prepared(progress, spool.rows)
                sleep(0)  # let other tasks run while a large input is encoded
        spool.flush()
    except BaseException:
        spool.close()
        raise
    return spool


def _next_url(urls: Iterator[httpx.URL]) -> httpx.URL | None:
    for url in urls:
        return url
    return None


# ----------------------------------------------------------------------------- ingest jobs


J = TypeVar("J", bound="BulkJob")


class BulkJob:
    """
    What ingest and query jobs share: their info, polling, aborting, deleting, reattaching.

    Attributes:
        info: The last job info read (:class:`~sf_toolkit._wire.bulk_jobs.JobInfo`).
        records_uploaded: Records this object uploaded (0 for queries and reattached jobs).
    """

    _kind = "ingest"
    #: States after which :meth:`wait` returns instead of raising BulkJobFailedError.
    _ok_states: frozenset[str] = frozenset({JOB_COMPLETE, ABORTED})

    def __init__(
        self,
        info: JobInfo,
        sf_client: SalesforceClient,
        *,
        model: type[SObject] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.info = info
        self.records_uploaded = 0
        self._uploaded_before = 0  # records a job group's earlier jobs uploaded
        self._client = sf_client
        self._model = model
        self._progress = progress

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.id} {self.info.operation} {self.info.sobject} "
            f"{self.state} processed={self.records_processed} failed={self.records_failed}>"
        )

    @property
    def id(self) -> str:
        """The job Id (``750...``)."""
        return self.info.id

    @property
    def state(self) -> str:
        """The job state: ``Open``, ``UploadComplete``, ``InProgress``, ``JobComplete``, ...."""
        return self.info.state

    @property
    def records_processed(self) -> int:
        """``numberRecordsProcessed`` at the last refresh (rows saved and failed, or matched)."""
        return self.info.records_processed

    @property
    def records_failed(self) -> int:
        """``numberRecordsFailed`` at the last refresh (0 for queries)."""
        return self.info.records_failed

    @property
    def error_message(self) -> str | None:
        """Why the job failed, when it did."""
        return self.info.error_message

    @classmethod
    def get(
        cls: type[J],
        job_id: str,
        sf_client: SalesforceClient | None = None,
        *,
        model: type[SObject] | None = None,
        progress: Progress | None = None,
    ) -> J:
        """
        Reattach to a job by Id, for example one another process started.

        Args:
            job_id: The job's Id.
            model: The model to build records with; by default the model registered for the
                job's sObject, else :class:`~sf_toolkit.models.GenericRecord`.
            progress: A callback for :meth:`wait` and the result iterators.

        Raises:
            InvalidIdError: If ``job_id`` is malformed (nothing is sent).
            NotFoundError: If the org has no such job of this kind (or it was deleted).
        """
        job_id = validate_id(job_id, argument="job_id")
        check_callback(progress)
        client = resolve_client(
            sf_client, SalesforceClient, connection_of(model) if model else None
        )
        response = client.get(f"jobs/{cls._kind}/{job_id}")
        info = _job_info(response, cls._kind, client.api_version)
        return cls(info, client, model=model, progress=progress)

    def _url(self, *rest: str) -> httpx.URL:
        path = job_path(self._kind, self.info.api_version, self.id, *rest)
        return _on_instance(self._client, path)

    def _report(self, rows_downloaded: int = 0) -> None:
        if self._progress is not None:
            call_callback(
                self._progress,
                BulkProgress(
                    job_id=self.id,
                    state=self.state,
                    records_uploaded=self._uploaded_before + self.records_uploaded,
                    records_processed=self.records_processed,
                    records_failed=self.records_failed,
                    rows_downloaded=rows_downloaded,
                ),
            )

    def _set_info(self, response: httpx.Response, *, report: bool = True) -> None:
        self.info = _job_info(response, self._kind, self.info.api_version)
        if report:
            self._report()

    def refresh(self: J) -> J:
        """Read the job's state and counts again (``GET .../jobs/{kind}/{id}``); return it."""
        self._client.ensure_logged_in()
        self._set_info(self._client.get(self._url()))
        return self

    def wait(self: J, timeout: float | None = None) -> J:
        """
        Poll until the job is finished (``JobComplete``, ``Failed`` or ``Aborted``); return it.

        Polls back off as the client's retry policy does (``backoff_initial``, doubling, up
        to ``backoff_max``), so a policy without backoff polls at once.

        Args:
            timeout: Seconds to wait at most; None waits as long as the job runs.

        Raises:
            TypeError: If ``timeout`` is not a number (checked before any request).
            ValueError: If ``timeout`` is negative or not a number (NaN).
            BulkJobTimeoutError: If the job is still running after ``timeout`` seconds (it
                is not aborted; wait again or reattach later with :meth:`get`).
            BulkJobFailedError: If the job ended ``Failed`` (a query job: or ``Aborted``,
                as it then has no results).
        """
        check_timeout(timeout)
        retry = self._client.retry
        started = monotonic()
        polls = 0
        while True:
            self.refresh()
            if self.info.done:
                break
            polls += 1
            delay = retry.next_delay(polls)
            if timeout is not None:
                remaining = timeout - (monotonic() - started)
                if remaining <= 0:
                    raise BulkJobTimeoutError(job_id=self.id, state=self.state, timeout=timeout)
                delay = min(delay, remaining)
            sleep(delay)
        if self.state not in self._ok_states:
            raise BulkJobFailedError(
                job_id=self.id, state=self.state, error_message=self.error_message
            )
        return self

    def abort(self: J) -> J:
        """Abort the job (an ingest job's unfinished rows stay unprocessed); return it."""
        self._client.ensure_logged_in()
        self._set_info(self._client.patch(self._url(), json={"state": ABORTED}))
        return self

    def delete(self) -> None:
        """Delete the job and its results from the org (a finished, aborted or failed job)."""
        self._client.ensure_logged_in()
        _rest.check(self._client.delete(self._url()))


class BulkIngestJob(BulkJob):
    """
    A Bulk API 2.0 ingest job (``/jobs/ingest/{id}``): its state, counts and results.

    Created by ``save_insert_bulk`` and its siblings, or reattached by Id with :meth:`get`.
    Attributes read the last known job info; :meth:`refresh` and :meth:`wait` update it.
    """

    @property
    def ids(self) -> list[str]:
        """``[id]``: the same shape as :attr:`BulkIngestJobGroup.ids`, to keep either."""
        return [self.id]

    @property
    def jobs(self) -> list[BulkIngestJob]:
        """``[self]``: the same shape as :attr:`BulkIngestJobGroup.jobs`."""
        return [self]

    def _close(self) -> None:
        """
        Mark the upload complete. When the answer is lost (or Salesforce fails), read the
        job's state before deciding: the PATCH may have been applied, and sending the whole
        input again would save it twice. Only a job still ``Open`` is asked once more.
        """
        try:
            response = self._client.patch(self._url(), json={"state": UPLOAD_COMPLETE})
            self._set_info(response, report=False)
            return
        except SalesforceError as exc:
            # Lost, failed, or refused because a repeat of an applied PATCH found it closed.
            self._set_info(self._client.get(self._url()), report=False)
            if self.state != OPEN:
                return
            if not isinstance(exc, (SalesforceConnectionError, ServerError)):
                raise
        response = self._client.patch(self._url(), json={"state": UPLOAD_COMPLETE})
        self._set_info(response, report=False)

    def _abort_quietly(self) -> bool:
        """Abort a job left ``Open`` by a failed start; tell whether it is now aborted."""
        try:
            self._client.ensure_logged_in()
            response = self._client.patch(self._url(), json={"state": ABORTED})
            self._set_info(response, report=False)
        except SalesforceError:
            return False
        return self.state == ABORTED

    def _upload(self, upload: _Upload) -> None:
        """
        PUT the CSV, sent again from the start after a 401 (the client renewed the session)
        or a failure Salesforce did not apply (503, ...), as the retry policy allows.
        """
        client = self._client
        headers = {"Content-Type": "text/csv", "Content-Length": str(upload.size)}
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            run_in_thread(upload.file.seek, 0)
            url = self._url("batches")  # per attempt: a renewal may have moved the instance
            response = client.put(url, content=_chunks(upload.file), headers=headers)
            if response.status_code == 401 and not renewed:
                renewed = True
                continue
            if response.is_error and client.retry.should_retry(
                method="PUT", attempt=attempt, response=response
            ):
                sleep(client.retry.next_delay(attempt, response))
                continue
            _rest.check(response)
            self.records_uploaded = upload.rows
            return

    def _result_rows(self, resource: str, which: str) -> Iterator[Any]:
        self._client.ensure_logged_in()
        reader: ResultReader | None = None
        count = 0
        url = self._url(resource)
        for row in _csv_rows(self._client, self.info, url):
            assert isinstance(row, list)  # no locators asked for
            if reader is None:
                try:
                    reader = ResultReader(
                        which, row, self.info.operation, self._model, self.info.sobject
                    )
                except ValueError as exc:
                    raise _bad_csv(self._client, self.id, exc, url) from exc
                continue
            try:
                item = reader.record(row) if which == "unprocessed" else reader.result(row)
            except ValueError as exc:
                raise _bad_csv(self._client, self.id, exc, url) from exc
            yield item
            count += 1
            if count % PROGRESS_ROWS == 0:
                self._report(rows_downloaded=count)
        self._report(rows_downloaded=count)

    def successful_results(self) -> Iterator[SaveResult[SObject]]:
        """
        Stream the rows Salesforce saved, as results with their Id, ``created`` flag and the
        input record they belong to (rebuilt from the row Salesforce echoes back).
        """
        for result in self._result_rows("successfulResults", "successful"):
            yield result

    def failed_results(self) -> Iterator[SaveResult[SObject]]:
        """
        Stream the rows Salesforce refused: each result carries the errors split out of
        ``sf__Error`` (code, message, fields) and the input record it belongs to.
        """
        for result in self._result_rows("failedResults", "failed"):
            yield result

    def unprocessed_records(self) -> Iterator[SObject]:
        """Stream the input records a failed or aborted job never processed."""
        for record in self._result_rows("unprocessedrecords", "unprocessed"):
            yield record


class BulkIngestJobGroup:
    """
    Several ingest jobs made from one input too large for one upload, used as one job.

    It has the interface of :class:`BulkIngestJob` (state, counts, :meth:`wait`,
    :meth:`abort`, :meth:`delete` and the result iterators, which read the jobs in turn),
    plus :attr:`jobs` and :attr:`ids`.
    """

    def __init__(self, jobs: Iterable[BulkIngestJob]) -> None:
        self.jobs = list(jobs)
        """The ingest jobs, in input order."""
        if not self.jobs:
            raise ValueError("a job group needs at least one job")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self.jobs)} jobs {self.state}>"

    @classmethod
    def get(
        cls,
        job_ids: Iterable[str],
        sf_client: SalesforceClient | None = None,
        *,
        model: type[SObject] | None = None,
        progress: Progress | None = None,
    ) -> BulkIngestJobGroup:
        """
        Reattach to the jobs of a group by their Ids (its :attr:`ids`).

        Raises:
            TypeError: If ``job_ids`` is a single string rather than a list of Ids.
            InvalidIdError: If an Id is malformed (nothing is sent).
            NotFoundError: If the org has no such ingest job.
        """
        if isinstance(job_ids, str):
            raise TypeError("job_ids must be a list of job Ids; use BulkIngestJob.get for one")
        ids = [validate_id(job_id, argument="job_ids") for job_id in job_ids]
        return cls(
            [BulkIngestJob.get(job_id, sf_client, model=model, progress=progress) for job_id in ids]
        )

    @property
    def ids(self) -> list[str]:
        """The Ids of the jobs, in input order."""
        return [job.id for job in self.jobs]

    @property
    def id(self) -> str:
        """
        Not available: a group has several Ids. Keep :attr:`ids` (a single job has ``ids``
        too) and reattach with :meth:`get`.

        Raises:
            AttributeError: Always, naming the way out.
        """
        raise AttributeError(
            f"a job group has {len(self.jobs)} jobs, so no single id: use .ids "
            "(BulkIngestJobGroup.get(ids) reattaches them)"
        )

    @property
    def state(self) -> str:
        """The least advanced state while a job runs; then ``Failed``, ``Aborted`` or done."""
        return combined_state(job.state for job in self.jobs)

    @property
    def records_uploaded(self) -> int:
        """Records uploaded over all jobs."""
        return sum(job.records_uploaded for job in self.jobs)

    @property
    def records_processed(self) -> int:
        """Records processed over all jobs, at their last refresh."""
        return sum(job.records_processed for job in self.jobs)

    @property
    def records_failed(self) -> int:
        """Records failed over all jobs, at their last refresh."""
        return sum(job.records_failed for job in self.jobs)

    def refresh(self) -> BulkIngestJobGroup:
        """Refresh every job; return the group."""
        for job in self.jobs:
            job.refresh()
        return self

    def wait(self, timeout: float | None = None) -> BulkIngestJobGroup:
        """
        Wait for every job (``timeout`` counts for the whole group); return the group.

        Raises:
            BulkJobTimeoutError: If a job is still running when the time is up.
            BulkJobFailedError: The first failed job's error, after all have finished.
        """
        check_timeout(timeout)
        started = monotonic()
        failures: list[BulkJobFailedError] = []
        for job in self.jobs:
            left = None if timeout is None else max(0.0, timeout - (monotonic() - started))
            try:
                job.wait(left)
            except BulkJobFailedError as exc:
                failures.append(exc)
        if failures:
            raise failures[0]
        return self

    def abort(self) -> BulkIngestJobGroup:
        """Abort every job that is not finished yet; return the group."""
        for job in self.jobs:
            if not job.info.done:
                job.abort()
        return self

    def delete(self) -> None:
        """Delete every job."""
        for job in self.jobs:
            job.delete()

    def successful_results(self) -> Iterator[SaveResult[SObject]]:
        """The successful results of every job, job after job."""
        for job in self.jobs:
            for result in job.successful_results():
                yield result

    def failed_results(self) -> Iterator[SaveResult[SObject]]:
        """The failed results of every job, job after job."""
        for job in self.jobs:
            for result in job.failed_results():
                yield result

    def unprocessed_records(self) -> Iterator[SObject]:
        """The unprocessed records of every job, job after job."""
        for job in self.jobs:
            for record in job.unprocessed_records():
                yield record


def _start_error(
    jobs: list[BulkIngestJob], step: str, exc: BaseException, aborted: bool | None, rows: int
) -> BulkUploadError:
    job = jobs[-1]
    fate = {
        None: f"it is {job.state}",
        True: "it was aborted",
        False: f"aborting it failed too; it was last seen {job.state}",
    }[aborted]
    started = ", ".join(f"{j.id} ({j.state})" for j in jobs)
    return BulkUploadError(
        f"Bulk {job.info.operation} of {job.info.sobject}: {step} of job {job.id} failed "
        f"({type(exc).__name__}: {exc}); {fate}. Jobs this call created: {started}; records "
        f"from {rows + 1} on were not sent. The error's .jobs hold them (abort or reattach).",
        jobs=jobs,
    )


def _start_jobs(
    client: SalesforceClient,
    spec: dict[str, Any],
    uploads: list[_Upload],
    model: type[SObject] | None,
    progress: Progress | None,
) -> list[BulkIngestJob]:
    """Create, fill and close one job per upload; a failure once a job exists keeps them."""
    jobs: list[BulkIngestJob] = []
    sent = 0
    for upload in uploads:
        try:
            response = client.post("jobs/ingest", json=spec)
            info = _job_info(response, "ingest", client.api_version)
        except Exception as exc:
            if not jobs:
                raise  # nothing exists yet: the error as it is
            raise _start_error(jobs, "creating the next job after", exc, None, sent) from exc
        job = BulkIngestJob(info, client, model=model, progress=progress)
        job._uploaded_before = sent
        jobs.append(job)
        step = "uploading"
        try:
            job._upload(upload)
            upload.file.close()
            job._report()  # records_uploaded, the job still Open
            step = "closing"
            job._close()
        except Exception as exc:
            aborted = job._abort_quietly() if job.state == OPEN else None
            if job.state not in (OPEN, ABORTED):
                sent += upload.rows  # closed after all: its records are in Salesforce's hands
            raise _start_error(jobs, step, exc, aborted, sent) from exc
        except KeyboardInterrupt:
            # Ctrl-C mid-upload: an Open job would hold its rows unprocessed for a day.
            if job.state == OPEN:
                job._abort_quietly()
            raise
        sent += upload.rows
        try:
            job._report()
        except Exception as exc:
            raise _start_error(
                jobs, "the progress callback after closing", exc, None, sent
            ) from exc
    return jobs


def _ingest(
    records: Iterable[Any],
    operation: str,
    sf_client: SalesforceClient | None,
    *,
    external_id_field: str | None = None,
    sobject: type[SObject] | str | None = None,
    progress: Progress | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> BulkIngestJob | BulkIngestJobGroup:
    if isinstance(records, (str, bytes, SObject, Mapping)) or not isinstance(records, Iterable):
        raise TypeError(f"records must be an iterable of records, got {type(records).__name__}")
    splitter = UploadSplitter(max_upload_bytes)
    check_callback(progress)
    model, sobject_name = check_sobject(sobject)
    if operation == "upsert":
        external_id_field = check_external_id_field(model, external_id_field)
    encoder = RecordEncoder(operation, external_id_field, sobject_name)
    encoder.model = model
    spool = _spool(records, encoder, progress)
    try:
        if not spool.rows:
            raise ValueError("no records: a Bulk job needs at least one, so none was created")
        _report_prepared(progress, spool.rows)
        uploads = run_in_thread(spool.cut, splitter)
    finally:
        spool.close()
    try:
        client = resolve_client(
            sf_client,
            SalesforceClient,
            connection_of(encoder.model) if encoder.model is not None else None,
        )
        assert encoder.sobject is not None
        spec = ingest_spec(encoder.sobject, operation, encoder.external_id_field)
        jobs = _start_jobs(client, spec, uploads, encoder.model, progress)
    finally:
        for upload in uploads:
            upload.file.close()
    return jobs[0] if len(jobs) == 1 else BulkIngestJobGroup(jobs)


def save_insert_bulk(
    records: Iterable[SObject | Mapping[str, Any]],
    sf_client: SalesforceClient | None = None,
    *,
    sobject: type[SObject] | str | None = None,
    progress: Progress | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> BulkIngestJob | BulkIngestJobGroup:
    """
    Insert records with a Bulk API 2.0 job; return the job without waiting for it.

    The records (any iterable, read once) are written as CSV through the model's conversion,
    the upload is streamed, and the job is marked ``UploadComplete``. Input larger than one
    upload (``max_upload_bytes`` of UTF-8 CSV) becomes several jobs, returned as an
    :class:`BulkIngestJobGroup`.

    Args:
        records: Records of one sObject type, without Ids; or plain dicts of field API name
            to value (``{"Name": "Acme", "Account.External_ID__c": "A-1"}``) with ``sobject``.
        sobject: The model class or sObject name; needed for plain dicts, and it pins the
            type (and the model results are rebuilt with) for records.
        progress: Called with a :class:`~sf_toolkit.BulkProgress` every 5,000 records
            prepared, after each upload and close, poll and batch of result rows.
        max_upload_bytes: The most CSV bytes per job (Salesforce: 150 MB after base64, so
            100 MB of CSV by default).

    Every upload has one header, the union of the fields the records set; a field a record
    did not set is an empty cell (an update leaves it unchanged), None is ``#N/A`` (null).

    Raises:
        TypeError: A record is not an SObject, or is of another sObject type than the first;
            ``sobject`` or ``max_upload_bytes`` of the wrong type.
        ValueError: No records, a record already has an Id, has no field set, holds the
            text ``"#N/A"``, or sets an ambiguous parent (checked before any job is
            created).
        BulkUploadError: Something failed once a job existed; its ``jobs`` hold the jobs
            created (a job left ``Open`` is aborted).
    """
    return _ingest(
        records,
        "insert",
        sf_client,
        sobject=sobject,
        progress=progress,
        max_upload_bytes=max_upload_bytes,
    )


def save_update_bulk(
    records: Iterable[SObject | Mapping[str, Any]],
    sf_client: SalesforceClient | None = None,
    *,
    sobject: type[SObject] | str | None = None,
    progress: Progress | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> BulkIngestJob | BulkIngestJobGroup:
    """
    Update records by Id with a Bulk API 2.0 job; return the job without waiting for it.

    Every loaded field is sent (None as ``#N/A``, which clears it); fields not loaded stay as
    they are in Salesforce. See :func:`save_insert_bulk` for the arguments.

    Raises:
        TypeError: A record is not an SObject, or is of another sObject type than the first.
        ValueError: No records, or a record has no Id (checked before any job is created).
        BulkUploadError: Something failed once a job existed (see save_insert_bulk).
    """
    return _ingest(
        records,
        "update",
        sf_client,
        sobject=sobject,
        progress=progress,
        max_upload_bytes=max_upload_bytes,
    )


def save_upsert_bulk(
    records: Iterable[SObject | Mapping[str, Any]],
    external_id_field: str,
    sf_client: SalesforceClient | None = None,
    *,
    sobject: type[SObject] | str | None = None,
    progress: Progress | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> BulkIngestJob | BulkIngestJobGroup:
    """
    Insert or update records by an external id field with a Bulk API 2.0 job.

    Returns the job without waiting for it; see :func:`save_insert_bulk` for the
    other arguments.

    Args:
        external_id_field: The field matched against existing records, e.g.
            ``"External_ID__c"``; every record needs a value in it.

    Raises:
        TypeError: A record is not an SObject, or is of another sObject type than the first;
            ``external_id_field`` is not a string.
        ValueError: No records, a field the model does not declare, or a record without an
            external id value (checked before any job is created).
        SalesforceApiError: Salesforce refuses the field (not an external id) when creating
            the job.
        BulkUploadError: Something failed once a job existed (see save_insert_bulk).
    """
    return _ingest(
        records,
        "upsert",
        sf_client,
        external_id_field=external_id_field,
        sobject=sobject,
        progress=progress,
        max_upload_bytes=max_upload_bytes,
    )


def delete_bulk(
    records_or_ids: Iterable[SObject | str],
    sf_client: SalesforceClient | None = None,
    *,
    hard_delete: bool = False,
    sobject: type[SObject] | str | None = None,
    progress: Progress | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> BulkIngestJob | BulkIngestJobGroup:
    """
    Delete records by Id with a Bulk API 2.0 job; return the job without waiting for it.

    Args:
        records_or_ids: Records with Ids, or Id strings (then ``sobject`` names the type).
        hard_delete: Skip the recycle bin (``hardDelete``; needs the "Bulk API Hard Delete"
            permission).
        sobject: The model class or sObject name, required for bare Ids.

    Raises:
        TypeError: An item that is neither a record nor an Id, or records of mixed types.
        ValueError: No records, a record without Id, or Ids without ``sobject``.
        InvalidIdError: A malformed Id.
        TypeError: ``hard_delete`` is not a bool, or ``sobject`` neither a class nor a name.
        BulkUploadError: Something failed once a job existed (see save_insert_bulk).
    """
    check_flag("hard_delete", hard_delete)
    return _ingest(
        records_or_ids,
        "hardDelete" if hard_delete else "delete",
        sf_client,
        sobject=sobject,
        progress=progress,
        max_upload_bytes=max_upload_bytes,
    )


# ----------------------------------------------------------------------------- query jobs


class BulkQueryJob(BulkJob):
    """
    A Bulk API 2.0 query job (``/jobs/query/{id}``): its state and its result rows.

    :func:`query_bulk` creates one, waits and streams its records; create one with
    :meth:`create` to keep the job (for :meth:`write_csv`), or reattach with :meth:`get`.
    """

    _kind = "query"
    _ok_states = frozenset({JOB_COMPLETE})

    @classmethod
    def create(
        cls,
        soql_or_builder: SelectQuery[Any] | str,
        sf_client: SalesforceClient | None = None,
        include_deleted: bool = False,
        *,
        progress: Progress | None = None,
    ) -> BulkQueryJob:
        """
        Create a query job (``POST /jobs/query``) and return it without waiting.

        Raises:
            TypeError: If the query is neither a builder nor a string.
            ValueError: If the SOQL is empty.
            SalesforceApiError: If Salesforce refuses the query (Bulk API 2.0 takes no
                ``GROUP BY``, ``OFFSET``, ``TYPEOF``, aggregates or child subqueries).
        """
        check_flag("include_deleted", include_deleted)
        plan = plan_query(soql_or_builder, include_deleted=include_deleted)
        check_callback(progress)
        client = resolve_client(
            sf_client, SalesforceClient, connection_of(plan.model) if plan.model else None
        )
        return cls._create(client, plan, progress)

    @classmethod
    def _create(
        cls, client: SalesforceClient, plan: QueryPlan, progress: Progress | None
    ) -> BulkQueryJob:
        spec = query_spec(plan.soql, plan.endpoint == "queryAll")
        response = client.post("jobs/query", json=spec)
        info = _job_info(response, "query", client.api_version)
        return cls(info, client, model=plan.model, progress=progress)

    def records(self, *, concurrency: int = 1, page_size: int | None = None) -> Iterator[Any]:
        """
        Stream the job's rows as typed records, page after page, in order.

        Cells are converted by the model's field types (``true``/``false``, numbers, dates,
        datetimes; empty is null) and dotted columns become nested parent records. Without
        a model the records are the registered model's, or GenericRecords whose own fields
        are typed from the sObject's describe (parent columns stay text).

        Args:
            concurrency: With API 58.0 or later, download up to this many result pages at
                once in the background ("Get Parallel Results for a Query Job":
                ``/resultPages``, whose next listing of page URLs is asked for ahead), while
                the first page's rows are parsed and yielded in order as its bytes arrive;
                each page keeps at most 1 MB in memory, the rest in a temporary file. 1
                streams one page at a time, following ``Sforce-Locator``.
            page_size: Rows per page (``maxRecords``) when reading one page at a time (not
                with ``concurrency`` above 1: those pages come in Salesforce's sizes).

        Raises:
            TypeError: If ``concurrency`` or ``page_size`` is not an integer.
            ValueError: If either is less than 1, or both are given with ``concurrency``
                above 1.
        """
        check_concurrency(concurrency)
        if page_size is not None:
            if isinstance(page_size, bool) or not isinstance(page_size, int):
                raise TypeError(f"page_size must be an integer, got {page_size!r}")
            if page_size < 1:
                raise ValueError(f"page_size must be at least 1, got {page_size}")
            if concurrency > 1:
                raise ValueError(
                    "page_size applies to pages read one at a time; concurrent result pages "
                    "come in the sizes Salesforce lists (/resultPages takes no maxRecords)"
                )
        self._client.ensure_logged_in()
        kinds = self._described_kinds()
        decoders: dict[tuple[str, ...], RowDecoder] = {}
        last_header: tuple[str, ...] | None = None
        decoder: RowDecoder | None = None
        count = 0
        rows = self._rows(concurrency, page_size)
        try:
            for row in rows:
                if row is None:
                    self._report(rows_downloaded=count)
                    continue
                header, cells = row
                if header is not last_header:  # once a page, not a tuple hash per row
                    last_header = header
                    decoder = decoders.get(header) or RowDecoder(
                        header, self._model, self.info.sobject, kinds=kinds
                    )
                    decoders[header] = decoder
                assert decoder is not None
                try:
                    record = decoder.record(cells)
                except ValueError as exc:
                    raise _bad_csv(self._client, self.id, exc, self._url("results")) from exc
                count += 1
                yield record
        finally:
            # Closed here, not when collected: an early exit stops the page downloads now.
            rows.close()  # type: ignore[attr-defined]

    def _described_kinds(self) -> dict[str, str] | None:
        """
        Without a model for the job's sObject, learn its field types from describe, so that
        numbers, booleans and dates still arrive typed. None when describe is not allowed.
        """
        if self._model is not None or not self.info.sobject:
            return None
        if sobject_class(self.info.sobject) is not None:
            return None
        try:
            segment = sobject_segment(self.info.sobject)
        except ValueError as exc:
            raise UnexpectedResponseError(
                self._client.secret_mask(f"Bulk job {self.id} names no usable sObject: {exc}"),
                error_code="UNEXPECTED_RESPONSE",
            ) from None
        response = self._client.get(f"sobjects/{segment}/describe")
        if response.status_code in (403, 404):
            return None
        return describe_kinds(parse_describe(_json(response)))

    def _rows(
        self, concurrency: int, page_size: int | None
    ) -> Iterator[tuple[tuple[str, ...], list[str]] | None]:
        """``(header, row)`` pairs; None after each page."""
        if concurrency > 1 and float(self.info.api_version or 0) >= 58.0:
            parallel = self._parallel_rows(concurrency)
            try:
                for item in parallel:
                    yield item
            finally:
                parallel.close()  # type: ignore[attr-defined]
            return
        locator: str | None = None
        seen: set[str] = set()
        first: tuple[str, ...] | None = None
        while True:
            params: dict[str, str] = {}
            if locator:
                params["locator"] = locator
            if page_size:
                params["maxRecords"] = str(page_size)
            header: tuple[str, ...] | None = None
            locator = None
            url = self._url("results")
            page = _csv_rows(self._client, self.info, url, params, seen)
            try:
                for row in page:
                    if row is None or isinstance(row, str):
                        locator = row
                    elif header is None:
                        try:
                            header = first = same_header(first, tuple(row))
                        except ValueError as exc:
                            raise _bad_csv(self._client, self.id, exc, url) from exc
                    else:
                        yield header, row
            finally:
                page.close()  # type: ignore[attr-defined]
            if header is None:
                try:
                    headless_page(first)
                except ValueError as exc:
                    raise _bad_csv(self._client, self.id, exc, url) from exc
            yield None
            if locator is None:
                return

    def _page_urls(self) -> Iterator[httpx.URL]:
        """The result page URLs, listing after listing (``/resultPages``), as they are needed."""
        listing: httpx.URL | None = self._url("resultPages")
        seen: set[str] = set()
        while listing is not None:
            response = self._client.get(listing)
            data = _json(response)  # an error answer raises its own typed error
            try:
                urls, next_url = result_page_urls(data)
            except SalesforceApiError as exc:  # a listing of another shape
                raise unexpected_answer(response, exc.message) from None
            for url in [_data_url(self._client, response, url, "resultUrl") for url in urls]:
                yield url
            listing = None
            if next_url is not None:
                instance = _instance_url(self._client)
                listing = httpx.URL(next_page_url(instance, next_url, seen, response=response))

    def _download(self, url: httpx.URL, page: SpooledFetch) -> None:
        """Stream one result page into its spool (run in the background by the window)."""
        client = self._client
        try:
            with client.stream("GET", url, headers=_CSV_HEADERS) as response:
                _read_error(client, response)
                for chunk in client.body_chunks(response):  # as they arrive
                    page.write(chunk)
        except httpx.TransportError as exc:  # the body broke off midway
            raise connection_error(exc, exc.request) from exc

    def _page_window(self, concurrency: int) -> Iterator[tuple[httpx.URL, SpooledFetch]]:
        """
        The result pages in order, each ``(url, download)``, while up to ``concurrency`` of
        them download at once in the background, each into its own spool (at most
        ``PAGE_IN_MEMORY`` bytes in memory, the rest in a temporary file).

        A page's download keeps going while the caller reads the page (``download.read``);
        when the caller asks for the next page, the one it read is closed and the next URL
        starts downloading. The next URL is always fetched ahead, so the next listing (one
        small JSON request) may be in flight beside the pages; a listing that fails raises at
        its turn, once the pages listed before it were handed out. However the loop ends (an
        error, an early ``break``), every download still running is cancelled and its spool
        deleted.
        """
        pages: list[tuple[httpx.URL, SpooledFetch]] = []
        urls = self._page_urls()
        # The next URL is fetched ahead: a listing holds five, so the next listing is asked
        # for while the pages of this one download, not when the window has room again.
        ahead: Any = start(functools.partial(_next_url, urls))
        failed: Exception | None = None  # a listing that failed, raised at its turn
        try:
            while True:
                while ahead is not None and len(pages) < concurrency:
                    try:
                        url = ahead.result()  # still ``ahead`` if cancelled meanwhile
                    except Exception as exc:
                        ahead, failed = None, exc  # raised after the pages listed before it
                        break
                    ahead = None
                    if url is not None:
                        ahead = start(functools.partial(_next_url, urls))
                        fetch = functools.partial(self._download, url)
                        pages.append((url, SpooledFetch(fetch, PAGE_IN_MEMORY)))
                if not pages:
                    if failed is not None:
                        raise failed
                    return
                yield pages[0]
                _, head = pages.pop(0)
                head.close()
        finally:
            for _, page in pages:  # all at once first: the sync twin's threads each wait
                page.stop()
            if ahead is not None:
                ahead.stop()
            for _, page in pages:
                page.close()
            if ahead is not None:
                ahead.cancel()
            urls.close()  # type: ignore[attr-defined]

    def _parallel_rows(
        self, concurrency: int
    ) -> Iterator[tuple[tuple[str, ...], list[str]] | None]:
        """
        The rows of every result page, in order, while up to ``concurrency`` pages download at
        once in the background (:meth:`_page_window`); the first page's rows are parsed and
        yielded as its bytes arrive. None after each page.
        """
        window = self._page_window(concurrency)
        first: tuple[str, ...] | None = None
        try:
            for url, page in window:
                reader = CsvReader(self.info.delimiter)
                header: tuple[str, ...] | None = None
                try:
                    while data := page.read(CHUNK_SIZE):
                        for row in reader.feed(data):
                            if header is None:
                                header = first = same_header(first, tuple(row))
                            else:
                                yield header, row
                    for row in reader.close():
                        if header is None:
                            header = first = same_header(first, tuple(row))
                        else:
                            yield header, row
                    if header is None:
                        headless_page(first)
                except ValueError as exc:
                    if isinstance(exc, SalesforceApiError):  # InvalidIdError is a ValueError
                        raise
                    raise _bad_csv(self._client, self.id, exc, url) from exc
                yield None
        finally:
            window.close()  # type: ignore[attr-defined]

    def write_csv(
        self,
        dest_path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        concurrency: int = 1,
    ) -> Path:
        """
        Write the job's results to a CSV file as Salesforce sends them, without parsing.

        Pages are appended in order (one header row at the top), through a temporary file
        next to ``dest_path``, so a failed download leaves nothing behind.

        Args:
            dest_path: The file to write.
            overwrite: Replace an existing file.
            concurrency: With API 58.0 or later, download up to this many result pages at
                once (``/resultPages``), each spooled (at most 1 MB in memory, the rest in a
                temporary file) until its turn comes; the file is the same as with 1, which
                follows the ``Sforce-Locator`` of one page after the other.

        Returns:
            The path written.

        Raises:
            TypeError: If ``concurrency`` is not an integer.
            ValueError: If ``concurrency`` is less than 1.
            IsADirectoryError: If ``dest_path`` is a directory (before any download).
            FileExistsError: If the file exists and ``overwrite`` is false.
        """
        check_concurrency(concurrency)
        target = Path(dest_path)
        if run_in_thread(target.is_dir):
            raise IsADirectoryError(f"{target} is a directory; give the path of a file")
        if not overwrite and run_in_thread(target.exists):
            raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
        self._client.ensure_logged_in()
        with written_whole(target, overwrite) as handle:
            if concurrency > 1 and float(self.info.api_version or 0) >= 58.0:
                self._copy_page_window(handle, concurrency)
            else:
                self._copy_pages(handle)
        return target

    def _copy_pages(self, handle: IO[bytes]) -> None:
        """Copy the pages one after the other, following ``Sforce-Locator``."""
        locator: str | None = None
        seen: set[str] = set()
        headers = PageHeaders()
        while True:
            params = {"locator": locator} if locator else {}
            client = self._client
            url = self._url("results")
            try:
                with client.stream("GET", url, params=params, headers=_CSV_HEADERS) as response:
                    _read_error(client, response)
                    headers.start_page()
                    chunks = client.body_chunks(response, CHUNK_SIZE)
                    try:
                        for chunk in chunks:
                            if data := headers.cut(chunk):
                                run_in_thread(handle.write, data)
                    finally:
                        chunks.close()  # type: ignore[attr-defined]
                    headers.end_page()
                    locator = _next_locator(response, seen)
            except httpx.TransportError as exc:  # the connection broke before the body
                raise connection_error(exc, exc.request) from exc
            except ValueError as exc:
                raise _bad_csv(client, self.id, exc, url) from exc
            self._report()
            if locator is None:
                return

    def _copy_page_window(self, handle: IO[bytes], concurrency: int) -> None:
        """Copy the pages in order while up to ``concurrency`` of them download at once."""
        window = self._page_window(concurrency)
        headers = PageHeaders()
        try:
            for url, page in window:
                headers.start_page()
                try:
                    while chunk := page.read(CHUNK_SIZE):
                        if data := headers.cut(chunk):
                            run_in_thread(handle.write, data)
                    headers.end_page()
                except ValueError as exc:
                    raise _bad_csv(self._client, self.id, exc, url) from exc
                self._report()
        finally:
            window.close()  # type: ignore[attr-defined]


@overload
def query_bulk(
    soql_or_builder: SelectQuery[M],
    sf_client: SalesforceClient | None = None,
    include_deleted: bool = False,
    *,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> Iterator[M]: ...


@overload
def query_bulk(
    soql_or_builder: str,
    sf_client: SalesforceClient | None = None,
    include_deleted: bool = False,
    *,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> Iterator[SObject]: ...


def query_bulk(
    soql_or_builder: SelectQuery[Any] | str,
    sf_client: SalesforceClient | None = None,
    include_deleted: bool = False,
    *,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> Iterator[Any]:
    """
    Run a query as a Bulk API 2.0 job and iterate over its records as they download.

    Iteration creates the job, waits for it (backing off as the client's retry policy does)
    and streams its result pages (see :meth:`BulkQueryJob.records`). The arguments are
    checked at once; nothing is sent until iteration starts.

    Args:
        soql_or_builder: ``select(Model)...`` or a SOQL string.
        include_deleted: ``queryAll``: include deleted and archived records.
        concurrency: Result pages downloaded at once (API 58.0+), yielded in order.
        progress: Called with a :class:`~sf_toolkit.BulkProgress` after each poll and page.

    Raises:
        TypeError: If the query is neither a builder nor a string.
        ValueError: If the SOQL is empty or ``concurrency`` is not a positive integer.
        BulkJobFailedError: (while iterating) if the job fails.
    """
    check_flag("include_deleted", include_deleted)
    plan = plan_query(soql_or_builder, include_deleted=include_deleted)
    check_concurrency(concurrency)
    check_callback(progress)
    client = resolve_client(
        sf_client, SalesforceClient, connection_of(plan.model) if plan.model else None
    )
    return _query_records(client, plan, concurrency, progress)


def _query_records(
    client: SalesforceClient,
    plan: QueryPlan,
    concurrency: int,
    progress: Progress | None,
) -> Iterator[Any]:
    job = BulkQueryJob._create(client, plan, progress)
    job.wait()
    records = job.records(concurrency=concurrency)
    try:
        for record in records:
            yield record
    finally:
        records.close()  # type: ignore[attr-defined]


# Their public path, for reprs and the docs.
publish("sf_toolkit", [BulkIngestJob, BulkIngestJobGroup, BulkQueryJob])
