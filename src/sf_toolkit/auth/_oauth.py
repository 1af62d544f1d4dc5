"""
OAuth 2.0 logins against ``/services/oauth2/token``: client credentials, JWT bearer, refresh
token and username-password.

Each login posts one form and parses one JSON answer; the shared part lives in
:func:`token_flow`. A login whose answer carried a refresh token uses it (the refresh-token grant)
when the client needs a new session, instead of repeating the original grant.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import httpx

from .._exports import publish
from .._wire.errors import body_text, error_from_response, is_redirect
from ..exceptions import AuthenticationError
from ._base import Login, LoginFlow, expect
from ._domain import SANDBOX_URL, is_generic_login_url, login_base_url
from ._errors import login_error
from ._session import Session, is_instance_url
from ._validate import check_domain, not_empty

__all__ = [
    "JWT_BEARER_GRANT",
    "TOKEN_PATH",
    "ClientCredentialsLogin",
    "JwtBearerLogin",
    "PasswordLogin",
    "RefreshTokenLogin",
    "parse_token_response",
    "token_flow",
    "token_request",
]

TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def token_request(base_url: str, fields: Mapping[str, str]) -> httpx.Request:
    """Return the form POST to the token endpoint under ``base_url``."""
    return httpx.Request(
        "POST",
        f"{base_url}{TOKEN_PATH}",
        headers={"Accept": "application/json"},
        data=dict(fields),
    )


def token_flow(
    base_url: str,
    fields: Mapping[str, str],
    *,
    secrets: Iterable[str | None],
    refresh_token: str | None = None,
) -> LoginFlow:
    """
    Post one grant to the token endpoint and return the session it yields.

    Args:
        base_url: The login base URL, see :func:`~sf_toolkit.auth.login_base_url`.
        fields: The form fields, ``grant_type`` included.
        secrets: Strings that must never appear in an error message.
        refresh_token: Kept in the session when the answer carries no new refresh token.
    """
    response = expect(httpx.Response, (yield token_request(base_url, fields)))
    return parse_token_response(
        response, secrets=secrets, refresh_token=refresh_token, now=time.time()
    )


def parse_token_response(
    response: httpx.Response,
    *,
    secrets: Iterable[str | None] = (),
    refresh_token: str | None = None,
    now: float | None = None,
) -> Session:
    """
    Return the session from a token endpoint answer.

    Raises:
        AuthenticationError: With the OAuth ``error`` as ``error_code`` and its
            ``error_description`` as the message, or naming what is missing from the answer.
        RedirectError: If the token endpoint redirects; a login is never redirected, since it
            carries credentials. The error names the target.
    """
    secrets = tuple(secrets)
    body = _json_object(response)
    if is_redirect(response):
        # A login carries credentials: it is never redirected (check the domain).
        raise error_from_response(response)
    if response.status_code != 200 or body is None:
        error = body.get("error") if body else None
        description = body.get("error_description") if body else None
        shown = body_text(response)
        message = str(description or error or "") or (
            f"the token endpoint answered HTTP {response.status_code} "
            f"{response.reason_phrase} without an OAuth result{f': {shown}' if shown else ''}"
        )
        raise login_error(
            message,
            secrets=secrets,
            error_code=str(error) if error else None,
            response=response,
        )
    access_token, instance_url = body.get("access_token"), body.get("instance_url")
    if not isinstance(access_token, str) or not access_token:
        raise login_error("the token endpoint's answer has no access_token", response=response)
    if not isinstance(instance_url, str) or not instance_url:
        raise login_error("the token endpoint's answer has no instance_url", response=response)
    if not is_instance_url(instance_url):
        raise login_error(
            f"the token endpoint's instance_url {instance_url!r} is not a URL", response=response
        )
    org_id, user_id = _ids_from_identity_url(body.get("id"))
    new_refresh_token = body.get("refresh_token")
    return Session(
        access_token=access_token,
        instance_url=instance_url,
        refresh_token=new_refresh_token if isinstance(new_refresh_token, str) else refresh_token,
        user_id=user_id,
        org_id=org_id,
        issued_at=_issued_at(body.get("issued_at"), now),
        expires_at=None,
    )


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    """Return the body as a JSON object, or ``None`` when it is not one."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _ids_from_identity_url(value: object) -> tuple[str | None, str | None]:
    """Split ``https://login.salesforce.com/id/{orgId}/{userId}`` into the two ids."""
    if not isinstance(value, str):
        return None, None
    parts = value.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-3] == "id":
        return parts[-2] or None, parts[-1] or None
    return None, None


