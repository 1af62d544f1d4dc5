"""Query pages: the answer's shape, and where nextRecordsUrl may lead."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sf_toolkit._wire.pages import HEAD_BYTES, early_next_url, next_page_url, parse_query_page
from sf_toolkit.exceptions import UnexpectedResponseError

INSTANCE = "https://acme.my.salesforce.com"

#: The REST API Developer Guide's "Execute a SOQL Query" example answer (first page).
GUIDE_PAGE = {
    "done": False,
    "totalSize": 3214,
    "nextRecordsUrl": "/services/data/v62.0/query/01gD0000002HU6KIAW-2000",
    "records": [
        {
            "attributes": {
                "type": "Contact",
                "url": "/services/data/v62.0/sobjects/Contact/003D000000QV9n2IAD",
            },
            "Name": "Rose Gonzalez",
        }
    ],
}


def _answer(body: Any) -> httpx.Response:
    request = httpx.Request("GET", f"{INSTANCE}/services/data/v62.0/query?q=SELECT")
    return httpx.Response(200, json=body, request=request)


def test_the_guide_s_page_parses() -> None:
    """The documented page shape is accepted as it is."""
    assert parse_query_page(_answer(GUIDE_PAGE)) == GUIDE_PAGE


@pytest.mark.parametrize(
    "page",
    [
        {"totalSize": 1, "done": True},
        {"totalSize": 1, "done": True, "records": {"a": 1}},
        {"totalSize": 1, "done": True, "records": ["x"]},
        {"totalSize": 2, "done": True, "records": [{"Name": "a"}, None]},
        {"totalSize": 2, "done": True, "records": [{"Name": "a"}, [{"Name": "b"}]]},
        {"totalSize": "1", "done": True, "records": []},
        {"totalSize": True, "done": True, "records": []},
        {"totalSize": 0, "done": False, "records": [], "nextRecordsUrl": ["x"]},
        {"totalSize": 9, "done": False, "records": [], "nextRecordsUrl": ""},
        {"totalSize": 9, "done": False, "records": []},
        [],
        "page",
        None,
    ],
)
def test_malformed_pages_are_refused(page: Any) -> None:
    """A page without a records array, a count or a string nextRecordsUrl is refused."""
    with pytest.raises(UnexpectedResponseError) as info:
        parse_query_page(_answer(page))
    assert info.value.method == "GET"


def test_a_cut_off_page_is_refused() -> None:
    """A body cut off mid-JSON raises UnexpectedResponseError, not JSONDecodeError."""
    request = httpx.Request("GET", f"{INSTANCE}/services/data/v62.0/query")
    response = httpx.Response(200, content=b'{"totalSize": 1, "records": [', request=request)
    with pytest.raises(UnexpectedResponseError, match="not JSON"):
        parse_query_page(response)


def test_next_page_url_joins_and_remembers() -> None:
    """Each next URL is joined onto the instance and remembered for the query."""
    seen: set[str] = set()
    first = next_page_url(INSTANCE, "/services/data/v62.0/query/01gD0000002HU6KIAW-2000", seen)
    second = next_page_url(INSTANCE, "/services/data/v62.0/query/01gD0000002HU6KIAW-4000", seen)
    assert first == f"{INSTANCE}/services/data/v62.0/query/01gD0000002HU6KIAW-2000"
    assert second.endswith("-4000")
    assert seen == {first, second}


def test_a_repeated_next_page_url_is_refused() -> None:
    """The same nextRecordsUrl twice in one query would never end: refused."""
    seen: set[str] = set()
    next_page_url(INSTANCE, "/services/data/v62.0/query/01gX-2000", seen)
    with pytest.raises(UnexpectedResponseError, match="a second time"):
        next_page_url(INSTANCE, f"{INSTANCE}/services/data/v62.0/query/01gX-2000", seen)


@pytest.mark.parametrize(
    "next_url",
    [
        ":8443/services/data/v59.0/query/x",
        "https://evil.example/services/x",
        7,
        "",
        "/services/oauth2/revoke",
        "/services/Soap/u/59.0",
        "/services/%2e%2e/oauth2/revoke",
        "/services/data/v64.0/query/%2e%2e/%2e%2e/%2e%2e/oauth2/revoke",
    ],
)
def test_a_next_page_url_off_the_instance_is_refused(next_url: object) -> None:
    """A next URL on another origin (or not a URL) is refused with a typed error."""
    with pytest.raises(UnexpectedResponseError, match="refused to follow nextRecordsUrl"):
        next_page_url(INSTANCE, next_url, set())


def test_a_refused_next_page_url_names_the_page_that_sent_it() -> None:
    """Given the page's answer, the refusal carries its method and URL."""
    with pytest.raises(UnexpectedResponseError) as info:
        next_page_url(INSTANCE, "/services/oauth2/revoke", set(), response=_answer(GUIDE_PAGE))
    assert info.value.method == "GET"
    assert info.value.url == "/query?q=SELECT"


