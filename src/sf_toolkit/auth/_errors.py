"""Build login errors that name the failure and never carry a secret."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from ..exceptions import AuthenticationError

__all__ = ["login_error", "redact"]

_MASK = "[REDACTED]"
_MIN_SECRET = 4  # shorter "secrets" would mask ordinary words in messages


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each secret in ``text`` with a mask."""
    for secret in sorted(
        (s for s in secrets if s and len(s) >= _MIN_SECRET), key=len, reverse=True
    ):
        text = text.replace(secret, _MASK)
    return text


def login_error(
    message: str,
    *,
    secrets: Iterable[str | None] = (),
    error_code: str | None = None,
    response: httpx.Response | None = None,
) -> AuthenticationError:
    """
    Return an :class:`AuthenticationError` whose message has every secret masked.

    When the failure came with a response, its status, method and URL (without query string) are
    recorded too.
    """
    secrets = tuple(secrets)
    status_code = method = url = None
    if response is not None:
        status_code = response.status_code
        try:
            request = response.request
        except RuntimeError:  # a response built without a request
            pass
        else:
            method = request.method
            url = str(request.url.copy_with(query=None, fragment=None))
    return AuthenticationError(
        redact(message, secrets),
        status_code=status_code,
        error_code=redact(error_code, secrets) if error_code else None,
        method=method,
        url=url,
    )
