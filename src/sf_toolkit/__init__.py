"""
A Salesforce client: async and sync from one source.

``AsyncSalesforceClient`` and ``SalesforceClient`` are httpx clients for one org; the logins
say how they authenticate; ``SObject`` and ``select`` declare records and query them; the
operations themselves live in :mod:`sf_toolkit.io.api`.
"""

from ._async.bulk import AsyncBulkIngestJob, AsyncBulkIngestJobGroup, AsyncBulkQueryJob
from ._async.client import AsyncSalesforceClient
from ._sync.bulk import BulkIngestJob, BulkIngestJobGroup, BulkQueryJob
from ._sync.client import SalesforceClient
from ._version import __version__
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
from .exceptions import (
    AuthenticationError,
    SalesforceApiError,
    SalesforceError,
)
from .models import SObject
from .results import Outcome, SaveError, SaveResult, SaveResults, SaveResultsError
from .soql import select

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

for _cls in (
    AsyncSalesforceClient,
    SalesforceClient,
    AsyncBulkIngestJob,
    AsyncBulkIngestJobGroup,
    AsyncBulkQueryJob,
    BulkIngestJob,
    BulkIngestJobGroup,
    BulkQueryJob,
    BulkProgress,
):
    _cls.__module__ = __name__
del _cls
