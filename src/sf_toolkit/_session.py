"""The session a client and its twin share: the login, the token, the REST root."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

import attrs
import httpx

from ._wire.errors import error_from_response, is_redirect, json_body
from ._wire.limits import ApiUsage
from ._wire.secrets import Secrets
from .auth import Login, Session
from .auth._errors import login_secrets
from .exceptions import SalesforceApiError

__all__ = ["SessionState", "normalize_api_version", "parse_versions", "pick_api_version"]


@attrs.define(eq=False, repr=False)
class SessionState:
    """
    Mutable login state shared by a client and its twin.

    ``generation`` counts logins: a request that failed with a 401 refreshes the session only
    if nobody has done so since the request started, so concurrent failures cause one login.
    """

    login: Login
    requested_version: str | None
    session: Session | None = None
    generation: int = 0
    api_version: str | None = None
    api_usage: ApiUsage | None = None
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    @property
    def base_url(self) -> str | None:
        """The REST root, ``{instance}/services/data/vXX.X/``, once logged in."""
        if self.session is None or self.api_version is None:
            return None
        return f"{self.session.instance_url}/services/data/v{self.api_version}/"

    def secrets(self) -> Secrets:
        """Every secret the client knows: the login's, and the session's tokens."""
        known = login_secrets(self.login)
        if self.session is not None:
            known += tuple(t for t in (self.session.access_token, self.session.refresh_token) if t)
        return Secrets(known)

    def __repr__(self) -> str:
        return f"<SessionState login={self.login!r} generation={self.generation}>"


_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def parse_versions(response: httpx.Response) -> list[Any]:
    """
    Read ``GET /services/data/``'s answer: the list of versions the org offers.

    Raises:
        SalesforceApiError: For an error answer (:class:`~sf_toolkit.exceptions.RedirectError`
            naming the target for a redirect).
        UnexpectedResponseError: For an answer that is not a JSON list.
    """
    if response.is_error or is_redirect(response):
        raise error_from_response(response)
    versions: list[Any] = json_body(response, expect=list)
    return versions


def pick_api_version(available: Sequence[Any], requested: str | None) -> str:
    """
    Choose the REST version from ``GET /services/data/``'s list.

    Returns the requested version if the org offers it, else the org's newest.

    Raises:
        SalesforceApiError: ``UNSUPPORTED_API_VERSION`` if the org lacks the requested version.
    """
    versions = sorted(
        {
            str(entry["version"])
            for entry in available
            if isinstance(entry, dict) and _VERSION.fullmatch(str(entry.get("version")))
        },
        key=_version_key,
    )
    if not versions:
        raise SalesforceApiError(
            "the org listed no REST API versions at /services/data/",
            error_code="UNSUPPORTED_API_VERSION",
        )
    if requested is None:
        return versions[-1]
    if requested not in versions:
        raise SalesforceApiError(
            f"API version {requested} is not available on this org; it offers "
            f"{versions[0]} to {versions[-1]}",
            error_code="UNSUPPORTED_API_VERSION",
        )
    return requested


def normalize_api_version(value: object) -> str | None:
    """
    Accept ``"62.0"``, ``"v62.0"``, ``"62"`` or ``62.0``; return ``"62.0"`` (None stays None).

    Raises:
        ValueError: If the value does not look like an API version.
    """
    if value is None:
        return None
    text = str(value).strip().lower().removeprefix("v")
    if text.isdigit():
        text += ".0"
    parts = text.split(".")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ValueError(f"api_version must look like '62.0', got {value!r}")
    return text
