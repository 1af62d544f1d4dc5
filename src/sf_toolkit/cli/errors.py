"""
Errors of the command line: exit codes and one-line messages.

Exit codes, for scripts:

* 0: success;
* 1: the command ran but some records failed (``import``; the results file says which);
* 2: usage or login error, or input Salesforce refused (unknown object, malformed SOQL,
  unreadable file, unknown field): fix the input and run again;
* 3: Salesforce or the network failed (connection error, 5xx, API limit reached): the same
  command may work later.
"""

from __future__ import annotations

import re

import click

from ..exceptions import (
    AuthenticationError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
    SalesforceError,
    ServerError,
)

__all__ = [
    "EXIT_FAILED_RECORDS",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "BadInput",
    "RecordsFailed",
    "Stopped",
    "describe_error",
    "one_line",
]

EXIT_OK = 0
EXIT_FAILED_RECORDS = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class BadInput(click.ClickException):
    """Input that cannot work (an unknown object, an unknown CSV column): exit code 2."""

    exit_code = EXIT_USAGE


class Stopped(Exception):
    """A command stopped midway by an error; the message says what was kept."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class RecordsFailed(click.ClickException):
    """Some records failed: exit code 1, after the command has written its results."""

    exit_code = EXIT_FAILED_RECORDS


def one_line(text: str) -> str:
    """
    A message on one line: Salesforce's multi-line SOQL errors keep their explanation.

    Salesforce's ``MALFORMED_QUERY`` message echoes the query, points a caret at the fault,
    then explains: ``ERROR at Row:1:Column:11 unexpected token: FRM`` is what stays.
    """
    lines = [line.strip() for line in text.splitlines()]
    for number, line in enumerate(lines):
        if line.startswith("ERROR at Row"):
            lines = lines[number:]
            break
    kept = [line for line in lines if line and not re.fullmatch(r"\^+", line)]
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one-line message and exit code for an error a command raised."""
    if isinstance(exc, AuthenticationError):
        return f"login failed: {one_line(exc.message)}", EXIT_USAGE
    if isinstance(exc, (ServerError, RequestLimitError)):
        return _api_message(exc), EXIT_UNAVAILABLE
    if isinstance(exc, SalesforceApiError):
        return _api_message(exc), EXIT_USAGE
    if isinstance(exc, SalesforceConnectionError):
        return f"no answer from Salesforce: {one_line(str(exc))}", EXIT_UNAVAILABLE
    if isinstance(exc, SalesforceError):
        return one_line(str(exc)), EXIT_USAGE
    if isinstance(exc, OSError):
        where = f" {exc.filename!r}" if exc.filename else ""
        return f"cannot use{where}: {exc.strerror or exc}", EXIT_USAGE
    return one_line(str(exc)) or type(exc).__name__, EXIT_USAGE


def _api_message(exc: SalesforceApiError) -> str:
    code = exc.error_code or (str(exc.status_code) if exc.status_code else "")
    message = one_line(exc.message)
    return f"{code}: {message}" if code else message
