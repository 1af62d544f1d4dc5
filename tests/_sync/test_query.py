# Generated from tests/_async/test_query.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Queries against the fake org: builder and SOQL, streaming pages, children, counts.

No postponed annotations here: models declared inside a test must resolve their local types.
"""

import datetime
import functools
import json
import threading
import tracemalloc
from collections.abc import Callable

import httpx
import pytest

from sf_toolkit import SalesforceClient, SalesforceLogin, SObject, select
from sf_toolkit._concurrency import CALL_NAME, sleep
from sf_toolkit.exceptions import SalesforceApiError, ServerError, UnexpectedResponseError
from sf_toolkit.io.api import count, delete, fetch, query
from sf_toolkit.testing import FakeOrg


class Contact(SObject):
    LastName: str | None = None
    AccountId: str | None = None


class Account(SObject):
    Name: str | None = None
    External_ID__c: str | None = None
    Contacts: list[Contact] | None = None


@pytest.fixture
def seeded() -> FakeOrg:
    return FakeOrg(records=450, seed=11)


def add_children(org: FakeOrg, extra: int) -> str:
    """Give the first Account ``extra`` more Contacts; return SOQL for it with its Contacts."""
    account_id = org.records("Account")[0]["Id"]
    for n in range(extra):
        org.insert("Contact", {"LastName": f"Extra {n}", "AccountId": account_id})
    return (
        "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account "
        f"WHERE Id = '{account_id}'"
    )


def test_builder_query_yields_typed_records_across_pages(
    seeded: FakeOrg, make_client: object
) -> None:
    """A builder query streams every record, page by page, as model instances."""
    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        names = [
            account.Name
            for account in query(
                select(Account, "Id", "Name").order_by("Name"), client, batch_size=200
            )
        ]
    assert len(names) == 450
    assert names == sorted(names)
    assert seeded.stats.requests_by_route["query_more"] == 2


def test_soql_string_uses_the_type_registry(client: SalesforceClient, org: FakeOrg) -> None:
    """A SOQL string's records are typed by the model registered last for their sObject."""

    class Registered(SObject, api_name="Account"):
        Name: str | None = None

    org.insert("Account", {"Name": "Typed"})
    records = [r for r in query("SELECT Id, Name FROM Account", sf_client=client)]
    assert len(records) == 1
    assert isinstance(records[0], Registered)
    assert records[0].Name == "Typed"


def test_where_values_are_escaped(client: SalesforceClient, org: FakeOrg) -> None:
    """A value with quotes and backslashes matches literally and cannot alter the query."""
    tricky = "O'Brien \\ ' OR Name != '"
    org.insert("Account", {"Name": tricky})
    org.insert("Account", {"Name": "Other"})
    found = [a.Name for a in query(select(Account).where(Name=tricky), client)]
    assert found == [tricky]


def test_child_subquery_pages_are_completed(seeded: FakeOrg, make_client: object) -> None:
    """Child subquery results arrive complete, with their own pages fetched."""

    class Child(SObject, api_name="Contact"):
        LastName: str | None = None

    class Parent(SObject, api_name="Account"):
        Name: str | None = None
        Contacts: list[Child] | None = None

    soql = add_children(seeded, 250)
    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        [account] = [a for a in query(soql, client, batch_size=200)]
    assert isinstance(account, Parent)
    assert account.Contacts is not None
    assert len(account.Contacts) == seeded.count("Contact") - 2 * 449
    assert all(isinstance(c, Child) for c in account.Contacts)


def test_count_uses_count_query(client: SalesforceClient, org: FakeOrg) -> None:
    """count sends SELECT COUNT() for a builder and returns the total."""
    for n in range(3):
        org.insert("Account", {"Name": f"A{n}"})
    assert count(select(Account), client) == 3
    assert org.requests[-1].params["q"] == "SELECT COUNT() FROM Account"


