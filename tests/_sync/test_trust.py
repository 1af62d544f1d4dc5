# Generated from tests/_async/test_trust.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Hostile and broken answers, requests that must stay home, secrets that must stay hidden.

Each test puts one bad answer between the client and the fake org with an
``httpx.MockTransport`` (the HTTP boundary); everything else is the fake org answering.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from sf_toolkit import (
    PasswordLogin,
    RetryPolicy,
    SalesforceClient,
    SalesforceLogin,
    SObject,
)
from sf_toolkit.exceptions import (
    AuthenticationError,
    RedirectError,
    SalesforceApiError,
    SalesforceConnectionError,
    SalesforceError,
    SalesforceTimeoutError,
    ServerError,
    UnexpectedResponseError,
)
from sf_toolkit.io.api import (
    count,
    describe,
    fetch,
    query,
    reload,
    save_insert,
    save_update,
    save_upsert,
)
from sf_toolkit.testing import FakeOrg

Handler = Callable[[httpx.Request], "httpx.Response | None"]

#: Retries without waiting (as in conftest), so a test of a retried failure stays fast.
NO_WAIT = RetryPolicy(backoff_initial=0.0, backoff_max=0.0, jitter=False)

#: A password and a token full of characters that change under every encoding.
NASTY_PASSWORD = "Pw&S3cr3t<x>\"q' +%/?=#é"
NASTY_TOKEN = "Tok&en+/=%<>"


class Account(SObject):
    Name: str | None = None
    External_ID__c: str | None = None


def between(org: FakeOrg, hostile: Handler) -> httpx.MockTransport:
    """A transport that answers with ``hostile(request)`` when it returns one, else the org."""

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        answer = hostile(request)
        return answer if answer is not None else org.handle(request)

    return httpx.MockTransport(handler)


def client_for(org: FakeOrg, hostile: Handler, **kwargs: Any) -> SalesforceClient:
    login = kwargs.pop("login", SalesforceLogin(username="user@example.com", password="password"))
    kwargs.setdefault("retry", NO_WAIT)
    return SalesforceClient(login=login, transport=between(org, hostile), **kwargs)


