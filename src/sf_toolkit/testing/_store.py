"""
The fake org's data store: schema, rows, Id minting and every write with Salesforce's validation.

It implements :class:`~._protocols.QueryDatabase` for the SOQL engine and
:class:`~._protocols.BulkBackend` for Bulk API 2.0, so REST, Collections and Bulk writes all go
through the same checks. Callers hold :attr:`Store.lock` around anything that must be atomic; the
store's own methods take it too (it is re-entrant).
"""

from __future__ import annotations

import contextvars
import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..ids import is_valid_id, to_id18
from ._protocols import (
    BulkBackend,
    ChildRelationship,
    DmlError,
    DmlOutcome,
    FieldRef,
    QueryDatabase,
    QueryResult,
)
from ._schema import (
    FieldDef,
    ObjectDef,
    field_from_describe,
    object_from_describe,
    with_components,
)
from ._values import ValueProblem, coerce, format_datetime

__all__ = [
    "DEFAULT_API_VERSION",
    "RecordProblem",
    "Store",
    "api_version_var",
    "lock_row_var",
    "user_id_var",
]

DEFAULT_API_VERSION = "64.0"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: The API version of the request being handled, for record URLs.
api_version_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "sf_toolkit_fake_api_version", default=DEFAULT_API_VERSION
)
#: Asked before each record write of Collections and Bulk: should it fail to lock the row?
lock_row_var: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar(
    "sf_toolkit_fake_lock_row", default=None
)
#: The user making the current request, for CreatedById/OwnerId.
user_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sf_toolkit_fake_user_id", default=None
)


class RecordProblem(Exception):
    """One or more per-record errors that stop a write."""

    def __init__(self, *errors: DmlError) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.status_code}: {e.message}" for e in errors))


def _error(code: str, message: str, *fields: str) -> RecordProblem:
    return RecordProblem(DmlError(code, message, list(fields)))


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits))


@dataclass
class _Undo:
    sobject: str
    record_id: str
    row: dict[str, Any] | None
    blob: bytes | None


