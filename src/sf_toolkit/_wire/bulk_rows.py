"""
Bulk API 2.0 rows and records, sans I/O: which record becomes which CSV row, and back.

Writing goes through the models' cattrs conversion (:func:`sf_toolkit.models.to_payload`),
then into cells (:func:`.bulk_csv.cell`): ``#N/A`` for null, datetimes in UTC with ``Z``,
multi-select picklists ``a;b``, and a parent relationship set to a record holding an external
id (``Contact(Account=Account(External_ID__c="A-1"))``) as the column ``Account.External_ID__c``.

Reading turns CSV text back into typed records by the model's field types: ``true``/``false``,
numbers, dates and datetimes, dotted columns (``Account.Name``) into nested parent records;
an empty query cell is null. Result rows become :class:`~sf_toolkit.results.SaveResult`
objects with Salesforce's ``sf__Error`` split into code, message and fields.
"""

from __future__ import annotations

import functools
import operator
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import compress
from typing import Any

import attrs

from ..ids import validate_id
from ..models import (
    GenericRecord,
    SObject,
    SObjectDescription,
    api_name_of,
    changed_fields,
    relationship_fields,
    sobject_class,
    to_payload,
)
from ..models import _values as v
from ..models._base import _get_extra, _set_attributes, _set_dict, _set_extra, _set_type, new_record
from ..models._convert import (
    _BLOB,
    _CHILDREN,
    _COMPOUND,
    _PARENT,
    _dump_any,
    _dump_checked,
    _load_id,
    _plan,
    adopt_payload,
)
from ..results import Outcome, SaveError, SaveResult
from .bulk_csv import NULL, cell

__all__ = [
    "INGEST_OPERATIONS",
    "RecordEncoder",
    "RowDecoder",
    "ResultReader",
    "check_external_id_field",
    "check_sobject",
    "lookup_field",
    "describe_kinds",
    "parse_sf_error",
]

INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")

_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_COLUMN = re.compile(
    r"[A-Za-z][A-Za-z0-9_]*(?::[A-Za-z][A-Za-z0-9_]*)?(?:\.[A-Za-z][A-Za-z0-9_]*)?"
)
_FIELDS_PART = re.compile(r"[A-Za-z0-9_.,]*")
_ERROR_SPLIT = re.compile(r"(?<=--)\s+(?=[A-Z][A-Z0-9_]*:)")


# ----------------------------------------------------------------------------- model facts


@attrs.frozen
class _ModelFacts:
    """What the CSV layer needs to know about a model's fields, by lower-case API name."""

    kinds: Mapping[str, str]
    """``"bool"``, ``"int"``, ``"float"``, ``"datetime"`` or ``"text"`` (everything else)."""
    names: Mapping[str, str]
    """The declared spelling of each API name."""
    parents: Mapping[str, type[SObject] | None]
    """Parent relationship fields and their models (None: any type)."""
    datetimes: frozenset[str]
    """The datetime fields, whose cells are written in UTC with ``Z``."""


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return args[0] if len(args) == 1 else Any
    return tp


_KINDS: dict[Any, str] = {bool: "bool", int: "int", float: "float", Decimal: "decimal"}


@functools.cache
def _facts(cls: type[SObject]) -> _ModelFacts:
    try:
        hints = typing.get_type_hints(cls)
    except NameError as exc:
        raise TypeError(f"cannot resolve the field types of {cls.__name__}: {exc}") from exc
    kinds: dict[str, str] = {}
    names: dict[str, str] = {}
    for info in cls._sf_fields:
        inner = _strip_optional(hints.get(info.attr, Any))
        kind = "datetime" if inner is datetime else _KINDS.get(inner, "text")
        kinds[info.api_name.lower()] = kind
        names[info.api_name.lower()] = info.api_name
    parents = {
        name.lower(): model for name, model, is_child in relationship_fields(cls) if not is_child
    }
    datetimes = frozenset(name for name, kind in kinds.items() if kind == "datetime")
    return _ModelFacts(kinds=kinds, names=names, parents=parents, datetimes=datetimes)


def _model_facts(cls: type[SObject] | None) -> _ModelFacts | None:
    if cls is None or cls is GenericRecord:
        return None
    return _facts(cls)