def on_route(fragment: str, answer: Callable[[httpx.Request], httpx.Response]) -> Handler:
    """Answer requests whose path contains ``fragment`` with ``answer``."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        return answer(request) if fragment in request.url.path else None

    return hostile


# -- 1. every failure is typed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b'{"Id": "001', b"", b"<html><body>Oops</body></html>", b"[1, 2]", b'"text"', b"null"],
    ids=["cut-off", "empty", "html", "array", "string", "null"],
)
def test_fetch_with_a_broken_body_is_an_unexpected_response(org: FakeOrg, content: bytes) -> None:
    """A 200 whose body is cut off or not a JSON object raises UnexpectedResponseError."""
    account_id = org.insert("Account", {"Name": "Acme"})
    answer = on_route("/sobjects/Account/", lambda r: httpx.Response(200, content=content))
    with client_for(org, answer) as client:
        with pytest.raises(UnexpectedResponseError) as info:
            fetch(Account, account_id, client)
    assert info.value.method == "GET"
    assert info.value.url is not None
    assert account_id in info.value.url


def test_every_record_answer_parser_refuses_a_cut_off_body(org: FakeOrg) -> None:
    """Insert, upsert, reload and describe answers that are cut off raise typed errors."""
    account_id = org.insert("Account", {"Name": "Acme"})
    cut = on_route("/sobjects/", lambda r: httpx.Response(200, content=b'{"id": "001'))
    with client_for(org, cut) as client:
        with pytest.raises(UnexpectedResponseError):
            save_insert(Account(Name="New"), client)
        with pytest.raises(UnexpectedResponseError):
            save_upsert(Account(External_ID__c="E-1"), client, external_id_field="External_ID__c")
        with pytest.raises(UnexpectedResponseError):
            reload(Account(Id=account_id), client)
        with pytest.raises(UnexpectedResponseError):
            describe(Account, client)


def test_insert_answer_without_an_id_is_refused(org: FakeOrg) -> None:
    """A create answer without a record Id raises, instead of a KeyError or a bogus Id."""
    answer = on_route(
        "/sobjects/Account", lambda r: httpx.Response(201, json={"success": True, "errors": []})
    )
    account = Account(Name="New")
    with client_for(org, answer) as client:
        with pytest.raises(UnexpectedResponseError, match="no record Id"):
            save_insert(account, client)
    assert account.Id is None


@pytest.mark.parametrize(
    "page",
    [
        {"totalSize": 1, "done": True},
        {"totalSize": 1, "done": True, "records": None},
        {"totalSize": 1, "done": True, "records": [1]},
        {"done": True, "records": []},
        {"totalSize": 0, "done": False, "records": [], "nextRecordsUrl": 5},
    ],
    ids=["no-records", "null-records", "non-record", "no-total", "bad-next"],
)
def test_query_page_of_the_wrong_shape_is_refused(org: FakeOrg, page: dict[str, Any]) -> None:
    """A query page without a records array (or otherwise malformed) raises a typed error."""
    answer = on_route("/query", lambda r: httpx.Response(200, json=page))
    with client_for(org, answer) as client:
        with pytest.raises(UnexpectedResponseError):
            _ = [record for record in query("SELECT Id FROM Account", client)]
        with pytest.raises(UnexpectedResponseError):
            count("SELECT COUNT() FROM Account", client)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_answer_is_an_error_naming_its_target(org: FakeOrg, status: int) -> None:
    """Any 3xx to a record call raises RedirectError with the target, and is not followed."""
    account_id = org.insert("Account", {"Name": "Acme"})
    seen: list[str] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        seen.append(request.url.host)
        if "/sobjects/Account/" in request.url.path:
            return httpx.Response(status, headers={"Location": "https://elsewhere.example/x"})
        return None

    with client_for(org, hostile) as client:
        with pytest.raises(RedirectError) as info:
            fetch(Account, account_id, client)
    assert info.value.location == "https://elsewhere.example/x"
    assert "https://elsewhere.example/x" in str(info.value)
    assert "elsewhere.example" not in seen


def test_a_redirect_during_version_discovery_names_its_target(org: FakeOrg) -> None:
    """A redirect from /services/data/ is a RedirectError, not UNSUPPORTED_API_VERSION."""
    answer = on_route(
        "/services/data/",
        lambda r: httpx.Response(302, headers={"Location": "/maintenance.html"}),
    )
    with pytest.raises(RedirectError) as info:
        with client_for(org, answer):
            pass
    assert info.value.location is not None
    assert info.value.location.endswith("/maintenance.html")
    assert info.value.error_code != "UNSUPPORTED_API_VERSION"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_a_body_that_does_not_match_its_content_encoding_is_typed(
    org: FakeOrg, encoding: str
) -> None:
    """A Content-Encoding header on a body that is not so encoded raises a typed error."""
    account_id = org.insert("Account", {"Name": "Acme"})

    def answer(request: httpx.Request) -> httpx.Response:
        body = httpx.ByteStream(b'{"Id": "not compressed at all"}')
        return httpx.Response(200, headers={"Content-Encoding": encoding}, stream=body)

    with client_for(org, on_route("/sobjects/Account/", answer)) as client:
        with pytest.raises(SalesforceError) as info:
            fetch(Account, account_id, client)
    if encoding in ("gzip", "deflate"):  # httpx decodes these itself
        assert isinstance(info.value, UnexpectedResponseError)
        assert "Content-Encoding" in str(info.value)


def test_a_real_gzip_body_still_reads(org: FakeOrg) -> None:
    """A body that is really gzip is decoded as before."""
    account_id = org.insert("Account", {"Name": "Zipped"})

    def answer(request: httpx.Request) -> httpx.Response:
        real = org.handle(request)
        body = httpx.ByteStream(gzip.compress(real.content))
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return httpx.Response(200, headers=headers, stream=body)

    with client_for(org, on_route("/sobjects/Account/", answer)) as client:
        account = fetch(Account, account_id, client)
    assert account.Name == "Zipped"


# -- 2. requests go only to the instance, and only to the path meant ---------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://fake-org.my.salesforce.com:8443/services/data/v60.0/limits",
        "http://fake-org.my.salesforce.com/services/data/v60.0/limits",
        "https://other.my.salesforce.com/services/data/v60.0/limits",
    ],
    ids=["other-port", "other-scheme", "other-host"],
)
def test_the_token_goes_only_to_the_instance_origin(org: FakeOrg, url: str) -> None:
    """A request to another port, scheme or host of the instance carries no token."""
    sent: list[httpx.Request] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        sent.append(request)
        return None

    with client_for(org, hostile) as client:
        assert client.session is not None
        assert client.session.instance_url == "https://fake-org.my.salesforce.com"
        client.get(url)
        client.get("limits")
    by_url = {str(request.url): request for request in sent}
    assert "Authorization" not in by_url[url].headers
    own = [r for r in sent if r.url.path.endswith("/limits") and str(r.url) != url]
    assert own
    assert own[-1].headers["Authorization"].startswith("Bearer ")


def test_a_header_of_your_own_for_another_host_is_left_alone(org: FakeOrg) -> None:
    """Your own Authorization header for another service is sent as you set it."""
    sent: list[httpx.Request] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        sent.append(request)
        return httpx.Response(200) if request.url.host == "api.other.example" else None

    with client_for(org, hostile) as client:
        client.get("https://api.other.example/v1/x", headers={"Authorization": "Key abc"})
    assert sent[-1].headers["Authorization"] == "Key abc"


@pytest.mark.parametrize(
    "next_url",
    [
        ":8443/services/data/v59.0/query/01gX-2000",
        "https://elsewhere.example/services/data/v59.0/query/01gX-2000",
        "//elsewhere.example/services/data/v59.0/query/01gX-2000",
        "/services/../../secur/logout.jsp",
        "http://fake-org.my.salesforce.com/services/data/v59.0/query/01gX-2000",
    ],
    ids=["other-port", "absolute-elsewhere", "scheme-relative", "dot-dot", "downgrade"],
)
def test_a_next_records_url_off_the_instance_is_refused(org: FakeOrg, next_url: str) -> None:
    """A nextRecordsUrl leaving the instance origin or /services/ is refused before sending."""
    org.insert("Account", {"Name": "One"})
    sent: list[httpx.URL] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        sent.append(request.url)
        if request.url.path.endswith("/query"):
            page = org.handle(request).json()
            return httpx.Response(200, json={**page, "done": False, "nextRecordsUrl": next_url})
        return None

    with client_for(org, hostile) as client:
        with pytest.raises(UnexpectedResponseError, match="nextRecordsUrl"):
            _ = [record for record in query("SELECT Name FROM Account", client)]
    assert all(url.host == "fake-org.my.salesforce.com" for url in sent[-1:])
    assert all(url.port in (None, 443) for url in sent)


def test_an_absolute_next_records_url_on_the_instance_is_followed(org: FakeOrg) -> None:
    """An absolute nextRecordsUrl on the instance origin works (joined as a URL)."""
    for n in range(3):
        org.insert("Account", {"Name": f"A{n}"})

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if "/query" not in request.url.path:
            return None
        answer = org.handle(request)
        page = answer.json()
        if page.get("nextRecordsUrl"):
            page["nextRecordsUrl"] = f"https://fake-org.my.salesforce.com{page['nextRecordsUrl']}"
        return httpx.Response(200, json=page)

    with client_for(org, hostile) as client:
        names = [
            r.Name  # type: ignore[attr-defined]
            for r in query("SELECT Name FROM Account", client, batch_size=200)
        ]
    assert sorted(names) == ["A0", "A1", "A2"]


@pytest.mark.parametrize(
    "sobject_type",
    ["Account/../../../../services/oauth2/revoke", "Account?x=1", "Account#x", "", "1Account"],
)
def test_a_queried_type_that_is_not_an_sobject_name_never_enters_a_path(
    org: FakeOrg, sobject_type: str
) -> None:
    """attributes.type from an answer is checked before save_update builds a path from it."""
    account_id = org.insert("Account", {"Name": "Acme"})
    sent: list[tuple[str, str]] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        sent.append((request.method, request.url.path))
        if "/query" in request.url.path:
            record = {"attributes": {"type": sobject_type}, "Id": account_id, "Name": "Acme"}
            return httpx.Response(200, json={"totalSize": 1, "done": True, "records": [record]})
        return None

    with client_for(org, hostile) as client:
        [record] = [r for r in query("SELECT Name FROM Account", client)]
        record.Name = "Changed"  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match="not an sObject API name"):
            save_update(record, client)
    assert [method for method, _ in sent if method != "GET" and method != "POST"] == []


@pytest.mark.parametrize("value", [".", "..", "...", "a/b", "?x", "#x", "%2E%2E", " "])
def test_an_external_id_value_is_one_path_segment(org: FakeOrg, value: str) -> None:
    """save_upsert puts any external id value into exactly one path segment."""
    sent: list[httpx.Request] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        sent.append(request)
        return None

    with client_for(org, hostile) as client:
        save_upsert(
            Account(Name="Dots", External_ID__c=value), client, external_id_field="External_ID__c"
        )
    [upsert] = [r for r in sent if r.method == "PATCH"]
    segments = upsert.url.raw_path.decode("ascii").split("/")
    assert segments[-2:-1] == ["External_ID__c"]
    assert segments[-3] == "Account"
    assert [r["External_ID__c"] for r in org.records("Account")] == [value]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_login_never_follows_a_redirect_even_when_asked(org: FakeOrg, status: int) -> None:
    """With follow_redirects=True, a login's redirect is an error and the target sees nothing."""
    hosts: list[str] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        hosts.append(request.url.host)
        if request.url.host == "login.salesforce.com":
            return httpx.Response(
                status, headers={"Location": "https://evil.example/services/Soap/u/64.0"}
            )
        return None

    for login in (
        SalesforceLogin(username="user@example.com", password=NASTY_PASSWORD),
        PasswordLogin(
            client_id="id", client_secret="secret-value", username="u", password=NASTY_PASSWORD
        ),
    ):
        with pytest.raises(RedirectError) as info:
            with client_for(org, hostile, login=login, follow_redirects=True):
                pass
        assert info.value.location == "https://evil.example/services/Soap/u/64.0"
    assert "evil.example" not in hosts


