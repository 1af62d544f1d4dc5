"""TokenLogin: an access token the caller already has."""

from __future__ import annotations

import pytest

from sf_toolkit.auth import Session, TokenLogin
from sf_toolkit.exceptions import AuthenticationError

TOKEN = "00D5g000004ABCD!AQ4AQ.secret"


def test_flow_returns_at_once_without_a_request() -> None:
    """The flow yields nothing and returns the session with the given token."""
    flow = TokenLogin(TOKEN, "https://acme.my.salesforce.com/").flow()
    with pytest.raises(StopIteration) as stop:
        next(flow)
    session = stop.value.value
    assert session == Session(access_token=TOKEN, instance_url="https://acme.my.salesforce.com")


def test_refresh_flow_raises_authentication_error() -> None:
    """Refreshing a bare token fails with AuthenticationError saying it cannot be refreshed."""
    login = TokenLogin(TOKEN, "https://acme.my.salesforce.com")
    flow = login.refresh_flow(Session(TOKEN, "https://acme.my.salesforce.com"))
    with pytest.raises(AuthenticationError, match="cannot be refreshed") as info:
        next(flow)
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)


def test_repr_hides_the_token() -> None:
    """repr shows the instance URL but not the token."""
    text = repr(TokenLogin(TOKEN, "https://acme.my.salesforce.com"))
    assert "acme.my.salesforce.com" in text
    assert TOKEN not in text


@pytest.mark.parametrize(
    ("token", "url", "match"),
    [
        ("", "https://acme.my.salesforce.com", "access_token must not be empty"),
        (TOKEN, "", "instance_url must not be empty"),
        (TOKEN, "acme.my.salesforce.com", "instance_url must be an http"),
    ],
)
def test_bad_arguments_are_refused(token: str, url: str, match: str) -> None:
    """An empty token or a malformed instance URL raises ValueError naming it."""
    with pytest.raises(ValueError, match=match):
        TokenLogin(token, url)
