"""
sObject Collections planning and result reading, checked against Salesforce's documentation.

The request and answer shapes come from the REST API Developer Guide pages "Create Records
Using sObject Collections", "Update Records Using sObject Collections", "Upsert Records Using
sObject Collections", "Delete Records Using sObject Collections" and "Get Records Using sObject
Collections" (see docs/salesforce-wire.md section 8).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from sf_toolkit import Outcome, SObject
from sf_toolkit._wire.collections import (
    Batch,
    BatchRun,
    CallClock,
    Operation,
    Reconciler,
    RetrievePlan,
    WritePlan,
    check_batch_size,
    check_concurrency,
    claimed_ids,
    collect,
)
from sf_toolkit.exceptions import (
    InvalidIdError,
    SalesforceApiError,
    SalesforceConnectionError,
    SalesforceError,
)
from sf_toolkit.ids import to_id18
from sf_toolkit.models import sf_field


class Account(SObject):
    Name: str | None = None
    Industry: str | None = None
    External_ID__c: str | None = None


class Contact(SObject):
    LastName: str | None = None


class Lead(SObject):
    LastName: str | None = None


ID1 = to_id18("001000000000001")
ID2 = to_id18("001000000000002")
ID3 = to_id18("001000000000003")
NOW = datetime(2024, 1, 31, 12, 0, tzinfo=timezone.utc)
REQUEST = httpx.Request(
    "POST", "https://x.my.salesforce.com/services/data/v59.0/composite/sobjects"
)


def answer(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=data, request=REQUEST)


def ok(record_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": [], **extra}


def failed(code: str, message: str = "", fields: list[str] | None = None) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": fields or []}],
    }


LOCKED = failed(
    "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records: "
)
ROLLED_BACK = failed(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


def only_batch(plan: WritePlan, records: Any) -> Batch:
    [batch] = list(plan.batches(records))
    return batch


# -- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 201, -1])
def test_batch_size_outside_collections_limit_is_refused(size: int) -> None:
    """Collections writes take 1 to 200 records per request."""
    with pytest.raises(ValueError, match="1 to 200"):
        check_batch_size(size)


@pytest.mark.parametrize("bad", [1.0, "5", None, True])
def test_batch_size_and_concurrency_must_be_ints(bad: object) -> None:
    """A float, string or bool is a TypeError, not silently accepted."""
    with pytest.raises(TypeError):
        check_batch_size(bad)
    with pytest.raises(TypeError):
        check_concurrency(bad)


def test_concurrency_zero_is_refused() -> None:
    """At least one request must be allowed in flight."""
    with pytest.raises(ValueError, match="at least 1"):
        check_concurrency(0)


# -- retrieve ----------------------------------------------------------------------------------


def test_retrieve_chunks_of_2000_distinct_ids() -> None:
    """5000 ids make three requests of 2000, 2000 and 1000 (the POST form's limit)."""
    ids = [to_id18(f"001{n:012d}") for n in range(5000)]
    plan = RetrievePlan.build(Account, ids)
    assert [len(chunk) for chunk in plan.chunks] == [2000, 2000, 1000]


def test_retrieve_body_is_ids_and_the_model_fields() -> None:
    """POST /composite/sobjects/Account with {"ids": [...], "fields": [...]}, safe to repeat."""
    plan = RetrievePlan.build(Account, [ID1, ID2])
    call = plan.call(plan.chunks[0])
    assert (call.method, call.url) == ("POST", "composite/sobjects/Account")
    assert call.json == {"ids": [ID1, ID2], "fields": ["Id", "Name", "Industry", "External_ID__c"]}
    assert call.extensions() == {"sf_toolkit.idempotent": True}


def test_retrieve_dedupes_and_widens_15_character_ids() -> None:
    """A 15-character id and its 18-character form are one id, asked for once."""
    plan = RetrievePlan.build(Account, [ID1[:15], ID2, ID1])
    assert plan.chunks == ((ID1, ID2),)
    assert plan.positions == (ID1, ID2, ID1)


def test_retrieve_answer_keeps_input_order_and_nulls() -> None:
    """Salesforce's null for an unknown id becomes None in that place; nothing shifts."""
    plan = RetrievePlan.build(Account, [ID2, ID3, ID1, ID2])
    rows = plan.parse(
        plan.chunks[0],
        [
            {"attributes": {"type": "Account"}, "Id": ID2, "Name": "Two"},
            None,
            {"attributes": {"type": "Account"}, "Id": ID1, "Name": "One"},
        ],
    )
    records = plan.assemble([rows])
    assert [r.Name if r else None for r in records] == ["Two", None, "One", "Two"]
    assert records[0] is not records[3]


def test_retrieve_answer_of_the_wrong_length_is_an_error() -> None:
    """An answer that does not align with the ids is refused, not zipped short."""
    plan = RetrievePlan.build(Account, [ID1, ID2])
    with pytest.raises(SalesforceError, match="2 ids with 1 entries"):
        plan.parse(plan.chunks[0], [None])


@pytest.mark.parametrize(
    ("ids", "error"),
    [(["001XX1"], InvalidIdError), ([[ID1]], TypeError), ([42], TypeError)],
)
def test_retrieve_refuses_bad_ids(ids: list[Any], error: type[Exception]) -> None:
    """A malformed id or a non-string (a list passed without *) is refused."""
    with pytest.raises(error):
        RetrievePlan.build(Account, ids)


def test_retrieve_needs_a_model_class() -> None:
    """A record instead of its class is a TypeError."""
    with pytest.raises(TypeError, match="model class"):
        RetrievePlan.build(Account(), [ID1])  # type: ignore[arg-type]


# -- request bodies ----------------------------------------------------------------------------


def test_create_body_matches_the_documented_example() -> None:
    """POST /composite/sobjects {"allOrNone": false, "records": [{"attributes": ...}, ...]}."""
    plan = WritePlan(Operation.INSERT)
    batch = only_batch(plan, [Account(Name="example.com"), Contact(LastName="Smith")])
    call = plan.call(batch.items)
    assert (call.method, call.url) == ("POST", "composite/sobjects")
    assert call.json == {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Account"}, "Name": "example.com"},
            {"attributes": {"type": "Contact"}, "LastName": "Smith"},
        ],
    }
    assert call.extensions() == {"sf_toolkit.idempotent": False}


