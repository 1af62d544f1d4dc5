# Generated from tests/_async/test_trust_layers.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Protections every caller gets from the client's send layer: redirects, streamed bodies, masking.

Each test puts one bad answer between the client and the fake org with an
``httpx.MockTransport`` (the HTTP boundary); everything else is the fake org answering.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from sf_toolkit import PasswordLogin, RetryPolicy, SalesforceClient, SalesforceLogin, SObject
from sf_toolkit._wire.secrets import MASK
from sf_toolkit.exceptions import (
    AuthenticationError,
    RedirectError,
    SalesforceApiError,
    SalesforceConnectionError,
    SalesforceTimeoutError,
    UnexpectedResponseError,
)
from sf_toolkit.io.api import (
    download_file,
    fetch,
    fetch_list,
    query,
    query_bulk,
    save_insert_list,
)
from sf_toolkit.results import SaveInterruptedError
from sf_toolkit.testing import FakeOrg

Handler = Callable[[httpx.Request], "httpx.Response | None"]

NO_WAIT = RetryPolicy(backoff_initial=0.0, backoff_max=0.0, jitter=False)
EVIL_HOST = "evil.example"
EVIL = f"https://{EVIL_HOST}"


class Account(SObject):
    Name: str | None = None


class Wire:
    """The org behind a hostile answer, logging every request that reaches the transport."""

    def __init__(self, org: FakeOrg, hostile: Handler) -> None:
        self.org = org
        self.hostile = hostile
        self.seen: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        if request.url.host == EVIL_HOST:
            return httpx.Response(200, json={"hijacked": True})
        answer = self.hostile(request)
        return answer if answer is not None else self.org.handle(request)

    def off_instance(self) -> list[str]:
        return [str(r.url) for r in self.seen if r.url.host == EVIL_HOST]

    def client(self, **kwargs: Any) -> SalesforceClient:
        login = SalesforceLogin(username="user@example.com", password="password")
        kwargs.setdefault("retry", NO_WAIT)
        return SalesforceClient(login=login, transport=httpx.MockTransport(self.handle), **kwargs)


