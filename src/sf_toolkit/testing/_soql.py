"""
The fake org's SOQL engine: parse a query, then run it against the store.

``parse`` knows only the syntax; ``execute`` resolves names through a
:class:`~sf_toolkit.testing._protocols.QueryDatabase` and returns every row of the result.
Errors are :class:`~sf_toolkit.testing._protocols.SoqlError` with Salesforce's error codes and
messages (including Salesforce's ``ERROR at Row:r:Column:c`` prefix; the detail is the last line).

Choices where Salesforce is not documented:

* a literal of the wrong type for its field is ``INVALID_FIELD`` ("value of filter criterion for
  field 'X' must be of type T ..."); a malformed Id literal is ``INVALID_QUERY_FILTER_OPERATOR``;
* ``''`` on text, Id and multipicklist fields means null, as Salesforce stores empty text as null;
* ``!=`` and ``NOT IN`` keep rows whose field is null; ordering operators never match null;
* relative date literals are computed in UTC, weeks starting on Sunday;
* a child subquery's key in the output is the relationship name as written in the query.
"""

from __future__ import annotations

from ._protocols import SoqlError
from ._soql_ast import Query
from ._soql_eval import execute
from ._soql_parser import MAX_OFFSET, parse

__all__ = ["MAX_OFFSET", "Query", "SoqlError", "execute", "parse"]
