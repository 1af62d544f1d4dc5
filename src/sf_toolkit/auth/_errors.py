"""Build login errors that name the failure and never carry a secret."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from .._wire.secrets import mask, request_secrets
from ..exceptions import AuthenticationError
from ._base import Login

__all__ = ["login_error", "login_secrets", "redact"]

#: The attributes of logins that hold secrets.
_SECRET_ATTRIBUTES = ("password", "security_token", "client_secret", "refresh_token", "private_key")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret in ``text``, in each encoding it may travel in, with a mask."""
    return mask(text, secrets)


def login_secrets(login: Login) -> tuple[str, ...]:
    """
    Return the secrets a login holds: password, security token (and the two joined, as sent),
    client secret, refresh token and private key, whichever it has.
    """
    found: list[str] = []
    for name in _SECRET_ATTRIBUTES:
        value = getattr(login, name, None)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value:
            found.append(value)
    password = getattr(login, "password", None)
    token = getattr(login, "security_token", None)
    if isinstance(password, str) and isinstance(token, str) and token:
        found.append(password + token)
    return tuple(found)


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
            secrets += request_secrets(request)
    return AuthenticationError(
        redact(message, secrets),
        status_code=status_code,
        error_code=redact(error_code, secrets) if error_code else None,
        method=method,
        url=url,
    )
