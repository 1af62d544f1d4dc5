"""
``sf-toolkit import``: a CSV file into the org, and a results file with one row per input row.

Rows go through sObject Collections (``batch_size`` records a request, ``concurrency`` requests
at a time) or, above :data:`BULK_THRESHOLD` rows or with ``--bulk``, through Bulk API 2.0 jobs.
The input is read in chunks, so memory stays flat whatever its size. Every input row gets one
results row, in input order: ``sf__Row`` (its number, 1 = the first data row), ``sf__Outcome``
(``saved``, ``failed``, ``unchanged`` or ``unknown``), ``sf__Id``, ``sf__Created`` and
``sf__Error``, then the input's own columns.
"""

from __future__ import annotations

import csv
import functools
import itertools
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from .._sync.bulk import BulkIngestJobGroup
from .._sync.client import SalesforceClient
from .._wire.bulk_jobs import BulkProgress
from ..auth import Login
from ..exceptions import BulkJobFailedError, SalesforceConnectionError, SalesforceError
from ..io.api import (
    delete_bulk,
    delete_list,
    save_insert_bulk,
    save_insert_list,
    save_update_bulk,
    save_update_list,
    save_upsert_bulk,
    save_upsert_list,
)
from ..models import SObject, parse_describe
from ..results import SaveInterruptedError, SaveResult
from .errors import BadInput, RecordsFailed, Stopped, describe_error
from .files import open_output
from .login import org_options
from .org import check_object_name, connect, describe_raw
from .progress import Progress, progress
from .rows import (
    ColumnPlan,
    Operation,
    ResultMatcher,
    failed_row,
    header_cells,
    plan_columns,
    result_cells,
    row_record,
)

__all__ = ["BULK_THRESHOLD", "import_command"]

BULK_THRESHOLD = 2000
"""Above this many rows ``import`` uses Bulk API 2.0, as Salesforce recommends."""

#: Rows per Bulk API 2.0 call (one job, or a group when the upload is too large for one).
BULK_CHUNK = 100_000

Row = tuple[int, list[str]]


