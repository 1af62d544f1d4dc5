"""
The login protocol: a login is a sans-I/O generator that the clients drive.

A flow yields what it needs done (an :class:`httpx.Request` to send, or a :class:`CliCommand` to
run), receives the answer (an :class:`httpx.Response` with its body read, or a
:class:`CliResult`), and finally returns a :class:`Session` or raises
:class:`~sf_toolkit.exceptions.AuthenticationError`. Both clients drive the same flows, the way
httpx drives ``httpx.Auth.auth_flow``.
"""

from __future__ import annotations

import abc
from collections.abc import Generator
from typing import TypeVar

import attrs
import httpx

from ._session import Session

__all__ = ["CliCommand", "CliResult", "Login", "LoginFlow", "expect"]

_T = TypeVar("_T")


@attrs.frozen
class CliCommand:
    """
    A command line a login needs run (the Salesforce CLI), yielded instead of a request.

    Attributes:
        args: The program and its arguments, e.g. ``("sf", "org", "display", "--json")``.
    """

    args: tuple[str, ...]


@attrs.frozen
class CliResult:
    """
    What a :class:`CliCommand` produced; ``stdout`` may hold a token, so it is kept out of repr.

    By shell convention ``returncode`` 127 means the program was not found and 124 that it timed
    out (see :func:`~sf_toolkit.auth.run_cli_command`).
    """

    returncode: int
    stdout: str = attrs.field(repr=False)
    stderr: str = ""


LoginFlow = Generator[httpx.Request | CliCommand, httpx.Response | CliResult, Session]
"""A login in progress: yields requests or commands, receives their answers, returns a Session."""


class Login(abc.ABC):
    """
    The base of every login: a recipe for obtaining a :class:`Session`.

    Logins are immutable, validated when built, and never show a secret in ``repr()``.
    """

    __slots__ = ()

    @abc.abstractmethod
    def flow(self) -> LoginFlow:
        """Return a flow that logs in afresh."""

    def refresh_flow(self, session: Session) -> LoginFlow:
        """
        Return a flow that replaces an expired ``session``.

        The default logs in afresh; OAuth logins that obtained a refresh token use it instead.
        """
        del session
        return self.flow()


def expect(kind: type[_T], answer: object) -> _T:
    """
    Check that a flow's driver sent back the kind of answer the flow asked for.

    Raises:
        TypeError: If the driver sent something else (a bug in the driver, not in the login).
    """
    if not isinstance(answer, kind):
        raise TypeError(f"a login flow expected a {kind.__name__}, got {type(answer).__name__}")
    return answer