# -- 3. secrets stay out of errors ------------------------------------------------------------


def _texts(error: BaseException) -> list[str]:
    texts = [str(error), repr(error)]
    if isinstance(error, SalesforceApiError):
        texts += [error.message, error.body or "", error.url or "", str(error.error_code)]
    return texts


def test_an_echoed_access_token_is_masked(org: FakeOrg) -> None:
    """An error body that echoes the bearer token shows [REDACTED] in str, repr and body."""
    account_id = org.insert("Account", {"Name": "Acme"})

    def echo(request: httpx.Request) -> httpx.Response:
        auth = request.headers["Authorization"]
        return httpx.Response(
            400, json=[{"errorCode": "X", "message": f"auth={auth} q={quote(auth)}"}]
        )

    with client_for(org, on_route("/sobjects/Account/", echo)) as client:
        assert client.session is not None
        token = client.session.access_token
        with pytest.raises(SalesforceApiError) as info:
            fetch(Account, account_id, client)
    assert "[REDACTED]" in str(info.value)
    for text in _texts(info.value):
        assert token not in text
        assert quote(token, safe="") not in text


@pytest.mark.parametrize("status", [400, 500, 502])
def test_a_login_error_echoing_the_form_masks_every_encoding(org: FakeOrg, status: int) -> None:
    """A token endpoint echoing its form (URL-encoded secrets) shows no secret in any form."""
    secret = "Cl!ent&Secret=%2F"

    def echo(request: httpx.Request) -> httpx.Response:
        form = request.content.decode("ascii")
        return httpx.Response(
            status,
            json={"error": "invalid_grant", "error_description": f"bad request: {form}"},
        )

    login = PasswordLogin(
        client_id="fake-client-id",
        client_secret=secret,
        username="user@example.com",
        password=NASTY_PASSWORD,
        security_token=NASTY_TOKEN,
    )
    with pytest.raises(AuthenticationError) as info:
        with client_for(org, on_route("/oauth2/token", echo), login=login):
            pass
    assert "[REDACTED]" in str(info.value)
    for text in _texts(info.value):
        for value in (NASTY_PASSWORD, NASTY_TOKEN, secret, NASTY_PASSWORD + NASTY_TOKEN):
            for form in (value, quote_plus(value), quote(value, safe=""), quote(value)):
                assert form not in text


def test_a_soap_fault_echoing_the_envelope_masks_the_xml_escaped_password(
    org: FakeOrg,
) -> None:
    """A SOAP fault quoting the envelope shows neither the raw nor the XML-escaped password."""

    def echo(request: httpx.Request) -> httpx.Response:
        from xml.sax.saxutils import escape

        envelope = escape(request.content.decode("utf-8"))
        fault = (
            '<?xml version="1.0"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
            "<soapenv:Fault><faultcode>INVALID_LOGIN</faultcode>"
            f"<faultstring>bad envelope {envelope}</faultstring></soapenv:Fault>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        return httpx.Response(500, content=fault.encode("utf-8"))

    login = SalesforceLogin(
        username="user@example.com", password=NASTY_PASSWORD, security_token=NASTY_TOKEN
    )
    with pytest.raises(AuthenticationError) as info:
        with client_for(org, on_route("/services/Soap/", echo), login=login):
            pass
    from xml.sax.saxutils import escape

    for text in _texts(info.value):
        for value in (NASTY_PASSWORD, NASTY_TOKEN, NASTY_PASSWORD + NASTY_TOKEN):
            assert value not in text
            assert escape(value) not in text


def test_logs_show_no_secret(org: FakeOrg, caplog: pytest.LogCaptureFixture) -> None:
    """Logins, retries and renewals log no password, token or secret, in any encoding."""
    caplog.set_level(logging.DEBUG, logger="sf_toolkit")
    org.add_user("nasty@example.com", NASTY_PASSWORD, security_token=NASTY_TOKEN)
    login = SalesforceLogin(
        username="nasty@example.com", password=NASTY_PASSWORD, security_token=NASTY_TOKEN
    )
    statuses = iter([503, 503])

    def flaky(request: httpx.Request) -> httpx.Response | None:
        status = next(statuses, None)
        return httpx.Response(status) if status else None

    with client_for(org, flaky, login=login) as client:
        org.expire_sessions()
        client.get("limits", params={"access_token": "query-secret-value"})
        assert client.session is not None
        token = client.session.access_token
    logged = "\n".join(caplog.messages)
    assert "retrying" in logged
    assert "session expired" in logged
    for value in (NASTY_PASSWORD, NASTY_TOKEN, token, "query-secret-value"):
        for form in (value, quote_plus(value), quote(value, safe="")):
            assert form not in logged


@pytest.mark.parametrize("name", ["access_token", "Access_Token", "ACCESS_TOKEN", "Sid", "CODE"])
def test_secret_query_parameters_are_masked_whatever_their_case(org: FakeOrg, name: str) -> None:
    """A secret query parameter is masked in an error whatever the case of its name."""
    answer = on_route("/limits", lambda r: httpx.Response(400, json=[{"errorCode": "X"}]))
    with client_for(org, answer) as client:
        response = client.get("limits", params={name: "hunter2-secret"})
        response.read()
        from sf_toolkit._rest import check

        with pytest.raises(SalesforceApiError) as info:
            check(response)
    assert "hunter2-secret" not in str(info.value)
    assert f"{name}=[REDACTED]" in str(info.value)


# -- 4. sessions and instances ------------------------------------------------------------------


def test_a_refresh_that_moves_the_instance_retargets_the_retry(org: FakeOrg) -> None:
    """After a renewal that returns a new instance_url, the retry goes there, with the new token."""
    old_host = "fake-org.my.salesforce.com"
    sent: list[httpx.Request] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        sent.append(request)
        if (
            org.instance_url
            and request.url.host == old_host
            and "/services/data/v" in str(request.url)
        ):
            body = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
            return httpx.Response(401, json=body)
        return None

    with client_for(org, hostile) as client:
        org.instance_url = "https://moved.my.salesforce.com"
        org.expire_sessions()
        response = client.get("limits")
        assert response.status_code == 200
        assert response.request.url.host == "moved.my.salesforce.com"
        assert client.session is not None
        assert response.request.headers["Authorization"] == f"Bearer {client.session.access_token}"
        later = client.get("limits")
    assert later.request.url.host == "moved.my.salesforce.com"
    assert org.stats.logins == 2


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "Your password has expired. Reset it."),
        ("INVALID_SESSION_ID", "Session expired or invalid"),
        ("API_DISABLED_FOR_ORG", "API is not enabled for this Organization or Partner"),
    ],
)
def test_a_renewed_session_refused_again_shows_salesforce_s_error(
    org: FakeOrg, code: str, message: str
) -> None:
    """A 401 after a renewal raises with Salesforce's own code and message, never the token."""
    tokens: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers["Authorization"].removeprefix("Bearer "))
        echo = f"{message} (sent: {request.headers['Authorization']})"
        return httpx.Response(401, json=[{"errorCode": code, "message": echo}])

    login = SalesforceLogin(username="nasty@example.com", password=NASTY_PASSWORD)
    org.add_user("nasty@example.com", NASTY_PASSWORD)
    with client_for(org, on_route("/limits", refuse), login=login) as client:
        with pytest.raises(AuthenticationError) as info:
            client.get("limits")
    assert info.value.error_code == code
    assert message in info.value.message
    assert "renewed" in info.value.message
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]
    for text in _texts(info.value):
        for token in tokens:
            assert token not in text
    assert org.stats.logins == 2


