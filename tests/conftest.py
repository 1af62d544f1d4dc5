"""
Shared pytest configuration.

Coroutine tests (the hand-written ones in ``tests/_async``) run once on asyncio and once on trio
through anyio's plugin in auto mode; their generated twins in ``tests/_sync`` run as plain tests.
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test on both event loops."""
    return str(request.param)
