"""RetryPolicy: which failures are retried, and how long to wait."""

from __future__ import annotations

import email.utils
import random

import attrs
import httpx
import pytest

from sf_toolkit._wire.retry import Deadline, RetryPolicy, bounded_timeout

URL = "https://acme.my.salesforce.com/services/data/v62.0/sobjects/Account"
POLICY = RetryPolicy()


def answer(status: int, code: str | None = None, message: str = "") -> httpx.Response:
    """An error answer, with a REST error array when a code is given."""
    request = httpx.Request("GET", URL)
    if code is None:
        return httpx.Response(status, content=b"<html>down</html>", request=request)
    return httpx.Response(status, json=[{"errorCode": code, "message": message}], request=request)


REQUEST = httpx.Request("POST", URL)
LOCK = answer(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")
DAILY = answer(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
CONCURRENT = answer(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")


@pytest.mark.parametrize(
    ("outcome", "get", "post", "post_idempotent"),
    [
        # The request was never sent: any method.
        (httpx.ConnectError("refused", request=REQUEST), True, True, True),
        (httpx.ConnectTimeout("slow", request=REQUEST), True, True, True),
        (httpx.PoolTimeout("pool", request=REQUEST), True, True, True),
        # Salesforce did not apply it: any method.
        (answer(503), True, True, True),
        (answer(429), True, True, True),
        (answer(503, "SERVER_UNAVAILABLE", "down"), True, True, True),
        (answer(500, "SERVER_UNAVAILABLE", "down"), True, True, True),
        (LOCK, True, True, True),
        (CONCURRENT, True, True, True),
        # It may have been applied: idempotent requests only.
        (answer(502), True, False, True),
        (answer(504), True, False, True),
        (httpx.ReadTimeout("slow", request=REQUEST), True, False, True),
        (httpx.WriteTimeout("slow", request=REQUEST), True, False, True),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), True, False, True),
        (httpx.ReadError("reset", request=REQUEST), True, False, True),
        (httpx.WriteError("reset", request=REQUEST), True, False, True),
        # Never.
        (answer(500, "UNKNOWN_EXCEPTION", "boom"), False, False, False),
        (DAILY, False, False, False),
        (answer(400, "INVALID_FIELD", "No such column"), False, False, False),
        (answer(400, "REQUIRED_FIELD_MISSING", "Required fields are missing"), False, False, False),
        (answer(404, "NOT_FOUND", "gone"), False, False, False),
        (answer(300), False, False, False),
        (answer(401, "INVALID_SESSION_ID", "Session expired or invalid"), False, False, False),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), False, False, False),
        (ValueError("not a transport error"), False, False, False),
    ],
)
def test_retry_table(
    outcome: httpx.Response | Exception, get: bool, post: bool, post_idempotent: bool
) -> None:
    """Each failure is retried for GET, POST and an idempotent POST as the rules say."""

    def decide(method: str, idempotent: bool | None = None) -> bool:
        if isinstance(outcome, httpx.Response):
            return POLICY.should_retry(
                method=method, attempt=1, response=outcome, idempotent=idempotent
            )
        return POLICY.should_retry(method=method, attempt=1, error=outcome, idempotent=idempotent)

    assert (decide("GET"), decide("POST"), decide("POST", idempotent=True)) == (
        get,
        post,
        post_idempotent,
    )


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "get"])
def test_idempotent_methods_retry_after_a_gateway_timeout(method: str) -> None:
    """The idempotent methods, in any case, retry a 504 by default."""
    assert POLICY.should_retry(method=method, attempt=1, response=answer(504))


def test_a_get_can_be_declared_unsafe() -> None:
    """idempotent=False stops a GET from being retried after a 504."""
    assert not POLICY.should_retry(method="GET", attempt=1, response=answer(504), idempotent=False)


@pytest.mark.parametrize(("attempt", "expected"), [(1, True), (3, True), (4, False), (9, False)])
def test_attempts_bound_the_retries(attempt: int, expected: bool) -> None:
    """After `attempts` tries in total, nothing is retried."""
    assert POLICY.should_retry(method="GET", attempt=attempt, response=answer(503)) is expected


def test_disabled_never_retries() -> None:
    """RetryPolicy.disabled() refuses even a connect error on the first try."""
    error = httpx.ConnectError("refused", request=REQUEST)
    assert RetryPolicy.disabled().attempts == 1
    assert not RetryPolicy.disabled().should_retry(method="GET", attempt=1, error=error)


def test_retry_statuses_are_tunable() -> None:
    """Adding 500 to retry_statuses retries it for idempotent requests only."""
    policy = RetryPolicy(retry_statuses={429, 500, 502, 503, 504})
    assert policy.should_retry(method="GET", attempt=1, response=answer(500))
    assert not policy.should_retry(method="POST", attempt=1, response=answer(500))


def test_removing_a_status_stops_its_retries() -> None:
    """A status left out of retry_statuses is not retried."""
    policy = RetryPolicy(retry_statuses=frozenset({429}))
    assert not policy.should_retry(method="GET", attempt=1, response=answer(503))


def test_success_or_no_outcome_is_not_retried() -> None:
    """A 2xx answer, or no answer and no error, is never retried."""
    ok = httpx.Response(200, json={}, request=REQUEST)
    assert not POLICY.should_retry(method="GET", attempt=1, response=ok)
    assert not POLICY.should_retry(method="GET", attempt=1)


