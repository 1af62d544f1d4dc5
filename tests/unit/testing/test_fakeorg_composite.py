"""The Composite resource: subrequests, references, allOrNone and the 25 limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sf_toolkit.testing import FakeOrg

BASE = "https://fake-org.my.salesforce.com/services/data/v59.0"
ROOT = "/services/data/v59.0"


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(records=1)


@pytest.fixture
def client(org: FakeOrg) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    with httpx.Client(transport=org.transport(), base_url=BASE, headers=headers) as c:
        yield c


def _sub(reference: str, method: str, url: str, body: Any = None) -> dict[str, Any]:
    item: dict[str, Any] = {"method": method, "url": ROOT + url, "referenceId": reference}
    if body is not None:
        item["body"] = body
    return item


def test_references_chain_subrequests(client: httpx.Client, org: FakeOrg) -> None:
    """A Contact created with @{newAccount.id} points at the Account created before it."""
    response = client.post(
        "/composite",
        json={
            "compositeRequest": [
                _sub("newAccount", "POST", "/sobjects/Account", {"Name": "Chained"}),
                _sub("newContact", "POST", "/sobjects/Contact",
                     {"LastName": "L", "AccountId": "@{newAccount.id}"}),
                _sub("readBack", "GET", "/sobjects/Account/@{newAccount.id}?fields=Name"),
            ]
        },
    )  # fmt: skip
    answers = response.json()["compositeResponse"]
    assert response.status_code == 200
    assert [a["httpStatusCode"] for a in answers] == [201, 201, 200]
    assert answers[0]["httpHeaders"]["Location"].endswith(answers[0]["body"]["id"])
    assert answers[2]["body"]["Name"] == "Chained"
    contact = org.get("Contact", answers[1]["body"]["id"])
    assert contact is not None
    assert contact["AccountId"] == answers[0]["body"]["id"]


def test_all_or_none_halts_and_rolls_back(client: httpx.Client, org: FakeOrg) -> None:
    """With allOrNone a failure undoes earlier writes and halts the rest."""
    response = client.post(
        "/composite",
        json={
            "allOrNone": True,
            "compositeRequest": [
                _sub("a", "POST", "/sobjects/Account", {"Name": "kept?"}),
                _sub("b", "POST", "/sobjects/Account", {}),
                _sub("c", "POST", "/sobjects/Account", {"Name": "never"}),
            ],
        },
    )
    codes = [a["body"][0]["errorCode"] for a in response.json()["compositeResponse"]]
    assert codes == ["PROCESSING_HALTED", "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED"]
    assert org.count("Account") == 1


def test_without_all_or_none_only_dependants_halt(client: httpx.Client, org: FakeOrg) -> None:
    """A failed subrequest halts the ones referencing it; independent ones still run."""
    response = client.post(
        "/composite",
        json={
            "compositeRequest": [
                _sub("bad", "POST", "/sobjects/Account", {}),
                _sub("dependant", "GET", "/sobjects/Account/@{bad.id}"),
                _sub("fine", "POST", "/sobjects/Account", {"Name": "ok"}),
            ]
        },
    )
    answers = response.json()["compositeResponse"]
    assert [a["httpStatusCode"] for a in answers] == [400, 400, 201]
    assert answers[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert org.count("Account") == 2


def test_more_than_25_subrequests_is_refused(client: httpx.Client) -> None:
    """26 subrequests is a request-level 400."""
    items = [_sub(f"r{n}", "GET", "/limits") for n in range(26)]
    response = client.post("/composite", json={"compositeRequest": items})
    assert response.status_code == 400


def test_bulk_is_not_allowed_inside_composite(client: httpx.Client) -> None:
    """Subrequests to Bulk or Composite itself are refused one by one."""
    response = client.post(
        "/composite", json={"compositeRequest": [_sub("j", "GET", "/jobs/ingest")]}
    )
    assert response.json()["compositeResponse"][0]["httpStatusCode"] == 400


def test_blob_reads_are_not_allowed_inside_composite(client: httpx.Client, org: FakeOrg) -> None:
    """Blob bodies cannot be read through Composite, as in Salesforce."""
    attachment = org.records("Attachment")[0]["Id"]
    item = _sub("blob", "GET", f"/sobjects/Attachment/{attachment}/Body")
    response = client.post("/composite", json={"compositeRequest": [item]})
    assert response.json()["compositeResponse"][0]["httpStatusCode"] == 400
    assert org.internal_errors == []


def test_batch_runs_independent_subrequests(client: httpx.Client, org: FakeOrg) -> None:
    """/composite/batch answers hasErrors and one result per subrequest."""
    account = org.records("Account")[0]["Id"]
    response = client.post(
        "/composite/batch",
        json={
            "batchRequests": [
                {"method": "PATCH", "url": f"v59.0/sobjects/Account/{account}",
                 "richInput": {"Name": "Batched"}},
                {"method": "GET", "url": f"v59.0/sobjects/Account/{account}?fields=Name"},
                {"method": "GET", "url": "v59.0/sobjects/Nope__c/describe"},
            ]
        },
    )  # fmt: skip
    data = response.json()
    assert data["hasErrors"] is True
    assert [r["statusCode"] for r in data["results"]] == [204, 200, 404]
    assert data["results"][1]["result"]["Name"] == "Batched"


def test_batch_halt_on_error(client: httpx.Client) -> None:
    """haltOnError answers 412 BATCH_PROCESSING_HALTED after the first failure."""
    response = client.post(
        "/composite/batch",
        json={
            "haltOnError": True,
            "batchRequests": [
                {"method": "GET", "url": "v59.0/sobjects/Nope__c/describe"},
                {"method": "GET", "url": "v59.0/limits"},
            ],
        },
    )
    assert [r["statusCode"] for r in response.json()["results"]] == [404, 412]


def test_tree_inserts_parents_and_children(client: httpx.Client, org: FakeOrg) -> None:
    """/composite/tree creates nested records and links children to their parent."""
    body = {
        "records": [
            {
                "attributes": {"type": "Account", "referenceId": "acc"},
                "Name": "Tree",
                "Contacts": {
                    "records": [
                        {"attributes": {"type": "Contact", "referenceId": "c1"}, "LastName": "A"}
                    ]
                },
            }
        ]
    }
    response = client.post("/composite/tree/Account", json=body)
    assert response.status_code == 201
    ids = {r["referenceId"]: r["id"] for r in response.json()["results"]}
    assert org.get("Contact", ids["c1"])["AccountId"] == ids["acc"]  # type: ignore[index]


def test_tree_failure_rolls_back(client: httpx.Client, org: FakeOrg) -> None:
    """One invalid record fails the whole tree with 400 and its referenceId."""
    body = {
        "records": [
            {"attributes": {"type": "Account", "referenceId": "ok"}, "Name": "A"},
            {"attributes": {"type": "Account", "referenceId": "bad"}},
        ]
    }
    response = client.post("/composite/tree/Account", json=body)
    assert response.status_code == 400
    assert response.json()["results"][0]["referenceId"] == "bad"
    assert org.count("Account") == 1
