"""OAuth logins: client credentials, username-password and refresh token."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from sf_toolkit.auth import (
    ClientCredentialsLogin,
    Login,
    LoginFlow,
    PasswordLogin,
    RefreshTokenLogin,
    Session,
)
from sf_toolkit.auth._oauth import parse_token_response
from sf_toolkit.exceptions import AuthenticationError

SECRET = "CLIENT-SECRET-123"
PASSWORD = "hunter2&more"
TOKEN = "SECTOKEN42"
REFRESH = "5Aep861REFRESH"
GRANTED = {
    "access_token": "00D5g000004ABCD!AQ4AQ.access",
    "instance_url": "https://acme.my.salesforce.com",
    "id": "https://login.salesforce.com/id/00D5g000004ABCDEA2/0055g00000AbCdEAAV",
    "token_type": "Bearer",
    "issued_at": "1717171717171",
    "signature": "k1Kc=",
    "scope": "api refresh_token",
}


def drive(flow: LoginFlow, handler: Callable[[httpx.Request], httpx.Response]) -> Session:
    """Run a login flow, answering each request with ``handler``."""
    try:
        step = next(flow)
        while True:
            assert isinstance(step, httpx.Request)
            step = flow.send(handler(step))
    except StopIteration as stop:
        session: Session = stop.value
        return session


def reply(status: int, body: object) -> Callable[[httpx.Request], httpx.Response]:
    """Return a handler that answers with JSON."""
    return lambda request: httpx.Response(status, json=body, request=request)


def form(request: httpx.Request) -> dict[str, str]:
    """Decode a form-encoded request body."""
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def first_request(login: Login) -> httpx.Request:
    """Return the first request a login's flow makes."""
    request = next(login.flow())
    assert isinstance(request, httpx.Request)
    return request


def client_credentials() -> ClientCredentialsLogin:
    return ClientCredentialsLogin("CONSUMER-KEY", SECRET, "acme.my.salesforce.com")


def password_login(**kwargs: str) -> PasswordLogin:
    params = {
        "client_id": "CONSUMER-KEY",
        "client_secret": SECRET,
        "username": "ann@example.com",
        "password": PASSWORD,
        "security_token": TOKEN,
        **kwargs,
    }
    return PasswordLogin(**params)


def refresh_login(**kwargs: str) -> RefreshTokenLogin:
    return RefreshTokenLogin(**{"client_id": "CONSUMER-KEY", "refresh_token": REFRESH, **kwargs})


ALL_LOGINS: list[Callable[[], Login]] = [client_credentials, password_login, refresh_login]
SECRETS = (SECRET, PASSWORD, TOKEN, REFRESH, PASSWORD + TOKEN)


@pytest.mark.parametrize(
    ("make", "url", "fields"),
    [
        (
            client_credentials,
            "https://acme.my.salesforce.com/services/oauth2/token",
            {
                "grant_type": "client_credentials",
                "client_id": "CONSUMER-KEY",
                "client_secret": SECRET,
            },
        ),
        (
            password_login,
            "https://login.salesforce.com/services/oauth2/token",
            {
                "grant_type": "password",
                "client_id": "CONSUMER-KEY",
                "client_secret": SECRET,
                "username": "ann@example.com",
                "password": PASSWORD + TOKEN,
            },
        ),
        (
            refresh_login,
            "https://login.salesforce.com/services/oauth2/token",
            {"grant_type": "refresh_token", "client_id": "CONSUMER-KEY", "refresh_token": REFRESH},
        ),
    ],
)
def test_request_shape(make: Callable[[], Login], url: str, fields: dict[str, str]) -> None:
    """Each grant posts its exact form fields to the token endpoint."""
    request = first_request(make())
    assert request.method == "POST"
    assert str(request.url) == url
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert form(request) == fields


def test_refresh_grant_sends_the_secret_when_given() -> None:
    """A refresh-token login with a client secret includes it in the form."""
    assert form(first_request(refresh_login(client_secret=SECRET)))["client_secret"] == SECRET


@pytest.mark.parametrize("make", ALL_LOGINS)
def test_success_is_parsed_into_a_session(make: Callable[[], Login]) -> None:
    """Token, instance URL, org and user ids and the issue time come from the answer."""
    session = drive(make().flow(), reply(200, GRANTED))
    assert session.access_token == GRANTED["access_token"]
    assert session.instance_url == "https://acme.my.salesforce.com"
    assert session.org_id == "00D5g000004ABCDEA2"
    assert session.user_id == "0055g00000AbCdEAAV"
    assert session.issued_at == pytest.approx(1717171717.171)
    assert session.expires_at is None


