"""SalesforceLogin: the SOAP partner login() flow."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree as ET

import httpx
import pytest

from sf_toolkit.auth import LoginFlow, SalesforceLogin, Session
from sf_toolkit.exceptions import AuthenticationError

PASSWORD = "pa<ss>&'\"word"
TOKEN = "SECURITYTOKEN123"
SUCCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body><loginResponse><result>
  <metadataServerUrl>https://acme.my.salesforce.com/services/Soap/m/59.0/00D</metadataServerUrl>
  <passwordExpired>%(expired)s</passwordExpired>
  <sandbox>false</sandbox>
  <serverUrl>%(server)s</serverUrl>
  <sessionId>00D5g000004ABCD!AQ4AQ.session</sessionId>
  <userId>0055g00000AbCdEAAV</userId>
  <userInfo><organizationId>00D5g000004ABCDEA2</organizationId>
   <roleId xsi:nil="true"/><sessionSecondsValid>7200</sessionSecondsValid>
   <userName>ann@example.com</userName><userId>0055g00000AbCdEAAV</userId></userInfo>
 </result></loginResponse></soapenv:Body></soapenv:Envelope>"""
FAULT = b"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:sf="urn:fault.partner.soap.sforce.com"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body><soapenv:Fault>
  <faultcode>sf:INVALID_LOGIN</faultcode>
  <faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.
  </faultstring>
  <detail><sf:LoginFault xsi:type="sf:LoginFault">
   <sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>
   <sf:exceptionMessage>Invalid username, password, security token; or user locked out.
   </sf:exceptionMessage>
  </sf:LoginFault></detail>
 </soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


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


def answer(status: int, content: bytes) -> Callable[[httpx.Request], httpx.Response]:
    """Return a handler that answers every request with the given status and body."""
    return lambda request: httpx.Response(status, content=content, request=request)


def success(*, expired: str = "false", server: str = "") -> bytes:
    """Return a login() success body."""
    server = server or "https://acme.my.salesforce.com/services/Soap/u/59.0/00D5g000004ABCD"
    return SUCCESS % {b"expired": expired.encode(), b"server": server.encode()}


def make_login(**kwargs: object) -> SalesforceLogin:
    """Return a login with the test password and token, overridden by ``kwargs``."""
    params: dict[str, object] = {
        "username": "ann@example.com",
        "password": PASSWORD,
        "security_token": TOKEN,
    }
    params.update(kwargs)
    return SalesforceLogin(**params)  # type: ignore[arg-type]


def test_request_shape() -> None:
    """The flow posts a SOAP login to the login host with the SOAPAction header."""
    request = next(make_login().flow())
    assert isinstance(request, httpx.Request)
    assert request.method == "POST"
    assert str(request.url) == "https://login.salesforce.com/services/Soap/u/64.0"
    assert request.headers["SOAPAction"] == "login"
    assert request.headers["Content-Type"] == "text/xml; charset=UTF-8"


def test_envelope_escapes_and_concatenates_the_token() -> None:
    """Username and password+token are XML-escaped and parse back to the exact values."""
    login = make_login(username="a&b<c>@example.com")
    request = next(login.flow())
    assert isinstance(request, httpx.Request)
    root = ET.fromstring(request.content)
    ns = {"urn": "urn:partner.soap.sforce.com"}
    assert root.findtext(".//urn:username", namespaces=ns) == "a&b<c>@example.com"
    assert root.findtext(".//urn:password", namespaces=ns) == PASSWORD + TOKEN


@pytest.mark.parametrize(
    ("api_version", "soap"),
    [(None, "64.0"), ("59.0", "59.0"), ("v62.0", "62.0"), ("65.0", "64.0"), ("66", "64.0")],
)
def test_soap_version_is_capped_at_64(api_version: str | None, soap: str) -> None:
    """The SOAP call uses the requested version, but never one without login()."""
    request = next(make_login(api_version=api_version).flow())
    assert isinstance(request, httpx.Request)
    assert request.url.path == f"/services/Soap/u/{soap}"


