"""
Per-record outcomes of list and Bulk operations, in Salesforce's own terms.

Salesforce answers a save of many records with one ``SaveResult`` per record (``UpsertResult``
adds ``created``; ``DeleteResult`` has the same shape). sf_toolkit returns them in input order,
one per input record, each tied to the record it belongs to, as a :class:`SaveResults` list:
per-record failures are never raised by default, and never dropped.

Besides Salesforce's own outcomes a result can say that the record was not sent
(``only_changes=True`` and nothing changed) or that its outcome is unknown (the request failed
in transit after Salesforce may have applied it, and it could not be reconciled).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from .exceptions import SalesforceError

__all__ = [
    "Outcome",
    "SaveError",
    "SaveResult",
    "SaveResults",
    "SaveResultsError",
]

R = TypeVar("R")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


class Outcome(str, enum.Enum):
    """What happened to one record."""

    SAVED = "saved"
    """Salesforce applied the operation (``success: true``)."""
    FAILED = "failed"
    """Salesforce refused the record (``success: false``), or it was refused before sending."""
    UNCHANGED = "unchanged"
    """Not sent: ``only_changes=True`` and the record had no change."""
    UNKNOWN = "unknown"
    """The request may or may not have been applied; check the org before retrying."""


@attrs.frozen
class SaveError:
    """
    One error of a failed record, as Salesforce's ``Error`` object.

    Attributes:
        status_code: Salesforce's code, for example ``"REQUIRED_FIELD_MISSING"``.
        message: Salesforce's message.
        fields: The API names of the fields the error is about, possibly empty.
    """

    status_code: str
    message: str
    fields: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SaveError:
        """Read one entry of a ``SaveResult``'s ``errors`` array (tolerating missing keys)."""
        fields = data.get("fields") or ()
        return cls(
            status_code=str(data.get("statusCode") or data.get("errorCode") or "UNKNOWN_ERROR"),
            message=str(data.get("message") or ""),
            fields=[str(f) for f in fields] if isinstance(fields, list) else (),
        )

    def __str__(self) -> str:
        where = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.status_code}: {self.message}{where}"


def _errors(values: Iterable[SaveError]) -> tuple[SaveError, ...]:
    return tuple(values)


@attrs.frozen
class SaveResult(Generic[R]):
    """
    The outcome of one record of a list or Bulk operation.

    Attributes:
        record: The input record (or Id) this result belongs to.
        outcome: What happened; see :class:`Outcome`.
        id: The record's Id when Salesforce returned one (inserts, upserts, updates, deletes).
        errors: Salesforce's errors for a failed record; empty otherwise.
        created: For upserts, whether the record was created (``True``) or updated; ``True``
            for inserts; ``None`` for updates and deletes.
    """

    record: R
    outcome: Outcome
    id: str | None = None
    errors: tuple[SaveError, ...] = attrs.field(default=(), converter=_errors)
    created: bool | None = None

    @property
    def success(self) -> bool:
        """True when the record is as asked: saved, or unchanged and so not sent."""
        return self.outcome in (Outcome.SAVED, Outcome.UNCHANGED)


class SaveResultsError(SalesforceError):
    """
    Some records of a list or Bulk operation failed or have an unknown outcome.

    Raised by :meth:`SaveResults.raise_for_failures`. ``results`` holds every result (in input
    order), ``failures`` the ones that did not succeed.
    """

    def __init__(self, results: SaveResults[Any]) -> None:
        self.results = results
        self.failures = results.failures
        first = self.failures[0]
        detail = "; ".join(str(error) for error in first.errors) or first.outcome.value
        super().__init__(
            f"{len(self.failures)} of {len(results)} records did not succeed; first: {detail}"
        )


class SaveResults(list[SaveResult[R]]):
    """
    One :class:`SaveResult` per input record, in input order.

    A plain list, plus helpers to tell whether everything succeeded and to pick the failures.
    """

    def __init__(self, results: Iterable[SaveResult[R]] = ()) -> None:
        super().__init__(results)

    @property
    def all_succeeded(self) -> bool:
        """True when every record was saved (or unchanged and not sent)."""
        return all(result.success for result in self)

    @property
    def failures(self) -> list[SaveResult[R]]:
        """The results that did not succeed (failed or unknown), in input order."""
        return [result for result in self if not result.success]

    def raise_for_failures(self) -> SaveResults[R]:
        """
        Return ``self`` when every record succeeded.

        Raises:
            SaveResultsError: If any record failed or has an unknown outcome.
        """
        if not self.all_succeeded:
            raise SaveResultsError(self)
        return self
