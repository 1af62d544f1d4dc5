# Generated from src/sf_toolkit/_async/query_list.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""Every record of a query at once, as a list: the plain counterpart of streaming them."""

from __future__ import annotations

from typing import Any, TypeVar, overload

from ..models import SObject
from ..soql import SelectQuery
from . import query as queries
from .client import SalesforceClient

__all__ = ["query_list"]

M = TypeVar("M", bound=SObject)


@overload
def query_list(
    query: SelectQuery[M],
    sf_client: SalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> list[M]: ...


@overload
def query_list(
    query: str,
    sf_client: SalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> list[SObject]: ...


def query_list(
    query: SelectQuery[Any] | str,
    sf_client: SalesforceClient | None = None,
    *,
    include_deleted: bool = False,
    batch_size: int | None = None,
) -> list[Any]:
    """
    Return every record of a query as a list, after following every ``nextRecordsUrl`` page.

    The same records, in the same order, as iterating over ``query`` (child subqueries
    completed too), collected for you: the counterpart of other clients' "query all"
    helpers. Every record is held in memory at once, so stream large results with ``query``
    instead. Note that Salesforce's ``queryAll`` resource means something else (it includes
    deleted records): ask for that with ``include_deleted=True``.

    Args:
        query: ``select(Model)...`` (records of that model) or a SOQL string (records of the
            model registered for their type, else ``GenericRecord``).
        include_deleted: Use ``queryAll``: include deleted and archived records.
        batch_size: Records per page, 200 to 2000 (a hint Salesforce may adjust).

    Raises:
        TypeError: If ``query`` is neither a builder nor a string.
        ValueError: If the SOQL is empty or ``batch_size`` is out of range.
        NoClientError: If no client is given or registered.
        SalesforceApiError: If Salesforce rejects the query (``MALFORMED_QUERY``, ...).
    """
    records = queries.query(
        query, sf_client, include_deleted=include_deleted, batch_size=batch_size
    )
    return [record for record in records]