def test_minimal_answer_is_enough() -> None:
    """An answer with only access_token and instance_url still gives a session."""
    body = {"access_token": "tok", "instance_url": "https://acme.my.salesforce.com/"}
    session = drive(client_credentials().flow(), reply(200, body))
    assert session.instance_url == "https://acme.my.salesforce.com"
    assert session.user_id is None
    assert session.issued_at is not None


def test_granted_refresh_token_is_kept() -> None:
    """A refresh token in the answer is stored in the session."""
    session = drive(password_login().flow(), reply(200, {**GRANTED, "refresh_token": "NEWRT"}))
    assert session.refresh_token == "NEWRT"


def test_refresh_login_keeps_its_token_when_none_is_returned() -> None:
    """A refresh-token grant's session keeps the refresh token it used."""
    session = drive(refresh_login().flow(), reply(200, GRANTED))
    assert session.refresh_token == REFRESH


@pytest.mark.parametrize(
    ("error", "description"),
    [
        ("invalid_grant", "authentication failure"),
        ("invalid_client_id", "client identifier invalid"),
        ("invalid_grant", "expired access/refresh token"),
    ],
)
@pytest.mark.parametrize("make", ALL_LOGINS)
def test_oauth_error_raises_without_secrets(
    make: Callable[[], Login], error: str, description: str
) -> None:
    """An OAuth error answer raises AuthenticationError with its code, and no secret."""
    body = {"error": error, "error_description": description}
    with pytest.raises(AuthenticationError) as info:
        drive(make().flow(), reply(400, body))
    assert info.value.error_code == error
    assert info.value.message == description
    assert info.value.status_code == 400
    assert str(info.value).startswith(f"400 {error} on POST ")
    for text in (str(info.value), repr(info.value)):
        for secret in SECRETS:
            assert secret not in text


def test_error_echoing_a_secret_is_redacted() -> None:
    """An error description that quotes the client secret has it masked."""
    body = {"error": "invalid_client", "error_description": f"bad secret {SECRET}"}
    with pytest.raises(AuthenticationError) as info:
        drive(client_credentials().flow(), reply(400, body))
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("status", "content"), [(404, b"<html>no</html>"), (200, b"[]"), (502, b"")]
)
def test_non_oauth_answer_names_the_status(status: int, content: bytes) -> None:
    """An answer that is not an OAuth JSON object raises naming the HTTP status."""
    handler = lambda request: httpx.Response(status, content=content, request=request)  # noqa: E731
    with pytest.raises(AuthenticationError, match=f"HTTP {status}"):
        drive(client_credentials().flow(), handler)


@pytest.mark.parametrize("missing", ["access_token", "instance_url"])
def test_answer_missing_a_key_is_an_error(missing: str) -> None:
    """A 200 answer without the token or the instance URL raises naming the key."""
    body = {key: value for key, value in GRANTED.items() if key != missing}
    with pytest.raises(AuthenticationError, match=missing):
        drive(client_credentials().flow(), reply(200, body))


@pytest.mark.parametrize("make", [client_credentials, password_login])
def test_refresh_flow_uses_the_sessions_refresh_token(make: Callable[[], Login]) -> None:
    """A session holding a refresh token is renewed with the refresh-token grant."""
    session = Session("old", "https://acme.my.salesforce.com", refresh_token="RT-FROM-SESSION")
    request = next(make().refresh_flow(session))
    assert isinstance(request, httpx.Request)
    fields = form(request)
    assert fields["grant_type"] == "refresh_token"
    assert fields["refresh_token"] == "RT-FROM-SESSION"
    assert fields["client_secret"] == SECRET


@pytest.mark.parametrize("make", [client_credentials, password_login])
def test_refresh_flow_without_refresh_token_logs_in_again(make: Callable[[], Login]) -> None:
    """A session without a refresh token is renewed by repeating the original grant."""
    session = Session("old", "https://acme.my.salesforce.com")
    request = next(make().refresh_flow(session))
    assert isinstance(request, httpx.Request)
    assert form(request) == form(first_request(make()))


def test_refresh_login_uses_a_rotated_token() -> None:
    """RefreshTokenLogin renews with the session's refresh token when it changed."""
    session = Session("old", "https://acme.my.salesforce.com", refresh_token="ROTATED")
    request = next(refresh_login().refresh_flow(session))
    assert isinstance(request, httpx.Request)
    assert form(request)["refresh_token"] == "ROTATED"


