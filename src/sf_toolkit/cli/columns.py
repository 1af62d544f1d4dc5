"""
The columns of a SOQL query's rows, read from its SELECT list (sans I/O).

Rows of a query come back as nested JSON; a CSV needs its header before the first row, and a
parent that is null in the first rows (``"Account": null``) must not hide ``Account.Name``.
The SELECT list says which columns there are, in order, so it is read once up front:

* a field path stays as written: ``Name``, ``Account.Owner.Name``;
* ``toLabel(Status)``, ``convertCurrency(Amount)`` and ``FORMAT(Amount)`` keep the field's
  path (or take their alias), as Salesforce names them;
* an aggregate takes its alias, else Salesforce's ``expr0``, ``expr1``, ... in order;
* a child subquery ``(SELECT ... FROM Contacts)`` is one column named after the relationship;
* ``TYPEOF`` and ``FIELDS(...)`` cannot be told from the text: :func:`select_columns` returns
  None and the caller takes the columns from the rows instead.
"""

from __future__ import annotations

import re

__all__ = ["select_columns", "split_top_level"]

_SELECT = re.compile(r"^\s*select\s+(?P<items>.*?)\s+from\s", re.IGNORECASE | re.DOTALL)
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_AGGREGATE = re.compile(
    r"^(?P<call>[A-Za-z_]+\s*\(.*\))(?:\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]*))?$", re.DOTALL
)
_FIELD_FUNCTION = re.compile(
    r"(?:tolabel|convertcurrency|format)\s*\(\s*(?P<path>[A-Za-z_][A-Za-z0-9_]*"
    r"(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\)(?:\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]*))?",
    re.IGNORECASE,
)
_COUNT = re.compile(r"\s*count\s*\(\s*\)\s*", re.IGNORECASE)
_SUBQUERY_FROM = re.compile(r"\bfrom\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def split_top_level(text: str) -> list[str] | None:
    """
    Split at the commas outside parentheses and string literals; None if unbalanced.

    >>> split_top_level("Id, COUNT(Id) n, (SELECT Id, Name FROM Contacts)")
    ['Id', 'COUNT(Id) n', '(SELECT Id, Name FROM Contacts)']
    """
    items: list[str] = []
    depth, start, quoted, escaped = 0, 0, False, False
    for index, char in enumerate(text):
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
    if depth or quoted:
        return None
    items.append(text[start:].strip())
    return items


def _select_list(soql: str) -> str | None:
    """The text between the outer SELECT and its FROM (skipping FROMs in subqueries)."""
    match = re.match(r"^\s*select\s", soql, re.IGNORECASE)
    if match is None:
        return None
    depth = 0
    for found in re.finditer(r"[()]|\bfrom\b", soql[match.end() :], re.IGNORECASE):
        token = found.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return soql[match.end() : match.end() + found.start()]
    return None


def select_columns(soql: str) -> list[str] | None:
    """
    The column names a query's rows have, in SELECT order; None when the text cannot say.

    >>> select_columns("SELECT Id, Account.Name, COUNT(Id) FROM Contact GROUP BY Id, Account.Name")
    ['Id', 'Account.Name', 'expr0']
    """
    select_list = _select_list(soql)
    if select_list is None:
        return None
    items = split_top_level(select_list)
    if not items or any(not item for item in items):
        return None
    columns: list[str] = []
    unnamed = 0
    for item in items:
        if item.startswith("("):
            sub = _SUBQUERY_FROM.search(item)
            if sub is None:
                return None
            columns.append(sub.group("name"))
            continue
        if _PATH.match(item):
            if item.lower() == "typeof":
                return None
            columns.append(item)
            continue
        wrapped = _FIELD_FUNCTION.fullmatch(item)
        if wrapped is not None:
            # toLabel(), convertCurrency() and FORMAT() of a field keep the field's name.
            columns.append(wrapped.group("alias") or wrapped.group("path"))
            continue
        aggregate = _AGGREGATE.match(item)
        if aggregate is None or aggregate.group("call").lower().startswith(("fields", "typeof")):
            return None
        if aggregate.group("alias"):
            columns.append(aggregate.group("alias"))
        else:
            columns.append(f"expr{unnamed}")
            unnamed += 1
    return columns


def is_count_query(soql: str) -> bool:
    """Tell whether the query is ``SELECT COUNT() FROM ...``: a number, and no rows."""
    select_list = _select_list(soql)
    return select_list is not None and _COUNT.fullmatch(select_list) is not None