# -- 5. every call ends ----------------------------------------------------------------------


def test_a_trickling_answer_ends_within_the_budget(org: FakeOrg, trickle: Any) -> None:
    """A server sending a byte at a time cannot hold a call past its time budget."""
    body = trickle(0.02)
    answer = on_route(
        "/limits",
        lambda r: httpx.Response(200, headers={"Content-Type": "text/plain"}, stream=body),
    )
    policy = RetryPolicy(attempts=4, backoff_initial=0.0, backoff_max=0.0, jitter=False, budget=0.3)
    with client_for(org, answer, retry=policy, timeout=3) as client:
        with pytest.raises(SalesforceTimeoutError, match=r"time budget of 0\.3 s"):
            client.get("limits")
    assert 0 < body.sent < body.total


def test_retries_stop_when_the_budget_runs_out(org: FakeOrg, trickle: Any) -> None:
    """A 503 storm is retried only while the budget allows: the last answer is returned."""
    calls: list[int] = []

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, headers={"Retry-After": "1"})

    policy = RetryPolicy(attempts=50, budget=0.5, jitter=False)
    with client_for(org, on_route("/limits", busy), retry=policy) as client:
        response = client.get("limits")
    assert response.status_code == 503
    assert len(calls) == 1  # a 1 s Retry-After does not fit in 0.5 s


