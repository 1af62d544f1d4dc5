# Generated from tests/_async/test_client.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""The client's base URL and context manager behaviour."""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit import SalesforceClient


def echo_path(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"url": str(request.url)})


def make_client() -> SalesforceClient:
    return SalesforceClient(
        instance_url="https://acme.my.salesforce.com/",
        api_version="60.0",
        transport=httpx.MockTransport(echo_path),
    )


def test_relative_path_resolves_under_rest_root() -> None:
    """A relative path is sent under the org's /services/data/vXX.X/ root."""
    with make_client() as client:
        response = client.get("sobjects/Account/describe")
    assert response.json()["url"] == (
        "https://acme.my.salesforce.com/services/data/v60.0/sobjects/Account/describe"
    )


def test_absolute_path_is_kept() -> None:
    """An absolute URL bypasses the REST root, as with plain httpx."""
    with make_client() as client:
        response = client.get("https://acme.my.salesforce.com/services/oauth2/userinfo")
    assert response.json()["url"] == "https://acme.my.salesforce.com/services/oauth2/userinfo"


def test_client_is_an_httpx_client() -> None:
    """The client is a real httpx client, so httpx APIs keep working."""
    client = make_client()
    assert isinstance(client, (httpx.Client, httpx.Client))
    assert client.api_version == "60.0"
    client.close()


def test_closed_client_refuses_requests() -> None:
    """Leaving the context manager closes the client."""
    with make_client() as client:
        pass
    assert client.is_closed
    with pytest.raises(RuntimeError):
        client.get("limits")