def test_update_body_carries_each_id() -> None:
    """PATCH /composite/sobjects with the id and the type of every record."""
    plan = WritePlan(Operation.UPDATE, all_or_none=True)
    batch = only_batch(plan, [Account(Id=ID1, Name="One")])
    call = plan.call(batch.items)
    assert (call.method, call.url) == ("PATCH", "composite/sobjects")
    assert call.json == {
        "allOrNone": True,
        "records": [{"attributes": {"type": "Account"}, "id": ID1, "Name": "One"}],
    }


def test_upsert_url_names_the_type_and_the_external_id_field() -> None:
    """PATCH /composite/sobjects/Account/External_ID__c; each record holds its value."""
    plan = WritePlan(Operation.UPSERT, external_id_field="External_ID__c")
    batch = only_batch(plan, [Account(Name="A", External_ID__c="E/1")])
    call = plan.call(batch.items)
    assert (call.method, call.url) == ("PATCH", "composite/sobjects/Account/External_ID__c")
    assert call.json["records"] == [
        {"attributes": {"type": "Account"}, "Name": "A", "External_ID__c": "E/1"}
    ]


def test_delete_sends_ids_as_parameters() -> None:
    """DELETE /composite/sobjects?ids=...&allOrNone=false, records and Ids mixed."""
    plan = WritePlan(Operation.DELETE)
    batch = only_batch(plan, [Account(Id=ID1), ID2[:15]])
    call = plan.call(batch.items)
    assert (call.method, call.url) == ("DELETE", "composite/sobjects")
    assert call.params == {"ids": f"{ID1},{ID2}", "allOrNone": "false"}


def test_only_changes_skips_unchanged_records_and_sends_changed_fields() -> None:
    """Unchanged records are settled UNCHANGED; the others send their changes plus id."""
    clean = Account(Id=ID1, Name="Same")
    changed = Account(Id=ID2, Name="Old")
    for record in (clean, changed):
        from sf_toolkit.models import mark_clean

        mark_clean(record)
    changed.Industry = "Energy"
    plan = WritePlan(Operation.UPDATE, only_changes=True)
    batch = only_batch(plan, [clean, changed])
    assert [r.outcome for r in batch.settled] == [Outcome.UNCHANGED]
    assert plan.call(batch.items).json["records"] == [
        {"attributes": {"type": "Account"}, "id": ID2, "Industry": "Energy"}
    ]


# -- cutting into batches ----------------------------------------------------------------------


def test_batches_hold_at_most_batch_size_records() -> None:
    """450 records in batches of 200 are 200, 200 and 50."""
    plan = WritePlan(Operation.INSERT, batch_size=200)
    batches = list(plan.batches([Account(Name=str(n)) for n in range(450)]))
    assert [len(b.items) for b in batches] == [200, 200, 50]


def test_a_create_holds_at_most_ten_type_chunks() -> None:
    """Alternating types start a new request rather than send an 11th chunk."""
    plan = WritePlan(Operation.INSERT)
    records = [Account(Name="a") if n % 2 == 0 else Contact(LastName="c") for n in range(12)]
    batches = list(plan.batches(records))
    assert [len(b.items) for b in batches] == [10, 2]


def test_deletes_ignore_type_chunks() -> None:
    """Delete takes ids, not typed records: no chunk limit applies."""
    plan = WritePlan(Operation.DELETE)
    records = [Account(Id=ID1) if n % 2 == 0 else ID2 for n in range(30)]
    assert [len(b.items) for b in plan.batches(records)] == [30]


def test_a_generator_is_cut_lazily() -> None:
    """Only the records of the batch being cut are read from a generator."""
    read: list[int] = []

    def generate() -> Iterator[Account]:
        for n in range(1000):
            read.append(n)
            yield Account(Name=str(n))

    batches = WritePlan(Operation.INSERT, batch_size=10).batches(generate())
    first = next(batches)
    assert len(first.items) == 10
    assert len(read) == 11  # the eleventh told the first batch it was full


