"""
A faithful in-memory Salesforce org for tests, demos and benchmarks.

Reach it three ways: ``org.transport()`` and ``org.async_transport()`` for httpx clients, or
``with org.serve() as url:`` (and ``python -m sf_toolkit.testing``) for any HTTP client::

    from sf_toolkit.testing import FakeOrg

    org = FakeOrg(records=10, seed=1)
    with httpx.Client(transport=org.transport(), base_url="https://fake.my.salesforce.com") as c:
        ...
"""

from __future__ import annotations

from .._exports import publish
from ._faults import Faults, RequestRecord, Stats
from ._loopback import LoopbackTransport, loopback_requests_adapter
from ._org import DEFAULT_API_VERSIONS, ConnectionDropped, FakeOrg
from ._schema import SchemaError

__all__ = [
    "DEFAULT_API_VERSIONS",
    "ConnectionDropped",
    "FakeOrg",
    "Faults",
    "LoopbackTransport",
    "RequestRecord",
    "SchemaError",
    "Stats",
    "loopback_requests_adapter",
]

publish(__name__, [globals()[name] for name in __all__])
