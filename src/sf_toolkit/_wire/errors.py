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
    RedirectError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
    SalesforceTimeoutError,
    ServerError,
    UnexpectedResponseError,
)
from .secrets import mask, request_secrets
from .text import looks_like_html, readable_text, shorten

__all__ = [
    "ErrorBody",
    "body_text",
    "connection_error",
    "error_from_response",
    "is_redirect",
    "is_session_expired",
    "is_unknown_host",
    "json_body",
    "parse_error_body",
    "redirect_target",
    "renewal_refused",
    "request_label",
    "timeout_error",
    "undecodable_body",
    "unexpected_answer",
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
    content = _content(response)
    try:
        body: Any = json.loads(content) if content.strip() else None
    except ValueError:
        body = None
        text = body_text(response)
        if text:
            return ErrorBody(None, text)
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


def body_text(response: httpx.Response) -> str:
    """
    A non-JSON body as one short line: an HTML page's title and visible text, other text as
    it is (shortened); ``""`` for an empty body.
    """
    text = _content(response).decode("utf-8", "replace")
    if looks_like_html(response.headers.get("Content-Type", ""), text):
        text = readable_text(text)
    return shorten(text) if text.strip() else ""


def _reason(response: httpx.Response) -> str:
    return response.reason_phrase or f"HTTP {response.status_code}"


def _content(response: httpx.Response) -> bytes:
    try:
        return response.content
    except httpx.ResponseNotRead:
        return b""


def _request(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a response built without a request
        return None


def _context(
    response: httpx.Response, base_path: str
) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    """An answer's method, URL label, the secrets its request knew, and its body, masked."""
    method = url = None
    secrets: tuple[str, ...] = ()
    request = _request(response)
    if request is not None:
        method, url = request.method, request_label(request, base_path=base_path)
        secrets = request_secrets(request)
    body = mask(_content(response).decode("utf-8", "replace"), secrets) or None
    return method, url, secrets, body


def is_redirect(response: httpx.Response) -> bool:
    """Whether an answer is a redirect (3xx other than 300, which lists external id matches)."""
    return 300 < response.status_code < 400


def redirect_target(response: httpx.Response) -> str | None:
    """The absolute URL a redirect points to, or ``None`` when it has no ``Location``."""
    location: str | None = response.headers.get("Location")
    if not location:
        return None
    request = _request(response)
    try:
        return str(request.url.join(location)) if request is not None else location
    except httpx.InvalidURL:
        return location


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
    method, url, secrets, body = _context(response, base_path)
    if is_redirect(response):
        target = redirect_target(response)
        target = mask(target, secrets) if target else None
        where = f"redirects to {target}" if target else "is a redirect without a Location"
        return RedirectError(
            f"the answer {where}; redirects are not followed, so that no token or password "
            "travels to another address (check the domain or instance URL)",
            location=target,
            status_code=response.status_code,
            method=method,
            url=url,
            body=body,
        )
    parsed = parse_error_body(response)
    cls = _exception_class(response.status_code, parsed.error_code)
    return cls(
        mask(parsed.message, secrets),
        status_code=response.status_code,
        error_code=mask(parsed.error_code, secrets) if parsed.error_code else None,
        fields=parsed.fields,
        method=method,
        url=url,
        body=body,
    )


def unexpected_answer(
    response: httpx.Response, problem: str, *, base_path: str = ""
) -> UnexpectedResponseError:
    """
    Return the :class:`UnexpectedResponseError` for an answer that is not what its resource
    documents; ``problem`` says what is wrong, for example ``"the body is not JSON"``.
    """
    method, url, secrets, body = _context(response, base_path)
    return UnexpectedResponseError(
        mask(problem, secrets),
        status_code=response.status_code,
        error_code="UNEXPECTED_RESPONSE",
        method=method,
        url=url,
        body=body,
    )


def json_body(
    response: httpx.Response,
    *,
    expect: type[Any] | tuple[type[Any], ...] = (dict, list),
    base_path: str = "",
) -> Any:
    """
    Parse a successful answer's JSON body, checking it is of the ``expect`` type(s).

    Raises:
        UnexpectedResponseError: If the body is not JSON (cut off, HTML, empty) or is JSON of
            another shape.
    """
    content = _content(response)
    try:
        data = json.loads(content)
    except ValueError:
        shown = body_text(response) or "an empty body"
        raise unexpected_answer(
            response, f"the answer is not JSON (cut off?): {shown}", base_path=base_path
        ) from None
    if not isinstance(data, expect):
        wanted = expect if isinstance(expect, tuple) else (expect,)
        names = " or ".join(_JSON_NAMES.get(kind, kind.__name__) for kind in wanted)
        raise unexpected_answer(
            response,
            f"the answer is JSON {_JSON_NAMES.get(type(data), type(data).__name__)}, "
            f"expected {names}",
            base_path=base_path,
        )
    return data


_JSON_NAMES: dict[type[Any], str] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def is_session_expired(response: httpx.Response) -> bool:
    """
    Tell whether an answer means "log in again": any 401 (usually ``INVALID_SESSION_ID``).

    Salesforce reports an expired or revoked session with 401, never 403.
    """
    return response.status_code == 401


#: How resolvers say a name does not exist (glibc, macOS, Windows, musl). "Temporary failure in
#: name resolution" is not among them: that one may pass.
_UNKNOWN_HOST = (
    "Name or service not known",
    "nodename nor servname provided",
    "No address associated with hostname",
    "getaddrinfo failed",
    "Name does not resolve",
)


def is_unknown_host(error: BaseException) -> bool:
    """Whether a connect error says the host name does not exist (a wrong domain, not a blip)."""
    return isinstance(error, httpx.ConnectError) and any(
        marker in str(error) for marker in _UNKNOWN_HOST
    )


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
    secrets = request_secrets(request)
    host = request.url.host
    where = f"{host}:{request.url.port}" if request.url.port else host
    if is_unknown_host(error):
        what = f"could not connect to {where}: no such host (check the domain or instance URL)"
    elif isinstance(error, httpx.ConnectError):
        what = f"could not connect to {where}"
    elif isinstance(error, httpx.TimeoutException):
        what = f"{where} did not answer in time"
    else:
        what = f"the connection to {where} failed"
    return SalesforceConnectionError(
        mask(f"{what} ({kind}: {detail}) on {request.method} {label}", secrets)
    )


def timeout_error(
    request: httpx.Request, budget: float | None, attempts: int, *, base_path: str = ""
) -> SalesforceTimeoutError:
    """Return the :class:`SalesforceTimeoutError` for a call that ran out of its time budget."""
    label = request_label(request, base_path=base_path)
    tries = f"{attempts} attempt{'' if attempts == 1 else 's'}"
    return SalesforceTimeoutError(
        f"{request.method} {label} on {request.url.host} did not complete within its time "
        f"budget of {budget:g} s ({tries}); raise RetryPolicy(budget=...) if the call "
        "legitimately takes longer"
    )


def renewal_refused(response: httpx.Response, *, base_path: str = "") -> SalesforceApiError:
    """
    Return the error for a 401 that came back although the session was just renewed.

    It carries Salesforce's own code and message (``INVALID_OPERATION_WITH_EXPIRED_PASSWORD``,
    say), with a note that a renewal was tried; never the token.
    """
    error = error_from_response(response, base_path=base_path)
    return type(error)(
        f"{error.message} (refused again after the session was renewed)",
        status_code=error.status_code,
        error_code=error.error_code,
        fields=error.fields,
        method=error.method,
        url=error.url,
        body=error.body,
    )


def undecodable_body(
    request: httpx.Request, error: httpx.DecodingError, *, base_path: str = ""
) -> UnexpectedResponseError:
    """
    Return the error for an answer whose body does not match its ``Content-Encoding`` (a
    ``gzip`` header on a body that is not gzip, say); the caller raises it ``from error``.
    """
    return UnexpectedResponseError(
        f"the answer's body does not match its Content-Encoding ({error})",
        error_code="UNEXPECTED_RESPONSE",
        method=request.method,
        url=request_label(request, base_path=base_path),
    )