def test_a_bad_record_in_a_generator_fails_alone() -> None:
    """From a generator, a record without Id gets a FAILED result; the others go on."""

    def generate() -> Iterator[Account]:
        yield Account(Id=ID1, Name="ok")
        yield Account(Name="no id")
        yield Account(Id=ID2, Name="ok too")

    plan = WritePlan(Operation.UPDATE)
    batch = only_batch(plan, generate())
    assert [item.index for item in batch.items] == [0, 2]
    assert batch.positions == [1]
    assert batch.settled[0].outcome is Outcome.FAILED
    assert batch.settled[0].errors[0].status_code == "INVALID_INPUT"


def test_a_list_with_a_bad_record_raises_before_anything() -> None:
    """From a list, the same record is a ValueError raised while planning."""
    plan = WritePlan(Operation.UPDATE)
    with pytest.raises(ValueError, match=r"records\[1\] \(Account\) has none.*upsert_list"):
        plan.batches([Account(Id=ID1), Account(Name="no id")])


def test_upsert_of_mixed_types_is_refused() -> None:
    """Upsert takes one sObject type per request, so one per call."""
    plan = WritePlan(Operation.UPSERT, external_id_field="LastName")
    with pytest.raises(ValueError, match="one sObject type"):
        plan.batches([Lead(LastName="a"), Contact(LastName="b")])


def test_upsert_needs_the_external_id_value() -> None:
    """A record without a value in the external id field is refused."""
    plan = WritePlan(Operation.UPSERT, external_id_field="External_ID__c")
    with pytest.raises(ValueError, match="External_ID__c"):
        plan.batches([Account(Name="x")])


def test_records_must_be_an_iterable_of_records() -> None:
    """A single record, a string or a dict is a TypeError."""
    plan = WritePlan(Operation.INSERT)
    for bad in (Account(Name="x"), "abc", {"Name": "x"}):
        with pytest.raises(TypeError, match="iterable of records"):
            plan.batches(bad)  # type: ignore[arg-type]


# -- reading answers ---------------------------------------------------------------------------


def test_create_answer_gives_ids_and_errors_in_order() -> None:
    """The documented mixed answer: one success, one REQUIRED_FIELD_MISSING without id."""
    records = [Account(Name="ok"), Account(Industry="no name")]
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, records), max_attempts=4)
    assert run.next_call() is not None
    run.answered(
        answer(
            [
                ok(ID1),
                failed("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"]),
            ]
        )
    )
    assert run.next_call() is None
    results = collect([run.finish()])
    assert [(r.outcome, r.id, r.created) for r in results] == [
        (Outcome.SAVED, ID1, True),
        (Outcome.FAILED, None, None),
    ]
    assert results[1].errors[0].fields == ("Name",)
    assert (
        str(results[1].errors[0])
        == "REQUIRED_FIELD_MISSING: Required fields are missing: [Name] (Name)"
    )
    assert records[0].Id == ID1
    assert records[1].Id is None


def test_upsert_answer_reads_created() -> None:
    """UpsertResult's created says inserted (True) or updated (False)."""
    records = [Account(External_ID__c="a"), Account(External_ID__c="b")]
    plan = WritePlan(Operation.UPSERT, external_id_field="External_ID__c")
    run = plan.start(only_batch(plan, records), max_attempts=1)
    run.next_call()
    run.answered(answer([ok(ID1, created=True), ok(ID2, created=False)]))
    assert [r.created for r in run.finish()] == [True, False]


def test_only_locked_records_are_sent_again() -> None:
    """UNABLE_TO_LOCK_ROW items are retried alone; the others keep their results."""
    records = [Account(Name="a"), Account(Name="b"), Account(Name="c")]
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, records), max_attempts=4)
    run.next_call()
    run.answered(answer([ok(ID1), LOCKED, failed("DUPLICATE_VALUE")]))
    assert run.delay_attempt == 1
    retry = run.next_call()
    assert retry is not None
    assert retry.json["records"] == [{"attributes": {"type": "Account"}, "Name": "b"}]
    run.answered(answer([ok(ID2)]))
    assert run.next_call() is None
    assert [r.outcome for r in run.finish()] == [Outcome.SAVED, Outcome.SAVED, Outcome.FAILED]


