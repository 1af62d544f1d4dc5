"""
Every parser of Salesforce answers, fed arbitrary statuses, headers and bodies, either returns or
raises a ``SalesforceError`` subclass: never ``KeyError``, ``JSONDecodeError`` or httpx internals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sf_toolkit import SalesforceLogin, SObject, _rest
from sf_toolkit._session import parse_versions, pick_api_version
from sf_toolkit._wire.errors import error_from_response, json_body, parse_error_body
from sf_toolkit._wire.limits import parse_limit_info
from sf_toolkit._wire.pages import early_next_url, parse_query_page
from sf_toolkit._wire.retry import RetryPolicy
from sf_toolkit.auth._oauth import parse_token_response
from sf_toolkit.exceptions import SalesforceApiError, SalesforceError

BASE = "https://acme.my.salesforce.com/services/data/v62.0"


class Account(SObject):
    Name: str | None = None
    AnnualRevenue: float | None = None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "records",
                    "totalSize",
                    "done",
                    "nextRecordsUrl",
                    "errorCode",
                    "message",
                    "error",
                    "error_description",
                    "access_token",
                    "instance_url",
                    "version",
                    "created",
                    "fields",
                    "name",
                    "Name",
                    "AnnualRevenue",
                    "attributes",
                    "type",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)

bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    json_values.map(lambda value: json.dumps(value).encode()[: len(json.dumps(value)) // 2]),
    st.sampled_from(
        [
            b"<html><head><title>Down</title><style>x{}</style></head><body>Maintenance</body>",
            b"<?xml version='1.0'?><soapenv:Envelope/>",
            b"<",
            b"",
            b"\xff\xfe\x00",
        ]
    ),
)

header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
headers = st.dictionaries(
    st.sampled_from(
        [
            "Content-Type",
            "Location",
            "Retry-After",
            "Sforce-Limit-Info",
            "Content-Length",
            "X-Other",
        ]
    ),
    header_values,
    max_size=4,
)


def _response(status: int, header_map: dict[str, str], body: bytes, path: str) -> httpx.Response:
    request = httpx.Request("GET", f"{BASE}{path}", headers={"Authorization": "Bearer tok-123"})
    header_map = {k: v for k, v in header_map.items() if k != "Content-Length"}
    return httpx.Response(status, headers=header_map, content=body, request=request)


def _soap(response: httpx.Response) -> Any:
    login = SalesforceLogin(username="u@example.com", password="secret-pw")
    return login.parse_response(response, now=0.0)


def _versions(response: httpx.Response) -> Any:
    return pick_api_version(parse_versions(response), None)


def _insert(response: httpx.Response) -> Any:
    return _rest.apply_insert(Account(Name="x"), response)


def _upsert(response: httpx.Response) -> Any:
    return _rest.apply_upsert(Account(Name="x"), response)


def _reload(response: httpx.Response) -> Any:
    return _rest.reload_answer(Account(Name="x"), response)


def _retry(response: httpx.Response) -> Any:
    policy = RetryPolicy()
    policy.should_retry(method="GET", attempt=1, response=response)
    return policy.next_delay(1, response, now=0.0)


PARSERS: dict[str, Callable[[httpx.Response], Any]] = {
    "error_from_response": error_from_response,
    "parse_error_body": parse_error_body,
    "json_body": json_body,
    "check": _rest.check,
    "check_json": _rest.check_json,
    "record_answer": lambda r: _rest.record_answer(r, Account),
    "reload_answer": _reload,
    "describe_answer": _rest.describe_answer,
    "apply_insert": _insert,
    "apply_upsert": _upsert,
    "parse_query_page": parse_query_page,
    "early_next_url": lambda r: early_next_url(r.content),
    "versions": _versions,
    "parse_token_response": lambda r: parse_token_response(r, secrets=("secret-pw",), now=0.0),
    "soap_login": _soap,
    "limit_info": lambda r: parse_limit_info(r.headers.get("Sforce-Limit-Info")),
    "retry_policy": _retry,
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.integers(min_value=100, max_value=599),
    header_map=headers,
    body=bodies,
    path=st.sampled_from(["/sobjects/Account/001000000000001AAA", "/query", "/", ""]),
)
def test_parsers_raise_only_salesforce_errors(
    name: str, status: int, header_map: dict[str, str], body: bytes, path: str
) -> None:
    """Any status, headers and body: the parser returns or raises a SalesforceError."""
    try:
        response = _response(status, header_map, body, path)
    except (httpx.DecodingError, ValueError):  # not an answer httpx can even represent
        assume(False)
        return
    outcome: object
    try:
        outcome = PARSERS[name](response)
    except SalesforceError as error:
        outcome = error
    if name == "error_from_response":
        assert isinstance(outcome, SalesforceApiError)
    if isinstance(outcome, SalesforceError):
        assert "tok-123" not in f"{outcome} {outcome!r}"
        assert "secret-pw" not in f"{outcome} {outcome!r}"


@settings(max_examples=300, deadline=None)
@given(
    value=json_values, cut=st.integers(min_value=0, max_value=400), indent=st.none() | st.just(2)
)
def test_an_early_next_url_is_the_one_the_page_decodes_to(
    value: Any, cut: int, indent: int | None
) -> None:
    """Whatever a head of a JSON body gives early, the whole body decodes to the same URL."""
    if isinstance(value, dict):
        value = {**value, "records": value.get("records", [])}  # may sit before other members
    body = json.dumps(value, indent=indent).encode()
    early = early_next_url(body[:cut])
    if early is not None:
        assert isinstance(value, dict)
        assert early == value["nextRecordsUrl"]
