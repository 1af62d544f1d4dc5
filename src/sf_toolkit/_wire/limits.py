"""Read the ``Sforce-Limit-Info`` header: how much of the org's daily API quota is used."""

from __future__ import annotations

import re

import attrs

from .._exports import publish

__all__ = ["ApiUsage", "Throttle", "parse_limit_info"]

_API_USAGE = re.compile(r"(?:^|[;,])\s*api-usage\s*=\s*(\d+)\s*/\s*(\d+)", re.IGNORECASE)


@attrs.frozen
class ApiUsage:
    """
    The org's API request usage, as reported by the last metered response.

    Attributes:
        used: Requests made in the last 24 hours.
        max: The org's daily limit.
    """

    used: int
    max: int

    @property
    def fraction(self) -> float:
        """The share of the limit used, from 0.0 (1.0 and above when the limit is reached)."""
        if self.max <= 0:
            return 1.0 if self.used > 0 else 0.0
        return self.used / self.max

    @property
    def remaining(self) -> int:
        """Requests left before the daily limit (never below zero)."""
        return max(self.max - self.used, 0)


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{attribute.name} must be at least 0 and below 1, got {value!r}")


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


@attrs.frozen
class Throttle:
    """
    Slow requests down as the org's daily API usage nears its limit.

    Below ``threshold`` requests go out at once. Above it, each request first waits a delay
    that grows linearly from 0 at the threshold to ``max_delay`` at the limit, so a busy
    integration leaves headroom for the org's other users instead of running into
    ``REQUEST_LIMIT_EXCEEDED``.

    Attributes:
        threshold: The share of the daily limit (``0.8`` = 80 %) where slowing down starts.
        max_delay: Seconds to wait per request once the limit is reached.
    """

    threshold: float = attrs.field(default=0.8, validator=_fraction)
    max_delay: float = attrs.field(default=5.0, validator=_non_negative)

    def delay_for(self, usage: ApiUsage | None) -> float:
        """Seconds to wait before the next request, given the last known usage."""
        if usage is None or usage.fraction <= self.threshold:
            return 0.0
        over = (min(usage.fraction, 1.0) - self.threshold) / (1.0 - self.threshold)
        return self.max_delay * over


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """
    Parse ``Sforce-Limit-Info``, e.g. ``"api-usage=18/15000; per-app-api-usage=17/250(appName=x)"``.

    Returns:
        The org-wide ``api-usage``, or ``None`` when the header is absent or has no such entry
        (a malformed header is ignored rather than failing the request).
    """
    if not header:
        return None
    match = _API_USAGE.search(header)
    if match is None:
        return None
    return ApiUsage(used=int(match.group(1)), max=int(match.group(2)))


publish("sf_toolkit", [ApiUsage, Throttle])  # their public path
