"""
Issue 12: requests where the fake org used to answer differently from Salesforce.

Each test sends the raw request through the sync transport, the async transport and the loopback
server, and checks status, headers and body shape against the REST API Developer Guide page
named in its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest

from sf_toolkit.testing import FakeOrg

V = "/services/data/v59.0"
JSON = "application/json;charset=UTF-8"

Send = Callable[..., httpx.Response]


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(records=3, seed=12)


@pytest.fixture(params=["transport", "async_transport", "server"])
def send(request: pytest.FixtureRequest, org: FakeOrg) -> Iterator[Send]:
    """``send(method, path, **httpx_kwargs)`` over one of the three ways to reach the org."""
    headers = {"Authorization": f"Bearer {org.access_token()}"}
    if request.param == "transport":
        with httpx.Client(
            transport=org.transport(), base_url="https://x.my.salesforce.com", headers=headers
        ) as client:
            yield client.request
    elif request.param == "async_transport":

        def via_async(method: str, path: str, **kwargs: Any) -> httpx.Response:
            async def go() -> httpx.Response:
                async with httpx.AsyncClient(
                    transport=org.async_transport(),
                    base_url="https://x.my.salesforce.com",
                    headers=headers,
                ) as client:
                    response = await client.request(method, path, **kwargs)
                    await response.aread()
                    return response

            return anyio.run(go)

        yield via_async
    else:
        with org.serve() as url, httpx.Client(base_url=url, headers=headers) as client:
            yield client.request
    assert org.internal_errors == []


def _account(org: FakeOrg) -> str:
    return org.records("Account")[0]["Id"]


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == JSON
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert body[0]["errorCode"] == code
    return body[0]  # type: ignore[no-any-return]


# --- 1. Id always comes back -------------------------------------------------------------------


def test_get_with_fields_returns_id(send: Send, org: FakeOrg) -> None:
    """sObject Rows GET ?fields=Name: attributes, Name, then Id (Get Field Values...)."""
    account = _account(org)
    response = send("GET", f"{V}/sobjects/Account/{account}", params={"fields": "Name"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert list(response.json()) == ["attributes", "Name", "Id"]
    assert response.json()["Id"] == account


def test_get_by_external_id_with_fields_returns_id(send: Send, org: FakeOrg) -> None:
    """sObject Rows by External ID GET ?fields=Name also returns the Id."""
    response = send(
        "GET", f"{V}/sobjects/Account/External_ID__c/EXT-00001", params={"fields": "Name"}
    )
    assert response.status_code == 200
    assert list(response.json()) == ["attributes", "Name", "Id"]


def test_composite_and_batch_get_subrequests_return_id(send: Send, org: FakeOrg) -> None:
    """GET subrequests inside /composite and /composite/batch carry the Id too."""
    account = _account(org)
    url = f"{V}/sobjects/Account/{account}?fields=Name"
    composite = send(
        "POST",
        f"{V}/composite",
        json={"compositeRequest": [{"method": "GET", "url": url, "referenceId": "r"}]},
    )
    assert composite.status_code == 200
    assert composite.json()["compositeResponse"][0]["body"]["Id"] == account
    batch = send(
        "POST", f"{V}/composite/batch", json={"batchRequests": [{"method": "GET", "url": url}]}
    )
    assert batch.json()["results"][0]["result"]["Id"] == account


# --- 2. Collections results ----------------------------------------------------------------------


def test_collections_failed_create_and_upsert_have_no_id_key(send: Send) -> None:
    """sObject Collections: a failed create or upsert item has no "id" key at all."""
    created = send(
        "POST",
        f"{V}/composite/sobjects",
        json={"records": [{"attributes": {"type": "Account"}, "Industry": "Energy"}]},
    )
    assert created.status_code == 200
    assert created.headers["Content-Type"] == JSON
    assert created.json() == [
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "REQUIRED_FIELD_MISSING",
                    "message": "Required fields are missing: [Name]",
                    "fields": ["Name"],
                }
            ],
        }
    ]
    upserted = send(
        "PATCH",
        f"{V}/composite/sobjects/Account/External_ID__c",
        json={"records": [{"attributes": {"type": "Account"}, "External_ID__c": "NEW-1"}]},
    )
    item = upserted.json()[0]
    assert item["success"] is False
    assert "id" not in item


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_all_or_none_rolled_back_update_and_delete_keep_their_id(
    send: Send, org: FakeOrg, operation: str
) -> None:
    """allOrNone: rolled-back update/delete items keep their id and report the rollback."""
    account = _account(org)
    missing = "001000000000000AAA"
    if operation == "update":
        response = send(
            "PATCH",
            f"{V}/composite/sobjects",
            json={
                "allOrNone": True,
                "records": [
                    {"attributes": {"type": "Account"}, "id": account, "Name": "Renamed"},
                    {"attributes": {"type": "Account"}, "id": account, "Name": ""},
                ],
            },
        )
    else:
        response = send(
            "DELETE",
            f"{V}/composite/sobjects",
            params={"ids": f"{account},{missing}", "allOrNone": "true"},
        )
    assert response.status_code == 200
    first, second = response.json()
    assert first["id"] == account
    assert first["success"] is False
    assert first["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert second["success"] is False
    assert second["errors"][0]["statusCode"] != "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert org.get("Account", account) is not None


# --- 3. Composite Batch accepts both URL forms ---------------------------------------------------


@pytest.mark.parametrize("prefix", ["v59.0", "/services/data/v59.0", "services/data/v59.0"])
def test_batch_accepts_relative_and_full_urls(send: Send, org: FakeOrg, prefix: str) -> None:
    """Batch Request Body: "vXX.X/..." and "/services/data/vXX.X/..." name the same resource."""
    response = send(
        "POST",
        f"{V}/composite/batch",
        json={"batchRequests": [{"method": "GET", "url": f"{prefix}/limits"}]},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    body = response.json()
    assert body["hasErrors"] is False
    assert body["results"][0]["statusCode"] == 200
    assert "DailyApiRequests" in body["results"][0]["result"]


# --- 4. Upsert body must not name the external id -----------------------------------------------


@pytest.mark.parametrize("field", ["External_ID__c", "external_id__c", "Id"])
def test_upsert_refuses_id_or_external_id_in_body(send: Send, org: FakeOrg, field: str) -> None:
    """Upsert Records Using sObject Rows by External ID: Id or ext-id field in the body: 400."""
    before = org.count("Account")
    response = send(
        "PATCH",
        f"{V}/sobjects/Account/External_ID__c/EXT-NEW",
        json={"Name": "X", field: "EXT-NEW" if field != "Id" else _account(org)},
    )
    error = _error(response, 400, "INVALID_FIELD")
    assert error["fields"] == [field]
    assert org.count("Account") == before


# --- 5. Collections upsert on a field that is no external id -------------------------------------


def test_collections_upsert_on_plain_field_is_invalid_field(send: Send) -> None:
    """Upserting by Name (not an external id): 400 INVALID_FIELD, not 404."""
    response = send(
        "PATCH",
        f"{V}/composite/sobjects/Account/Name",
        json={"records": [{"attributes": {"type": "Account"}, "Name": "A"}]},
    )
    error = _error(response, 400, "INVALID_FIELD")
    assert error["message"] == "Name is not an External ID or indexed field for Account"


# --- 6. Retired versions -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["20.0", "30.0"])
def test_retired_version_is_gone(send: Send, version: str) -> None:
    """API End-of-Life: versions 30.0 and older answer 410, unknown newer ones 404."""
    _error(send("GET", f"/services/data/v{version}/limits"), 410, "GONE")
    _error(send("GET", "/services/data/v99.0/limits"), 404, "NOT_FOUND")


# --- 7. Wrong method on an existing resource ---------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", f"{V}/query", "HEAD,GET"),
        ("DELETE", f"{V}/limits", "HEAD,GET"),
        ("POST", f"{V}/sobjects", "HEAD,GET"),
        ("PUT", f"{V}/", "HEAD,GET"),
        ("DELETE", f"{V}/composite", "HEAD,GET,POST"),
        ("GET", f"{V}/composite/batch", "POST"),
        ("GET", f"{V}/composite/tree/Account", "POST"),
        ("GET", f"{V}/composite/sobjects", "POST,PATCH,DELETE"),
        ("DELETE", f"{V}/composite/sobjects/Account", "HEAD,GET,POST"),
        ("POST", f"{V}/composite/sobjects/Account/External_ID__c", "PATCH"),
        ("POST", "/services/data/", "HEAD,GET"),
    ],
)
def test_wrong_method_is_405_listing_allowed_methods(
    send: Send, method: str, path: str, allowed: str
) -> None:
    """Status Codes and Error Responses: 405 METHOD_NOT_ALLOWED naming the allowed methods."""
    error = _error(send(method, path), 405, "METHOD_NOT_ALLOWED")
    assert error["message"] == f"HTTP Method '{method}' not allowed. Allowed are {allowed}"


def test_unknown_collections_object_stays_not_found(send: Send) -> None:
    """A wrong method on a resource that does not exist is still 404."""
    _error(send("DELETE", f"{V}/composite/sobjects/Nope__c"), 404, "NOT_FOUND")


# --- 8. Describe carries every key Salesforce sends ----------------------------------------------

GLOBAL_SOBJECT_KEYS = {
    "activateable", "associateEntityType", "associateParentEntity", "createable", "custom",
    "customSetting", "deepCloneable", "deletable", "deprecatedAndHidden", "feedEnabled",
    "hasSubtypes", "isInterface", "isSubtype", "keyPrefix", "label", "labelPlural", "layoutable",
    "mergeable", "mruEnabled", "name", "queryable", "replicateable", "retrieveable", "searchable",
    "triggerable", "undeletable", "updateable", "urls",
}  # fmt: skip
DESCRIBE_EXTRA_KEYS = {
    "actionOverrides", "childRelationships", "compactLayoutable", "defaultImplementation",
    "extendedBy", "extendsInterfaces", "fields", "implementedBy", "implementsInterfaces",
    "listviewable", "lookupLayoutable", "namedLayoutInfos", "networkScopeFieldName",
    "recordTypeInfos", "searchLayoutable", "sobjectDescribeOption", "supportedScopes",
}  # fmt: skip
FIELD_KEYS = {
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated",
    "calculatedFormula", "cascadeDelete", "caseSensitive", "compoundFieldName", "controllerName",
    "createable", "custom", "defaultValue", "defaultValueFormula", "defaultedOnCreate",
    "dependentPicklist", "deprecatedAndHidden", "digits", "displayLocationInDecimal",
    "encrypted", "externalId", "extraTypeInfo", "filterable", "filteredLookupInfo",
    "formulaTreatNullNumberAsZero", "groupable", "highScaleNumber", "htmlFormatted", "idLookup",
    "inlineHelpText", "label", "length", "mask", "maskType", "name", "nameField", "namePointing",
    "nillable", "permissionable", "picklistValues", "polymorphicForeignKey", "precision",
    "queryByDistance", "referenceTargetField", "referenceTo", "relationshipName",
    "relationshipOrder", "restrictedDelete", "restrictedPicklist", "scale", "searchPrefilterable",
    "soapType", "sortable", "type", "unique", "updateable", "writeRequiresMasterRead",
}  # fmt: skip


def test_global_describe_entries_have_every_key(send: Send) -> None:
    """Describe Global: each sobjects[] entry is a full DescribeGlobalSObjectResult."""
    response = send("GET", f"{V}/sobjects/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    for entry in response.json()["sobjects"]:
        assert set(entry) == GLOBAL_SOBJECT_KEYS
        assert {"sobject", "describe", "rowTemplate"} <= set(entry["urls"])


def test_describe_has_every_object_and_field_key(send: Send) -> None:
    """sObject Describe: DescribeSObjectResult and DescribeFieldResult keys, sorted."""
    response = send("GET", f"{V}/sobjects/Account/describe")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == GLOBAL_SOBJECT_KEYS | DESCRIBE_EXTRA_KEYS
    assert list(data) == sorted(data)
    for field in data["fields"]:
        assert set(field) == FIELD_KEYS
        assert list(field) == sorted(field)
    (master,) = data["recordTypeInfos"]
    assert (master["master"], master["recordTypeId"]) == (True, "012000000000000AAA")
    contacts = next(c for c in data["childRelationships"] if c["relationshipName"] == "Contacts")
    assert contacts["junctionIdListNames"] == []


# --- 9. SOQL FIELDS() and time literals ----------------------------------------------------------


def test_fields_standard_needs_no_limit(send: Send, org: FakeOrg) -> None:
    """FIELDS(STANDARD) selects every standard field, in describe order, without a LIMIT."""
    response = send("GET", f"{V}/query", params={"q": "SELECT FIELDS(STANDARD) FROM Account"})
    assert response.status_code == 200
    record = response.json()["records"][0]
    standard = [f for f in org.records("Account")[0] if not f.endswith("__c")]
    assert list(record) == standard
    assert "External_ID__c" not in record


@pytest.mark.parametrize("group", ["ALL", "CUSTOM"])
def test_fields_all_and_custom_need_limit_200(send: Send, group: str) -> None:
    """FIELDS(ALL|CUSTOM) without LIMIT (or above 200) is MALFORMED_QUERY; LIMIT 200 works."""
    for tail in ("", " LIMIT 201"):
        refused = send(
            "GET", f"{V}/query", params={"q": f"SELECT FIELDS({group}) FROM Account{tail}"}
        )
        error = _error(refused, 400, "MALFORMED_QUERY")
        assert "LIMIT of at most 200" in error["message"]
    answered = send(
        "GET", f"{V}/query", params={"q": f"SELECT FIELDS({group}) FROM Account LIMIT 200"}
    )
    assert answered.status_code == 200
    record = answered.json()["records"][0]
    assert "External_ID__c" in record
    assert ("Name" in record) == (group == "ALL")


def test_fields_duplicate_with_named_field(send: Send) -> None:
    """FIELDS(): a field it already covers is 400 INVALID_FIELD "duplicate field selected: Id"."""
    response = send(
        "GET", f"{V}/query", params={"q": "SELECT Id, FIELDS(ALL) FROM Account LIMIT 200"}
    )
    assert "duplicate field selected: Id" in _error(response, 400, "INVALID_FIELD")["message"]


def test_time_literal_filters_time_fields(send: Send, org: FakeOrg) -> None:
    """Date Formats and Date Literals: time fields compare with unquoted HH:MM:SS.SSSZ."""
    org.add_field("Account", {"name": "Opens__c", "type": "time"})
    org.insert("Account", {"Name": "Early", "Opens__c": "01:00:00.000Z"})
    org.insert("Account", {"Name": "Late", "Opens__c": "18:30:00.000Z"})
    for where, names in [
        ("Opens__c = 01:00:00.000Z", ["Early"]),
        ("Opens__c > 12:00:00Z", ["Late"]),
        ("Opens__c < 18:30:00.000Z ORDER BY Name", ["Early"]),
    ]:
        response = send(
            "GET", f"{V}/query", params={"q": f"SELECT Name FROM Account WHERE {where}"}
        )
        assert response.status_code == 200
        assert [r["Name"] for r in response.json()["records"]] == names
    quoted = send(
        "GET", f"{V}/query", params={"q": "SELECT Name FROM Account WHERE Opens__c = '01:00:00Z'"}
    )
    _error(quoted, 400, "INVALID_FIELD")


# --- 10. Geolocation component fields ------------------------------------------------------------


def test_geolocation_field_has_latitude_and_longitude_components(send: Send, org: FakeOrg) -> None:
    """Geolocation Compound Field: Loc__c is read-only, written as Loc__Latitude__s/Longitude__s."""
    org.add_field("Account", {"name": "Loc__c", "type": "location", "scale": 6})
    fields = {f["name"]: f for f in send("GET", f"{V}/sobjects/Account/describe").json()["fields"]}
    assert fields["Loc__c"]["createable"] is False
    for axis in ("Latitude", "Longitude"):
        part = fields[f"Loc__{axis}__s"]
        assert (part["type"], part["compoundFieldName"], part["scale"]) == ("double", "Loc__c", 6)
    created = send(
        "POST",
        f"{V}/sobjects/Account",
        json={"Name": "HQ", "Loc__Latitude__s": 37.79, "Loc__Longitude__s": -122.39},
    )
    assert created.status_code == 201
    record = send(
        "GET", f"{V}/sobjects/Account/{created.json()['id']}", params={"fields": "Loc__c"}
    ).json()
    assert record["Loc__c"] == {"latitude": 37.79, "longitude": -122.39}
    compound = send("POST", f"{V}/sobjects/Account", json={"Name": "X", "Loc__c": {"latitude": 1}})
    assert compound.status_code == 400


def test_batch_subrequests_count_against_limits_composite_does_not(
    send: Send, org: FakeOrg
) -> None:
    """Composite Batch: each subrequest counts; Composite: the whole series is one call."""
    subrequests = [{"method": "GET", "url": "v59.0/limits"}] * 3
    send("POST", f"{V}/composite/batch", json={"batchRequests": subrequests})
    assert org.stats.api_usage == 4
    series = [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(3)]
    send("POST", f"{V}/composite", json={"compositeRequest": series})
    assert org.stats.api_usage == 5


# --- Composite Batch subrequest versions --------------------------------------------------------


@pytest.mark.parametrize("url", ["v34.0/limits", "/services/data/v59.0/limits"])
def test_batch_runs_subrequests_from_34_to_its_own_version(send: Send, url: str) -> None:
    """Composite Batch: subrequest versions 34.0 up to the batch's version are accepted."""
    response = send(
        "POST", f"{V}/composite/batch", json={"batchRequests": [{"method": "GET", "url": url}]}
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["statusCode"] == 200


@pytest.mark.parametrize("url", ["v33.0/limits", "v60.0/limits", "/services/data/v31.0/limits"])
def test_batch_refuses_a_subrequest_version_outside_34_and_its_own(
    send: Send, org: FakeOrg, url: str
) -> None:
    """Composite Batch, Batch Request Body: a bad subrequest version is a 400; nothing runs."""
    before = org.count("Account")
    response = send(
        "POST",
        f"{V}/composite/batch",
        json={
            "batchRequests": [
                {"method": "POST", "url": "v59.0/sobjects/Account", "richInput": {"Name": "A"}},
                {"method": "GET", "url": url},
            ]
        },
    )
    error = _error(response, 400, "INVALID_BATCH_REQUEST")
    assert "v59.0" in error["message"]
    assert org.count("Account") == before


# --- Resources that a version does not serve yet ------------------------------------------------


@pytest.mark.parametrize(
    ("version", "method", "path", "body"),
    [
        ("33.0", "POST", "composite/batch", {"batchRequests": []}),
        ("41.0", "POST", "composite/sobjects", {"records": []}),
        ("41.0", "GET", "composite/sobjects/Account", None),
        ("45.0", "PATCH", "composite/sobjects/Account/External_ID__c", {"records": []}),
    ],
)
def test_resource_before_its_first_version_is_not_found(
    send: Send, version: str, method: str, path: str, body: object
) -> None:
    """Composite Batch is 34.0+, sObject Collections 42.0+, Collections upsert 46.0+: else 404."""
    response = send(method, f"/services/data/v{version}/{path}", json=body)
    _error(response, 404, "NOT_FOUND")


def test_collections_upsert_before_46_answers_after_it(send: Send) -> None:
    """The same Collections upsert works from 46.0 on."""
    records = [{"attributes": {"type": "Account"}, "Name": "N", "External_ID__c": "V46"}]
    path = "composite/sobjects/Account/External_ID__c"
    response = send("PATCH", f"/services/data/v46.0/{path}", json={"records": records})
    assert response.status_code == 200
    assert response.json()[0]["created"] is True


# --- sObject Collections type rules -------------------------------------------------------------


def _typed(*kinds: str) -> list[dict[str, Any]]:
    fields = {"Account": {"Name": "A"}, "Contact": {"LastName": "C"}}
    return [{"attributes": {"type": kind}, **fields[kind]} for kind in kinds]


def test_collections_upsert_refuses_a_record_of_another_type(send: Send, org: FakeOrg) -> None:
    """Upsert Records Using sObject Collections: only records of the URI's type; else 400."""
    before = org.count("Account"), org.count("Contact")
    records = _typed("Account", "Contact")
    records[0]["External_ID__c"] = "T-1"
    response = send(
        "PATCH", f"{V}/composite/sobjects/Account/External_ID__c", json={"records": records}
    )
    error = _error(response, 400, "INVALID_TYPE")
    assert "Contact" in error["message"]
    assert (org.count("Account"), org.count("Contact")) == before


def test_collections_upsert_type_is_case_insensitive(send: Send) -> None:
    """The type in attributes may differ in case from the URI's."""
    records = [{"attributes": {"type": "account"}, "Name": "a", "External_ID__c": "T-2"}]
    response = send(
        "PATCH", f"{V}/composite/sobjects/Account/External_ID__c", json={"records": records}
    )
    assert response.status_code == 200
    assert response.json()[0]["success"] is True


def test_collections_create_takes_ten_chunks(send: Send, org: FakeOrg) -> None:
    """Create Records Using sObject Collections: ten runs of one type are ten chunks: allowed."""
    before = org.count("Contact")
    kinds = ["Account", "Account", "Contact"] * 3 + ["Account"]
    response = send("POST", f"{V}/composite/sobjects", json={"records": _typed(*kinds)})
    assert response.status_code == 200
    assert [item["success"] for item in response.json()] == [True] * 10
    assert org.count("Contact") == before + 3


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_collections_write_refuses_eleven_chunks(send: Send, org: FakeOrg, method: str) -> None:
    """Create/Update Records Using sObject Collections: up to 10 chunks, an 11th is a 400."""
    before = org.count("Account")
    records = _typed(*(["Account", "Contact"] * 5 + ["Account"]))
    if method == "PATCH":
        account = _account(org)
        contact = org.records("Contact")[0]["Id"]
        for record in records:
            record["Id"] = account if record["attributes"]["type"] == "Account" else contact
    response = send(method, f"{V}/composite/sobjects", json={"records": records})
    error = _error(response, 400, "EXCEEDED_MAX_TYPES_LIMIT")
    assert error["message"].startswith("Cannot have more than 10 chunks in a single operation.")
    assert org.count("Account") == before


def test_collections_more_than_200_records_is_exceeded_id_limit(send: Send) -> None:
    """sObject Collections: 201 records is a 400 EXCEEDED_ID_LIMIT before anything is written."""
    response = send("POST", f"{V}/composite/sobjects", json={"records": _typed(*["Account"] * 201)})
    error = _error(response, 400, "EXCEEDED_ID_LIMIT")
    assert error["message"] == (
        "record limit reached. cannot submit more than 200 records into this call"
    )


# --- POST /sobjects/{T}/Id ---------------------------------------------------------------------


def test_post_to_id_creates_from_37_only(send: Send, org: FakeOrg) -> None:
    """Create Records Using sObject Rows by External ID: POST .../Id creates, from 37.0 on."""
    before = org.count("Account")
    created = send("POST", "/services/data/v37.0/sobjects/Account/Id", json={"Name": "New"})
    assert created.status_code == 201
    assert created.json()["success"] is True
    old = send("POST", "/services/data/v36.0/sobjects/Account/Id", json={"Name": "Old"})
    assert old.status_code == 405
    assert old.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert org.count("Account") == before + 1
