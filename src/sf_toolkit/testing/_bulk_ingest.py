"""
Processing the rows of a Bulk API 2.0 ingest job against the store.

The header is checked first: an unknown column fails the whole job the way Salesforce does
(``InvalidBatch : Field name not found : Foo``). Then each row becomes JSON-ready values, by
field type, and goes through the same store validation as every other write:

* an empty cell leaves the field unchanged, ``#N/A`` sets it to null;
* ``true``/``false`` for booleans, numbers for numeric fields, dates, datetimes, times and
  multipicklists (``a;b``) as given (the store validates them);
* ``Account.External_ID__c`` (or ``Parent__r.Ext__c``, or polymorphic ``Type:Rel.Field``)
  finds the parent by that external id; a missing or ambiguous parent fails only that row.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ._bulk_jobs import IngestResults
from ._protocols import BulkBackend, DmlError, DmlOutcome, FieldRef, SoqlError

__all__ = ["OPERATIONS", "JobFailure", "format_errors", "plan_columns", "process_rows"]

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")

_NUMERIC_TYPES = frozenset({"int", "double", "currency", "percent", "long"})
_LOOKUP_CHUNK = 200
_NULL = "#N/A"
# Plain ASCII numbers only: no spaces (Salesforce does not trim), no NaN or infinity.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SOQL_ESCAPES = str.maketrans(
    {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)


class JobFailure(Exception):
    """The job fails as a whole; the message becomes its ``errorMessage``."""


@dataclass(frozen=True)
class Column:
    """How one CSV column maps onto the job's sObject."""

    name: str
    field: FieldRef
    """The field written: the column's own field, or the lookup field for a parent column."""
    target: str | None = None
    """For a parent column, the parent sObject."""
    target_field: FieldRef | None = None
    """For a parent column, the parent's external id field."""


class _RowError(Exception):
    def __init__(self, error: DmlError) -> None:
        super().__init__(error.message)
        self.error = error


def format_errors(errors: Sequence[DmlError]) -> str:
    """Render per-record errors as ``sf__Error`` does: ``CODE:message:field,field --``."""
    if not errors:
        return "UNKNOWN_EXCEPTION:Unknown error:--"
    parts = []
    for error in errors:
        fields = ",".join(error.fields)
        parts.append(f"{error.status_code}:{error.message}:{fields + ' ' if fields else ''}--")
    return " ".join(parts)


def _not_found(name: str) -> JobFailure:
    return JobFailure(f"InvalidBatch : Field name not found : {name}")


def _reference_field(backend: BulkBackend, sobject: str, relationship: str) -> FieldRef | None:
    candidates = [relationship + "Id"]
    if relationship.lower().endswith("__r"):
        candidates.append(relationship[:-3] + "__c")
    for candidate in candidates:
        ref = backend.field(sobject, candidate)
        if (
            ref is not None
            and ref.type == "reference"
            and (ref.relationship_name or "").lower() == relationship.lower()
        ):
            return ref
    return None


def _parent_column(backend: BulkBackend, sobject: str, name: str) -> Column:
    relationship, _, parent_field = name.partition(".")
    explicit_type, _, relationship = relationship.rpartition(":")
    if not relationship or not parent_field or "." in parent_field:
        raise _not_found(name)
    ref = _reference_field(backend, sobject, relationship)
    if ref is None:
        raise _not_found(name)
    if explicit_type:
        target = backend.canonical_object(explicit_type)
        if target is None or target.lower() not in {t.lower() for t in ref.reference_to}:
            raise _not_found(name)
    elif len(ref.reference_to) == 1:
        target = ref.reference_to[0]
    else:
        raise JobFailure(
            f"InvalidBatch : Polymorphic relationship {relationship} needs an object type: "
            f"use Type:{relationship}.{parent_field}"
        )
    target_field = backend.field(target, parent_field)
    if target_field is None:
        raise _not_found(name)
    if not (target_field.external_id or target_field.type == "id"):
        raise JobFailure(
            "InvalidBatch : Invalid field for upsert, must be an External Id custom or "
            f"standard indexed field: {target_field.name} ({target})"
        )
    return Column(name, ref, target, target_field)


def plan_columns(
    backend: BulkBackend, sobject: str, operation: str, header: Sequence[str]
) -> list[Column]:
    """
    Map a CSV header onto fields, or fail the job as Salesforce would.

    Raises:
        JobFailure: An unknown or duplicate column, or a delete file with other columns.
    """
    if operation in ("delete", "hardDelete") and [h.lower() for h in header] != ["id"]:
        raise JobFailure(f"InvalidBatch : The '{operation}' batch must contain only ids")
    columns: list[Column] = []
    seen: set[str] = set()
    for name in header:
        if name.lower() in seen:
            raise JobFailure(f"InvalidBatch : Duplicate field name: {name}")
        seen.add(name.lower())
        if "." in name:
            columns.append(_parent_column(backend, sobject, name))
            continue
        ref = backend.field(sobject, name)
        if ref is None:
            raise _not_found(name)
        columns.append(Column(name, ref))
    return columns


def _type_error(ref: FieldRef, raw: str) -> _RowError:
    return _RowError(
        DmlError(
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            f"{ref.name}: value not of required type: {raw}",
            [ref.name],
        )
    )


def _convert(ref: FieldRef, raw: str) -> Any:
    """One non-empty cell as a JSON-ready value for ``ref``."""
    if raw == _NULL:
        return None
    if ref.type == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise _type_error(ref, raw)
    if ref.type in ("int", "long"):
        if _INTEGER.fullmatch(raw) is None:
            raise _type_error(ref, raw)
        return int(raw)
    if ref.type in _NUMERIC_TYPES:
        if _DECIMAL.fullmatch(raw) is None:
            raise _type_error(ref, raw)
        return float(raw)
    return raw


