"""
Rows in: a CSV file's header checked against describe, its cells turned into records (sans I/O).

The CSV speaks Bulk API 2.0's dialect, so the same file works with Collections and Bulk:

* the header names fields by API name (any case); ``Id`` for update and delete;
* an empty cell leaves the field alone, ``#N/A`` sets it to null;
* ``true``/``false`` for checkboxes; numbers with a ``.`` decimal point; dates ``2024-01-31``,
  datetimes ``2024-01-31T12:34:56.000Z`` (passed on as written); multipicklists ``a;b``.

A header naming a field the object does not have (or one the operation cannot write) is
refused before anything is sent. A cell that cannot be read (``maybe`` for a checkbox) fails
its own row only.
"""

from __future__ import annotations

import enum
import math
import re
from collections import deque
from collections.abc import Sequence
from typing import Any

import attrs

from .._wire.bulk_csv import NULL
from .._wire.bulk_csv import cell as bulk_cell
from ..ids import is_valid_id
from ..models import SObject, SObjectDescription, loaded_fields
from ..models._base import make_generic
from ..results import Outcome, SaveError, SaveResult

__all__ = [
    "NULL",
    "RESULT_COLUMNS",
    "ColumnPlan",
    "Operation",
    "ResultMatcher",
    "failed_row",
    "header_cells",
    "plan_columns",
    "result_cells",
    "row_key",
    "row_record",
]


RESULT_COLUMNS = ("sf__Row", "sf__Outcome", "sf__Id", "sf__Created", "sf__Error")
"""The columns a results file puts before the input's own."""

_BOOLEAN = {"true": True, "false": False, "1": True, "0": False}
# Plain decimal notation only: no "1_000", "nan", "inf" or other Python-only spellings.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = frozenset({"int", "long"})
_NUMBER = frozenset({"double", "currency", "percent"})


class Operation(str, enum.Enum):
    """What ``import`` does with each row."""

    INSERT = "insert"
    UPDATE = "update"
    UPSERT = "upsert"
    DELETE = "delete"


@attrs.frozen
class ColumnPlan:
    """How to read the rows of one file: canonical field names and types, in file order."""

    sobject: str
    operation: Operation
    header: tuple[str, ...]
    """The header as written (echoed in the results file)."""
    fields: tuple[str, ...]
    """The API names, as the org spells them."""
    types: tuple[str, ...]
    external_id: str | None = None


def plan_columns(
    description: SObjectDescription,
    header: Sequence[str],
    operation: Operation,
    external_id: str | None = None,
) -> ColumnPlan:
    """
    Check a CSV header against the object's describe.

    Raises:
        ValueError: Naming the problem: an empty or repeated column, a field the object does
            not have, a field the operation cannot write, a missing ``Id`` (update, delete) or
            external id column (upsert), an external id field that is not one.
    """
    name = description.name
    by_name = {field.name.lower(): field for field in description.fields}
    fields: list[str] = []
    types: list[str] = []
    for column in header:
        key = column.strip().lower()
        if not key:
            raise ValueError("the CSV header has an empty column name")
        field = by_name.get(key)
        if field is None:
            hint = " (relationship columns are not supported)" if "." in key else ""
            raise ValueError(
                f"the CSV header names {column.strip()!r}, which {name} does not have{hint}"
            )
        if field.name in fields:
            raise ValueError(f"the CSV header names {field.name!r} twice")
        if field.name != "Id" and operation is not Operation.DELETE:
            _check_writable(
                name, field.name, field.createable, field.updateable, field.calculated, operation
            )
        fields.append(field.name)
        types.append(field.type)
    if operation in (Operation.UPDATE, Operation.DELETE) and "Id" not in fields:
        raise ValueError(f"{operation.value} needs an Id column in the CSV header")
    if operation is Operation.INSERT and "Id" in fields:
        raise ValueError("insert cannot take an Id column (use update or upsert)")
    canonical_external: str | None = None
    if operation is Operation.UPSERT:
        if not external_id:
            raise ValueError("upsert needs --external-id FIELD")
        field = by_name.get(external_id.lower())
        if field is None:
            raise ValueError(f"--external-id {external_id!r}: {name} has no such field")
        if field.name == "Id":
            raise ValueError(
                "upsert cannot match by Id: use --operation update for rows with an Id "
                "(and insert for new ones), or pass an external id field"
            )
        if not (field.external_id or field.id_lookup):
            raise ValueError(f"--external-id {field.name!r} is not an external id field of {name}")
        if field.name not in fields:
            raise ValueError(
                f"upsert by {field.name} needs a {field.name} column in the CSV header"
            )
        canonical_external = field.name
    return ColumnPlan(
        sobject=name,
        operation=operation,
        header=tuple(header),
        fields=tuple(fields),
        types=tuple(types),
        external_id=canonical_external,
    )


def _check_writable(
    sobject: str,
    field: str,
    createable: bool,
    updateable: bool,
    calculated: bool,
    operation: Operation,
) -> None:
    if calculated:
        raise ValueError(f"{sobject}.{field} is calculated and cannot be written")
    if operation is Operation.INSERT and not createable:
        raise ValueError(f"{sobject}.{field} cannot be set on insert")
    if operation is Operation.UPDATE and not updateable:
        raise ValueError(f"{sobject}.{field} cannot be updated")
    if operation is Operation.UPSERT and not (createable or updateable):
        raise ValueError(f"{sobject}.{field} cannot be written")


