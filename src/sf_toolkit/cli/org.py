"""Talking to the org for the commands: the client, and describe by API name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from .. import _rest
from .._sync.client import SalesforceClient
from ..auth import Login
from ..exceptions import NotFoundError
from .errors import BadInput

__all__ = ["check_object_name", "connect", "describe_raw", "get_json"]

_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@contextmanager
def connect(login: Login, api_version: str | None) -> Iterator[SalesforceClient]:
    """A logged-in client for one command (a bad ``--api-version`` is a usage error)."""
    try:
        client = SalesforceClient(login=login, api_version=api_version)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    with client:
        yield client


def check_object_name(name: str) -> str:
    """
    Return ``name`` if it looks like an sObject API name (``Account``, ``Invoice__c``).

    Raises:
        BadInput: Otherwise, before any request.
    """
    if not _API_NAME.match(name):
        raise BadInput(f"{name!r} is not an sObject API name (such as Account or Invoice__c)")
    return name


def get_json(client: SalesforceClient, url: str) -> Any:
    """GET a REST resource (relative to the REST root) and return its JSON."""
    return _rest.check(client.get(url)).json()


def describe_raw(client: SalesforceClient, name: str) -> dict[str, Any]:
    """
    ``GET /sobjects/{name}/describe`` as JSON.

    Raises:
        BadInput: If the org has no such sObject (Salesforce answers 404 ``NOT_FOUND``).
    """
    check_object_name(name)
    try:
        data = get_json(client, f"sobjects/{quote(name, safe='')}/describe")
    except NotFoundError:
        raise BadInput(f"unknown object {name!r}: the org has no sObject of that name") from None
    if not isinstance(data, dict):
        raise BadInput(f"the describe of {name!r} is not a JSON object")
    return data
