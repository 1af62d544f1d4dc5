"""
When to retry a request, and how long to wait first.

The rules (Salesforce's wire behaviour, see the docs page "Clients and authentication"):

* **The request was never sent** (``httpx.ConnectError``, ``httpx.ConnectTimeout``,
  ``httpx.PoolTimeout``, ``httpx.ProxyError``): retry, whatever the method; except when the host
  name does not exist, a wrong domain that no retry can fix.
* **Salesforce did not apply it**: 429 and 503, and an error body whose ``errorCode`` is
  ``UNABLE_TO_LOCK_ROW`` or ``SERVER_UNAVAILABLE``, or ``REQUEST_LIMIT_EXCEEDED`` for the
  concurrent long-running request limit ("ConcurrentPerOrgLongTxn"): retry, whatever the method.
* **It may have been applied**: 502, 504 and other statuses in ``retry_statuses`` (add 500 to
  retry server errors), read and write timeouts, and dropped connections
  (``httpx.RemoteProtocolError``, ``httpx.ReadError``, ``httpx.WriteError``): retry only an
  idempotent request, so that nothing is ever inserted twice. GET, HEAD, PUT, DELETE, PATCH and
  OPTIONS are idempotent; callers pass ``idempotent=True`` for POSTs that only read (a
  Collections retrieve) and ``idempotent=False`` for anything that must not repeat.
* **Out of time**: every call has an overall time budget (``budget``, 300 s by default), its
  retries, waits and the reading of each answer included. A retry is not started, and a wait not
  begun, that would end after it; an answer still arriving when it runs out (a server trickling
  a byte at a time) is abandoned, and the call raises
  :class:`~sf_toolkit.exceptions.SalesforceTimeoutError`.
* **Never**: the daily ``REQUEST_LIMIT_EXCEEDED`` ("TotalRequests"), validation errors (4xx),
  401 (the client logs in again instead, once), and any other error.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time
from collections.abc import Iterable
from typing import Any

import attrs
import httpx

from .._exports import publish
from .errors import is_unknown_host, parse_error_body

__all__ = ["DEFAULT_BUDGET", "IDEMPOTENT_METHODS", "Deadline", "RetryPolicy", "bounded_timeout"]

DEFAULT_BUDGET = 300.0
"""Seconds one call may take in all, retries included, unless the policy says otherwise."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
"""Methods that can be repeated without changing the outcome."""

_NOT_APPLIED_STATUSES = frozenset({429, 503})
_NOT_APPLIED_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_MAYBE_APPLIED = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