def test_lock_retries_stop_at_max_attempts() -> None:
    """After max_attempts tries a locked record keeps its UNABLE_TO_LOCK_ROW failure."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="a")]), max_attempts=2)
    for _ in range(2):
        assert run.next_call() is not None
        run.answered(answer([LOCKED]))
    assert run.next_call() is None
    [result] = run.finish()
    assert result.errors[0].status_code == "UNABLE_TO_LOCK_ROW"


def test_all_or_none_lock_resends_every_record() -> None:
    """With allOrNone, a lock rolled the others back, so all are sent again."""
    plan = WritePlan(Operation.INSERT, all_or_none=True)
    run = plan.start(only_batch(plan, [Account(Name="a"), Account(Name="b")]), max_attempts=3)
    run.next_call()
    run.answered(answer([ROLLED_BACK, LOCKED]))
    retry = run.next_call()
    assert retry is not None
    assert len(retry.json["records"]) == 2


def test_all_or_none_real_failure_is_not_retried() -> None:
    """With allOrNone, a validation failure besides the lock ends the batch."""
    plan = WritePlan(Operation.INSERT, all_or_none=True)
    run = plan.start(
        only_batch(plan, [Account(Name="a"), Account(Name="b"), Account(Name="c")]),
        max_attempts=3,
    )
    run.next_call()
    run.answered(answer([ROLLED_BACK, LOCKED, failed("REQUIRED_FIELD_MISSING")]))
    assert run.next_call() is None


def test_delete_of_a_deleted_record_counts_as_done() -> None:
    """ENTITY_IS_DELETED answers a delete whose first try worked: SAVED."""
    plan = WritePlan(Operation.DELETE)
    run = plan.start(only_batch(plan, [ID1, ID2]), max_attempts=1)
    run.next_call()
    run.answered(
        answer(
            [
                failed("ENTITY_IS_DELETED", "entity is deleted"),
                failed("INVALID_CROSS_REFERENCE_KEY"),
            ]
        )
    )
    results = run.finish()
    assert [(r.outcome, r.id) for r in results] == [(Outcome.SAVED, ID1), (Outcome.FAILED, ID2)]


def test_request_level_400_fails_every_record() -> None:
    """A refused request (400) was not applied: each record FAILED with its error."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="a")]), max_attempts=3)
    run.next_call()
    run.answered(
        answer([{"errorCode": "INVALID_TYPE", "message": "Must send a concrete entity type."}], 400)
    )
    assert run.next_call() is None
    [result] = run.finish()
    assert result.outcome is Outcome.FAILED
    assert result.errors[0].status_code == "INVALID_TYPE"


def test_misaligned_answer_is_unknown() -> None:
    """An answer with fewer entries than records cannot be trusted: UNKNOWN."""
    plan = WritePlan(Operation.UPDATE)
    run = plan.start(only_batch(plan, [Account(Id=ID1), Account(Id=ID2)]), max_attempts=1)
    run.next_call()
    run.answered(answer([ok(ID1)]))
    assert {r.outcome for r in run.finish()} == {Outcome.UNKNOWN}


# -- lost answers ------------------------------------------------------------------------------


def dropped() -> SalesforceConnectionError:
    error = SalesforceConnectionError("no answer")
    error.__cause__ = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    return error


def test_lost_update_is_resent_here_then_unknown() -> None:
    """An update without an answer is resent by the run (the client must not: it would not
    know a try may have worked); UNKNOWN once the tries are spent, never reconciled."""
    plan = WritePlan(Operation.UPDATE)
    run = plan.start(only_batch(plan, [Account(Id=ID1, Name="x")]), max_attempts=2)
    call = run.next_call()
    assert call is not None
    assert call.extensions() == {"sf_toolkit.idempotent": False}
    run.failed_in_transit(dropped())
    assert run.next_call() is not None
    run.failed_in_transit(dropped())
    assert run.next_call() is None
    assert not run.needs_reconcile
    [result] = run.finish()
    assert (result.outcome, result.id) == (Outcome.UNKNOWN, ID1)


@pytest.mark.parametrize("operation", [Operation.UPDATE, Operation.UPSERT, Operation.DELETE])
def test_a_failure_after_a_try_that_may_have_worked_is_unknown(operation: Operation) -> None:
    """Lost (maybe applied), then locked until the tries are spent: UNKNOWN, not FAILED."""
    plan = WritePlan(operation, external_id_field="External_ID__c")
    record = Account(Id=ID1, External_ID__c="a")
    if operation is Operation.UPSERT:
        record = Account(External_ID__c="a")
    run = plan.start(only_batch(plan, [record]), max_attempts=2)
    run.next_call()
    run.failed_in_transit(dropped())
    assert run.next_call() is not None
    run.answered(answer([LOCKED]))
    assert run.next_call() is None
    [result] = run.finish()
    assert result.outcome is Outcome.UNKNOWN
    assert [e.status_code for e in result.errors] == ["UNABLE_TO_LOCK_ROW", "UNKNOWN_OUTCOME"]


def test_never_sent_request_is_failed() -> None:
    """A connect error means nothing reached Salesforce: FAILED, not unknown."""
    error = SalesforceConnectionError("refused")
    error.__cause__ = httpx.ConnectError("refused")
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="x")]), max_attempts=3)
    run.next_call()
    run.failed_in_transit(error)
    assert not run.needs_reconcile
    [result] = run.finish()
    assert result.outcome is Outcome.FAILED


def test_a_502_on_insert_may_have_been_applied() -> None:
    """A 502 after an insert is reconciled like a lost answer, not reported as failed."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="x")]), 3)
    run.next_call()
    run.answered(answer([{"errorCode": "BAD_GATEWAY", "message": "bad gateway"}], 502))
    assert len(run.lost) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b'{"unexpected": true}', b"[null]"],
    ids=["not json", "not a list", "unreadable entry"],
)
def test_an_unreadable_200_on_insert_is_reconciled(body: bytes) -> None:
    """An answer that cannot be read may follow an applied create: reconcile, never resend."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="x")]), 3)
    run.next_call()
    run.answered(httpx.Response(200, content=body, request=REQUEST))
    assert run.next_call() is None
    assert [item.entry["Name"] for item in run.lost] == ["x"]


