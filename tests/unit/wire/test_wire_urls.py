"""Where requests may go: origins, server-supplied URLs, path segments and sObject names."""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit._wire.urls import (
    ServerUrlError,
    api_version,
    id_segment,
    path_segment,
    resolve_data_url,
    resolve_server_url,
    rest_path,
    retarget,
    same_origin,
    sobject_name,
    sobject_segment,
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
        "/services/data/v59.0/query/\ud800",  # a lone surrogate: valid JSON, not a URL
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


HOSTILE_PATHS = [
    "/services/%2e%2e/oauth2/revoke",
    "/services/%2E%2E/secur/frontdoor.jsp",
    "/services/data/v64.0/query/%2e%2e/%2e%2e/%2e%2e/oauth2/revoke",
    "/services/data/v64.0/query/..%2f..%2f..%2foauth2/revoke",
    "/services/data/v64.0/query/%2e/x",
    "/services/data/v64.0/query/a%5c..%5c..",
    "/services\\..\\oauth2/revoke",
    "\\\\evil.example/services/data/v64.0/query/x",
    "/services//data/v64.0/query/x",
    "/services/data/v64.0/query/x\tend",
    " /services/data/v64.0/query/x",
    "https://user:pw@acme.my.salesforce.com/services/data/v64.0/query/x",
    "https://user@acme.my.salesforce.com/services/data/v64.0/query/x",
]


@pytest.mark.parametrize("url", HOSTILE_PATHS)
def test_server_urls_are_checked_on_their_decoded_path(url: str) -> None:
    """Encoded dot segments, backslashes, // , whitespace and user names are all refused."""
    with pytest.raises(ServerUrlError):
        resolve_server_url(INSTANCE, url)
    with pytest.raises(ServerUrlError):
        resolve_data_url(INSTANCE, url)


def test_a_user_name_in_a_server_url_is_not_shown() -> None:
    """The refusal of a URL with a password in it does not repeat the password."""
    with pytest.raises(ServerUrlError) as info:
        resolve_data_url(INSTANCE, "https://u:hunter22@acme.my.salesforce.com/services/data/v1.0/x")
    assert "hunter22" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["/services/oauth2/revoke", "/services/Soap/u/59.0", "/services/data/", "/services/data/x/q"],
)
def test_continuations_stay_under_the_rest_data_root(url: str) -> None:
    """A query continuation must be under /services/data/vNN.N/, not any /services/ path."""
    with pytest.raises(ServerUrlError, match="REST data root"):
        resolve_data_url(INSTANCE, url)


def test_the_guide_s_next_records_url_is_a_data_url() -> None:
    """The REST guide's nextRecordsUrl example passes the data-root check."""
    url = "/services/data/v62.0/query/01gD0000002HU6KIAW-2000"
    assert resolve_data_url(INSTANCE, url) == f"{INSTANCE}{url}"


#: A record Id from the REST API Developer Guide, in its 18- and 15-character forms.
@pytest.mark.parametrize("value", ["001D000000IqhSLIAZ", "001D000000IqhSL"])
def test_ids_from_the_docs_are_one_segment(value: str) -> None:
    """Documented Id shapes pass the Id check unchanged."""
    assert id_segment(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "../../../../oauth2/revoke",
        "a b?c#d",
        "",
        None,
        750,
        "7505g000000QQQQAA4/x",
        "001D000000IqhSLIAA",
    ],
)
def test_server_ids_that_are_not_ids_are_refused(value: object) -> None:
    """A job Id from the server that is not an Id shape never enters a path."""
    with pytest.raises(ServerUrlError, match="Bulk job Id"):
        id_segment(value, what="Bulk job Id")


@pytest.mark.parametrize(
    ("value", "expected"), [("62.0", "62.0"), ("v64.0", "64.0"), (64.0, "64.0"), ("9.0", "9.0")]
)
def test_api_versions_are_accepted_as_nn_n(value: object, expected: str) -> None:
    """A version as text, with its v, or as the number a Bulk job info carries."""
    assert api_version(value) == expected


@pytest.mark.parametrize(
    "value", ["1/../../../../../evil-path", "62", "62.0.1", "", True, None, "v", "62.0/x", 62]
)
def test_malformed_api_versions_are_refused(value: object) -> None:
    """A version that is not NN.N cannot move a path."""
    with pytest.raises(ServerUrlError, match="API version"):
        api_version(value)


def test_rest_path_joins_checked_segments_under_the_data_root() -> None:
    """rest_path builds /services/data/vNN.N/... from one-segment values."""
    job = id_segment("001D000000IqhSLIAZ")
    assert (
        rest_path(64.0, "jobs", "ingest", job, "batches")
        == "/services/data/v64.0/jobs/ingest/001D000000IqhSLIAZ/batches"
    )
    assert rest_path("62.0", "sobjects", sobject_segment("Account")) == (
        "/services/data/v62.0/sobjects/Account"
    )


@pytest.mark.parametrize("segment", ["", "a/b", "..", ".", "%2e%2e", "a%2Fb", "a?b", "a#", "a\\b"])
def test_rest_path_refuses_what_is_not_one_segment(segment: str) -> None:
    """Raw values that are not single segments are refused, encoded dot segments included."""
    with pytest.raises(ServerUrlError, match="one path segment"):
        rest_path("62.0", "jobs", segment)


def test_sobject_segment_refuses_a_path() -> None:
    """An sObject name handed back by a server is checked before it enters a path."""
    with pytest.raises(ValueError, match="not an sObject API name"):
        sobject_segment("Account/../../oauth2/revoke")
