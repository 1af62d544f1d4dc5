"""Errors become one line and an exit code a script can use."""

from __future__ import annotations

import pytest

from sf_toolkit.cli.errors import EXIT_UNAVAILABLE, EXIT_USAGE, describe_error, one_line
from sf_toolkit.exceptions import (
    AuthenticationError,
    NotFoundError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
    ServerError,
)


def test_malformed_query_keeps_the_explanation() -> None:
    """Salesforce's MALFORMED_QUERY text (query, caret, explanation) becomes its explanation."""
    message = (
        "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: FRM"
    )
    assert one_line(message) == "ERROR at Row:1:Column:11 unexpected token: FRM"


def test_other_messages_are_joined() -> None:
    """Other multi-line text is joined with single spaces."""
    assert one_line("first\n\n  second  line\n") == "first second line"


@pytest.mark.parametrize(
    ("error", "text", "code"),
    [
        (AuthenticationError("Invalid username", error_code="INVALID_LOGIN"), "login failed", 2),
        (NotFoundError("gone", status_code=404, error_code="NOT_FOUND"), "NOT_FOUND: gone", 2),
        (
            SalesforceApiError("bad", status_code=400, error_code="INVALID_FIELD"),
            "INVALID_FIELD",
            2,
        ),
        (ServerError("down", status_code=503), "503: down", EXIT_UNAVAILABLE),
        (
            RequestLimitError("TotalRequests Limit exceeded.", error_code="REQUEST_LIMIT_EXCEEDED"),
            "REQUEST_LIMIT_EXCEEDED",
            3,
        ),
        (SalesforceConnectionError("connect failed"), "no answer from Salesforce", 3),
        (FileNotFoundError(2, "No such file or directory", "a.csv"), "cannot use 'a.csv'", 2),
    ],
)
def test_describe_error(error: BaseException, text: str, code: int) -> None:
    """Refused input and login exit 2; outages exit 3; the message says which."""
    message, exit_code = describe_error(error)
    assert text in message
    assert "\n" not in message
    assert exit_code == code
    assert EXIT_USAGE == 2