def _value(kind: str, text: str) -> Any:
    """One cell as the JSON value Salesforce expects for the field type."""
    if text == NULL:
        return None
    if kind == "boolean":
        try:
            return _BOOLEAN[text.strip().lower()]
        except KeyError:
            raise ValueError(f"{text!r} is not true or false") from None
    if kind in _INTEGER:
        if not _WHOLE.fullmatch(text):
            raise ValueError(f"{text!r} is not a whole number")
        return int(text)
    if kind in _NUMBER:
        if not _DECIMAL.fullmatch(text):
            raise ValueError(f"{text!r} is not a number")
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is out of range for a number")
        return int(number) if number.is_integer() and "." not in text else number
    return text


def row_record(plan: ColumnPlan, cells: Sequence[str]) -> SObject | str:
    """
    The record a row stands for (an Id string for delete).

    Raises:
        ValueError: If the row has the wrong number of cells, a cell cannot be read for its
            field's type, or the row lacks its Id (update, delete) or external id (upsert).
    """
    if len(cells) != len(plan.fields):
        raise ValueError(f"the row has {len(cells)} cells, the header {len(plan.fields)}")
    values: dict[str, Any] = {}
    for field, kind, text in zip(plan.fields, plan.types, cells, strict=True):
        if text == "":
            continue  # an empty cell leaves the field as it is
        try:
            values[field] = _value(kind, text)
        except ValueError as exc:
            raise ValueError(f"{field}: {exc}") from None
    if plan.operation in (Operation.UPDATE, Operation.DELETE) and not values.get("Id"):
        raise ValueError("the row has no Id")
    if "Id" in values and not is_valid_id(values["Id"]):
        raise ValueError(f"Id: {values['Id']!r} is not a Salesforce Id")
    if plan.operation is Operation.DELETE:
        return str(values["Id"])
    if plan.external_id is not None and values.get(plan.external_id) in (None, ""):
        raise ValueError(f"the row has no {plan.external_id} value")
    record = make_generic(plan.sobject)
    for field, value in values.items():
        setattr(record, field, value)
    return record


def failed_row(record: Any, message: str) -> SaveResult[Any]:
    """The result of a row refused before sending (its cells could not be read)."""
    return SaveResult(record, Outcome.FAILED, errors=(SaveError("INVALID_ROW", message),))


def result_cells(number: int, result: SaveResult[Any]) -> list[str]:
    """The results-file cells before the input's own: row number, outcome, Id, created, errors."""
    created = "" if result.created is None else str(result.created).lower()
    errors = "; ".join(str(error) for error in result.errors)
    return [str(number), result.outcome.value, result.id or "", created, errors]


def header_cells(header: Sequence[str]) -> list[str]:
    """The results file's header."""
    return [*RESULT_COLUMNS, *header]


def row_key(item: SObject | str, fields: Sequence[str]) -> tuple[str, ...]:
    """
    What Bulk API 2.0 echoes of a row: its cells as uploaded, field by field.

    Salesforce returns result rows in any order, with the uploaded columns echoed; rows with
    the same key are interchangeable, so matching keys ties each result to an input row. A
    field the record does not carry counts as an empty (unchanged) cell.
    """
    if isinstance(item, str):
        return (item,)
    values = {name.lower(): value for name, value in loaded_fields(item).items()}
    missing = object()
    parts = []
    for field in fields:
        value = values.get(field.lower(), missing)
        parts.append("" if value is missing else bulk_cell(value))
    return tuple(parts)


class ResultMatcher:
    """
    Ties Bulk results (which come in any order) back to the input rows they belong to.

    Args:
        items: The records (or Ids, for delete) sent, in input order.
        fields: The columns sent: the plan's fields, or ``("Id",)`` for delete.
    """

    def __init__(self, items: Sequence[SObject | str], fields: Sequence[str]) -> None:
        self.items = items
        self.fields = tuple(fields)
        self.results: list[SaveResult[Any] | None] = [None] * len(items)
        self._waiting: dict[tuple[str, ...], deque[int]] = {}
        for index, item in enumerate(items):
            self._waiting.setdefault(row_key(item, self.fields), deque()).append(index)

    def place(self, result: SaveResult[Any]) -> bool:
        """Give ``result`` to the next input row with its key; False if none is left."""
        record = result.record
        key = row_key(record, self.fields)
        waiting = self._waiting.get(key)
        if not waiting:
            return False
        index = waiting.popleft()
        self.results[index] = attrs.evolve(result, record=self.items[index])
        return True

    def finish(self, reason: str | None) -> list[SaveResult[Any]]:
        """
        The results in input order; a row no result came back for is ``unknown``.

        Args:
            reason: Why rows may be missing (the job failed or was aborted), for their error.
        """
        message = reason or "the Bulk job reported no result for this row"
        return [
            result
            if result is not None
            else SaveResult(item, Outcome.UNKNOWN, errors=(SaveError("NOT_PROCESSED", message),))
            for item, result in zip(self.items, self.results, strict=True)
        ]