class Store:
    """
    Every sObject's schema and rows, kept JSON-ready.

    Args:
        org_id: The 18-character Organization Id, also the seed of minted Ids.
    """

    def __init__(self, org_id: str) -> None:
        self.org_id = org_id
        self.lock = threading.RLock()
        self._objects: dict[str, ObjectDef] = {}
        self._rows: dict[str, dict[str, dict[str, Any]]] = {}
        self._blobs: dict[str, bytes] = {}
        self._counters: dict[str, int] = {}
        self._unique: dict[tuple[str, str], dict[str, set[str]]] = {}
        # parent Id -> children that a cascading lookup may point from; checked again on use.
        self._cascade: dict[str, set[tuple[str, str]]] = {}
        self._journal: list[_Undo] | None = None
        self._content_documents: set[str] = set()
        self._custom_prefix = 0
        self.default_user_id = ""

    # --- schema ---------------------------------------------------------------------------

    def register(self, obj: ObjectDef) -> None:
        """Add an sObject definition (replacing one of the same name, keeping its rows)."""
        with self.lock:
            self._objects[obj.name.lower()] = obj
            self._rows.setdefault(obj.name, {})
            self._reindex(obj)

    def add_object(self, describe: Mapping[str, Any]) -> str:
        """Add an sObject from a describe-style dict and return its name."""
        with self.lock:
            self._custom_prefix += 1
            obj = object_from_describe(describe, "a" + _base62(self._custom_prefix, 2))
            self.register(obj)
            return obj.name

    def add_field(self, sobject: str, describe: Mapping[str, Any]) -> None:
        """
        Add a field to an sObject from a describe-style dict.

        Raises:
            KeyError: If the sObject is unknown.
        """
        with self.lock:
            obj = self.object(sobject)
            if obj is None:
                raise KeyError(f"unknown sObject {sobject!r}; add it with add_object() first")
            definition = field_from_describe(describe)
            for part in with_components(definition):
                obj.add(part)
            if definition.type == "base64":
                obj.blob_field = definition.name
            self._reindex(obj)

    def object(self, name: str) -> ObjectDef | None:
        """An sObject definition by case-insensitive name."""
        return self._objects.get(name.lower())

    def objects(self) -> list[ObjectDef]:
        """Every sObject definition, in registration order."""
        return list(self._objects.values())

    def children(self, sobject: str) -> list[tuple[str, FieldDef, str]]:
        """Every (child sObject, lookup field, relationship name) pointing at ``sobject``."""
        found = []
        for obj in self._objects.values():
            for definition in obj.fields.values():
                if sobject not in definition.reference_to:
                    continue
                name = definition.child_relationship_name
                if name is None and definition.name not in (
                    "OwnerId",
                    "CreatedById",
                    "LastModifiedById",
                ):
                    plural = obj.label_plural.replace(" ", "")
                    name = f"{plural.removesuffix('__c')}__r" if obj.custom else plural
                if name is not None:
                    found.append((obj.name, definition, name))
        return found

    # --- QueryDatabase --------------------------------------------------------------------

    def canonical_object(self, name: str) -> str | None:
        """The canonical sObject name for a case-insensitive name, or None if unknown."""
        obj = self.object(name)
        return obj.name if obj else None

    def field(self, sobject: str, name: str) -> FieldRef | None:
        """A field by case-insensitive API name, or None if the sObject has no such field."""
        obj = self.object(sobject)
        definition = obj.get(name) if obj else None
        return definition.ref() if definition else None

    def fields(self, sobject: str) -> list[FieldRef]:
        """Every field of an sObject, in describe order."""
        obj = self.object(sobject)
        return [definition.ref() for definition in obj.fields.values()] if obj else []

    def child_relationship(self, sobject: str, name: str) -> ChildRelationship | None:
        """A child relationship by case-insensitive name, or None."""
        canonical = self.canonical_object(sobject)
        for child, definition, relationship in self.children(canonical or sobject):
            if relationship.lower() == name.lower():
                return ChildRelationship(child, definition.name, relationship)
        return None

    def rows(self, sobject: str, *, include_deleted: bool) -> Iterable[Mapping[str, Any]]:
        """Every stored row, JSON-ready, keyed by canonical field name, ``Id`` always present."""
        obj = self.object(sobject)
        if obj is None:
            return []
        table = self._rows.get(obj.name, {})
        return [
            self._public_row(obj, row)
            for row in table.values()
            if include_deleted or not row["IsDeleted"]
        ]

    def row(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        """One stored row by 15- or 18-character Id, or None."""
        obj = self.object(sobject)
        if obj is None or not is_valid_id(record_id):
            return None
        stored = self._rows.get(obj.name, {}).get(to_id18(record_id))
        return self._public_row(obj, stored) if stored is not None else None

    def record_url(self, sobject: str, record_id: str) -> str:
        """The record's ``attributes.url`` for the API version of the current request."""
        return f"/services/data/v{api_version_var.get()}/sobjects/{sobject}/{record_id}"

    def _public_row(self, obj: ObjectDef, row: dict[str, Any]) -> dict[str, Any]:
        if obj.blob_field is None:
            return row
        copy = dict(row)
        if row.get(obj.blob_field) is not None:
            copy[obj.blob_field] = self.record_url(obj.name, row["Id"]) + "/" + obj.blob_field
        return copy

    # --- reading helpers ------------------------------------------------------------------

    def find(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """The stored row (deleted or not) for an Id of any length, or None."""
        obj = self.object(sobject)
        if obj is None or not is_valid_id(record_id):
            return None
        return self._rows.get(obj.name, {}).get(to_id18(record_id))

    def sobject_of(self, record_id: str) -> str | None:
        """The sObject whose key prefix starts ``record_id``, if any."""
        for obj in self._objects.values():
            if record_id.startswith(obj.key_prefix):
                return obj.name
        return None

    def blob(self, record_id: str) -> bytes | None:
        """The blob body stored for a record."""
        return self._blobs.get(to_id18(record_id))

    def match_external(self, sobject: str, field: str, value: str) -> list[str]:
        """Ids of live rows whose external id / unique field equals ``value``."""
        obj = self.object(sobject)
        definition = obj.get(field) if obj else None
        if obj is None or definition is None:
            return []
        if definition.name == "Id":
            row = self.find(obj.name, value) if is_valid_id(value) else None
            return [row["Id"]] if row is not None and not row["IsDeleted"] else []
        index = self._unique.get((obj.name, definition.name))
        if index is not None:
            return sorted(index.get(self._key(definition, value), ()))
        coerced = str(value)
        return sorted(
            row["Id"]
            for row in self._rows[obj.name].values()
            if not row["IsDeleted"] and str(row.get(definition.name)) == coerced
        )

    def record_json(
        self, sobject: str, row: Mapping[str, Any], fields: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """A record as REST returns it: ``attributes`` first, then fields in describe order."""
        obj = self.object(sobject)
        assert obj is not None
        public = self._public_row(obj, dict(row))
        out: dict[str, Any] = {
            "attributes": {"type": obj.name, "url": self.record_url(obj.name, row["Id"])}
        }
        names = list(fields) if fields is not None else [d.name for d in obj.fields.values()]
        for name in names:
            definition = obj.get(name)
            assert definition is not None
            out[definition.name] = public.get(definition.name)
        return out

    def count(self, sobject: str) -> int:
        """Live rows of an sObject."""
        obj = self.object(sobject)
        if obj is None:
            return 0
        return sum(not row["IsDeleted"] for row in self._rows[obj.name].values())

    # --- Ids ------------------------------------------------------------------------------

    def mint_id(self, key_prefix: str) -> str:
        """A new, valid 18-character Id with the given key prefix."""
        with self.lock:
            number = self._counters.get(key_prefix, 0) + 1
            self._counters[key_prefix] = number
            return to_id18(key_prefix + self.org_id[3:5] + "0" + _base62(number, 9))

    # --- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[list[_Undo]]:
        """Record every change made inside the block so :meth:`rollback` can undo them."""
        with self.lock:
            outer = self._journal
            self._journal = []
            try:
                yield self._journal
            finally:
                self._journal = outer

    def rollback(self, journal: list[_Undo]) -> None:
        """Undo the changes recorded in ``journal``, newest first."""
        with self.lock:
            for undo in reversed(journal):
                obj = self.object(undo.sobject)
                assert obj is not None
                table = self._rows[obj.name]
                current = table.pop(undo.record_id, None)
                if current is not None:
                    self._index(obj, current, add=False)
                self._blobs.pop(undo.record_id, None)
                if undo.row is not None:
                    table[undo.record_id] = undo.row
                    self._index(obj, undo.row, add=True)
                if undo.blob is not None:
                    self._blobs[undo.record_id] = undo.blob
            journal.clear()

    def _remember(self, sobject: str, record_id: str) -> None:
        if self._journal is None:
            return
        old = self._rows[sobject].get(record_id)
        self._journal.append(
            _Undo(sobject, record_id, dict(old) if old else None, self._blobs.get(record_id))
        )

    # --- unique / external id index -------------------------------------------------------

    @staticmethod
    def _key(definition: FieldDef, value: Any) -> str:
        text = str(value)
        return text if definition.case_sensitive else text.lower()

    def _indexed(self, obj: ObjectDef) -> list[FieldDef]:
        return [d for d in obj.fields.values() if d.unique or d.external_id]

    def _reindex(self, obj: ObjectDef) -> None:
        for definition in self._indexed(obj):
            self._unique[(obj.name, definition.name)] = {}
        for row in self._rows.get(obj.name, {}).values():
            self._index(obj, row, add=True)

    def _index(self, obj: ObjectDef, row: Mapping[str, Any], *, add: bool) -> None:
        if row["IsDeleted"]:
            return
        if add:
            for definition in obj.fields.values():
                parent = row.get(definition.name) if definition.cascade_delete else None
                if parent is not None:
                    self._cascade.setdefault(parent, set()).add((obj.name, row["Id"]))
        for definition in self._indexed(obj):
            value = row.get(definition.name)
            if value is None:
                continue
            index = self._unique.setdefault((obj.name, definition.name), {})
            key = self._key(definition, value)
            if add:
                index.setdefault(key, set()).add(row["Id"])
            else:
                ids = index.get(key, set())
                ids.discard(row["Id"])
                if not ids:
                    index.pop(key, None)

    # --- writes ---------------------------------------------------------------------------

    @staticmethod
    def _lock_failure(record_id: str | None) -> DmlOutcome | None:
        check = lock_row_var.get()
        if check is None or not check():
            return None
        message = "unable to obtain exclusive access to this record or 1 records: "
        return DmlOutcome(
            record_id or None,
            False,
            errors=[DmlError("UNABLE_TO_LOCK_ROW", message + (record_id or ""))],
        )

    def insert(self, sobject: str, values: Mapping[str, Any]) -> DmlOutcome:
        """Create a record; the outcome carries the new Id or Salesforce's errors."""
        if (locked := self._lock_failure(None)) is not None:
            return locked
        try:
            return DmlOutcome(self.create(sobject, values), True, created=True)
        except RecordProblem as problem:
            return DmlOutcome(None, False, errors=problem.errors)

    def update(self, sobject: str, record_id: str, values: Mapping[str, Any]) -> DmlOutcome:
        """Update a record by Id."""
        if (locked := self._lock_failure(record_id)) is not None:
            return locked
        try:
            return DmlOutcome(self.modify(sobject, record_id, values), True)
        except RecordProblem as problem:
            return DmlOutcome(record_id or None, False, errors=problem.errors)

    def upsert(self, sobject: str, external_id_field: str, values: Mapping[str, Any]) -> DmlOutcome:
        """Insert or update by the external id value found in ``values``."""
        if (locked := self._lock_failure(None)) is not None:
            return locked
        value = next((v for k, v in values.items() if k.lower() == external_id_field.lower()), None)
        try:
            if value is None or value == "":
                if external_id_field.lower() == "id":
                    return self.insert(
                        sobject, {k: v for k, v in values.items() if k.lower() != "id"}
                    )
                raise _error(
                    "MISSING_ARGUMENT",
                    f"{external_id_field} not specified",
                    external_id_field,
                )
            record_id, created = self.put(sobject, external_id_field, str(value), values)
            return DmlOutcome(record_id, True, created=created)
        except RecordProblem as problem:
            return DmlOutcome(None, False, errors=problem.errors)

    def delete(self, sobject: str, record_id: str, *, hard: bool = False) -> DmlOutcome:
        """Delete (soft, or hard for Bulk ``hardDelete``) a record by Id."""
        if (locked := self._lock_failure(record_id)) is not None:
            return locked
        try:
            return DmlOutcome(self.remove(sobject, record_id, hard=hard), True)
        except RecordProblem as problem:
            return DmlOutcome(record_id or None, False, errors=problem.errors)

    def query(self, soql: str, *, include_deleted: bool) -> QueryResult:
        """Run a query through the SOQL engine; raises ``SoqlError`` for a refused query."""
        # Imported late: the engine is optional for everything but queries.
        soql_module = importlib.import_module(f"{__package__}._soql")
        with self.lock:
            query = soql_module.parse(soql)
            result: QueryResult = soql_module.execute(query, self, include_deleted=include_deleted)
            return result

    def create(self, sobject: str, values: Mapping[str, Any]) -> str:
        """
        Insert a record and return its Id.

        Raises:
            RecordProblem: With Salesforce's per-record errors.
        """
        with self.lock:
            obj = self._require_object(sobject)
            changes, blob = self._prepare(obj, values, creating=True)
            record_id = self.mint_id(obj.key_prefix)
            user = user_id_var.get() or self.default_user_id
            now = format_datetime(datetime.now(timezone.utc))
            row: dict[str, Any] = {}
            for definition in obj.fields.values():
                if definition.type == "boolean":
                    row[definition.name] = bool(definition.default_value)
                else:
                    row[definition.name] = None
            row.update(changes)
            row.update(Id=record_id, IsDeleted=False)
            for name, value in (
                ("CreatedDate", now),
                ("LastModifiedDate", now),
                ("SystemModstamp", now),
                ("CreatedById", user),
                ("LastModifiedById", user),
            ):
                if name in row:
                    row[name] = value
            if "OwnerId" in row and row["OwnerId"] is None:
                row["OwnerId"] = user
            self._derive(obj, row, blob)
            self._check_required(obj, row, blob)
            self._check_unique(obj, row)
            self._remember(obj.name, record_id)
            self._rows[obj.name][record_id] = row
            if blob is not None:
                self._blobs[record_id] = blob
            self._index(obj, row, add=True)
            return record_id

    def modify(self, sobject: str, record_id: str, values: Mapping[str, Any]) -> str:
        """
        Update a record and return its 18-character Id.

        Raises:
            RecordProblem: With Salesforce's per-record errors.
        """
        with self.lock:
            obj = self._require_object(sobject)
            current = self._require_row(obj, record_id)
            given_id = next((v for k, v in values.items() if k.lower() == "id"), None)
            if given_id is not None and (
                not is_valid_id(given_id) or to_id18(str(given_id)) != current["Id"]
            ):
                raise _error(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", "Id in the body does not match", "Id"
                )
            rest = {k: v for k, v in values.items() if k.lower() != "id"}
            changes, blob = self._prepare(obj, rest, creating=False)
            row = dict(current)
            row.update(changes)
            now = format_datetime(datetime.now(timezone.utc))
            row.update(
                LastModifiedDate=now,
                SystemModstamp=now,
                LastModifiedById=user_id_var.get() or self.default_user_id,
            )
            self._derive(obj, row, blob)
            self._check_required(obj, row, blob, existing=current["Id"])
            self._check_unique(obj, row)
            self._remember(obj.name, current["Id"])
            self._index(obj, current, add=False)
            self._rows[obj.name][current["Id"]] = row
            if blob is not None:
                self._blobs[current["Id"]] = blob
            self._index(obj, row, add=True)
            return str(current["Id"])

    def put(
        self, sobject: str, field: str, value: str, values: Mapping[str, Any]
    ) -> tuple[str, bool]:
        """
        Upsert by an external id field; return (Id, created).

        Raises:
            RecordProblem: With Salesforce's per-record errors (``DUPLICATE_EXTERNAL_ID`` on
                several matches).
        """
        with self.lock:
            obj = self._require_object(sobject)
            definition = obj.get(field)
            if definition is None or not (
                definition.external_id or definition.name == "Id" or definition.id_lookup
            ):
                raise _error(
                    "INVALID_FIELD",
                    f"Field {field} is not an external id field of {obj.name}",
                    field,
                )
            matches = self.match_external(obj.name, definition.name, value)
            if len(matches) > 1:
                raise _error(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{definition.label}: more than one record found for external id field: "
                    f"{matches}",
                    definition.name,
                )
            rest = {k: v for k, v in values.items() if k.lower() != definition.name.lower()}
            if matches:
                return self.modify(obj.name, matches[0], rest), False
            if definition.name == "Id":
                raise _error("NOT_FOUND", f"Provided external ID field does not exist: {value}")
            return self.create(obj.name, {**rest, definition.name: value}), True

    def remove(self, sobject: str, record_id: str, *, hard: bool = False) -> str:
        """
        Delete a record and return its Id.

        Raises:
            RecordProblem: ``ENTITY_IS_DELETED`` or ``INVALID_CROSS_REFERENCE_KEY``.
        """
        with self.lock:
            obj = self._require_object(sobject)
            if not is_valid_id(record_id):
                raise _error("MALFORMED_ID", f"malformed id {record_id}")
            stored = self._rows[obj.name].get(to_id18(record_id))
            if stored is None:
                raise _error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            if stored["IsDeleted"] and not hard:
                raise _error("ENTITY_IS_DELETED", "entity is deleted")
            self._remember(obj.name, stored["Id"])
            self._index(obj, stored, add=False)
            self._delete_children(stored["Id"], hard=hard)
            if hard:
                del self._rows[obj.name][stored["Id"]]
                self._blobs.pop(stored["Id"], None)
            else:
                now = format_datetime(datetime.now(timezone.utc))
                self._rows[obj.name][stored["Id"]] = {
                    **stored,
                    "IsDeleted": True,
                    "SystemModstamp": now,
                }
            return str(stored["Id"])

    def _delete_children(self, parent_id: str, *, hard: bool) -> None:
        """Delete the records whose cascading lookup points at a deleted parent."""
        for sobject, child_id in sorted(self._cascade.pop(parent_id, ())):
            obj = self.object(sobject)
            row = self._rows[sobject].get(child_id) if obj else None
            if obj is None or row is None or row["IsDeleted"]:
                continue
            if any(d.cascade_delete and row.get(d.name) == parent_id for d in obj.fields.values()):
                self.remove(sobject, child_id, hard=hard)

    # --- validation -----------------------------------------------------------------------

    def _require_object(self, sobject: str) -> ObjectDef:
        obj = self.object(sobject)
        if obj is None:
            raise _error("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        return obj

    def _require_row(self, obj: ObjectDef, record_id: str) -> dict[str, Any]:
        if not is_valid_id(record_id):
            raise _error("MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {record_id}")
        stored = self._rows[obj.name].get(to_id18(record_id))
        if stored is None:
            raise _error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if stored["IsDeleted"]:
            raise _error("ENTITY_IS_DELETED", "entity is deleted")
        return stored

    def _prepare(
        self, obj: ObjectDef, values: Mapping[str, Any], *, creating: bool
    ) -> tuple[dict[str, Any], bytes | None]:
        changes: dict[str, Any] = {}
        blob: bytes | None = None
        locked: list[str] = []
        for key, value in values.items():
            if key == "attributes":
                continue
            resolved = self._resolve_relationship(obj, key, value)
            if resolved is not None:
                definition, value = resolved
            else:
                found = obj.get(key)
                if found is None:
                    raise _error(
                        "INVALID_FIELD",
                        f"No such column '{key}' on sobject of type {obj.name}",
                        key,
                    )
                definition = found
            if definition.name == "Id" and creating:
                raise _error(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", "Id"
                )
            if not (definition.createable if creating else definition.updateable):
                locked.append(definition.name)
                continue
            try:
                coerced = coerce(definition, value)
            except ValueProblem as problem:
                raise _error(problem.status_code, problem.message, definition.name) from None
            if definition.type == "base64":
                blob = coerced
                changes[definition.name] = True if coerced is not None else None
                continue
            if definition.type == "reference" and coerced is not None:
                coerced = self._check_reference(definition, coerced)
            changes[definition.name] = coerced
        if locked:
            raise RecordProblem(
                DmlError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(locked)}. Please check the "
                    "security settings of this field and verify that it is read/write for your "
                    "profile or permission set.",
                    locked,
                )
            )
        return changes, blob

    def _resolve_relationship(
        self, obj: ObjectDef, key: str, value: Any
    ) -> tuple[FieldDef, str] | None:
        """Resolve ``"Account.Ext__c": "X"`` or ``"Account": {"Ext__c": "X"}`` to an Id."""
        if "." in key:
            relationship, _, ext_field = key.partition(".")
            lookup: Any = {ext_field: value}
        elif isinstance(value, Mapping):
            relationship, lookup = key, value
        else:
            return None
        definition = next(
            (
                d
                for d in obj.fields.values()
                if d.relationship_name and d.relationship_name.lower() == relationship.lower()
            ),
            None,
        )
        if definition is None:
            raise _error(
                "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}", key
            )
        target = definition.reference_to[0]
        pairs = [(k, v) for k, v in lookup.items() if k != "attributes"]
        if isinstance(lookup.get("attributes"), Mapping):
            target = lookup["attributes"].get("type", target)
        if len(pairs) != 1:
            raise _error(
                "INVALID_FIELD",
                f"Foreign key external ID for {relationship} must name exactly one field",
                definition.name,
            )
        ext_field, ext_value = pairs[0]
        if ext_value in (None, ""):
            return definition, ""
        target_obj = self.object(target)
        ext_def = target_obj.get(ext_field) if target_obj else None
        if target_obj is None or ext_def is None or not (ext_def.external_id or ext_def.id_lookup):
            raise _error(
                "INVALID_FIELD",
                f"Field name provided, {ext_field} is not an External ID or indexed field for "
                f"{target}",
                definition.name,
            )
        matches = self.match_external(target_obj.name, ext_def.name, str(ext_value))
        if not matches:
            raise _error(
                "INVALID_FIELD",
                f"Foreign key external ID: {ext_value} not found for field {ext_def.name} in "
                f"entity {target_obj.name}",
                definition.name,
            )
        if len(matches) > 1:
            raise _error(
                "DUPLICATE_EXTERNAL_ID",
                f"Foreign key external ID: {ext_value} matches more than one record in entity "
                f"{target_obj.name}",
                definition.name,
            )
        return definition, matches[0]

    def _check_reference(self, definition: FieldDef, value: str) -> str:
        if not is_valid_id(value):
            raise _error(
                "MALFORMED_ID",
                f"{definition.label}: id value of incorrect type: {value}",
                definition.name,
            )
        record_id = to_id18(value)
        if "ContentDocument" in definition.reference_to and record_id in self._content_documents:
            return record_id
        for target in definition.reference_to:
            row = self.find(target, record_id)
            if row is not None and not row["IsDeleted"]:
                return record_id
        raise _error(
            "INVALID_CROSS_REFERENCE_KEY",
            f"{definition.label}: id value of incorrect type: {value}",
            definition.name,
        )

    def _derive(self, obj: ObjectDef, row: dict[str, Any], blob: bytes | None) -> None:
        """Keep computed fields (Name, addresses, sizes) in step with the row."""
        name_field = obj.get("Name")
        if "LastName" in row and name_field is not None and not name_field.createable:
            names = [row.get("FirstName"), row.get("LastName")]
            row["Name"] = " ".join(p for p in names if p) or None
        for definition in obj.fields.values():
            if definition.type == "location":
                stem = definition.name.removesuffix("__c")
                latitude = row.get(f"{stem}__Latitude__s")
                longitude = row.get(f"{stem}__Longitude__s")
                located = latitude is not None or longitude is not None
                row[definition.name] = (
                    {"latitude": latitude, "longitude": longitude} if located else None
                )
            if definition.type == "address":
                prefix = definition.name.removesuffix("Address")
                address = {
                    "street": row.get(f"{prefix}Street"),
                    "city": row.get(f"{prefix}City"),
                    "state": row.get(f"{prefix}State"),
                    "postalCode": row.get(f"{prefix}PostalCode"),
                    "country": row.get(f"{prefix}Country"),
                }
                if any(v is not None for v in address.values()):
                    row[definition.name] = {
                        "city": address["city"],
                        "country": address["country"],
                        "countryCode": None,
                        "geocodeAccuracy": None,
                        "latitude": None,
                        "longitude": None,
                        "postalCode": address["postalCode"],
                        "state": address["state"],
                        "stateCode": None,
                        "street": address["street"],
                    }
                else:
                    row[definition.name] = None
        if blob is not None:
            if "BodyLength" in row:
                row["BodyLength"] = len(blob)
            if "ContentSize" in row:
                row["ContentSize"] = len(blob)
        if obj.name == "ContentVersion":
            path = row.get("PathOnClient") or ""
            if row.get("Title") is None and path:
                row["Title"] = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if "." in path:
                row["FileExtension"] = path.rsplit(".", 1)[-1].lower()
            if row.get("ContentDocumentId") is None:
                document = self.mint_id("069")
                self._content_documents.add(document)
                row["ContentDocumentId"] = document
        if obj.name == "Opportunity":
            stage = row.get("StageName") or ""
            row["IsClosed"] = stage.startswith("Closed")
            row["IsWon"] = stage == "Closed Won"

    def _check_required(
        self, obj: ObjectDef, row: Mapping[str, Any], blob: bytes | None, existing: str = ""
    ) -> None:
        missing = []
        for definition in obj.fields.values():
            if not definition.required:
                continue
            if definition.type == "base64":
                has = blob is not None or (existing and existing in self._blobs)
                if not has:
                    missing.append(definition.name)
            elif row.get(definition.name) in (None, ""):
                missing.append(definition.name)
        if missing:
            raise RecordProblem(
                DmlError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
            )

    def _check_unique(self, obj: ObjectDef, row: Mapping[str, Any]) -> None:
        for definition in self._indexed(obj):
            value = row.get(definition.name)
            if not definition.unique or value is None:
                continue
            index = self._unique.get((obj.name, definition.name), {})
            others = index.get(self._key(definition, value), set()) - {row["Id"]}
            if others:
                raise _error(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {definition.name} duplicates value on record with "
                    f"id: {min(others)}",
                    definition.name,
                )


def _conforms(store: Store) -> tuple[QueryDatabase, BulkBackend]:
    """Let mypy prove the store implements both seams (never called)."""
    return store, store
