"""
Query pages: check each answer of ``query``/``queryAll`` and where its ``nextRecordsUrl`` leads.

A page is a JSON object with ``totalSize``, ``done`` and a ``records`` array, plus
``nextRecordsUrl`` while ``done`` is false (REST API Developer Guide, "Query" and "Execute a
SOQL Query"). Child subqueries nest the same shape inside a record.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import MutableSet
from itertools import repeat
from typing import Any

import httpx

from ..exceptions import UnexpectedResponseError
from .errors import json_body, unexpected_answer
from .urls import ServerUrlError, resolve_data_url

__all__ = ["HEAD_BYTES", "early_next_url", "next_page_url", "parse_query_page"]


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


#: How much of a page's body :func:`early_next_url` looks at.
HEAD_BYTES = 4096

_JSON = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # ``*`` always matches


_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")


def early_next_url(head: bytes) -> str | None:
    """
    Read ``nextRecordsUrl`` from the start of a query page's body, before the records.

    Salesforce writes a page's scalar members first and its ``records`` array last
    (``{"totalSize": 3214, "done": false, "nextRecordsUrl": "...", "records": [...]}``, REST API
    Developer Guide, "Execute a SOQL Query"), so the next page can be requested while this
    one's records are still being decoded. ``head`` is the body's first bytes (up to
    :data:`HEAD_BYTES`).

    Returns:
        The URL as written (not yet checked), or None when the head does not settle it: no
        such member before ``records``, a member that is not a plain scalar, malformed or cut
        short JSON. None only means "learn it from the decoded page"; a page's decoded
        ``nextRecordsUrl`` stays the authority and must match what this returned.
    """
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    pos = _skip_space(text, 0)
    if not text.startswith("{", pos):
        return None
    found: str | None = None
    separator = "{"
    while True:
        pos = _skip_space(text, pos + len(separator))
        if not text.startswith('"', pos):
            return None
        try:
            key, pos = _JSON.raw_decode(text, pos)
        except ValueError:
            return None
        pos = _skip_space(text, pos)
        if not text.startswith(":", pos):
            return None
        pos = _skip_space(text, pos + 1)
        if key == "records":
            return found
        value: object
        if text.startswith('"', pos):
            try:
                value, pos = _JSON.raw_decode(text, pos)
            except ValueError:
                return None
        else:
            scalar = _SCALAR.match(text, pos)
            if scalar is None:
                return None  # an object or an array before the records: not worth walking
            value, pos = None, scalar.end()  # a number, true, false or null: not a URL
        if key == "nextRecordsUrl":
            found = value if isinstance(value, str) else None
        pos = _skip_space(text, pos)
        separator = ","
        if not text.startswith(separator, pos):
            return None