# -- reconciling lost inserts ------------------------------------------------------------------

USER = "005000000000001AAA"
#: The reconciling query was answered at 12:00:10 by Salesforce's clock, sent 5 s after the
#: call started: the call started by 12:00:06 at the latest (10 + 1 - 5).
DATE = "Wed, 31 Jan 2024 12:00:10 GMT"
AFTER = "2024-01-31T12:00:07.000+0000"
BEFORE = "2024-01-31T12:00:06.000+0000"


def lost_runs(records: list[Account], batch_size: int = 200) -> list[BatchRun]:
    plan = WritePlan(Operation.INSERT, batch_size=batch_size)
    runs = []
    for batch in plan.batches(records):
        run = plan.start(batch, 3)
        run.next_call()
        run.failed_in_transit(dropped())
        runs.append(run)
    return runs


def row(record_id: str, created: str = AFTER, **values: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Account"}, "Id": record_id, "CreatedDate": created, **values}


def clock(date: str | None = DATE) -> CallClock:
    observed = CallClock()
    observed.observe(date, elapsed=5.0)
    observed.observe("Wed, 31 Jan 2024 12:00:30 GMT", elapsed=6.0)  # a looser bound: ignored
    return observed


def reconcile(
    runs: list[BatchRun],
    rows: list[dict[str, Any]],
    *,
    claimed: set[str] | None = None,
    date: str | None = DATE,
) -> list[tuple[Outcome, str | None]]:
    reconciler = Reconciler(runs, set() if claimed is None else claimed, NOW, clock(date))
    assert reconciler.queries(USER)
    reconciler.found(rows)
    reconciler.settle()
    return [(r.outcome, r.id) for r in collect(run.finish() for run in runs)]


def test_lost_insert_asks_a_narrow_query() -> None:
    """The reconciling query: created by me since shortly before, with the names sent."""
    runs = lost_runs([Account(Name="O'Hara", Industry="Energy")])
    [query] = Reconciler(runs, set(), NOW, clock()).queries(USER)
    assert query.soql == (
        "SELECT Id, CreatedDate, Industry, Name FROM Account WHERE "
        "CreatedDate >= 2024-01-31T11:50:00Z AND CreatedById = '005000000000001AAA' "
        "AND Name IN ('O\\'Hara')"
    )


def test_lost_insert_matches_one_row_per_record() -> None:
    """A record matching exactly one unclaimed row, created after the call began, is SAVED."""
    records = [Account(Name="A", Industry="Energy"), Account(Name="B"), Account(Name="C")]
    runs = lost_runs(records)
    rows = [
        row(ID1, Name="A", Industry="Energy"),
        row(ID2, Name="A", Industry=None),
        row(ID3, Name="C", Industry=None),
    ]
    assert reconcile(runs, rows, claimed={ID3}) == [
        (Outcome.SAVED, ID1),
        (Outcome.UNKNOWN, None),
        (Outcome.UNKNOWN, None),
    ]
    assert records[0].Id == ID1


def test_an_identical_record_from_before_the_call_is_never_claimed() -> None:
    """The trial's case: an older equal record exists and the request was not applied."""
    runs = lost_runs([Account(Name="Acme", Industry="Energy")])
    rows = [row(ID1, BEFORE, Name="Acme", Industry="Energy")]
    assert reconcile(runs, rows) == [(Outcome.UNKNOWN, None)]
    assert "before this call started" in collect([runs[0].finish()])[0].errors[-1].message


def test_equal_records_are_saved_when_exactly_as_many_rows_match() -> None:
    """k records with equal values and exactly k new rows: interchangeable, all SAVED."""
    runs = lost_runs([Account(Name="Twin"), Account(Name="Twin")], batch_size=1)
    rows = [row(ID2, "2024-01-31T12:00:08.000+0000", Name="Twin"), row(ID1, Name="Twin")]
    assert reconcile(runs, rows) == [(Outcome.SAVED, ID1), (Outcome.SAVED, ID2)]


@pytest.mark.parametrize("count", [1, 3])
def test_equal_records_with_another_number_of_rows_stay_unknown(count: int) -> None:
    """Fewer or more rows than records sent with those values: no one can tell which."""
    runs = lost_runs([Account(Name="Twin"), Account(Name="Twin")])
    rows = [row(record_id, Name="Twin") for record_id in (ID1, ID2, ID3)[:count]]
    assert reconcile(runs, rows) == [(Outcome.UNKNOWN, None)] * 2


def test_a_row_matching_two_groups_is_nobodys() -> None:
    """A row that fits records sent with different values settles neither."""
    runs = lost_runs([Account(Name="A"), Account(Name="A", Industry="Energy")])
    rows = [row(ID1, Name="A", Industry="Energy")]
    assert reconcile(runs, rows) == [(Outcome.UNKNOWN, None)] * 2


def test_without_a_date_header_nothing_is_claimed() -> None:
    """Without Salesforce's clock, a match cannot be tied to this call."""
    runs = lost_runs([Account(Name="A")])
    assert reconcile(runs, [row(ID1, Name="A")], date=None) == [(Outcome.UNKNOWN, None)]


def test_without_a_user_or_with_a_failed_query_nothing_is_claimed() -> None:
    """No user Id: no query; a failed query: every lost record stays UNKNOWN."""
    runs = lost_runs([Account(Name="A")])
    reconciler = Reconciler(runs, set(), NOW, clock())
    assert reconciler.queries(None) == []
    reconciler.settle()
    assert runs[0].results[0].outcome is Outcome.UNKNOWN
    runs = lost_runs([Account(Name="A")])
    reconciler = Reconciler(runs, set(), NOW, clock())
    reconciler.query_failed(SalesforceError("boom"))
    reconciler.found([row(ID1, Name="A")])
    reconciler.settle()
    assert "query failed" in runs[0].results[0].errors[-1].message


def test_ids_owned_by_settled_batches_are_not_handed_out_again() -> None:
    """A lost record equal to one another batch saved matches only the row left over."""
    plan = WritePlan(Operation.INSERT, batch_size=1)
    saved, lost = list(plan.batches([Account(Name="Dup"), Account(Name="Dup")]))
    first = plan.start(saved, 1)
    first.next_call()
    first.answered(answer([ok(ID1)]))
    second = plan.start(lost, 1)
    second.next_call()
    second.failed_in_transit(dropped())
    assert second.needs_reconcile
    assert not first.needs_reconcile
    parts = [first.finish()]
    claimed = claimed_ids(parts)
    assert claimed == {ID1}
    rows = [row(ID1, Name="Dup"), row(ID2, Name="Dup")]
    reconciler = Reconciler([second], claimed, NOW, clock())
    reconciler.found(rows)
    reconciler.settle()
    assert [(r.outcome, r.id) for r in collect([*parts, second.finish()])] == [
        (Outcome.SAVED, ID1),
        (Outcome.SAVED, ID2),
    ]
    # Without the call's Ids (on_batch_done), the saved twin's row makes the count wrong.
    second = lost_runs([Account(Name="Dup")])[0]
    reconciler = Reconciler([second], None, NOW, clock())
    reconciler.found(rows)
    reconciler.settle()
    assert second.results[0].outcome is Outcome.UNKNOWN


# -- upsert resends, interruptions, input checks -----------------------------------------------


def test_a_lost_upsert_is_resent_here_and_created_becomes_unknown() -> None:
    """After a try that may have been applied, created=False may be the first try's work."""
    plan = WritePlan(Operation.UPSERT, external_id_field="External_ID__c")
    records = [Account(External_ID__c="a"), Account(External_ID__c="b")]
    run = plan.start(only_batch(plan, records), max_attempts=3)
    call = run.next_call()
    assert call is not None
    assert call.extensions() == {"sf_toolkit.idempotent": False}  # the client must not resend
    run.failed_in_transit(dropped())
    assert run.next_call() is not None
    run.answered(answer([ok(ID1, created=False), ok(ID2, created=True)]))
    assert [(r.outcome, r.created) for r in run.finish()] == [
        (Outcome.SAVED, None),
        (Outcome.SAVED, True),
    ]


@pytest.mark.parametrize(("status", "outcome"), [(401, Outcome.FAILED), (None, Outcome.UNKNOWN)])
def test_an_interrupted_batch_is_failed_when_refused_else_unknown(
    status: int | None, outcome: Outcome
) -> None:
    """An error that is not an answer: refused (4xx) means not applied; anything else unknown."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="x")]), 3)
    run.next_call()
    error = SalesforceApiError("refused", status_code=status) if status else RuntimeError("x")
    run.interrupted(error)
    assert run.next_call() is None
    assert run.results[0].outcome is outcome
    assert run.needs_reconcile is (outcome is Outcome.UNKNOWN)


def test_flags_must_be_booleans() -> None:
    """all_or_none="yes" would be sent as JSON "yes": refused."""
    with pytest.raises(TypeError, match="all_or_none"):
        WritePlan(Operation.INSERT, all_or_none="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="only_changes"):
        WritePlan(Operation.UPDATE, only_changes=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="external_id_field"):
        WritePlan(Operation.UPSERT, external_id_field=5)  # type: ignore[arg-type]


def test_upsert_messages_name_the_real_problem() -> None:
    """Mixed types are named as such; an undeclared field is named as undeclared."""
    plan = WritePlan(Operation.UPSERT, external_id_field="External_ID__c")
    with pytest.raises(ValueError, match=r"one sObject type.*records\[1\], Contact"):
        plan.batches([Account(External_ID__c="a"), Contact(LastName="b")])
    plan = WritePlan(Operation.UPSERT, external_id_field="Nope__c")
    with pytest.raises(ValueError, match="'Nope__c' is not a field of Account"):
        plan.batches([Account(Name="a")])


def test_the_same_record_twice_is_refused() -> None:
    """A list: ValueError naming both places; a generator: the second one FAILED."""
    record = Account(Name="x")
    plan = WritePlan(Operation.INSERT)
    with pytest.raises(ValueError, match=r"records\[0\] and records\[2\] are the same"):
        plan.batches([record, Account(Name="y"), record])

    def generate() -> Iterator[Account]:
        yield record
        yield Account(Name="y")
        yield record

    batch = only_batch(plan, generate())
    assert [item.index for item in batch.items] == [0, 1]
    assert batch.positions == [2]
    assert batch.settled[0].errors[0].status_code == "INVALID_INPUT"


def test_retrieve_answer_with_a_non_record_entry_is_an_error() -> None:
    """An entry that is neither a record nor null is a SalesforceError, not a TypeError."""
    plan = RetrievePlan.build(Account, [ID1, ID2])
    with pytest.raises(SalesforceError, match="neither a record nor null"):
        plan.parse([ID1, ID2], [{"Id": ID1}, "str"])


def test_upsert_names_the_external_id_field_by_attribute_or_api_name() -> None:
    """As save_upsert does, the list upsert takes the attribute or the API name of the field."""

    class Shop(SObject, api_name="Account"):
        Name: str | None = None
        ext: str | None = sf_field(api_name="External_ID__c", default=None)

    for name in ("ext", "External_ID__c", "external_id__c"):
        plan = WritePlan(Operation.UPSERT, external_id_field=name)
        (batch,) = plan.batches([Shop(Name="a", ext="E1")])
        call = plan.call(batch.items)
        assert call.url == "composite/sobjects/Account/External_ID__c"
        assert call.json["records"][0]["External_ID__c"] == "E1"


# -- answers that cannot be trusted ------------------------------------------------------------


def test_retrieve_answer_is_matched_to_the_ids_asked_for() -> None:
    """Entries must carry the Id asked for at their place: a swapped answer is refused."""
    plan = RetrievePlan.build(Account, [ID1, ID2])
    with pytest.raises(SalesforceError, match=f"answered Id '{ID2}' where {ID1}"):
        plan.parse(plan.chunks[0], [{"Id": ID2}, {"Id": ID1}])


def test_retrieve_compares_18_character_ids_case_sensitively() -> None:
    """A 15-character Id in the answer is the same record; another case is another record."""
    plan = RetrievePlan.build(Account, [ID1])
    assert plan.parse(plan.chunks[0], [{"Id": ID1[:15], "Name": "A"}]) == {
        ID1: {"Id": ID1[:15], "Name": "A"}
    }
    other_case = "0O1" + ID1[3:]
    for wrong in (ID1[:15].replace("001", "00l"), other_case, None, 12):
        with pytest.raises(SalesforceError, match="never matched to Ids by position"):
            plan.parse(plan.chunks[0], [{"Id": wrong}])


def insert_answer(entries: list[Any], count: int) -> list[Any]:
    records = [Account(Name=f"N{n}") for n in range(count)]
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, records), max_attempts=1)
    run.next_call()
    run.answered(answer(entries))
    assert [item.record for item in run.lost] == [
        record
        for record, entry in zip(records, run.results.values(), strict=True)
        if entry.outcome is Outcome.UNKNOWN
    ]
    return [(r.outcome, r.id, [e.message for e in r.errors]) for r in run.finish()]


def test_a_created_record_without_an_id_is_unknown_not_saved() -> None:
    """``success: true`` without an id cannot be tied to a record: UNKNOWN (reconciled)."""
    assert insert_answer([{"success": True, "errors": []}], 1) == [
        (Outcome.UNKNOWN, None, ["Salesforce reported success without the record's Id"])
    ]


def test_one_malformed_id_does_not_lose_the_other_results() -> None:
    """A malformed id makes its own record UNKNOWN; its neighbour stays SAVED."""
    assert insert_answer([ok(ID1), ok("../../x")], 2) == [
        (Outcome.SAVED, ID1, []),
        (Outcome.UNKNOWN, None, ["Salesforce reported success with a malformed Id '../../x'"]),
    ]


def test_two_results_with_one_id_are_not_both_saved() -> None:
    """Two records cannot have been created as one: neither is SAVED."""
    outcomes = insert_answer([ok(ID1), ok(ID1[:15]), ok(ID2)], 3)
    assert [(outcome, record_id) for outcome, record_id, _ in outcomes] == [
        (Outcome.UNKNOWN, None),
        (Outcome.UNKNOWN, None),
        (Outcome.SAVED, ID2),
    ]
    assert outcomes[0][2] == [f"Salesforce answered Id {ID1} for more than one record"]


@pytest.mark.parametrize("success", ["true", 1, None])
def test_a_success_that_is_not_a_boolean_is_unreadable(success: object) -> None:
    """``"success": "true"`` is not Salesforce's boolean: the entry is unreadable, not FAILED."""
    [(outcome, record_id, messages)] = insert_answer([{"success": success, "id": ID1}], 1)
    assert (outcome, record_id) == (Outcome.UNKNOWN, None)
    assert "not true or false" in messages[0]


@pytest.mark.parametrize("entries", [[], [ok(ID1)], [ok(ID1), ok(ID2), ok(ID3)]])
def test_a_result_array_of_the_wrong_length_is_never_aligned(entries: list[Any]) -> None:
    """Two records answered with 0, 1 or 3 entries: every record UNKNOWN, none given an Id."""
    assert {(outcome, record_id) for outcome, record_id, _ in insert_answer(entries, 2)} == {
        (Outcome.UNKNOWN, None)
    }


def test_an_update_answered_for_another_id_is_unknown() -> None:
    """An update result naming another record is not this record's outcome."""
    plan = WritePlan(Operation.UPDATE)
    run = plan.start(only_batch(plan, [Account(Id=ID1, Name="x")]), max_attempts=1)
    run.next_call()
    run.answered(answer([ok(ID2)]))
    [result] = run.finish()
    assert result.outcome is Outcome.UNKNOWN


def test_per_record_messages_are_masked_with_the_requests_secrets() -> None:
    """A token echoed in a per-record error never reaches the result or SaveResultsError."""
    token = "00Dxx0000001gPL!AQ4AQFakeTokenValue.abc"
    request = httpx.Request(
        "POST",
        "https://x.my.salesforce.com/services/data/v59.0/composite/sobjects",
        headers={"Authorization": f"Bearer {token}"},
    )
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="A")]), max_attempts=1)
    run.next_call()
    echoed = failed("INVALID_FIELD", f"bad value auth=Bearer {token} and {token.upper()}")
    run.answered(httpx.Response(200, json=[echoed], request=request))
    results = collect([run.finish()])
    assert token not in repr(results)
    assert token.upper() not in repr(results)
    assert "bad value auth=Bearer" in results[0].errors[0].message
    with pytest.raises(SalesforceError) as caught:
        results.raise_for_failures()
    assert token not in str(caught.value)
    assert token not in repr(caught.value)


