"""Where requests may go: origins, server-supplied URLs, path segments and sObject names."""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit._wire.urls import (
    ServerUrlError,
    path_segment,
    resolve_server_url,
    retarget,
    same_origin,
    sobject_name,
)

INSTANCE = "https://acme.my.salesforce.com"


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("https://acme.my.salesforce.com/services/data/", True),
        ("https://acme.my.salesforce.com:443/services/data/", True),
        ("https://ACME.my.salesforce.com/x", True),
        ("https://acme.my.salesforce.com:8443/services/data/", False),
        ("http://acme.my.salesforce.com/services/data/", False),
        ("https://acme.my.salesforce.com.evil.example/services/data/", False),
        ("https://other.my.salesforce.com/services/data/", False),
    ],
)
def test_same_origin_compares_scheme_host_and_port(url: str, same: bool) -> None:
    """The token's scope is the origin: scheme, host and port (default ports made explicit)."""
    assert same_origin(url, INSTANCE) is same


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        (
            "/services/data/v62.0/query/01gD0000002HU6KIAW-2000",
            f"{INSTANCE}/services/data/v62.0/query/01gD0000002HU6KIAW-2000",
        ),
        (
            f"{INSTANCE}/services/data/v62.0/query/01gD0000002HU6KIAW-2000",
            f"{INSTANCE}/services/data/v62.0/query/01gD0000002HU6KIAW-2000",
        ),
        (
            "/services/data/v62.0/query/01gD0000002HU6KIAW-2000?x=1",
            f"{INSTANCE}/services/data/v62.0/query/01gD0000002HU6KIAW-2000?x=1",
        ),
    ],
)
def test_server_urls_on_the_instance_are_joined(next_url: str, expected: str) -> None:
    """A nextRecordsUrl (the REST guide's example shape) joins onto the instance URL."""
    assert resolve_server_url(INSTANCE, next_url) == expected


@pytest.mark.parametrize(
    "next_url",
    [
        ":8443/services/data/v59.0/query/x",
        "https://evil.example/services/data/v59.0/query/x",
        "//evil.example/services/data/v59.0/query/x",
        "http://acme.my.salesforce.com/services/data/v59.0/query/x",
        "https://acme.my.salesforce.com:8443/services/data/v59.0/query/x",
        "/services/../secur/logout.jsp",
        "/secur/logout.jsp",
        "query/x",
        "",
        None,
        42,
        "http://[::1",
    ],
)
def test_server_urls_leaving_the_instance_or_services_are_refused(next_url: object) -> None:
    """Other origins, paths outside /services/ and non-URLs raise ServerUrlError."""
    with pytest.raises(ServerUrlError):
        resolve_server_url(INSTANCE, next_url)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("abc", "abc"),
        (".", "%2E"),
        ("..", "%2E%2E"),
        ("...", "%2E%2E%2E"),
        ("a/b", "a%2Fb"),
        ("a?b#c", "a%3Fb%23c"),
        ("50%", "50%25"),
        ("%2E%2E", "%252E%252E"),
        ("a.b", "a.b"),
        ("é", "%C3%A9"),
    ],
)
def test_a_value_becomes_exactly_one_path_segment(value: str, encoded: str) -> None:
    """Slashes, query marks and dot segments cannot escape a path segment."""
    assert path_segment(value) == encoded
    url = httpx.URL(f"{INSTANCE}/services/data/v62.0/sobjects/Account/Ext__c/{encoded}")
    assert url.raw_path.decode("ascii").split("/")[-1] == encoded


def test_an_empty_segment_is_refused() -> None:
    """An empty value would merge its neighbours: ValueError."""
    with pytest.raises(ValueError, match="cannot be empty"):
        path_segment("")


@pytest.mark.parametrize(
    "name", ["Account", "ns__Invoice__c", "Invoice__History", "Order_Event__e", "Account__Share"]
)
def test_sobject_names_are_accepted(name: str) -> None:
    """Standard, custom, namespaced, history, share and event object names pass."""
    assert sobject_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "Account/../../services/oauth2/revoke",
        "Account?x",
        "Account#",
        "",
        "1Account",
        "Acc ount",
        5,
    ],
)
def test_non_sobject_names_are_refused(name: object) -> None:
    """Anything that could change a path is not an sObject name."""
    with pytest.raises(ValueError, match="not an sObject API name"):
        sobject_name(name)


def test_retarget_moves_requests_for_the_old_instance() -> None:
    """A request for the old instance moves to the new one, path, query and body unchanged."""
    request = httpx.Request(
        "POST", f"{INSTANCE}/services/data/v62.0/sobjects/Account?x=1", content=b"{}"
    )
    moved = retarget(request, INSTANCE, "https://acme2.my.salesforce.com:8443")
    assert (
        str(moved.url)
        == "https://acme2.my.salesforce.com:8443/services/data/v62.0/sobjects/Account?x=1"
    )
    assert moved.headers["Host"] == "acme2.my.salesforce.com:8443"
    assert moved.read() == b"{}"


def test_retarget_leaves_other_requests_alone() -> None:
    """A request for another host, or an unchanged instance, is left as it is."""
    other = httpx.Request("GET", "https://elsewhere.example/x")
    assert retarget(other, INSTANCE, "https://acme2.my.salesforce.com") is other
    own = httpx.Request("GET", f"{INSTANCE}/x")
    assert retarget(own, INSTANCE, f"{INSTANCE}:443") is own