@pytest.mark.parametrize(
    ("domain", "base"),
    [
        ("test", "https://test.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_domain_selects_the_login_url(domain: str, base: str) -> None:
    """login_url and the request go to the host the domain names."""
    login = make_login(domain=domain)
    assert login.login_url == base
    request = next(login.flow())
    assert isinstance(request, httpx.Request)
    assert str(request.url).startswith(f"{base}/services/Soap/u/")


def test_success_is_parsed_into_a_session() -> None:
    """Token, instance URL, user, org and expiry come from the login result."""
    session = drive(make_login().flow(), answer(200, success()))
    assert session.access_token == "00D5g000004ABCD!AQ4AQ.session"
    assert session.instance_url == "https://acme.my.salesforce.com"
    assert session.user_id == "0055g00000AbCdEAAV"
    assert session.org_id == "00D5g000004ABCDEA2"
    assert session.issued_at is not None
    assert session.expires_at == session.issued_at + 7200
    assert session.refresh_token is None


def test_legacy_api_host_is_normalised() -> None:
    """A legacy na1-api server URL gives the na1 instance URL."""
    body = success(server="https://na1-api.salesforce.com/services/Soap/u/59.0/00D")
    session = drive(make_login().flow(), answer(200, body))
    assert session.instance_url == "https://na1.salesforce.com"


def test_fault_raises_authentication_error_without_secrets() -> None:
    """A SOAP fault raises AuthenticationError with its code and message, and no secret."""
    with pytest.raises(AuthenticationError) as info:
        drive(make_login().flow(), answer(500, FAULT))
    error = info.value
    assert error.error_code == "INVALID_LOGIN"
    assert error.status_code == 500
    assert error.message.startswith("Invalid username, password")
    assert "INVALID_LOGIN" in str(error)
    for text in (str(error), repr(error)):
        assert PASSWORD not in text
        assert TOKEN not in text


def test_server_echoing_the_password_is_redacted() -> None:
    """A fault message that echoes the password has it masked."""
    body = FAULT.replace(b"Invalid username,", b"Invalid password SECRETPW1 for username,")
    assert b"SECRETPW1" in body
    with pytest.raises(AuthenticationError) as info:
        drive(make_login(password="SECRETPW1", security_token="").flow(), answer(500, body))
    assert "SECRETPW1" not in str(info.value)
    assert "[REDACTED]" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body"), [(404, b"<html>Not here</html>"), (200, b"not xml"), (503, b"")]
)
def test_non_soap_answer_names_the_status(status: int, body: bytes) -> None:
    """An answer that is not a SOAP result raises AuthenticationError naming the HTTP status."""
    with pytest.raises(AuthenticationError, match=f"HTTP {status}") as info:
        drive(make_login().flow(), answer(status, body))
    assert info.value.status_code == status


def test_result_without_session_id_is_an_error() -> None:
    """A 200 answer lacking sessionId raises AuthenticationError."""
    body = success().replace(b"<sessionId>00D5g000004ABCD!AQ4AQ.session</sessionId>", b"")
    with pytest.raises(AuthenticationError, match="sessionId"):
        drive(make_login().flow(), answer(200, body))


def test_expired_password_is_an_error() -> None:
    """passwordExpired=true raises AuthenticationError PASSWORD_EXPIRED naming the user."""
    with pytest.raises(AuthenticationError, match=r"ann@example\.com") as info:
        drive(make_login().flow(), answer(200, success(expired="true")))
    assert info.value.error_code == "PASSWORD_EXPIRED"


def test_repr_shows_username_and_domain_but_no_secret() -> None:
    """repr names the username and domain and hides password and token."""
    text = repr(make_login(domain="test"))
    assert "ann@example.com" in text
    assert "'test'" in text
    assert PASSWORD not in text
    assert TOKEN not in text


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"username": ""}, "username must not be empty"),
        ({"username": "   "}, "username must not be empty"),
        ({"password": ""}, "password must not be empty"),
        ({"domain": "prod"}, "unknown login domain 'prod'"),
        ({"api_version": "latest"}, "api_version"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], match: str) -> None:
    """Empty credentials, unknown domains and bad versions raise ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        make_login(**kwargs)


def test_refresh_flow_logs_in_again() -> None:
    """Refreshing a SOAP session simply repeats the login."""
    login = make_login()
    session = Session(access_token="old", instance_url="https://acme.my.salesforce.com")
    request = next(login.refresh_flow(session))
    assert isinstance(request, httpx.Request)
    assert request.url.path == "/services/Soap/u/64.0"


def test_wrong_answer_type_is_a_type_error() -> None:
    """A driver that sends back something other than a response gets a TypeError."""
    flow = make_login().flow()
    next(flow)
    with pytest.raises(TypeError, match="expected a Response"):
        flow.send("oops")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"), [("62.0", "62.0"), ("v62.0", "62.0"), ("62", "62.0"), (62, "62.0")]
)
def test_api_version_forms_are_normalised(given: object, expected: str) -> None:
    """'62.0', 'v62.0', '62' and 62 all mean version 62.0."""
    assert make_login(api_version=given).api_version == expected


@pytest.mark.parametrize("given", [True, [62], b"62.0"])
def test_api_version_of_another_type_is_a_type_error(given: object) -> None:
    """An API version that is neither text nor a number raises TypeError."""
    with pytest.raises(TypeError, match="api_version"):
        make_login(api_version=given)


def test_username_of_another_type_is_a_type_error() -> None:
    """A username that is not a str raises TypeError naming the argument."""
    with pytest.raises(TypeError, match="username must be a str"):
        make_login(username=None)


def test_parse_response_without_a_request() -> None:
    """A fault answer not tied to a request still maps, without method or URL."""
    with pytest.raises(AuthenticationError) as info:
        make_login().parse_response(httpx.Response(500, content=FAULT), now=0.0)
    assert (info.value.method, info.value.url) == (None, None)
    assert info.value.error_code == "INVALID_LOGIN"


def test_server_url_that_is_not_a_url_is_an_error() -> None:
    """A serverUrl without a scheme raises AuthenticationError rather than ValueError."""
    body = success(server="acme.my.salesforce.com/services/Soap/u/59.0")
    with pytest.raises(AuthenticationError, match="is not a URL"):
        drive(make_login().flow(), answer(200, body))


def test_an_html_page_instead_of_a_soap_answer_reads_as_text() -> None:
    """A 503 maintenance page from the login server becomes its readable text, no markup."""
    login = SalesforceLogin(username="ann@example.com", password="secret-pw")
    page = (
        b"<html><head><title>Maintenance</title><style>b{}</style></head>"
        b"<body><p>Back soon.</p></body></html>"
    )
    request = httpx.Request("POST", "https://login.salesforce.com/services/Soap/u/64.0")
    response = httpx.Response(
        503, headers={"Content-Type": "text/html"}, content=page, request=request
    )
    with pytest.raises(AuthenticationError) as info:
        login.parse_response(response, now=0.0)
    assert info.value.message.endswith("without a SOAP result: Maintenance: Back soon.")
    assert "<style>" not in str(info.value)
