"""
Fault injection and observability for the fake org: what can go wrong, and what happened.

:class:`Faults` is a plain mutable settings object (``org.faults.rate_503 = 0.1`` at run time);
:class:`FaultDice` makes the seeded random draws, so a seeded org fails the same requests in the
same order. :class:`Stats` and :class:`RequestRecord` are what tests assert on.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FaultDice", "Faults", "RequestRecord", "Stats"]


@dataclass
class Faults:
    """
    Failures the fake org injects; change any attribute at run time.

    Rates are probabilities between 0 and 1, drawn from the org's seeded generator.
    ``methods`` and ``routes`` restrict the rate faults (503, drop, lock) to matching requests;
    route names are those in :attr:`RequestRecord.route`: ``versions``, ``soap_login``,
    ``oauth_token``, ``oauth_revoke``, ``resources``, ``limits``, ``global_describe``,
    ``describe``, ``sobject``, ``blob``, ``query``, ``query_more``, ``collections``,
    ``composite``, ``composite_batch``, ``composite_tree``, ``bulk`` and ``unknown``.
    """

    latency: float = 0.0
    """Seconds added to every request (the sans-I/O ``handle`` never sleeps)."""
    jitter: float = 0.0
    """Up to this many extra seconds, uniformly random, on top of ``latency``."""
    session_ttl_requests: int | None = None
    """A session expires after answering this many requests (then 401 INVALID_SESSION_ID)."""
    session_ttl_seconds: float | None = None
    """A session expires this many seconds after it was issued."""
    rate_503: float = 0.0
    """Answer 503 SERVER_UNAVAILABLE before doing anything."""
    rate_drop: float = 0.0
    """Drop the connection without an answer."""
    drop_after_apply: bool = False
    """Drop after the request took effect ("may have been applied") instead of before."""
    rate_lock_row: float = 0.0
    """Fail record writes with UNABLE_TO_LOCK_ROW (per record in Collections)."""
    request_limit: int | None = None
    """After this many metered calls, answer 403 REQUEST_LIMIT_EXCEEDED."""
    methods: frozenset[str] | None = None
    """Only inject rate faults into requests with these HTTP methods (None: all)."""
    routes: frozenset[str] | None = None
    """Only inject rate faults into these routes (None: all)."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Check every setting as it is set, at construction and at run time."""
        if name.startswith("rate_"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Faults.{name} must be a number, got {value!r}")
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{name} is a probability from 0 to 1, got {value!r}")
        elif name in ("latency", "jitter"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"Faults.{name} must be 0 or more seconds, got {value!r}")
        elif name in ("session_ttl_requests", "session_ttl_seconds", "request_limit"):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            ):
                raise ValueError(f"Faults.{name} must be None or 0 or more, got {value!r}")
        elif name in ("methods", "routes") and value is not None:
            if isinstance(value, str):
                raise TypeError(f"Faults.{name} must be a set of names, not the string {value!r}")
            value = frozenset(value)
        super().__setattr__(name, value)

    def applies_to(self, method: str, route: str) -> bool:
        """Whether the rate faults cover a request."""
        methods = self.methods
        routes = self.routes
        return (methods is None or method.upper() in {m.upper() for m in methods}) and (
            routes is None or route in routes
        )


class FaultDice:
    """The seeded random draws behind :class:`Faults`, safe to share between threads."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(f"faults-{seed}")
        self._lock = threading.Lock()

    def roll(self, rate: float) -> bool:
        """True with probability ``rate`` (never draws for 0, so rates of 0 cost nothing)."""
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def delay(self, faults: Faults) -> float:
        """Seconds to wait before answering: latency plus jitter."""
        if faults.jitter <= 0:
            return max(0.0, faults.latency)
        with self._lock:
            return max(0.0, faults.latency + self._random.uniform(0, faults.jitter))


@dataclass(frozen=True)
class RequestRecord:
    """
    One request the org answered. Never holds the Authorization header, passwords or tokens.

    Attributes:
        method: HTTP method.
        path: URL path.
        params: Query parameters (secrets replaced by ``"***"``).
        route: Route name, e.g. ``"sobject"``, ``"query"``, ``"oauth_token"``.
        status: HTTP status answered (``0`` for a dropped connection).
        body: The parsed JSON request body, if it had one.
    """

    method: str
    path: str
    params: Mapping[str, str]
    route: str
    status: int
    body: Any = None


@dataclass
class Stats:
    """Counters tests assert on; reset with ``org.reset_stats()``."""

    requests_by_route: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    logins: int = 0
    """Successful logins, any flow (SOAP, OAuth grants)."""
    failed_logins: int = 0
    api_usage: int = 0
    """Metered calls so far (what ``Sforce-Limit-Info`` reports)."""
