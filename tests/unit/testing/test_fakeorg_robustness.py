"""Client mistakes never reach the fake org's catch-all 500, whatever they look like."""

from __future__ import annotations

import gzip
import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sf_toolkit.testing import FakeOrg

ORG = FakeOrg(records=2, seed=1)
TOKEN = ORG.access_token()
ACCOUNT = ORG.records("Account")[0]["Id"]
ATTACHMENT = ORG.records("Attachment")[0]["Id"]
BASE = "https://fake-org.my.salesforce.com"

_SEGMENTS = st.sampled_from(
    [
        "sobjects", "Account", "Contact", "Attachment", "Nope__c", "describe", ACCOUNT,
        ATTACHMENT, ACCOUNT[:15], "001000000000000AAA", "Body", "External_ID__c", "EXT-00001",
        "Id", "query", "queryAll", "composite", "limits", "jobs", "ingest", "batches",
        "750000000000000AAA", "01g000000000000AAA-200", "", "%20", "x" * 40, "tree", "batch",
        "updated", "deleted",
    ]
)  # fmt: skip
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_RECORD = st.dictionaries(
    st.sampled_from(["Name", "Industry", "AnnualRevenue", "NumberOfEmployees", "AccountId",
                     "ParentId", "Body", "attributes", "Id", "Nope", "CreatedDate", "Rating"]),
    _JSON,
    max_size=5,
)  # fmt: skip
_BODY = (
    _RECORD.map(lambda r: json.dumps(r).encode())
    | st.builds(
        lambda rs: json.dumps({"allOrNone": True, "records": rs}).encode(),
        st.lists(_RECORD, max_size=3),
    )
    | _JSON.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=30)
    | st.builds(
        lambda rs: json.dumps(
            {"records": [{**r, "attributes": {"type": "Account", "referenceId": "r"}} for r in rs]}
        ).encode(),
        st.lists(_RECORD, max_size=3),
    )
    | st.builds(
        lambda name, payload: (
            f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + payload
            + b"\r\n--b--\r\n"
        ),
        st.sampled_from(["entity_content", "entity_document", "Body", "VersionData", "x"]),
        st.binary(max_size=20) | _RECORD.map(lambda r: json.dumps(r).encode()),
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE"]),
    segments=st.lists(_SEGMENTS, min_size=0, max_size=5),
    body=_BODY,
    params=st.dictionaries(
        st.sampled_from(["q", "fields", "ids", "allOrNone", "updateOnly", "locator"]),
        st.text(max_size=20),
        max_size=2,
    ),
    content_type=st.sampled_from(
        ["application/json", "multipart/form-data; boundary=b", "multipart/form-data", "text/csv"]
    ),
)
def test_random_requests_never_answer_500(
    method: str, segments: list[str], body: bytes, params: dict[str, str], content_type: str
) -> None:
    """Random methods, paths, bodies and parameters get a 2xx/3xx/4xx, never a 500."""
    path = "/services/data/v59.0/" + "/".join(segments)
    request = httpx.Request(
        method,
        BASE + path,
        params=params,
        content=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type},
    )
    response = ORG.handle(request)
    assert response.status_code < 500, (response.status_code, response.text)
    assert ORG.internal_errors == []


def test_gzip_request_bodies_are_accepted() -> None:
    """A gzip-encoded JSON body is decoded before it is parsed."""
    org = FakeOrg()
    request = httpx.Request(
        "POST",
        BASE + "/services/data/v59.0/sobjects/Account",
        content=gzip.compress(b'{"Name": "Zipped"}'),
        headers={
            "Authorization": f"Bearer {org.access_token()}",
            "Content-Encoding": "gzip",
            "Content-Type": "application/json",
        },
    )
    assert org.handle(request).status_code == 201
    assert org.records("Account")[0]["Name"] == "Zipped"


_SUBREQUEST = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "PATCH", "DELETE", "HEAD", "PUT"]),
        "url": st.lists(_SEGMENTS, max_size=4).map(
            lambda parts: "/services/data/v59.0/" + "/".join(parts)
        )
        | st.sampled_from(["/other", "", "@{x.id}", "/services/data/v59.0/sobjects/@{a.id}"]),
        "referenceId": st.sampled_from(["a", "b", "x"]),
    },
    optional={"body": _RECORD},
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requests=st.lists(_SUBREQUEST, min_size=1, max_size=4),
    all_or_none=st.booleans(),
)
def test_random_composite_requests_never_answer_500(
    requests: list[dict[str, object]], all_or_none: bool
) -> None:
    """Random Composite subrequests and references never reach the catch-all."""
    request = httpx.Request(
        "POST",
        BASE + "/services/data/v59.0/composite",
        json={"allOrNone": all_or_none, "compositeRequest": requests},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    response = ORG.handle(request)
    assert response.status_code < 500, response.text
    assert ORG.internal_errors == []
