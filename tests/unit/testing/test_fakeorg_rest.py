"""REST endpoints of the fake org: versions, describe, sObject CRUD, upsert, blobs, query."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from sf_toolkit.ids import is_valid_id
from sf_toolkit.testing import FakeOrg

BASE = "https://fake-org.my.salesforce.com"


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(records=3, seed=7)


@pytest.fixture
def client(org: FakeOrg) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    with httpx.Client(
        transport=org.transport(), base_url=f"{BASE}/services/data/v59.0", headers=headers
    ) as c:
        yield c


def _error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert isinstance(body, list)
    return response.status_code, body[0]["errorCode"]


def test_versions_need_no_auth_and_carry_no_limit_header(org: FakeOrg) -> None:
    """GET /services/data/ lists versions oldest first, without auth or Sforce-Limit-Info."""
    with httpx.Client(transport=org.transport(), base_url=BASE) as c:
        response = c.get("/services/data/")
    versions = response.json()
    assert response.status_code == 200
    assert "sforce-limit-info" not in response.headers
    assert versions[0]["version"] == "31.0"
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert versions[-1]["version"] == "64.0"


def test_metered_response_carries_limit_header(client: httpx.Client) -> None:
    """Authenticated calls count in Sforce-Limit-Info: api-usage=N/M."""
    client.get("/limits")
    response = client.get("/limits")
    assert response.headers["Sforce-Limit-Info"] == "api-usage=2/15000"
    assert response.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 13000 + 1998}


def test_unknown_api_version_is_not_found(client: httpx.Client) -> None:
    """A version the org does not list is a 404 NOT_FOUND array."""
    response = client.get(f"{BASE}/services/data/v99.0/limits")
    assert _error(response) == (404, "NOT_FOUND")


@pytest.mark.parametrize("path", ["/nothing", "/sobjects/Account/describe/extra/x"])
def test_unknown_route_is_not_found_array(client: httpx.Client, path: str) -> None:
    """Unknown routes answer 404 with Salesforce's error array."""
    assert _error(client.get(path)) == (404, "NOT_FOUND")


def test_global_describe_lists_standard_objects(client: httpx.Client) -> None:
    """GET /sobjects/ has encoding, maxBatchSize and every standard object."""
    data = client.get("/sobjects/").json()
    names = {item["name"] for item in data["sobjects"]}
    assert data["maxBatchSize"] == 200
    assert {"Account", "Contact", "Opportunity", "Attachment", "ContentVersion", "Document"} <= (
        names
    )


def test_describe_has_fields_and_child_relationships(client: httpx.Client) -> None:
    """Account's describe shows its external id field and the Contacts relationship."""
    data = client.get("/sobjects/Account/describe").json()
    fields = {item["name"]: item for item in data["fields"]}
    assert data["keyPrefix"] == "001"
    assert fields["External_ID__c"]["externalId"] is True
    assert fields["Name"]["nillable"] is False
    assert fields["Type"]["picklistValues"][0]["value"] == "Prospect"
    children = {(c["childSObject"], c["relationshipName"]) for c in data["childRelationships"]}
    assert ("Contact", "Contacts") in children


def test_describe_of_unknown_object_is_not_found(client: httpx.Client) -> None:
    """An unknown sObject is a 404 NOT_FOUND."""
    assert _error(client.get("/sobjects/Nope__c/describe")) == (404, "NOT_FOUND")


def test_create_returns_201_with_a_valid_id(client: httpx.Client) -> None:
    """POST /sobjects/Account answers 201 with an 18-character Account Id."""
    response = client.post("/sobjects/Account", json={"Name": "Acme"})
    body = response.json()
    assert response.status_code == 201
    assert body["success"] is True
    assert body["errors"] == []
    assert is_valid_id(body["id"])
    assert len(body["id"]) == 18
    assert body["id"].startswith("001")


def test_read_returns_attributes_and_all_fields(client: httpx.Client) -> None:
    """GET by Id returns attributes and every field, empty ones as null, dates formatted."""
    record_id = client.post("/sobjects/Account", json={"Name": "Acme"}).json()["id"]
    record = client.get(f"/sobjects/Account/{record_id}").json()
    assert record["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{record_id}",
    }
    assert record["Name"] == "Acme"
    assert record["Industry"] is None
    assert record["CreatedDate"].endswith("+0000")
    assert len(record["CreatedDate"]) == 28


