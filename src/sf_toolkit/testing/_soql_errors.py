"""
Salesforce-shaped SOQL error messages.

Salesforce prefixes most query errors with the offending line and a caret under the position it
complains about, then ``ERROR at Row:r:Column:c`` and the detail::

    <newline>SELECT Id FROMM Account
              ^
    ERROR at Row:1:Column:11
    unexpected token: 'FROMM'

The detail is always the last line, so callers can match on it with ``endswith``/``in``.
"""

from __future__ import annotations

from ._protocols import SoqlError

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"


def row_column(text: str, pos: int) -> tuple[int, int]:
    """The 1-based row and column of character offset ``pos`` in ``text``."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    return row, pos - line_start + 1


def error_at(text: str, pos: int, error_code: str, detail: str) -> SoqlError:
    """
    Build a :class:`SoqlError` pointing at ``pos`` in the query, the way Salesforce words it.

    Args:
        text: The whole query string.
        pos: Character offset of the offending token.
        error_code: ``MALFORMED_QUERY``, ``INVALID_FIELD``, ...
        detail: The last line of the message, e.g. ``unexpected token: 'FROMM'``.
    """
    row, column = row_column(text, pos)
    line = text.splitlines()[row - 1] if text.strip() else ""
    caret = " " * (column - 1) + "^"
    return SoqlError(error_code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{detail}")


def no_such_column(text: str, pos: int, field: str, sobject: str) -> SoqlError:
    """INVALID_FIELD for a field the sObject does not have."""
    return error_at(
        text,
        pos,
        INVALID_FIELD,
        f"No such column '{field}' on entity '{sobject}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names.",
    )


def unknown_relationship(text: str, pos: int, name: str, *, in_from: bool) -> SoqlError:
    """INVALID_FIELD (in a field path) or INVALID_TYPE (in a subquery's FROM)."""
    where = "FROM part of query call" if in_from else "field path"
    return error_at(
        text,
        pos,
        INVALID_TYPE if in_from else INVALID_FIELD,
        f"Didn't understand relationship '{name}' in {where}. If you are attempting to use a "
        "custom relationship, be sure to append the '__r' after the custom relationship name. "
        "Please reference your WSDL or the describe call for the appropriate names.",
    )


def unsupported_sobject(text: str, pos: int, name: str) -> SoqlError:
    """INVALID_TYPE for an sObject the org does not have."""
    return error_at(
        text,
        pos,
        INVALID_TYPE,
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )
