"""
Bulk API 2.0 query rules: which SOQL a query job refuses, and its opaque result locators.

Per ``docs/salesforce-wire.md`` §11 a query job refuses ``GROUP BY``, ``OFFSET``, ``TYPEOF``,
aggregate functions including ``COUNT()``, parent-to-child subqueries and compound address or
location fields. Semi-join subqueries in ``WHERE`` (``Id IN (SELECT ...)``) are allowed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from ._protocols import BulkBackend, QueryResult

__all__ = ["columns_of", "compound_refusal", "decode_locator", "encode_locator", "refusal"]

_STRING = re.compile(r"'(?:\\.|[^'\\])*'")
_GROUP_BY = re.compile(r"\bGROUP\s+BY\b", re.IGNORECASE)
_OFFSET = re.compile(r"\bOFFSET\b", re.IGNORECASE)
_TYPEOF = re.compile(r"\bTYPEOF\b", re.IGNORECASE)
_AGGREGATE = re.compile(r"\b(COUNT|COUNT_DISTINCT|SUM|AVG|MIN|MAX)\s*\(", re.IGNORECASE)
_WORD_OR_PAREN = re.compile(r"\(|\)|\b(?:FROM|SELECT)\b", re.IGNORECASE)


def _select_list(soql: str) -> str:
    """The text between the outer SELECT and its FROM (string literals already blanked)."""
    depth = 0
    for match in _WORD_OR_PAREN.finditer(soql):
        token = match.group(0).upper()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "FROM" and depth == 0:
            return soql[: match.start()]
    return soql


def refusal(soql: str) -> str | None:
    """
    Tell why a Bulk query job refuses ``soql`` by its text, or ``None`` if it does not.

    The SOQL engine still has to accept the query; this only adds Bulk API's own limits.
    """
    text = _STRING.sub("''", soql)
    if _GROUP_BY.search(text):
        return "GROUP BY is not supported by Bulk API 2.0 query jobs"
    if _OFFSET.search(text):
        return "OFFSET is not supported by Bulk API 2.0 query jobs"
    if _TYPEOF.search(text):
        return "TYPEOF is not supported by Bulk API 2.0 query jobs"
    if _AGGREGATE.search(text):
        return "Aggregate queries, COUNT() included, are not supported by Bulk API 2.0 query jobs"
    if re.search(r"\(\s*SELECT\b", _select_list(text), re.IGNORECASE):
        return "Parent-to-child relationship subqueries are not supported by Bulk API 2.0"
    return None


def compound_refusal(backend: BulkBackend, result: QueryResult) -> str | None:
    """Refuse compound address and location fields, which the query result alone reveals."""
    for column in result.columns:
        if "." in column:
            continue
        ref = backend.field(result.sobject, column)
        if ref is not None and ref.type in ("address", "location"):
            return (
                f"Compound field {ref.name} is not supported by Bulk API 2.0 query jobs; "
                "select its component fields"
            )
    return None


def encode_locator(offset: int) -> str:
    """An opaque locator for a result offset (base64 of the number, unpadded, as observed)."""
    return base64.b64encode(str(offset).encode("ascii")).decode("ascii").rstrip("=")


def decode_locator(locator: str) -> int | None:
    """The offset behind a locator, or ``None`` for one this fake never issued."""
    padded = locator + "=" * (-len(locator) % 4)
    try:
        text = base64.b64decode(padded.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    if not text.isdigit():
        return None
    return int(text)


def _paths(record: Mapping[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, Mapping):
            paths += _paths(value, f"{prefix}{key}.")
        else:
            paths.append(prefix + key)
    return paths


def columns_of(result: QueryResult) -> list[str]:
    """
    The CSV columns of a query result: the engine's SELECT-order paths.

    An engine that leaves ``columns`` empty gets them from the first record's keys, so the
    CSV still has a header (a null parent then hides its fields, which is the best we can do).
    """
    if result.columns or not result.records:
        return list(result.columns)
    return _paths(result.records[0])