# -- early_next_url: the next page's URL from the head of a page ----------------------------

GUIDE_URL = GUIDE_PAGE["nextRecordsUrl"]


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(GUIDE_PAGE).encode(),  # compact, as Salesforce sends it
        json.dumps(GUIDE_PAGE, indent=4).encode(),  # pretty, as the guide prints it
        json.dumps(GUIDE_PAGE, separators=(" , ", " : ")).encode(),
        json.dumps(GUIDE_PAGE).replace("/", "\\/").encode(),  # JSON may escape "/"
        b"\r\n\t " + json.dumps(GUIDE_PAGE).encode(),
    ],
)
def test_the_next_url_is_read_before_the_records(body: bytes) -> None:
    """The guide's page, however it is spaced or escaped, names its next URL up front."""
    assert early_next_url(body[:HEAD_BYTES]) == GUIDE_URL


def test_only_the_head_is_needed() -> None:
    """The records need not have arrived: the head up to ``"records":`` settles it."""
    body = json.dumps(GUIDE_PAGE).encode()
    assert early_next_url(body[: body.index(b"[")]) == GUIDE_URL


@pytest.mark.parametrize(
    "head",
    [
        b'{"totalSize": 2, "done": true, "records": [',  # the last page
        b'{"records": [], "nextRecordsUrl": "/services/data/v62.0/query/01g-2000"}',
        b'{"totalSize": 3214, "done": false, "nextRecordsUrl": null, "records": [',
        b'{"totalSize": 3214, "done": false, "nextRecordsUrl": "/services/data/v6',  # cut short
        b'{"totalSize": 3214, "done": false, "nextRecordsUrl": "/x"',  # no records yet
        b'{"meta": {"nextRecordsUrl": "/x"}, "records": [',  # an object first: not walked
        b'{"totalSize": 3214 "nextRecordsUrl": "/x", "records": [',  # missing comma
        b'{"totalSize": 0x10, "nextRecordsUrl": "/x", "records": [',  # not JSON
        b'{"nextRecordsUrl": "/x\xff", "records": [',  # not UTF-8
        b'[{"nextRecordsUrl": "/x", "records": []}]',  # not an object
        b'{"nextRecordsUrl": 5, "records": [',
        b"",
    ],
)
def test_a_head_that_does_not_settle_it_gives_none(head: bytes) -> None:
    """None means "read it from the decoded page": never a guess."""
    assert early_next_url(head) is None


def test_a_repeated_member_before_the_records_counts_last() -> None:
    """As when the page is decoded: the last value of a repeated member wins."""
    head = b'{"nextRecordsUrl": "/first", "done": false, "nextRecordsUrl": "/last", "records": ['
    assert early_next_url(head) == json.loads(head + b"]}")["nextRecordsUrl"] == "/last"


def test_a_character_cut_in_half_at_the_end_of_the_head_is_harmless() -> None:
    """The head ends mid-character (in a record): the URL before it is still read."""
    body = json.dumps({**GUIDE_PAGE, "records": [{"Name": "Zoë"}]}, ensure_ascii=False).encode()
    cut = body.index("ë".encode()) + 1
    assert early_next_url(body[:cut]) == GUIDE_URL