def test_count_of_a_count_field_query_is_the_aggregate_value(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """COUNT(Id) answers one aggregate row: count() returns its value, not 1 (the rows)."""
    for n in range(7):
        org.insert("Account", {"Name": f"A{n}", "Industry": "Energy" if n < 3 else None})
    assert count("SELECT COUNT(Id) FROM Account", client) == 7
    assert count("SELECT COUNT(Industry) FROM Account", client) == 3
    assert count("SELECT COUNT() FROM Account", client) == 7


def test_query_all_includes_deleted(client: SalesforceClient, org: FakeOrg) -> None:
    """include_deleted=True uses queryAll and sees deleted records."""
    account = fetch(Account, org.insert("Account", {"Name": "Gone"}), client)
    delete(account, client)
    assert count(select(Account), client) == 0
    assert count(select(Account), client, include_deleted=True) == 1


def test_malformed_soql_raises_api_error(client: SalesforceClient) -> None:
    """Malformed SOQL raises SalesforceApiError with MALFORMED_QUERY."""
    with pytest.raises(SalesforceApiError) as info:
        [r for r in query("SELECT FROM WHERE", client)]
    assert info.value.error_code == "MALFORMED_QUERY"


@pytest.mark.parametrize("batch_size", [0, 199, 2001])
def test_batch_size_outside_limits_is_refused(client: SalesforceClient, batch_size: int) -> None:
    """A batch size outside 200..2000 raises ValueError before any request."""
    with pytest.raises(ValueError, match="batch_size must be an integer from 200 to 2000"):
        [r for r in query(select(Account), client, batch_size=batch_size)]


@functools.cache
def big_org() -> FakeOrg:
    return FakeOrg(records=20_000, seed=5)


def test_large_query_streams_with_bounded_memory(make_client: object) -> None:
    """Iterating 20,000 records holds about one page at a time, not the whole result."""
    big = big_org()
    with make_client(transport=big.transport()) as client:  # type: ignore[operator]
        tracemalloc.start()
        try:
            seen = 0
            for _ in query(select(Account, "Id", "Name"), client):
                seen += 1
            _, streamed_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            kept = [a for a in query(select(Account, "Id", "Name"), client)]
            _, kept_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == len(kept) == 20_000
    # Ten pages of 2,000: streaming must stay far below holding them all.
    assert streamed_peak < kept_peak / 2


#: Injected latency for the read-ahead tests: long enough that requests overlap the consumer.
LATENCY = 0.05


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll the fake org until ``condition`` holds; fail after about ten seconds."""
    for _ in range(2000):
        if condition():
            return
        sleep(0.005)
    raise AssertionError(f"timed out waiting until {what}")


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == CALL_NAME]


def test_next_page_is_fetched_while_the_current_one_is_consumed(
    seeded: FakeOrg, make_client: object
) -> None:
    """The next page is requested while the caller is on the current one, never two ahead."""
    seeded.faults.latency = LATENCY
    routes = seeded.stats.requests_by_route
    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        records = query(select(Account, "Id", "Name"), client, batch_size=200)
        records.__next__()  # the first record of page 1 (of 200, 200, 50)
        wait_until(lambda: routes["query_more"] == 1, "page 2 was answered")
        sleep(4 * LATENCY)  # time enough for an eager reader to ask for page 3
        assert routes["query_more"] == 1
        assert seeded.stats.in_flight == 0
        for _ in range(199):
            records.__next__()
        assert routes["query_more"] == 1
        records.__next__()  # the first record of page 2: page 3 is asked for now
        wait_until(lambda: routes["query_more"] == 2, "page 3 was answered")
        rest = [record for record in records]
    assert len(rest) == 249
    assert routes["query_more"] == 2
    assert seeded.stats.max_in_flight == 1


def test_leaving_the_loop_early_leaves_nothing_running(
    seeded: FakeOrg, make_client: object
) -> None:
    """Closing a query while page 2 is in flight stops the read-ahead: no request, no thread."""
    seeded.faults.latency = LATENCY
    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        records = query(select(Account, "Id", "Name"), client, batch_size=200)
        for _ in records:
            wait_until(lambda: seeded.stats.in_flight == 1, "page 2 is in flight")
            break
        records.close()  # type: ignore[attr-defined]  # what trio asks of every early exit
        assert seeded.stats.in_flight == 0
        assert not read_ahead_threads()
        answered = len(seeded.requests)
        sleep(4 * LATENCY)
        assert len(seeded.requests) == answered
    assert seeded.stats.requests_by_route["query_more"] <= 1


def test_an_error_on_the_next_page_comes_after_the_current_page(
    seeded: FakeOrg, make_client: object
) -> None:
    """A page that fails while read ahead raises only once the caller reaches it."""
    seeded.faults.routes = frozenset({"query_more"})
    seeded.faults.rate_503 = 1.0
    seen: list[Account] = []

    def consume(client: SalesforceClient) -> None:
        for account in query(select(Account, "Id"), client, batch_size=200):
            seen.append(account)

    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        with pytest.raises(ServerError):
            consume(client)
    assert len(seen) == 200
    assert not read_ahead_threads()


def test_default_pages_hold_exactly_2000_rows(make_client: object) -> None:
    """Without batch_size, Salesforce's default page of 2,000 rows: 20,000 rows in 10 pages."""
    big = big_org()
    big.reset_stats()
    with make_client(transport=big.transport()) as client:  # type: ignore[operator]
        seen = [a for a in query(select(Account, "Id"), client)]
    assert len(seen) == 20_000
    offsets = [int(r.path.rsplit("-", 1)[1]) for r in big.requests if r.route == "query_more"]
    assert offsets == list(range(2000, 20_000, 2000))


def test_every_page_of_a_long_child_list_is_fetched(seeded: FakeOrg, make_client: object) -> None:
    """A child list of four pages (200, 200, 200, 52) arrives whole: three more requests."""
    soql = add_children(seeded, 650)
    seeded.reset_stats()
    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        [account] = [a for a in query(soql, client)]
    assert len(account.Contacts) == 652
    assert len({c.Id for c in account.Contacts}) == 652
    assert seeded.stats.requests_by_route["query_more"] == 3


class Shop(SObject, api_name="Account"):
    Name: str | None = None
    Opens__c: datetime.time | None = None


def test_time_values_filter_and_load_as_times(org: FakeOrg, client: object) -> None:
    """A ``datetime.time`` in ``where()`` is a SOQL time literal the org filters on."""
    org.add_field("Account", {"name": "Opens__c", "type": "time"})
    org.insert("Account", {"Name": "Early", "Opens__c": "07:30:00.000Z"})
    org.insert("Account", {"Name": "Late", "Opens__c": "11:00:00.000Z"})
    found = [
        shop
        for shop in query(
            select(Shop).where(Opens__c=datetime.time(7, 30)),
            client,  # type: ignore[arg-type]
        )
    ]
    assert [(shop.Name, shop.Opens__c) for shop in found] == [("Early", datetime.time(7, 30))]


# -- the next page is requested from the head of this one ----------------------------------


def rewriting(org: FakeOrg, rewrite: Callable[[int, bytes], bytes]) -> httpx.MockTransport:
    """The org, with each query page's body (1 for the first) passed through ``rewrite``."""
    pages = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal pages
        response = org.handle(request)
        if "/query" not in request.url.path or response.status_code != 200:
            return response
        pages += 1
        body = rewrite(pages, response.read())
        return httpx.Response(200, headers={"Content-Type": "application/json"}, content=body)

    return httpx.MockTransport(handle)


def consume_into(seen: list[Account], client: SalesforceClient) -> None:
    """Query every Account in pages of 200, keeping each record as it comes."""
    for account in query(select(Account, "Id"), client, batch_size=200):
        seen.append(account)


def test_next_page_is_requested_before_this_page_is_decoded(
    seeded: FakeOrg, make_client: object
) -> None:
    """Page 2's body breaks after its nextRecordsUrl: page 3 was already asked for, then let go."""

    def break_page_2(page: int, body: bytes) -> bytes:
        if page != 2:
            return body
        return body[: body.index(b'"records"')] + b'"records": [{"attributes": '

    seen: list[Account] = []
    transport = rewriting(seeded, break_page_2)
    with make_client(transport=transport) as client:  # type: ignore[operator]
        with pytest.raises(UnexpectedResponseError, match="JSON"):
            consume_into(seen, client)
    assert len(seen) == 200
    assert seeded.stats.requests_by_route["query_more"] == 2  # pages 2 and 3
    assert seeded.stats.in_flight == 0
    assert not read_ahead_threads()


def test_a_page_naming_two_next_urls_is_refused(seeded: FakeOrg, make_client: object) -> None:
    """A nextRecordsUrl before the records and another one after them: refused, not guessed."""

    def second_url(page: int, body: bytes) -> bytes:
        url = json.loads(body)["nextRecordsUrl"]
        return body[:-1] + b', "nextRecordsUrl": "' + url.encode() + b'0"}'

    seen: list[Account] = []
    transport = rewriting(seeded, second_url)
    with make_client(transport=transport) as client:  # type: ignore[operator]
        with pytest.raises(UnexpectedResponseError, match="nextRecordsUrl") as caught:
            consume_into(seen, client)
    assert seen == []
    assert "-200'" in str(caught.value)
    assert "-2000'" in str(caught.value)
    assert seeded.stats.in_flight == 0
    assert not read_ahead_threads()


def test_pages_with_their_records_first_are_still_followed(
    seeded: FakeOrg, make_client: object
) -> None:
    """No nextRecordsUrl before the records: the next page is asked for once this one is read."""

    def records_first(page: int, body: bytes) -> bytes:
        data = json.loads(body)
        return json.dumps({"records": data.pop("records"), **data}).encode()

    transport = rewriting(seeded, records_first)
    with make_client(transport=transport) as client:  # type: ignore[operator]
        ids = [a.Id for a in query(select(Account, "Id"), client, batch_size=200)]
    assert len(set(ids)) == 450
    assert seeded.stats.requests_by_route["query_more"] == 2


def test_over_httpx_transport_the_next_page_leaves_before_this_one_is_handed_out(
    seeded: FakeOrg, login: SalesforceLogin
) -> None:
    """Over HTTP, the first record comes while page 2 is still at the org, not after it."""
    seeded.faults.latency = 4 * LATENCY
    with seeded.serve() as url:
        served = SalesforceLogin(username=login.username, password="password", domain=url)
        with SalesforceClient(login=served) as client:
            records = query(select(Account, "Id"), client, batch_size=200)
            records.__next__()
            wait_until(lambda: seeded.stats.in_flight == 1, "page 2 is at the org")
            rest = [a for a in records]
    assert len(rest) == 449
    assert seeded.stats.requests_by_route["query_more"] == 2


def test_a_next_url_that_is_no_url_is_refused_after_the_page_s_records(
    seeded: FakeOrg, make_client: object
) -> None:
    """A nextRecordsUrl holding a lone surrogate (valid JSON): typed refusal, records first."""

    def surrogate(page: int, body: bytes) -> bytes:
        url = json.loads(body)["nextRecordsUrl"].encode()
        return body.replace(url, url + b"\\ud800")

    seen: list[Account] = []
    transport = rewriting(seeded, surrogate)
    with make_client(transport=transport) as client:  # type: ignore[operator]
        with pytest.raises(UnexpectedResponseError, match="nextRecordsUrl"):
            consume_into(seen, client)
    assert len(seen) == 200
    assert seeded.stats.requests_by_route["query_more"] == 0
