"""
Query pages: check each answer of ``query``/``queryAll`` and where its ``nextRecordsUrl`` leads.

A page is a JSON object with ``totalSize``, ``done`` and a ``records`` array, plus
``nextRecordsUrl`` while ``done`` is false (REST API Developer Guide, "Query" and "Execute a
SOQL Query"). Child subqueries nest the same shape inside a record.
"""

from __future__ import annotations

from collections.abc import MutableSet
from typing import Any

import httpx

from ..exceptions import UnexpectedResponseError
from .errors import json_body, unexpected_answer
from .urls import ServerUrlError, resolve_server_url

__all__ = ["next_page_url", "parse_query_page"]


def parse_query_page(response: httpx.Response, *, base_path: str = "") -> dict[str, Any]:
    """
    Return a successful query answer's page, checked.

    Raises:
        UnexpectedResponseError: If the body is not a JSON object with a ``records`` array of
            objects, a numeric ``totalSize`` and, when present, a string ``nextRecordsUrl``.
    """
    page: dict[str, Any] = json_body(response, expect=dict, base_path=base_path)
    records = page.get("records")
    if not isinstance(records, list):
        raise unexpected_answer(
            response, "the query page has no 'records' array", base_path=base_path
        )
    if not all(isinstance(record, dict) for record in records):
        raise unexpected_answer(
            response,
            "the query page's 'records' holds something other than records",
            base_path=base_path,
        )
    total = page.get("totalSize")
    if isinstance(total, bool) or not isinstance(total, int):
        raise unexpected_answer(
            response, f"the query page's totalSize is {total!r}, not a count", base_path=base_path
        )
    next_url = page.get("nextRecordsUrl")
    if next_url is not None and not isinstance(next_url, str):
        raise unexpected_answer(
            response,
            f"the query page's nextRecordsUrl is {next_url!r}, not a URL",
            base_path=base_path,
        )
    return page


def next_page_url(instance_url: str, next_url: object, seen: MutableSet[str]) -> str:
    """
    Return the absolute URL of the next page, remembering it in ``seen`` (one set per query).

    Raises:
        UnexpectedResponseError: If the URL leaves the instance origin or ``/services/``, or
            was already followed in this query (a server repeating it would never finish).
    """
    try:
        url = resolve_server_url(instance_url, next_url)
    except ServerUrlError as exc:
        raise UnexpectedResponseError(
            f"refused to follow nextRecordsUrl: {exc}", error_code="UNEXPECTED_RESPONSE"
        ) from None
    if url in seen:
        raise UnexpectedResponseError(
            f"Salesforce sent nextRecordsUrl {next_url!r} a second time in one query; "
            "following it again would never end",
            error_code="UNEXPECTED_RESPONSE",
        )
    seen.add(url)
    return url