def test_read_with_fields_returns_only_those(client: httpx.Client) -> None:
    """?fields= limits the record to the named fields."""
    record_id = client.post("/sobjects/Account", json={"Name": "Acme"}).json()["id"]
    record = client.get(f"/sobjects/Account/{record_id}", params={"fields": "Name,Id"}).json()
    assert set(record) == {"attributes", "Name", "Id"}


def test_read_accepts_a_15_character_id(client: httpx.Client) -> None:
    """A 15-character Id reads the same record."""
    record_id = client.post("/sobjects/Account", json={"Name": "Acme"}).json()["id"]
    assert client.get(f"/sobjects/Account/{record_id[:15]}").json()["Id"] == record_id


def test_update_returns_204_and_changes_the_record(client: httpx.Client, org: FakeOrg) -> None:
    """PATCH answers 204 with an empty body and stores the change."""
    record_id = client.post("/sobjects/Account", json={"Name": "Acme"}).json()["id"]
    response = client.patch(f"/sobjects/Account/{record_id}", json={"Industry": "Energy"})
    assert response.status_code == 204
    assert response.content == b""
    assert org.get("Account", record_id)["Industry"] == "Energy"  # type: ignore[index]


def test_delete_returns_204_then_the_record_is_gone(client: httpx.Client) -> None:
    """DELETE answers 204; reading afterwards is 404, deleting again ENTITY_IS_DELETED."""
    record_id = client.post("/sobjects/Account", json={"Name": "Acme"}).json()["id"]
    assert client.delete(f"/sobjects/Account/{record_id}").status_code == 204
    assert _error(client.get(f"/sobjects/Account/{record_id}")) == (404, "ENTITY_IS_DELETED")
    assert _error(client.delete(f"/sobjects/Account/{record_id}")) == (404, "ENTITY_IS_DELETED")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", (400, "JSON_PARSER_ERROR")),
        (b'{"Name": "x", "AnnualRevenue": NaN}', (400, "JSON_PARSER_ERROR")),
        (b"", (400, "JSON_PARSER_ERROR")),
        (b"[1]", (400, "JSON_PARSER_ERROR")),
        (b'{"Nope__c": 1, "Name": "x"}', (400, "INVALID_FIELD")),
        (b'{"Industry": "Energy"}', (400, "REQUIRED_FIELD_MISSING")),
        (b'{"Name": "' + b"x" * 256 + b'"}', (400, "STRING_TOO_LONG")),
        (b'{"Name": "x", "Rating": "Lukewarm"}', (400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")),
        (b'{"Name": "x", "NumberOfEmployees": "many"}', (400, "JSON_PARSER_ERROR")),
        (b'{"Name": "x", "CreatedDate": "2024-01-01T00:00:00Z"}',
         (400, "INVALID_FIELD_FOR_INSERT_UPDATE")),
        (b'{"Name": "x", "ParentId": "001000000000000AAA"}', (400, "INVALID_CROSS_REFERENCE_KEY")),
        (b'{"Name": "x", "ParentId": "banana"}', (400, "MALFORMED_ID")),
    ],
)  # fmt: skip
def test_create_refusals_use_salesforce_codes(
    client: httpx.Client, body: bytes, expected: tuple[int, str]
) -> None:
    """Client mistakes on create get Salesforce's status and errorCode, never a 500."""
    response = client.post(
        "/sobjects/Account", content=body, headers={"Content-Type": "application/json"}
    )
    assert _error(response) == expected


def test_required_field_error_names_the_fields(client: httpx.Client) -> None:
    """REQUIRED_FIELD_MISSING lists every missing field in message and fields."""
    error = client.post("/sobjects/Opportunity", json={"Amount": 5}).json()[0]
    assert error["message"] == "Required fields are missing: [Name, StageName, CloseDate]"
    assert error["fields"] == ["Name", "StageName", "CloseDate"]


def test_duplicate_external_id_is_refused(client: httpx.Client) -> None:
    """A unique external id cannot be used twice (DUPLICATE_VALUE, case-insensitive)."""
    assert _error(
        client.post("/sobjects/Account", json={"Name": "x", "External_ID__c": "ext-00001"})
    ) == (400, "DUPLICATE_VALUE")


