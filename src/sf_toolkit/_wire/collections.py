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
from typing import Any, Generic, TypeVar

import attrs
import httpx

from .._rest import RestCall, _segment, record_id_of
from ..exceptions import InvalidIdError, SalesforceApiError, SalesforceError
from ..ids import is_valid_id, validate_id
from ..models import (
    SObject,
    api_name_of,
    check_record_type,
    field_api_names,
    from_payload,
    mark_clean,
    to_payload,
)
from ..results import Outcome, SaveError, SaveResult, SaveResults
from ..soql import quote
from .errors import error_from_response

__all__ = [
    "DEFAULT_CONCURRENCY",
    "RETRIEVE_LIMIT",
    "WRITE_LIMIT",
    "Batch",
    "BatchRun",
    "Operation",
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
"""How far before the failed request a reconciling query looks (allows for clock skew)."""
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
            f"composite/sobjects/{_segment(api_name_of(self.sobject_class))}",
            json={"ids": list(chunk), "fields": field_api_names(self.sobject_class)},
            idempotent=True,
        )

    def parse(self, chunk: Sequence[str], data: Any) -> dict[str, Any]:
        """
        Map each Id of a chunk to its record JSON, or None where Salesforce answered ``null``.

        Raises:
            SalesforceError: If the answer is not one entry per Id.
        """
        if not isinstance(data, list) or len(data) != len(chunk):
            raise SalesforceError(
                f"sObject Collections retrieve answered {len(chunk)} ids with "
                f"{len(data) if isinstance(data, list) else type(data).__name__} entries"
            )
        return dict(zip(chunk, data, strict=True))

    def assemble(self, parts: Iterable[Mapping[str, Any]]) -> list[T | None]:
        """Build one record per input Id, in input order; None where there was no record."""
        rows: dict[str, Any] = {}
        for part in parts:
            rows.update(part)
        return [
            None
            if rows.get(record_id) is None
            else from_payload(rows[record_id], self.sobject_class)
            for record_id in self.positions
        ]


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

    def __attrs_post_init__(self) -> None:
        check_batch_size(self.batch_size)
        if self.operation is Operation.UPSERT:
            field = self.external_id_field
            if not isinstance(field, str) or not field.replace("_", "").isalnum():
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

    # -- preparing records ---------------------------------------------------------------

    def prepare(self, index: int, record: Any) -> Item | SaveResult[Any]:
        """
        The entry that writes one record, or its result when it needs no request.

        Raises:
            TypeError: If the record is not a record (or, for delete, an Id string).
            ValueError: If it lacks what the operation needs: no ``Id`` for update and
                delete, an ``Id`` for insert, no external id value for upsert.
            InvalidIdError: If its Id is malformed.
        """
        operation = self.operation
        if operation is Operation.DELETE:
            if isinstance(record, str):
                record_id = validate_id(record, argument=f"records_or_ids[{index}]")
                return Item(index, record, "", {"id": record_id})
            if not isinstance(record, SObject):
                raise TypeError(
                    f"delete_list() expects records or Id strings, got {type(record).__name__}"
                )
            return Item(
                index, record, api_name_of(record), {"id": record_id_of(record, self._name)}
            )
        check_record_type(record, SObject, self._name)
        sobject = api_name_of(record)
        entry: dict[str, Any] = {"attributes": {"type": sobject}}
        if operation is Operation.INSERT:
            if record.Id is not None:
                raise ValueError(
                    f"{self._name} needs records without an Id; this {type(record).__name__} "
                    f"already has Id {record.Id!r} (use save_update_list)"
                )
            entry.update(to_payload(record))
        elif operation is Operation.UPDATE:
            record_id = record_id_of(record, self._name)
            payload = to_payload(record, only_changes=self.only_changes)
            if self.only_changes and not payload:
                return SaveResult(record, Outcome.UNCHANGED, id=record_id)
            entry["id"] = record_id
            entry.update(payload)
        else:
            payload = to_payload(record)
            field = str(self.external_id_field)
            value = next((v for k, v in payload.items() if k.lower() == field.lower()), None)
            if value is None or value == "":
                raise ValueError(
                    f"{self._name} needs a value in {type(record).__name__}.{field} on every record"
                )
            entry.update(payload)
        return Item(index, record, sobject, entry)

    def batches(self, records: Iterable[Any]) -> Iterator[Batch]:
        """
        Cut ``records`` into batches, each one request.

        A sequence (list, tuple, ...) is checked whole first, so bad input raises before any
        request. Any other iterable (a generator) is read lazily, one batch at a time; a record
        that cannot be sent gets a FAILED result with status code ``INVALID_INPUT`` instead,
        so the records already saved are not lost. Upserts need one sObject type: the first
        record's. Creates and updates start a new batch rather than exceed 10 type runs.

        Raises:
            TypeError, ValueError, InvalidIdError: As :meth:`prepare`, for a sequence; also
                TypeError for a string or a mapping given as ``records``, and ValueError for
                an upsert of mixed sObject types.
        """
        if isinstance(records, (str, bytes, Mapping, SObject)):
            raise TypeError(
                f"{self._name}() expects an iterable of records, got {type(records).__name__}"
            )
        if not isinstance(records, Iterable):
            raise TypeError(
                f"{self._name}() expects an iterable of records, got {type(records).__name__}"
            )
        if isinstance(records, Sequence):
            prepared = [self.prepare(index, record) for index, record in enumerate(records)]
            self._check_one_type(prepared, strict=True)
            return self._cut(iter(prepared))
        return self._cut(self._lenient(records))

    def _lenient(self, records: Iterable[Any]) -> Iterator[Item | SaveResult[Any]]:
        first_type: list[str] = []
        for index, record in enumerate(records):
            try:
                prepared = self.prepare(index, record)
                if isinstance(prepared, Item):
                    self._check_one_type([prepared], strict=True, seen=first_type)
            except (TypeError, ValueError) as exc:
                code = "MALFORMED_ID" if isinstance(exc, InvalidIdError) else INVALID_INPUT
                prepared = SaveResult(record, Outcome.FAILED, errors=[SaveError(code, str(exc))])
            yield prepared

    def _check_one_type(
        self,
        prepared: Iterable[Item | SaveResult[Any]],
        *,
        strict: bool,
        seen: list[str] | None = None,
    ) -> None:
        if self.operation is not Operation.UPSERT:
            return
        seen = [] if seen is None else seen
        for item in prepared:
            if not isinstance(item, Item):
                continue
            if not seen:
                seen.append(item.sobject)
            elif item.sobject != seen[0] and strict:
                raise ValueError(
                    f"{self._name} upserts one sObject type per call (Salesforce's upsert takes "
                    f"one type per request); got {seen[0]} and {item.sobject}"
                )

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
        if self.operation is Operation.DELETE:
            return RestCall(
                "DELETE",
                "composite/sobjects",
                params={
                    "ids": ",".join(item.entry["id"] for item in items),
                    "allOrNone": "true" if all_or_none else "false",
                },
            )
        body = {"allOrNone": all_or_none, "records": [item.entry for item in items]}
        if self.operation is Operation.INSERT:
            # A create sent twice creates twice: never resent blindly (see BatchRun).
            return RestCall("POST", "composite/sobjects", json=body, idempotent=False)
        if self.operation is Operation.UPDATE:
            return RestCall("PATCH", "composite/sobjects", json=body)
        sobject, field = _segment(items[0].sobject), _segment(str(self.external_id_field))
        return RestCall(
            "PATCH", f"composite/sobjects/{sobject}/{field}", json=body, idempotent=True
        )

    def start(self, batch: Batch, max_attempts: int) -> BatchRun:
        """Begin sending a batch: a state machine the I/O layer drives."""
        return BatchRun(self, batch, max_attempts)