def test_a_repeating_next_records_url_is_detected(org: FakeOrg) -> None:
    """A nextRecordsUrl that repeats with empty pages raises instead of looping forever."""
    pages: list[str] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if "/query" not in request.url.path:
            return None
        pages.append(str(request.url))
        if len(pages) > 5:  # a client that never notices gets a last page after a while
            return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})
        loop = {
            "totalSize": 5,
            "done": False,
            "records": [],
            "nextRecordsUrl": "/services/data/v59.0/query/01gLOOP-2000",
        }
        return httpx.Response(200, json=loop)

    with client_for(org, hostile) as client:
        with pytest.raises(UnexpectedResponseError, match="a second time"):
            _ = [r for r in query("SELECT Name FROM Account", client)]
    assert len(pages) == 2


# -- 6. errors people can read ---------------------------------------------------------------

MAINTENANCE = b"""<!DOCTYPE html>
<html><head><title>Salesforce is down for maintenance</title>
<style>body { font-family: Arial; color: #333 } .x { display: none }</style>
<script>var tracking = "abc";</script></head>
<body><h1>Salesforce is down for maintenance</h1>
<p>We&rsquo;re performing scheduled maintenance. Please try again shortly.</p></body></html>"""

EDGE_502 = b"""<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>edge</center></body></html>"""