def check_external_id_field(model: type[SObject] | None, external_id_field: object) -> str:
    """
    Check an upsert's external id field name against the model; return its declared spelling.

    Raises:
        TypeError: If it is not a string.
        ValueError: If it is not a field API name, or the model (when it is not a
            :class:`~sf_toolkit.models.GenericRecord`) declares no such field.
    """
    if not isinstance(external_id_field, str):
        raise TypeError(
            f"external_id_field must be a field API name, got {type(external_id_field).__name__}"
        )
    if _FIELD_NAME.fullmatch(external_id_field) is None:
        raise ValueError(f"external_id_field must be a field API name, got {external_id_field!r}")
    facts = _model_facts(model)
    if facts is None or external_id_field.lower() == "id":
        return external_id_field
    declared = facts.names.get(external_id_field.lower())
    if declared is None:
        assert model is not None
        raise ValueError(
            f"{model.__name__} declares no field {external_id_field!r} to upsert on; "
            f"its fields are {', '.join(sorted(facts.names.values()))}"
        )
    return declared


def check_sobject(sobject: object) -> tuple[type[SObject] | None, str | None]:
    """
    Check the ``sobject=`` argument of an ingest call: ``(model, sObject name)``.

    Raises:
        TypeError: If it is neither None, a model class nor an sObject name.
        ValueError: If a name is not an API name.
    """
    if sobject is None:
        return None, None
    if isinstance(sobject, type) and issubclass(sobject, SObject):
        return sobject, api_name_of(sobject)
    if isinstance(sobject, str):
        if _FIELD_NAME.fullmatch(sobject) is None:
            raise ValueError(f"sobject must be an sObject API name, got {sobject!r}")
        return None, sobject
    raise TypeError(
        f"sobject must be a model class or an sObject name such as 'Account', got {sobject!r}"
    )


# ----------------------------------------------------------------------------- writing