def _positive_int(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be an int of at least 1, got {value!r}")


def _non_negative(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{attribute.name} must be a number of at least 0, got {value!r}")


def _budget(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not value > 0
        or not math.isfinite(value)
    ):
        raise ValueError(
            f"{attribute.name} must be None or a number of seconds above 0, got {value!r}"
        )


def _status_set(values: Iterable[int]) -> frozenset[int]:
    """Accept any iterable of statuses (a set literal, a list) and freeze it."""
    return frozenset(values)


@attrs.frozen
class RetryPolicy:
    """
    How a client retries transient failures: how often, and how long it waits in between.

    Attributes:
        attempts: Total tries, the first included; 1 disables retries.
        backoff_initial: Seconds before the first retry; doubles on each further retry.
        backoff_max: The longest wait, also the cap on a server's ``Retry-After``.
        jitter: Randomise each wait between half and all of it, so that clients that failed
            together do not retry together.
        retry_statuses: The statuses worth retrying (429 and 503 for any request, the others
            only for idempotent requests).
        budget: Seconds one call may take in all, its retries, waits and answer reading
            included; ``None`` for no limit. Default: 300 s (5 minutes). Streamed calls
            (``client.stream``, file downloads) are bounded until their answer's headers
            arrive; reading their body is up to the caller.
    """

    attempts: int = attrs.field(default=4, validator=_positive_int)
    backoff_initial: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_max: float = attrs.field(default=30.0, validator=_non_negative)
    jitter: bool = True
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({429, 502, 503, 504}), converter=_status_set
    )
    budget: float | None = attrs.field(default=DEFAULT_BUDGET, validator=_budget)

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """Return a policy that never retries."""
        return cls(attempts=1)

    def next_delay(
        self,
        attempt: int,
        response: httpx.Response | None = None,
        rng: random.Random | None = None,
        *,
        now: float | None = None,
    ) -> float:
        """
        Return the seconds to wait after try number ``attempt`` (1 for the first) failed.

        A ``Retry-After`` header (seconds or an HTTP date) wins, capped at ``backoff_max``;
        otherwise the wait is ``backoff_initial * 2 ** (attempt - 1)``, capped, and with jitter
        drawn from ``rng`` between half and all of it.

        Args:
            attempt: The number of the try that just failed, from 1.
            response: The failed answer, if there was one.
            rng: The random source for jitter (tests pass a seeded one).
            now: The current epoch time, for ``Retry-After`` dates (default: the clock).
        """
        if response is not None:
            retry_after = _retry_after(response.headers.get("Retry-After"), now)
            if retry_after is not None:
                return min(retry_after, self.backoff_max)
        delay = min(self.backoff_initial * 2.0 ** max(attempt - 1, 0), self.backoff_max)
        if self.jitter and delay > 0:
            delay = (rng or random).uniform(delay / 2, delay)
        return float(delay)

    def should_retry(
        self,
        *,
        method: str,
        attempt: int,
        response: httpx.Response | None = None,
        error: Exception | None = None,
        idempotent: bool | None = None,
    ) -> bool:
        """
        Tell whether to try again after try number ``attempt`` failed (see the module rules).

        Args:
            method: The HTTP method of the request.
            attempt: The number of the try that just failed, from 1.
            response: The error answer, if one came (its body read).
            error: The exception, if no answer came.
            idempotent: Whether repeating the request is harmless; by default, whether the
                method is idempotent (GET, HEAD, PUT, DELETE, PATCH or OPTIONS).
        """
        if attempt >= self.attempts:
            return False
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        if error is not None:
            if isinstance(error, _NEVER_SENT):
                return not is_unknown_host(error)
            return isinstance(error, _MAYBE_APPLIED) and idempotent
        if response is None or response.status_code < 400 or response.status_code == 401:
            return False
        body = parse_error_body(response)
        if body.error_code == "REQUEST_LIMIT_EXCEEDED":
            return "ConcurrentPerOrgLongTxn" in body.message
        if body.error_code in _NOT_APPLIED_CODES:
            return True
        if response.status_code not in self.retry_statuses:
            return False
        return response.status_code in _NOT_APPLIED_STATUSES or idempotent


def _retry_after(value: str | None, now: float | None) -> float | None:
    """Read ``Retry-After`` as seconds from now; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are always GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


@attrs.frozen
class Deadline:
    """
    When a call runs out of its budget, on the :func:`~sf_toolkit._concurrency.monotonic` clock.

    Attributes:
        budget: The call's budget in seconds, or ``None`` for no limit.
        ends_at: The clock reading at which it runs out (``inf`` without a budget).
    """

    budget: float | None
    ends_at: float

    @classmethod
    def start(cls, budget: float | None, now: float) -> Deadline:
        """Start a call's budget at clock reading ``now``."""
        return cls(budget, math.inf if budget is None else now + budget)

    def remaining(self, now: float) -> float:
        """Seconds left at ``now`` (never negative; ``inf`` without a budget)."""
        return max(self.ends_at - now, 0.0)

    def expired(self, now: float) -> bool:
        """Whether the budget has run out at ``now``."""
        return now >= self.ends_at

    def allows_wait(self, delay: float, now: float) -> bool:
        """Whether waiting ``delay`` seconds from ``now`` still leaves time to try again."""
        return now + delay < self.ends_at


def bounded_timeout(timeout: object, remaining: float) -> dict[str, float | None]:
    """
    Cap each of a request's httpx timeouts (``connect``, ``read``, ``write``, ``pool``) at the
    seconds left in the call's budget; ``timeout`` is the request's ``timeout`` extension.
    """
    current = timeout if isinstance(timeout, dict) else {}
    bounded: dict[str, float | None] = {}
    for name in ("connect", "read", "write", "pool"):
        value = current.get(name)
        bounded[name] = remaining if value is None else min(float(value), remaining)
    return bounded


publish("sf_toolkit", [RetryPolicy])  # its public path
