"""
Query pages: check each answer of ``query``/``queryAll`` and where its ``nextRecordsUrl`` leads.

A page is a JSON object with ``totalSize``, ``done`` and a ``records`` array, plus
``nextRecordsUrl`` while ``done`` is false (REST API Developer Guide, "Query" and "Execute a
SOQL Query"). Child subqueries nest the same shape inside a record.
"""

from __future__ import annotations

from collections.abc import MutableSet
from itertools import repeat
from typing import Any

import httpx

from ..exceptions import UnexpectedResponseError
from .errors import json_body, unexpected_answer
from .urls import ServerUrlError, resolve_data_url

__all__ = ["next_page_url", "parse_query_page"]


def _refusal(problem: str, response: httpx.Response | None) -> UnexpectedResponseError:
    if response is not None:
        return unexpected_answer(response, problem)
    return UnexpectedResponseError(problem, error_code="UNEXPECTED_RESPONSE")


def parse_query_page(response: httpx.Response, *, base_path: str | None = None) -> dict[str, Any]:
    """
    Return a successful query answer's page, checked.

    Raises:
        UnexpectedResponseError: If the body is not a JSON object with a ``records`` array of
            objects, a numeric ``totalSize`` and, when present, a string ``nextRecordsUrl``;
            or if ``done`` is false without a ``nextRecordsUrl`` (the rest would be lost).
    """
    page: dict[str, Any] = json_body(response, expect=dict, base_path=base_path)
    records = page.get("records")
    if not isinstance(records, list):
        raise unexpected_answer(
            response, "the query page has no 'records' array", base_path=base_path
        )
    if not all(map(isinstance, records, repeat(dict))):  # no Python frame per record
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
    if page.get("done") is False and not next_url:
        raise unexpected_answer(
            response,
            "the query page says done: false but gives no nextRecordsUrl for the rest",
            base_path=base_path,
        )
    return page


def next_page_url(
    instance_url: str,
    next_url: object,
    seen: MutableSet[str],
    *,
    response: httpx.Response | None = None,
) -> str:
    """
    Return the absolute URL of the next page, remembering it in ``seen`` (one set per query).

    ``response`` is the page that named the URL: the error then carries its method and URL.

    Raises:
        UnexpectedResponseError: If the URL is empty, leaves the instance origin or the REST
            data root ``/services/data/vNN.N/`` (checked on its decoded path, see
            :func:`~sf_toolkit._wire.urls.resolve_data_url`), or was already followed in this
            query (a server repeating it would never finish).
    """
    try:
        url = resolve_data_url(instance_url, next_url)
    except ServerUrlError as exc:
        raise _refusal(f"refused to follow nextRecordsUrl: {exc}", response) from None
    if url in seen:
        raise _refusal(
            f"Salesforce sent nextRecordsUrl {next_url!r} a second time in one query; "
            "following it again would never end",
            response,
        )
    seen.add(url)
    return url
