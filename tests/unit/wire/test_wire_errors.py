"""error_from_response: Salesforce error answers become typed exceptions."""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit._wire.errors import (
    connection_error,
    error_from_response,
    is_session_expired,
    parse_error_body,
    request_label,
)
from sf_toolkit.exceptions import (
    AuthenticationError,
    MultipleChoicesError,
    NotFoundError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
    ServerError,
)

BASE = "https://acme.my.salesforce.com/services/data/v62.0"


def response(
    status: int,
    body: object = None,
    *,
    content: bytes | None = None,
    method: str = "GET",
    path: str = "/sobjects/Account/001000000000001AAA",
) -> httpx.Response:
    """An answer to a request under the REST root."""
    request = httpx.Request(method, f"{BASE}{path}")
    if content is not None:
        return httpx.Response(status, content=content, request=request)
    return httpx.Response(status, json=body, request=request)


def error(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, object]]:
    """A REST error array."""
    item: dict[str, object] = {"errorCode": code, "message": message}
    if fields is not None:
        item["fields"] = fields
    return [item]


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            300,
            ["/services/data/v62.0/sobjects/Account/001A", "/sobjects/Account/001B"],
            MultipleChoicesError,
        ),
        (400, error("INVALID_FIELD", "No such column 'Foo'"), SalesforceApiError),
        (401, error("INVALID_SESSION_ID", "Session expired or invalid"), AuthenticationError),
        (403, error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), RequestLimitError),
        (403, error("INSUFFICIENT_ACCESS", "no access"), SalesforceApiError),
        (404, error("NOT_FOUND", "The requested resource does not exist"), NotFoundError),
        (409, error("CONFLICT", "conflict"), SalesforceApiError),
        (500, error("UNKNOWN_EXCEPTION", "An unexpected error occurred"), ServerError),
        (502, None, ServerError),
        (503, error("SERVER_UNAVAILABLE", "try later"), ServerError),
    ],
)
def test_status_selects_the_exception_class(
    status: int, body: object, cls: type[SalesforceApiError]
) -> None:
    """Each status (and REQUEST_LIMIT_EXCEEDED) maps to the exception users catch."""
    exc = error_from_response(response(status, body))
    assert type(exc) is cls
    assert exc.status_code == status


def test_message_reads_status_code_method_and_path() -> None:
    """str() reads '404 NOT_FOUND on GET /sobjects/...: message' with the base path stripped."""
    exc = error_from_response(
        response(404, error("NOT_FOUND", "The requested resource does not exist")),
        base_path="/services/data/v62.0",
    )
    assert str(exc) == (
        "404 NOT_FOUND on GET /sobjects/Account/001000000000001AAA: "
        "The requested resource does not exist"
    )
    assert exc.method == "GET"
    assert exc.url == "/sobjects/Account/001000000000001AAA"
    assert exc.error_code == "NOT_FOUND"


def test_fields_are_kept() -> None:
    """The error's fields list is copied to the exception."""
    body = error("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"])
    exc = error_from_response(response(400, body, method="POST", path="/sobjects/Account"))
    assert exc.fields == ("Name",)
    assert exc.message == "Required fields are missing: [Name]"


def test_without_base_path_the_full_path_is_kept() -> None:
    """Without base_path the URL is the request's full path."""
    exc = error_from_response(response(404, error("NOT_FOUND", "gone")))
    assert exc.url == "/services/data/v62.0/sobjects/Account/001000000000001AAA"


def test_base_path_with_trailing_slash_is_stripped() -> None:
    """A base path given with a trailing slash is stripped all the same."""
    exc = error_from_response(
        response(404, error("NOT_FOUND", "gone")), base_path="/services/data/v62.0/"
    )
    assert exc.url == "/sobjects/Account/001000000000001AAA"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>Bad   Gateway</body></html>", "Bad Gateway"),
        (b"", "Service Unavailable"),
        (b"x" * 1000, "x" * 300 + "…"),
    ],
)
def test_non_json_bodies_give_a_short_message(content: bytes, message: str) -> None:
    """HTML, empty and huge non-JSON bodies become a short one-line message."""
    exc = error_from_response(response(503, content=content))
    assert exc.message == message
    assert exc.error_code is None
    assert str(exc).startswith("503 on GET ")


