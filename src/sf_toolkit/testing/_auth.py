"""
Logins and sessions of the fake org: SOAP ``login()``, the OAuth token endpoint and revocation.

Tokens are drawn from a seeded random generator, so a seeded org hands out the same tokens in the
same order. No secret ever appears in a repr or an error body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import httpx

from ._http import json_response

__all__ = ["Auth", "ConnectedApp", "FakeUser", "Session"]

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "._"
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


@dataclass
class FakeUser:
    """A user who can log in."""

    username: str
    user_id: str
    password: str = field(repr=False)
    security_token: str = field(default="", repr=False)


@dataclass
class ConnectedApp:
    """An OAuth client: its consumer key, secret, JWT certificate and client-credentials user."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate: str | None = field(default=None, repr=False)
    """PEM X.509 certificate or public key that JWT assertions must be signed for (RS256)."""
    run_as: str | None = None
    """Username the client_credentials flow logs in as."""


@dataclass
class Session:
    """One access token and what it is bound to."""

    token: str = field(repr=False)
    user_id: str
    client_id: str | None
    created: float
    refresh_token: str | None = field(default=None, repr=False)
    requests: int = 0


@dataclass
class _Grant:
    user_id: str
    client_id: str
    tokens: set[str] = field(default_factory=set)


class OAuthError(Exception):
    """An OAuth failure answered as 400 ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        self.error = error
        self.description = description
        self.status = status
        super().__init__(f"{error}: {description}")


class SoapFault(Exception):
    """A SOAP fault answered with HTTP 500."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class Auth:
    """
    Users, connected apps and live sessions.

    Args:
        org_id: The 18-character Organization Id (tokens start with its first 15 characters).
        seed: Seed of the token generator.
        clock: Returns the current moment for the token response's ``issued_at``; defaults to
            the wall clock. Session lifetimes and JWT expiry always measure real time.
    """

    def __init__(self, org_id: str, seed: int, clock: Callable[[], datetime] | None = None) -> None:
        self.org_id = org_id
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._random = random.Random(f"auth-{seed}")
        self.users: dict[str, FakeUser] = {}
        self.apps: dict[str, ConnectedApp] = {}
        self.sessions: dict[str, Session] = {}
        self._grants: dict[str, _Grant] = {}

    # --- tokens ---------------------------------------------------------------------------

    def _random_text(self, length: int) -> str:
        return "".join(self._random.choice(_TOKEN_ALPHABET) for _ in range(length))

    def new_session(
        self, user_id: str, client_id: str | None = None, refresh_token: str | None = None
    ) -> Session:
        """Mint an access token (``00D...!...``, 112 characters) for a user."""
        token = f"{self.org_id[:15]}!AQ4AQ{self._random_text(91)}"
        session = Session(token, user_id, client_id, time.monotonic(), refresh_token)
        self.sessions[token] = session
        if refresh_token is not None:
            self._grants[refresh_token].tokens.add(token)
        return session

    def new_refresh_token(self, user_id: str, client_id: str) -> str:
        """Mint a refresh token for a user and connected app."""
        token = "5Aep861" + self._random_text(80)
        self._grants[token] = _Grant(user_id, client_id)
        return token

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token and its access tokens; False if unknown."""
        if token in self.sessions:
            del self.sessions[token]
            return True
        grant = self._grants.pop(token, None)
        if grant is None:
            return False
        for access in grant.tokens:
            self.sessions.pop(access, None)
        return True

    def expire_all(self) -> None:
        """Expire every access token (refresh tokens stay valid)."""
        self.sessions.clear()
        for grant in self._grants.values():
            grant.tokens.clear()

    def check(
        self, token: str, *, ttl_requests: int | None, ttl_seconds: float | None
    ) -> Session | None:
        """The live session for a bearer token, counting this request; None if invalid."""
        session = self.sessions.get(token)
        if session is None:
            return None
        expired = (ttl_requests is not None and session.requests >= ttl_requests) or (
            ttl_seconds is not None and time.monotonic() - session.created >= ttl_seconds
        )
        if expired:
            del self.sessions[token]
            return None
        session.requests += 1
        return session

    def _user(self, username: str) -> FakeUser | None:
        return self.users.get(username.strip().lower())

    def _password_ok(self, user: FakeUser, given: str) -> bool:
        # The security token is appended to the password; users without one send the password.
        expected = user.password + user.security_token
        return hmac.compare_digest(given.encode(), expected.encode())

    # --- SOAP -----------------------------------------------------------------------------

    def soap_login(self, body: bytes, version: str, instance_url: str) -> tuple[Session, str]:
        """
        Check a partner ``login()`` envelope; return the session and the response XML.

        Raises:
            SoapFault: ``INVALID_LOGIN``, ``INVALID_OPERATION`` (65.0+),
                ``UNSUPPORTED_API_VERSION`` (30.0 and older) or a client fault for bad XML.
        """
        number = float(version)
        if number >= 65.0:
            raise SoapFault(
                "INVALID_OPERATION",
                f"The SOAP Login operation is not available in the API version specified "
                f"({version}). Use a different version or another login method.",
            )
        if number <= 30.0:
            raise SoapFault("UNSUPPORTED_API_VERSION", f"UNSUPPORTED_API_VERSION: {version}")
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise SoapFault("Client", "Unable to parse the request body as SOAP XML") from None
        values = {
            element.tag.rsplit("}", 1)[-1]: element.text or ""
            for element in root.iter()
            if isinstance(element.tag, str)
        }
        user = self._user(values.get("username", ""))
        if user is None or not self._password_ok(user, values.get("password", "")):
            raise SoapFault(
                "INVALID_LOGIN",
                "Invalid username, password, security token; or user locked out.",
            )
        session = self.new_session(user.user_id)
        org15 = self.org_id[:15]
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{_SOAP_ENV}" xmlns="urn:partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><loginResponse><result>"
            f"<metadataServerUrl>{instance_url}/services/Soap/m/{version}/{org15}"
            "</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            f"<serverUrl>{instance_url}/services/Soap/u/{version}/{org15}</serverUrl>"
            f"<sessionId>{session.token}</sessionId><userId>{user.user_id}</userId>"
            "<userInfo>"
            "<accessibilityMode>false</accessibilityMode>"
            "<currencySymbol>$</currencySymbol>"
            "<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>"
            f"<organizationId>{self.org_id}</organizationId>"
            "<organizationMultiCurrency>false</organizationMultiCurrency>"
            "<organizationName>Fake Org</organizationName>"
            "<profileId>00e000000000001AAA</profileId>"
            '<roleId xsi:nil="true"/>'
            "<sessionSecondsValid>7200</sessionSecondsValid>"
            f"<userEmail>{escape(user.username)}</userEmail>"
            "<userFullName>Fake User</userFullName>"
            "<userLanguage>en_US</userLanguage>"
            "<userLocale>en_US</userLocale>"
            f"<userName>{escape(user.username)}</userName>"
            f"<userTimeZone>America/Los_Angeles</userTimeZone><userId>{user.user_id}</userId>"
            "<userType>Standard</userType><userUiSkin>Theme3</userUiSkin>"
            "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return session, xml

    @staticmethod
    def soap_fault(fault: SoapFault) -> httpx.Response:
        """A SOAP fault envelope with HTTP 500, tags spelled as clients match them."""
        if fault.code == "Client":
            detail = ""
            code = "soapenv:Client"
        else:
            code = f"sf:{fault.code}"
            detail = (
                '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
                f"<sf:exceptionCode>{fault.code}</sf:exceptionCode>"
                f"<sf:exceptionMessage>{escape(fault.message)}</sf:exceptionMessage>"
                "</sf:LoginFault></detail>"
            )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{_SOAP_ENV}" '
            'xmlns:sf="urn:fault.partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><soapenv:Fault>"
            f"<faultcode>{code}</faultcode>"
            f"<faultstring>{fault.code}: {escape(fault.message)}</faultstring>"
            f"{detail}</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        )
        return httpx.Response(
            500, headers={"Content-Type": "text/xml;charset=UTF-8"}, content=xml.encode()
        )

    # --- OAuth ----------------------------------------------------------------------------

    def oauth_token(
        self, request: httpx.Request, body: bytes, instance_url: str
    ) -> tuple[Session, httpx.Response]:
        """
        Run one OAuth token grant.

        Raises:
            OAuthError: With Salesforce's ``error``/``error_description`` pair.
        """
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        grant_type = form.get("grant_type", "")
        basic = _basic_credentials(request.headers.get("Authorization", ""))
        refresh: str | None = None
        if grant_type == "password":
            app = self._client(form.get("client_id", ""), form.get("client_secret"))
            user = self._user(form.get("username", ""))
            if user is None or not self._password_ok(user, form.get("password", "")):
                raise OAuthError("invalid_grant", "authentication failure")
            user_id = user.user_id
        elif grant_type == "client_credentials":
            client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret"))
            if request.url.host in _LOGIN_HOSTS:
                raise OAuthError("invalid_grant", "request not supported on this domain")
            app = self._client(client_id, secret, secret_required=True)
            user = self._user(app.run_as or "")
            if user is None:
                raise OAuthError("invalid_grant", "no client credentials user enabled")
            user_id = user.user_id
        elif grant_type == "refresh_token":
            grant = self._grants.get(form.get("refresh_token", ""))
            app = self._client(form.get("client_id", ""), form.get("client_secret"))
            if grant is None or grant.client_id != app.client_id:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            user_id = grant.user_id
            refresh = form["refresh_token"]
        elif grant_type == _JWT_GRANT:
            app, user_id = self._jwt(form.get("assertion", ""))
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        session = self.new_session(user_id, app.client_id, refresh)
        host = request.url.host
        login = f"https://{host}" if host in _LOGIN_HOSTS else instance_url
        identity = f"{login}/id/{self.org_id}/{user_id}"
        issued_at = str(int(self._clock().timestamp() * 1000))
        payload: dict[str, Any] = {
            "access_token": session.token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "scope": "api refresh_token",
        }
        if app.client_secret:
            digest = hmac.new(
                app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
            ).digest()
            payload["signature"] = base64.b64encode(digest).decode()
        if grant_type == _JWT_GRANT:
            payload.pop("issued_at")
            payload.pop("signature", None)
        return session, json_response(200, payload)

    def _client(
        self, client_id: str, secret: str | None, *, secret_required: bool = False
    ) -> ConnectedApp:
        app = self.apps.get(client_id)
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        checked = (secret is not None or secret_required) and app.client_secret is not None
        if checked and (secret is None or not hmac.compare_digest(secret, app.client_secret or "")):
            raise OAuthError("invalid_client", "invalid client credentials")
        return app

    def _jwt(self, assertion: str) -> tuple[ConnectedApp, str]:
        claims = _jwt_claims(assertion)
        app = self.apps.get(str(claims.get("iss", "")))
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if claims.get("aud") not in _AUDIENCES:
            raise OAuthError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= time.time():
            raise OAuthError("invalid_grant", "expired authorization code")
        user = self._user(str(claims.get("sub", "")))
        if user is None:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        if app.certificate is not None:
            _verify_rs256(assertion, app.certificate)
        return app, user.user_id

    @staticmethod
    def oauth_error(error: OAuthError) -> httpx.Response:
        """An OAuth error body."""
        return json_response(
            error.status, {"error": error.error, "error_description": error.description}
        )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _jwt_claims(assertion: str) -> Mapping[str, Any]:
    parts = assertion.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("not three parts")
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except ValueError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if not isinstance(claims, dict) or not isinstance(header, dict):
        raise OAuthError("invalid_grant", "invalid assertion")
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "invalid assertion")
    return claims


def _verify_rs256(assertion: str, pem: str) -> None:
    try:
        import jwt
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError as exc:  # pragma: no cover - both are dev dependencies
        raise RuntimeError(
            "verifying JWT signatures needs the 'pyjwt[crypto]' package; install it or "
            "configure the connected app without a certificate"
        ) from exc
    data = pem.encode()
    key: Any = (
        x509.load_pem_x509_certificate(data).public_key()
        if b"BEGIN CERTIFICATE" in data
        else load_pem_public_key(data)
    )
    try:
        jwt.decode(
            assertion,
            key,
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iss": False},
        )
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
