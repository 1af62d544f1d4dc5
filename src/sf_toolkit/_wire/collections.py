"""
sObject Collections, sans I/O: how to cut many records into requests, and what the answers mean.

Salesforce's resources (REST API Developer Guide, "sObject Collections"):

* retrieve: ``POST /composite/sobjects/{T}`` with ``{"ids": [...], "fields": [...]}``, up to
  2,000 ids; the answer is one record object, or ``null``, per id, in order;
* create / update: ``POST`` / ``PATCH /composite/sobjects`` with ``{"allOrNone": ..., "records":
  [...]}``, up to 200 records of up to 10 sObject types each (update records carry their ``id``);
* upsert: ``PATCH /composite/sobjects/{T}/{externalIdField}``, up to 200 records of one type;
* delete: ``DELETE /composite/sobjects?ids=...&allOrNone=...``, up to 200 ids.

A well-formed write always gets 200 and one ``SaveResult`` per record, in order. The
:class:`BatchRun` state machine turns those into :class:`~sf_toolkit.results.SaveResult`\\ s,
asks for per-record retries of ``UNABLE_TO_LOCK_ROW``, and, for an insert whose request may
have been applied without an answer, for a reconciling query instead of a resend.
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import attrs
import httpx

from .._rest import RestCall, _segment, external_id_api_name
from ..exceptions import InvalidIdError, SalesforceApiError, SalesforceError
from ..ids import is_valid_id, to_id18, validate_id
from ..models import (
    SObject,
    api_name_of,
    field_api_names,
    from_payload,
    mark_clean,
    to_payload,
)
from ..results import Outcome, SaveError, SaveResult, SaveResults
from ..soql import quote
from .errors import error_from_response, unexpected_answer
from .secrets import response_mask
from .urls import sobject_name as sobject_name_of_text

__all__ = [
    "DEFAULT_CONCURRENCY",
    "RETRIEVE_LIMIT",
    "WRITE_LIMIT",
    "Batch",
    "BatchRun",
    "CallClock",
    "Operation",
    "Part",
    "Reconcile",
    "Reconciler",
    "RetrievePlan",
    "WritePlan",
    "check_batch_size",
    "collect",
    "check_concurrency",
    "claimed_ids",
]

T = TypeVar("T", bound=SObject)

WRITE_LIMIT = 200
"""Records per create, update, upsert or delete request (sObject Collections)."""
RETRIEVE_LIMIT = 2000
"""Ids per retrieve request (sObject Collections, POST form)."""
TYPE_RUN_LIMIT = 10
"""Runs of one sObject type per create or update request ("up to 10 types")."""
DEFAULT_CONCURRENCY = 5
"""Requests in flight per list call unless told otherwise: fast, and far below the org's limit
of 25 concurrent long-running requests, so several callers can share an org."""

RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
"""Per-record errors that mean "not applied, try again later"."""
ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
UNKNOWN_OUTCOME = "UNKNOWN_OUTCOME"
"""The status code of results whose request may or may not have been applied."""
INVALID_INPUT = "INVALID_INPUT"
"""The status code of records refused before sending (read from an iterator, see WritePlan)."""
RECONCILE_WINDOW = timedelta(minutes=10)
"""How far before the call's start, by this machine's clock, a reconciling query looks. It only
narrows the query (allowing for clock skew): rows are matched by Salesforce's clock (Reconciler)."""
_RECONCILE_FILTER_CHARS = 20_000


