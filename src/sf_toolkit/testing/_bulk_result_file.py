"""
A query job's results as Salesforce keeps them: written once while the job runs, then served.

Salesforce extracts a query job's records while the job is ``InProgress`` and writes them to
its file system; once the job is ``JobComplete``, each result set is a download of stored data,
and "as long as the associated job exists, the locator string for a set of results does not
change. You can use the locator to retrieve a set of results multiple times" (*Bulk API 2.0
Developer Guide: Get Results for a Query Job*; "Introducing Events and Partial Downloads in Bulk
API 2.0", Salesforce Developers Blog, January 2025). Result URLs listed by ``/resultPages`` are
meant to be requested in parallel (*Get Parallel Results for a Query Job*).

So the fake writes the CSV once, when a poll starts the job, and keeps its bytes with the offset
of every row: a result set of any ``maxRecords`` from any locator is a slice of those bytes,
sent as the response is read, outside the org's locks, so concurrent downloads are served
concurrently. One row costs its CSV bytes plus 8 bytes of offset, far less than the record
dicts it was written from (which the job then drops).
"""

from __future__ import annotations

from array import array
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from ._bulk_csv import query_lines

__all__ = ["ResultFile"]

#: Bytes per piece of a result download (what a server writes at once).
_PIECE = 64 * 1024


class _StoredBytes(httpx.SyncByteStream, httpx.AsyncByteStream):
    """
    A response body made of slices of stored bytes, copied piece by piece as it is read.

    It speaks both stream protocols, so the same response serves ``httpx.Client`` and
    ``httpx.AsyncClient`` transports, and it is read after the org answered, outside its locks.
    """

    def __init__(self, parts: Sequence[bytes | memoryview]) -> None:
        self._parts = parts

    def __iter__(self) -> Iterator[bytes]:
        for part in self._parts:
            for start in range(0, len(part), _PIECE):
                yield bytes(part[start : start + _PIECE])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


class ResultFile:
    """
    The CSV of a query job's results: the header line and every row's bytes, with where each
    row starts.

    Build it with :meth:`write`; it never changes afterwards, so any number of threads may
    serve :meth:`download` slices of it at once.
    """

    def __init__(self, header: bytes, body: bytearray, starts: array[int]) -> None:
        self._header = header
        self._body = memoryview(body)
        self._starts = starts

    @classmethod
    def write(
        cls,
        columns: Sequence[str],
        records: Iterable[Mapping[str, Any]],
        *,
        column_delimiter: str,
        line_ending: str,
    ) -> ResultFile:
        """
        Write the rows of a query as Bulk API 2.0 serves them (quoted header, every value
        quoted, the job's delimiter and line ending), UTF-8 encoded.

        Args:
            columns: Field paths in SELECT order; ``Account.Name`` reads the parent record.
            records: JSON-ready rows as the SOQL engine returns them.
        """
        lines = query_lines(
            columns, records, column_delimiter=column_delimiter, line_ending=line_ending
        )
        header = next(lines).encode("utf-8")
        body = bytearray()
        starts = array("Q", [0])
        for line in lines:
            body += line.encode("utf-8")
            starts.append(len(body))
        return cls(header, body, starts)

    @property
    def rows(self) -> int:
        """How many data rows the file holds."""
        return len(self._starts) - 1

    def size(self, offset: int, limit: int) -> int:
        """How many rows a result set of at most ``limit`` rows from row ``offset`` holds."""
        return max(0, min(limit, self.rows - offset))

    def download(self, offset: int, limit: int) -> tuple[int, httpx.SyncByteStream]:
        """
        One result set: the header and at most ``limit`` rows from row ``offset``.

        Returns:
            The byte length of the body, and the body as a stream of stored bytes.
        """
        count = self.size(offset, limit)
        rows = self._body[self._starts[offset] : self._starts[offset + count]]
        return len(self._header) + len(rows), _StoredBytes((self._header, rows))
