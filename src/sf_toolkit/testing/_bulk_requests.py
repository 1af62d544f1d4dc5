"""
Reading Bulk API 2.0 requests and refusing bad ones with Salesforce's error arrays.

Every refusal is one :class:`Refusal`: an HTTP status and one ``{"errorCode", "message"}``
object, the shape every Salesforce REST client reads (``docs/salesforce-wire.md`` gotcha 3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from ._bulk_csv import COLUMN_DELIMITERS, LINE_ENDINGS
from ._http import allow_header

__all__ = [
    "Refusal",
    "csv_options",
    "enum_error",
    "form_parts",
    "header",
    "json_object",
    "method_not_allowed",
    "not_found",
    "required",
]


class Refusal(Exception):
    """An error answer: a status and one Salesforce error object."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers: dict[str, str] = {}

    def response(self) -> httpx.Response:
        """The error as Salesforce sends it: a JSON array of one error object."""
        return httpx.Response(
            self.status,
            json=[{"errorCode": self.error_code, "message": self.message}],
            headers=self.headers,
        )


def not_found() -> Refusal:
    """The 404 for an unknown job or resource."""
    return Refusal(404, "NOT_FOUND", "The requested resource does not exist")


def method_not_allowed(method: str, allowed: str) -> Refusal:
    """The 405 for a known resource and the wrong method, with its ``Allow`` header."""
    refusal = Refusal(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
    )
    refusal.headers["Allow"] = allow_header(allowed)
    return refusal


def enum_error(enum: str, value: object) -> Refusal:
    """The 400 Salesforce's JSON reader gives for a value outside an enumeration."""
    return Refusal(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {enum} from VALUE_STRING value {value} "
        "or request may be missing a required field",
    )


def json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a JSON_PARSER_ERROR refusal."""
    if not body.strip():
        raise Refusal(400, "JSON_PARSER_ERROR", "No content to map due to end-of-input")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refusal(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
    if not isinstance(data, dict):
        raise Refusal(
            400, "JSON_PARSER_ERROR", "Cannot deserialize the request body: expected a JSON object"
        )
    return data


def header(headers: Mapping[str, str], name: str) -> str:
    """A request header by lower-case name, or an empty string."""
    return next((v for k, v in headers.items() if k.lower() == name), "")


def form_parts(content_type: str, body: bytes) -> dict[str, bytes]:
    """The named parts of a ``multipart/form-data`` body."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts: dict[str, bytes] = {}
    if not message.is_multipart():
        raise Refusal(400, "INVALIDJOB", "InvalidJob : The multipart request could not be read")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = payload
    return parts


def csv_options(spec: Mapping[str, Any]) -> tuple[str, str]:
    """A job spec's column delimiter and line ending, checked, with their defaults."""
    content_type = spec.get("contentType", "CSV")
    if content_type != "CSV":
        raise enum_error("ContentType", content_type)
    delimiter = spec.get("columnDelimiter", "COMMA")
    if delimiter not in COLUMN_DELIMITERS:
        raise enum_error("ColumnDelimiterEnum", delimiter)
    line_ending = spec.get("lineEnding", "LF")
    if line_ending not in LINE_ENDINGS:
        raise enum_error("LineEndingEnum", line_ending)
    return str(delimiter), str(line_ending)


def required(spec: Mapping[str, Any], key: str) -> str:
    """A non-blank string member of a job spec, or an INVALIDJOB refusal."""
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Refusal(400, "INVALIDJOB", f"InvalidJob : Required field is missing: {key}")
    return value
