"""Choosing the API version, sans I/O."""

from __future__ import annotations

import pytest

from sf_toolkit._session import normalize_api_version, pick_api_version
from sf_toolkit.exceptions import SalesforceApiError

VERSIONS = [{"version": v, "url": f"/services/data/v{v}"} for v in ("58.0", "59.0", "9.0", "62.0")]


def test_newest_version_is_picked_numerically() -> None:
    """Without a request, the newest version wins, compared as numbers (62.0 > 9.0)."""
    assert pick_api_version(VERSIONS, None) == "62.0"


def test_requested_version_is_kept() -> None:
    """A version the org offers is used as requested."""
    assert pick_api_version(VERSIONS, "59.0") == "59.0"


def test_unknown_version_names_the_range() -> None:
    """A version the org lacks is refused, naming what the org offers."""
    with pytest.raises(SalesforceApiError, match=r"66\.0 is not available.*9\.0 to 62\.0") as info:
        pick_api_version(VERSIONS, "66.0")
    assert info.value.error_code == "UNSUPPORTED_API_VERSION"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("62.0", "62.0"), ("v62.0", "62.0"), ("62", "62.0"), (62.0, "62.0"), (None, None)],
)
def test_version_spellings_are_normalised(given: object, expected: str | None) -> None:
    """Common spellings of a version are accepted."""
    assert normalize_api_version(given) == expected


@pytest.mark.parametrize("bad", ["latest", "62.0.1", "", "v", "6x.0"])
def test_bad_version_is_refused(bad: str) -> None:
    """Anything else is a ValueError naming the value."""
    with pytest.raises(ValueError, match="api_version must look like"):
        normalize_api_version(bad)


def test_throttle_delay_grows_from_threshold_to_limit() -> None:
    """No wait below the threshold; linear growth to max_delay at the limit; capped beyond."""
    from sf_toolkit import ApiUsage, Throttle

    throttle = Throttle(threshold=0.5, max_delay=4.0)
    assert throttle.delay_for(None) == 0.0
    assert throttle.delay_for(ApiUsage(used=50, max=100)) == 0.0
    assert throttle.delay_for(ApiUsage(used=75, max=100)) == pytest.approx(2.0)
    assert throttle.delay_for(ApiUsage(used=100, max=100)) == pytest.approx(4.0)
    assert throttle.delay_for(ApiUsage(used=150, max=100)) == pytest.approx(4.0)


@pytest.mark.parametrize(("threshold", "max_delay"), [(1.0, 1.0), (-0.1, 1.0), (0.5, -1.0)])
def test_throttle_refuses_nonsense(threshold: float, max_delay: float) -> None:
    """A threshold outside [0, 1) or a negative delay is refused, naming the argument."""
    from sf_toolkit import Throttle

    with pytest.raises(ValueError, match=r"threshold|max_delay"):
        Throttle(threshold=threshold, max_delay=max_delay)