def test_single_error_object_is_read() -> None:
    """An error given as a single object (not an array) is read too."""
    exc = error_from_response(response(400, {"errorCode": "INVALID_TYPE", "message": "bad type"}))
    assert (exc.error_code, exc.message) == ("INVALID_TYPE", "bad type")


def test_oauth_shaped_error_is_read() -> None:
    """An OAuth-shaped error object gives its error and description."""
    body = {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    exc = error_from_response(response(400, body))
    assert (exc.error_code, exc.message) == ("invalid_grant", "expired access/refresh token")


def test_multiple_choices_lists_the_matches() -> None:
    """A 300 answer names how many records matched and lists them."""
    body = [f"/services/data/v62.0/sobjects/Account/00100000000000{i}AAA" for i in range(7)]
    exc = error_from_response(response(300, body))
    assert exc.error_code == "MULTIPLE_CHOICES"
    assert "matched 7 records" in exc.message
    assert exc.message.endswith(", …")


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("q=SELECT+Id+FROM+Account", "/query?q=SELECT+Id+FROM+Account"),
        ("access_token=SECRET1&x=1", "/query?access_token=[REDACTED]&x=1"),
        (
            "client_secret=SECRET1&password=SECRET2",
            "/query?client_secret=[REDACTED]&password=[REDACTED]",
        ),
    ],
)
def test_request_label_masks_query_secrets(query: str, label: str) -> None:
    """Secret query parameters are masked; ordinary ones are kept."""
    request = httpx.Request("GET", f"{BASE}/query?{query}")
    assert request_label(request, base_path="/services/data/v62.0") == label


def test_error_url_never_contains_a_query_secret() -> None:
    """A token in the query string never reaches the exception."""
    exc = error_from_response(response(400, error("X", "y"), path="/query?access_token=SECRET9"))
    assert "SECRET9" not in str(exc)
    assert "SECRET9" not in (exc.url or "")


def test_response_without_request_still_maps() -> None:
    """A response not tied to a request maps without method or URL."""
    exc = error_from_response(httpx.Response(404, json=error("NOT_FOUND", "gone")))
    assert type(exc) is NotFoundError
    assert (exc.method, exc.url) == (None, None)
    assert str(exc) == "404 NOT_FOUND: gone"


def test_unread_streaming_body_does_not_crash() -> None:
    """A streamed response whose body was not read maps with the reason phrase."""
    request = httpx.Request("GET", f"{BASE}/limits")
    streamed = httpx.Response(503, stream=httpx.ByteStream(b"later"), request=request)
    assert parse_error_body(streamed).message == "Service Unavailable"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, error("INVALID_SESSION_ID", "Session expired or invalid"), True),
        (401, error("INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE"), True),
        (403, error("INSUFFICIENT_ACCESS", "no"), False),
        (200, {}, False),
    ],
)
def test_is_session_expired(status: int, body: object, expected: bool) -> None:
    """Any 401 means log in again; nothing else does."""
    assert is_session_expired(response(status, body)) is expected


def test_connection_error_names_the_request_and_chains() -> None:
    """A transport error becomes a SalesforceConnectionError naming the method and path."""
    request = httpx.Request("GET", f"{BASE}/query?q=x&access_token=SECRET")
    cause = httpx.ConnectError("[Errno 111] Connection refused", request=request)
    exc = connection_error(cause, base_path="/services/data/v62.0")
    assert isinstance(exc, SalesforceConnectionError)
    assert str(exc) == (
        "could not connect to acme.my.salesforce.com (ConnectError: [Errno 111] Connection "
        "refused) on GET /query?q=x&access_token=[REDACTED]"
    )


def test_connection_error_without_request() -> None:
    """A transport error without a request still gives a readable message."""
    exc = connection_error(httpx.ReadTimeout("timed out"))
    assert str(exc) == "ReadTimeout: timed out"
