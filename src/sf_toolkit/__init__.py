"""A Salesforce client: async and sync from one source."""

from ._async.client import AsyncSalesforceClient
from ._sync.client import SalesforceClient
from ._version import __version__

__all__ = ["AsyncSalesforceClient", "SalesforceClient", "__version__"]

for _cls in (AsyncSalesforceClient, SalesforceClient):
    _cls.__module__ = __name__
del _cls
