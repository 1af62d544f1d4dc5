"""
Where requests may go: the instance origin, URLs Salesforce hands back, and path segments.

* The token is sent only to the instance **origin**: same scheme, host and port.
* URLs that come from Salesforce (``nextRecordsUrl``, ``attributes.url``, result pages) are
  joined onto the instance URL as URLs, and must stay on its origin and under ``/services/``;
  query and Bulk continuations under the REST data root ``/services/data/vNN.N/``. The check
  runs on the decoded path: ``%2e%2e`` is a dot segment like ``..``, and a backslash, an empty
  segment (``//``) or a user name in the URL are refused.
* A value put into a path (an external id, an sObject name) is exactly one segment: ``/``,
  ``?``, ``#`` and ``%`` are escaped, and ``.``/``..`` cannot act as dot segments. Values the
  server hands back for a path (a Bulk job Id, an sObject name, an API version) are checked
  for their shape first: :func:`id_segment`, :func:`sobject_segment`, :func:`api_version`,
  joined by :func:`rest_path`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import httpx

from ..ids import is_valid_id

__all__ = [
    "ServerUrlError",
    "api_version",
    "id_segment",
    "origin_of",
    "path_segment",
    "resolve_data_url",
    "resolve_server_url",
    "rest_path",
    "retarget",
    "same_origin",
    "sobject_name",
    "sobject_segment",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: An sObject API name: letters, digits and underscores, starting with a letter
#: (``Account``, ``ns__Invoice__c``, ``Invoice__History``, ``Order_Event__e``).
_SOBJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SERVICES = "/services/"
#: The REST data root and its version: ``/services/data/v62.0/``.
_DATA_ROOT = re.compile(r"/services/data/v[1-9][0-9]{0,2}\.[0-9]/")
_VERSION = re.compile(r"[1-9][0-9]{0,2}\.[0-9]")
#: Characters no URL from Salesforce holds: a backslash (some parsers read it as ``/``),
#: whitespace and control characters (which parsers strip or split on).
_NEVER_IN_URL = re.compile(r"[\\\x00-\x20\x7f]")


class ServerUrlError(ValueError):
    """
    A URL or path value from Salesforce that would leave the instance origin, the expected
    root, or its one path segment (sans-I/O; callers turn it into a typed error).
    """


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


def resolve_server_url(instance_url: str, url: object, *, root: str = _SERVICES) -> str:
    """
    Join a URL that Salesforce sent (``attributes.url``, a result URL) onto the instance URL.

    The URL is joined as a URL, then checked on its decoded, normalised path: percent-encoded
    dot segments (``%2e%2e``), backslashes, empty segments (``//``), whitespace and a user
    name or password in the URL are refused, whatever the server meant by them.

    Args:
        instance_url: The session's instance, e.g. ``"https://acme.my.salesforce.com"``.
        url: The server-supplied URL, usually a path such as
            ``"/services/data/v62.0/query/01g...-2000"``; an absolute URL is accepted when it
            is on the instance origin.
        root: The path the URL must stay under (default ``"/services/"``).

    Returns:
        The absolute URL.

    Raises:
        ServerUrlError: If ``url`` is not a non-empty string, is not a URL, leaves the
            instance origin (another host, port or scheme, or carries a user name), or points
            outside ``root``.
    """
    joined = _joined(instance_url, url)
    if not joined.path.startswith(root):
        raise ServerUrlError(f"{url!r} points outside {root} on the instance")
    return str(joined)


def resolve_data_url(instance_url: str, url: object) -> str:
    """
    Join a continuation URL (``nextRecordsUrl`` of a query or a Bulk result listing) onto the
    instance URL; it must stay under the REST data root ``/services/data/vNN.N/``.

    Raises:
        ServerUrlError: As :func:`resolve_server_url`, or if the path is not under
            ``/services/data/vNN.N/`` (``/services/oauth2/revoke`` and
            ``/services/Soap/u/59.0`` are refused).
    """
    joined = _joined(instance_url, url)
    if not _DATA_ROOT.match(joined.path):
        raise ServerUrlError(
            f"{url!r} points outside the REST data root /services/data/vNN.N/ on the instance"
        )
    return str(joined)


def _joined(instance_url: str, url: object) -> httpx.URL:
    """Join and check everything but the root: origin, user name, decoded path."""
    if not isinstance(url, str) or not url:
        raise ServerUrlError(f"expected a URL, got {url!r}")
    if _NEVER_IN_URL.search(url):
        raise ServerUrlError(f"{url!r} holds a backslash, whitespace or a control character")
    try:
        joined = httpx.URL(instance_url).join(url)
    except (httpx.InvalidURL, UnicodeError) as exc:  # UnicodeError: a lone surrogate, say
        raise ServerUrlError(f"{url!r} is not a URL ({exc})") from None
    if joined.userinfo:
        raise ServerUrlError(f"{_without_userinfo(url)!r} carries user information before '@'")
    if not same_origin(joined, instance_url):
        raise ServerUrlError(f"{url!r} leaves the instance {instance_url}")
    # httpx.URL.path is already percent-decoded: "%2e%2e" reads ".." here, "%5c" a backslash.
    segments = joined.path.split("/")[1:]
    for position, segment in enumerate(segments):
        if segment in (".", "..") or "\\" in segment or _NEVER_IN_URL.search(segment):
            raise ServerUrlError(f"{url!r} holds a dot segment or a backslash once decoded")
        if not segment and position != len(segments) - 1:
            raise ServerUrlError(f"{url!r} holds an empty path segment (//)")
    return joined


def _without_userinfo(url: str) -> str:
    """The URL with its ``user:password@`` replaced, for a message that must not show it."""
    return re.sub(r"//[^/@]*@", "//[REDACTED]@", url, count=1)


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


def sobject_segment(name: object) -> str:
    """Check an sObject API name (see :func:`sobject_name`) and return it as a path segment."""
    return path_segment(sobject_name(name))


def id_segment(value: object, *, what: str = "Id") -> str:
    """
    Check a Salesforce Id (a record, a Bulk job) before it enters a path; return it.

    Args:
        value: The Id, typically handed back by Salesforce (a Bulk job's ``id``).
        what: What the Id names, for the message (``"Bulk job Id"``).

    Raises:
        ServerUrlError: If it is not 15 or 18 letters and digits with a valid checksum
            (``"../../oauth2/revoke"`` and ``"a b?c#d"`` are refused).
    """
    if not is_valid_id(value):
        raise ServerUrlError(
            f"{what} {value!r} is not a Salesforce Id (15 or 18 letters and digits with a "
            "valid checksum)"
        )
    assert isinstance(value, str)
    return value


def api_version(value: object) -> str:
    """
    Check an API version before it enters a path; return it as ``"NN.N"``.

    Accepts ``"62.0"``, ``"v62.0"`` and the number ``62.0`` (Bulk job infos carry a number).

    Raises:
        ServerUrlError: If it is not a version of that shape (``"1/../../evil"`` is refused).
    """
    text = value
    if isinstance(value, float):
        text = f"{value:.1f}"
    elif isinstance(value, str) and value[:1] in ("v", "V"):
        text = value[1:]
    if isinstance(value, bool) or not isinstance(text, str) or not _VERSION.fullmatch(text):
        raise ServerUrlError(f"{value!r} is not an API version such as 62.0")
    return text


def rest_path(version: object, *segments: str) -> str:
    """
    Build a path under the REST data root: ``/services/data/v{version}/{segment}/...``.

    Each segment must already be exactly one segment: a constant (``"jobs"``), or a value
    that went through :func:`id_segment`, :func:`sobject_segment` or :func:`path_segment`.

    Example: ``rest_path("62.0", "jobs", "ingest", id_segment(job_id), "batches")`` is
    ``"/services/data/v62.0/jobs/ingest/750.../batches"``.

    Raises:
        ServerUrlError: If the version is malformed (see :func:`api_version`), or a segment
            is empty, holds ``/``, ``?``, ``#`` or a backslash, or is a dot segment (also
            when percent-decoded).
    """
    parts = [f"v{api_version(version)}"]
    for segment in segments:
        decoded = unquote(segment) if isinstance(segment, str) else None
        if (
            not isinstance(segment, str)
            or not segment
            or any(char in segment for char in "/?#")
            or decoded in (".", "..")
            or "/" in (decoded or "")
            or "\\" in (decoded or "")
            or _NEVER_IN_URL.search(decoded or "")
        ):
            raise ServerUrlError(f"{segment!r} is not one path segment")
        parts.append(segment)
    return "/services/data/" + "/".join(parts)


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
