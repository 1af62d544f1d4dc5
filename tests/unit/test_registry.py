"""The default-connection registry."""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit import AsyncSalesforceClient, SalesforceClient, TokenLogin
from sf_toolkit._registry import lookup, resolve_client
from sf_toolkit.exceptions import NoClientError

LOGIN = TokenLogin(access_token="00Dx!token", instance_url="https://acme.my.salesforce.com")


def unused(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no request expected")


def make(name: str) -> SalesforceClient:
    return SalesforceClient(
        login=LOGIN, connection_name=name, transport=httpx.MockTransport(unused)
    )


def test_newest_open_client_wins_and_closing_hands_back() -> None:
    """The newest client of a name is the default; closing it restores the previous one."""
    first, second = make("reg-a"), make("reg-a")
    assert resolve_client(None, SalesforceClient, "reg-a") is second
    second.close()
    assert resolve_client(None, SalesforceClient, "reg-a") is first
    first.close()
    assert lookup(SalesforceClient, "reg-a") is None


def test_sync_and_async_registries_are_separate() -> None:
    """A sync client is not the default for async operations."""
    client = make("reg-b")
    assert lookup(AsyncSalesforceClient, "reg-b") is None
    with pytest.raises(NoClientError, match=r"AsyncSalesforceClient.*'reg-b'.*sf_client="):
        resolve_client(None, AsyncSalesforceClient, "reg-b")
    client.close()


def test_wrong_kind_of_client_is_refused_with_a_hint() -> None:
    """Passing a sync client where an async one is needed names both and the conversion."""
    client = make("reg-c")
    with pytest.raises(TypeError, match=r"AsyncSalesforceClient, got SalesforceClient; .*as_async"):
        resolve_client(client, AsyncSalesforceClient)
    with pytest.raises(TypeError, match="got str"):
        resolve_client("client", SalesforceClient)
    client.close()


def test_forgotten_client_is_not_kept_alive() -> None:
    """A client nobody references is dropped from the registry instead of serving calls."""
    import gc

    make("reg-d")
    gc.collect()
    assert lookup(SalesforceClient, "reg-d") is None