class RecordEncoder:
    """
    Turn the records of one ingest operation into CSV rows (column name to cell text).

    The first record fixes the sObject type (``sobject`` when given); a record of another type
    is refused, as Salesforce takes one object per job. A model class is checked and planned
    (its writable fields, how each value is written, its parents) at its first record; a
    GenericRecord, which carries its own sObject name, is checked record by record. Every
    value is checked as :func:`~sf_toolkit.models.to_payload` checks it.

    Args:
        operation: ``insert``, ``update``, ``upsert``, ``delete`` or ``hardDelete``.
        external_id_field: For ``upsert``: the field whose value matches existing records.
        sobject: The sObject name, needed only when deleting by bare Ids.
    """

    def __init__(
        self, operation: str, external_id_field: str | None = None, sobject: str | None = None
    ) -> None:
        if operation not in INGEST_OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(INGEST_OPERATIONS)}")
        self.operation = operation
        self.external_id_field = external_id_field
        self.sobject = sobject
        self.model: type[SObject] | None = None
        self.count = 0
        self._checked_name: str | None = None  # the sObject name the last record passed with
        # Model classes whose sObject name passed the check (never GenericRecord, whose
        # records each carry their own name), and the write plans of those that were written.
        self._checked: set[type[SObject]] = set()
        self._plans: dict[type[SObject], _WritePlan] = {}

    def row(self, record: object) -> dict[str, str]:
        """
        The CSV row of one record (or, for deletes, of one Id).

        Raises:
            TypeError: A record that is not an SObject (or Id, for deletes), or a record of
                another sObject type than the first.
            ValueError: A record without the Id its operation needs, an insert of a record
                that has an Id, or an upsert record without an external id value.
            InvalidIdError: A malformed Id.
        """
        self.count += 1
        # The plan of a model class whose first record passed the checks, if it is one.
        plan = self._plans.get(type(record))  # type: ignore[arg-type]
        if plan is not None:
            row = self._typed_row(typing.cast(SObject, record), plan)
        elif self.operation in ("delete", "hardDelete"):
            return {"Id": self._delete_id(record)}
        elif isinstance(record, Mapping):
            row = self._mapping_row(record)
        elif isinstance(record, SObject):
            row = self._record_row(record)
        else:
            raise TypeError(
                f"record {self.count} is a {type(record).__name__}, not an SObject record "
                "(or a dict, with sobject=)"
            )
        if not row:
            raise ValueError(f"record {self.count} has no field to send; set at least one")
        return row

    def _record_row(self, record: SObject) -> dict[str, str]:
        """The row of a GenericRecord, or of the first record of a model class."""
        self._check_type(record)
        cls = type(record)
        if cls in self._checked:
            plan = self._plans[cls] = _write_plan(cls)
            return self._typed_row(record, plan)
        if cls is GenericRecord:  # no declared field: each record's own
            return self._payload_row(record, None, ())
        # A GenericRecord subclass: its declared fields and parents, record by record.
        return self._payload_row(record, _model_facts(cls), _write_plan(cls).parents)

    def _payload_row(
        self, record: SObject, facts: _ModelFacts | None, parents: Sequence[tuple[str, str]]
    ) -> dict[str, str]:
        """The row of any record, through its :func:`to_payload`."""
        self._check_id(record.__dict__.get("Id"))
        payload = to_payload(record, include_id=self.operation == "update")
        if self.operation == "upsert":
            self._check_external_id(payload)
        row = _cells(payload, facts)
        if parents or _get_extra(record):
            self._parent_columns(record, parents, row)
        return row

    def _typed_row(self, record: SObject, plan: _WritePlan) -> dict[str, str]:
        """
        The row of a record of a checked model class: what :func:`to_payload` and
        :func:`_cells` give, computed in one pass over the class's writable fields.
        """
        values = record.__dict__
        record_id = values.get("Id")
        if record_id is not None or self.operation == "update":
            self._check_id(record_id)
        row: dict[str, str] = {}
        if record_id is not None and self.operation == "update":
            row["Id"] = _cell_text("Id", record_id, False)
        for attr, api_name, exact, dump, utc in plan.fields:
            if attr in values:
                value = values[attr]
                if type(value) is str and exact is str and value and value != NULL:
                    row[api_name] = value  # the common case: text as it is
                elif type(value) is int and exact is int:
                    row[api_name] = str(value)
                else:
                    if value is not None and type(value) is not exact and dump is not None:
                        value = _dump_checked(record, attr, api_name, dump, value)
                    if value == NULL:  # refused: with the error to_payload and _cells give
                        return self._payload_row(record, _facts(type(record)), plan.parents)
                    row[api_name] = _cell_text(api_name, value, utc)
        if self.operation == "upsert":
            self._check_external_id(row, NULL)
        if plan.parents or _get_extra(record):
            self._parent_columns(record, plan.parents, row)
        return row

    def _mapping_row(self, record: Mapping[Any, Any]) -> dict[str, str]:
        if self.sobject is None:
            raise TypeError(
                f"record {self.count} is a {type(record).__name__}: plain dicts need the "
                "sObject name, sobject='Account' (or a model class)"
            )
        if self.count == 1:
            self._first_record()
        payload: dict[str, Any] = {}
        parents: list[tuple[str, Any]] = []
        for key, value in record.items():
            if not isinstance(key, str) or _COLUMN.fullmatch(key) is None:
                raise ValueError(f"record {self.count} has a key that is not a field: {key!r}")
            if isinstance(value, (SObject, Mapping)):
                parents.append((key, value))
            else:
                payload[key] = _dump_value(value)
        self._check_id(next((v for k, v in payload.items() if k.lower() == "id"), None))
        if self.operation == "upsert":
            self._check_external_id(payload)
        row = _cells(payload, None)
        for name, parent in parents:
            if isinstance(parent, SObject):
                self._parent_column(name, parent, row)
                continue
            dumped = {k: _dump_value(v) for k, v in parent.items() if v is not None}
            parent_id = next((v for k, v in dumped.items() if k.lower() == "id"), None)
            if parent_id is not None:
                row[lookup_field(name)] = str(parent_id)
            else:
                row.update(_cells(dumped, None, f"{name}."))
        return row

    def _check_id(self, record_id: object) -> None:
        if self.operation == "update" and record_id is None:
            raise ValueError(f"record {self.count} ({self.sobject}) has no Id to update")
        if self.operation == "insert" and record_id is not None:
            raise ValueError(
                f"record {self.count} ({self.sobject}) already has Id {record_id!r}; "
                "insert takes new records only (use update or upsert)"
            )

    def _first_record(self) -> None:
        """Check what needs the model, once it is known: the upsert's external id field."""
        if self.operation == "upsert":
            self.external_id_field = check_external_id_field(self.model, self.external_id_field)

    def _check_type(self, record: SObject) -> None:
        cls = type(record)
        if cls in self._checked:  # a model class whose name passed before
            return
        name = api_name_of(record)
        generic = issubclass(cls, GenericRecord)  # each record carries its own sObject name
        if generic and name is self._checked_name:  # the very name of the record before
            return
        if self.sobject is None:
            self.sobject = name
        elif name.lower() != self.sobject.lower():
            raise TypeError(
                f"record {self.count} is a {name}, but this job is for {self.sobject}: a Bulk "
                "job takes records of one sObject type"
            )
        if self.model is None:
            self.model = type(record)
        if self.count == 1:
            self._first_record()
        if generic:
            self._checked_name = name
        else:
            self._checked.add(cls)

    def _check_external_id(self, payload: Mapping[str, Any], blank: str = "") -> None:
        """Refuse a payload (or, with ``blank=NULL``, a row) without an external id value."""
        assert self.external_id_field is not None
        value = payload.get(self.external_id_field)
        if value is None:
            wanted = self.external_id_field.lower()
            value = next((v for k, v in payload.items() if k.lower() == wanted), None)
        if value is None or value == "" or value == blank:
            unchecked = (
                ""
                if _model_facts(self.model) is not None
                else f" (is it a field of {self.sobject}? without a model it cannot be checked)"
            )
            raise ValueError(
                f"record {self.count} ({self.sobject}) has no value in "
                f"{self.external_id_field}, which an upsert matches on{unchecked}"
            )

    def _delete_id(self, record: object) -> str:
        if isinstance(record, str):
            if self.sobject is None:
                raise ValueError(
                    "deleting by Id needs the sObject: pass sobject= (a model class or a name)"
                )
            return validate_id(record, argument=f"Id {self.count}")
        if isinstance(record, SObject):
            self._check_type(record)
            if record.Id is None:
                raise ValueError(f"record {self.count} ({api_name_of(record)}) has no Id to delete")
            return record.Id
        raise TypeError(
            f"record {self.count} is a {type(record).__name__}; delete takes records or Id strings"
        )

    def _parent_columns(
        self, record: SObject, parents: Sequence[tuple[str, str]], row: dict[str, str]
    ) -> None:
        """The columns of the parents a record sets: ``parents`` is ``(attribute, API name)``."""
        values = record.__dict__
        candidates = [(name, values.get(attr)) for attr, name in parents]
        candidates += (_get_extra(record) or {}).items()
        for name, parent in candidates:
            if isinstance(parent, SObject):
                self._parent_column(name, parent, row)

    def _parent_column(self, name: str, parent: SObject, row: dict[str, str]) -> None:
        """
        Write a parent the way Bulk API 2.0 takes one: by Id in the lookup field
        (``Account`` -> ``AccountId``, ``Owner__r`` -> ``Owner__c``), or by one external id
        as ``Account.External_ID__c``. Fields of a parent that were loaded (by a query) and
        not set since are not written: they describe the parent, they do not pick it.
        """
        lookup = lookup_field(name)
        parent_id = parent.__dict__.get("Id")
        if parent_id is not None:
            written = next((v for k, v in row.items() if k.lower() == lookup.lower()), None)
            if written is not None and written != parent_id:
                raise ValueError(
                    f"record {self.count} ({self.sobject}) has {lookup}={written!r} but its "
                    f"{name} is {parent_id!r}; set one of them"
                )
            row[lookup] = parent_id
            return
        chosen = {
            key: value
            for key, value in to_payload(parent).items()
            if value is not None and key in changed_fields(parent)
        }
        if not chosen:
            return
        if len(chosen) > 1:
            raise ValueError(
                f"record {self.count} ({self.sobject}): its {name} sets {', '.join(chosen)}; a "
                f"parent is matched by its Id or by one external id field"
            )
        if any(k.lower() == lookup.lower() and v not in ("", NULL) for k, v in row.items()):
            raise ValueError(
                f"record {self.count} ({self.sobject}) sets both {lookup} and "
                f"{name}.{next(iter(chosen))}; set one of them"
            )
        row.update(_cells(chosen, _model_facts(type(parent)), f"{name}."))


