"""
The seams between the parts of the fake org.

The store (``_org``/``_store``), the SOQL engine (``_soql``) and Bulk API 2.0 (``_bulk``) are
written separately and meet only here. Values crossing these seams are *JSON-ready*: exactly what
a REST record body holds (datetimes as ``"2024-01-31T12:34:56.000+0000"``, dates as
``"2024-01-31"``, numbers, booleans, ``None``, multipicklists as ``"a;b"``, blob fields as the
relative URL of their body).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol


class FieldRef(NamedTuple):
    """One field of an sObject, as the engine and the bulk code need to know it."""

    name: str
    """Canonical API name, e.g. ``"AccountId"``."""
    type: str
    """Salesforce describe type: ``id, string, boolean, int, double, currency, date, ...``."""
    reference_to: tuple[str, ...] = ()
    """For ``reference`` fields, the sObjects it may point to."""
    relationship_name: str | None = None
    """For ``reference`` fields, the parent relationship name, e.g. ``"Account"``."""
    external_id: bool = False
    createable: bool = True
    updateable: bool = True


class ChildRelationship(NamedTuple):
    """A child relationship of an sObject, as a subquery names it."""

    sobject: str
    """The child sObject, e.g. ``"Contact"``."""
    field: str
    """The lookup field on the child pointing at the parent, e.g. ``"AccountId"``."""
    name: str
    """The canonical relationship name, e.g. ``"Contacts"`` (results use this spelling)."""


class SoqlError(Exception):
    """A query Salesforce would refuse, with its error code (``MALFORMED_QUERY``, ...)."""

    def __init__(self, error_code: str, message: str) -> None:
        self.error_code = error_code
        self.message = message
        super().__init__(f"{error_code}: {message}")


@dataclass
class QueryResult:
    """Every row of one query, JSON-ready, before pagination."""

    sobject: str
    total_size: int
    records: list[dict[str, Any]]
    columns: list[str] = field(default_factory=list)
    """Selected field paths in SELECT order (``"Account.Name"``), used for Bulk query CSVs."""
    is_count: bool = False


@dataclass
class DmlError:
    status_code: str
    """Salesforce's per-record code, e.g. ``"REQUIRED_FIELD_MISSING"``."""
    message: str
    fields: list[str] = field(default_factory=list)


@dataclass
class DmlOutcome:
    """The result of writing one record, as collections and bulk results report it."""

    id: str | None
    success: bool
    created: bool = False
    errors: list[DmlError] = field(default_factory=list)


class QueryDatabase(Protocol):
    """What the SOQL engine needs from the store."""

    def canonical_object(self, name: str) -> str | None:
        """The canonical sObject name for a case-insensitive name, or None if unknown."""

    def field(self, sobject: str, name: str) -> FieldRef | None:
        """A field by case-insensitive API name, or None if the sObject has no such field."""

    def fields(self, sobject: str) -> list[FieldRef]:
        """Every field of an sObject, in describe order."""

    def child_relationship(self, sobject: str, name: str) -> ChildRelationship | None:
        """A child relationship by case-insensitive name, or None."""

    def rows(self, sobject: str, *, include_deleted: bool) -> Iterable[Mapping[str, Any]]:
        """Every stored row, JSON-ready, keyed by canonical field name, ``Id`` always present."""

    def row(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        """One stored row by 18-character Id, or None."""

    def record_url(self, sobject: str, record_id: str) -> str:
        """The record's ``attributes.url``: ``/services/data/v59.0/sobjects/Account/001...``."""


class BulkBackend(Protocol):
    """What Bulk API 2.0 needs from the store; every write goes through the same validation."""

    def canonical_object(self, name: str) -> str | None: ...

    def field(self, sobject: str, name: str) -> FieldRef | None: ...

    def insert(self, sobject: str, values: Mapping[str, Any]) -> DmlOutcome: ...

    def update(self, sobject: str, record_id: str, values: Mapping[str, Any]) -> DmlOutcome: ...

    def upsert(
        self, sobject: str, external_id_field: str, values: Mapping[str, Any]
    ) -> DmlOutcome: ...

    def delete(self, sobject: str, record_id: str, *, hard: bool = False) -> DmlOutcome: ...

    def query(self, soql: str, *, include_deleted: bool) -> QueryResult:
        """Run a query; raises :class:`SoqlError` for one Salesforce would refuse."""
