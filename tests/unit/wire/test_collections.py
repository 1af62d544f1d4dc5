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
    Operation,
    RetrievePlan,
    WritePlan,
    check_batch_size,
    check_concurrency,
    claimed_ids,
    collect,
)
from sf_toolkit.exceptions import InvalidIdError, SalesforceConnectionError, SalesforceError
from sf_toolkit.ids import to_id18


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
    with pytest.raises(ValueError, match="needs a record with an Id"):
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
    assert run.next_call(NOW) is not None
    run.answered(
        answer(
            [
                ok(ID1),
                failed("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"]),
            ]
        )
    )
    assert run.next_call(NOW) is None
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
    run.next_call(NOW)
    run.answered(answer([ok(ID1, created=True), ok(ID2, created=False)]))
    assert [r.created for _, r in run.finish()] == [True, False]


def test_only_locked_records_are_sent_again() -> None:
    """UNABLE_TO_LOCK_ROW items are retried alone; the others keep their results."""
    records = [Account(Name="a"), Account(Name="b"), Account(Name="c")]
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, records), max_attempts=4)
    run.next_call(NOW)
    run.answered(answer([ok(ID1), LOCKED, failed("DUPLICATE_VALUE")]))
    assert run.delay_attempt == 1
    retry = run.next_call(NOW)
    assert retry is not None
    assert retry.json["records"] == [{"attributes": {"type": "Account"}, "Name": "b"}]
    run.answered(answer([ok(ID2)]))
    assert run.next_call(NOW) is None
    assert [r.outcome for _, r in run.finish()] == [Outcome.SAVED, Outcome.SAVED, Outcome.FAILED]


def test_lock_retries_stop_at_max_attempts() -> None:
    """After max_attempts tries a locked record keeps its UNABLE_TO_LOCK_ROW failure."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="a")]), max_attempts=2)
    for _ in range(2):
        assert run.next_call(NOW) is not None
        run.answered(answer([LOCKED]))
    assert run.next_call(NOW) is None
    [(_, result)] = run.finish()
    assert result.errors[0].status_code == "UNABLE_TO_LOCK_ROW"


def test_all_or_none_lock_resends_every_record() -> None:
    """With allOrNone, a lock rolled the others back, so all are sent again."""
    plan = WritePlan(Operation.INSERT, all_or_none=True)
    run = plan.start(only_batch(plan, [Account(Name="a"), Account(Name="b")]), max_attempts=3)
    run.next_call(NOW)
    run.answered(answer([ROLLED_BACK, LOCKED]))
    retry = run.next_call(NOW)
    assert retry is not None
    assert len(retry.json["records"]) == 2


def test_all_or_none_real_failure_is_not_retried() -> None:
    """With allOrNone, a validation failure besides the lock ends the batch."""
    plan = WritePlan(Operation.INSERT, all_or_none=True)
    run = plan.start(
        only_batch(plan, [Account(Name="a"), Account(Name="b"), Account(Name="c")]),
        max_attempts=3,
    )
    run.next_call(NOW)
    run.answered(answer([ROLLED_BACK, LOCKED, failed("REQUIRED_FIELD_MISSING")]))
    assert run.next_call(NOW) is None


def test_delete_of_a_deleted_record_counts_as_done() -> None:
    """ENTITY_IS_DELETED answers a delete whose first try worked: SAVED."""
    plan = WritePlan(Operation.DELETE)
    run = plan.start(only_batch(plan, [ID1, ID2]), max_attempts=1)
    run.next_call(NOW)
    run.answered(
        answer(
            [
                failed("ENTITY_IS_DELETED", "entity is deleted"),
                failed("INVALID_CROSS_REFERENCE_KEY"),
            ]
        )
    )
    results = [r for _, r in run.finish()]
    assert [(r.outcome, r.id) for r in results] == [(Outcome.SAVED, ID1), (Outcome.FAILED, ID2)]


def test_request_level_400_fails_every_record() -> None:
    """A refused request (400) was not applied: each record FAILED with its error."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="a")]), max_attempts=3)
    run.next_call(NOW)
    run.answered(
        answer([{"errorCode": "INVALID_TYPE", "message": "Must send a concrete entity type."}], 400)
    )
    assert run.next_call(NOW) is None
    [(_, result)] = run.finish()
    assert result.outcome is Outcome.FAILED
    assert result.errors[0].status_code == "INVALID_TYPE"


def test_misaligned_answer_is_unknown() -> None:
    """An answer with fewer entries than records cannot be trusted: UNKNOWN."""
    plan = WritePlan(Operation.UPDATE)
    run = plan.start(only_batch(plan, [Account(Id=ID1), Account(Id=ID2)]), max_attempts=1)
    run.next_call(NOW)
    run.answered(answer([ok(ID1)]))
    assert {r.outcome for _, r in run.finish()} == {Outcome.UNKNOWN}


# -- lost answers ------------------------------------------------------------------------------


def dropped() -> SalesforceConnectionError:
    error = SalesforceConnectionError("no answer")
    error.__cause__ = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    return error


