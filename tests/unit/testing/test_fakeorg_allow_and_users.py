"""The fake org's 405 carries Allow (RFC 9110); --user accepts passwords holding colons."""

from __future__ import annotations

import argparse

import httpx
import pytest

from sf_toolkit.testing import FakeOrg
from sf_toolkit.testing.__main__ import _user

INSTANCE = "https://fake.my.salesforce.com"


def _login(org: FakeOrg) -> str:
    answer = org.handle(
        httpx.Request(
            "POST",
            f"{INSTANCE}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": "fake-client-id",
                "client_secret": "fake-client-secret",
                "username": "user@example.com",
                "password": "password",
            },
        )
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/services/data/v62.0/limits", "HEAD, GET"),
        ("DELETE", "/services/data/v62.0/query", "HEAD, GET"),
        ("PUT", "/services/data/v62.0/composite/sobjects", "POST, PATCH, DELETE"),
        ("DELETE", "/services/data/v62.0/jobs/ingest", "GET, POST"),
    ],
)
def test_a_405_names_the_allowed_methods_in_an_allow_header(
    method: str, path: str, allow: str
) -> None:
    """Every 405 METHOD_NOT_ALLOWED carries Allow, listing what its message lists."""
    org = FakeOrg(seed=1)
    token = _login(org)
    answer = org.handle(
        httpx.Request(method, f"{INSTANCE}{path}", headers={"Authorization": f"Bearer {token}"})
    )
    assert answer.status_code == 405
    assert answer.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert answer.headers["Allow"] == allow
    assert allow.replace(" ", "") in answer.json()[0]["message"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ann@example.com:pw", ("ann@example.com", "pw", "")),
        ("ann@example.com:pw:TOKEN", ("ann@example.com", "pw", "TOKEN")),
        ("ann@example.com:pa:ss:TOKEN", ("ann@example.com", "pa:ss", "TOKEN")),
        ("ann@example.com:pa:ss:", ("ann@example.com", "pa:ss", "")),
        ("ann@example.com::x::TOKEN", ("ann@example.com", ":x:", "TOKEN")),
    ],
)
def test_user_splits_at_the_first_and_the_last_colon(
    text: str, expected: tuple[str, str, str]
) -> None:
    """A password may hold colons: the username ends at the first, the token starts at the last."""
    assert _user(text) == expected


@pytest.mark.parametrize("text", ["nobody", "ann@example.com:", ":pw", "ann@example.com::TOKEN"])
def test_user_without_a_username_or_password_is_refused(text: str) -> None:
    """An empty username or password is an argument error."""
    with pytest.raises(argparse.ArgumentTypeError, match="USERNAME:PASSWORD"):
        _user(text)
