"""The requests adapter: simple-salesforce runs unmodified against the fake org."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from sf_toolkit.testing import FakeOrg, Faults


def _session(org: FakeOrg) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", org.requests_adapter())
    return session


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(records=3, seed=2)


@pytest.fixture
def sf(org: FakeOrg) -> Iterator[Salesforce]:
    session = _session(org)
    yield Salesforce(
        username="user@example.com", password="password", security_token="", session=session
    )
    session.close()


def test_simple_salesforce_logs_in_with_soap(sf: Salesforce, org: FakeOrg) -> None:
    """simple-salesforce's SOAP login reaches the fake and learns its instance."""
    assert sf.sf_instance == "fake-org.my.salesforce.com"
    assert org.stats.logins == 1


def test_simple_salesforce_wrong_password_fails(org: FakeOrg) -> None:
    """A wrong password raises simple-salesforce's authentication error."""
    session = _session(org)
    with pytest.raises(SalesforceAuthenticationFailed):
        Salesforce(username="user@example.com", password="nope", security_token="", session=session)
    session.close()


def test_simple_salesforce_crud_and_query(sf: Salesforce, org: FakeOrg) -> None:
    """Create, update, upsert, read, delete and query_all work unmodified."""
    created = sf.Account.create({"Name": "SS"})
    assert created["success"] is True
    assert sf.Account.update(created["id"], {"Name": "SS2"}) == 204
    assert sf.Account.get(created["id"])["Name"] == "SS2"
    assert sf.Account.upsert("External_ID__c/EXT-NEW", {"Name": "U"}) == 201
    assert sf.Account.upsert("External_ID__c/EXT-NEW", {"Name": "U2"}) == 200
    assert sf.Account.delete(created["id"]) == 204
    assert sf.query_all("SELECT Id FROM Contact")["totalSize"] == 6
    assert org.internal_errors == []


def test_adapter_drop_is_a_connection_error(org: FakeOrg) -> None:
    """A dropped connection surfaces as requests' ConnectionError."""
    org.faults = Faults(rate_drop=1.0)
    session = _session(org)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get("https://login.salesforce.com/services/data/")
    session.close()


def test_simple_salesforce_updated_and_deleted(sf: Salesforce) -> None:
    """simple-salesforce's updated()/deleted() read the replication windows."""
    import datetime as dt

    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    record_id = sf.Account.create({"Name": "R"})["id"]
    assert record_id in sf.Account.updated(start, end)["ids"]
    sf.Account.delete(record_id)
    assert [d["id"] for d in sf.Account.deleted(start, end)["deletedRecords"]] == [record_id]
