"""The Session value every login returns."""

from __future__ import annotations

import attrs
import pytest

from sf_toolkit.auth import Session


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("https://na1-api.salesforce.com/services/Soap/u/59.0/00D", "https://na1.salesforce.com"),
        ("HTTP://127.0.0.1:8123/x", "http://127.0.0.1:8123"),
    ],
)
def test_instance_url_is_normalised(given: str, expected: str) -> None:
    """The instance URL keeps scheme and host only; legacy -api hosts lose the suffix."""
    assert Session(access_token="tok", instance_url=given).instance_url == expected


@pytest.mark.parametrize("url", ["acme.my.salesforce.com", "ftp://x.example.com", ""])
def test_instance_url_must_be_a_url(url: str) -> None:
    """An instance URL without an http(s) scheme and host is refused."""
    with pytest.raises(ValueError, match="instance_url"):
        Session(access_token="tok", instance_url=url)


def test_repr_hides_tokens() -> None:
    """Neither the access token nor the refresh token appears in repr."""
    session = Session(
        access_token="ACCESS-SECRET",
        instance_url="https://acme.my.salesforce.com",
        refresh_token="REFRESH-SECRET",
        user_id="005",
    )
    assert "SECRET" not in repr(session)
    assert "005" in repr(session)


def test_session_is_frozen() -> None:
    """A session cannot be changed after creation."""
    session = Session(access_token="tok", instance_url="https://acme.my.salesforce.com")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        session.access_token = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expires_at", "expected"), [(None, False), (1100.0, False), (1059.0, True), (900.0, True)]
)
def test_expires_within(expires_at: float | None, expected: bool) -> None:
    """A session expires within 60 s of t=1000 only when its known expiry is before 1060."""
    session = Session(
        access_token="tok", instance_url="https://a.my.salesforce.com", expires_at=expires_at
    )
    assert session.expires_within(60, now=1000.0) is expected
