"""
A Salesforce client: async and sync from one source.

``AsyncSalesforceClient`` and ``SalesforceClient`` are httpx clients for one org; the logins
say how they authenticate; ``SObject`` and ``select`` declare records and query them; the
operations themselves live in :mod:`sf_toolkit.io.api`.

Every name here is imported on first use (PEP 562), so ``import sf_toolkit`` stays cheap:
to export a new name, add it to ``_EXPORTS``, to the ``TYPE_CHECKING`` imports and to
``__all__``.
"""

from typing import TYPE_CHECKING

from ._exports import lazy_exports
from ._version import __version__

if TYPE_CHECKING:
    from ._async.client import AsyncSalesforceClient
    from ._sync.client import SalesforceClient
    from ._wire.limits import ApiUsage, Throttle
    from ._wire.retry import RetryPolicy
    from .auth import (
        ClientCredentialsLogin,
        JwtBearerLogin,
        Login,
        PasswordLogin,
        RefreshTokenLogin,
        SalesforceLogin,
        Session,
        SfCliLogin,
        TokenLogin,
    )
    from .exceptions import AuthenticationError, SalesforceApiError, SalesforceError
    from .models import SObject
    from .soql import select

#: Public name -> the module that defines it, imported when the name is first used.
_EXPORTS = {
    "ApiUsage": "._wire.limits",
    "AsyncSalesforceClient": "._async.client",
    "AuthenticationError": ".exceptions",
    "ClientCredentialsLogin": ".auth",
    "JwtBearerLogin": ".auth",
    "Login": ".auth",
    "PasswordLogin": ".auth",
    "RefreshTokenLogin": ".auth",
    "RetryPolicy": "._wire.retry",
    "SObject": ".models",
    "SalesforceApiError": ".exceptions",
    "SalesforceClient": "._sync.client",
    "SalesforceError": ".exceptions",
    "SalesforceLogin": ".auth",
    "Session": ".auth",
    "SfCliLogin": ".auth",
    "Throttle": "._wire.limits",
    "TokenLogin": ".auth",
    "select": ".soql",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

__all__ = [
    "ApiUsage",
    "AsyncSalesforceClient",
    "AuthenticationError",
    "ClientCredentialsLogin",
    "JwtBearerLogin",
    "Login",
    "PasswordLogin",
    "RefreshTokenLogin",
    "RetryPolicy",
    "SObject",
    "SalesforceApiError",
    "SalesforceClient",
    "SalesforceError",
    "SalesforceLogin",
    "Session",
    "SfCliLogin",
    "Throttle",
    "TokenLogin",
    "__version__",
    "select",
]
