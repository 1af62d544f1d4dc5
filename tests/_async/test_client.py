"""The client's base URL and context manager behaviour."""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit import AsyncSalesforceClient


def echo_path(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"url": str(request.url)})


def make_client() -> AsyncSalesforceClient:
    return AsyncSalesforceClient(
        instance_url="https://acme.my.salesforce.com/",
        api_version="60.0",
        transport=httpx.MockTransport(echo_path),
    )


async def test_relative_path_resolves_under_rest_root() -> None:
    """A relative path is sent under the org's /services/data/vXX.X/ root."""
    async with make_client() as client:
        response = await client.get("sobjects/Account/describe")
    assert response.json()["url"] == (
        "https://acme.my.salesforce.com/services/data/v60.0/sobjects/Account/describe"
    )


async def test_absolute_path_is_kept() -> None:
    """An absolute URL bypasses the REST root, as with plain httpx."""
    async with make_client() as client:
        response = await client.get("https://acme.my.salesforce.com/services/oauth2/userinfo")
    assert response.json()["url"] == "https://acme.my.salesforce.com/services/oauth2/userinfo"


async def test_client_is_an_httpx_client() -> None:
    """The client is a real httpx client, so httpx APIs keep working."""
    client = make_client()
    assert isinstance(client, (httpx.AsyncClient, httpx.Client))
    assert client.api_version == "60.0"
    await client.aclose()


async def test_closed_client_refuses_requests() -> None:
    """Leaving the context manager closes the client."""
    async with make_client() as client:
        pass
    assert client.is_closed
    with pytest.raises(RuntimeError):
        await client.get("limits")
