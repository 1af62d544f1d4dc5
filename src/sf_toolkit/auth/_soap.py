"""
The SOAP partner ``login()`` with username, password and security token.

Salesforce is retiring this call: API 65.0 and newer no longer offer it, and 31.0-64.0 lose it with
the Summer '27 release. The login therefore always speaks a version that still has it, whatever
REST version the client then uses. Prefer an OAuth login for new code.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import attrs
import httpx

from .._exports import publish
from .._wire.errors import body_text, error_from_response, is_redirect
from ._base import Login, LoginFlow, expect
from ._domain import login_base_url
from ._errors import login_error
from ._session import Session, is_instance_url
from ._validate import check_domain, normalize_api_version, not_empty

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

__all__ = ["SOAP_LOGIN_MAX_VERSION", "SalesforceLogin"]

SOAP_LOGIN_MAX_VERSION = "64.0"
"""The newest API version whose SOAP API still offers ``login()``."""

_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:urn="urn:partner.soap.sforce.com">'
    "<soapenv:Body><urn:login>"
    "<urn:username>{username}</urn:username><urn:password>{password}</urn:password>"
    "</urn:login></soapenv:Body></soapenv:Envelope>"
)


@attrs.frozen
class SalesforceLogin(Login):
    """
    Log in with a username, password and security token over SOAP ``login()``.

    Args:
        username: The Salesforce username, e.g. ``"ann@example.com"``.
        password: The password; never shown in repr or errors.
        security_token: The user's security token, appended to the password (empty when the
            network is trusted by the org).
        domain: ``"login"``, ``"test"``, a My Domain host, or a URL with scheme (a local fake).
        api_version: The client's REST version; the login call itself uses at most 64.0.

    Raises:
        ValueError: If the username or password is empty, the domain unknown, or the version
            malformed.
    """

    username: str = attrs.field(validator=not_empty)
    password: str = attrs.field(repr=False, validator=not_empty)
    security_token: str = attrs.field(default="", repr=False)
    domain: str = attrs.field(default="login", validator=check_domain)
    api_version: str | None = attrs.field(default=None, converter=normalize_api_version)

    @property
    def login_url(self) -> str:
        """The base URL of the login server, e.g. ``"https://login.salesforce.com"``."""
        return login_base_url(self.domain)

    @property
    def soap_version(self) -> str:
        """The API version of the SOAP call: the requested one, capped at 64.0."""
        requested = self.api_version or SOAP_LOGIN_MAX_VERSION
        return min(requested, SOAP_LOGIN_MAX_VERSION, key=lambda v: float(v))

    def flow(self) -> LoginFlow:
        """Return a flow that posts the SOAP login and parses the session from the answer."""
        request = self.build_request()
        response = expect(httpx.Response, (yield request))
        return self.parse_response(response, now=time.time())

    def build_request(self) -> httpx.Request:
        """Return the SOAP ``login()`` request, with the username and password XML-escaped."""
        # The XML modules load when a SOAP login happens, not with every import of the package.
        from xml.sax.saxutils import escape

        body = _ENVELOPE.format(
            username=escape(self.username),
            password=escape(self.password + self.security_token),
        )
        return httpx.Request(
            "POST",
            f"{self.login_url}/services/Soap/u/{self.soap_version}",
            headers={
                "Content-Type": "text/xml; charset=UTF-8",
                "SOAPAction": "login",
                "Accept": "text/xml",
            },
            content=body.encode("utf-8"),
        )

    def parse_response(self, response: httpx.Response, *, now: float) -> Session:
        """
        Return the session from a ``login()`` answer.

        Raises:
            AuthenticationError: For a SOAP fault (with its ``exceptionCode``), an expired
                password, or an answer that is not a login result.
            RedirectError: If the login server redirects; a login is never redirected, since
                it carries credentials. The error names the target.
        """
        import xml.etree.ElementTree as ET

        secrets = (self.password, self.security_token, self.password + self.security_token)
        if is_redirect(response):
            # A login carries credentials: it is never redirected (check the domain).
            raise error_from_response(response)
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError:
            root = None
        if root is None or response.status_code != 200:
            code, message = _fault(root)
            if message is None:
                message = (
                    f"the login server answered HTTP {response.status_code} "
                    f"{response.reason_phrase} without a SOAP result{_shown(response)}"
                )
            raise login_error(message, secrets=secrets, error_code=code, response=response)
        values = {_local(element.tag): (element.text or "").strip() for element in root.iter()}
        session_id, server_url = values.get("sessionId"), values.get("serverUrl")
        if not session_id or not server_url:
            code, message = _fault(root)
            raise login_error(
                message or "the login answer has no sessionId or serverUrl",
                secrets=secrets,
                error_code=code,
                response=response,
            )
        if values.get("passwordExpired") == "true":
            raise login_error(
                f"the password of {self.username} has expired: set a new one in Salesforce",
                error_code="PASSWORD_EXPIRED",
                secrets=secrets,
                response=response,
            )
        if not is_instance_url(server_url):
            raise login_error(
                f"the login answer's serverUrl {server_url!r} is not a URL", response=response
            )
        seconds = values.get("sessionSecondsValid")
        return Session(
            access_token=session_id,
            instance_url=server_url,
            user_id=values.get("userId") or None,
            org_id=values.get("organizationId") or None,
            issued_at=now,
            expires_at=now + int(seconds) if seconds and seconds.isdigit() else None,
        )


def _shown(response: httpx.Response) -> str:
    """``": <readable text of the body>"`` (an HTML page's title and text), or nothing."""
    return f": {text}" if (text := body_text(response)) else ""


def _local(tag: str) -> str:
    """Drop the ``{namespace}`` prefix ElementTree puts on tag names."""
    return tag.rpartition("}")[2]


def _fault(root: ET.Element | None) -> tuple[str | None, str | None]:
    """Return the ``(exceptionCode, exceptionMessage)`` of a SOAP fault, or ``(None, None)``."""
    if root is None:
        return None, None
    values = {_local(element.tag): (element.text or "").strip() for element in root.iter()}
    code = values.get("exceptionCode") or values.get("faultcode", "").rpartition(":")[2] or None
    message = values.get("exceptionMessage") or values.get("faultstring") or None
    return code, message


publish("sf_toolkit.auth", [SalesforceLogin])  # their public path