def _issued_at(value: object, now: float | None) -> float | None:
    """Read ``issued_at`` (epoch milliseconds as a string), else fall back to ``now``."""
    try:
        return int(str(value)) / 1000
    except ValueError:
        return now


def _check_secret_domain(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """Client credentials need the org's My Domain: the shared login hosts refuse them."""
    check_domain(instance, attribute, value)
    if is_generic_login_url(login_base_url(value)):
        raise ValueError(
            f"domain {value!r} cannot be used for the client credentials flow: pass the org's "
            "My Domain host, e.g. 'acme.my.salesforce.com'"
        )


def _refresh_or_login(
    login: Login,
    session: Session,
    *,
    client_id: str,
    client_secret: str | None,
    domain: str,
) -> LoginFlow:
    """
    Renew with the session's refresh token when it has one, else log in afresh.

    A refresh token that Salesforce no longer accepts (``invalid_grant``: revoked or expired)
    falls back to a fresh login, which these logins can always do.
    """
    if session.refresh_token:
        refresh = RefreshTokenLogin(
            client_id=client_id,
            refresh_token=session.refresh_token,
            client_secret=client_secret,
            domain=domain,
        )
        try:
            return (yield from refresh.flow())
        except AuthenticationError as exc:
            if exc.error_code != "invalid_grant":
                raise
    return (yield from login.flow())


@attrs.frozen
class ClientCredentialsLogin(Login):
    """
    Log in as a connected app's run-as user with the client credentials grant.

    Args:
        client_id: The connected app's consumer key.
        client_secret: The consumer secret; never shown in repr or errors.
        domain: The org's My Domain host (``acme.my.salesforce.com``) or URL; the shared
            ``login``/``test`` hosts do not support this grant.
    """

    client_id: str = attrs.field(validator=not_empty)
    client_secret: str = attrs.field(repr=False, validator=not_empty)
    domain: str = attrs.field(validator=_check_secret_domain)

    def flow(self) -> LoginFlow:
        """Return a flow that posts the client credentials grant."""
        fields = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return token_flow(login_base_url(self.domain), fields, secrets=(self.client_secret,))

    def refresh_flow(self, session: Session) -> LoginFlow:
        """Return a flow for a new session: the refresh token if one was granted, else a login."""
        return _refresh_or_login(
            self,
            session,
            client_id=self.client_id,
            client_secret=self.client_secret,
            domain=self.domain,
        )


@attrs.frozen
class PasswordLogin(Login):
    """
    Log in with the OAuth username-password grant (blocked by default in newer orgs).

    Args:
        client_id: The connected app's consumer key.
        client_secret: The consumer secret; never shown in repr or errors.
        username: The Salesforce username.
        password: The password; never shown in repr or errors.
        security_token: Appended to the password, as Salesforce expects.
        domain: ``"login"``, ``"test"``, a My Domain host, or a URL with scheme.
    """

    client_id: str = attrs.field(validator=not_empty)
    client_secret: str = attrs.field(repr=False, validator=not_empty)
    username: str = attrs.field(validator=not_empty)
    password: str = attrs.field(repr=False, validator=not_empty)
    security_token: str = attrs.field(default="", repr=False)
    domain: str = attrs.field(default="login", validator=check_domain)

    def flow(self) -> LoginFlow:
        """Return a flow that posts the username-password grant."""
        fields = {
            "grant_type": "password",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "username": self.username,
            "password": self.password + self.security_token,
        }
        secrets = (
            self.client_secret,
            self.password,
            self.security_token,
            self.password + self.security_token,
        )
        return token_flow(login_base_url(self.domain), fields, secrets=secrets)

    def refresh_flow(self, session: Session) -> LoginFlow:
        """Return a flow for a new session: the refresh token if one was granted, else a login."""
        return _refresh_or_login(
            self,
            session,
            client_id=self.client_id,
            client_secret=self.client_secret,
            domain=self.domain,
        )


@attrs.frozen
class RefreshTokenLogin(Login):
    """
    Log in with a refresh token obtained earlier (for example by a web server flow).

    Args:
        client_id: The consumer key of the connected app that issued the refresh token.
        refresh_token: The refresh token; never shown in repr or errors.
        client_secret: The consumer secret, if the connected app requires it.
        domain: ``"login"``, ``"test"``, a My Domain host, or a URL with scheme.
    """

    client_id: str = attrs.field(validator=not_empty)
    refresh_token: str = attrs.field(repr=False, validator=not_empty)
    client_secret: str | None = attrs.field(default=None, repr=False)
    domain: str = attrs.field(default="login", validator=check_domain)

    def flow(self) -> LoginFlow:
        """Return a flow that posts the refresh-token grant with this login's token."""
        return self._grant(self.refresh_token)

    def refresh_flow(self, session: Session) -> LoginFlow:
        """Return a flow that uses the session's (possibly rotated) refresh token."""
        return self._grant(session.refresh_token or self.refresh_token)

    def _grant(self, refresh_token: str) -> LoginFlow:
        fields = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": refresh_token,
        }
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        return token_flow(
            login_base_url(self.domain),
            fields,
            secrets=(refresh_token, self.refresh_token, self.client_secret),
            refresh_token=refresh_token,
        )