def redirect(fragment: str, status: int, location: str, content: bytes = b"") -> Handler:
    """Answer requests whose path ends with ``fragment`` with a redirect to ``location``."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith(fragment):
            return None
        headers = {"Location": location} if location else {}
        if content:
            headers["Content-Type"] = "text/csv"
        return httpx.Response(status, headers=headers, content=content)

    return hostile


# -- redirects: never followed, always typed -------------------------------------------------


@pytest.mark.parametrize("follow", [False, True], ids=["default", "follow_redirects=True"])
@pytest.mark.parametrize("status", [301, 302, 303, 305, 307, 308, 399])
def test_a_redirected_fetch_is_an_error_even_on_a_following_client(
    org: FakeOrg, status: int, follow: bool
) -> None:
    """Any 3xx to a fetch raises RedirectError naming its target; nothing leaves the instance."""
    account_id = org.insert("Account", {"Name": "Acme"})
    wire = Wire(org, redirect(f"/Account/{account_id}", status, f"{EVIL}/steal"))
    with wire.client(follow_redirects=follow) as client:
        with pytest.raises(RedirectError) as info:
            fetch(Account, account_id, client)
    assert info.value.location == f"{EVIL}/steal"
    assert info.value.status_code == status
    assert info.value.method == "GET"
    assert info.value.url is not None
    assert account_id in info.value.url
    assert wire.off_instance() == []


def test_a_call_asking_to_follow_redirects_is_refused_too(org: FakeOrg) -> None:
    """client.get(..., follow_redirects=True) raises RedirectError instead of following."""
    wire = Wire(org, redirect("/limits", 302, f"{EVIL}/limits"))
    with wire.client() as client:
        with pytest.raises(RedirectError, match=r"evil\.example"):
            client.get("limits", follow_redirects=True)
    assert wire.off_instance() == []


def test_a_redirect_loop_is_a_redirect_error_not_too_many_redirects(org: FakeOrg) -> None:
    """A 301 pointing at itself raises RedirectError after one request, on a following client."""
    wire = Wire(org, redirect("/limits", 301, "/services/data/v64.0/limits"))
    with wire.client(follow_redirects=True) as client:
        with pytest.raises(RedirectError):
            client.get("limits")
    assert [r.url.path for r in wire.seen].count("/services/data/v64.0/limits") == 1


def test_a_redirected_list_insert_sends_the_records_nowhere_else(org: FakeOrg) -> None:
    """A 307 on a Collections insert stops the call on RedirectError; no body goes elsewhere."""
    wire = Wire(org, redirect("/composite/sobjects", 307, f"{EVIL}/collect"))
    with wire.client(follow_redirects=True) as client:
        with pytest.raises(SaveInterruptedError) as info:
            save_insert_list([Account(Name="secret deal")], client)
    cause = info.value.__cause__
    assert isinstance(cause, RedirectError)
    assert cause.location == f"{EVIL}/collect"
    assert wire.off_instance() == []
    assert org.records("Account") == []


def test_a_redirected_fetch_list_is_an_error(org: FakeOrg) -> None:
    """A redirect answering a Collections retrieve raises RedirectError."""
    account_id = org.insert("Account", {"Name": "Acme"})
    wire = Wire(org, redirect("/composite/sobjects/Account", 302, f"{EVIL}/x"))
    with wire.client(follow_redirects=True) as client:
        with pytest.raises(RedirectError):
            fetch_list(Account, account_id, sf_client=client)
    assert wire.off_instance() == []


def test_a_redirect_with_a_csv_body_is_never_read_as_bulk_results(org: FakeOrg) -> None:
    """A 302 answering a Bulk results download raises RedirectError; its CSV body is not data."""
    org.insert("Account", {"Name": "Real"})
    injected = b'"Id","Name"\n"001000000000001","Injected"\n'
    wire = Wire(
        org,
        redirect("/results", 302, f"{EVIL}/results", content=injected),
    )
    with wire.client() as client:
        with pytest.raises(RedirectError):
            _ = [r for r in query_bulk("SELECT Id, Name FROM Account", client)]
    assert wire.off_instance() == []


def test_a_streamed_request_refuses_a_redirect(org: FakeOrg) -> None:
    """client.stream(...) raises RedirectError on a 3xx before anything is read."""
    wire = Wire(org, redirect("/limits", 308, f"{EVIL}/limits"))
    with wire.client(follow_redirects=True) as client:
        with pytest.raises(RedirectError, match=r"evil\.example"):
            with client.stream("GET", "limits"):
                pass  # pragma: no cover - never reached
    assert wire.off_instance() == []


def test_a_redirect_without_a_location_is_an_error(org: FakeOrg) -> None:
    """A 302 without Location raises RedirectError with location None."""
    wire = Wire(org, redirect("/query", 302, ""))
    with wire.client() as client:
        with pytest.raises(RedirectError) as info:
            _ = [r for r in query("SELECT Name FROM Account", client)]
    assert info.value.location is None


def test_a_304_is_an_answer_only_to_a_conditional_request(org: FakeOrg) -> None:
    """304 answers a request with If-Modified-Since; to any other request it is refused."""
    wire = Wire(org, redirect("/describe", 304, ""))
    with wire.client() as client:
        response = client.get(
            "sobjects/Account/describe",
            headers={"If-Modified-Since": "Tue, 10 Aug 2021 00:00:00 GMT"},
        )
        assert response.status_code == 304
        with pytest.raises(RedirectError):
            client.get("sobjects/Account/describe")


# -- continuation URLs: decoded, under the REST data root --------------------------------------


def first_page(next_url: object) -> Handler:
    """Answer the first query request with a page pointing at ``next_url``, done: false."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/query"):
            return None
        page = {"totalSize": 9, "done": False, "records": [], "nextRecordsUrl": next_url}
        return httpx.Response(200, json=page)

    return hostile


@pytest.mark.parametrize(
    "next_url",
    [
        "/services/%2e%2e/oauth2/revoke",
        "/services/data/v64.0/query/%2e%2e/%2e%2e/%2e%2e/oauth2/revoke",
        "/services/oauth2/revoke",
        "/services/Soap/u/59.0",
        "/services\\..\\oauth2/revoke",
        "https://user:pw@fake.my.salesforce.com/services/data/v64.0/query/x",
        "",
    ],
)
def test_a_hostile_next_records_url_is_never_requested(org: FakeOrg, next_url: str) -> None:
    """A continuation outside /services/data/vNN.N/ once decoded raises; it is never sent."""
    wire = Wire(org, first_page(next_url))
    with wire.client() as client:
        with pytest.raises(UnexpectedResponseError) as info:
            _ = [r for r in query("SELECT Name FROM Account", client)]
    assert info.value.method == "GET"
    assert info.value.url is not None
    assert info.value.url.startswith("/query")
    assert wire.seen[-1].url.path.endswith("/query")  # nothing after the first page
    assert [r.url.path.endswith("/query") for r in wire.seen].count(True) == 1


