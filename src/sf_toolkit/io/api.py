"""
Every operation, in both forms: ``fetch`` and ``fetch_async``, ``save`` and ``save_async``, ...

The sync functions take a ``SalesforceClient`` and the ``*_async`` ones an
``AsyncSalesforceClient``, as the last positional argument or as ``sf_client=``; without one,
the client registered under the model's connection name (default ``"default"``) is used.

To export an operation whose module is costly to import (Bulk), list it in ``_EXPORTS`` and
``__all__`` and import it under ``if TYPE_CHECKING:`` (for type checkers) instead of at the
top: it then loads on first use.
"""

from typing import TYPE_CHECKING

from .._async.query import count_async, query_async
from .._async.query_list import query_list_async
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
from .._exports import lazy_exports, publish
from .._rest import raise_for_status
from .._sync.query import count, query
from .._sync.query_list import query_list
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

if TYPE_CHECKING:
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

#: Public name -> the module that defines it, imported when the name is first used (PEP 562):
#: the list operations and Bulk cost more to import than the single-record operations.
_EXPORTS = {
    "delete_bulk": ".._sync.bulk",
    "delete_bulk_async": ".._async.bulk",
    "delete_list": ".._sync.lists",
    "delete_list_async": ".._async.lists",
    "fetch_list": ".._sync.lists",
    "fetch_list_async": ".._async.lists",
    "query_bulk": ".._sync.bulk",
    "query_bulk_async": ".._async.bulk",
    "save_insert_bulk": ".._sync.bulk",
    "save_insert_bulk_async": ".._async.bulk",
    "save_insert_list": ".._sync.lists",
    "save_insert_list_async": ".._async.lists",
    "save_update_bulk": ".._sync.bulk",
    "save_update_bulk_async": ".._async.bulk",
    "save_update_list": ".._sync.lists",
    "save_update_list_async": ".._async.lists",
    "save_upsert_bulk": ".._sync.bulk",
    "save_upsert_bulk_async": ".._async.bulk",
    "save_upsert_list": ".._sync.lists",
    "save_upsert_list_async": ".._async.lists",
}

if not TYPE_CHECKING:  # hidden from type checkers, which then flag any unknown name
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

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
    "query_list",
    "query_list_async",
    "raise_for_status",
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

publish(__name__, [globals()[name] for name in __all__ if name not in _EXPORTS])