def test_create_on_unknown_object_is_not_found(client: httpx.Client) -> None:
    """POST to an unknown sObject is a 404 NOT_FOUND."""
    assert _error(client.post("/sobjects/Nope__c", json={"Name": "x"})) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/sobjects/Account/001000000000000AAB", (400, "MALFORMED_ID")),
        ("/sobjects/Account/001000000000000AAA", (404, "NOT_FOUND")),
        ("/sobjects/Account/notAnId", (404, "NOT_FOUND")),
    ],
)
def test_bad_and_unknown_ids(client: httpx.Client, path: str, expected: tuple[int, str]) -> None:
    """A bad checksum is MALFORMED_ID; a well-formed unknown Id is NOT_FOUND."""
    assert _error(client.get(path)) == expected


def test_datetime_values_are_normalised_to_utc(client: httpx.Client, org: FakeOrg) -> None:
    """Datetimes written with an offset are stored and emitted as UTC with +0000."""
    org.add_field("Account", {"name": "Seen__c", "type": "datetime"})
    record_id = client.post(
        "/sobjects/Account", json={"Name": "x", "Seen__c": "2024-01-31T12:34:56+05:30"}
    ).json()["id"]
    assert org.get("Account", record_id)["Seen__c"] == "2024-01-31T07:04:56.000+0000"  # type: ignore[index]


@pytest.mark.parametrize(("version", "created_key"), [("59.0", True), ("45.0", False)])
def test_upsert_insert_is_201(client: httpx.Client, version: str, created_key: bool) -> None:
    """Upsert with no match inserts: 201, with `created` only from v46.0."""
    response = client.patch(
        f"{BASE}/services/data/v{version}/sobjects/Account/External_ID__c/NEW-1",
        json={"Name": "New"},
    )
    assert response.status_code == 201
    assert ("created" in response.json()) is created_key


