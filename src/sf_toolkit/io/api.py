"""
Every operation, in both forms: ``fetch`` and ``fetch_async``, ``save`` and ``save_async``, ...

The sync functions take a ``SalesforceClient`` and the ``*_async`` ones an
``AsyncSalesforceClient``, as the last positional argument or as ``sf_client=``; without one,
the client registered under the model's connection name (default ``"default"``) is used.
"""

from .._async.bulk import (
    delete_bulk_async,
    query_bulk_async,
    save_insert_bulk_async,
    save_update_bulk_async,
    save_upsert_bulk_async,
)
from .._async.lists import (
    delete_list_async,
    fetch_list_async,
    save_insert_list_async,
    save_update_list_async,
    save_upsert_list_async,
)
from .._async.query import count_async, query_async
from .._async.records import (
    delete_async,
    describe_async,
    download_file_async,
    fetch_async,
    reload_async,
    save_async,
    save_insert_async,
    save_update_async,
    save_upsert_async,
)
from .._sync.bulk import (
    delete_bulk,
    query_bulk,
    save_insert_bulk,
    save_update_bulk,
    save_upsert_bulk,
)
from .._sync.lists import (
    delete_list,
    fetch_list,
    save_insert_list,
    save_update_list,
    save_upsert_list,
)
from .._sync.query import count, query
from .._sync.records import (
    delete,
    describe,
    download_file,
    fetch,
    reload,
    save,
    save_insert,
    save_update,
    save_upsert,
)

__all__ = [
    "count",
    "count_async",
    "delete",
    "delete_async",
    "delete_bulk",
    "delete_bulk_async",
    "delete_list",
    "delete_list_async",
    "describe",
    "describe_async",
    "download_file",
    "download_file_async",
    "fetch",
    "fetch_async",
    "fetch_list",
    "fetch_list_async",
    "query",
    "query_async",
    "query_bulk",
    "query_bulk_async",
    "reload",
    "reload_async",
    "save",
    "save_async",
    "save_insert",
    "save_insert_async",
    "save_insert_bulk",
    "save_insert_bulk_async",
    "save_insert_list",
    "save_insert_list_async",
    "save_update",
    "save_update_async",
    "save_update_bulk",
    "save_update_bulk_async",
    "save_update_list",
    "save_update_list_async",
    "save_upsert",
    "save_upsert_async",
    "save_upsert_bulk",
    "save_upsert_bulk_async",
    "save_upsert_list",
    "save_upsert_list_async",
]