@pytest.mark.parametrize(
    ("attempt", "expected"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0), (20, 30.0)]
)
def test_backoff_doubles_up_to_the_cap(attempt: int, expected: float) -> None:
    """Without jitter the wait doubles from backoff_initial and stops at backoff_max."""
    policy = RetryPolicy(jitter=False)
    assert policy.next_delay(attempt, None) == expected


def test_jitter_stays_between_half_and_all() -> None:
    """With jitter each wait lies between half and all of the exponential delay."""
    rng = random.Random(1234)
    delays = [POLICY.next_delay(3, None, rng) for _ in range(200)]
    assert all(1.0 <= delay <= 2.0 for delay in delays)
    assert len(set(delays)) > 100


def test_jitter_is_reproducible_with_a_seed() -> None:
    """Two generators with the same seed give the same waits."""
    first = [POLICY.next_delay(2, None, random.Random(7)) for _ in range(3)]
    assert first == [POLICY.next_delay(2, None, random.Random(7)) for _ in range(3)]


def with_retry_after(value: str) -> httpx.Response:
    return httpx.Response(503, headers={"Retry-After": value}, request=REQUEST)


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3.0), ("0", 0.0), ("2.5", 2.5), ("120", 30.0), ("-4", 0.0)]
)
def test_retry_after_seconds_win_capped(value: str, expected: float) -> None:
    """Retry-After in seconds replaces the backoff, capped at backoff_max, never negative."""
    assert POLICY.next_delay(1, with_retry_after(value)) == expected


def test_retry_after_http_date() -> None:
    """Retry-After as an HTTP date waits until that moment."""
    now = 1_750_000_000.0
    header = email.utils.formatdate(now + 12, usegmt=True)
    assert POLICY.next_delay(1, with_retry_after(header), now=now) == pytest.approx(12.0)


def test_retry_after_date_in_the_past_means_now() -> None:
    """A Retry-After date already past gives no wait."""
    now = 1_750_000_000.0
    header = email.utils.formatdate(now - 100, usegmt=True)
    assert POLICY.next_delay(1, with_retry_after(header), now=now) == 0.0


@pytest.mark.parametrize("value", ["soon", "", "nan", "inf"])
def test_unreadable_retry_after_falls_back_to_backoff(value: str) -> None:
    """An unreadable Retry-After is ignored in favour of the backoff."""
    assert RetryPolicy(jitter=False).next_delay(2, with_retry_after(value)) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": 2.5}, "attempts"),
        ({"backoff_initial": -1}, "backoff_initial"),
        ({"backoff_max": -0.1}, "backoff_max"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], match: str) -> None:
    """Impossible settings raise ValueError naming the setting."""
    with pytest.raises(ValueError, match=match):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_is_frozen_and_evolvable() -> None:
    """A policy cannot be changed in place but attrs.evolve derives a new one."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        POLICY.attempts = 9  # type: ignore[misc]
    assert attrs.evolve(POLICY, attempts=9).attempts == 9


def test_the_default_budget_is_five_minutes() -> None:
    """A call may take 300 s in all by default; None lifts the limit."""
    assert RetryPolicy().budget == 300.0
    assert RetryPolicy(budget=None).budget is None


@pytest.mark.parametrize("budget", [0, -1, float("nan"), float("inf"), True, "10"])
def test_bad_budgets_are_refused(budget: object) -> None:
    """A budget must be a finite number of seconds above 0, or None."""
    with pytest.raises(ValueError, match="budget must be None or a number"):
        RetryPolicy(budget=budget)  # type: ignore[arg-type]


def test_a_deadline_counts_down_and_refuses_waits_past_its_end() -> None:
    """A wait is allowed only if it ends before the budget does."""
    deadline = Deadline.start(10.0, now=100.0)
    assert deadline.remaining(104.0) == 6.0
    assert not deadline.expired(109.9)
    assert deadline.expired(110.0)
    assert deadline.allows_wait(5.0, now=104.0)
    assert not deadline.allows_wait(6.0, now=104.0)
    assert deadline.remaining(120.0) == 0.0


def test_no_budget_never_expires() -> None:
    """Without a budget every wait fits."""
    deadline = Deadline.start(None, now=0.0)
    assert deadline.remaining(1e9) == float("inf")
    assert deadline.allows_wait(1e9, now=1e9)
    assert not deadline.expired(1e12)


def test_bounded_timeout_caps_each_timeout_at_the_remaining_budget() -> None:
    """Each httpx timeout is capped at the seconds left; unset ones get the seconds left."""
    timeouts = {"connect": 10.0, "read": 120.0, "write": None, "pool": 1.0}
    assert bounded_timeout(timeouts, 5.0) == {
        "connect": 5.0,
        "read": 5.0,
        "write": 5.0,
        "pool": 1.0,
    }
    assert bounded_timeout(None, 2.0) == dict.fromkeys(("connect", "read", "write", "pool"), 2.0)


@pytest.mark.parametrize(
    ("message", "retried"),
    [
        ("[Errno -2] Name or service not known", False),
        ("[Errno 8] nodename nor servname provided, or not known", False),
        ("[Errno 11001] getaddrinfo failed", False),
        ("[Errno -3] Temporary failure in name resolution", True),
        ("[Errno 111] Connection refused", True),
    ],
)
def test_a_host_that_does_not_exist_is_not_retried(message: str, retried: bool) -> None:
    """A name that does not resolve is a wrong domain: no retry; a refused connection is retried."""
    error = httpx.ConnectError(message)
    assert RetryPolicy().should_retry(method="POST", attempt=1, error=error) is retried
