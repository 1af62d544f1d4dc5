"""Fixtures for the I/O tests: a fake org, a login, and a client connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from sf_toolkit import AsyncSalesforceClient, RetryPolicy, SalesforceLogin
from sf_toolkit.testing import FakeOrg

#: Retries without waiting, so tests of retry behaviour stay fast.
NO_WAIT = RetryPolicy(backoff_initial=0.0, backoff_max=0.0, jitter=False)


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(seed=7)


@pytest.fixture
def login() -> SalesforceLogin:
    return SalesforceLogin(username="user@example.com", password="password")


@pytest.fixture
def make_client(org: FakeOrg, login: SalesforceLogin) -> Callable[..., AsyncSalesforceClient]:
    def make(**kwargs: object) -> AsyncSalesforceClient:
        kwargs.setdefault("retry", NO_WAIT)
        kwargs.setdefault("transport", org.async_transport())
        return AsyncSalesforceClient(login=login, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def client(org: FakeOrg, login: SalesforceLogin) -> AsyncIterator[AsyncSalesforceClient]:
    async with AsyncSalesforceClient(
        login=login, transport=org.async_transport(), retry=NO_WAIT
    ) as client:
        yield client
