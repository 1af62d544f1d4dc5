"""
Building Salesforce-shaped HTTP responses: JSON bodies, error arrays and the call context.

Every REST error body is a JSON *array* of ``{"message", "errorCode", "fields"?}`` objects, which
is what clients read (``[0]["errorCode"]``); handlers raise :class:`ApiError` and the router turns
it into that shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ._protocols import DmlError
from ._store import Store

__all__ = [
    "ApiError",
    "Call",
    "empty",
    "error_response",
    "json_response",
    "not_allowed",
    "parse_json",
]

JSON_TYPE = "application/json;charset=UTF-8"
CHUNK_SIZE = 64 * 1024


class ApiError(Exception):
    """A request-level error answered as ``[{"message", "errorCode", "fields"?}]``."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: Sequence[str] | None = None
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields) if fields is not None else None
        super().__init__(f"{status} {error_code}: {message}")

    @classmethod
    def from_dml(cls, status: int, errors: Sequence[DmlError]) -> ApiError:
        """The first per-record error, raised at request level (single-record REST)."""
        first = errors[0]
        code = first.status_code
        if code == "INVALID_TYPE_ON_FIELD_IN_RECORD":
            code = "JSON_PARSER_ERROR"
        return cls(status, code, first.message, first.fields)

    def response(self) -> httpx.Response:
        """This error as Salesforce's JSON error array."""
        return error_response(self.status, self.error_code, self.message, self.fields)


def not_found(message: str = "The requested resource does not exist") -> ApiError:
    """Salesforce's 404 for an unknown resource, record or object."""
    return ApiError(404, "NOT_FOUND", message)


def not_allowed(method: str, allowed: str) -> ApiError:
    """
    Salesforce's 405 for a resource that exists but not for this method.

    "Status Codes and Error Responses": 405, the method isn't allowed for the resource; the
    message lists the allowed methods (``allowed``, such as ``"HEAD,GET"``).
    """
    return ApiError(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
    )


def json_response(
    status: int, data: Any, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """A JSON response encoded compactly, as Salesforce sends it."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return httpx.Response(
        status,
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
        content=body,
    )


def error_response(
    status: int, error_code: str, message: str, fields: Sequence[str] | None = None
) -> httpx.Response:
    """A REST error array with one element."""
    item: dict[str, Any] = {"message": message, "errorCode": error_code}
    if fields is not None:
        item["fields"] = list(fields)
    return json_response(status, [item])


def empty(status: int) -> httpx.Response:
    """A response with no body (204 after update/delete, 201 after a Bulk upload)."""
    return httpx.Response(status, content=b"")


class ChunkedBytes(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A byte body handed out in chunks, so blob downloads exercise streaming clients."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self._data), CHUNK_SIZE):
            yield self._data[start : start + CHUNK_SIZE]

    async def __aiter__(self) -> Any:
        for start in range(0, len(self._data), CHUNK_SIZE):
            yield self._data[start : start + CHUNK_SIZE]


def blob_response(data: bytes, content_type: str | None) -> httpx.Response:
    """Raw blob bytes, streamed in chunks."""
    return httpx.Response(
        200,
        headers={
            "Content-Type": content_type or "application/octet-stream",
            "Content-Length": str(len(data)),
        },
        stream=ChunkedBytes(data),
    )


def _refuse_constant(name: str) -> Any:
    # Python's reader accepts NaN and Infinity; JSON (and Salesforce) do not.
    raise ValueError(f"Unexpected token {name}")


def parse_json(body: bytes, *, required: bool = True) -> Any:
    """
    Decode a JSON request body the way Salesforce reports problems with it.

    Raises:
        ApiError: ``JSON_PARSER_ERROR`` for an empty (when required) or malformed body.
    """
    if not body.strip():
        if not required:
            return None
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            "The HTTP entity body is required, but this request has no entity body.",
        )
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "JSON_PARSER_ERROR", "Invalid UTF-8 in the request body") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Unexpected character ('{exc.doc[exc.pos : exc.pos + 1]}'): {exc.msg} at "
            f"[line:{exc.lineno}, column:{exc.colno}]",
        ) from None
    except ValueError as exc:
        raise ApiError(400, "JSON_PARSER_ERROR", str(exc)) from None


def require_object(data: Any, sobject: str) -> dict[str, Any]:
    """
    Check that a parsed body is a JSON object.

    Raises:
        ApiError: ``JSON_PARSER_ERROR`` otherwise, naming what was found.
    """
    if not isinstance(data, dict):
        kind = "START_ARRAY" if isinstance(data, list) else "VALUE"
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {sobject} from {kind} value",
        )
    return data


@dataclass
class Call:
    """One authenticated REST call, as handlers see it."""

    method: str
    segments: list[str]
    """The decoded path segments after ``/services/data/v{v}/``."""
    params: dict[str, str]
    headers: httpx.Headers
    body: bytes
    version: str
    user_id: str
    store: Store
    lock_row: Callable[[], bool]
    """Ask the fault injector whether the next record write should fail to lock."""

    @property
    def version_number(self) -> float:
        """The API version as a number (``59.0``)."""
        return float(self.version)

    def url(self, path: str) -> str:
        """A path under this call's versioned REST root."""
        return f"/services/data/v{self.version}/{path}"