def lookup_field(relationship: str) -> str:
    """
    The lookup field of a parent relationship, by Salesforce's naming: ``Account`` ->
    ``AccountId``, ``Parent_Account__r`` -> ``Parent_Account__c``.
    """
    if relationship.lower().endswith("__r"):
        return relationship[:-3] + "__c"
    return relationship + "Id"


def _cells(
    payload: Mapping[str, Any], facts: _ModelFacts | None, prefix: str = ""
) -> dict[str, str]:
    """A payload's values as cells, datetimes in UTC with ``Z``, keys prefixed."""
    datetimes = facts.datetimes if facts is not None else frozenset()
    return {
        prefix + key: _cell_text(key, value, bool(datetimes) and key.lower() in datetimes, prefix)
        for key, value in payload.items()
    }


def _cell_text(key: str, value: Any, utc: bool, prefix: str = "") -> str:
    """One payload value as a cell (a datetime field's in UTC with ``Z`` when ``utc``)."""
    if value == NULL:
        raise ValueError(
            f"{prefix}{key} holds the text {NULL!r}, which Bulk API 2.0 reads as null; "
            "it cannot be saved as text with a Bulk job (use the list operations)"
        )
    text = value if type(value) is str and value else cell(value)
    return _utc_z(text) if utc else text


