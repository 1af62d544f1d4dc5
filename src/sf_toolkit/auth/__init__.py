"""
Logins: sans-I/O flows that produce a :class:`Session`, driven by either client.

Every login is an immutable object validated when built, whose ``repr()`` never shows a secret.
Its :meth:`~Login.flow` yields the requests (or CLI commands) to make and returns the session;
failures raise :class:`~sf_toolkit.exceptions.AuthenticationError`, whose message names the
failure and never contains a password, token or secret.
"""

from __future__ import annotations

from ._base import CliCommand, CliResult, Login, LoginFlow
from ._cli import SfCliLogin, run_cli_command
from ._domain import login_base_url
from ._oauth import ClientCredentialsLogin, JwtBearerLogin, PasswordLogin, RefreshTokenLogin
from ._session import Session, normalize_instance_url
from ._soap import SOAP_LOGIN_MAX_VERSION, SalesforceLogin
from ._token import TokenLogin

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

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj
