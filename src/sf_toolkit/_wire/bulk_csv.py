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
import io
from collections.abc import Collection, Iterator
from decimal import Decimal
from typing import Any

__all__ = [
    "COLUMN_DELIMITERS",
    "DEFAULT_MAX_UPLOAD_BYTES",
    "NULL",
    "CsvReader",
    "HeaderUnion",
    "PageHeaders",
    "UploadSplitter",
    "cell",
    "csv_line",
    "headless_page",
    "pad_line",
    "same_header",
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


def csv_line(cells: Collection[str]) -> bytes:
    """
    One CSV line (``LF``-terminated) as UTF-8 bytes: a cell is quoted, with ``""`` for a
    quote, when it holds a comma, a quote or a line break; others are written as they are.
    """
    line = ",".join(cells)
    if line.count(",") >= len(cells) or '"' in line or "\n" in line or "\r" in line:
        line = ",".join([_field(text) for text in cells])  # some cell needs quotes
    return (line + "\n").encode()


class HeaderUnion:
    """
    Write rows of differing columns against one header: the union of every row's columns.

    Columns are numbered in the order they are first seen, so a row written early has cells
    for the columns known then, and :func:`pad_line` later adds empty cells (a field the
    record did not set) for columns that came after it. The whole input then shares one
    header, whatever fields each record loaded, and splits only by size.
    """

    def __init__(self) -> None:
        self.columns: list[str] = []
        self._index: dict[str, int] = {}

    def line(self, row: dict[str, str]) -> tuple[bytes, int]:
        """
        The CSV line of ``row`` (column to cell) and how many columns it has cells for.

        A column the row lacks gets an empty cell; new columns are added to the union.
        """
        columns = self.columns
        if list(row) == columns:  # the usual case: the columns of the rows before, in order
            return csv_line(row.values()), len(columns)
        index = self._index
        for column in row:
            if column not in index:
                index[column] = len(columns)
                columns.append(column)
        width = len(columns)
        if list(row) == columns:
            return csv_line(row.values()), width
        cells = [""] * width
        for column, text in row.items():
            cells[index[column]] = text
        return csv_line(cells), width

    def header(self) -> bytes:
        """The header line of every upload: all columns, in the order first seen."""
        return csv_line(self.columns)


def pad_line(line: bytes, width: int, final_width: int) -> bytes:
    """
    Widen a line written with ``width`` cells to ``final_width``: empty cells at its end.

    ``line`` is one :func:`csv_line` (``LF``-terminated; a quoted value may hold line breaks,
    but the last byte always ends the row).
    """
    if final_width <= width:
        return line
    return line[:-1] + b"," * (final_width - width) + b"\n"


class UploadSplitter:
    """
    Decide where each CSV line goes: the current upload, or a new one.

    A job takes exactly one upload, of at most ``max_bytes`` UTF-8 bytes, header included,
    and every upload of one input has the same header. A new upload starts only when the
    next line would not fit.

    Args:
        max_bytes: The most bytes one upload may hold.

    Raises:
        TypeError: If ``max_bytes`` is not an integer.
        ValueError: If ``max_bytes`` is less than 1.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_upload_bytes must be an integer, got {max_bytes!r}")
        if max_bytes < 1:
            raise ValueError(f"max_upload_bytes must be at least 1, got {max_bytes}")
        self.max_bytes = max_bytes
        self.header = b""
        self.size = 0

    def start(self, header: bytes) -> None:
        """Begin placing lines under ``header`` (the header line of every upload)."""
        self.header = header
        self.size = 0

    def fits(self, size: int) -> bool:
        """Whether lines of ``size`` bytes in all fit in one upload (with the header)."""
        return len(self.header) + size <= self.max_bytes

    def place(self, line: bytes) -> bool:
        """
        Count ``line`` in the current upload, or in a new one; return whether it is new.

        Raises:
            ValueError: If the line alone (with the header) exceeds ``max_bytes``.
        """
        new = self.size == 0 or self.size + len(line) > self.max_bytes
        if new:
            if len(self.header) + len(line) > self.max_bytes:
                raise ValueError(
                    f"one record needs {len(self.header) + len(line)} bytes of CSV with the "
                    f"header, more than the {self.max_bytes} bytes one upload may hold"
                )
            self.size = len(self.header)
        self.size += len(line)
        return new


class CsvReader:
    """
    Read CSV rows from bytes fed in arbitrary chunks (UTF-8 split anywhere, quoted newlines).

    Salesforce's result files quote every value; a line ends a row only where the quotes seen
    so far are balanced, so a chunk's rows can be parsed as soon as they are complete. ``LF``
    and ``CRLF`` line endings both read.

    :meth:`feed` and :meth:`close` return iterators that parse the rows as they are taken
    (nothing holds a chunk's rows all at once); take each one's rows before feeding more.

    Args:
        delimiter: The job's column delimiter character (see :data:`COLUMN_DELIMITERS`).
    """

    def __init__(self, delimiter: str = ",") -> None:
        self._delimiter = delimiter
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        # The start of the next row: the text after the last row end, in pieces (no row ends
        # in it: a line break there is inside a quoted value), and the quotes it holds.
        self._tail: list[str] = []
        self._tail_quotes = 0

    def feed(self, data: bytes) -> Iterator[list[str]]:
        """
        Return the rows completed by ``data``.

        Raises:
            ValueError: If the data is not UTF-8 (now), or breaks the quoting rules (while
                the rows are taken).
        """
        new = self._decoder.decode(data)
        quotes = self._tail_quotes + new.count('"')
        # The last line break outside quotes ends the last complete row: with an even
        # number of quotes before it (a doubled quote counts twice), it is outside them.
        cut = new.rfind("\n")
        before = quotes - new.count('"', cut) if cut >= 0 else 0
        while cut >= 0 and before % 2:  # that line break is inside a quoted value
            # The value opens at the last quote before it: try the last line break before that.
            opening = new.rfind('"', 0, cut)  # -1: it opened before this chunk
            cut = new.rfind("\n", 0, opening) if opening >= 0 else -1
            if cut >= 0:
                before -= 1 + new.count('"', cut, opening)
        if cut < 0:
            self._tail.append(new)
            self._tail_quotes = quotes
            return iter(())
        text = "".join([*self._tail, new[: cut + 1]])
        self._tail, self._tail_quotes = [new[cut + 1 :]], quotes - before
        return self._rows(text)

    def close(self) -> Iterator[list[str]]:
        """
        Return the last rows (a final line without a line ending).

        Raises:
            ValueError: If the data ends inside a quoted value or is not UTF-8 (now), or
                breaks the quoting rules (while the rows are taken).
        """
        new = self._decoder.decode(b"", final=True)
        text = "".join([*self._tail, new])
        quotes = self._tail_quotes + new.count('"')
        self._tail, self._tail_quotes = [], 0
        if quotes % 2:
            raise ValueError("the CSV data ends inside a quoted value")
        return self._rows(text + "\n") if text else iter(())

    def _rows(self, text: str) -> Iterator[list[str]]:
        """The rows of ``text``: whole rows, ending with a line break."""
        # Lines split at LF only (never at other line breaks); csv reads the lines of a
        # quoted value as one row.
        lines = io.StringIO(text, newline="\n")
        reader = csv.reader(lines, delimiter=self._delimiter, strict=True)
        try:
            yield from filter(None, reader)  # without the empty rows of blank lines
        except csv.Error as exc:
            raise ValueError(f"malformed CSV: {exc}") from exc


# -- the pages of a query result ----------------------------------------------------------------


class PageHeaders:
    """
    Cut the header line off the front of every page but the first (each page repeats it),
    checking that it is the first page's: a page that starts otherwise (an HTML maintenance
    page answered 200, say) is not part of the result, and copying it would lose its rows.
    """

    def __init__(self) -> None:
        self.header: bytes | None = None  # the first page's header line
        self._pending: bytes | None = None  # this page's header line, until its end

    def start_page(self) -> None:
        self._pending = b""

    def end_page(self) -> None:
        """
        Close the page: a page that ended before its first line did is checked here.

        Raises:
            ValueError: If a page after the first had no header line at all (empty, or one
                unfinished line that is not the header).
        """
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if self.header is None:  # the first page: its header line, never finished
            self.header = pending.rstrip(b"\r") or None
        elif pending.rstrip(b"\r") != self.header:
            raise ValueError(f"a result page holds {pending[:80]!r}, not the header and rows")

    def cut(self, chunk: bytes) -> bytes:
        """
        What of ``chunk`` is kept: all of the first page, the rest once the header went by.

        Raises:
            ValueError: If a page's first line is not the first page's header line.
        """
        if self._pending is None:
            return chunk
        line = self._pending + chunk
        end = line.find(b"\n")
        if end < 0:
            self._pending = line
            return chunk if self.header is None else b""
        self._pending = None
        first = line[:end].rstrip(b"\r")
        if self.header is None:
            self.header = first
            return chunk
        if first != self.header:
            raise ValueError(
                f"a result page starts with {first[:80]!r}, not the header {self.header[:80]!r}"
            )
        return line[end + 1 :]


def same_header(first: tuple[str, ...] | None, header: tuple[str, ...]) -> tuple[str, ...]:
    """
    The header of the result, checked against a later page's.

    Raises:
        ValueError: If the page's header is not the first page's.
    """
    if first is not None and header != first:
        raise ValueError(f"a result page's header is {header!r:.120}, not {first!r:.120}")
    return header


def headless_page(first: tuple[str, ...] | None) -> None:
    """
    Check a page that had no header line at all.

    Raises:
        ValueError: If an earlier page had one: an empty answer is not a page of this result.
    """
    if first is not None:
        raise ValueError("a result page is empty: no header line, no rows")