@attrs.frozen
class _WritePlan:
    """How the records of one model class become rows; worked out once per class."""

    fields: tuple[tuple[str, str, type | None, Callable[[Any], Any] | None, bool], ...]
    """``(attribute, API name, exact type, dump, is a datetime)`` of each writable field, in
    :func:`to_payload`'s order: values of exactly that type are sent as they are, others go
    through the dump (which checks them strictly)."""
    parents: tuple[tuple[str, str], ...]
    """``(attribute, API name)`` of each parent relationship field."""


@functools.cache
def _write_plan(cls: type[SObject]) -> _WritePlan:
    facts = _facts(cls)
    plan = _plan(cls)
    return _WritePlan(
        fields=tuple(
            (f.attr, f.api_name, f.exact, f.dump, f.api_name.lower() in facts.datetimes)
            for f in plan.writable
        ),
        parents=tuple((f.attr, f.api_name) for f in plan.fields if f.kind == _PARENT),
    )


def _dump_value(value: Any) -> Any:
    """A plain value as JSON-ready text, in the formats the models write."""
    dumped = _dump_any(value)
    if dumped is not None and not isinstance(dumped, (str, bool, int, float)):
        raise TypeError(f"cannot write a {type(value).__name__} value to a Bulk CSV cell")
    return _utc_z(dumped) if isinstance(dumped, str) and isinstance(value, datetime) else dumped


def _utc_z(text: str) -> str:
    """Salesforce's documented UTC form: ``...000Z`` rather than ``...000+0000``."""
    return text[:-5] + "Z" if text.endswith("+0000") else text


# ----------------------------------------------------------------------------- reading


def _to_bool(text: str) -> Any:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return text


def _to_int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return _to_float(text)


