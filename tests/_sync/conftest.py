# Generated from tests/_async/conftest.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""Fixtures for the I/O tests: a fake org, a login, and a client connected to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from sf_toolkit import RetryPolicy, SalesforceClient, SalesforceLogin
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
def make_client(org: FakeOrg, login: SalesforceLogin) -> Callable[..., SalesforceClient]:
    def make(**kwargs: object) -> SalesforceClient:
        kwargs.setdefault("retry", NO_WAIT)
        kwargs.setdefault("transport", org.transport())
        return SalesforceClient(login=login, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def client(org: FakeOrg, login: SalesforceLogin) -> Iterator[SalesforceClient]:
    with SalesforceClient(login=login, transport=org.transport(), retry=NO_WAIT) as client:
        yield client
