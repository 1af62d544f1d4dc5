"""
Where a login goes: turn the ``domain=`` argument of every login into a base URL.

One parser for all logins, so ``"login"``, ``"test"``, My Domain hosts and local URLs mean the
same thing everywhere.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["PRODUCTION_URL", "SANDBOX_URL", "is_generic_login_url", "login_base_url"]

PRODUCTION_URL = "https://login.salesforce.com"
SANDBOX_URL = "https://test.salesforce.com"

_NAMED = {"login": PRODUCTION_URL, "test": SANDBOX_URL}
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+(?::[0-9]{{1,5}})?$|^localhost(?::[0-9]{{1,5}})?$")
_HINT = (
    "use 'login', 'test', a My Domain host such as 'acme.my.salesforce.com', "
    "or a URL with scheme such as 'http://127.0.0.1:8123'"
)


def login_base_url(domain: str) -> str:
    """
    Return the base URL (scheme, host, optional port and path; no trailing slash) of a login domain.

    Accepted forms:

    * ``"login"`` (production, https://login.salesforce.com) and ``"test"`` (sandboxes,
      https://test.salesforce.com);
    * a host such as ``"acme.my.salesforce.com"`` or ``"acme--dev.sandbox.my.salesforce.com"``
      (https is implied), including simple-salesforce's short form ``"acme.my"``, which expands to
      ``acme.my.salesforce.com``;
    * a full URL with an ``http`` or ``https`` scheme, such as ``"http://127.0.0.1:8123"`` for a
      local fake org or an Experience Cloud site URL with a path.

    Args:
        domain: The ``domain=`` argument of a login.

    Returns:
        The base URL, for example ``"https://login.salesforce.com"``.

    Raises:
        ValueError: If the domain is none of the forms above, or is an IP address or
            ``localhost`` without a scheme (``"127.0.0.1:8080"``: http or https?); the message
            names it.
    """
    if not isinstance(domain, str):
        raise TypeError(f"domain must be a str, not {type(domain).__name__}")
    text = domain.strip()
    if text.lower() in _NAMED:
        return _NAMED[text.lower()]
    if "://" in text:
        return _url_base(domain, text)
    host = text.rstrip("/")
    if host.endswith((".my", ".sandbox.my")):
        host = f"{host}.salesforce.com"
    if not _HOST.match(host):
        raise ValueError(f"unknown login domain {domain!r}: {_HINT}")
    if _is_local(host):
        raise ValueError(
            f"login domain {domain!r} has no scheme: a local address is usually a plain-HTTP "
            f"server (a fake org), so say which: 'http://{host}' or 'https://{host}'"
        )
    return f"https://{host.lower()}"


def _is_local(host: str) -> bool:
    """Whether ``host[:port]`` is an IP address or ``localhost``, which imply no scheme."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _url_base(domain: str, text: str) -> str:
    """Validate a domain given as a URL and return it without query, fragment or trailing slash."""
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(
            f"unknown login domain {domain!r}: the URL scheme must be http or https; {_HINT}"
        )
    if not parts.hostname or not _HOST.match(parts.netloc) or parts.query or parts.fragment:
        raise ValueError(f"unknown login domain {domain!r}: {_HINT}")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def is_generic_login_url(base_url: str) -> bool:
    """Tell whether a base URL is the shared production or sandbox login host (not a My Domain)."""
    return base_url in (PRODUCTION_URL, SANDBOX_URL)
