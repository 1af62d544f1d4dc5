# Generated from tests/_async/test_lists.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""List operations against the fake org: sObject Collections, concurrency, results, retries."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sf_toolkit import (
    Outcome,
    RetryPolicy,
    SalesforceClient,
    SaveInterruptedError,
    SaveResults,
    SaveResultsError,
    SObject,
)
from sf_toolkit.exceptions import (
    InvalidIdError,
    NoClientError,
    SalesforceApiError,
    UnexpectedResponseError,
)
from sf_toolkit.io.api import (
    delete_list,
    fetch_list,
    save_insert_list,
    save_update_list,
    save_upsert_list,
)
from sf_toolkit.models._base import make_generic
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    Industry: str | None = None
    External_ID__c: str | None = None


class Contact(SObject):
    LastName: str | None = None


def collections_requests(org: FakeOrg) -> list[Any]:
    return [r for r in org.requests if r.route == "collections"]


def accounts(count: int, prefix: str = "Acct") -> list[Account]:
    return [Account(Name=f"{prefix} {n}") for n in range(count)]


# -- fetch_list -------------------------------------------------------------------------------


def test_fetch_list_5000_ids_cost_3_requests(client: SalesforceClient, org: FakeOrg) -> None:
    """5000 ids are fetched with 3 Collections retrieve requests, in input order."""
    ids = [org.insert("Account", {"Name": f"A{n}"}) for n in range(5000)]
    org.reset_stats()
    records = fetch_list(Account, *ids, sf_client=client, concurrency=2)
    assert [r.Id if r else None for r in records] == ids
    assert [r.Name if r else None for r in records][:3] == ["A0", "A1", "A2"]
    sent = collections_requests(org)
    assert sorted((r.method, len(r.body["ids"])) for r in sent) == [
        ("POST", 1000),
        ("POST", 2000),
        ("POST", 2000),
    ]
    assert len(org.requests) == 3


def test_fetch_list_asks_for_the_model_fields(client: SalesforceClient, org: FakeOrg) -> None:
    """The retrieve body names the model's fields, and ids go in the body, not the URL."""
    account_id = org.insert("Account", {"Name": "Acme", "Industry": "Energy"})
    org.reset_stats()
    [record] = fetch_list(Account, account_id, sf_client=client)
    assert record is not None
    assert record.Industry == "Energy"
    [request] = org.requests
    assert request.path.endswith("/composite/sobjects/Account")
    assert set(request.body["fields"]) == {"Id", "Name", "Industry", "External_ID__c"}
    assert request.body["ids"] == [account_id]