def _check_private_key(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """
    The key is an unencrypted PEM RSA private key; the message never quotes it.

    The key is fully parsed when ``cryptography`` (part of the ``jwt`` extra) is installed;
    without it only the PEM armour is checked, and the first login reports the missing extra.
    """
    del instance, attribute
    if not isinstance(value, (str, bytes)):
        raise TypeError(f"private_key must be PEM str or bytes, not {type(value).__name__}")
    data = value.encode("utf-8") if isinstance(value, str) else value
    if b"-----BEGIN" not in data or b"PRIVATE KEY-----" not in data:
        raise ValueError("private_key must be a PEM-encoded RSA private key ('-----BEGIN ...')")
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # pragma: no cover - the dev environment has cryptography
        return
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # Not chained: the parser's message could quote key material.
        raise ValueError(
            "private_key cannot be read: pass the unencrypted PEM RSA private key that matches "
            "the connected app's certificate"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError(
            f"private_key must be an RSA key (RS256), not {type(key).__name__.lstrip('_')}"
        )


def _check_lifetime(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance, attribute
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"lifetime must be a positive number of seconds, got {value!r}")


@attrs.frozen
class JwtBearerLogin(Login):
    """
    Log in with the OAuth JWT bearer grant: a certificate instead of a password.

    The assertion is signed with RS256 by PyJWT, installed with the ``sf-toolkit[jwt]`` extra.

    Args:
        client_id: The connected app's consumer key (the ``iss`` claim).
        username: The user to log in as (the ``sub`` claim).
        private_key: The PEM private key matching the connected app's certificate; never shown in
            repr or errors.
        domain: ``"login"``, ``"test"``, a My Domain host, or a URL with scheme.
        audience: The ``aud`` claim; by default https://test.salesforce.com for ``"test"`` and
            sandbox My Domains, else https://login.salesforce.com. Experience Cloud sites pass
            their site URL.
        lifetime: Seconds until the assertion expires (Salesforce accepts at most 3 minutes).
    """

    client_id: str = attrs.field(validator=not_empty)
    username: str = attrs.field(validator=not_empty)
    private_key: str | bytes = attrs.field(repr=False, validator=_check_private_key)
    domain: str = attrs.field(default="login", validator=check_domain)
    audience: str | None = None
    lifetime: int = attrs.field(default=180, validator=_check_lifetime)

    @property
    def effective_audience(self) -> str:
        """The ``aud`` claim that will be sent."""
        if self.audience:
            return self.audience
        base = login_base_url(self.domain)
        host = httpx.URL(base).host
        if base == SANDBOX_URL or host.endswith(".sandbox.my.salesforce.com"):
            return SANDBOX_URL
        return "https://login.salesforce.com"

    def assertion(self, *, now: float) -> str:
        """
        Return the signed JWT for the time ``now`` (epoch seconds).

        Raises:
            ImportError: If PyJWT (the ``sf-toolkit[jwt]`` extra) is not installed.
            ValueError: If the private key cannot sign RS256 tokens.
        """
        try:
            import jwt
        except ImportError as exc:  # pragma: no cover - the dev environment has PyJWT
            raise ImportError(
                "JwtBearerLogin needs PyJWT with cryptography: pip install 'sf-toolkit[jwt]'"
            ) from exc
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.effective_audience,
            "exp": int(now) + self.lifetime,
        }
        try:
            return jwt.encode(claims, self.private_key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            # Chaining would risk echoing key material from the parser's message.
            raise ValueError(
                "private_key cannot sign RS256 tokens: pass the PEM RSA private key that matches "
                "the connected app's certificate"
            ) from None

    def flow(self) -> LoginFlow:
        """Return a flow that signs a fresh assertion and posts the JWT bearer grant."""
        assertion = self.assertion(now=time.time())
        fields = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
        return token_flow(login_base_url(self.domain), fields, secrets=(assertion,))


publish(
    "sf_toolkit.auth", [ClientCredentialsLogin, JwtBearerLogin, PasswordLogin, RefreshTokenLogin]
)  # their public path