def test_a_child_subquery_done_false_without_url_is_an_error(org: FakeOrg) -> None:
    """A child result with done: false and no nextRecordsUrl raises instead of dropping rows."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/query"):
            return None
        child = {"totalSize": 3000, "done": False, "records": [], "nextRecordsUrl": ""}
        record = {"attributes": {"type": "Account"}, "Name": "A", "Contacts": child}
        return httpx.Response(200, json={"totalSize": 1, "done": True, "records": [record]})

    wire = Wire(org, hostile)
    with wire.client() as client:
        with pytest.raises(UnexpectedResponseError, match="nextRecordsUrl"):
            _ = [r for r in query("SELECT Name, (SELECT Id FROM Contacts) FROM Account", client)]


# -- masking: every encoding, decoded forms, error.body -----------------------------------------


def _gson(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c in "&<>='!" else c for c in text)


@pytest.mark.parametrize(
    "escape",
    [
        lambda t: t.replace("!", "\\u0021"),
        _gson,
        lambda t: "".join(c if c.isalnum() else f"\\u{ord(c):04X}" for c in t),
        lambda t: base64.b64encode(f"Bearer {t}".encode()).decode(),
    ],
    ids=["json-u0021", "gson", "json-upper", "base64"],
)
def test_an_escaped_token_in_a_rest_error_is_masked_in_the_body_too(
    org: FakeOrg, escape: Callable[[str], str]
) -> None:
    """A JSON error escaping the token's characters: message, str, repr and body masked."""
    account_id = org.insert("Account", {"Name": "Acme"})

    def echo(request: httpx.Request) -> httpx.Response | None:
        if "/sobjects/Account/" not in request.url.path:
            return None
        token = request.headers["Authorization"].split(" ", 1)[1]
        content = '[{"errorCode":"X","message":"auth=' + escape(token) + '"}]'
        return httpx.Response(400, content=content.encode())

    with Wire(org, echo).client() as client:
        session = client.session
        assert session is not None
        token = session.access_token
        with pytest.raises(SalesforceApiError) as info:
            fetch(Account, account_id, client)
    for text in (str(info.value), repr(info.value), info.value.body or ""):
        assert token not in text
        assert escape(token) not in text
        assert token.split("!")[-1][:12] not in text


PASSWORD = "Pw&S3cr3t<>\"' +%/é!~*()"


@pytest.mark.parametrize(
    "echo",
    [
        _gson,
        lambda s: "".join(c if c.isalnum() else f"&#{ord(c)};" for c in s),
        lambda s: base64.b64encode(s.encode()).decode(),
        lambda s: json.dumps(s)[1:-1].replace("\\u00e9", "\\u00E9"),
    ],
    ids=["gson", "html-numeric", "base64", "json-upper"],
)
def test_a_login_error_echoing_the_password_masks_every_form(
    org: FakeOrg, echo: Callable[[str], str]
) -> None:
    """A login refused with a message echoing the password, in any encoding: masked."""

    def refuse(request: httpx.Request) -> httpx.Response | None:
        if "/services/oauth2/token" not in request.url.path:
            return None
        body = {"error": "invalid_grant", "error_description": f"bad {echo(PASSWORD)}"}
        return httpx.Response(400, json=body)

    login = PasswordLogin(
        client_id="cid", client_secret="Cl!ent~Secret", username="u@example.com", password=PASSWORD
    )
    client = SalesforceClient(
        login=login, transport=httpx.MockTransport(Wire(org, refuse).handle), retry=NO_WAIT
    )
    with pytest.raises(AuthenticationError) as info:
        with client:
            pass  # pragma: no cover - the login fails
    for text in (str(info.value), repr(info.value), info.value.body or ""):
        assert echo(PASSWORD) not in text
        assert PASSWORD not in text


def test_the_client_s_secret_mask_follows_the_session(org: FakeOrg) -> None:
    """client.secret_mask masks the password and the current token, renewed or not."""
    with Wire(org, lambda r: None).client() as client:
        session = client.session
        assert session is not None
        first = session.access_token
        assert client.secret_mask(f"x {first} password y") == f"x {MASK} {MASK} y"
        org.expire_sessions()
        client.get("limits")
        renewed = client.session
        assert renewed is not None
        assert renewed.access_token != first
        assert client.secret_mask(renewed.access_token.replace("!", "\\u0021")) == MASK
        assert client.secret_mask.data({"m": [renewed.access_token]}) == {"m": [MASK]}


