"""
``FakeOrg(clock=...)`` and ``org.clock``: timestamps a test can predict.

Raw requests through the org's transport; each test checks the timestamps Salesforce would put
on the wire (record audit fields, Bulk API 2.0 job dates, SOQL relative date literals).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from sf_toolkit.testing import FakeOrg

V = "/services/data/v59.0"
NOON = datetime(2024, 1, 31, 12, 0, 0, tzinfo=timezone.utc)


class Ticking:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _http(org: FakeOrg) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    with httpx.Client(
        transport=org.transport(), base_url=f"https://x.my.salesforce.com{V}", headers=headers
    ) as http:
        yield http
    assert org.internal_errors == []


@pytest.fixture
def clock() -> Ticking:
    return Ticking(NOON)


@pytest.fixture
def org(clock: Ticking) -> FakeOrg:
    return FakeOrg(records=1, seed=3, clock=clock)


@pytest.fixture
def http(org: FakeOrg) -> Iterator[httpx.Client]:
    yield from _http(org)


def test_created_record_carries_the_clocks_time(http: httpx.Client) -> None:
    """CreatedDate, LastModifiedDate and SystemModstamp are the clock's moment, in UTC."""
    created = http.post("/sobjects/Account", json={"Name": "Acme"})
    assert created.status_code == 201
    record = http.get(f"/sobjects/Account/{created.json()['id']}").json()
    stamps = {record[name] for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp")}
    assert stamps == {"2024-01-31T12:00:00.000+0000"}


def test_update_and_delete_move_the_modstamp_to_the_clocks_time(
    http: httpx.Client, clock: Ticking
) -> None:
    """An update moves LastModifiedDate/SystemModstamp to the clock's moment; a delete too."""
    record_id = http.post("/sobjects/Account", json={"Name": "Acme"}).json()["id"]
    clock.now = NOON + timedelta(hours=1, milliseconds=250)
    assert http.patch(f"/sobjects/Account/{record_id}", json={"Name": "B"}).status_code == 204
    record = http.get(f"/sobjects/Account/{record_id}").json()
    assert record["CreatedDate"] == "2024-01-31T12:00:00.000+0000"
    assert record["LastModifiedDate"] == "2024-01-31T13:00:00.250+0000"
    assert record["SystemModstamp"] == "2024-01-31T13:00:00.250+0000"
    clock.now = NOON + timedelta(days=1)
    assert http.delete(f"/sobjects/Account/{record_id}").status_code == 204
    deleted = http.get(
        "/sobjects/Account/deleted/",
        params={"start": "2024-02-01T00:00:00+00:00", "end": "2024-02-02T00:00:00+00:00"},
    ).json()
    assert deleted["deletedRecords"] == [
        {"id": record_id, "deletedDate": "2024-02-01T12:00:00.000+0000"}
    ]


def test_clock_in_another_zone_is_written_in_utc() -> None:
    """A clock returning +05:00 (or a naive datetime, taken as UTC) is written as UTC."""
    zoned = datetime(2024, 1, 31, 17, 0, tzinfo=timezone(timedelta(hours=5)))
    for moment in (zoned, datetime(2024, 1, 31, 12, 0)):
        org = FakeOrg(clock=Ticking(moment))
        record = org.get("Account", org.insert("Account", {"Name": "Z"}))
        assert record is not None
        assert record["CreatedDate"] == "2024-01-31T12:00:00.000+0000"


def test_clock_can_be_changed_on_a_running_org(org: FakeOrg, http: httpx.Client) -> None:
    """Setting org.clock affects the next write; a non-callable is refused with TypeError."""
    org.clock = lambda: datetime(2030, 6, 1, tzinfo=timezone.utc)
    created = http.post("/sobjects/Account", json={"Name": "Later"}).json()["id"]
    record = http.get(f"/sobjects/Account/{created}").json()
    assert record["CreatedDate"] == "2030-06-01T00:00:00.000+0000"
    with pytest.raises(TypeError, match="callable"):
        org.clock = "2030-06-01"  # type: ignore[assignment]
    with pytest.raises(TypeError, match="callable"):
        FakeOrg(clock=NOON)  # type: ignore[arg-type]


def test_bulk_job_dates_follow_the_clock(http: httpx.Client, clock: Ticking) -> None:
    """Bulk API 2.0 createdDate is the clock's moment at creation, systemModstamp at the change."""
    job = http.post("/jobs/ingest", json={"object": "Account", "operation": "insert"}).json()
    assert job["createdDate"] == "2024-01-31T12:00:00.000+0000"
    assert job["systemModstamp"] == "2024-01-31T12:00:00.000+0000"
    clock.now = NOON + timedelta(minutes=5)
    aborted = http.patch(f"/jobs/ingest/{job['id']}", json={"state": "Aborted"}).json()
    assert aborted["createdDate"] == "2024-01-31T12:00:00.000+0000"
    assert aborted["systemModstamp"] == "2024-01-31T12:05:00.000+0000"


def test_relative_date_literals_use_the_clock(http: httpx.Client, clock: Ticking) -> None:
    """CreatedDate = TODAY matches records made today by the org's clock, not the wall clock."""
    query = "SELECT Id FROM Account WHERE CreatedDate = TODAY"
    assert http.get("/query", params={"q": query}).json()["totalSize"] == 1
    clock.now = NOON + timedelta(days=1)
    assert http.get("/query", params={"q": query}).json()["totalSize"] == 0
    yesterday = "SELECT Id FROM Account WHERE CreatedDate = YESTERDAY"
    assert http.get("/query", params={"q": yesterday}).json()["totalSize"] == 1


def test_seeded_org_with_a_fixed_clock_is_fully_reproducible() -> None:
    """Same seed and clock: identical records, timestamps included."""

    def snapshot() -> list[dict[str, object]]:
        org = FakeOrg(records=2, seed=9, clock=lambda: NOON)
        return org.records("Account") + org.records("Contact")

    first = snapshot()
    assert first == snapshot()
    assert {row["CreatedDate"] for row in first} == {"2024-01-31T12:00:00.000+0000"}


def test_oauth_token_issued_at_follows_the_clock(org: FakeOrg) -> None:
    """The token response's issued_at is the clock's moment in milliseconds since the epoch."""
    with httpx.Client(transport=org.transport(), base_url="https://x.my.salesforce.com") as http:
        token = http.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("fake-client-id", "fake-client-secret"),
        )
    assert token.status_code == 200
    assert token.json()["issued_at"] == str(int(NOON.timestamp() * 1000))