def test_lost_update_is_unknown_and_not_reconciled() -> None:
    """An update without an answer (after the client's own retries) is UNKNOWN."""
    plan = WritePlan(Operation.UPDATE)
    run = plan.start(only_batch(plan, [Account(Id=ID1, Name="x")]), max_attempts=3)
    run.next_call(NOW)
    run.failed_in_transit(dropped())
    assert run.next_call(NOW) is None
    assert run.reconcile_queries(None) == []
    [(_, result)] = run.finish()
    assert (result.outcome, result.id) == (Outcome.UNKNOWN, ID1)


def test_never_sent_request_is_failed() -> None:
    """A connect error means nothing reached Salesforce: FAILED, not unknown."""
    error = SalesforceConnectionError("refused")
    error.__cause__ = httpx.ConnectError("refused")
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="x")]), max_attempts=3)
    run.next_call(NOW)
    run.failed_in_transit(error)
    assert run.reconcile_queries(None) == []
    [(_, result)] = run.finish()
    assert result.outcome is Outcome.FAILED


def test_lost_insert_asks_a_narrow_query() -> None:
    """The reconciling query: created by me since shortly before, with the names sent."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="O'Hara", Industry="Energy")]), 3)
    run.next_call(NOW)
    run.failed_in_transit(dropped())
    [query] = run.reconcile_queries("005000000000001AAA")
    assert query.soql == (
        "SELECT Id, Industry, Name FROM Account WHERE CreatedDate >= 2024-01-31T11:50:00Z "
        "AND CreatedById = '005000000000001AAA' AND Name IN ('O\\'Hara')"
    )


def test_lost_insert_matches_one_row_per_record() -> None:
    """A record matching exactly one unclaimed row is SAVED with its Id; others UNKNOWN."""
    records = [Account(Name="A", Industry="Energy"), Account(Name="B"), Account(Name="C")]
    plan = WritePlan(Operation.INSERT, batch_size=200)
    run = plan.start(only_batch(plan, records), 3)
    run.next_call(NOW)
    run.failed_in_transit(dropped())
    [query] = run.reconcile_queries(None)
    claimed = {ID3}
    rows = [
        {"attributes": {"type": "Account"}, "Id": ID1, "Name": "A", "Industry": "Energy"},
        {"attributes": {"type": "Account"}, "Id": ID2, "Name": "A", "Industry": None},
        {"attributes": {"type": "Account"}, "Id": ID3, "Name": "C", "Industry": None},
    ]
    run.reconciled(query, rows, claimed)
    results = [r for _, r in run.finish()]
    assert [(r.outcome, r.id) for r in results] == [
        (Outcome.SAVED, ID1),
        (Outcome.UNKNOWN, None),
        (Outcome.UNKNOWN, None),
    ]
    assert records[0].Id == ID1
    assert claimed == {ID1, ID3}


def test_lost_inserts_with_equal_values_stay_unknown() -> None:
    """Two records with the same values cannot be told apart: both UNKNOWN."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="Twin"), Account(Name="Twin")]), 3)
    run.next_call(NOW)
    run.failed_in_transit(dropped())
    [query] = run.reconcile_queries(None)
    rows = [{"Id": ID1, "Name": "Twin"}, {"Id": ID2, "Name": "Twin"}]
    run.reconciled(query, rows, set())
    assert {r.outcome for _, r in run.finish()} == {Outcome.UNKNOWN}


def test_a_502_on_insert_may_have_been_applied() -> None:
    """A 502 after an insert is reconciled like a lost answer, not reported as failed."""
    plan = WritePlan(Operation.INSERT)
    run = plan.start(only_batch(plan, [Account(Name="x")]), 3)
    run.next_call(NOW)
    run.answered(answer([{"errorCode": "BAD_GATEWAY", "message": "bad gateway"}], 502))
    assert len(run.reconcile_queries(None)) == 1


def test_ids_owned_by_settled_batches_are_not_handed_out_again() -> None:
    """A lost record equal to one another batch saved matches only the row left over."""
    plan = WritePlan(Operation.INSERT, batch_size=1)
    saved, lost = list(plan.batches([Account(Name="Dup"), Account(Name="Dup")]))
    first = plan.start(saved, 1)
    first.next_call(NOW)
    first.answered(answer([ok(ID1)]))
    second = plan.start(lost, 1)
    second.next_call(NOW)
    second.failed_in_transit(dropped())
    assert second.needs_reconcile
    assert not first.needs_reconcile
    parts = [first.finish(), second]
    claimed = claimed_ids(parts)
    assert claimed == {ID1}
    [query] = second.reconcile_queries(None)
    second.reconciled(query, [{"Id": ID1, "Name": "Dup"}, {"Id": ID2, "Name": "Dup"}], claimed)
    assert [(r.outcome, r.id) for r in collect(parts)] == [
        (Outcome.SAVED, ID1),
        (Outcome.SAVED, ID2),
    ]
