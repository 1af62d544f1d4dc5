"""
Bulk API 2.0 CSV, sans I/O: cells and lines out, rows back in, uploads cut to size.

Salesforce's rules ("Prepare CSV Files", "Valid Date Format in Records (2.0)" and
``docs/salesforce-wire.md`` §10): UTF-8, a header of field API names, ``"`` quoting with ``""``
escapes, an empty cell leaves a field unchanged and ``#N/A`` sets it to null, ``true`` and
``false``, dates ``2024-01-31``, datetimes ``2024-01-31T12:34:56.000Z``, multi-select picklists
``a;b``. Jobs are created with the defaults, ``COMMA`` and ``LF``.

Nothing here reads or writes a file or a socket: the I/O layer feeds bytes in and takes bytes
out, so a result file or an upload is never held whole in memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "COLUMN_DELIMITERS",
    "DEFAULT_MAX_UPLOAD_BYTES",
    "NULL",
    "CsvReader",
    "UploadSplitter",
    "cell",
    "csv_line",
]

#: ``columnDelimiter`` values of a job and their characters ("Create a Job").
COLUMN_DELIMITERS = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}

#: ``#N/A`` in an upload sets a field to null (an empty cell leaves it unchanged).
NULL = "#N/A"

#: Bytes of CSV per job. Salesforce takes 150 MB per job *after* it base64-encodes the data
#: ("Bulk API 2.0 Limits"), and recommends about 100 MB of raw CSV.
DEFAULT_MAX_UPLOAD_BYTES = 100_000_000


def cell(value: Any) -> str:
    """
    Write one JSON-ready value (as :func:`sf_toolkit.models.to_payload` gives it) as a cell.

    ``None`` and the empty string become ``#N/A`` (null: an empty cell would leave the field
    unchanged, where REST would have cleared it), booleans ``true``/``false``, floats plain
    decimals (never ``1e-05``), anything else its text.
    """
    if value is None or value == "":
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _field(text: str) -> str:
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells: Sequence[str]) -> bytes:
    """
    One CSV line (``LF``-terminated) as UTF-8 bytes: a cell is quoted, with ``""`` for a
    quote, when it holds a comma, a quote or a line break; others are written as they are.
    """
    return (",".join([_field(text) for text in cells]) + "\n").encode("utf-8")


class UploadSplitter:
    """
    Decide where each CSV line goes: the current upload, or a new one.

    A job takes exactly one upload, of at most ``max_bytes`` UTF-8 bytes, header included. A
    new upload starts when the next line would not fit, or when a row brings a column the
    current header lacks (a header cannot grow once sent).

    Args:
        max_bytes: The most bytes one upload may hold.

    Raises:
        ValueError: If ``max_bytes`` is not a positive integer.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_upload_bytes must be a positive integer, got {max_bytes!r}")
        self.max_bytes = max_bytes
        self.header: tuple[str, ...] | None = None
        self._columns: frozenset[str] = frozenset()
        self.size = 0
        self.rows = 0

    def place(self, row: dict[str, str]) -> tuple[bytes | None, bytes]:
        """
        Encode ``row`` (column to cell) for the current upload or a new one.

        Returns:
            ``(header_line, line)``: ``header_line`` is the header of a new upload that must
            start before ``line``, or ``None`` when ``line`` continues the current one.

        Raises:
            ValueError: If the row alone (with its header) exceeds ``max_bytes``.
        """
        new_header: bytes | None = None
        header = self.header
        if header is None or not self._columns.issuperset(row):
            header = tuple(row)
            new_header = csv_line(header)
        line = csv_line([row.get(column, "") for column in header])
        if new_header is None and self.size + len(line) > self.max_bytes:
            new_header = csv_line(header)
        if new_header is not None:
            if len(new_header) + len(line) > self.max_bytes:
                raise ValueError(
                    f"one record needs {len(new_header) + len(line)} bytes of CSV with its "
                    f"header, more than the {self.max_bytes} bytes one upload may hold"
                )
            self.header = header
            self._columns = frozenset(header)
            self.size = len(new_header)
            self.rows = 0
        self.size += len(line)
        self.rows += 1
        return new_header, line


class CsvReader:
    """
    Read CSV rows from bytes fed in arbitrary chunks (UTF-8 split anywhere, quoted newlines).

    Salesforce's result files quote every value; a line ends a row only where the quotes seen
    so far are balanced, so a chunk's rows can be parsed as soon as they are complete. ``LF``
    and ``CRLF`` line endings both read.

    Args:
        delimiter: The job's column delimiter character (see :data:`COLUMN_DELIMITERS`).
    """

    def __init__(self, delimiter: str = ",") -> None:
        self._delimiter = delimiter
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._tail = ""
        self._open = ""  # complete lines of a row whose quoted value is still open

    def feed(self, data: bytes) -> list[list[str]]:
        """Return the rows completed by ``data``."""
        text = self._tail + self._decoder.decode(data)
        cut = text.rfind("\n")
        if cut < 0:
            self._tail = text
            return []
        self._tail = text[cut + 1 :]
        return self._rows(text[: cut + 1])

    def close(self) -> list[list[str]]:
        """
        Return the last rows (a final line without a line ending).

        Raises:
            ValueError: If the data ends inside a quoted value, is not UTF-8, or breaks the
                quoting rules (:meth:`feed` raises it too).
        """
        text = self._tail + self._decoder.decode(b"", final=True)
        self._tail = ""
        rows = self._rows(text + "\n") if text else []
        if self._open:
            raise ValueError("the CSV data ends inside a quoted value")
        return rows

    def _rows(self, text: str) -> list[list[str]]:
        lines = text.split("\n")[:-1]
        complete: list[str] = []
        pending = self._open
        balanced = pending.count('"') % 2 == 0
        for line in lines:
            if line.count('"') % 2:
                balanced = not balanced
            pending += line + "\n"
            if balanced:
                complete.append(pending)
                pending = ""
        self._open = pending
        reader = csv.reader(complete, delimiter=self._delimiter, strict=True)
        try:
            return [row for row in reader if row]
        except csv.Error as exc:
            raise ValueError(f"malformed CSV: {exc}") from exc
