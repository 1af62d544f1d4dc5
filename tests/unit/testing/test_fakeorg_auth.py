"""Logins of the fake org: SOAP login(), the OAuth grants, revocation and session expiry."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sf_toolkit.testing import FakeOrg

LOGIN = "https://login.salesforce.com"
MY_DOMAIN = "https://acme.my.salesforce.com"
SOAP = """<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login>
<urn:username>{username}</urn:username><urn:password>{password}</urn:password>
</urn:login></soapenv:Body></soapenv:Envelope>"""


def _client(org: FakeOrg, base: str = LOGIN) -> httpx.Client:
    return httpx.Client(transport=org.transport(), base_url=base)


def _soap(org: FakeOrg, version: str = "59.0", password: str = "password") -> httpx.Response:
    with _client(org) as c:
        return c.post(
            f"/services/Soap/u/{version}",
            content=SOAP.format(username="user@example.com", password=password),
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
        )


def _token(org: FakeOrg, base: str = LOGIN, **form: str) -> httpx.Response:
    with _client(org, base) as c:
        return c.post("/services/oauth2/token", data=form)


def _password_form(**overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "password",
        "client_id": "fake-client-id",
        "client_secret": "fake-client-secret",
        "username": "user@example.com",
        "password": "password",
    }
    form.update(overrides)
    return form


def _limits(org: FakeOrg, token: str, base: str = MY_DOMAIN) -> httpx.Response:
    with _client(org, base) as c:
        return c.get("/services/data/v59.0/limits", headers={"Authorization": f"Bearer {token}"})


def test_soap_login_returns_unprefixed_session_and_server_url() -> None:
    """A SOAP login answers 200 with <sessionId> and <serverUrl> on the fake My Domain."""
    org = FakeOrg()
    response = _soap(org)
    assert response.status_code == 200
    assert "<sessionId>00D" in response.text
    assert "<serverUrl>https://fake-org.my.salesforce.com/services/Soap/u/59.0/" in response.text
    assert "<sessionSecondsValid>7200</sessionSecondsValid>" in response.text
    assert org.stats.logins == 1


def test_soap_session_works_for_rest() -> None:
    """The SOAP session id is a bearer token for REST."""
    org = FakeOrg()
    token = _soap(org).text.split("<sessionId>")[1].split("</sessionId>")[0]
    assert _limits(org, token).status_code == 200


@pytest.mark.parametrize(
    ("version", "password", "code"),
    [
        ("59.0", "wrong", "INVALID_LOGIN"),
        ("65.0", "password", "INVALID_OPERATION"),
        ("30.0", "password", "UNSUPPORTED_API_VERSION"),
    ],
)
def test_soap_faults_are_http_500_with_sf_exception_code(
    version: str, password: str, code: str
) -> None:
    """Refused SOAP logins are HTTP 500 faults with a literal <sf:exceptionCode>."""
    org = FakeOrg()
    response = _soap(org, version, password)
    assert response.status_code == 500
    assert f"<sf:exceptionCode>{code}</sf:exceptionCode>" in response.text
    assert f"<faultcode>sf:{code}</faultcode>" in response.text


def test_soap_login_with_security_token() -> None:
    """The security token is appended to the password."""
    org = FakeOrg(security_token="TOKEN123")
    assert _soap(org, password="password").status_code == 500
    assert _soap(org, password="passwordTOKEN123").status_code == 200
    assert org.stats.failed_logins == 1


def test_malformed_soap_body_is_a_fault_not_a_crash() -> None:
    """A body that is not XML is a SOAP client fault."""
    org = FakeOrg()
    with _client(org) as c:
        response = c.post("/services/Soap/u/59.0", content=b"<oops")
    assert response.status_code == 500
    assert "soapenv:Client" in response.text
    assert org.internal_errors == []


def test_password_grant_returns_the_token_response() -> None:
    """The password flow answers access_token, instance_url, id, issued_at in ms, signature."""
    org = FakeOrg()
    data = _token(org, **_password_form()).json()
    assert data["instance_url"] == "https://fake-org.my.salesforce.com"
    assert data["id"] == f"{LOGIN}/id/{org.org_id}/{org.user_id}"
    assert data["token_type"] == "Bearer"
    assert len(data["issued_at"]) == 13
    assert len(data["access_token"]) >= 40
    assert data["access_token"].startswith(org.org_id[:15] + "!")
    assert "refresh_token" not in data
    base64.b64decode(data["signature"], validate=True)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password": "nope"}, ("invalid_grant", "authentication failure")),
        ({"client_id": "nope"}, ("invalid_client_id", "client identifier invalid")),
        ({"client_secret": "nope"}, ("invalid_client", "invalid client credentials")),
        ({"grant_type": "magic"}, ("unsupported_grant_type", "grant type not supported")),
    ],
)
def test_oauth_failures_are_400_error_pairs(
    overrides: dict[str, str], error: tuple[str, str]
) -> None:
    """Failed grants answer 400 with error and error_description."""
    response = _token(FakeOrg(), **_password_form(**overrides))
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["error_description"]) == error


def test_instance_url_follows_the_request_host() -> None:
    """On a non-login host the instance URL is that host; instance_url= overrides it."""
    assert _token(FakeOrg(), MY_DOMAIN, **_password_form()).json()["instance_url"] == MY_DOMAIN
    org = FakeOrg(instance_url="https://x.my.salesforce.com/")
    assert _token(org, **_password_form()).json()["instance_url"] == "https://x.my.salesforce.com"


def test_client_credentials_with_basic_auth() -> None:
    """client_credentials accepts HTTP Basic client authentication on the My Domain host."""
    org = FakeOrg()
    with _client(org, MY_DOMAIN) as c:
        response = c.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("fake-client-id", "fake-client-secret"),
        )
    assert response.status_code == 200
    assert _limits(org, response.json()["access_token"]).status_code == 200


def test_client_credentials_refused_on_login_host() -> None:
    """client_credentials must use the My Domain host, not login.salesforce.com."""
    form = {
        "grant_type": "client_credentials",
        "client_id": "fake-client-id",
        "client_secret": "fake-client-secret",
    }
    assert _token(FakeOrg(), LOGIN, **form).status_code == 400
    assert _token(FakeOrg(), MY_DOMAIN, **form).status_code == 200


def test_refresh_token_grant_issues_a_new_access_token() -> None:
    """A refresh token issued by the org yields working access tokens."""
    org = FakeOrg()
    refresh = org.issue_refresh_token()
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "fake-client-id"}
    response = _token(org, **form)
    assert response.status_code == 200
    assert _limits(org, response.json()["access_token"]).status_code == 200
    bad = _token(org, **{**form, "refresh_token": "5Aep861nope"})
    assert bad.json()["error_description"] == "expired access/refresh token"


def test_revoking_a_refresh_token_kills_its_access_tokens() -> None:
    """POST /services/oauth2/revoke with a refresh token revokes it and its sessions."""
    org = FakeOrg()
    refresh = org.issue_refresh_token()
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "fake-client-id"}
    access = _token(org, **form).json()["access_token"]
    with _client(org, MY_DOMAIN) as c:
        assert c.post("/services/oauth2/revoke", data={"token": refresh}).status_code == 200
        assert c.post("/services/oauth2/revoke", data={"token": refresh}).status_code == 400
    assert _limits(org, access).status_code == 401


def _rsa_pair() -> tuple[Any, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public.decode()


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[Any, str]:
    return _rsa_pair()


def _assertion(key: Any, **claims: Any) -> str:
    payload = {
        "iss": "jwt-app",
        "sub": "user@example.com",
        "aud": LOGIN,
        "exp": int(time.time()) + 180,
    }
    payload.update(claims)
    return jwt.encode(payload, key, algorithm="RS256")


def _jwt_org(public_pem: str | None) -> FakeOrg:
    org = FakeOrg()
    org.add_connected_app("jwt-app", certificate=public_pem)
    return org


def test_jwt_bearer_with_valid_signature(rsa_keys: tuple[Any, str]) -> None:
    """A signed JWT for a known app, user and audience logs in."""
    key, public = rsa_keys
    org = _jwt_org(public)
    response = _token(
        org,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(key),
    )
    assert response.status_code == 200
    assert "refresh_token" not in response.json()


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"aud": "https://evil.example.com"}, "audience is invalid"),
        ({"exp": 1}, "expired authorization code"),
        ({"sub": "nobody@example.com"}, "user hasn't approved this consumer"),
        ({"iss": "unknown-app"}, "client identifier invalid"),
    ],
)
def test_jwt_bearer_claims_are_checked(
    rsa_keys: tuple[Any, str], claims: dict[str, Any], description: str
) -> None:
    """Wrong audience, expiry, subject or issuer is refused with Salesforce's description."""
    key, public = rsa_keys
    response = _token(
        _jwt_org(public),
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(key, **claims),
    )
    assert response.status_code == 400
    assert response.json()["error_description"] == description