@pytest.mark.parametrize("make", ALL_LOGINS)
def test_repr_hides_secrets(make: Callable[[], Login]) -> None:
    """No login's repr shows its secret, password, security token or refresh token."""
    text = repr(make())
    assert "CONSUMER-KEY" in text
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("domain", ["login", "test", "https://login.salesforce.com"])
def test_client_credentials_refuse_shared_login_hosts(domain: str) -> None:
    """Client credentials need a My Domain: login and test are refused with a hint."""
    with pytest.raises(ValueError, match="My Domain"):
        ClientCredentialsLogin("key", SECRET, domain)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ClientCredentialsLogin("", SECRET, "acme.my"), "client_id must not be empty"),
        (lambda: ClientCredentialsLogin("k", "", "acme.my"), "client_secret must not be empty"),
        (lambda: ClientCredentialsLogin("k", SECRET, "nowhere"), "unknown login domain"),
        (lambda: password_login(username=""), "username must not be empty"),
        (lambda: password_login(password=""), "password must not be empty"),
        (lambda: password_login(domain="prod"), "unknown login domain 'prod'"),
        (lambda: refresh_login(refresh_token=""), "refresh_token must not be empty"),
    ],
)
def test_bad_arguments_are_refused(make: Callable[[], Login], match: str) -> None:
    """Empty required arguments and unknown domains raise ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        make()


def test_form_encoding_escapes_special_characters() -> None:
    """Passwords with & and = survive form encoding intact."""
    request = first_request(password_login(password="a&b=c d+e", security_token=""))
    assert form(request)["password"] == "a&b=c d+e"
    assert b"a&b" not in request.content


def test_issued_at_fallback_when_malformed() -> None:
    """A malformed issued_at falls back to the local clock."""
    body = {**GRANTED, "issued_at": "soon"}
    session = drive(client_credentials().flow(), reply(200, body))
    assert session.issued_at is not None
    assert session.issued_at > 1_700_000_000


def test_rejected_refresh_token_falls_back_to_a_fresh_login() -> None:
    """When the session's refresh token gets invalid_grant, the original grant is repeated."""
    session = Session("old", "https://acme.my.salesforce.com", refresh_token="REVOKED")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        grant = form(request)["grant_type"]
        seen.append(grant)
        if grant == "refresh_token":
            body = {"error": "invalid_grant", "error_description": "expired access/refresh token"}
            return httpx.Response(400, json=body, request=request)
        return httpx.Response(200, json=GRANTED, request=request)

    renewed = drive(password_login().refresh_flow(session), handler)
    assert seen == ["refresh_token", "password"]
    assert renewed.access_token == GRANTED["access_token"]


def test_other_refresh_errors_are_raised() -> None:
    """A refresh failure other than invalid_grant is raised, not papered over."""
    session = Session("old", "https://acme.my.salesforce.com", refresh_token="RT")
    body = {"error": "invalid_client_id", "error_description": "client identifier invalid"}
    with pytest.raises(AuthenticationError) as info:
        drive(password_login().refresh_flow(session), reply(400, body))
    assert info.value.error_code == "invalid_client_id"


def test_instance_url_that_is_not_a_url_is_an_error() -> None:
    """An instance_url without a scheme raises AuthenticationError rather than ValueError."""
    body = {**GRANTED, "instance_url": "acme.my.salesforce.com"}
    with pytest.raises(AuthenticationError, match="is not a URL"):
        drive(client_credentials().flow(), reply(200, body))


@pytest.mark.parametrize("instance_url", ["https://", "http://", "https:///x", "ftp://acme", 5])
def test_an_instance_url_without_a_host_is_an_authentication_error(instance_url: object) -> None:
    """An instance_url that is not an http(s) URL with a host is refused as a login failure."""
    request = httpx.Request("POST", "https://login.salesforce.com/services/oauth2/token")
    body = {"access_token": "00Dx!tok", "instance_url": instance_url}
    response = httpx.Response(200, json=body, request=request)
    with pytest.raises(AuthenticationError):
        parse_token_response(response)


def test_an_html_page_instead_of_an_oauth_answer_reads_as_text() -> None:
    """A 502 edge page from the token endpoint becomes its readable text, no markup."""
    page = (
        b"<html><head><title>502 Bad Gateway</title></head>"
        b"<body><h1>502 Bad Gateway</h1></body></html>"
    )
    request = httpx.Request("POST", "https://login.salesforce.com/services/oauth2/token")
    response = httpx.Response(
        502, headers={"Content-Type": "text/html"}, content=page, request=request
    )
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(response)
    assert info.value.message.endswith("without an OAuth result: 502 Bad Gateway")
    assert "<h1>" not in str(info.value)