@pytest.mark.parametrize(("version", "status"), [("59.0", 200), ("45.0", 204)])
def test_upsert_update_status_depends_on_version(
    client: httpx.Client, org: FakeOrg, version: str, status: int
) -> None:
    """Upsert of an existing record is 200 with created false on v46+, 204 below."""
    response = client.patch(
        f"{BASE}/services/data/v{version}/sobjects/Account/External_ID__c/EXT-00001",
        json={"Name": "Renamed"},
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["created"] is False
    assert org.records("Account")[0]["Name"] == "Renamed"


def test_upsert_with_several_matches_is_300(client: httpx.Client, org: FakeOrg) -> None:
    """A non-unique external id matching two records answers 300 with their URLs."""
    org.add_field("Account", {"name": "Code__c", "type": "string", "externalId": True})
    for name in ("a", "b"):
        org.insert("Account", {"Name": name, "Code__c": "same"})
    response = client.patch("/sobjects/Account/Code__c/same", json={"Name": "c"})
    assert response.status_code == 300
    assert len(response.json()) == 2


def test_upsert_on_unknown_external_field_is_404(client: httpx.Client) -> None:
    """An unknown external id field is 404 NOT_FOUND."""
    assert _error(client.patch("/sobjects/Account/Nope__c/1", json={})) == (404, "NOT_FOUND")


def test_get_by_external_id(client: httpx.Client) -> None:
    """GET /sobjects/{T}/{extField}/{value} reads the matching record."""
    record = client.get("/sobjects/Account/External_ID__c/EXT-00002").json()
    assert record["External_ID__c"] == "EXT-00002"


def test_upsert_update_only_refuses_insert(client: httpx.Client) -> None:
    """?updateOnly=true with no match is 404."""
    response = client.patch(
        "/sobjects/Account/External_ID__c/NEW-2", params={"updateOnly": "true"}, json={}
    )
    assert _error(response) == (404, "NOT_FOUND")


def test_blob_written_as_base64_reads_back_as_bytes(client: httpx.Client, org: FakeOrg) -> None:
    """Attachment Body goes in as base64 and comes out raw; the record shows its URL."""
    parent = org.records("Account")[0]["Id"]
    data = bytes(range(256)) * 1000
    record_id = client.post(
        "/sobjects/Attachment",
        json={"Name": "b.bin", "ParentId": parent, "Body": base64.b64encode(data).decode()},
    ).json()["id"]
    record = client.get(f"/sobjects/Attachment/{record_id}").json()
    assert record["Body"] == f"/services/data/v59.0/sobjects/Attachment/{record_id}/Body"
    assert record["BodyLength"] == len(data)
    with client.stream("GET", f"/sobjects/Attachment/{record_id}/Body") as response:
        chunks = list(response.iter_raw())
    assert b"".join(chunks) == data
    assert len(chunks) > 1


def test_content_version_gets_a_content_document(client: httpx.Client) -> None:
    """A new ContentVersion gets a ContentDocumentId and its VersionData back."""
    record_id = client.post(
        "/sobjects/ContentVersion",
        json={"Title": "t", "PathOnClient": "t.txt", "VersionData": "aGVsbG8="},
    ).json()["id"]
    record = client.get(f"/sobjects/ContentVersion/{record_id}").json()
    assert record["ContentDocumentId"].startswith("069")
    assert client.get(f"/sobjects/ContentVersion/{record_id}/VersionData").content == b"hello"


def test_bad_base64_is_refused(client: httpx.Client) -> None:
    """A blob that is not base64 is refused with a 400, not a 500."""
    response = client.post(
        "/sobjects/Document",
        json={"Name": "d", "FolderId": "005000000000000AAA", "Body": "***"},
    )
    assert response.status_code == 400


def test_query_paginates_with_next_records_url(client: httpx.Client, org: FakeOrg) -> None:
    """batchSize=200 splits 450 rows into pages; totalSize is the full count on each page."""
    for number in range(447):
        org.insert("Account", {"Name": f"bulk {number}"})
    headers = {"Sforce-Query-Options": "batchSize=200"}
    page = client.get("/query", params={"q": "SELECT Id FROM Account"}, headers=headers).json()
    seen = len(page["records"])
    assert page["totalSize"] == 450
    assert page["done"] is False
    assert page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    while not page["done"]:
        page = client.get(BASE + page["nextRecordsUrl"]).json()
        assert page["totalSize"] == 450
        seen += len(page["records"])
    assert seen == 450
    assert "nextRecordsUrl" not in page


def test_query_count(client: httpx.Client) -> None:
    """SELECT COUNT() answers totalSize with no records."""
    data = client.get("/query", params={"q": "SELECT COUNT() FROM Contact"}).json()
    assert data == {"totalSize": 6, "done": True, "records": []}


def test_query_all_includes_deleted_rows(client: httpx.Client, org: FakeOrg) -> None:
    """queryAll sees deleted rows that query does not."""
    record_id = org.records("Account")[0]["Id"]
    client.delete(f"/sobjects/Account/{record_id}")
    q = {"q": "SELECT Id FROM Account"}
    assert client.get("/query", params=q).json()["totalSize"] == 2
    assert client.get("/queryAll", params=q).json()["totalSize"] == 3


@pytest.mark.parametrize(
    ("soql", "code"),
    [("SELEC Id FROM Account", "MALFORMED_QUERY"), ("SELECT Nope FROM Account", "INVALID_FIELD"),
     ("SELECT Id FROM Nope", "INVALID_TYPE")],
)  # fmt: skip
def test_bad_soql_is_a_400(client: httpx.Client, soql: str, code: str) -> None:
    """Queries Salesforce refuses get a 400 with its error code."""
    assert _error(client.get("/query", params={"q": soql})) == (400, code)


def test_unknown_query_locator_is_refused(client: httpx.Client) -> None:
    """A made-up locator is 400 INVALID_QUERY_LOCATOR."""
    response = client.get("/query/01g000000000000AAA-2000")
    assert _error(response) == (400, "INVALID_QUERY_LOCATOR")


def test_client_mistakes_never_reach_the_catch_all(client: httpx.Client, org: FakeOrg) -> None:
    """A tour of bad requests leaves no internal errors behind."""
    client.post("/sobjects/Account", content=b"\xff\xfe")
    client.patch("/sobjects/Account/External_ID__c/x", content=b"[]")
    client.get("/sobjects/Account/External_ID__c")
    client.post("/composite/sobjects", json={"records": "nope"})
    client.get("/query")
    assert org.internal_errors == []


def test_large_child_lists_are_paginated(client: httpx.Client, org: FakeOrg) -> None:
    """A child subquery with more than 200 rows has done false and its own nextRecordsUrl."""
    parent = org.insert("Account", {"Name": "Big"})
    for number in range(250):
        org.insert("Contact", {"LastName": f"C{number}", "AccountId": parent})
    soql = f"SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '{parent}'"
    children = client.get("/query", params={"q": soql}).json()["records"][0]["Contacts"]
    assert children["totalSize"] == 250
    assert children["done"] is False
    assert len(children["records"]) == 200
    rest = client.get(BASE + children["nextRecordsUrl"]).json()
    assert rest["done"] is True
    assert len(rest["records"]) == 50


def test_a_page_can_be_fetched_twice(client: httpx.Client, org: FakeOrg) -> None:
    """A locator stays valid after its last page was read."""
    for number in range(250):
        org.insert("Account", {"Name": f"n{number}"})
    headers = {"Sforce-Query-Options": "batchSize=200"}
    first = client.get("/query", params={"q": "SELECT Id FROM Account"}, headers=headers).json()
    url = BASE + first["nextRecordsUrl"]
    assert client.get(url).json() == client.get(url).json()


def test_overlong_uri_is_414(client: httpx.Client) -> None:
    """A URI over 16,384 bytes answers 414, as Salesforce does."""
    response = client.get("/composite/sobjects/Account", params={"ids": "x" * 17000})
    assert response.status_code == 414


def test_multipart_insert_of_a_content_version(client: httpx.Client) -> None:
    """A multipart body with an entity_content JSON part and a VersionData part is accepted."""
    data = b"\x00binary\xffdata" * 100
    response = client.post(
        "/sobjects/ContentVersion",
        files={
            "entity_content": (None, b'{"PathOnClient": "f.bin"}', "application/json"),
            "VersionData": ("f.bin", data, "application/octet-stream"),
        },
    )
    assert response.status_code == 201
    record_id = response.json()["id"]
    assert client.get(f"/sobjects/ContentVersion/{record_id}/VersionData").content == data


def test_multipart_without_entity_part_is_refused(client: httpx.Client) -> None:
    """A multipart body without its JSON part is a 400."""
    response = client.post(
        "/sobjects/ContentVersion", files={"VersionData": ("f.bin", b"x", "text/plain")}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/sobjects/Account"), ("POST", "/sobjects/Account/describe"),
     ("PUT", "/sobjects/Account/001000000000000AAA")],
)  # fmt: skip
def test_wrong_method_is_405(client: httpx.Client, method: str, path: str) -> None:
    """A known resource with the wrong method answers 405 METHOD_NOT_ALLOWED."""
    response = client.request(method, path, json={})
    assert _error(response) == (405, "METHOD_NOT_ALLOWED")


