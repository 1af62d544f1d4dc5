"""Fault injection, statistics, the request log, seeding and the httpx transports."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest

from sf_toolkit.testing import ConnectionDropped, FakeOrg, Faults

BASE = "https://fake-org.my.salesforce.com/services/data/v59.0"


def _client(org: FakeOrg) -> httpx.Client:
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    return httpx.Client(transport=org.transport(), base_url=BASE, headers=headers)


def test_rate_503_answers_server_unavailable_before_applying() -> None:
    """rate_503=1 answers 503 SERVER_UNAVAILABLE and writes nothing."""
    org = FakeOrg(faults=Faults(rate_503=1.0))
    with _client(org) as c:
        response = c.post("/sobjects/Account", json={"Name": "x"})
    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert org.count("Account") == 0


@pytest.mark.parametrize(("after", "count"), [(False, 0), (True, 1)])
def test_drop_before_or_after_applying(after: bool, count: int) -> None:
    """A dropped POST raises RemoteProtocolError; drop_after_apply decides if it took effect."""
    org = FakeOrg()
    org.faults.rate_drop = 1.0
    org.faults.drop_after_apply = after
    org.faults.methods = frozenset({"POST"})
    with _client(org) as c:
        assert c.get("/limits").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/sobjects/Account", json={"Name": "x"})
    assert org.count("Account") == count
    assert org.requests[-1].status == 0


def test_handle_raises_connection_dropped() -> None:
    """The sans-I/O core reports a drop as ConnectionDropped."""
    org = FakeOrg(faults=Faults(rate_drop=1.0))
    with pytest.raises(ConnectionDropped):
        org.handle(httpx.Request("GET", "https://x.my.salesforce.com/services/data/"))


def test_route_filter_limits_faults() -> None:
    """faults.routes restricts rate faults to the named routes."""
    org = FakeOrg(faults=Faults(rate_503=1.0, routes=frozenset({"query"})))
    with _client(org) as c:
        assert c.get("/limits").status_code == 200
        assert c.get("/query", params={"q": "SELECT Id FROM Account"}).status_code == 503


def test_lock_row_on_single_record_is_request_level_400() -> None:
    """rate_lock_row on single-record REST answers 400 UNABLE_TO_LOCK_ROW."""
    org = FakeOrg(faults=Faults(rate_lock_row=1.0))
    with _client(org) as c:
        response = c.post("/sobjects/Account", json={"Name": "x"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"


def test_request_limit_gives_403_after_n_calls() -> None:
    """request_limit=2 lets two metered calls through, then 403 REQUEST_LIMIT_EXCEEDED."""
    org = FakeOrg(faults=Faults(request_limit=2))
    with _client(org) as c:
        statuses = [c.get("/limits").status_code for _ in range(3)]
        last = c.get("/limits")
    assert statuses == [200, 200, 403]
    assert last.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert last.headers["Sforce-Limit-Info"] == "api-usage=4/2"


def test_fault_draws_are_deterministic_given_the_seed() -> None:
    """The same seed fails the same requests."""

    def pattern(seed: int) -> list[int]:
        org = FakeOrg(seed=seed, faults=Faults(rate_503=0.5))
        with _client(org) as c:
            return [c.get("/limits").status_code for _ in range(20)]

    assert pattern(5) == pattern(5)
    assert 503 in pattern(5)
    assert 200 in pattern(5)


def test_latency_applies_in_the_sync_transport() -> None:
    """latency= holds every sync transport request: two threads' requests are in flight together."""
    org = FakeOrg(latency=0.3)
    barrier = threading.Barrier(2, timeout=10)

    def one(_: int) -> int:
        with _client(org) as c:
            barrier.wait()
            return c.get("/limits").status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(one, range(2))) == [200, 200]
    assert org.stats.max_in_flight == 2


def test_stats_count_routes_and_logins() -> None:
    """stats counts requests by route and successful logins; reset_stats clears them."""
    org = FakeOrg()
    with httpx.Client(transport=org.transport(), base_url="https://login.salesforce.com") as c:
        c.post(
            "/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": "fake-client-id",
                "username": "user@example.com",
                "password": "password",
            },
        )
    with _client(org) as c:
        c.get("/limits")
        c.get("/limits")
    assert org.stats.logins == 1
    assert org.stats.requests_by_route["limits"] == 2
    assert org.stats.requests_by_route["oauth_token"] == 1
    org.reset_stats()
    assert org.stats.logins == 0
    assert org.requests == []


def test_request_log_has_route_status_and_json_body() -> None:
    """Each log entry has method, path, params, route, status and the JSON body."""
    org = FakeOrg()
    with _client(org) as c:
        c.post("/sobjects/Account", json={"Name": "x"})
    entry = org.requests[-1]
    assert (entry.method, entry.route, entry.status) == ("POST", "sobject", 201)
    assert entry.path == "/services/data/v59.0/sobjects/Account"
    assert entry.body == {"Name": "x"}