@pytest.mark.parametrize(
    ("status", "page", "readable", "hidden"),
    [
        (
            503,
            MAINTENANCE,
            "Salesforce is down for maintenance: We\u2019re performing scheduled maintenance.",
            ["font-family", "tracking", "<h1>", "<title>"],
        ),
        (502, EDGE_502, "502 Bad Gateway: edge", ["<center>", "<hr>"]),
    ],
)
def test_an_html_error_page_becomes_readable_text(
    org: FakeOrg, status: int, page: bytes, readable: str, hidden: list[str]
) -> None:
    """A gateway's HTML page becomes its title and visible text; the body stays on the error."""
    account_id = org.insert("Account", {"Name": "Acme"})
    answer = on_route(
        "/sobjects/Account/",
        lambda r: httpx.Response(status, headers={"Content-Type": "text/html"}, content=page),
    )
    policy = RetryPolicy.disabled()
    with client_for(org, answer, retry=policy) as client:
        with pytest.raises(ServerError) as info:
            fetch(Account, account_id, client)
    assert readable in info.value.message
    for markup in hidden:
        assert markup not in str(info.value)
    assert info.value.body == page.decode()


@pytest.mark.parametrize(
    ("message", "attempts", "says"),
    [
        ("[Errno -2] Name or service not known", 1, "no such host"),
        ("[Errno 111] Connection refused", 3, "could not connect to nowhere.example.com"),
    ],
)
def test_an_unreachable_domain_is_a_short_error_naming_the_host(
    message: str, attempts: int, says: str
) -> None:
    """A login host that does not resolve fails at once, naming it; a refused one after retries."""
    tries: list[str] = []

    def unreachable(request: httpx.Request) -> httpx.Response:
        tries.append(request.url.host)
        raise httpx.ConnectError(message, request=request)

    login = SalesforceLogin(
        username="user@example.com", password="password", domain="nowhere.example.com"
    )
    policy = RetryPolicy(attempts=3, backoff_initial=0.0, backoff_max=0.0, jitter=False)
    transport = httpx.MockTransport(unreachable)
    with pytest.raises(SalesforceConnectionError) as info:
        with SalesforceClient(login=login, retry=policy, transport=transport):
            pass
    assert says in str(info.value)
    assert "nowhere.example.com" in str(info.value)
    assert len(str(info.value)) < 300
    assert tries == ["nowhere.example.com"] * attempts


def test_a_local_domain_without_a_scheme_is_refused_up_front() -> None:
    """domain='127.0.0.1:8080' is refused when the login is built, suggesting http:// or https://."""
    for domain in ("127.0.0.1:8080", "localhost:8123", "localhost", "10.0.0.5"):
        with pytest.raises(ValueError, match="has no scheme"):
            SalesforceLogin(username="u@example.com", password="p", domain=domain)
