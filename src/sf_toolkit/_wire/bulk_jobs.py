"""
Bulk API 2.0 jobs, sans I/O: what to send to create one, and what its JSON says.

Shapes follow Salesforce's "Create a Job", "Get Job Info" and "Create a Query Job" pages
(``docs/salesforce-wire.md`` §10, §11). States: ``Open`` → ``UploadComplete`` →
``InProgress`` → ``JobComplete`` or ``Failed``; ``Aborted`` at any time before completion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .._exports import publish
from ..exceptions import SalesforceApiError
from .bulk_csv import COLUMN_DELIMITERS
from .urls import ServerUrlError, id_segment, rest_path
from .urls import api_version as checked_version

__all__ = [
    "ABORTED",
    "FAILED",
    "IN_PROGRESS",
    "JOB_COMPLETE",
    "OPEN",
    "PREPARING",
    "TERMINAL_STATES",
    "UPLOAD_COMPLETE",
    "BulkProgress",
    "JobInfo",
    "check_flag",
    "check_timeout",
    "combined_state",
    "ingest_spec",
    "job_path",
    "query_spec",
    "result_page_urls",
]

#: Not a Salesforce state: the input is being encoded, before any job exists.
PREPARING = "Preparing"
OPEN = "Open"
UPLOAD_COMPLETE = "UploadComplete"
IN_PROGRESS = "InProgress"
JOB_COMPLETE = "JobComplete"
FAILED = "Failed"
ABORTED = "Aborted"

#: States a job never leaves.
TERMINAL_STATES = frozenset({JOB_COMPLETE, FAILED, ABORTED})

_ORDER = {OPEN: 0, UPLOAD_COMPLETE: 1, IN_PROGRESS: 2}


def check_flag(name: str, value: object) -> bool:
    """
    Check a yes/no argument (``include_deleted``, ``hard_delete``): a string such as
    ``"no"`` is truthy, so only a bool is taken.

    Raises:
        TypeError: If ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_timeout(timeout: object) -> float | None:
    """
    Check a ``wait(timeout=...)``: None, or seconds as a number of 0 or more.

    Raises:
        TypeError: If it is not a number (a bool or a string, for example).
        ValueError: If it is negative or NaN.
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be seconds as a number, or None; got {timeout!r}")
    if not timeout >= 0:  # also NaN
        raise ValueError(f"timeout must be 0 seconds or more, got {timeout!r}")
    return float(timeout)


def ingest_spec(sobject: str, operation: str, external_id_field: str | None) -> dict[str, Any]:
    """The body of ``POST /jobs/ingest``: CSV with ``COMMA`` and ``LF``, Salesforce's defaults."""
    spec: dict[str, Any] = {
        "object": sobject,
        "operation": operation,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    if external_id_field is not None:
        spec["externalIdFieldName"] = external_id_field
    return spec


def query_spec(soql: str, include_deleted: bool) -> dict[str, Any]:
    """The body of ``POST /jobs/query``: ``queryAll`` includes deleted and archived rows."""
    return {
        "operation": "queryAll" if include_deleted else "query",
        "query": soql,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }


def job_path(kind: str, api_version: str, job_id: str, *rest: str) -> str:
    """
    The absolute path of a job resource, in the job's own API version.

    Salesforce answers a query job's results only in the version that created it (409
    otherwise), so a job reattached from another client keeps its version. The version and
    the Id (both from Salesforce's answers) are checked, and each value is one path segment.

    Raises:
        ServerUrlError: (a ValueError) If the version is not ``NN.N`` or the Id is not a
            Salesforce Id.
    """
    return rest_path(api_version, "jobs", kind, id_segment(job_id, what="Bulk job Id"), *rest)


def result_page_urls(data: object) -> tuple[list[str], str | None]:
    """
    Read a ``/resultPages`` answer (API 58.0+, "Get Parallel Results for a Query Job"): the
    ``resultUrl`` of each page, and the URL of the next listing (None when ``done`` is true,
    or when there is none and ``done`` is missing).

    Raises:
        SalesforceApiError: If the answer does not have that shape, or says ``done: false``
            without a ``nextRecordsUrl`` (the rest would be lost).
    """
    pages = data.get("resultPages") if isinstance(data, Mapping) else None
    urls = [page.get("resultUrl") for page in pages or () if isinstance(page, Mapping)]
    if (
        not isinstance(data, Mapping)
        or not isinstance(pages, list)
        or not all(isinstance(url, str) for url in urls)
        or len(urls) != len(pages)
    ):
        raise SalesforceApiError(
            "Salesforce's answer is not a list of result pages "
            "(a resultPages list with a resultUrl string in each entry)",
            error_code="UNEXPECTED_RESPONSE",
        )
    next_url = data.get("nextRecordsUrl")
    if next_url is not None and not isinstance(next_url, str):
        raise SalesforceApiError(
            f"the result pages' nextRecordsUrl is {next_url!r:.60}, not a URL",
            error_code="UNEXPECTED_RESPONSE",
        )
    if data.get("done") is True:
        return [str(url) for url in urls], None
    if not next_url and data.get("done") is False:
        raise SalesforceApiError(
            "the result pages say done: false but give no nextRecordsUrl for the rest",
            error_code="UNEXPECTED_RESPONSE",
        )
    # Followed unless done says so: a listing without done but with a URL has more pages.
    return [str(url) for url in urls], next_url or None


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


@attrs.frozen
class JobInfo:
    """
    One reading of a job's info.

    Attributes:
        id: The job Id (``750...``).
        kind: ``"ingest"`` or ``"query"``.
        sobject: The sObject name (``object`` in the JSON).
        operation: ``insert``, ``update``, ``upsert``, ``delete``, ``hardDelete``, ``query`` or
            ``queryAll``.
        state: The job state, e.g. ``"JobComplete"``.
        api_version: The API version the job was created with, e.g. ``"62.0"``.
        records_processed: ``numberRecordsProcessed`` (0 until reported).
        records_failed: ``numberRecordsFailed`` (ingest; 0 until reported).
        error_message: ``errorMessage`` of a failed job, else None.
        external_id_field: ``externalIdFieldName`` of an upsert, else None.
        data: The whole JSON object, for fields not listed here.
    """

    id: str
    kind: str
    sobject: str
    operation: str
    state: str
    api_version: str
    records_processed: int = 0
    records_failed: int = 0
    error_message: str | None = None
    external_id_field: str | None = None
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @classmethod
    def from_json(cls, data: object, kind: str, *, api_version: str | None = None) -> JobInfo:
        """
        Read a job info answer.

        The message never quotes the answer (it may echo a secret): callers that have the
        answer raise it as an error naming the request, with the body masked.

        Raises:
            SalesforceApiError: If the answer is not a job object (no ``id`` or ``state``), its
                ``id`` is not a Salesforce Id, or its ``apiVersion`` is not a version such as
                ``62.0`` (both go into the job's URLs).
        """
        if (
            not isinstance(data, Mapping)
            or not isinstance(data.get("id"), str)
            or not isinstance(data.get("state"), str)
        ):
            raise SalesforceApiError(
                f"Salesforce's answer is not a Bulk {kind} job (no id or state)",
                error_code="UNEXPECTED_RESPONSE",
            )
        version = data.get("apiVersion", api_version)
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            version = f"{float(version):.1f}"
        try:
            id_segment(data["id"], what="Bulk job Id")
            version = checked_version(version or api_version)
        except ServerUrlError as exc:
            raise SalesforceApiError(
                f"Salesforce's answer is not a usable Bulk {kind} job: {exc}",
                error_code="UNEXPECTED_RESPONSE",
            ) from None
        error = data.get("errorMessage")
        external = data.get("externalIdFieldName")
        return cls(
            id=data["id"],
            kind=kind,
            sobject=str(data.get("object") or ""),
            operation=str(data.get("operation") or ""),
            state=data["state"],
            api_version=str(version or api_version or ""),
            records_processed=_int(data, "numberRecordsProcessed"),
            records_failed=_int(data, "numberRecordsFailed"),
            error_message=error if isinstance(error, str) and error else None,
            external_id_field=external if isinstance(external, str) and external else None,
            data=dict(data),
        )

    @property
    def delimiter(self) -> str:
        """The character between columns of the job's CSV (``columnDelimiter``, default ``,``)."""
        return COLUMN_DELIMITERS.get(str(self.data.get("columnDelimiter", "COMMA")), ",")

    @property
    def done(self) -> bool:
        """Whether the job reached a state it never leaves."""
        return self.state in TERMINAL_STATES


def combined_state(states: Iterable[str]) -> str:
    """
    The state of a group of jobs: the least advanced while any is unfinished; once all are
    finished, ``Failed`` if any failed, else ``Aborted`` if any was aborted, else
    ``JobComplete``.
    """
    states = list(states)
    running = [state for state in states if state not in TERMINAL_STATES]
    if running:
        return min(running, key=lambda state: _ORDER.get(state, 1))
    for state in (FAILED, ABORTED):
        if state in states:
            return state
    return JOB_COMPLETE


@attrs.frozen
class BulkProgress:
    """
    Where a Bulk job stands, as passed to a ``progress`` callback.

    Attributes:
        job_id: The job the event is about; None while the input is prepared, before any
            job exists.
        state: Its state at the time, e.g. ``"InProgress"``; ``"Preparing"`` (not a
            Salesforce state) while the input is encoded.
        records_uploaded: Records sent so far by the call that created the job(s).
        records_processed: ``numberRecordsProcessed`` at the last poll.
        records_failed: ``numberRecordsFailed`` at the last poll.
        rows_downloaded: Result rows read so far from the job's current result file.
        records_prepared: Records encoded so far into the upload (before any job exists).
    """

    job_id: str | None
    state: str
    records_uploaded: int = 0
    records_processed: int = 0
    records_failed: int = 0
    rows_downloaded: int = 0
    records_prepared: int = 0


publish("sf_toolkit", [BulkProgress])  # its public path
