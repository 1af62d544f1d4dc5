"""The Salesforce client: an httpx client whose base URL is the org's REST root."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["AsyncSalesforceClient"]

DEFAULT_API_VERSION = "62.0"


class AsyncSalesforceClient(httpx.AsyncClient):
    """
    An httpx client for one Salesforce org.

    Relative URLs resolve against the org's REST root, ``{instance}/services/data/vXX.X/``, so
    ``client.get("sobjects/Account/describe")`` works as it does with plain httpx.

    Args:
        instance_url: The org's instance, e.g. ``"https://acme.my.salesforce.com"``.
        api_version: The REST API version, e.g. ``"62.0"``.
        **kwargs: Passed to the httpx client (``transport``, ``timeout``, ``event_hooks``, ...).
    """

    def __init__(
        self,
        *,
        instance_url: str,
        api_version: str = DEFAULT_API_VERSION,
        **kwargs: Any,
    ) -> None:
        self.api_version = api_version
        super().__init__(
            base_url=f"{instance_url.rstrip('/')}/services/data/v{api_version}/", **kwargs
        )