def _result_of(plan: WritePlan, item: Item, data: Any) -> SaveResult[Any]:
    """Read one entry of a write answer (a ``SaveResult``/``UpsertResult``/``DeleteResult``)."""
    if not isinstance(data, Mapping):
        return SaveResult(
            item.record,
            Outcome.UNKNOWN,
            errors=[SaveError(UNKNOWN_OUTCOME, f"unreadable result entry: {data!r:.200}")],
        )
    record_id = data.get("id")
    record_id = str(record_id) if record_id else None
    errors = [SaveError.from_json(e) for e in data.get("errors") or () if isinstance(e, Mapping)]
    if data.get("success") is True:
        created: bool | None = None
        if plan.operation is Operation.INSERT:
            created = True
        elif plan.operation is Operation.UPSERT and isinstance(data.get("created"), bool):
            created = data["created"]
        return SaveResult(item.record, Outcome.SAVED, id=record_id, created=created)
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


def _retryable(result: SaveResult[Any]) -> bool:
    codes = {error.status_code for error in result.errors}
    return result.outcome is Outcome.FAILED and bool(codes) and codes <= RETRYABLE_CODES


@attrs.define
class Reconcile:
    """A query that finds what a create without an answer did, for one sObject type."""

    sobject: str
    soql: str
    items: list[Item]


