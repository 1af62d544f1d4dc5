"""
Logins: sans-I/O flows that produce a :class:`Session`, driven by either client.

Every login is an immutable object validated when built, whose ``repr()`` never shows a secret.
Its :meth:`~Login.flow` yields the requests (or CLI commands) to make and returns the session;
failures raise :class:`~sf_toolkit.exceptions.AuthenticationError`, whose message names the
failure and never contains a password, token or secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports, publish
from ._base import CliCommand, CliResult, Login, LoginFlow
from ._domain import login_base_url
from ._session import Session, normalize_instance_url

if TYPE_CHECKING:
    from ._cli import SfCliLogin, run_cli_command
    from ._oauth import ClientCredentialsLogin, JwtBearerLogin, PasswordLogin, RefreshTokenLogin
    from ._soap import SOAP_LOGIN_MAX_VERSION, SalesforceLogin
    from ._token import TokenLogin

#: The logins, each loaded on first use (PEP 562): a program pays only for the one it uses.
_EXPORTS = {
    "ClientCredentialsLogin": "._oauth",
    "JwtBearerLogin": "._oauth",
    "PasswordLogin": "._oauth",
    "RefreshTokenLogin": "._oauth",
    "SOAP_LOGIN_MAX_VERSION": "._soap",
    "SalesforceLogin": "._soap",
    "SfCliLogin": "._cli",
    "TokenLogin": "._token",
    "run_cli_command": "._cli",
}

if not TYPE_CHECKING:  # hidden from type checkers, which then flag any unknown name
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

__all__ = [
    "SOAP_LOGIN_MAX_VERSION",
    "CliCommand",
    "CliResult",
    "ClientCredentialsLogin",
    "JwtBearerLogin",
    "Login",
    "LoginFlow",
    "PasswordLogin",
    "RefreshTokenLogin",
    "SalesforceLogin",
    "Session",
    "SfCliLogin",
    "TokenLogin",
    "login_base_url",
    "normalize_instance_url",
    "run_cli_command",
]

publish(__name__, [globals()[name] for name in __all__ if name not in _EXPORTS])
