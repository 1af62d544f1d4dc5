"""
Bulk API 2.0 jobs in the fake org: their state, their Ids and their JSON.

A job is plain data; :mod:`._bulk` moves it through its states. The JSON shapes follow
``docs/salesforce-wire.md`` §10 and §11: dates as ``2024-01-31T12:34:56.000+0000``, a numeric
``apiVersion`` and a ``contentUrl`` without a leading slash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..ids import to_id18
from ._protocols import QueryResult

if TYPE_CHECKING:
    from ._bulk_result_file import ResultFile

__all__ = [
    "ABORTED",
    "FAILED",
    "IN_PROGRESS",
    "JOB_COMPLETE",
    "OPEN",
    "TERMINAL_STATES",
    "UPLOAD_COMPLETE",
    "IngestResults",
    "Job",
    "format_datetime",
    "job_id",
]

OPEN = "Open"
UPLOAD_COMPLETE = "UploadComplete"
IN_PROGRESS = "InProgress"
JOB_COMPLETE = "JobComplete"
FAILED = "Failed"
ABORTED = "Aborted"

#: States a job never leaves.
TERMINAL_STATES = frozenset({JOB_COMPLETE, FAILED, ABORTED})

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def format_datetime(moment: datetime) -> str:
    """Render a moment the way Bulk API 2.0 does: UTC, milliseconds, ``+0000``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def job_id(serial: int) -> str:
    """
    Mint the 18-character Id of the ``serial``-th job (key prefix ``750``).

    Args:
        serial: A non-negative counter, unique per org.
    """
    digits = []
    for _ in range(5):
        serial, digit = divmod(serial, 62)
        digits.append(_BASE62[digit])
    return to_id18("7505g00000" + "".join(reversed(digits)))


@dataclass
class IngestResults:
    """
    What processing an ingest job produced, kept as the uploaded cells for the result CSVs.

    Each successful row is ``(sf__Id, sf__Created, cells)``, each failed row
    ``(sf__Id, sf__Error, cells)``, each unprocessed row its cells.
    """

    successful: list[tuple[str, bool, list[str]]] = field(default_factory=list)
    failed: list[tuple[str, str, list[str]]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)


@dataclass
class Job:
    """One ingest or query job and everything the fake keeps about it."""

    id: str
    kind: str
    """``"ingest"`` or ``"query"``."""
    operation: str
    object: str
    created_by_id: str
    created_date: str
    system_modstamp: str
    state: str
    api_version: str
    """As in the request path, e.g. ``"59.0"``."""
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    external_id_field: str | None = None
    assignment_rule_id: str | None = None
    query: str | None = None
    error_message: str | None = None
    polls_in_progress: int = 0
    """How many more polls report ``InProgress`` before the job completes."""
    upload: bytes | None = None
    """The one CSV file Salesforce accepts per job; dropped once its rows are processed."""
    raw_header: str = ""
    """The uploaded header line exactly as sent, echoed by the result CSVs."""
    records_processed: int = 0
    records_failed: int = 0
    processing_time: int = 0
    results: IngestResults = field(default_factory=IngestResults)
    query_result: QueryResult | None = None
    """A query job's rows as the SOQL engine returned them, until its result file is written."""
    result_file: ResultFile | None = None
    """A query job's results, written once when the job starts running."""

    @property
    def content_url(self) -> str:
        """Where the CSV goes, without a leading slash (as Salesforce sends it)."""
        return f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"

    def _head(self) -> dict[str, Any]:
        head: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by_id,
            "createdDate": self.created_date,
            "systemModstamp": self.system_modstamp,
            "state": self.state,
        }
        if self.external_id_field is not None:
            head["externalIdFieldName"] = self.external_id_field
        if self.assignment_rule_id is not None:
            head["assignmentRuleId"] = self.assignment_rule_id
        head["concurrencyMode"] = "Parallel"
        head["contentType"] = "CSV"
        head["apiVersion"] = float(self.api_version)
        return head

    def summary(self) -> dict[str, Any]:
        """The JSON of the create and state-change responses."""
        body = self._head()
        if self.kind == "ingest":
            body["contentUrl"] = self.content_url
        body["lineEnding"] = self.line_ending
        body["columnDelimiter"] = self.column_delimiter
        return body

    def listing(self) -> dict[str, Any]:
        """One entry of ``GET /jobs/ingest`` or ``GET /jobs/query``."""
        body = self._head()
        body["jobType"] = "V2Ingest" if self.kind == "ingest" else "V2Query"
        if self.kind == "ingest":
            body["contentUrl"] = self.content_url
        body["lineEnding"] = self.line_ending
        body["columnDelimiter"] = self.column_delimiter
        return body

    def info(self) -> dict[str, Any]:
        """The JSON of ``GET /jobs/{kind}/{id}``, complete with counters and timings."""
        body = self.listing()
        body["numberRecordsProcessed"] = self.records_processed
        if self.kind == "ingest":
            body["numberRecordsFailed"] = self.records_failed
        body["retries"] = 0
        body["totalProcessingTime"] = self.processing_time
        if self.kind == "ingest":
            body["apiActiveProcessingTime"] = self.processing_time
            body["apexProcessingTime"] = 0
        else:
            body["isPkChunkingSupported"] = True
        if self.error_message is not None:
            body["errorMessage"] = self.error_message
        return body