def _lookup_key(ref: FieldRef, value: Any) -> Any:
    """Compare external ids as Salesforce does: numbers by value, text ignoring case."""
    if ref.type in _NUMERIC_TYPES:
        if isinstance(value, str) and _DECIMAL.fullmatch(value) is None:
            raise ValueError(value)
        return float(value)
    return str(value).lower()


def _soql_literal(ref: FieldRef, raw: str) -> str:
    if ref.type in _NUMERIC_TYPES:
        return repr(float(raw))
    return "'" + raw.translate(_SOQL_ESCAPES) + "'"


class _ParentIndex:
    """Parent Ids by external id value, fetched with a few ``IN`` queries per column."""

    def __init__(self, backend: BulkBackend, column: Column, values: Iterable[str]) -> None:
        assert column.target is not None
        assert column.target_field is not None
        self._column = column
        self._ids: dict[Any, list[str]] = {}
        ref = column.target_field
        if ref.type == "id":
            return
        wanted: list[str] = []
        for raw in dict.fromkeys(values):
            try:
                _lookup_key(ref, raw)
            except ValueError:
                continue
            wanted.append(raw)
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            try:
                self._fetch(backend, chunk)
            except SoqlError:
                # One value the engine cannot take must not hide the others' parents.
                for raw in chunk:
                    with contextlib.suppress(SoqlError):
                        self._fetch(backend, [raw])

    def _fetch(self, backend: BulkBackend, values: Sequence[str]) -> None:
        ref = self._column.target_field
        assert ref is not None
        literals = ", ".join(_soql_literal(ref, raw) for raw in values)
        soql = f"SELECT Id, {ref.name} FROM {self._column.target} WHERE {ref.name} IN ({literals})"
        for record in backend.query(soql, include_deleted=False).records:
            if record.get(ref.name) is None:
                continue
            key = _lookup_key(ref, record.get(ref.name))
            self._ids.setdefault(key, []).append(str(record["Id"]))

    def resolve(self, raw: str) -> str:
        column = self._column
        ref = column.target_field
        assert ref is not None
        if ref.type == "id":
            return raw
        try:
            matches = self._ids.get(_lookup_key(ref, raw), [])
        except ValueError:
            matches = []
        if len(matches) == 1:
            return matches[0]
        verb = "not found" if not matches else "matches more than one record"
        raise _RowError(
            DmlError(
                "INVALID_FIELD",
                f"Foreign key external ID: {raw} {verb} for field {ref.name} "
                f"in entity {column.target}",
                [],
            )
        )


def _row_values(
    columns: Sequence[Column], cells: Sequence[str], parents: dict[int, _ParentIndex]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, (column, raw) in enumerate(zip(columns, cells, strict=True)):
        if raw == "":
            continue
        if index in parents:
            values[column.field.name] = None if raw == _NULL else parents[index].resolve(raw)
        else:
            values[column.field.name] = _convert(column.field, raw)
    return values


def _write(
    backend: BulkBackend,
    sobject: str,
    operation: str,
    external_id_field: str | None,
    values: dict[str, Any],
) -> DmlOutcome:
    record_id = values.pop("Id", None)
    if operation == "insert":
        if record_id is not None:
            raise _RowError(
                DmlError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "cannot specify Id in an insert call",
                    ["Id"],
                )
            )
        return backend.insert(sobject, values)
    if operation == "upsert":
        assert external_id_field is not None
        if record_id is not None:
            values["Id"] = record_id
        if values.get(external_id_field) is None:
            raise _RowError(DmlError("MISSING_ARGUMENT", f"{external_id_field} not specified", []))
        return backend.upsert(sobject, external_id_field, values)
    if record_id is None:
        call = "an update" if operation == "update" else "a delete"
        raise _RowError(DmlError("MISSING_ARGUMENT", f"Id not specified in {call} call", []))
    if operation == "update":
        return backend.update(sobject, str(record_id), values)
    return backend.delete(sobject, str(record_id), hard=operation == "hardDelete")


def process_rows(
    backend: BulkBackend,
    sobject: str,
    operation: str,
    external_id_field: str | None,
    header: Sequence[str],
    rows: Iterator[list[str]],
) -> IngestResults:
    """
    Apply every row of an upload to the store and collect the per-row outcomes.

    Args:
        external_id_field: The canonical external id field name, for upserts.
        rows: The data rows; fully read before the first write, to resolve parents in bulk.

    Raises:
        JobFailure: The header is unusable; no row has been written.
    """
    columns = plan_columns(backend, sobject, operation, header)
    all_rows = list(rows)
    parents = {
        index: _ParentIndex(
            backend,
            column,
            (row[index] for row in all_rows if len(row) > index and row[index] not in ("", _NULL)),
        )
        for index, column in enumerate(columns)
        if column.target is not None
    }
    results = IngestResults()
    for cells in all_rows:
        row_id = ""
        try:
            if len(cells) != len(columns):
                raise _RowError(
                    DmlError(
                        "INVALID_FIELD",
                        f"Row has {len(cells)} columns but the header has {len(columns)}",
                        [],
                    )
                )
            values = _row_values(columns, cells, parents)
            if operation in ("update", "delete", "hardDelete"):
                row_id = str(values.get("Id") or "")
            outcome = _write(backend, sobject, operation, external_id_field, values)
        except _RowError as exc:
            results.failed.append((row_id, format_errors([exc.error]), cells))
            continue
        if outcome.success:
            created = True if operation == "insert" else outcome.created
            results.successful.append((outcome.id or "", created, cells))
        else:
            results.failed.append((outcome.id or row_id, format_errors(outcome.errors), cells))
    return results