def _open_csv(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInput(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None


def _rows(handle: TextIO, path: Path) -> Iterator[Row]:
    """
    The data rows with their numbers; undecodable or malformed CSV is a clear error.

    ``handle`` is at the start of the file (line numbers in errors are the file's). The reader
    is strict: a quoted cell never closed (which a lenient reader would let swallow
    every later row into one cell) is refused, naming the line where the row began.
    """
    reader = csv.reader(handle, strict=True)
    number = 0
    started = 1
    try:
        next(reader, None)  # the header, read and checked by _read_header
        started = reader.line_num + 1
        for cells in reader:
            if cells:  # a blank line is no record (and not counted in sf__Row)
                number += 1
                yield number, cells
            started = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{str(path)!r} is not UTF-8 text (line {reader.line_num}): {exc.reason}"
        ) from None
    except csv.Error as exc:
        if reader.line_num > started and "end of data" in str(exc):
            raise BadInput(
                f"{str(path)!r} is not valid CSV: the quoted cell in the row starting on line "
                f"{started} is never closed"
            ) from None
        raise BadInput(f"{str(path)!r} is not valid CSV (line {reader.line_num}): {exc}") from None


def _read_header(path: Path) -> list[str]:
    with _open_csv(path) as handle:
        try:
            header = next(csv.reader(handle), None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BadInput(f"{str(path)!r} is not a UTF-8 CSV file: {exc}") from None
    if not header:
        raise BadInput(f"{str(path)!r} is empty: it needs a header row of field names")
    return header


def _count_rows(path: Path) -> int:
    with _open_csv(path) as handle:
        return sum(1 for _ in _rows(handle, path))


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


#: Collections batches in a row that could not reach Salesforce before an import stops.
UNREACHABLE_BATCHES = 3


class ConnectionGone(SalesforceConnectionError):
    """Salesforce cannot be reached any more: the import stops sending."""


class _OrderedResults:
    """
    Writes results rows in input order as their outcomes arrive (batches finish in any order).

    Outcomes wait in a buffer until every earlier row has one, so the buffer holds about the
    requests in flight. Thread-safe: the blocking list operations report from worker threads.
    """

    def __init__(self, writer: Any, bar: Progress, counts: dict[str, int]) -> None:
        self._writer = writer
        self._bar = bar
        self._counts = counts
        self._lock = threading.Lock()
        self._next = 0
        self._ready: dict[int, list[str]] = {}
        self._sent: dict[int, list[tuple[int, int, list[str]]]] = {}
        self._seq = 0
        self._unreachable = 0

    def _put(self, seq: int, number: int, cells: list[str], result: SaveResult[Any]) -> None:
        self._ready[seq] = [*result_cells(number, result), *cells]
        self._counts[result.outcome.value] = self._counts.get(result.outcome.value, 0) + 1
        while self._next in self._ready:
            self._writer.writerow(self._ready.pop(self._next))
            self._next += 1

    def records(self, rows: Iterator[Row], plan: ColumnPlan) -> Iterator[SObject | str]:
        """The records to send; rows that cannot be read get their failed result at once."""
        for number, cells in rows:
            try:
                record = row_record(plan, cells)
            except ValueError as exc:
                with self._lock:
                    self._put(self._seq, number, cells, failed_row(cells, str(exc)))
                    self._seq += 1
                self._bar.advance(1)
                continue
            with self._lock:
                # Keyed by identity: the results carry the very object sent.
                self._sent.setdefault(id(record), []).append((self._seq, number, cells))
                self._seq += 1
            yield record

    def batch_done(self, results: Sequence[SaveResult[Any]]) -> None:
        """
        ``on_batch_done``: write (or hold) each result's row.

        Raises:
            ConnectionGone: When batches in a row could not even reach Salesforce: sending
                the rest would only fail them all, so the import stops (exit code 3).
        """
        with self._lock:
            for result in results:
                self._place(result)
            unreachable = bool(results) and all(
                any(error.status_code == "CONNECTION_FAILED" for error in result.errors)
                for result in results
            )
            self._unreachable = self._unreachable + 1 if unreachable else 0
        self._bar.advance(len(results))
        if self._unreachable >= UNREACHABLE_BATCHES:
            message = results[0].errors[0].message.removeprefix("no answer from Salesforce: ")
            raise ConnectionGone(f"{message} ({self._unreachable} requests in a row)")

    def _place(self, result: SaveResult[Any]) -> None:
        waiting = self._sent.get(id(result.record))
        if not waiting:
            return  # already written (delivered before the call stopped)
        seq, number, cells = waiting.pop(0)
        if not waiting:
            del self._sent[id(result.record)]
        self._put(seq, number, cells, result)

    def stopped(self, results: Sequence[SaveResult[Any]]) -> None:
        """The call stopped: place the results it still holds, write every row that has one."""
        with self._lock:
            for result in results:
                self._place(result)
            for seq in sorted(self._ready):
                self._writer.writerow(self._ready.pop(seq))


def _import_collections(
    client: SalesforceClient,
    plan: ColumnPlan,
    rows: Iterator[Row],
    out: _OrderedResults,
    *,
    batch_size: int,
    concurrency: int,
) -> None:
    """Stream the rows through the sObject Collections operation of the plan."""
    records: Iterator[Any] = out.records(rows, plan)
    args = (client, batch_size, concurrency)
    done = out.batch_done
    try:
        if plan.operation is Operation.INSERT:
            save_insert_list(records, *args, on_batch_done=done)
        elif plan.operation is Operation.UPDATE:
            save_update_list(records, *args, on_batch_done=done)
        elif plan.operation is Operation.UPSERT:
            assert plan.external_id is not None
            save_upsert_list(records, plan.external_id, *args, on_batch_done=done)
        else:
            delete_list(records, *args, on_batch_done=done)
    except SaveInterruptedError as exc:
        out.stopped(exc.results)
        cause = exc.__cause__
        if isinstance(cause, (BadInput, SalesforceError, OSError)):
            raise cause from None  # reported as itself, with the rows done so far
        raise
    except BaseException:
        out.stopped(())
        raise


def _send_bulk(
    client: SalesforceClient, plan: ColumnPlan, records: list[Any], bar: Progress
) -> Sequence[SaveResult[Any]]:
    """Run one Bulk job (or group) over ``records``, wait, and tie its results to them."""
    processed: dict[str, int] = {}

    def on_progress(event: BulkProgress) -> None:
        if event.job_id is None:  # still preparing the upload: nothing processed yet
            return
        before = sum(processed.values())
        processed[event.job_id] = max(processed.get(event.job_id, 0), event.records_processed)
        bar.advance(sum(processed.values()) - before)

    matcher = ResultMatcher(records, ("Id",) if plan.operation is Operation.DELETE else plan.fields)
    if plan.operation is Operation.INSERT:
        job = save_insert_bulk(records, client, progress=on_progress)
    elif plan.operation is Operation.UPDATE:
        job = save_update_bulk(records, client, progress=on_progress)
    elif plan.operation is Operation.UPSERT:
        assert plan.external_id is not None
        job = save_upsert_bulk(records, plan.external_id, client, progress=on_progress)
    else:
        job = delete_bulk(records, client, sobject=plan.sobject, progress=on_progress)
    reason = None
    try:
        job.wait()
    except KeyboardInterrupt:
        ids = job.ids if isinstance(job, BulkIngestJobGroup) else [job.id]
        raise Stopped(
            f"interrupted while waiting for Bulk API 2.0 job {', '.join(ids)}: it keeps running "
            "in Salesforce, and its rows have no results in the results file (see the job in "
            "Setup > Bulk Data Load Jobs)",
            130,
        ) from None
    except BulkJobFailedError as exc:  # rows it did process still have results
        reason = f"the Bulk job did not process this row: {exc}"
    for result in itertools.chain(job.successful_results(), job.failed_results()):
        matcher.place(result)
    bar.advance(len(records) - sum(processed.values()))
    return matcher.finish(reason)


def _process_chunk(
    chunk: list[Row], plan: ColumnPlan, send: Any, bar: Progress
) -> list[tuple[int, list[str], SaveResult[Any]]]:
    """
    Read each row into a record, send the good ones, and align the outcomes with the rows.

    ``send(records, bar)`` advances the bar for what it sends; rows refused here count at once.
    """
    outcomes: list[SaveResult[Any] | None] = []
    records: list[SObject | str] = []
    for _, cells in chunk:
        try:
            records.append(row_record(plan, cells))
            outcomes.append(None)
        except ValueError as exc:
            outcomes.append(failed_row(cells, str(exc)))
    bar.advance(len(chunk) - len(records))
    sent = iter(send(records, bar) if records else ())
    return [
        (number, cells, outcome if outcome is not None else next(sent))
        for (number, cells), outcome in zip(chunk, outcomes, strict=True)
    ]


@click.command(name="import")
@click.argument("sobject", metavar="OBJECT")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--operation",
    type=click.Choice([operation.value for operation in Operation]),
    required=True,
    help="What to do with each row.",
)
@click.option("--external-id", default=None, help="The external id field to upsert by.")
@click.option(
    "--results",
    "results_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="The results file (default: FILE with .results.csv in place of .csv).",
)
@click.option(
    "--bulk/--collections",
    "use_bulk",
    default=None,
    help=f"Bulk API 2.0 jobs or sObject Collections (default: Bulk above {BULK_THRESHOLD} rows).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 200),
    default=200,
    show_default=True,
    help="Records per Collections request.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 25),
    default=5,
    show_default=True,
    help="Collections requests in flight.",
)
@org_options
def import_command(
    sobject: str,
    file: Path,
    operation: str,
    external_id: str | None,
    results_path: Path | None,
    use_bulk: bool | None,
    batch_size: int,
    concurrency: int,
    login: Login,
    api_version: str | None,
) -> None:
    """
    Insert, update, upsert or delete the rows of a CSV file.

    The header names fields by API name (Id for update and delete; the --external-id field for
    upsert). An empty cell leaves a field as it is, #N/A clears it. Each input row gets a row
    in the results file with its outcome, Id and error. Exit code 1 when any row failed.

    \b
    Example:
      sf-toolkit import Account accounts.csv --operation upsert --external-id External_ID__c
    """
    check_object_name(sobject)
    op = Operation(operation)
    header = _read_header(file)
    results_path = results_path or file.with_name(f"{file.stem}.results.csv")
    if results_path.resolve() == file.resolve():
        raise BadInput("the results file would replace the input: pass another --results")
    if not results_path.parent.is_dir():
        raise BadInput(f"cannot write {str(results_path)!r}: no such directory")
    total = _count_rows(file)
    bulk = use_bulk if use_bulk is not None else total > BULK_THRESHOLD
    counts: dict[str, int] = {}
    with connect(login, api_version) as client:
        description = parse_describe(describe_raw(client, sobject))
        try:
            plan = plan_columns(description, header, op, external_id)
        except ValueError as exc:
            raise BadInput(str(exc)) from None

        try:
            with (
                _open_csv(file) as handle,
                open_output(str(results_path), keep_on_error=True) as out,
                progress(f"{op.value} {plan.sobject}", total) as bar,
            ):
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(header_cells(header))
                rows = _rows(handle, file)
                if not bulk:
                    ordered = _OrderedResults(writer, bar, counts)
                    _import_collections(
                        client,
                        plan,
                        rows,
                        ordered,
                        batch_size=batch_size,
                        concurrency=concurrency,
                    )
                for chunk in _chunks(rows, BULK_CHUNK) if bulk else ():
                    send = functools.partial(_send_bulk, client, plan)
                    for number, cells, result in _process_chunk(chunk, plan, send, bar):
                        writer.writerow([*result_cells(number, result), *cells])
                        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
        except KeyboardInterrupt:
            done = sum(counts.values())
            raise Stopped(
                f"interrupted (stopped after {done} rows; their results are in {results_path})",
                130,
            ) from None
        except (SalesforceError, OSError) as exc:
            message, code = describe_error(exc)
            done = sum(counts.values())
            raise Stopped(
                f"{message} (stopped after {done} rows; their results are in {results_path})",
                code,
            ) from exc
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
    done = sum(counts.values())
    message = (
        f"{op.value} {plan.sobject}: {done} rows ({summary or 'none'}) through "
        f"{'Bulk API 2.0' if bulk else 'sObject Collections'}; results in {results_path}"
    )
    failed = done - counts.get("saved", 0) - counts.get("unchanged", 0)
    if failed:
        raise RecordsFailed(message)
    click.echo(message, err=True)