def check_batch_size(batch_size: object) -> int:
    """
    Return a valid ``batch_size`` (records per write request).

    Raises:
        TypeError: If it is not an integer.
        ValueError: If it is outside 1..200, Salesforce's limit for sObject Collections.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(f"batch_size must be an integer from 1 to 200, got {batch_size!r}")
    if not 1 <= batch_size <= WRITE_LIMIT:
        raise ValueError(
            f"batch_size must be from 1 to {WRITE_LIMIT} (sObject Collections' limit per "
            f"request), got {batch_size}"
        )
    return batch_size


def check_concurrency(concurrency: object) -> int:
    """
    Return a valid ``concurrency`` (requests in flight at once).

    Raises:
        TypeError: If it is not an integer.
        ValueError: If it is less than 1.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(f"concurrency must be an integer of at least 1, got {concurrency!r}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    return concurrency


# -- retrieve --------------------------------------------------------------------------------


@attrs.frozen
class RetrievePlan(Generic[T]):
    """
    How ``fetch_list`` fetches: the distinct Ids in chunks of 2,000, and each input's place.

    Attributes:
        sobject_class: The model to build; its fields are the ``fields`` asked for.
        positions: The 18-character Id of each input, in input order (duplicates kept).
        chunks: The distinct Ids, first-seen order, at most :data:`RETRIEVE_LIMIT` each.
    """

    sobject_class: type[T]
    positions: tuple[str, ...]
    chunks: tuple[tuple[str, ...], ...]

    @classmethod
    def build(cls, sobject_class: type[T], ids: Sequence[object]) -> RetrievePlan[T]:
        """
        Validate the arguments of ``fetch_list`` and plan its requests.

        Raises:
            TypeError: If ``sobject_class`` is not a model class, or an id is not a string
                (a list passed without ``*``, say).
            InvalidIdError: If an id is malformed.
        """
        if not (isinstance(sobject_class, type) and issubclass(sobject_class, SObject)):
            raise TypeError(
                "the first argument must be a model class such as Account, got "
                f"{type(sobject_class).__name__} {sobject_class!r}"
            )
        positions = []
        for number, value in enumerate(ids):
            if not isinstance(value, str):
                hint = " (pass a list as *ids)" if isinstance(value, (list, tuple, set)) else ""
                raise TypeError(f"ids must be strings, got {type(value).__name__}{hint}")
            positions.append(validate_id(value, argument=f"ids[{number}]"))
        distinct = list(dict.fromkeys(positions))
        chunks = tuple(
            tuple(distinct[start : start + RETRIEVE_LIMIT])
            for start in range(0, len(distinct), RETRIEVE_LIMIT)
        )
        return cls(sobject_class, tuple(positions), chunks)

    def call(self, chunk: Sequence[str]) -> RestCall:
        """The retrieve request of one chunk: a POST that only reads, so safe to repeat."""
        return RestCall(
            "POST",
            f"composite/sobjects/{_segment(_sobject_name_of(self.sobject_class))}",
            json={"ids": list(chunk), "fields": field_api_names(self.sobject_class)},
            idempotent=True,
        )

    def parse(
        self, chunk: Sequence[str], data: Any, response: httpx.Response | None = None
    ) -> dict[str, Any]:
        """
        Map each Id of a chunk to its record JSON, or None where Salesforce answered ``null``.

        Each record must carry the Id it was asked for (compared as 18-character Ids, case
        included): entries are never attributed by position alone.

        Args:
            chunk: The Ids asked for, in order.
            data: The parsed answer.
            response: The answer, named in the error (method and URL) when given.

        Raises:
            SalesforceError: If the answer is not one entry per Id, an entry is neither a
                record nor null, or a record's ``Id`` is not the Id asked for at its place
                (an ``UnexpectedResponseError`` when ``response`` is given).
        """

        def refuse(problem: str) -> SalesforceError:
            if response is not None:
                return unexpected_answer(response, problem)
            return SalesforceError(problem)

        if not isinstance(data, list) or len(data) != len(chunk):
            raise refuse(
                f"sObject Collections retrieve answered {len(chunk)} ids with "
                f"{len(data) if isinstance(data, list) else type(data).__name__} entries"
            )
        for asked, entry in zip(chunk, data, strict=True):
            if entry is None:
                continue
            if not isinstance(entry, Mapping):
                raise refuse(
                    "sObject Collections retrieve answered an entry that is neither a record "
                    f"nor null: {entry!r:.100}"
                )
            got = entry.get("Id")
            if not is_valid_id(got) or to_id18(str(got)) != asked:
                raise refuse(
                    f"sObject Collections retrieve answered Id {got!r:.40} where {asked} was "
                    "asked for; records are never matched to Ids by position alone"
                )
        return dict(zip(chunk, data, strict=True))

    def assemble(self, parts: Iterable[Mapping[str, Any]]) -> list[T | None]:
        """Build one record per input Id, in input order; None where there was no record."""
        rows: dict[str, Any] = {}
        for part in parts:
            rows.update(part)
        try:
            return [
                None
                if rows.get(record_id) is None
                else from_payload(rows[record_id], self.sobject_class)
                for record_id in self.positions
            ]
        except (TypeError, ValueError) as exc:
            raise SalesforceError(
                f"sObject Collections retrieve answered a record that does not fit "
                f"{self.sobject_class.__name__}: {exc}"
            ) from exc


# -- writes ----------------------------------------------------------------------------------


class Operation(str, enum.Enum):
    """The sObject Collections write operations."""

    INSERT = "insert"
    UPDATE = "update"
    UPSERT = "upsert"
    DELETE = "delete"


@attrs.define
class Item:
    """One record ready to send: its input position, the record, and its JSON entry."""

    index: int
    record: Any
    sobject: str
    entry: dict[str, Any]
    """The record's entry of ``records`` (for delete: ``{"id": ...}``)."""
    external_id: str | None = None
    """For upserts, the API name of the external id field the record is matched on."""


@attrs.define
class Batch:
    """The records of one request, plus the results of records that need no request."""

    items: list[Item]
    settled: list[SaveResult[Any]] = attrs.field(factory=list)
    """Results known without sending (unchanged, or refused input), with their positions."""
    positions: list[int] = attrs.field(factory=list)
    """The input positions of ``settled``."""


@attrs.frozen
class WritePlan:
    """
    How a list write is cut into requests, and what each record's entry is.

    Attributes:
        operation: insert, update, upsert or delete.
        batch_size: Records per request, 1..200.
        all_or_none: Send ``allOrNone: true`` (one failure rolls back its request).
        only_changes: For updates: send only changed fields; records without changes are
            not sent and get :attr:`Outcome.UNCHANGED`.
        external_id_field: For upserts: the external id field's API name.
    """

    operation: Operation
    batch_size: int = attrs.field(default=WRITE_LIMIT)
    all_or_none: bool = False
    only_changes: bool = False
    external_id_field: str | None = None
    live: dict[int, Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    """Records read from an iterator whose outcome is not known yet, by identity: the same
    object read again meanwhile is refused (it could be written twice)."""

    def __attrs_post_init__(self) -> None:
        check_batch_size(self.batch_size)
        for name in ("all_or_none", "only_changes"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.operation is Operation.UPSERT:
            field = self.external_id_field
            if not isinstance(field, str):
                raise TypeError(
                    f"external_id_field must be a field API name (a string), got {field!r}"
                )
            if not field.replace("_", "").isalnum():
                raise ValueError(f"external_id_field must be a field API name, got {field!r}")

    _TYPED_RUNS = frozenset({Operation.INSERT, Operation.UPDATE})

    @property
    def _name(self) -> str:
        return {
            Operation.INSERT: "save_insert_list",
            Operation.UPDATE: "save_update_list",
            Operation.UPSERT: "save_upsert_list",
            Operation.DELETE: "delete_list",
        }[self.operation]

    @property
    def _argument(self) -> str:
        return "records_or_ids" if self.operation is Operation.DELETE else "records"

    # -- preparing records ---------------------------------------------------------------

    def prepare(
        self, index: int, record: Any, sobject: str | None = None, external_id: str | None = None
    ) -> Item | SaveResult[Any]:
        """
        The entry that writes one record, or its result when it needs no request.

        Args:
            index: The record's input position (named in error messages).
            record: The record (or, for delete, an Id string).
            sobject: For upserts, the sObject type of the call (the first record's).
            external_id: For upserts, the external id field's API name for the call (the
                first record's model resolves ``external_id_field`` to it).

        Raises:
            TypeError: If the record is not a record (or, for delete, an Id string).
            ValueError: If it lacks what the operation needs: no ``Id`` for update and
                delete, an ``Id`` for insert, no external id value for upsert (or an
                external id field its model does not declare, or another sObject type).
            InvalidIdError: If its Id is malformed.
        """
        operation = self.operation
        where = f"{self._argument}[{index}]"
        if operation is Operation.DELETE and isinstance(record, str):
            return Item(index, record, "", {"id": validate_id(record, argument=where)})
        if not isinstance(record, SObject):
            expected = "records or Id strings" if operation is Operation.DELETE else "records"
            raise TypeError(
                f"{self._name}() expects {expected}; {where} is {type(record).__name__}"
            )
        record_type = type(record).__name__
        try:
            # The name goes into the body's attributes.type (and an upsert's path): checked
            # as save() checks it.
            sobject_name = _sobject_name_of(record)
        except ValueError as exc:
            raise ValueError(f"{self._name}: at {where}, {exc}") from None
        if operation in (Operation.UPDATE, Operation.DELETE):
            if record.Id is None:
                hint = (
                    "a record never inserted has nothing to delete"
                    if operation is Operation.DELETE
                    else "insert it first, or use save_upsert_list with an external id"
                )
                raise ValueError(
                    f"{self._name} needs records with an Id; {where} ({record_type}) has none "
                    f"({hint})"
                )
            record_id = validate_id(record.Id, argument=f"{where}.Id")
            if operation is Operation.DELETE:
                return Item(index, record, sobject_name, {"id": record_id})
        entry: dict[str, Any] = {"attributes": {"type": sobject_name}}
        if operation is Operation.INSERT:
            if record.Id is not None:
                raise ValueError(
                    f"{self._name} needs records without an Id; {where} ({record_type}) "
                    f"already has Id {record.Id!r} (use save_update_list)"
                )
            entry.update(to_payload(record))
        elif operation is Operation.UPDATE:
            payload = to_payload(record, only_changes=self.only_changes)
            if self.only_changes and not payload:
                return SaveResult(record, Outcome.UNCHANGED, id=record_id)
            entry["id"] = record_id
            entry.update(payload)
        else:
            if sobject is not None and sobject_name != sobject:
                raise ValueError(
                    f"{self._name} upserts one sObject type per call (Salesforce's upsert "
                    f"takes one type per request); got {sobject} and, at {where}, {sobject_name}"
                )
            try:
                field = external_id_api_name(record, self.external_id_field)
            except ValueError as exc:
                raise ValueError(f"{self._name}: at {where}, {exc}") from None
            if external_id is not None and field != external_id:
                raise ValueError(
                    f"{self._name} matches one external id field per call; "
                    f"{self.external_id_field!r} is {external_id} for the first record and "
                    f"{field} at {where} ({record_type})"
                )
            payload = to_payload(record)
            value = next((v for k, v in payload.items() if k.lower() == field.lower()), None)
            if value is None or value == "":
                raise ValueError(
                    f"{self._name} needs a value in {field} on every record; {where} "
                    f"({record_type}) has none"
                )
            entry.update(payload)
            return Item(index, record, sobject_name, entry, field)
        return Item(index, record, sobject_name, entry)

    def batches(self, records: Iterable[Any]) -> Iterator[Batch]:
        """
        Cut ``records`` into batches, each one request.

        A sequence (list, tuple, ...) is checked whole first, so bad input raises before any
        request. Any other iterable (a generator) is read lazily, one batch at a time; a record
        that cannot be sent gets a FAILED result with status code ``INVALID_INPUT`` instead,
        so the records already saved are not lost. Upserts need one sObject type: the first
        record's. Creates and updates start a new batch rather than exceed 10 type runs.
        The same record object may appear once per call (from an iterator: not again while
        its earlier write is in flight or of unknown outcome).

        Raises:
            TypeError, ValueError, InvalidIdError: As :meth:`prepare`, for a sequence; also
                TypeError for a string or a mapping given as ``records``, and ValueError for
                the same record object at two positions of a sequence.
        """
        if isinstance(records, (str, bytes, Mapping, SObject)) or not isinstance(records, Iterable):
            raise TypeError(
                f"{self._name}() expects an iterable of records, got {type(records).__name__}"
            )
        if isinstance(records, Sequence):
            seen: set[int] = set()
            sobject: str | None = None
            external_id: str | None = None
            prepared = []
            for index, record in enumerate(records):
                if isinstance(record, SObject):
                    if id(record) in seen:
                        first = next(n for n, r in enumerate(records) if r is record)
                        raise ValueError(
                            f"{self._name}: {self._argument}[{first}] and "
                            f"{self._argument}[{index}] are the same record object; a record "
                            "can be saved once per call"
                        )
                    seen.add(id(record))
                entry = self.prepare(index, record, sobject, external_id)
                if isinstance(entry, Item) and sobject is None:
                    sobject, external_id = entry.sobject, entry.external_id
                prepared.append(entry)
            return self._cut(iter(prepared))
        return self._cut(self._lenient(records))

    def _lenient(self, records: Iterable[Any]) -> Iterator[Item | SaveResult[Any]]:
        # Held until the record's outcome is known (BatchRun.finish), so only the records in
        # flight, or of unknown outcome, are held: memory stays bounded.
        live = self.live
        sobject: str | None = None
        external_id: str | None = None
        for index, record in enumerate(records):
            try:
                if isinstance(record, SObject):
                    if live.get(id(record)) is record:
                        raise ValueError(
                            f"{self._name}: {self._argument}[{index}] is a record object read "
                            "earlier in this call whose write is in flight or of unknown "
                            "outcome; it could be written twice"
                        )
                    live[id(record)] = record
                prepared = self.prepare(index, record, sobject, external_id)
                if isinstance(prepared, Item) and sobject is None:
                    sobject, external_id = prepared.sobject, prepared.external_id
            except (TypeError, ValueError) as exc:
                code = "MALFORMED_ID" if isinstance(exc, InvalidIdError) else INVALID_INPUT
                prepared = SaveResult(record, Outcome.FAILED, errors=[SaveError(code, str(exc))])
            yield prepared

    def _cut(self, prepared: Iterator[Item | SaveResult[Any]]) -> Iterator[Batch]:
        batch = Batch([])
        runs = 0
        last_type: str | None = None
        for index, entry in enumerate(prepared):
            if isinstance(entry, SaveResult):
                batch.settled.append(entry)
                batch.positions.append(index)
                continue
            new_run = entry.sobject != last_type and self.operation in self._TYPED_RUNS
            if len(batch.items) >= self.batch_size or (new_run and runs >= TYPE_RUN_LIMIT):
                yield batch
                batch = Batch([])
                runs = 0
                new_run = True
            runs += new_run
            last_type = entry.sobject
            batch.items.append(entry)
        if batch.items or batch.settled:
            yield batch

    # -- requests and answers ------------------------------------------------------------

    def call(self, items: Sequence[Item]) -> RestCall:
        """The request that writes ``items`` (at most 200)."""
        all_or_none = self.all_or_none
        # Writes are resent by BatchRun, never by the client: after a try that may have been
        # applied, a later answer is not the whole truth (see BatchRun).
        if self.operation is Operation.DELETE:
            return RestCall(
                "DELETE",
                "composite/sobjects",
                params={
                    "ids": ",".join(item.entry["id"] for item in items),
                    "allOrNone": "true" if all_or_none else "false",
                },
                idempotent=False,
            )
        body = {"allOrNone": all_or_none, "records": [item.entry for item in items]}
        if self.operation is Operation.INSERT:
            # A create sent twice creates twice: never resent blindly (see BatchRun).
            return RestCall("POST", "composite/sobjects", json=body, idempotent=False)
        if self.operation is Operation.UPDATE:
            return RestCall("PATCH", "composite/sobjects", json=body, idempotent=False)
        assert items[0].external_id is not None  # set by prepare for every upsert item
        sobject, field = _segment(items[0].sobject), _segment(items[0].external_id)
        return RestCall(
            "PATCH", f"composite/sobjects/{sobject}/{field}", json=body, idempotent=False
        )

    def start(self, batch: Batch, max_attempts: int) -> BatchRun:
        """Begin sending a batch: a state machine the I/O layer drives."""
        return BatchRun(self, batch, max_attempts)


def _sobject_name_of(record: SObject | type[SObject]) -> str:
    """The record's sObject API name, checked (``ValueError`` for a hostile one)."""
    return sobject_name_of_text(api_name_of(record))


def _unreadable(item: Item, why: str) -> SaveResult[Any]:
    return SaveResult(item.record, Outcome.UNKNOWN, errors=[SaveError(UNKNOWN_OUTCOME, why)])


def _plain_success(entry: Any) -> bool:
    """
    Whether an answer entry is a success with a well-formed Id: its result keeps no text but
    that Id, so there is nothing in it to mask. Any other entry is masked whole before its
    messages are kept.
    """
    return type(entry) is dict and entry.get("success") is True and is_valid_id(entry.get("id"))


def _result_of(plan: WritePlan, item: Item, data: Any) -> SaveResult[Any]:
    """
    Read one entry of a write answer (a ``SaveResult``/``UpsertResult``/``DeleteResult``).

    An entry that cannot be read for sure is UNKNOWN with the reason (an insert's is then
    reconciled): not an object, ``success`` not a JSON boolean (``"true"``, say), a success
    without a valid Id (insert, upsert), or an Id other than the one sent (update, delete).
    """
    if not isinstance(data, Mapping):
        return _unreadable(item, f"unreadable result entry: {data!r:.200}")
    success = data.get("success")
    if not isinstance(success, bool):
        return _unreadable(
            item, f"unreadable result entry: success is {success!r:.40}, not true or false"
        )
    record_id: str | None = None
    raw_id = data.get("id")
    if raw_id is not None and raw_id != "":
        if not is_valid_id(raw_id):
            if success:
                return _unreadable(
                    item, f"Salesforce reported success with a malformed Id {raw_id!r:.40}"
                )
        else:
            record_id = to_id18(str(raw_id))
    sent_id = item.entry.get("id")
    if sent_id is not None and record_id is not None and record_id != sent_id:
        return _unreadable(item, f"Salesforce answered for Id {record_id} where {sent_id} was sent")
    errors = [SaveError.from_json(e) for e in data.get("errors") or () if isinstance(e, Mapping)]
    if success:
        created: bool | None = None
        if plan.operation is Operation.INSERT:
            created = True
        elif plan.operation is Operation.UPSERT and isinstance(data.get("created"), bool):
            created = data["created"]
        if record_id is None and plan.operation in (Operation.INSERT, Operation.UPSERT):
            return _unreadable(item, "Salesforce reported success without the record's Id")
        return SaveResult(item.record, Outcome.SAVED, id=record_id or sent_id, created=created)
    if plan.operation is Operation.DELETE and [e.status_code for e in errors] == [
        "ENTITY_IS_DELETED"
    ]:
        # Gone already: what was asked for is there (as delete() does for one record).
        return SaveResult(item.record, Outcome.SAVED, id=record_id or item.entry["id"])
    if plan.operation in (Operation.UPDATE, Operation.DELETE) and record_id is None:
        record_id = item.entry["id"]
    return SaveResult(
        item.record,
        Outcome.FAILED,
        id=record_id,
        errors=errors or [SaveError("UNKNOWN_ERROR", "success: false without errors")],
    )


def _one_per_id(results: list[SaveResult[Any]], items: Sequence[Item]) -> list[SaveResult[Any]]:
    """Two results claiming one Id cannot both be right: neither is SAVED (UNKNOWN, why)."""
    counts: dict[str, int] = {}
    for result in results:
        if result.outcome is Outcome.SAVED and result.id is not None:
            counts[result.id] = counts.get(result.id, 0) + 1
    return [
        _unreadable(item, f"Salesforce answered Id {result.id} for more than one record")
        if result.outcome is Outcome.SAVED and result.id is not None and counts[result.id] > 1
        else result
        for item, result in zip(items, results, strict=True)
    ]


def _retryable(result: SaveResult[Any]) -> bool:
    codes = {error.status_code for error in result.errors}
    return result.outcome is Outcome.FAILED and bool(codes) and codes <= RETRYABLE_CODES


class BatchRun:
    """
    The life of one batch: send, retry locked records, resend lost upserts, finish.

    The I/O layer loops ``while (call := run.next_call()) is not None``, sleeping
    :attr:`delay_attempt` first when set, and reports each answer with :meth:`answered` or
    :meth:`failed_in_transit`. Inserts whose request may have been applied without an answer
    are left in :attr:`lost` for a :class:`Reconciler`; :meth:`finish` then assigns new Ids
    and clears change sets of saved records.

    Retries: records that failed with ``UNABLE_TO_LOCK_ROW`` only (all the batch's records
    with ``allOrNone``, when nothing else failed), up to ``max_attempts`` tries in all.
    A request that failed in transit, or with a status or answer that may mean "applied" (500,
    502, 504, an unreadable 200), is never resent blindly: updates, upserts and deletes are
    idempotent and resent here (not by the client), remembering that a try may have worked:
    ``created`` is then unknown (None) where the answer says updated, and a record whose
    later tries fail is UNKNOWN, not FAILED. Inserts are left to reconciliation.
    """

    def __init__(self, plan: WritePlan, batch: Batch, max_attempts: int) -> None:
        self.plan = plan
        self.batch = batch
        self.max_attempts = max(1, max_attempts)
        self.attempt = 0
        self.results: dict[int, SaveResult[Any]] = dict(
            zip(batch.positions, batch.settled, strict=True)
        )
        self._pending: list[Item] = list(batch.items)
        self.lost: list[Item] = []
        """Inserts whose request may have been applied without an answer."""
        self._uncertain: set[int] = set()
        """Items a try may have applied without an answer saying so (then resent)."""

    def _item(self, index: int) -> Item:
        return next(item for item in self.batch.items if item.index == index)

    @property
    def needs_reconcile(self) -> bool:
        """Whether some inserts got no answer and must be looked up in the org."""
        return bool(self.lost)

    @property
    def delay_attempt(self) -> int | None:
        """The number of the try that failed before this one, when a backoff is due."""
        return self.attempt if self.attempt and self._pending else None

    def next_call(self) -> RestCall | None:
        """The next request to send, or None when the batch is done sending."""
        if not self._pending:
            return None
        self.attempt += 1
        return self.plan.call(self._pending)

    def answered(self, response: httpx.Response) -> None:
        """Take the answer to the last call (its body read)."""
        sent, self._pending = self._pending, []
        if response.is_error:
            self._request_failed(sent, error_from_response(response))
            return
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, list) and not all(map(_plain_success, data)):
            mask = response_mask(response)
            data = [entry if _plain_success(entry) else mask.data(entry) for entry in data]
        if not isinstance(data, list) or len(data) != len(sent):
            self._maybe_applied(
                sent,
                SaveError(
                    UNKNOWN_OUTCOME,
                    f"Salesforce answered {len(sent)} records unreadably "
                    f"(HTTP {response.status_code}); it may have applied them",
                ),
            )
            return
        results = _one_per_id(
            [_result_of(self.plan, item, entry) for item, entry in zip(sent, data, strict=True)],
            sent,
        )
        retry = [r for r in results if _retryable(r)]
        if self.plan.all_or_none and retry:
            # The request was rolled back whole: resend it whole, or not at all when a record
            # failed for good (resending part of it would break all-or-none).
            others = [r for r in results if r.outcome is Outcome.FAILED and not _retryable(r)]
            retry = results if all(_only_rolled_back(r) for r in others) else []
        retry_ids = {id(r) for r in retry}
        for item, result in zip(sent, results, strict=True):
            if item.index in self._uncertain and result.created is False:
                # An earlier try may have created it; this answer only saw it there.
                result = attrs.evolve(result, created=None)
            self.results[item.index] = result
            if result.outcome is Outcome.UNKNOWN and self.plan.operation is Operation.INSERT:
                self.lost.append(item)
            if id(result) in retry_ids and self.attempt < self.max_attempts:
                self._pending.append(item)

    def failed_in_transit(self, error: SalesforceError) -> None:
        """The last call got no answer (the client's own retries spent)."""
        sent, self._pending = self._pending, []
        code = "CONNECTION_FAILED" if _never_sent(error) else UNKNOWN_OUTCOME
        detail = SaveError(code, f"no answer from Salesforce: {error}")
        if code == "CONNECTION_FAILED":
            self._settle(sent, Outcome.FAILED, detail)
        else:
            self._maybe_applied(sent, detail)

    def interrupted(self, error: Exception) -> None:
        """
        Sending stopped with an error that is not an answer (a session Salesforce refuses, a
        closed client): the records of the last call are FAILED when Salesforce refused the
        request (4xx), else UNKNOWN (inserts: to reconcile); nothing more is sent.
        """
        sent, self._pending = self._pending, []
        status = error.status_code if isinstance(error, SalesforceApiError) else None
        refused = status is not None and 400 <= status < 500
        code = "REQUEST_FAILED" if refused else UNKNOWN_OUTCOME
        detail = SaveError(code, f"{type(error).__name__}: {error}")
        self._settle(sent, Outcome.FAILED if refused else Outcome.UNKNOWN, detail)
        if not refused and self.plan.operation is Operation.INSERT:
            self.lost.extend(sent)

    def _request_failed(self, sent: list[Item], error: SalesforceApiError) -> None:
        detail = SaveError(error.error_code or f"HTTP_{error.status_code}", str(error))
        status = error.status_code or 0
        if status >= 500 and status != 503:
            self._maybe_applied(sent, detail)
        else:
            # Refused before applying: a 4xx, or 503 (the client retried those it could).
            self._settle(sent, Outcome.FAILED, detail)

    def _maybe_applied(self, sent: list[Item], detail: SaveError) -> None:
        self._settle(sent, Outcome.UNKNOWN, detail)
        if self.plan.operation is Operation.INSERT:
            self.lost.extend(sent)
        else:
            # Idempotent: resend (the client does not), remembering a try may have worked.
            self._uncertain.update(item.index for item in sent)
            if self.attempt < self.max_attempts:
                self._pending = sent

    def _settle(self, items: Iterable[Item], outcome: Outcome, error: SaveError) -> None:
        for item in items:
            previous = self.results.get(item.index)
            known = previous.id if previous is not None else None
            if self.plan.operation in (Operation.UPDATE, Operation.DELETE):
                known = known or item.entry.get("id")
            self.results[item.index] = SaveResult(item.record, outcome, id=known, errors=[error])

    def finish(self, created_ids: set[str] | None = None) -> list[SaveResult[Any]]:
        """
        The batch's results in input order; new Ids assigned, saved records marked clean.

        Records whose outcome is known are released from the plan's duplicate check.

        Args:
            created_ids: The Ids the call's inserts got so far (updated here), when kept: an
                insert answered with an Id another record of the call already got is UNKNOWN,
                not SAVED (two records cannot have been created as one).
        """
        if created_ids is not None and self.plan.operation is Operation.INSERT:
            for index, result in sorted(self.results.items()):
                if result.outcome is not Outcome.SAVED or result.id is None:
                    continue
                if result.id in created_ids:
                    why = f"Salesforce answered Id {result.id} for another record of this call too"
                    self.results[index] = _unreadable(self._item(index), why)
                else:
                    created_ids.add(result.id)
        for index in self._uncertain:
            result = self.results[index]
            if result.outcome is Outcome.FAILED:
                # A later try failed (locked, refused), but an earlier one may have worked.
                note = SaveError(
                    UNKNOWN_OUTCOME, "an earlier try got no answer and may have applied it"
                )
                self.results[index] = attrs.evolve(
                    result, outcome=Outcome.UNKNOWN, errors=[*result.errors, note]
                )
        live = self.plan.live
        for result in self.results.values():
            record = result.record
            refused_again = any(error.status_code == INVALID_INPUT for error in result.errors)
            known = result.outcome is not Outcome.UNKNOWN and not refused_again
            if known and live.get(id(record)) is record:
                del live[id(record)]
            if result.outcome is not Outcome.SAVED or not isinstance(record, SObject):
                continue
            if self.plan.operation is Operation.DELETE:
                continue
            if result.id and self.plan.operation in (Operation.INSERT, Operation.UPSERT):
                record.Id = result.id
            mark_clean(record)
        return [self.results[index] for index in sorted(self.results)]


# -- reconciling lost inserts ----------------------------------------------------------------


@attrs.frozen
class Reconcile:
    """A query that looks for what lost creates of one sObject type did."""

    sobject: str
    soql: str


_SECOND = timedelta(seconds=1)


class CallClock:
    """
    When a call started, by Salesforce's clock, from the ``Date`` headers of its answers.

    An answer dated ``D`` (whole seconds, so Salesforce's clock read less than ``D + 1 s``
    when it was made) to a request sent ``elapsed`` seconds after the call started (on a
    monotonic clock) was made no earlier than that send, so the call started no later than
    ``D + 1 s - elapsed`` by Salesforce's clock. The tightest such bound of all the call's
    answers is :attr:`latest_start` (the one assumption: both clocks run at the same rate).
    """

    def __init__(self) -> None:
        self.latest_start: datetime | None = None

    def observe(self, date_header: str | None, elapsed: float) -> None:
        """Take the ``Date`` header of an answer to a request sent ``elapsed`` s in."""
        try:
            answered = parsedate_to_datetime(date_header) if date_header else None
        except (TypeError, ValueError, IndexError):
            return
        if answered is None or answered.tzinfo is None:
            return
        latest = answered + _SECOND - timedelta(seconds=max(0.0, elapsed))
        if self.latest_start is None or latest < self.latest_start:
            self.latest_start = latest


class Reconciler:
    """
    Decide, for the inserts of one call whose answer was lost, whether they are in the org.

    The I/O layer runs each of :meth:`queries` (every page), passes the rows with
    :meth:`found`, or reports :meth:`query_failed`, and ends with :meth:`settle`.

    A lost record is reported SAVED only when the match is provably this call's. The records
    sent with equal values (same model, same fields, same values) form a group of ``k``; the
    group is SAVED, its records given the matching Ids, only when exactly ``k`` rows:

    * hold those values and were created by this user (``CreatedById``);
    * hold no Id another result of this call owns (``claimed``);
    * match no record of another group;
    * were created after the call started, by Salesforce's clock: their ``CreatedDate`` is
      later than :attr:`CallClock.latest_start`, the latest moment the call can have
      started at.

    Anything else leaves the group UNKNOWN, with the reason. The one assumption: no other
    program creates records with the same values, as the same user, while the call runs.
    """

    def __init__(
        self,
        runs: Sequence[BatchRun],
        claimed: set[str] | None,
        started: datetime,
        clock: CallClock,
    ) -> None:
        """
        Args:
            runs: The call's batches that have lost inserts.
            claimed: The Ids this call's other results hold; None when not kept (then a
                group matched by a record the call saved with the same values stays UNKNOWN).
            started: The wall-clock time the call started at (it only bounds the query; the
                decision uses Salesforce's clock).
            clock: The call's start by Salesforce's clock, from its answers so far (the
                reconciling queries' answers are to be added to it too).
        """
        self.lost = [(run, item) for run in runs for item in run.lost]
        self.claimed = claimed
        self.started = started
        self.clock = clock
        self._rows: dict[str, Mapping[str, Any]] = {}
        self._problem: str | None = None

    def queries(self, user_id: str | None) -> list[Reconcile]:
        """
        The queries that find what the lost creates did: per sObject type, the records this
        user created since shortly before the call, with the fields sent, narrowed by
        ``Name IN (...)`` (in pieces of about 20,000 characters) when every record sent a
        Name. None without a user Id (matches could not be tied to this user).
        """
        if user_id is None or not is_valid_id(user_id):
            self._problem = "the session does not name its user, so no match can be tied to it"
            return []
        since = quote(self.started - RECONCILE_WINDOW)
        queries = []
        items = sorted((item for _, item in self.lost if _values(item)), key=_sobject_of)
        for sobject, group in itertools.groupby(items, key=_sobject_of):
            members = list(group)
            fields = sorted({key for item in members for key in _values(item)} - {"Id"})
            where = f"CreatedDate >= {since} AND CreatedById = {quote(user_id)}"
            head = f"SELECT Id, CreatedDate, {', '.join(fields)} FROM {sobject} WHERE {where}"
            names = [item.entry.get("Name") for item in members]
            if not all(isinstance(name, str) and name for name in names):
                queries.append(Reconcile(sobject, head))
                continue
            listed: list[str] = []
            size = 0
            for name in dict.fromkeys(str(name) for name in names):
                if listed and size > _RECONCILE_FILTER_CHARS:
                    queries.append(Reconcile(sobject, f"{head} AND Name IN ({', '.join(listed)})"))
                    listed, size = [], 0
                listed.append(quote(name))
                size += len(listed[-1]) + 2
            queries.append(Reconcile(sobject, f"{head} AND Name IN ({', '.join(listed)})"))
        return queries

    def found(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Take the rows of one reconciling query (every page)."""
        for row in rows:
            if isinstance(row, Mapping) and row.get("Id"):
                self._rows[str(row["Id"])] = row

    def query_failed(self, error: Exception) -> None:
        """
        A reconciling query failed: nothing can be matched. The lost records stay UNKNOWN
        (never raised: other batches' results must not be lost), and the error's type and
        message go into each one's ``errors`` (a ``RedirectError`` included).
        """
        self._problem = f"the reconciling query failed ({type(error).__name__}: {error})"

    def settle(self) -> None:
        """Give every lost record its result: SAVED with its Id, or UNKNOWN with the reason."""
        claimed = self.claimed or set()
        rows = [row for record_id, row in self._rows.items() if record_id not in claimed]
        index = _RowIndex(rows)
        groups: dict[tuple[Any, ...], list[tuple[BatchRun, Item]]] = {}
        for run, item in self.lost:
            groups.setdefault(_group_key(item), []).append((run, item))
        matches = {
            key: index.matches(members[0][1]) if len(key) == 3 else []
            for key, members in groups.items()
        }
        uses: dict[str, int] = {}
        for found in matches.values():
            for record_id in found:
                uses[record_id] = uses.get(record_id, 0) + 1
        for key, members in groups.items():
            found = sorted(matches[key], key=lambda i: (str(self._rows[i].get("CreatedDate")), i))
            why = self._why_not(members, found, uses)
            for position, (run, item) in enumerate(members):
                if why is None:
                    result = SaveResult(
                        item.record, Outcome.SAVED, id=found[position], created=True
                    )
                else:
                    earlier = run.results[item.index].errors
                    result = SaveResult(
                        item.record,
                        Outcome.UNKNOWN,
                        errors=[*earlier, SaveError(UNKNOWN_OUTCOME, why)],
                    )
                run.results[item.index] = result

    def _why_not(
        self, members: list[tuple[BatchRun, Item]], found: list[str], uses: Mapping[str, int]
    ) -> str | None:
        """Why a group cannot be reported SAVED with ``found``; None when it can."""
        tail = "; check the org before saving it again"
        if self._problem is not None:
            return f"the request got no readable answer and {self._problem}{tail}"
        if not found:
            return (
                "the request got no readable answer and no record in the org matches it "
                f"(probably not applied, but Salesforce may still be processing it){tail}"
            )
        if len(found) != len(members):
            return (
                f"the request got no readable answer and {len(found)} records in the org match the "
                f"{len(members)} sent with these values{tail}"
            )
        if any(uses[record_id] > 1 for record_id in found):
            return (
                "the request got no readable answer and a record in the org matches records "
                f"sent with different values{tail}"
            )
        latest = self.clock.latest_start
        if latest is None:
            return f"the request got no readable answer and no answer carried a Date header{tail}"
        for record_id in found:
            created = _created_date(self._rows[record_id])
            if created is None or created <= latest:
                return (
                    "the request got no readable answer and a matching record in the org may "
                    f"have been created before this call started{tail}"
                )
        return None


def _sobject_of(item: Item) -> str:
    return item.sobject


def _group_key(item: Item) -> tuple[Any, ...]:
    """Records that send equal values are indistinguishable in the org: one group."""
    record = item.record
    if not isinstance(record, SObject):
        return (id(item),)
    wanted = _comparable(record, _values(item))
    fields = tuple(sorted(wanted))
    return (type(record), fields, _key(wanted, fields)) if fields else (id(item),)


def _created_date(row: Mapping[str, Any]) -> datetime | None:
    value = row.get("CreatedDate")
    if not isinstance(value, str):
        return None
    for parse in (
        lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z"),
        datetime.fromisoformat,
    ):
        try:
            moment = parse(value)
        except ValueError:
            continue
        return moment if moment.tzinfo is not None else None
    return None


def _only_rolled_back(result: SaveResult[Any]) -> bool:
    return all(error.status_code == ROLLED_BACK for error in result.errors)


def _never_sent(error: SalesforceError) -> bool:
    cause = error.__cause__
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def _values(item: Item) -> dict[str, Any]:
    return {key: value for key, value in item.entry.items() if key != "attributes"}


def _comparable(record: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The sent values as the record's model writes them (so formats compare equal)."""
    if not isinstance(record, SObject):
        return dict(values)
    loaded = from_payload(values, type(record))
    dumped = to_payload(loaded)
    return {key: dumped.get(key, values[key]) for key in values}


class _RowIndex:
    """
    The rows of a reconciling query, indexed by the values of the fields each record sent.

    Each row is converted once per model, and indexed once per set of sent fields, so matching
    200 records against thousands of rows stays linear.
    """

    def __init__(self, rows: list[Mapping[str, Any]]) -> None:
        self._rows = rows
        self._dumped: dict[type[SObject], list[tuple[str, dict[str, Any]]]] = {}
        self._indexes: dict[tuple[type[SObject], tuple[str, ...]], dict[str, list[str]]] = {}

    def matches(self, item: Item) -> list[str]:
        """The Ids of the rows holding exactly the values ``item`` sent."""
        record = item.record
        if not isinstance(record, SObject):
            return []
        wanted = _comparable(record, _values(item))
        fields = tuple(sorted(wanted))
        model = type(record)
        index = self._indexes.get((model, fields))
        if index is None:
            index = {}
            for record_id, dumped in self._dumped_rows(model):
                if all(field in dumped for field in fields):
                    index.setdefault(_key(dumped, fields), []).append(record_id)
            self._indexes[model, fields] = index
        return index.get(_key(wanted, fields), [])

    def _dumped_rows(self, model: type[SObject]) -> list[tuple[str, dict[str, Any]]]:
        dumped = self._dumped.get(model)
        if dumped is None:
            dumped = []
            for row in self._rows:
                try:
                    dumped.append((str(row["Id"]), to_payload(from_payload(row, model))))
                except (KeyError, TypeError, ValueError):
                    continue
            self._dumped[model] = dumped
        return dumped


def _key(values: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    return json.dumps([values[field] for field in fields], default=str)


Part = list[SaveResult[Any]]
"""The results of one finished batch (or what is kept of them), in input order."""


def claimed_ids(parts: Iterable[Part | BatchRun]) -> set[str]:
    """The Ids the settled batches of a call own, which reconciling must not hand out again."""
    return {
        result.id
        for part in parts
        if not isinstance(part, BatchRun)
        for result in part
        if result.id is not None
    }


def collect(parts: Iterable[Part | BatchRun]) -> SaveResults[Any]:
    """Join the batches' results (each in input order, batches in input order) into one list."""
    return SaveResults(
        result
        for part in parts
        for result in (part.finish() if isinstance(part, BatchRun) else part)
    )