def test_only_plain_successes_skip_the_mask() -> None:
    """Beside plain successes, an entry that is not one is masked whole: a token echoed as
    its Id, or in its errors, never reaches the results."""
    token = "00Dxx0000001gPL!AQ4AQFakeTokenValue.abc"
    request = httpx.Request(
        "POST",
        "https://x.my.salesforce.com/services/data/v59.0/composite/sobjects",
        headers={"Authorization": f"Bearer {token}"},
    )
    plan = WritePlan(Operation.INSERT)
    records = [Account(Name="A"), Account(Name="B"), Account(Name="C")]
    run = plan.start(only_batch(plan, records), max_attempts=1)
    run.next_call()
    entries = [
        ok(ID1),
        {"id": token, "success": True, "errors": []},
        failed("INVALID_FIELD", f"bad value {token}"),
    ]
    run.answered(httpx.Response(200, json=entries, request=request))
    results = collect([run.finish()])
    assert results[0].id == ID1
    assert results[1].outcome is Outcome.UNKNOWN
    assert "malformed Id" in results[1].errors[0].message
    assert results[2].errors[0].message.startswith("bad value ")
    assert token not in repr(results)


def test_a_hostile_sobject_name_is_refused_before_sending() -> None:
    """attributes.type from an answer (a GenericRecord's) is checked as save_update checks it."""
    from sf_toolkit.models._base import make_generic

    record = make_generic("Account/../../services/oauth2/revoke")
    record.Id = ID1
    record.Name = "x"
    for operation in (Operation.UPDATE, Operation.INSERT, Operation.UPSERT):
        with pytest.raises(ValueError, match="is not an sObject API name"):
            list(WritePlan(operation, external_id_field="Name").batches([record]))


