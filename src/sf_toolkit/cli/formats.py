"""
Rows out: records as plain JSON values, and writers for CSV, JSON and JSON Lines (sans I/O).

A record becomes a dict of its loaded fields by API name, as Salesforce sent them: parents as
nested dicts, child subqueries as lists, datetimes in Salesforce's format. JSON and JSON Lines
keep that nesting; CSV flattens parents into dotted columns (``Account.Name``) and writes a
child list as one JSON cell. In CSV a null is an empty cell and booleans are ``true``/``false``,
as in Bulk API 2.0 result files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, TextIO

import attrs

from ..models import SObject, format_datetime, loaded_fields

__all__ = [
    "FORMATS",
    "CsvWriter",
    "JsonLinesWriter",
    "JsonWriter",
    "RowWriter",
    "cell",
    "flatten",
    "make_writer",
    "plain",
    "record_to_dict",
]

FORMATS = ("csv", "json", "jsonl")


def record_to_dict(record: SObject) -> dict[str, Any]:
    """The record's loaded fields by API name, as JSON values (no ``attributes``)."""
    return {name: plain(value) for name, value in loaded_fields(record).items()}


def plain(value: Any) -> Any:
    """A field value as JSON: records and lists recursively, dates in Salesforce's formats."""
    if isinstance(value, SObject):
        return record_to_dict(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):  # a multipicklist
        return ";".join(sorted(value))
    if attrs.has(type(value)):  # Address, Location
        return {key: plain(item) for key, item in attrs.asdict(value).items()}
    return value


#: The components of Salesforce's compound fields (addresses and geolocations), as the REST
#: API returns them ("Compound Fields", SOAP API Developer Guide): such a value is one cell.
_COMPOUND_PARTS = frozenset(
    {
        "city",
        "country",
        "countryCode",
        "geocodeAccuracy",
        "latitude",
        "longitude",
        "postalCode",
        "state",
        "stateCode",
        "street",
    }
)


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """
    Parents become dotted keys; a null parent stays one key holding None. A compound field
    (an address or geolocation) stays one key holding its components, written as JSON.

    >>> flatten({"Id": "003", "Account": {"Name": "Acme", "Owner": {"Name": "Ann"}}})
    {'Id': '003', 'Account.Name': 'Acme', 'Account.Owner.Name': 'Ann'}
    """
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Mapping) and value and set(value) <= _COMPOUND_PARTS:
            flat[f"{prefix}{key}"] = dict(value)  # an address or location: one cell, as JSON
        elif isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def cell(value: Any) -> str:
    """One CSV cell: empty for null, ``true``/``false``, JSON for lists and objects."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class RowWriter(Protocol):
    """Writes rows (dicts from :func:`record_to_dict`) to a text stream."""

    def write(self, row: Mapping[str, Any]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    """
    CSV with a header row.

    The columns are given up front (from the SELECT list) or taken from the first rows: the
    writer holds up to ``lookahead`` rows to learn them, so a parent that is null in the first
    row does not lose its columns. Keys match columns case-insensitively (``name`` and
    ``Name``). A key that no column covers raises ``ValueError`` rather than being dropped.
    """

    def __init__(
        self, stream: TextIO, columns: Sequence[str] | None = None, *, lookahead: int = 2000
    ) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._lookahead = lookahead
        self._pending: list[dict[str, Any]] = []
        self._columns: list[str] | None = None
        self._index: dict[str, int] = {}
        self._given = list(columns) if columns is not None else None
        self._header_written = False

    def _start(self, columns: list[str]) -> None:
        self._columns = columns
        self._index = {name.lower(): number for number, name in enumerate(columns)}

    def write(self, row: Mapping[str, Any]) -> None:
        flat = flatten(row)
        if self._given is not None and self._columns is None:
            self._start(self._given)
        if self._columns is None:
            self._pending.append(flat)
            if len(self._pending) >= self._lookahead:
                self._flush_pending()
            return
        self._write_flat(flat)

    def _flush_pending(self) -> None:
        seen: dict[str, str] = {}
        for flat in self._pending:
            for key in flat:
                seen.setdefault(key.lower(), key)
        # A null parent ("Account") yields to its columns ("Account.Name") when some row has them.
        names = list(seen.values())
        columns = [
            name
            for name in names
            if not any(other.lower().startswith(f"{name.lower()}.") for other in names)
        ]
        self._start(columns)
        pending, self._pending = self._pending, []
        for flat in pending:
            self._write_flat(flat)

    def _write_flat(self, flat: Mapping[str, Any]) -> None:
        assert self._columns is not None
        if not self._header_written:
            self._writer.writerow(self._columns)
            self._header_written = True
        cells = [""] * len(self._columns)
        for key, value in flat.items():
            number = self._index.get(key.lower())
            if number is None:
                parent = f"{key.lower()}."
                if value is None and any(c.lower().startswith(parent) for c in self._columns):
                    continue  # a null parent: its columns stay empty
                raise ValueError(f"the rows have a field {key!r} that is not among the columns")
            cells[number] = cell(value)
        self._writer.writerow(cells)

    def close(self) -> None:
        """Write what is held back; with no rows at all, the header alone (when known)."""
        if self._columns is None and self._pending:
            self._flush_pending()
        columns = self._columns or self._given
        if not self._header_written and columns:
            self._writer.writerow(columns)
            self._header_written = True


class JsonLinesWriter:
    """One JSON object per line (JSON Lines), nested as Salesforce sends records."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, row: Mapping[str, Any]) -> None:
        self._stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        self._stream.write("\n")

    def close(self) -> None:
        pass  # nothing is held back


class JsonWriter:
    """One JSON array of objects, written as the rows come (never held in memory)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._count = 0

    def write(self, row: Mapping[str, Any]) -> None:
        self._stream.write("[\n" if self._count == 0 else ",\n")
        self._stream.write(json.dumps(row, ensure_ascii=False))
        self._count += 1

    def close(self) -> None:
        self._stream.write("[]\n" if self._count == 0 else "\n]\n")


def make_writer(
    fmt: str, stream: TextIO, columns: Iterable[str] | None = None
) -> CsvWriter | JsonWriter | JsonLinesWriter:
    """
    The writer for ``fmt`` (one of :data:`FORMATS`).

    Raises:
        ValueError: For an unknown format.
    """
    if fmt == "csv":
        return CsvWriter(stream, list(columns) if columns is not None else None)
    if fmt == "json":
        return JsonWriter(stream)
    if fmt == "jsonl":
        return JsonLinesWriter(stream)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
