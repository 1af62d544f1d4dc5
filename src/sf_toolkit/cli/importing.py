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
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from .._sync.client import SalesforceClient
from .._wire.bulk_jobs import BulkProgress
from ..auth import Login
from ..exceptions import BulkJobFailedError, SalesforceError
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
from ..results import SaveResult
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

#: Rows read and sent per round (Collections): keeps memory flat and the bar moving.
COLLECTIONS_CHUNK = 10_000
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


def _send_collections(
    client: SalesforceClient,
    plan: ColumnPlan,
    records: list[Any],
    bar: Progress,
    *,
    batch_size: int,
    concurrency: int,
) -> Sequence[SaveResult[Any]]:
    """Send ``records`` with the sObject Collections operation of the plan."""
    results: Sequence[SaveResult[Any]]
    if plan.operation is Operation.INSERT:
        results = save_insert_list(records, client, batch_size, concurrency)
    elif plan.operation is Operation.UPDATE:
        results = save_update_list(records, client, batch_size, concurrency)
    elif plan.operation is Operation.UPSERT:
        assert plan.external_id is not None
        results = save_upsert_list(records, plan.external_id, client, batch_size, concurrency)
    else:
        results = delete_list(records, client, batch_size, concurrency)
    bar.advance(len(records))
    return results


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
    total = _count_rows(file)
    bulk = use_bulk if use_bulk is not None else total > BULK_THRESHOLD
    counts: dict[str, int] = {}
    with connect(login, api_version) as client:
        description = parse_describe(describe_raw(client, sobject))
        try:
            plan = plan_columns(description, header, op, external_id)
        except ValueError as exc:
            raise BadInput(str(exc)) from None

        def send(records: list[Any], bar: Progress) -> Sequence[SaveResult[Any]]:
            if bulk:
                return _send_bulk(client, plan, records, bar)
            return _send_collections(
                client, plan, records, bar, batch_size=batch_size, concurrency=concurrency
            )

        try:
            with (
                _open_csv(file) as handle,
                open_output(str(results_path), keep_on_error=True) as out,
                progress(f"{op.value} {plan.sobject}", total) as bar,
            ):
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(header_cells(header))
                rows = _rows(handle, file)
                for chunk in _chunks(rows, BULK_CHUNK if bulk else COLLECTIONS_CHUNK):
                    for number, cells, result in _process_chunk(chunk, plan, send, bar):
                        writer.writerow([*result_cells(number, result), *cells])
                        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
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