def test_an_id_two_batches_were_answered_with_is_saved_once() -> None:
    """Across the batches of one call, an insert Id answered again is UNKNOWN, not SAVED."""
    created_ids: set[str] = set()
    outcomes = []
    for name in ("first", "second"):
        plan = WritePlan(Operation.INSERT)
        record = Account(Name=name)
        run = plan.start(only_batch(plan, [record]), max_attempts=1)
        run.next_call()
        run.answered(answer([ok(ID1)]))
        [result] = run.finish(created_ids)
        outcomes.append((result.outcome, result.id, record.Id))
    assert outcomes == [(Outcome.SAVED, ID1, ID1), (Outcome.UNKNOWN, None, None)]
    assert created_ids == {ID1}


def test_upsert_refuses_models_that_name_another_external_id_field() -> None:
    """Two models of one sObject whose attribute maps to other fields cannot share a request."""

    class ShopA(SObject, api_name="Account"):
        ext: str | None = sf_field(api_name="Ext_A__c", default=None)

    class ShopB(SObject, api_name="Account"):
        ext: str | None = sf_field(api_name="Ext_B__c", default=None)

    plan = WritePlan(Operation.UPSERT, external_id_field="ext")
    with pytest.raises(ValueError, match=r"one external id field per call.*Ext_A__c.*Ext_B__c"):
        plan.batches([ShopA(ext="1"), ShopB(ext="2")])
    (failed,) = [
        item
        for batch in WritePlan(Operation.UPSERT, external_id_field="ext").batches(
            iter([ShopA(ext="1"), ShopB(ext="2")])
        )
        for item in batch.settled
    ]
    assert failed.outcome is Outcome.FAILED