def test_fetch_list_duplicates_short_ids_and_missing(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """Duplicates and 15-character ids are fetched once; unknown ids give None in place."""
    first = org.insert("Account", {"Name": "First"})
    second = org.insert("Account", {"Name": "Second"})
    org.reset_stats()
    deleted = org.insert("Account", {"Name": "Gone"})
    delete_list([deleted], sf_client=client)
    org.reset_stats()
    records = fetch_list(Account, second, first[:15], deleted, second, sf_client=client)
    assert [r.Name if r else None for r in records] == ["Second", "First", None, "Second"]
    assert records[0] is not records[3]
    [request] = org.requests
    assert request.body["ids"] == [second, first, deleted]


def test_fetch_list_calls_back_per_chunk(client: SalesforceClient, org: FakeOrg) -> None:
    """on_chunk_received gets each chunk's response, whose json() is the chunk's records."""
    ids = [org.insert("Account", {"Name": f"A{n}"}) for n in range(2500)]
    sizes: list[int] = []

    def on_chunk_received(response: httpx.Response) -> None:
        sizes.append(len(response.json()))

    fetch_list(Account, *ids, sf_client=client, on_chunk_received=on_chunk_received)
    assert sorted(sizes) == [500, 2000]


def test_fetch_list_in_flight_never_exceeds_concurrency(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """With latency injected, retrieve requests overlap up to `concurrency`, never more."""
    ids = [org.insert("Account", {"Name": f"A{n}"}) for n in range(12_000)]
    with make_client() as client:
        org.faults.latency = 0.05
        org.reset_stats()
        fetch_list(Account, *ids, sf_client=client, concurrency=3)
    assert len(collections_requests(org)) == 6
    assert org.stats.max_in_flight == 3


# -- writes -----------------------------------------------------------------------------------


def test_insert_list_assigns_ids_in_order(client: SalesforceClient, org: FakeOrg) -> None:
    """Each record gets its own new Id, results in input order, change sets cleared."""
    records = accounts(450)
    org.reset_stats()
    results = save_insert_list(records, sf_client=client)
    assert results.all_succeeded
    assert len(results) == 450
    assert [r.record for r in results] == records
    assert [r.id for r in results] == [a.Id for a in records]
    assert all(r.created for r in results)
    assert [org.get("Account", str(a.Id))["Name"] for a in records] == [a.Name for a in records]  # type: ignore[index]
    assert sorted(len(r.body["records"]) for r in collections_requests(org)) == [50, 200, 200]
    records[0].Industry = "Energy"
    assert (save_update_list(records[:2], sf_client=client, only_changes=True))[
        1
    ].outcome is Outcome.UNCHANGED


def test_batches_never_exceed_batch_size(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Every request carries at most `batch_size` records, and in-flight stays bounded."""
    with make_client() as client:
        org.faults.latency = 0.02
        org.reset_stats()
        results = save_insert_list(accounts(1000), sf_client=client, batch_size=37, concurrency=4)
    assert results.all_succeeded
    sizes = [len(r.body["records"]) for r in collections_requests(org)]
    assert max(sizes) == 37
    assert sum(sizes) == 1000
    assert len(sizes) == 28
    assert org.stats.max_in_flight == 4


def test_generator_is_read_batch_by_batch(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A generator is consumed lazily: never more than concurrency x batch_size ahead."""
    produced = 0
    ahead: list[int] = []

    def generate() -> Iterator[Account]:
        nonlocal produced
        for n in range(600):
            saved = sum(1 for r in org.requests if r.route == "collections") * 50
            ahead.append(produced - saved)
            produced += 1
            yield Account(Name=f"Gen {n}")

    with make_client() as client:
        org.faults.latency = 0.01
        org.reset_stats()
        results = save_insert_list(generate(), sf_client=client, batch_size=50, concurrency=2)
    assert results.all_succeeded
    assert len(results) == 600
    assert org.count("Account") == 600
    assert max(ahead) <= 2 * 50 + 50


def test_update_only_changes_sends_changed_fields_and_id(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """only_changes sends changed fields plus Id; unchanged records are not sent."""
    ids = [org.insert("Account", {"Name": f"U{n}"}) for n in range(3)]
    records = [r for r in fetch_list(Account, *ids, sf_client=client) if r]
    records[1].Industry = "Energy"
    org.reset_stats()
    results = save_update_list(records, sf_client=client, only_changes=True)
    assert [r.outcome for r in results] == [Outcome.UNCHANGED, Outcome.SAVED, Outcome.UNCHANGED]
    [request] = org.requests
    assert request.method == "PATCH"
    assert request.body["records"] == [
        {"attributes": {"type": "Account"}, "id": ids[1], "Industry": "Energy"}
    ]
    assert org.get("Account", ids[1])["Industry"] == "Energy"  # type: ignore[index]


def test_update_list_reports_per_record_failures(client: SalesforceClient, org: FakeOrg) -> None:
    """A failing record gets Salesforce's error; the others are saved; nothing is raised."""
    good = org.insert("Account", {"Name": "Good"})
    gone = org.insert("Account", {"Name": "Gone"})
    delete_list([gone], sf_client=client)
    records = [Account(Id=good, Name="Better"), Account(Id=gone, Name="Back")]
    results = save_update_list(records, sf_client=client)
    assert [r.outcome for r in results] == [Outcome.SAVED, Outcome.FAILED]
    assert results.failures == [results[1]]
    assert results[1].errors[0].status_code == "ENTITY_IS_DELETED"
    assert results[1].id == gone
    with pytest.raises(SaveResultsError, match="1 of 2 records did not succeed"):
        results.raise_for_failures()


def test_mixed_types_in_one_insert(client: SalesforceClient, org: FakeOrg) -> None:
    """Create takes several sObject types in one request."""
    records: list[SObject] = [Account(Name="A"), Contact(LastName="C"), Account(Name="B")]
    org.reset_stats()
    results = save_insert_list(records, sf_client=client)
    assert results.all_succeeded
    assert len(org.requests) == 1
    assert str(results[1].id).startswith("003")


def test_upsert_list_reports_created(client: SalesforceClient, org: FakeOrg) -> None:
    """Upsert answers created True for new records and False for matched ones."""
    existing = org.insert("Account", {"Name": "Old", "External_ID__c": "X1"})
    records = [
        Account(Name="New old", External_ID__c="X1"),
        Account(Name="Brand new", External_ID__c="X2"),
    ]
    org.reset_stats()
    results = save_upsert_list(records, "External_ID__c", sf_client=client)
    assert [(r.outcome, r.created) for r in results] == [
        (Outcome.SAVED, False),
        (Outcome.SAVED, True),
    ]
    assert records[0].Id == existing
    assert org.requests[0].path.endswith("/composite/sobjects/Account/External_ID__c")


def test_delete_list_takes_records_and_ids(client: SalesforceClient, org: FakeOrg) -> None:
    """delete_list accepts records and Id strings; an already deleted record counts as done."""
    ids = [org.insert("Account", {"Name": f"D{n}"}) for n in range(3)]
    results = delete_list([Account(Id=ids[0]), ids[1]], sf_client=client)
    assert results.all_succeeded
    again = delete_list([ids[1], ids[2]], sf_client=client)
    assert again.all_succeeded
    assert org.count("Account") == 0


def test_default_connection_is_used(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Without sf_client, the registered default connection is used, as the seed does."""
    with make_client():
        results = save_insert_list(accounts(3), batch_size=200)
        assert results.all_succeeded
        found = fetch_list(Account, *[str(r.id) for r in results])
        assert [a.Name for a in found if a] == ["Acct 0", "Acct 1", "Acct 2"]


# -- bad input --------------------------------------------------------------------------------


SAME = Account(Name="same")

BAD_CALLS: dict[str, tuple[type[Exception], Callable[[], Any]]] = {
    "same record twice": (
        ValueError,
        lambda: save_insert_list([SAME, Account(Name="x"), SAME]),
    ),
    "all_or_none not a bool": (
        TypeError,
        lambda: save_insert_list(accounts(2), all_or_none="yes"),  # type: ignore[arg-type]
    ),
    "only_changes not a bool": (
        TypeError,
        lambda: save_update_list(
            [Account(Id="001000000000001AAA")],
            only_changes="no",  # type: ignore[arg-type]
        ),
    ),
    "upsert on an undeclared field": (
        ValueError,
        lambda: save_upsert_list([Account(Name="a")], "Nope__c"),
    ),
    "on_batch_done not callable": (
        TypeError,
        lambda: save_insert_list(accounts(2), on_batch_done=5),  # type: ignore[arg-type]
    ),
    "batch_size 0": (ValueError, lambda: save_insert_list(accounts(2), batch_size=0)),
    "batch_size 201": (ValueError, lambda: save_insert_list(accounts(2), batch_size=201)),
    "concurrency 0": (ValueError, lambda: save_insert_list(accounts(2), concurrency=0)),
    "fetch concurrency 0": (
        ValueError,
        lambda: fetch_list(Account, "001000000000001AAA", concurrency=0),
    ),
    "update without Id": (
        ValueError,
        lambda: save_update_list([Account(Id="001000000000001AAA"), Account(Name="x")]),
    ),
    "delete without Id": (ValueError, lambda: delete_list([Account(Name="x")])),
    "delete malformed id": (InvalidIdError, lambda: delete_list(["001XX1"])),
    "upsert without external id": (
        ValueError,
        lambda: save_upsert_list(
            [Account(External_ID__c="a"), Account(Name="b")], "External_ID__c"
        ),
    ),
    "upsert mixed types": (
        ValueError,
        lambda: save_upsert_list([Account(External_ID__c="a"), Contact(LastName="b")], "LastName"),
    ),
    "insert with Id": (
        ValueError,
        lambda: save_insert_list([Account(Id="001000000000001AAA")]),
    ),
    "not a record": (TypeError, lambda: save_insert_list([{"Name": "x"}])),  # type: ignore[list-item]
    "fetch malformed id": (InvalidIdError, lambda: fetch_list(Account, "001XX1")),
    "fetch list without star": (TypeError, lambda: fetch_list(Account, ["001"])),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_before_any_request(
    case: str, client: SalesforceClient, org: FakeOrg
) -> None:
    """Each bad input is a typed error raised before any request is sent."""
    error, call = BAD_CALLS[case]
    org.reset_stats()
    with pytest.raises(error):
        call()
    assert org.requests == []


def test_no_client_is_a_typed_error(org: FakeOrg) -> None:
    """Without a client and without a registered one, NoClientError, before any request."""
    with pytest.raises(NoClientError):
        save_insert_list([Account(Name="x")])
    assert org.requests == []


# -- retries and lost answers -----------------------------------------------------------------


def lose_answers(org: FakeOrg, method: str, *, after_apply: bool = True) -> None:
    """Drop the connection of every `method` request, after (or before) it took effect."""
    org.faults.rate_drop = 1.0
    org.faults.drop_after_apply = after_apply
    org.faults.methods = frozenset({method})


def inject_write_faults(org: FakeOrg, *, lock: float, unavailable: float, drop: float) -> None:
    """Seeded faults on Collections: locked records, 503s, and answers lost after applying."""
    org.faults.rate_lock_row = lock
    org.faults.rate_503 = unavailable
    org.faults.rate_drop = drop
    org.faults.drop_after_apply = True
    org.faults.routes = frozenset({"collections"})


def names_sent(request: Any) -> list[str]:
    return [entry["Name"] for entry in request.body["records"]]


#: Enough tries that a record locked 30% of the time gets through.
PATIENT = RetryPolicy(attempts=30, backoff_initial=0.0, backoff_max=0.0, jitter=False)


def test_locked_records_are_retried_alone(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Records failing with UNABLE_TO_LOCK_ROW are sent again, and only those."""
    org.faults.rate_lock_row = 0.3
    org.faults.routes = frozenset({"collections"})
    records = accounts(100)
    with make_client(retry=PATIENT) as client:
        org.reset_stats()
        results = save_insert_list(records, sf_client=client, batch_size=100)
    assert results.all_succeeded
    sent = [names_sent(r) for r in collections_requests(org)]
    assert len(sent) > 1
    assert len(sent[1]) < len(sent[0])
    for before, after in itertools.pairwise(sent):
        assert set(after) <= set(before)
    assert sorted(a["Name"] for a in org.records("Account")) == sorted(n for n in sent[0])


def test_lock_retries_stop_after_the_policy_attempts(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A record that stays locked is tried `attempts` times, then reported FAILED."""
    org.faults.rate_lock_row = 1.0
    org.faults.routes = frozenset({"collections"})
    org.reset_stats()
    results = save_insert_list(accounts(3), sf_client=client)
    assert [r.outcome for r in results] == [Outcome.FAILED] * 3
    assert results[0].errors[0].status_code == "UNABLE_TO_LOCK_ROW"
    assert len(collections_requests(org)) == client.retry.attempts
    assert org.count("Account") == 0


def test_all_or_none_retries_the_whole_request_on_locks(
    make_client: Callable[..., SalesforceClient],
) -> None:
    """With all_or_none, a lock rolls the request back, so every record is sent again."""
    org = FakeOrg(seed=3)  # its first fault draw is a lock
    org.faults.rate_lock_row = 0.3
    org.faults.routes = frozenset({"collections"})
    with make_client(retry=PATIENT, transport=org.transport()) as client:
        org.reset_stats()
        results = save_insert_list(accounts(5), sf_client=client, all_or_none=True)
    sent = [names_sent(r) for r in collections_requests(org)]
    assert len(sent) > 1
    assert all(len(names) == 5 for names in sent)
    assert results.all_succeeded
    assert org.count("Account") == 5


def test_all_or_none_with_a_lock_and_a_real_failure_is_not_partly_resent(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Salesforce rolled an all-or-none request back for a lock AND a missing field: resending
    the locked record alone would commit part of an all-or-none request. Nothing is resent."""
    answer = [
        {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "x"}]},
        {"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "y"}]},
        {
            "success": False,
            "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "z"}],
        },
    ]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/composite/sobjects"):
            org.handle(request)  # logged (and rolled back: a Name is missing); answered as:
            return httpx.Response(200, json=answer)
        return org.handle(request)

    records = [Account(Name="a"), Account(Industry="b"), Account(Name="c")]
    with make_client(transport=httpx.MockTransport(handle), retry=PATIENT) as client:
        org.reset_stats()
        results = save_insert_list(records, sf_client=client, all_or_none=True)
    assert len(collections_requests(org)) == 1
    assert org.count("Account") == 0
    assert [r.outcome for r in results] == [Outcome.FAILED] * 3
    assert [r.errors[0].status_code for r in results][:2] == [
        "UNABLE_TO_LOCK_ROW",
        "REQUIRED_FIELD_MISSING",
    ]


def test_insert_lost_after_apply_is_reconciled(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """An insert whose answer was lost is not resent: its records are found in the org, once
    they were provably created after the call started (here: over a second later, by the
    org's clock, as the reconciling query's Date header tells)."""

    def generate() -> Iterator[Account]:
        for n in range(4):
            if n == 3:  # the first batch is done: lose the second one's answer, 1.1 s late
                lose_answers(org, "POST")
                org.faults.latency = 1.1
            yield Account(Name=f"Late {n}")

    records: list[Account] = []
    with make_client() as client:
        org.faults.routes = frozenset({"collections"})
        org.reset_stats()
        results = save_insert_list(
            (records.append(a) or a for a in generate()),  # type: ignore[func-returns-value]
            sf_client=client,
            batch_size=2,
            concurrency=1,
        )
    assert [r.outcome for r in results] == [Outcome.SAVED] * 4
    assert [r.status for r in collections_requests(org)] == [200, 0]
    assert org.count("Account") == 4
    by_name = {row["Name"]: row["Id"] for row in org.records("Account")}
    assert [a.Id for a in records] == [by_name[a.Name] for a in records]
    assert [r.id for r in results] == [a.Id for a in records]
    assert [r.route for r in org.requests][-1] == "query"


def test_lost_insert_never_claims_an_older_equal_record(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A lost insert (not applied) whose values equal an older record's is UNKNOWN: the older
    record is never reported as this call's."""
    first = Account(Name="Acme", Industry="Energy")
    save_insert_list([first], sf_client=client)
    lose_answers(org, "POST", after_apply=False)
    second = Account(Name="Acme", Industry="Energy")
    [result] = save_insert_list([second], sf_client=client)
    assert (result.outcome, result.id, second.Id) == (Outcome.UNKNOWN, None, None)
    assert "before this call started" in result.errors[-1].message
    assert [r.route for r in org.requests][-1] == "query"
    assert org.count("Account") == 1


def test_insert_lost_in_the_first_second_is_unknown(client: SalesforceClient, org: FakeOrg) -> None:
    """Records created within the second the call started in cannot be told from older ones
    by Salesforce's clock: UNKNOWN, never resent, never written twice."""
    lose_answers(org, "POST")
    records = accounts(5)
    org.reset_stats()
    results = save_insert_list(records, sf_client=client)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 5
    assert [r.route for r in org.requests] == ["collections", "query"]
    assert org.count("Account") == 5
    assert all(a.Id is None for a in records)


def test_insert_lost_before_apply_is_unknown(client: SalesforceClient, org: FakeOrg) -> None:
    """An insert whose answer was lost and whose records are not found is UNKNOWN, not resent."""
    lose_answers(org, "POST", after_apply=False)
    records = accounts(2)
    org.reset_stats()
    results = save_insert_list(records, sf_client=client)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 2
    assert not results[0].success
    assert results[0].errors[-1].status_code == "UNKNOWN_OUTCOME"
    assert len(collections_requests(org)) == 1
    assert records[0].Id is None
    assert org.count("Account") == 0


def test_ambiguous_reconciliation_is_unknown(client: SalesforceClient, org: FakeOrg) -> None:
    """Two lost records with the same values cannot be told apart: both are UNKNOWN."""
    lose_answers(org, "POST")
    results = save_insert_list([Account(Name="Twin"), Account(Name="Twin")], sf_client=client)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 2
    assert org.count("Account") == 2


def test_upsert_lost_after_apply_is_resent(client: SalesforceClient, org: FakeOrg) -> None:
    """An upsert whose answer was lost is sent again (it is idempotent): no duplicates."""
    lose_answers(org, "PATCH")
    records = [Account(Name=f"U{n}", External_ID__c=f"E{n}") for n in range(3)]
    org.reset_stats()
    results = save_upsert_list(records, "External_ID__c", sf_client=client)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 3
    assert len(collections_requests(org)) == client.retry.attempts
    org.faults.rate_drop = 0.0
    results = save_upsert_list(records, "External_ID__c", sf_client=client)
    assert [r.created for r in results] == [False] * 3
    assert org.count("Account") == 3


def test_ten_thousand_inserts_under_faults_land_once(
    make_client: Callable[..., SalesforceClient],
) -> None:
    """Under locks, 503s and drops after apply, each record is in the org once or not SAVED."""
    seed = 11
    org = FakeOrg(seed=seed)
    records = accounts(10_000, prefix=f"Load{seed}")
    with make_client(transport=org.transport()) as client:
        inject_write_faults(org, lock=0.02, unavailable=0.05, drop=0.1)
        results = save_insert_list(records, sf_client=client, batch_size=100, concurrency=8)
    assert len(results) == 10_000
    stored: dict[str, list[str]] = {}
    for row in org.records("Account"):
        stored.setdefault(row["Name"], []).append(row["Id"])
    assert all(len(ids) == 1 for ids in stored.values())
    outcomes = dict.fromkeys(Outcome, 0)
    for record, result in zip(records, results, strict=True):
        outcomes[result.outcome] += 1
        assert result.record is record
        if result.outcome is Outcome.SAVED:
            assert stored[str(record.Name)] == [result.id]
            assert record.Id == result.id
        elif result.outcome is Outcome.FAILED:
            assert record.Name not in stored
        else:
            assert result.outcome is Outcome.UNKNOWN
    assert outcomes[Outcome.SAVED] + outcomes[Outcome.FAILED] + outcomes[Outcome.UNKNOWN] == 10_000
    drops = [r for r in org.requests if r.route == "collections" and r.status == 0]
    assert drops, "the faults must have fired"
    # Every stored row is a SAVED result's, or belongs to a record reported UNKNOWN.
    unknown = {r.record.Name for r in results if r.outcome is Outcome.UNKNOWN}
    saved = {r.record.Name for r in results if r.outcome is Outcome.SAVED}
    assert set(stored) <= saved | unknown
    assert len(saved) == outcomes[Outcome.SAVED]


def test_upsert_created_is_unknown_after_a_resend(
    make_client: Callable[..., SalesforceClient],
) -> None:
    """The first try of an upsert was applied but its answer lost; the resend finds the
    records there. created is then None (unknown), never a wrong False."""
    org = FakeOrg(seed=3)  # its first drop draw fires, its second does not
    records = [Account(Name=f"U{n}", External_ID__c=f"E{n}") for n in range(3)]
    with make_client(transport=org.transport()) as client:
        client.get("limits")
        lose_answers(org, "PATCH")
        org.faults.rate_drop = 0.5
        org.faults.routes = frozenset({"collections"})
        org.reset_stats()
        results = save_upsert_list(records, "External_ID__c", sf_client=client)
    assert [r.status for r in collections_requests(org)] == [0, 200]
    assert [(r.outcome, r.created) for r in results] == [(Outcome.SAVED, None)] * 3
    assert [a.Id for a in records] == [r.id for r in results]
    assert org.count("Account") == 3


# -- streaming, interruptions, odd answers ----------------------------------------------------


def test_on_batch_done_streams_results_and_keeps_none(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """With on_batch_done, each batch's results go to the callback and are not kept: records
    read from a generator are freed once their batch is done (memory bounded by concurrency
    x batch_size), and the call returns only what did not succeed."""
    alive: list[weakref.ref[Account]] = []
    most_alive = 0

    def generate() -> Iterator[Account]:
        nonlocal most_alive
        for n in range(1000):
            most_alive = max(most_alive, sum(1 for ref in alive if ref() is not None))
            record = Account(Name=f"S{n}", Id="001000000000001AAA" if n == 250 else None)
            alive.append(weakref.ref(record))
            yield record

    sizes: list[int] = []

    def on_batch_done(results: SaveResults[Account]) -> None:
        assert isinstance(results, SaveResults)
        sizes.append(len(results))

    with make_client() as client:
        org.faults.latency = 0.01
        results = save_insert_list(
            generate(), sf_client=client, batch_size=50, concurrency=2, on_batch_done=on_batch_done
        )
    assert sum(sizes) == 1000
    assert len(sizes) == 20
    assert [(r.outcome, r.record.Name) for r in results] == [(Outcome.FAILED, "S250")]
    assert org.count("Account") == 999
    # In flight (2 batches), one just finished, one being cut: never the whole input.
    assert most_alive <= (2 + 2) * 50 + 1


def test_a_failing_generator_keeps_what_was_saved(client: SalesforceClient, org: FakeOrg) -> None:
    """The input raising mid-run stops the call; the error carries every record sent."""

    def generate() -> Iterator[Account]:
        for n in range(500):
            if n == 230:
                raise RuntimeError("source broke")
            yield Account(Name=f"M{n}")

    with pytest.raises(SaveInterruptedError, match="source broke") as caught:
        save_insert_list(generate(), sf_client=client, batch_size=50, concurrency=2)
    error = caught.value
    assert isinstance(error.__cause__, RuntimeError)
    assert [r.record.Name for r in error.results] == [f"M{n}" for n in range(200)]
    assert {r.outcome for r in error.results} == {Outcome.SAVED}
    assert {r.id for r in error.results} == {row["Id"] for row in org.records("Account")}


def test_a_failing_callback_stops_the_call_and_keeps_what_was_saved(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """on_batch_done raising stops the call; batches in flight are finished, not abandoned,
    and every record in the org is in a batch handed over or in the error's results."""
    calls = 0

    def on_batch_done(results: SaveResults[Account]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ValueError("callback broke")

    with make_client() as client:
        org.faults.latency = 0.01
        with pytest.raises(SaveInterruptedError) as caught:
            save_insert_list(
                accounts(1000),
                sf_client=client,
                batch_size=100,
                concurrency=3,
                on_batch_done=on_batch_done,
            )
    error = caught.value
    assert isinstance(error.__cause__, ValueError)
    assert calls == 2
    assert {r.outcome for r in error.results} == {Outcome.SAVED}
    assert org.count("Account") == 100 + len(error.results) < 1000


def test_the_same_record_twice_from_a_generator_is_saved_once(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """From a generator, a record object read again gets a FAILED result: one row, not two."""
    record = Account(Name="Once")
    results = save_insert_list(
        (r for r in [record, Account(Name="Other"), record]), sf_client=client
    )
    assert [r.outcome for r in results] == [Outcome.SAVED, Outcome.SAVED, Outcome.FAILED]
    assert results[2].errors[0].status_code == "INVALID_INPUT"
    assert record.Id == results[0].id
    assert org.count("Account") == 1 + 1


def garbled(org: FakeOrg, method: str) -> httpx.MockTransport:
    """Apply `method` Collections requests in the org, then answer 200 with an HTML page."""

    def handle(request: httpx.Request) -> httpx.Response:
        response = org.handle(request)
        if request.method == method and "/composite/sobjects" in request.url.path:
            return httpx.Response(200, content=b"<html>maintenance</html>")
        return response

    return httpx.MockTransport(handle)


def test_fetch_list_of_a_non_json_answer_is_a_typed_error(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A 200 that is not JSON is a SalesforceApiError, not a JSONDecodeError."""
    account_id = org.insert("Account", {"Name": "A"})
    with make_client(transport=garbled(org, "POST")) as client:
        with pytest.raises(SalesforceApiError, match="not JSON") as caught:
            fetch_list(Account, account_id, sf_client=client)
    assert caught.value.error_code == "UNEXPECTED_RESPONSE"


def test_an_unreadable_insert_answer_is_reconciled_not_resent(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A create answered with an unreadable 200 may have been applied: the org is queried,
    nothing is sent twice, and the record is UNKNOWN (created within the call's first second)."""
    with make_client(transport=garbled(org, "POST")) as client:
        org.reset_stats()
        [result] = save_insert_list([Account(Name="Maybe")], sf_client=client)
    assert [r.route for r in org.requests] == ["collections", "query"]
    assert result.outcome is Outcome.UNKNOWN
    assert org.count("Account") == 1


def test_upserts_under_faults_are_never_reported_failed_when_applied(
    make_client: Callable[..., SalesforceClient],
) -> None:
    """Under locks, 503s and drops after apply, an upsert reported FAILED is not in the org
    (a failure after a lost try is UNKNOWN), and created is never a wrong False."""
    org = FakeOrg(seed=0)
    records = [Account(Name=f"F{n}", External_ID__c=f"F{n}") for n in range(600)]
    with make_client(transport=org.transport()) as client:
        inject_write_faults(org, lock=0.1, unavailable=0.1, drop=0.1)
        results = save_upsert_list(
            records, "External_ID__c", sf_client=client, batch_size=50, concurrency=1
        )
    stored = {row["External_ID__c"] for row in org.records("Account")}
    outcomes = dict.fromkeys(Outcome, 0)
    for record, result in zip(records, results, strict=True):
        outcomes[result.outcome] += 1
        if result.outcome is Outcome.FAILED:
            assert record.External_ID__c not in stored
        if result.outcome is Outcome.SAVED:
            assert record.External_ID__c in stored
            assert result.created is not False  # every record was new: True or unknown
    assert outcomes[Outcome.UNKNOWN] > 0, "the faults must have fired"
    assert any(r.status == 0 for r in org.requests)


# -- answers that cannot be trusted ------------------------------------------------------------


def lost_insert_then(
    org: FakeOrg, sent: list[httpx.Request], query: Callable[[httpx.Request], httpx.Response]
) -> httpx.MockTransport:
    """Apply creates in the org but answer them unreadably; answer queries with `query`."""

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        response = org.handle(request)
        if request.method == "POST" and request.url.path.endswith("/composite/sobjects"):
            return httpx.Response(200, content=b"<html>maintenance</html>")
        if "/query" in request.url.path:
            return query(request)
        return response

    return httpx.MockTransport(handle)


def next_page(request: httpx.Request, next_url: str) -> httpx.Response:
    page = {"totalSize": 4000, "done": False, "records": [], "nextRecordsUrl": next_url}
    return httpx.Response(200, json=page)


def test_reconcile_never_follows_a_repeated_next_page(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A reconciling query whose nextRecordsUrl repeats ends (as query() does): UNKNOWN, why."""
    sent: list[httpx.Request] = []

    def repeat(request: httpx.Request) -> httpx.Response:
        if len(sent) > 10:  # a client that follows repeats: end, so the test fails, not hangs
            return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})
        root = request.url.path.split("/query")[0]
        return next_page(request, f"{root}/query/01gD0000000001X-2000")

    with make_client(transport=lost_insert_then(org, sent, repeat)) as client:
        [result] = save_insert_list([Account(Name="Loop")], sf_client=client)
    queries = [r for r in sent if "/query" in r.url.path]
    assert len(queries) == 2  # the query and its next page, which names itself again
    assert result.outcome is Outcome.UNKNOWN
    assert "a second time in one query" in result.errors[-1].message


def test_reconcile_never_leaves_the_instance(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A nextRecordsUrl on another host is refused, never requested (with the token)."""
    sent: list[httpx.Request] = []

    def elsewhere(request: httpx.Request) -> httpx.Response:
        return next_page(request, "https://evil.example/services/data/v64.0/query/01g-2000")

    with make_client(transport=lost_insert_then(org, sent, elsewhere)) as client:
        [result] = save_insert_list([Account(Name="Away")], sf_client=client)
    assert all(r.url.host != "evil.example" for r in sent)
    assert result.outcome is Outcome.UNKNOWN
    assert "refused to follow nextRecordsUrl" in result.errors[-1].message


def test_a_redirect_on_the_reconciling_query_is_named_in_the_result(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A RedirectError while reconciling leaves the record UNKNOWN with the error, not hidden."""
    sent: list[httpx.Request] = []

    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://evil.example/q"})

    with make_client(transport=lost_insert_then(org, sent, redirect)) as client:
        [result] = save_insert_list([Account(Name="Moved")], sf_client=client)
    assert result.outcome is Outcome.UNKNOWN
    assert "reconciling query failed (RedirectError:" in result.errors[-1].message
    assert "https://evil.example/q" in result.errors[-1].message
    assert all(r.url.host != "evil.example" for r in sent)


def answering(
    org: FakeOrg, method: str, body: Callable[[httpx.Request], Any]
) -> httpx.MockTransport:
    """Apply `method` Collections requests in the org, then answer 200 with `body(request)`."""

    def handle(request: httpx.Request) -> httpx.Response:
        response = org.handle(request)
        if request.method == method and "/composite/sobjects" in request.url.path:
            return httpx.Response(200, json=body(request))
        return response

    return httpx.MockTransport(handle)


def test_fetch_list_never_attributes_a_record_to_another_id(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Salesforce's entries in another order than the Ids asked for are a typed error."""
    first, second = org.insert("Account", {"Name": "A"}), org.insert("Account", {"Name": "B"})
    swapped = [{"Id": second, "Name": "B"}, {"Id": first, "Name": "A"}]
    with make_client(transport=answering(org, "POST", lambda _: swapped)) as client:
        with pytest.raises(UnexpectedResponseError, match=f"answered Id '{second}' where"):
            fetch_list(Account, first, second, sf_client=client)


def test_per_record_errors_never_carry_the_token(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """A token echoed in a Collections error is masked in the result and SaveResultsError."""

    def echo(request: httpx.Request) -> Any:
        token = request.headers["Authorization"].split(" ", 1)[1]
        error = {"statusCode": "X", "message": f"auth=Bearer {token}", "fields": []}
        return [{"success": False, "errors": [error]}]

    with make_client(transport=answering(org, "POST", echo)) as client:
        results = save_insert_list([Account(Name="A")], sf_client=client)
        assert client.session is not None
        token = client.session.access_token
    assert "auth=Bearer" in results[0].errors[0].message
    assert token not in repr(results)
    with pytest.raises(SaveResultsError) as caught:
        results.raise_for_failures()
    assert token not in str(caught.value)
    assert token not in repr(caught.value)


def test_a_created_record_without_an_id_is_reconciled_not_saved(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """``success: true`` with no id: never SAVED with Id None; the org is queried instead."""
    with make_client(transport=answering(org, "POST", lambda _: [{"success": True}])) as c:
        org.reset_stats()
        record = Account(Name="No id")
        [result] = save_insert_list([record], sf_client=c)
    assert [r.route for r in org.requests] == ["collections", "query"]
    assert result.outcome is Outcome.UNKNOWN
    assert record.Id is None
    assert "success without the record's Id" in result.errors[0].message


def test_update_list_refuses_a_hostile_sobject_type(client: SalesforceClient, org: FakeOrg) -> None:
    """A record loaded with a hostile attributes.type is refused before any request."""
    account_id = org.insert("Account", {"Name": "A"})
    record = make_generic("Account/../../services/oauth2/revoke")
    record.Id = account_id
    record.Name = "B"
    org.reset_stats()
    with pytest.raises(ValueError, match="is not an sObject API name"):
        save_update_list([record], sf_client=client)
    assert collections_requests(org) == []


def test_one_id_answered_to_two_batches_is_not_saved_twice(
    make_client: Callable[..., SalesforceClient], org: FakeOrg
) -> None:
    """Two creates answered with the same Id: the second record is UNKNOWN, not SAVED."""
    same = org.insert("Account", {"Name": "Existing"})
    answer = [{"success": True, "id": same, "errors": []}]
    with make_client(transport=answering(org, "POST", lambda _: answer)) as client:
        records = [Account(Name="One"), Account(Name="Two")]
        results = save_insert_list(records, sf_client=client, batch_size=1, concurrency=1)
    assert [(r.outcome, r.id) for r in results] == [(Outcome.SAVED, same), (Outcome.UNKNOWN, None)]
    assert [record.Id for record in records] == [same, None]
    assert "for another record of this call" in results[1].errors[0].message
