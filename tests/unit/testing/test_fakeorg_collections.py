"""sObject Collections on the fake org: aligned results, limits and allOrNone rollback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sf_toolkit.testing import FakeOrg

BASE = "https://fake-org.my.salesforce.com/services/data/v59.0"


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(records=3, seed=11)


@pytest.fixture
def client(org: FakeOrg) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    with httpx.Client(transport=org.transport(), base_url=BASE, headers=headers) as c:
        yield c


def _accounts(*names: str | None) -> list[dict[str, Any]]:
    records = []
    for name in names:
        record: dict[str, Any] = {"attributes": {"type": "Account"}}
        if name is not None:
            record["Name"] = name
        records.append(record)
    return records


def test_create_results_align_with_input(client: httpx.Client, org: FakeOrg) -> None:
    """Mixed success and failure: 200, one result per record, in order."""
    response = client.post(
        "/composite/sobjects", json={"allOrNone": False, "records": _accounts("a", None, "c")}
    )
    results = response.json()
    assert response.status_code == 200
    assert [r["success"] for r in results] == [True, False, True]
    assert "id" not in results[1]  # "sObject Collections": a failed create has no id key
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert org.count("Account") == 5


def test_create_mixed_types(client: httpx.Client) -> None:
    """One create call may hold several sObject types."""
    records = [*_accounts("a"), {"attributes": {"type": "Contact"}, "LastName": "L"}]
    results = client.post("/composite/sobjects", json={"records": records}).json()
    assert results[0]["id"].startswith("001")
    assert results[1]["id"].startswith("003")


def test_all_or_none_rolls_everything_back(client: httpx.Client, org: FakeOrg) -> None:
    """With allOrNone one failure undoes the others, which report the rollback code."""
    response = client.post(
        "/composite/sobjects", json={"allOrNone": True, "records": _accounts("a", None)}
    )
    first, second = response.json()
    assert first["success"] is False
    assert first["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert second["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert org.count("Account") == 3


def test_all_or_none_update_restores_old_values(client: httpx.Client, org: FakeOrg) -> None:
    """A rolled-back update leaves the earlier records unchanged."""
    ids = [r["Id"] for r in org.records("Account")]
    records = [
        {"attributes": {"type": "Account"}, "id": ids[0], "Name": "changed"},
        {"attributes": {"type": "Account"}, "id": ids[1], "Name": None},
    ]
    client.patch("/composite/sobjects", json={"allOrNone": True, "records": records})
    assert org.get("Account", ids[0])["Name"] != "changed"  # type: ignore[index]


def test_update_without_id_fails_per_record(client: httpx.Client) -> None:
    """An update item with no id gets MISSING_ARGUMENT, the call still answers 200."""
    response = client.patch("/composite/sobjects", json={"records": _accounts("x")})
    assert response.status_code == 200
    assert response.json()[0]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"


def test_create_with_id_fails_per_record(client: httpx.Client, org: FakeOrg) -> None:
    """A create item carrying an Id is refused on its own."""
    record = {**_accounts("x")[0], "Id": org.records("Account")[0]["Id"]}
    result = client.post("/composite/sobjects", json={"records": [record]}).json()[0]
    assert result["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_upsert_reports_created(client: httpx.Client) -> None:
    """Upsert by external id: created true for new rows, false for matches."""
    records = [
        {"attributes": {"type": "Account"}, "External_ID__c": "EXT-00001", "Name": "old"},
        {"attributes": {"type": "Account"}, "External_ID__c": "EXT-NEW", "Name": "new"},
    ]
    results = client.patch(
        "/composite/sobjects/Account/External_ID__c", json={"records": records}
    ).json()
    assert [r["created"] for r in results] == [False, True]


def test_upsert_on_unknown_field_is_404(client: httpx.Client) -> None:
    """Upsert on a field that is not an external id is a request-level 404."""
    response = client.patch("/composite/sobjects/Account/Nope__c", json={"records": []})
    assert response.status_code == 404


def test_delete_by_ids(client: httpx.Client, org: FakeOrg) -> None:
    """DELETE ?ids= deletes each record; bad and unknown ids fail on their own."""
    good = org.records("Account")[0]["Id"]
    response = client.delete(
        "/composite/sobjects",
        params={"ids": f"{good},bad,001000000000000AAA", "allOrNone": "false"},
    )
    results = response.json()
    assert [r["success"] for r in results] == [True, False, False]
    assert results[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert org.count("Account") == 2


def test_retrieve_get_returns_records_and_nulls(client: httpx.Client, org: FakeOrg) -> None:
    """GET retrieve returns records with attributes and null for unknown ids."""
    known = org.records("Account")[0]["Id"]
    response = client.get(
        "/composite/sobjects/Account",
        params={"ids": f"{known},001000000000000AAA", "fields": "Name"},
    )
    first, second = response.json()
    assert first["attributes"]["type"] == "Account"
    assert first["Id"] == known
    assert "Name" in first
    assert second is None


def test_retrieve_post(client: httpx.Client, org: FakeOrg) -> None:
    """POST retrieve takes ids and fields in the body."""
    known = org.records("Contact")[0]["Id"]
    body = {"ids": [known], "fields": ["LastName", "AccountId"]}
    assert client.post("/composite/sobjects/Contact", json=body).json()[0]["Id"] == known


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"ids": "001000000000000AAA", "fields": "Nope"}, "INVALID_FIELD"),
        ({"ids": "bad", "fields": "Name"}, "MALFORMED_ID"),
    ],
)
def test_retrieve_refusals(client: httpx.Client, params: dict[str, str], code: str) -> None:
    """An unknown field or malformed id in retrieve is a 400."""
    response = client.get("/composite/sobjects/Account", params=params)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_more_than_200_writes_is_refused(client: httpx.Client) -> None:
    """201 records in one write call is a 400 EXCEEDED_ID_LIMIT."""
    response = client.post("/composite/sobjects", json={"records": _accounts(*["x"] * 201)})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_more_than_2000_retrieves_is_refused(client: httpx.Client, org: FakeOrg) -> None:
    """2001 ids in one retrieve is a 400."""
    ids = [org.records("Account")[0]["Id"]] * 2001
    response = client.post("/composite/sobjects/Account", json={"ids": ids, "fields": ["Name"]})
    assert response.status_code == 400


def test_record_without_type_is_refused(client: httpx.Client) -> None:
    """A record without attributes.type is a request-level INVALID_TYPE."""
    response = client.post("/composite/sobjects", json={"records": [{"Name": "x"}]})
    assert response.json()[0]["errorCode"] == "INVALID_TYPE"


def test_lock_row_fault_fails_records_individually(client: httpx.Client, org: FakeOrg) -> None:
    """rate_lock_row=1 fails every record with UNABLE_TO_LOCK_ROW inside a 200."""
    org.faults.rate_lock_row = 1.0
    response = client.post("/composite/sobjects", json={"records": _accounts("a", "b")})
    assert response.status_code == 200
    codes = [r["errors"][0]["statusCode"] for r in response.json()]
    assert codes == ["UNABLE_TO_LOCK_ROW", "UNABLE_TO_LOCK_ROW"]


def test_deleting_an_account_cascades_to_its_children(client: httpx.Client, org: FakeOrg) -> None:
    """Contacts and Attachments of a deleted Account are deleted with it."""
    account = org.records("Account")[0]["Id"]
    response = client.delete("/composite/sobjects", params={"ids": account})
    assert response.json()[0]["success"] is True
    assert org.count("Contact") == 4
    assert org.count("Attachment") == 2


def test_rolled_back_delete_restores_children(client: httpx.Client, org: FakeOrg) -> None:
    """An allOrNone delete that fails brings back the cascaded children too."""
    account = org.records("Account")[0]["Id"]
    params = {"ids": f"{account},bad", "allOrNone": "true"}
    client.delete("/composite/sobjects", params=params)
    assert org.count("Account") == 3
    assert org.count("Contact") == 6
    assert org.count("Attachment") == 3
