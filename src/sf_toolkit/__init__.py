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
    from ._async.bulk import AsyncBulkIngestJob, AsyncBulkIngestJobGroup, AsyncBulkQueryJob
    from ._async.client import AsyncSalesforceClient
    from ._sync.bulk import BulkIngestJob, BulkIngestJobGroup, BulkQueryJob
    from ._sync.client import SalesforceClient
    from ._wire.bulk_jobs import BulkProgress
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
    from .results import Outcome, SaveError, SaveResult, SaveResults, SaveResultsError
    from .soql import select

#: Public name -> the module that defines it, imported when the name is first used.
_EXPORTS = {
    "ApiUsage": "._wire.limits",
    "AsyncBulkIngestJob": "._async.bulk",
    "AsyncBulkIngestJobGroup": "._async.bulk",
    "AsyncBulkQueryJob": "._async.bulk",
    "AsyncSalesforceClient": "._async.client",
    "AuthenticationError": ".exceptions",
    "BulkIngestJob": "._sync.bulk",
    "BulkIngestJobGroup": "._sync.bulk",
    "BulkProgress": "._wire.bulk_jobs",
    "BulkQueryJob": "._sync.bulk",
    "ClientCredentialsLogin": ".auth",
    "JwtBearerLogin": ".auth",
    "Login": ".auth",
    "Outcome": ".results",
    "PasswordLogin": ".auth",
    "RefreshTokenLogin": ".auth",
    "RetryPolicy": "._wire.retry",
    "SObject": ".models",
    "SalesforceApiError": ".exceptions",
    "SalesforceClient": "._sync.client",
    "SalesforceError": ".exceptions",
    "SalesforceLogin": ".auth",
    "SaveError": ".results",
    "SaveResult": ".results",
    "SaveResults": ".results",
    "SaveResultsError": ".results",
    "Session": ".auth",
    "SfCliLogin": ".auth",
    "Throttle": "._wire.limits",
    "TokenLogin": ".auth",
    "select": ".soql",
}

if not TYPE_CHECKING:  # hidden from type checkers, which then flag any unknown name
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

__all__ = [
    "ApiUsage",
    "AsyncBulkIngestJob",
    "AsyncBulkIngestJobGroup",
    "AsyncBulkQueryJob",
    "AsyncSalesforceClient",
    "AuthenticationError",
    "BulkIngestJob",
    "BulkIngestJobGroup",
    "BulkProgress",
    "BulkQueryJob",
    "ClientCredentialsLogin",
    "JwtBearerLogin",
    "Login",
    "Outcome",
    "PasswordLogin",
    "RefreshTokenLogin",
    "RetryPolicy",
    "SObject",
    "SalesforceApiError",
    "SalesforceClient",
    "SalesforceError",
    "SalesforceLogin",
    "SaveError",
    "SaveResult",
    "SaveResults",
    "SaveResultsError",
    "Session",
    "SfCliLogin",
    "Throttle",
    "TokenLogin",
    "__version__",
    "select",
]