def _to_float(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _to_date(text: str) -> Any:
    try:
        return v.parse_date(text)
    except ValueError:
        return text


def _to_datetime(text: str) -> Any:
    try:
        return v.parse_datetime(text)
    except ValueError:
        return text


_READERS = {"bool": _to_bool, "int": _to_int, "float": _to_float}
# Without a model, dates and datetimes are parsed here too (a model's loader does it otherwise).
_DESCRIBED_READERS = {**_READERS, "date": _to_date, "datetime": _to_datetime}
_DESCRIBE_KINDS = {
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "double": "float",
    "currency": "float",
    "percent": "float",
    "date": "date",
    "datetime": "datetime",
}


def describe_kinds(description: SObjectDescription) -> dict[str, str]:
    """How to read each field of a described sObject (lower-case API name to kind)."""
    return {
        field.name.lower(): _DESCRIBE_KINDS[field.type]
        for field in description.fields
        if field.type in _DESCRIBE_KINDS
    }


@attrs.frozen
class _Column:
    path: tuple[str, ...]
    read: Any


_Convert = Callable[[Any], Any]


def _then(read: _Convert, load: _Convert) -> _Convert:
    return lambda text: load(read(text))


class RowDecoder:
    """
    Turn CSV rows with a given header into records of ``model``.

    The header is worked out once: which field each column fills and how its text reads.
    When every column is a field of the record itself (no ``Account.Name``), a row becomes
    the record's fields directly; otherwise it is built as Salesforce's JSON would be.

    Args:
        header: The column names (``Account.Name`` for a parent's field).
        model: The model to build; None builds the model registered for ``sobject``, or a
            :class:`~sf_toolkit.models.GenericRecord` (values typed by ``kinds``, else text).
        sobject: The job's sObject name, for ``attributes.type``.
        upload: Read cells as an upload writes them (empty: not loaded, ``#N/A``: null)
            instead of as a query result (empty: null).
        kinds: Without a model, how to read the sObject's own columns (from
            :func:`describe_kinds`); other columns stay text.
    """

    def __init__(
        self,
        header: Sequence[str],
        model: type[SObject] | None = None,
        sobject: str | None = None,
        *,
        upload: bool = False,
        kinds: Mapping[str, str] | None = None,
    ) -> None:
        if model is None and sobject:
            model = sobject_class(sobject)
        self.model = model
        self.sobject = sobject or (api_name_of(model) if model is not None else None)
        self.upload = upload
        self._kinds = kinds or {}
        self.columns = [self._column(name) for name in header]
        self._width = len(self.columns)
        self._nested = any(len(column.path) > 1 for column in self.columns)
        # The flat plan: the key each column fills (an attribute of the model, or an extra
        # field of a GenericRecord) and the conversions of the columns that have one.
        self._keys: tuple[str, ...] | None = None
        self._convert: tuple[tuple[int, str, _Convert], ...] = ()
        self._id_key = False  # a GenericRecord's Id column, loaded as its Id
        if not self._nested and "attributes" not in header:
            self._plan_flat(header)

    def _column(self, name: str) -> _Column:
        path = tuple(name.split("."))
        model = self.model
        if _model_facts(model) is None and len(path) == 1:
            return _Column(path, _DESCRIBED_READERS.get(self._kinds.get(name.lower(), "text")))
        for part in path[:-1]:
            facts = _model_facts(model)
            model = facts.parents.get(part.lower()) if facts is not None else None
        facts = _model_facts(model)
        kind = facts.kinds.get(path[-1].lower(), "text") if facts is not None else "text"
        return _Column(path, _READERS.get(kind))

    def _plan_flat(self, header: Sequence[str]) -> None:
        """
        Plan the direct path when it gives what :func:`from_payload` would: every column a
        plain field of the model (no parent, blob or compound field, no undeclared column),
        or any column of a GenericRecord; each key once.
        """
        keys: list[str] = []
        convert: list[tuple[int, str, _Convert]] = []
        if self.model is None:
            for index, (name, column) in enumerate(zip(header, self.columns, strict=True)):
                keys.append(name)
                if column.read is not None:
                    convert.append((index, name, column.read))
            self._id_key = "Id" in keys
        elif not issubclass(self.model, GenericRecord):
            plan = _plan(self.model)
            fields = {field.api_name: field for field in plan.fields}
            lowered = {field.api_name.lower(): field for field in plan.fields}
            for index, (name, column) in enumerate(zip(header, self.columns, strict=True)):
                field = fields.get(name) or lowered.get(name.lower())
                if field is None or field.kind in (_BLOB, _COMPOUND, _PARENT, _CHILDREN):
                    return
                keys.append(field.attr)
                read: _Convert | None = column.read
                load = field.load
                if read is not None and load is not None:
                    convert.append((index, field.attr, _then(read, load)))
                elif read is not None:
                    convert.append((index, field.attr, read))
                elif load is not None:
                    convert.append((index, field.attr, load))
        else:
            return
        if len(set(keys)) == len(keys):
            self._keys = tuple(keys)
            self._convert = tuple(convert)

    def record(self, cells: Sequence[str]) -> SObject:
        """
        One row as a record.

        Raises:
            ValueError: If the row has another number of cells than the header, or a value
                does not parse as its field's type.
        """
        if len(cells) != self._width:
            raise ValueError(f"a CSV row has {len(cells)} cells where the header has {self._width}")
        keys = self._keys
        if keys is None:
            return self._built(cells)
        values: dict[str, Any] = dict(zip(keys, cells))  # noqa: B905  (as wide: checked)
        if self.upload:
            if "" in cells:  # an upload's empty cell: the field was not sent
                for key in compress(keys, map(operator.not_, cells)):
                    del values[key]
            if NULL in cells:
                for key, text in zip(keys, cells):  # noqa: B905
                    if text == NULL:
                        values[key] = None
            for index, key, convert in self._convert:
                text = cells[index]
                if text and text != NULL:
                    values[key] = convert(text)
        else:
            if "" in cells:
                for key in compress(keys, map(operator.not_, cells)):
                    values[key] = None
            for index, key, convert in self._convert:
                text = cells[index]
                if text:
                    values[key] = convert(text)
        if self.model is None:
            return self._generic(values)
        record = new_record(self.model)
        _set_dict(record, values)
        if self.sobject:
            _set_attributes(record, {"type": self.sobject})
        return record

    def _generic(self, values: dict[str, Any]) -> GenericRecord:
        """A GenericRecord of a flat row, as :func:`from_payload` builds one."""
        record = new_record(GenericRecord)
        _set_type(record, self.sobject)
        if self.sobject:
            _set_attributes(record, {"type": self.sobject})
        if self._id_key and values.get("Id") is not None:
            record.__dict__["Id"] = _load_id(values.pop("Id"))
        _set_extra(record, values)
        return record

    def _built(self, cells: Sequence[str]) -> SObject:
        """A row with parent columns (or odd ones), built as Salesforce's JSON would be."""
        data: dict[str, Any] = {}
        if self.sobject:
            data["attributes"] = {"type": self.sobject}
        for column, text in zip(self.columns, cells, strict=True):
            value: Any
            if self.upload:
                if text == "":
                    continue
                value = None if text == NULL else text
            else:
                value = None if text == "" else text
            if value is not None and column.read is not None:
                value = column.read(value)
            path = column.path
            if len(path) == 1:
                data[path[0]] = value
            else:
                _place(data, path, value)
        return adopt_payload(_prune(data) if self._nested else data, self.model)


def _place(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = data
    for part in path[:-1]:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = {}
            target[part] = nested
        target = nested
    target[path[-1]] = value


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    """A parent whose every column is null is a null parent (no related record)."""
    for key, value in data.items():
        if isinstance(value, dict) and key != "attributes":
            pruned = _prune(value)
            data[key] = None if all(v is None for v in pruned.values()) else pruned
    return data


def parse_sf_error(text: str) -> tuple[SaveError, ...]:
    """
    Split an ``sf__Error`` cell into errors.

    Salesforce writes ``CODE:message:field,field --`` per error, for example
    ``REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --``; the
    message may itself contain colons, the fields part never does.
    """
    text = text.strip()
    if not text:
        return (SaveError("UNKNOWN_ERROR", ""),)
    errors = []
    for part in _ERROR_SPLIT.split(text):
        part = part.strip().removesuffix("--").strip()
        code, colon, rest = part.partition(":")
        if not colon or _FIELD_NAME.fullmatch(code) is None:
            errors.append(SaveError("UNKNOWN_ERROR", part))
            continue
        message, colon, fields = rest.rpartition(":")
        if not colon or _FIELDS_PART.fullmatch(fields) is None:
            message, fields = rest, ""
        names = [name for name in fields.split(",") if name]
        errors.append(SaveError(code, message.strip(), names))
    return tuple(errors)


class ResultReader:
    """
    Turn the rows of an ingest result file into :class:`~sf_toolkit.results.SaveResult`.

    Args:
        which: ``"successful"``, ``"failed"`` or ``"unprocessed"``.
        header: The file's header row.
        operation: The job's operation (``created`` is kept for inserts and upserts only).
        model: The model to rebuild input rows with (see :class:`RowDecoder`).
        sobject: The job's sObject name.

    Raises:
        ValueError: If the header lacks the ``sf__`` columns of its file.
    """

    def __init__(
        self,
        which: str,
        header: Sequence[str],
        operation: str,
        model: type[SObject] | None,
        sobject: str | None,
    ) -> None:
        expected = {"successful": 2, "failed": 2, "unprocessed": 0}[which]
        sf_columns = [name for name in header[:expected] if name.startswith("sf__")]
        if len(sf_columns) != expected:
            raise ValueError(f"the {which} results file has no sf__ columns: {list(header)[:3]}")
        self.which = which
        self.skip = expected
        self.creates = operation in ("insert", "upsert")
        self.decoder = RowDecoder(header[expected:], model, sobject, upload=True)

    def record(self, cells: Sequence[str]) -> SObject:
        """The input record of a row (for unprocessed records, the whole row)."""
        return self.decoder.record(cells[self.skip :])

    def result(self, cells: Sequence[str]) -> SaveResult[SObject]:
        """The outcome of a successful or failed row, tied to its input record."""
        record = self.record(cells)
        record_id = cells[0] or None
        if self.which == "successful":
            created = cells[1].lower() == "true" if self.creates else None
            return SaveResult(record, Outcome.SAVED, id=record_id, created=created)
        errors: Any = parse_sf_error(cells[1])  # attrs' tuple converter confuses mypy
        return SaveResult(record, Outcome.FAILED, id=record_id, errors=errors)
