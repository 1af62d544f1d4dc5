# Generated from tests/_async/test_simple_salesforce_users.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
What a user coming from simple-salesforce reaches for: every record of a query as a list,
describe by name, raw REST calls with typed errors, rows read by field name.
"""

import pytest

from sf_toolkit import SalesforceClient, SObject, select
from sf_toolkit.exceptions import NotFoundError
from sf_toolkit.io.api import describe, query, query_list, raise_for_status
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None


@pytest.fixture
def seeded() -> FakeOrg:
    return FakeOrg(records=450, seed=11)


def test_query_list_returns_every_page(seeded: FakeOrg, make_client: object) -> None:
    """query_list follows every nextRecordsUrl and returns all records in order."""
    with make_client(transport=seeded.transport()) as client:  # type: ignore[operator]
        builder = select(Account, "Id", "Name").order_by("Name")
        records = query_list(builder, client, batch_size=200)
        streamed = [a for a in query(builder, client, batch_size=200)]
    assert isinstance(records, list)
    assert len(records) == seeded.count("Account") == 450
    assert [a.Id for a in records] == [a.Id for a in streamed]
    assert all(isinstance(a, Account) for a in records)
    assert seeded.stats.requests_by_route["query_more"] == 4


def test_query_list_include_deleted_uses_query_all(client: SalesforceClient, org: FakeOrg) -> None:
    """include_deleted=True reaches Salesforce's queryAll resource."""
    org.insert("Account", {"Name": "Kept"})
    query_list("SELECT Id FROM Account", client, include_deleted=True)
    assert org.requests[-1].path.endswith("/queryAll")


def test_raw_soql_rows_read_as_mappings(client: SalesforceClient, org: FakeOrg) -> None:
    """Rows of a SOQL string read by field name, relationships included, and convert to dicts."""
    account_id = org.insert("Account", {"Name": "Acme"})
    org.insert("Contact", {"LastName": "Ng", "AccountId": account_id})
    [row] = query_list("SELECT Id, LastName, Account.Name FROM Contact", client)
    assert row["LastName"] == "Ng"
    assert row["Account"]["Name"] == "Acme"
    assert set(dict(row)) == {"Id", "LastName", "Account"}


def test_describe_by_api_name_needs_no_model(client: SalesforceClient) -> None:
    """describe("Contact") describes an object no model declares."""
    description = describe("Contact", client)
    assert description.name == "Contact"
    assert {"Id", "LastName", "AccountId"} <= {field.name for field in description.fields}


def test_describe_of_unknown_name_raises_not_found(client: SalesforceClient) -> None:
    """An sObject name the org does not have raises NotFoundError."""
    with pytest.raises(NotFoundError):
        describe("No_Such_Object__c", client)


def test_describe_refuses_a_malformed_name_before_sending(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """A name that is no API name raises ValueError and sends nothing."""
    sent = len(org.requests)
    with pytest.raises(ValueError, match="is not an sObject API name"):
        describe("Account/../limits", client)
    assert len(org.requests) == sent


def test_raise_for_status_types_raw_call_errors(client: SalesforceClient) -> None:
    """A raw call's error response raises the typed error naming Salesforce's errorCode."""
    ok = client.get("limits")
    assert raise_for_status(ok) is ok
    missing = client.get("sobjects/Account/001000000000000AAA")
    with pytest.raises(NotFoundError) as info:
        raise_for_status(missing)
    assert info.value.status_code == 404
    assert info.value.error_code == "NOT_FOUND"