class BatchRun:
    """
    The life of one batch: send, retry locked records, reconcile lost creates, finish.

    The I/O layer loops ``while (call := run.next_call()) is not None``, sleeping
    :attr:`delay_attempt` first when set, and reports each answer with :meth:`answered` or
    :meth:`failed_in_transit`. Then it runs :meth:`reconcile_queries` (inserts whose request
    may have been applied) and feeds the rows to :meth:`reconciled`, and ends with
    :meth:`finish`, which assigns new Ids and clears change sets of saved records.

    Retries: records that failed with ``UNABLE_TO_LOCK_ROW`` only (all the batch's records
    with ``allOrNone``, when nothing else failed), up to ``max_attempts`` tries in all.
    A request that failed in transit or with a status that may mean "applied" (500, 502, 504)
    is never resent here: the client already retried it if it was safe (updates, upserts and
    deletes are idempotent); an insert is reconciled, others get :attr:`Outcome.UNKNOWN`.
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
        self._lost: list[Item] = []
        self._lost_error: SaveError | None = None
        self.sent_at: datetime | None = None

    @property
    def needs_reconcile(self) -> bool:
        """Whether some inserts got no answer and must be looked up in the org."""
        return bool(self._lost)

    @property
    def delay_attempt(self) -> int | None:
        """The number of the try that failed before this one, when a backoff is due."""
        return self.attempt if self.attempt and self._pending else None

    def next_call(self, now: datetime | None = None) -> RestCall | None:
        """The next request to send, or None when the batch is done sending."""
        if not self._pending:
            return None
        self.attempt += 1
        if self.sent_at is None:
            self.sent_at = now
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
        if not isinstance(data, list) or len(data) != len(sent):
            self._settle(
                sent,
                Outcome.UNKNOWN,
                SaveError(UNKNOWN_OUTCOME, f"Salesforce answered {len(sent)} records unreadably"),
            )
            return
        results = [
            _result_of(self.plan, item, entry) for item, entry in zip(sent, data, strict=True)
        ]
        retry = [r for r in results if _retryable(r)]
        if self.plan.all_or_none and retry:
            # The request was rolled back whole: resend it whole, or not at all when a record
            # failed for good (resending part of it would break all-or-none).
            others = [r for r in results if r.outcome is Outcome.FAILED and not _retryable(r)]
            retry = results if all(_only_rolled_back(r) for r in others) else []
        retry_ids = {id(r) for r in retry}
        for item, result in zip(sent, results, strict=True):
            self.results[item.index] = result
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

    def _request_failed(self, sent: list[Item], error: SalesforceApiError) -> None:
        detail = SaveError(error.error_code or f"HTTP_{error.status_code}", str(error))
        status = error.status_code or 0
        if status >= 500 and status != 503:
            self._maybe_applied(sent, detail)
        else:
            # Refused before applying: a 4xx, or 503 (the client retried those it could).
            self._settle(sent, Outcome.FAILED, detail)

    def _maybe_applied(self, sent: list[Item], detail: SaveError) -> None:
        if self.plan.operation is Operation.INSERT:
            self._lost.extend(sent)
            self._lost_error = detail
        self._settle(sent, Outcome.UNKNOWN, detail)

    def _settle(self, items: Iterable[Item], outcome: Outcome, error: SaveError) -> None:
        for item in items:
            previous = self.results.get(item.index)
            known = previous.id if previous is not None else None
            if self.plan.operation in (Operation.UPDATE, Operation.DELETE):
                known = known or item.entry.get("id")
            self.results[item.index] = SaveResult(item.record, outcome, id=known, errors=[error])

    # -- reconciling lost inserts --------------------------------------------------------

    def reconcile_queries(self, user_id: str | None) -> list[Reconcile]:
        """
        The queries that find what the lost create requests did, one per sObject type.

        Each asks for records created by ``user_id`` since shortly before the batch was first
        sent, with the fields that were sent, narrowed by ``Name IN (...)`` when every record
        sent a Name. Items with nothing to match on stay UNKNOWN.
        """
        if not self._lost or self.sent_at is None:
            return []
        since = quote(self.sent_at - RECONCILE_WINDOW)
        queries = []
        lost = sorted(self._lost, key=lambda item: item.sobject)
        for sobject, group in itertools.groupby(lost, key=lambda item: item.sobject):
            items = [item for item in group if _values(item)]
            if not items:
                continue
            fields = sorted({key for item in items for key in _values(item)} - {"Id"})
            where = [f"CreatedDate >= {since}"]
            if user_id is not None and is_valid_id(user_id):
                where.append(f"CreatedById = {quote(user_id)}")
            names = [item.entry.get("Name") for item in items]
            if all(isinstance(name, str) and name for name in names):
                listed = ", ".join(quote(str(name)) for name in dict.fromkeys(names))
                if len(listed) <= _RECONCILE_FILTER_CHARS:
                    where.append(f"Name IN ({listed})")
            soql = f"SELECT Id, {', '.join(fields)} FROM {sobject} WHERE {' AND '.join(where)}"
            queries.append(Reconcile(sobject, soql, items))
        return queries

    def reconciled(
        self, query: Reconcile, rows: Iterable[Mapping[str, Any]], claimed: set[str]
    ) -> None:
        """
        Match the rows a reconciling query found to the records sent.

        A record whose sent values match exactly one row, not matched by another record and
        not in ``claimed`` (Ids this call already owns), is SAVED with that row's Id; any
        other stays UNKNOWN. Matched Ids are added to ``claimed``.
        """
        matcher = _RowIndex([row for row in rows if str(row.get("Id")) not in claimed])
        candidates = {item.index: matcher.matches(item) for item in query.items}
        counts: dict[str, int] = {}
        for found in candidates.values():
            for record_id in found:
                counts[record_id] = counts.get(record_id, 0) + 1
        for item in query.items:
            found = candidates[item.index]
            if len(found) == 1 and counts[found[0]] == 1:
                claimed.add(found[0])
                self.results[item.index] = SaveResult(
                    item.record, Outcome.SAVED, id=found[0], created=True
                )
            else:
                why = "no record" if not found else f"{len(found)} records"
                self.results[item.index] = SaveResult(
                    item.record,
                    Outcome.UNKNOWN,
                    errors=[
                        *(self.results[item.index].errors),
                        SaveError(
                            UNKNOWN_OUTCOME,
                            f"the request got no answer and {why} in the org matched this one; "
                            "check the org before saving it again",
                        ),
                    ],
                )

    def finish(self) -> list[tuple[int, SaveResult[Any]]]:
        """
        The batch's results by input position; new Ids assigned, saved records marked clean.
        """
        for result in self.results.values():
            record = result.record
            if result.outcome is not Outcome.SAVED or not isinstance(record, SObject):
                continue
            if self.plan.operation is Operation.DELETE:
                continue
            if result.id and self.plan.operation in (Operation.INSERT, Operation.UPSERT):
                record.Id = result.id
            mark_clean(record)
        return sorted(self.results.items(), key=lambda pair: pair[0])


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


def claimed_ids(parts: Iterable[list[tuple[int, SaveResult[Any]]] | BatchRun]) -> set[str]:
    """The Ids the settled batches of a call own, which reconciling must not hand out again."""
    return {
        result.id
        for part in parts
        if not isinstance(part, BatchRun)
        for _, result in part
        if result.id is not None
    }


def collect(parts: Iterable[list[tuple[int, SaveResult[Any]]] | BatchRun]) -> SaveResults[Any]:
    """Join the batches' results (each in input order, batches in order) into one list."""
    joined: SaveResults[Any] = SaveResults()
    for part in parts:
        joined.extend(
            result for _, result in (part.finish() if isinstance(part, BatchRun) else part)
        )
    return joined
