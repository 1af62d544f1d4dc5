"""parse_limit_info: the Sforce-Limit-Info header."""

from __future__ import annotations

import pytest

from sf_toolkit._wire.limits import ApiUsage, parse_limit_info


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/15000", ApiUsage(18, 15000)),
        ("api-usage=18/15000; per-app-api-usage=17/250(appName=my-app)", ApiUsage(18, 15000)),
        ("per-app-api-usage=17/250(appName=my-app); api-usage=19/15000", ApiUsage(19, 15000)),
        ("api-usage=1/750; api-bursts=1/750", ApiUsage(1, 750)),
        ("  API-Usage = 5 / 100", ApiUsage(5, 100)),
        (None, None),
        ("", None),
        ("per-app-api-usage=17/250(appName=x)", None),
        ("api-usage=lots", None),
    ],
)
def test_parse_limit_info(header: str | None, expected: ApiUsage | None) -> None:
    """The org-wide api-usage entry is read; other entries and junk are ignored."""
    assert parse_limit_info(header) == expected


@pytest.mark.parametrize(
    ("usage", "fraction", "remaining"),
    [
        (ApiUsage(0, 15000), 0.0, 15000),
        (ApiUsage(7500, 15000), 0.5, 7500),
        (ApiUsage(15100, 15000), 15100 / 15000, 0),
        (ApiUsage(0, 0), 0.0, 0),
        (ApiUsage(3, 0), 1.0, 0),
    ],
)
def test_fraction_and_remaining(usage: ApiUsage, fraction: float, remaining: int) -> None:
    """fraction is used/max and remaining never goes below zero, even with a zero max."""
    assert usage.fraction == pytest.approx(fraction)
    assert usage.remaining == remaining
