# Generated from tests/_async/test_bulk.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Bulk API 2.0 against the fake org: ingest jobs, splitting, results, queries, resilience.

No postponed annotations here: models declared inside a test must resolve their local types.
"""

import datetime

from sf_toolkit import SalesforceClient, SObject, select
from sf_toolkit.io.api import query_bulk, save_insert_bulk
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    External_ID__c: str | None = None
    NumberOfEmployees: int | None = None
    AnnualRevenue: float | None = None


class Contact(SObject):
    LastName: str | None = None
    Email: str | None = None
    Birthdate: datetime.date | None = None
    Account: "Account | None" = None


def test_insert_job_completes_and_the_store_holds_exactly_the_records(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """An insert job uploads, closes, completes, and the org holds each record once."""
    records = [Account(Name=f"Bulk {n}", NumberOfEmployees=n) for n in range(25)]
    job = save_insert_bulk(records, client)
    assert job.state == "UploadComplete"
    job.wait()
    assert job.state == "JobComplete"
    assert job.records_processed == 25
    stored = sorted((r["Name"], r["NumberOfEmployees"]) for r in org.records("Account"))
    assert stored == sorted((f"Bulk {n}", n) for n in range(25))


def test_query_bulk_yields_typed_records(client: SalesforceClient, org: FakeOrg) -> None:
    """A builder's bulk query converts CSV text by field type, parents included."""
    parent = org.insert("Account", {"Name": "Parent", "NumberOfEmployees": 7})
    org.insert("Contact", {"LastName": "Kid", "AccountId": parent, "Birthdate": "1990-05-17"})
    query = select(
        Contact, "Id", "LastName", "Birthdate", "Account.Name", "Account.NumberOfEmployees"
    )
    contacts = [c for c in query_bulk(query, client)]
    assert len(contacts) == 1
    (contact,) = contacts
    assert contact.LastName == "Kid"
    assert contact.Birthdate == datetime.date(1990, 5, 17)
    assert contact.Account is not None
    assert contact.Account.Name == "Parent"
    assert contact.Account.NumberOfEmployees == 7
