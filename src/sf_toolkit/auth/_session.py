"""The result of every login: a token and the instance it is valid for."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import attrs

__all__ = ["Session", "is_instance_url", "normalize_instance_url"]

_LEGACY_API_HOST = re.compile(r"^([a-z0-9]+)-api\.(salesforce\.com)$")


def normalize_instance_url(url: str) -> str:
    """
    Reduce a server URL to the instance URL: scheme and host (and port), no path, no slash.

    Legacy API hosts such as ``na1-api.salesforce.com`` become ``na1.salesforce.com``.

    Raises:
        ValueError: If the URL has no http(s) scheme or no host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"instance_url must be an http(s) URL with a host, got {url!r}")
    netloc = parts.netloc.lower().rsplit("@", 1)[-1]
    host, sep, port = netloc.partition(":")
    host = _LEGACY_API_HOST.sub(r"\1.\2", host)
    return f"{parts.scheme.lower()}://{host}{sep}{port}"


def is_instance_url(url: object) -> bool:
    """Whether a value from a login answer can be an instance URL (http(s) with a host)."""
    if not isinstance(url, str):
        return False
    try:
        normalize_instance_url(url)
    except ValueError:
        return False
    return True


@attrs.frozen
class Session:
    """
    An access token and the org instance it is valid for, as returned by a login.

    The tokens never appear in ``repr()``.

    Attributes:
        access_token: The bearer token for REST calls.
        instance_url: Scheme and host of the org, e.g. ``"https://acme.my.salesforce.com"``.
        refresh_token: A refresh token, when the login granted one.
        user_id: The logged-in user's Id, when known.
        org_id: The org's Id, when known.
        issued_at: When the token was issued, in epoch seconds, when known.
        expires_at: When the token expires, in epoch seconds, when known (SOAP logins say;
            OAuth responses do not).
    """

    access_token: str = attrs.field(repr=False)
    instance_url: str = attrs.field(converter=normalize_instance_url)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    user_id: str | None = None
    org_id: str | None = None
    issued_at: float | None = None
    expires_at: float | None = None

    def expires_within(self, seconds: float, *, now: float) -> bool:
        """
        Tell whether the token expires less than ``seconds`` after ``now`` (epoch seconds).

        A session without a known expiry never "expires within" anything: a 401 will tell.
        """
        return self.expires_at is not None and self.expires_at - now < seconds
