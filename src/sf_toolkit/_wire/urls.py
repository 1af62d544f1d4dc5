"""
Where requests may go: the instance origin, URLs Salesforce hands back, and path segments.

* The token is sent only to the instance **origin**: same scheme, host and port.
* URLs that come from Salesforce (``nextRecordsUrl``, ``attributes.url``, result pages) are
  joined onto the instance URL as URLs, and must stay on its origin and under ``/services/``.
* A value put into a path (an external id, an sObject name) is exactly one segment: ``/``,
  ``?``, ``#`` and ``%`` are escaped, and ``.``/``..`` cannot act as dot segments.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

__all__ = [
    "ServerUrlError",
    "origin_of",
    "path_segment",
    "resolve_server_url",
    "retarget",
    "same_origin",
    "sobject_name",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: An sObject API name: letters, digits and underscores, starting with a letter
#: (``Account``, ``ns__Invoice__c``, ``Invoice__History``, ``Order_Event__e``).
_SOBJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SERVICES = "/services/"


class ServerUrlError(ValueError):
    """A URL from Salesforce that leaves the instance origin or ``/services/`` (sans-I/O)."""


def origin_of(url: httpx.URL | str) -> tuple[str, str, int | None]:
    """Return ``(scheme, host, port)`` with the scheme's default port made explicit."""
    parsed = httpx.URL(url)
    scheme = parsed.scheme.lower()
    return scheme, parsed.host.lower(), parsed.port or _DEFAULT_PORTS.get(scheme)


def same_origin(url: httpx.URL | str, instance_url: str) -> bool:
    """Whether ``url`` is on the instance's origin: same scheme, host and port."""
    try:
        return origin_of(url) == origin_of(instance_url)
    except httpx.InvalidURL:
        return False


def resolve_server_url(instance_url: str, url: object) -> str:
    """
    Join a URL that Salesforce sent (``nextRecordsUrl`` and the like) onto the instance URL.

    Args:
        instance_url: The session's instance, e.g. ``"https://acme.my.salesforce.com"``.
        url: The server-supplied URL, usually a path such as
            ``"/services/data/v62.0/query/01g...-2000"``; an absolute URL is accepted when it
            is on the instance origin.

    Returns:
        The absolute URL.

    Raises:
        ServerUrlError: If ``url`` is not a string, is not a URL, leaves the instance origin
            (another host, port or scheme), or points outside ``/services/``.
    """
    if not isinstance(url, str) or not url:
        raise ServerUrlError(f"expected a URL, got {url!r}")
    try:
        joined = httpx.URL(instance_url).join(url)
    except httpx.InvalidURL as exc:
        raise ServerUrlError(f"{url!r} is not a URL ({exc})") from None
    if not same_origin(joined, instance_url):
        raise ServerUrlError(f"{url!r} leaves the instance {instance_url}")
    if not joined.path.startswith(_SERVICES):
        raise ServerUrlError(f"{url!r} points outside {_SERVICES} on the instance")
    return str(joined)


def path_segment(value: str) -> str:
    """
    Percent-encode ``value`` as exactly one path segment.

    ``/``, ``?``, ``#`` and ``%`` are escaped, and a value made only of dots (``.``, ``..``)
    has its dots escaped too, so that URL normalisation cannot remove it as a dot segment.

    Raises:
        ValueError: If ``value`` is empty (an empty segment would merge its neighbours).
    """
    if not value:
        raise ValueError("a value placed in a URL path cannot be empty")
    encoded = quote(value, safe="")
    if set(encoded) == {"."}:
        encoded = "%2E" * len(encoded)
    return encoded


def sobject_name(name: object) -> str:
    """
    Check an sObject API name before it enters a path; return it.

    Raises:
        ValueError: If it is not a name of letters, digits and underscores starting with a
            letter (``"Account/../../services/oauth2/revoke"`` is refused).
    """
    if not isinstance(name, str) or not _SOBJECT_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not an sObject API name (letters, digits and underscores, "
            "starting with a letter)"
        )
    return name


def retarget(request: httpx.Request, old_instance: str, new_instance: str) -> httpx.Request:
    """
    Return ``request`` moved to a new instance when a session renewal changed the instance URL.

    A request for the old instance's origin gets the new origin (scheme, host and port), path
    and query unchanged; any other request is returned as it is.
    """
    if origin_of(old_instance) == origin_of(new_instance) or not same_origin(
        request.url, old_instance
    ):
        return request
    target = httpx.URL(new_instance)
    url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
    headers = request.headers.copy()
    headers["Host"] = url.netloc.decode("ascii")
    return httpx.Request(
        request.method, url, headers=headers, stream=request.stream, extensions=request.extensions
    )
