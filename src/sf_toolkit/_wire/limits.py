"""Read the ``Sforce-Limit-Info`` header: how much of the org's daily API quota is used."""

from __future__ import annotations

import re

import attrs

__all__ = ["ApiUsage", "parse_limit_info"]

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
