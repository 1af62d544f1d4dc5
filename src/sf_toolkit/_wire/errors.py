"""
Turn Salesforce error answers into exceptions of :mod:`sf_toolkit.exceptions`.

Salesforce's REST errors are a JSON array whose first element holds ``errorCode``, ``message``
and ``fields``; gateways may answer with HTML or plain text instead. :func:`error_from_response`
copes with both and picks the subclass users catch.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
import httpx

from ..exceptions import (
    AuthenticationError,
    MultipleChoicesError,
    NotFoundError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
    ServerError,
)

__all__ = [
    "ErrorBody",
    "connection_error",
    "error_from_response",
    "is_session_expired",
    "parse_error_body",
    "request_label",
]

_SECRET_PARAMS = frozenset(
    {
        "access_token",
        "refresh_token",
        "token",
        "client_secret",
        "password",
        "code",
        "assertion",
        "sessionid",
        "sid",
    }
)
_MAX_TEXT = 300  # characters of a non-JSON body kept as the message


@attrs.frozen
class ErrorBody:
    """
    The first error of an error answer.

    Attributes:
        error_code: Salesforce's ``errorCode`` (or OAuth ``error``), when the body has one.
        message: The message, or a short text derived from a non-JSON body or the status.
        fields: The fields the error names, possibly empty.
    """

    error_code: str | None
    message: str
    fields: tuple[str, ...] = ()


def parse_error_body(response: httpx.Response) -> ErrorBody:
    """
    Read the error code, message and fields of an error answer of any shape.

    Handles the REST error array, a single error object, OAuth's ``error``/``error_description``,
    the 300 answer (a list of record URLs), and non-JSON bodies.
    """
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    try:
        body: Any = json.loads(content) if content.strip() else None
    except ValueError:
        body = None
        text = " ".join(content.decode("utf-8", "replace").split())
        if text:
            message = text if len(text) <= _MAX_TEXT else f"{text[:_MAX_TEXT]}…"
            return ErrorBody(None, message)
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict):
        code = body.get("errorCode") or body.get("error") or body.get("statusCode")
        message = body.get("message") or body.get("error_description") or ""
        fields = body.get("fields")
        return ErrorBody(
            str(code) if code else None,
            str(message) or _reason(response),
            tuple(str(f) for f in fields) if isinstance(fields, list) else (),
        )
    if response.status_code == 300 and isinstance(body, list):
        choices = [str(choice) for choice in body]
        listed = ", ".join(choices[:5]) + (", …" if len(choices) > 5 else "")
        return ErrorBody(
            "MULTIPLE_CHOICES", f"the external id matched {len(choices)} records: {listed}"
        )
    return ErrorBody(None, _reason(response))


def _reason(response: httpx.Response) -> str:
    return response.reason_phrase or f"HTTP {response.status_code}"


def request_label(request: httpx.Request, *, base_path: str = "") -> str:
    """
    Return the request's path for messages: ``base_path`` stripped, secret query values masked.

    ``/services/data/v62.0/sobjects/Account/001`` with ``base_path="/services/data/v62.0"``
    becomes ``/sobjects/Account/001``.
    """
    path = request.url.path
    base = base_path.rstrip("/")
    if base and (path == base or path.startswith(f"{base}/")):
        path = path[len(base) :] or "/"
    query = request.url.query.decode("ascii", "replace")
    if not query:
        return path
    pairs = [
        (key, "[REDACTED]" if key.lower() in _SECRET_PARAMS else value)
        for key, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs, safe='[],/:')}"


def _exception_class(status: int, error_code: str | None) -> type[SalesforceApiError]:
    if error_code == "REQUEST_LIMIT_EXCEEDED":
        return RequestLimitError
    if status == 300:
        return MultipleChoicesError
    if status == 401:
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status >= 500:
        return ServerError
    return SalesforceApiError


def error_from_response(response: httpx.Response, *, base_path: str = "") -> SalesforceApiError:
    """
    Return the exception for an error answer (the caller raises it).

    The class follows the status: 300 :class:`MultipleChoicesError`, 401
    :class:`AuthenticationError` (a 401 that survived the re-login), ``REQUEST_LIMIT_EXCEEDED``
    :class:`RequestLimitError`, 404 :class:`NotFoundError`, 5xx :class:`ServerError`, anything
    else :class:`SalesforceApiError`. ``str()`` reads like ``"404 NOT_FOUND on GET
    /sobjects/Account/001…: The requested resource does not exist"``.

    Args:
        response: The answer, with its body read.
        base_path: Stripped from the front of the URL in the message, e.g.
            ``"/services/data/v62.0"``.
    """
    parsed = parse_error_body(response)
    method = url = None
    try:
        request = response.request
    except RuntimeError:  # a response built without a request
        pass
    else:
        method, url = request.method, request_label(request, base_path=base_path)
    cls = _exception_class(response.status_code, parsed.error_code)
    return cls(
        parsed.message,
        status_code=response.status_code,
        error_code=parsed.error_code,
        fields=parsed.fields,
        method=method,
        url=url,
    )


def is_session_expired(response: httpx.Response) -> bool:
    """
    Tell whether an answer means "log in again": any 401 (usually ``INVALID_SESSION_ID``).

    Salesforce reports an expired or revoked session with 401, never 403.
    """
    return response.status_code == 401


def connection_error(
    error: httpx.TransportError, request: httpx.Request | None = None, *, base_path: str = ""
) -> SalesforceConnectionError:
    """
    Return the :class:`SalesforceConnectionError` for a request that got no answer.

    The caller raises it ``from error`` so the httpx exception stays chained.
    """
    kind = type(error).__name__
    detail = str(error) or kind
    if request is None:
        try:
            request = error.request
        except RuntimeError:
            request = None
    if request is None:
        return SalesforceConnectionError(f"{kind}: {detail}")
    label = request_label(request, base_path=base_path)
    return SalesforceConnectionError(f"{kind} on {request.method} {label}: {detail}")