def test_get_composite_lists_the_composite_resources(client: httpx.Client) -> None:
    """GET /composite names each composite resource by its versioned path (*Get a List of
    Composite Resources*); another method than GET, HEAD or POST is a 405."""
    response = client.get("/composite")
    assert response.status_code == 200
    listed = response.json()
    version = client.base_url.path.rstrip("/").rsplit("/", 1)[-1]
    assert listed == {
        name: f"/services/data/{version}/composite/{name}" for name in ("tree", "batch", "sobjects")
    }
    for name, path in listed.items():  # each one listed is served (a tree names its sObject)
        target = path.replace(f"/services/data/{version}", "") + ("/Account" * (name == "tree"))
        assert client.post(target, json={}).status_code not in (404, 405), name
    assert _error(client.delete("/composite")) == (405, "METHOD_NOT_ALLOWED")


def test_head_answers_like_get_without_body(client: httpx.Client) -> None:
    """HEAD on a resource gives GET's status and headers, no body."""
    response = client.head("/sobjects/Account/describe")
    assert response.status_code == 200
    assert response.content == b""


def test_encoded_slash_stays_inside_the_external_id(client: httpx.Client, org: FakeOrg) -> None:
    """An external id value with an encoded '/' upserts as one value, not a longer path."""
    response = client.patch("/sobjects/Account/External_ID__c/A%2FB", json={"Name": "Slash"})
    assert response.status_code == 201
    assert org.get("Account", response.json()["id"])["External_ID__c"] == "A/B"  # type: ignore[index]


def test_updated_and_deleted_replication(client: httpx.Client, org: FakeOrg) -> None:
    """/updated/ lists changed Ids and /deleted/ deleted ones within the window."""
    gone = org.records("Account")[0]["Id"]
    client.delete(f"/sobjects/Account/{gone}")
    window = {"start": "2000-01-01T00:00:00+00:00", "end": "2999-01-01T00:00:00+00:00"}
    updated = client.get("/sobjects/Account/updated/", params=window).json()
    deleted = client.get("/sobjects/Account/deleted/", params=window).json()
    assert len(updated["ids"]) == 2
    assert gone not in updated["ids"]
    assert [d["id"] for d in deleted["deletedRecords"]] == [gone]
    assert deleted["latestDateCovered"] == "2999-01-01T00:00:00.000+0000"


def test_replication_needs_a_window(client: httpx.Client) -> None:
    """/updated/ without start and end is a 400."""
    assert client.get("/sobjects/Account/updated/").status_code == 400