def test_jwt_signed_by_another_key_is_refused(rsa_keys: tuple[Any, str]) -> None:
    """With a configured certificate, a signature from another key is invalid_grant."""
    _key, public = rsa_keys
    other, _ = _rsa_pair()
    response = _token(
        _jwt_org(public),
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(other),
    )
    assert response.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_jwt_garbage_assertion_is_refused() -> None:
    """An assertion that is not a JWT is invalid_grant, not a crash."""
    org = _jwt_org(None)
    response = _token(
        org, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion="x.y"
    )
    assert response.json()["error"] == "invalid_grant"
    assert org.internal_errors == []


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "INVALID_SESSION_ID"),
        ({"Authorization": "Bearer 00Dnope"}, "INVALID_SESSION_ID"),
        ({"Authorization": "Basic abc"}, "INVALID_AUTH_HEADER"),
    ],
)
def test_rest_without_a_valid_session_is_401_array(headers: dict[str, str], code: str) -> None:
    """Missing or bad credentials answer 401 with an error array."""
    org = FakeOrg()
    with _client(org, MY_DOMAIN) as c:
        response = c.get("/services/data/v59.0/limits", headers=headers)
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == code


def test_expire_sessions_makes_tokens_invalid() -> None:
    """org.expire_sessions() turns every live token into a 401."""
    org = FakeOrg()
    token = org.access_token()
    org.expire_sessions()
    assert _limits(org, token).json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_session_expires_after_n_requests() -> None:
    """faults.session_ttl_requests expires a session after that many requests."""
    org = FakeOrg()
    org.faults.session_ttl_requests = 2
    token = org.access_token()
    statuses = [_limits(org, token).status_code for _ in range(3)]
    assert statuses == [200, 200, 401]


def test_session_expires_after_t_seconds() -> None:
    """faults.session_ttl_seconds expires a session once it is that old."""
    org = FakeOrg()
    org.faults.session_ttl_seconds = 0.05
    token = org.access_token()
    assert _limits(org, token).status_code == 200
    time.sleep(0.06)
    assert _limits(org, token).status_code == 401


def test_tokens_are_deterministic_given_the_seed() -> None:
    """Two orgs with the same seed hand out the same tokens."""
    first = _token(FakeOrg(seed=3), **_password_form()).json()["access_token"]
    second = _token(FakeOrg(seed=3), **_password_form()).json()["access_token"]
    third = _token(FakeOrg(seed=4), **_password_form()).json()["access_token"]
    assert first == second != third


def test_secrets_never_reach_the_request_log() -> None:
    """The request log holds no password, token or Authorization header."""
    org = FakeOrg()
    token = _token(org, **_password_form()).json()["access_token"]
    _limits(org, token)
    with _client(org, MY_DOMAIN) as c:
        c.post("/services/oauth2/revoke", params={"token": token})
    text = repr(org.requests) + repr(org.auth.sessions) + repr(org.auth.users)
    assert token not in text
    assert "fake-client-secret" not in text
    assert "'password'" not in text
