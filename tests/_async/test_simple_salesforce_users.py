"""
What a user coming from simple-salesforce reaches for: every record of a query as a list,
describe by name, raw REST calls with typed errors, rows read by field name.
"""

import pytest

from sf_toolkit import AsyncSalesforceClient, SObject, select
from sf_toolkit.exceptions import NotFoundError
from sf_toolkit.io.api import describe_async, query_async, query_list_async, raise_for_status
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None


@pytest.fixture
def seeded() -> FakeOrg:
    return FakeOrg(records=450, seed=11)


async def test_query_list_returns_every_page(seeded: FakeOrg, make_client: object) -> None:
    """query_list_async follows every nextRecordsUrl and returns all records in order."""
    async with make_client(transport=seeded.async_transport()) as client:  # type: ignore[operator]
        builder = select(Account, "Id", "Name").order_by("Name")
        records = await query_list_async(builder, client, batch_size=200)
        streamed = [a async for a in query_async(builder, client, batch_size=200)]
    assert isinstance(records, list)
    assert len(records) == seeded.count("Account") == 450
    assert [a.Id for a in records] == [a.Id for a in streamed]
    assert all(isinstance(a, Account) for a in records)
    assert seeded.stats.requests_by_route["query_more"] == 4


async def test_query_list_include_deleted_uses_query_all(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """include_deleted=True reaches Salesforce's queryAll resource."""
    org.insert("Account", {"Name": "Kept"})
    await query_list_async("SELECT Id FROM Account", client, include_deleted=True)
    assert org.requests[-1].path.endswith("/queryAll")


async def test_raw_soql_rows_read_as_mappings(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """Rows of a SOQL string read by field name, relationships included, and convert to dicts."""
    account_id = org.insert("Account", {"Name": "Acme"})
    org.insert("Contact", {"LastName": "Ng", "AccountId": account_id})
    [row] = await query_list_async("SELECT Id, LastName, Account.Name FROM Contact", client)
    assert row["LastName"] == "Ng"
    assert row["Account"]["Name"] == "Acme"
    assert set(dict(row)) == {"Id", "LastName", "Account"}


async def test_describe_by_api_name_needs_no_model(client: AsyncSalesforceClient) -> None:
    """describe_async("Contact") describes an object no model declares."""
    description = await describe_async("Contact", client)
    assert description.name == "Contact"
    assert {"Id", "LastName", "AccountId"} <= {field.name for field in description.fields}


async def test_describe_of_unknown_name_raises_not_found(client: AsyncSalesforceClient) -> None:
    """An sObject name the org does not have raises NotFoundError."""
    with pytest.raises(NotFoundError):
        await describe_async("No_Such_Object__c", client)


async def test_describe_refuses_a_malformed_name_before_sending(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """A name that is no API name raises ValueError and sends nothing."""
    sent = len(org.requests)
    with pytest.raises(ValueError, match="is not an sObject API name"):
        await describe_async("Account/../limits", client)
    assert len(org.requests) == sent


async def test_raise_for_status_types_raw_call_errors(client: AsyncSalesforceClient) -> None:
    """A raw call's error response raises the typed error naming Salesforce's errorCode."""
    ok = await client.get("limits")
    assert raise_for_status(ok) is ok
    missing = await client.get("sobjects/Account/001000000000000AAA")
    with pytest.raises(NotFoundError) as info:
        raise_for_status(missing)
    assert info.value.status_code == 404
    assert info.value.error_code == "NOT_FOUND"
