"""
CSV in and out of Bulk API 2.0: reading uploads, writing result and query-result files.

Salesforce's rules (``docs/salesforce-wire.md`` §10, §11 and gotcha 15): the job chooses the
delimiter and the line ending; result files quote every data value and the ``sf__`` header
cells but echo the uploaded header as it was sent; query results quote the header too. An
upload whose line ending differs from the job's fails the whole job.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "COLUMN_DELIMITERS",
    "LINE_ENDINGS",
    "CsvUploadError",
    "Upload",
    "cell_text",
    "parse_upload",
    "query_lines",
    "result_csv",
]

COLUMN_DELIMITERS: dict[str, str] = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS: dict[str, str] = {"LF": "\n", "CRLF": "\r\n"}


class CsvUploadError(Exception):
    """An upload Salesforce would refuse as a whole; the message becomes the job's errorMessage."""


class Upload:
    """
    A parsed upload: its header (names and the raw line) and an iterator over its data rows.

    Rows are produced lazily, so a large upload is never held twice in memory.
    """

    def __init__(self, header: list[str], raw_header: str, rows: Iterator[list[str]]) -> None:
        self.header = header
        self.raw_header = raw_header
        self.rows = rows


def _check_line_ending(text: str, line_ending: str) -> None:
    end = text.find("\n")
    if end < 0:
        return
    has_cr = end > 0 and text[end - 1] == "\r"
    if has_cr != (line_ending == "CRLF"):
        raise CsvUploadError(
            "ClientInputError : LineEnding is invalid on user data. "
            f"Current LineEnding setting is {line_ending}"
        )


def _rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        for row in reader:
            if row:  # csv gives [] for a blank line; Salesforce skips those
                yield row
    except csv.Error as exc:
        raise CsvUploadError(f"ClientInputError : Failed to parse CSV: {exc}") from exc


def parse_upload(data: bytes, *, column_delimiter: str, line_ending: str) -> Upload:
    """
    Parse an uploaded CSV file (UTF-8, optional byte-order mark).

    Raises:
        CsvUploadError: The file is not UTF-8, has no header, or uses another line ending.
            Rows that break CSV quoting raise it later, while iterating ``rows``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvUploadError(
            f"ClientInputError : Invalid UTF-8 in the uploaded data at byte {exc.start}"
        ) from exc
    text = text.removeprefix("\ufeff")
    _check_line_ending(text, line_ending)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=COLUMN_DELIMITERS[column_delimiter],
        quotechar='"',
        doublequote=True,
        strict=True,
    )
    rows = _rows(reader)
    header = next(rows, None)
    if header is None:
        raise CsvUploadError("InvalidBatch : Empty CSV file or no header row")
    raw_header = text.split("\n", 1)[0].removesuffix("\r")
    return Upload(header, raw_header, rows)


def _writer(buffer: io.StringIO | _Lines, column_delimiter: str, line_ending: str) -> Any:
    return csv.writer(
        buffer,
        delimiter=COLUMN_DELIMITERS[column_delimiter],
        quotechar='"',
        doublequote=True,
        quoting=csv.QUOTE_ALL,
        lineterminator=LINE_ENDINGS[line_ending],
    )


def result_csv(
    sf_columns: Sequence[str],
    raw_header: str,
    rows: Iterable[Sequence[str]],
    *,
    column_delimiter: str,
    line_ending: str,
) -> bytes:
    """
    Write an ingest result file: quoted ``sf__`` header cells, the uploaded header as sent.

    Args:
        sf_columns: ``("sf__Id", "sf__Created")``, ``("sf__Id", "sf__Error")`` or ``()``.
        raw_header: The uploaded header line, without its line ending.
        rows: The full rows, ``sf__`` values first.
    """
    delimiter = COLUMN_DELIMITERS[column_delimiter]
    head = [f'"{name}"' for name in sf_columns]
    if raw_header:
        head.append(raw_header)
    buffer = io.StringIO()
    if head:
        buffer.write(delimiter.join(head) + LINE_ENDINGS[line_ending])
    _writer(buffer, column_delimiter, line_ending).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def cell_text(value: Any) -> str:
    """Render one JSON-ready value as a query-result cell (``true``, ``12.5``, empty for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _cell(record: Mapping[str, Any], path: Sequence[str]) -> str:
    """The text of one column: ``("Account", "Name")`` reads the nested parent record."""
    value: Any = record
    for part in path:
        if not isinstance(value, Mapping):
            return ""
        if part in value:
            value = value[part]
            continue
        lowered = part.lower()
        value = next((v for k, v in value.items() if k.lower() == lowered), None)
    return cell_text(value)


class _Lines:
    """A csv writer's file that keeps each row's line apart (the writer writes a row at once)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)


def query_lines(
    columns: Sequence[str],
    records: Iterable[Mapping[str, Any]],
    *,
    column_delimiter: str,
    line_ending: str,
) -> Iterator[str]:
    """
    Write Bulk query results line by line: a quoted header, then one line per record, every
    value quoted, each line with its line ending.

    Args:
        columns: Field paths in SELECT order; ``Account.Name`` reads the nested parent record.
        records: JSON-ready rows as the SOQL engine returns them.
    """
    sink = _Lines()
    writer = _writer(sink, column_delimiter, line_ending)
    writer.writerow(columns)
    yield from sink.lines
    paths = [column.split(".") for column in columns]
    for record in records:
        sink.lines.clear()
        writer.writerow([_cell(record, path) for path in paths])
        yield from sink.lines