# -- streamed bodies: typed failures, bounded by the budget --------------------------------------


class Attachment(SObject):
    Name: str | None = None
    Body: str | None = None
    ParentId: str | None = None


def on_body(answer: Callable[[], httpx.Response]) -> Handler:
    """Answer an attachment body download with ``answer()``."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        return answer() if request.url.path.endswith("/Body") else None

    return hostile


def gzip_lie(content: bytes) -> httpx.Response:
    """A streamed answer that says gzip and is not (read only when the body is)."""
    return httpx.Response(
        200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(content)
    )


def _attachment(org: FakeOrg, client: SalesforceClient) -> Attachment:
    parent = org.insert("Account", {"Name": "Acme"})
    body = base64.b64encode(b"payload").decode()
    attachment_id = org.insert("Attachment", {"Name": "a.bin", "ParentId": parent, "Body": body})
    return fetch(Attachment, attachment_id, client)


def test_a_trickling_download_ends_within_the_budget(
    org: FakeOrg, trickle: Any, tmp_path: Path
) -> None:
    """download_file of a body trickling a byte at a time raises within the retry budget."""
    body = trickle(0.02)
    wire = Wire(org, on_body(lambda: httpx.Response(200, stream=body)))
    policy = RetryPolicy(attempts=1, budget=0.3)
    with wire.client(retry=policy, timeout=5) as client:
        attachment = _attachment(org, client)
        with pytest.raises(SalesforceTimeoutError, match=r"time budget of 0\.3 s"):
            download_file(attachment, tmp_path, client)
    assert 0 < body.sent < body.total
    assert list(tmp_path.iterdir()) == []


def test_a_download_with_a_bogus_gzip_body_is_typed(org: FakeOrg, tmp_path: Path) -> None:
    """A Content-Encoding: gzip body that is not gzip raises UnexpectedResponseError."""
    answer = on_body(lambda: gzip_lie(b"not gzip"))
    with Wire(org, answer).client() as client:
        attachment = _attachment(org, client)
        with pytest.raises(UnexpectedResponseError, match="Content-Encoding") as info:
            download_file(attachment, tmp_path, client)
    assert info.value.method == "GET"
    assert info.value.url is not None
    assert info.value.url.endswith("/Body")
    assert list(tmp_path.iterdir()) == []


def test_a_download_broken_off_midway_is_a_connection_error(
    org: FakeOrg, broken_body: Any, tmp_path: Path
) -> None:
    """A body that breaks off raises SalesforceConnectionError naming the request."""
    answer = on_body(lambda: httpx.Response(200, stream=broken_body()))
    with Wire(org, answer).client() as client:
        attachment = _attachment(org, client)
        with pytest.raises(SalesforceConnectionError, match="/Body"):
            download_file(attachment, tmp_path, client)
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_error_body_of_a_download_ends_within_the_budget(
    org: FakeOrg, trickle: Any, tmp_path: Path
) -> None:
    """An error answer whose body trickles is read within the budget too."""
    body = trickle(0.02)
    wire = Wire(org, on_body(lambda: httpx.Response(400, stream=body)))
    with wire.client(retry=RetryPolicy(attempts=1, budget=0.3), timeout=5) as client:
        attachment = _attachment(org, client)
        with pytest.raises(SalesforceTimeoutError):
            download_file(attachment, tmp_path, client)
    assert body.sent < body.total


def test_body_lines_reads_a_stream_line_by_line(org: FakeOrg) -> None:
    """client.body_lines yields a streamed answer's lines; bad encodings are typed."""
    lines = b"one\ntwo\nthree\n"
    wire = Wire(org, on_route_answer("/limits", lambda: httpx.Response(200, content=lines)))
    with wire.client() as client, client.stream("GET", "limits") as response:
        assert [line for line in client.body_lines(response)] == ["one", "two", "three"]
    wire = Wire(org, on_route_answer("/limits", lambda: gzip_lie(b"not gzip")))
    with wire.client() as client, client.stream("GET", "limits") as response:
        with pytest.raises(UnexpectedResponseError):
            _ = [line for line in client.body_lines(response)]


def on_route_answer(fragment: str, answer: Callable[[], httpx.Response]) -> Handler:
    def hostile(request: httpx.Request) -> httpx.Response | None:
        return answer() if request.url.path.endswith(fragment) else None

    return hostile