async def test_async_transport_overlaps_latency() -> None:
    """Ten concurrent requests with 100 ms latency are in flight together, on asyncio and trio."""
    org = FakeOrg(latency=0.1)
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    async with httpx.AsyncClient(
        transport=org.async_transport(), base_url=BASE, headers=headers
    ) as client:
        statuses: list[int] = []

        async def one() -> None:
            statuses.append((await client.get("/limits")).status_code)

        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(one)
    assert statuses == [200] * 10
    # Overlap, not speed: requests were in flight together (the exact peak depends on load).
    assert org.stats.max_in_flight >= 2


async def test_async_transport_drops_connection() -> None:
    """A drop fault raises RemoteProtocolError in the async transport too."""
    org = FakeOrg(faults=Faults(rate_drop=1.0))
    async with httpx.AsyncClient(transport=org.async_transport(), base_url=BASE) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/limits")


def test_seeding_is_deterministic() -> None:
    """records=N, seed=S gives the same Accounts, Contacts and Attachments every time."""
    first, second = FakeOrg(records=4, seed=9), FakeOrg(records=4, seed=9)
    strip = {"CreatedDate", "LastModifiedDate", "SystemModstamp"}

    def rows(org: FakeOrg, sobject: str) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if k not in strip} for r in org.records(sobject)]

    for sobject in ("Account", "Contact", "Attachment"):
        assert rows(first, sobject) == rows(second, sobject)
    assert rows(first, "Account") != rows(FakeOrg(records=4, seed=10), "Account")


def test_seeding_shape() -> None:
    """N Accounts with EXT-0000n ids, two Contacts each, Attachments with bodies."""
    org = FakeOrg(records=4)
    accounts = org.records("Account")
    assert [a["External_ID__c"] for a in accounts] == [f"EXT-0000{n}" for n in range(1, 5)]
    assert org.count("Contact") == 8
    attachment = org.records("Attachment")[0]
    assert org.blob(attachment["Id"]) is not None
    assert attachment["BodyLength"] == len(org.blob(attachment["Id"]) or b"")


def test_insert_helper_raises_on_refusal() -> None:
    """org.insert raises ValueError naming Salesforce's code."""
    with pytest.raises(ValueError, match="REQUIRED_FIELD_MISSING"):
        FakeOrg().insert("Account", {})


def test_add_object_supports_crud() -> None:
    """A custom object added from a describe dict gets Ids, validation and describe."""
    org = FakeOrg()
    name = org.add_object(
        {
            "name": "Invoice__c",
            "fields": [
                {"name": "Total__c", "type": "currency", "precision": 10, "scale": 2},
                {"name": "Account__c", "type": "reference", "referenceTo": ["Account"]},
            ],
        }
    )
    account = org.insert("Account", {"Name": "a"})
    record_id = org.insert(name, {"Name": "INV-1", "Total__c": "12.345", "Account__c": account})
    assert org.get(name, record_id)["Total__c"] == 12.35  # type: ignore[index]
    assert org.store.child_relationship("Account", "invoices__r") == (
        "Invoice__c",
        "Account__c",
        "Invoices__r",
    )


def test_relationship_by_external_id_on_write() -> None:
    """A lookup can be set through the parent's external id, as REST and Bulk allow."""
    org = FakeOrg(records=1)
    contact = org.insert("Contact", {"LastName": "L", "Account": {"External_ID__c": "EXT-00001"}})
    account = org.records("Account")[0]["Id"]
    assert org.get("Contact", contact)["AccountId"] == account  # type: ignore[index]


def test_lock_row_fault_reaches_bulk_ingest_rows() -> None:
    """rate_lock_row fails Bulk API 2.0 rows with UNABLE_TO_LOCK_ROW in failedResults."""
    org = FakeOrg(faults=Faults(rate_lock_row=1.0, routes=frozenset({"bulk"})))
    with _client(org) as c:
        job = c.post("/jobs/ingest", json={"object": "Account", "operation": "insert"}).json()
        upload = c.put(
            f"/jobs/ingest/{job['id']}/batches",
            content=b"Name\nA\nB\n",
            headers={"Content-Type": "text/csv"},
        )
        assert upload.status_code == 201
        c.patch(f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
        for _ in range(10):
            if c.get(f"/jobs/ingest/{job['id']}").json()["state"] in ("JobComplete", "Failed"):
                break
        failed = c.get(f"/jobs/ingest/{job['id']}/failedResults/").text
    assert failed.count("UNABLE_TO_LOCK_ROW") == 2
    assert org.count("Account") == 0


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("rate_503", 1.5, ValueError),
        ("rate_drop", "often", TypeError),
        ("latency", -1, ValueError),
        ("request_limit", -3, ValueError),
        ("methods", "POST", TypeError),
    ],
)
def test_bad_fault_settings_are_refused(name: str, value: object, error: type[Exception]) -> None:
    """Out-of-range or mistyped fault settings raise at once, naming the setting."""
    faults = Faults()
    with pytest.raises(error, match=name):
        setattr(faults, name, value)


def test_fault_filters_accept_any_iterable() -> None:
    """methods/routes given as a list become a frozenset."""
    assert Faults(methods=["post"]).methods == frozenset({"post"})  # type: ignore[arg-type]
