"""
Salesforce record Ids: validation and the 15 to 18 character conversion.

An Id is 15 case-sensitive or 18 case-safe characters of ``[A-Za-z0-9]``; the first three
characters are the key prefix of its sObject. The last three characters of an 18-character Id
encode, five characters at a time, which characters of the 15-character form are upper case.
"""

from __future__ import annotations

import re

from .exceptions import InvalidIdError

__all__ = ["KEY_PREFIXES", "is_valid_id", "key_prefix", "to_id18", "validate_id"]

_ID_RE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

#: Key prefixes of the standard objects sf_toolkit knows by name.
KEY_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Opportunity": "006",
    "Lead": "00Q",
    "Organization": "00D",
    "Attachment": "00P",
    "Task": "00T",
    "Event": "00U",
    "Document": "015",
    "ContentVersion": "068",
    "ContentDocument": "069",
    "Case": "500",
}


#: Each character as one bit: "1" for an upper-case letter, "0" for anything else.
_UPPER_BITS = str.maketrans(
    {chr(code): "1" if "A" <= chr(code) <= "Z" else "0" for code in range(128)}
)


def _checksum(id15: str) -> str:
    # Five characters a block; the block's first character is the lowest bit.
    bits = id15.translate(_UPPER_BITS)[::-1]  # the last block first, each lowest bit last
    return (
        _SUFFIX_ALPHABET[int(bits[10:15], 2)]
        + _SUFFIX_ALPHABET[int(bits[5:10], 2)]
        + _SUFFIX_ALPHABET[int(bits[0:5], 2)]
    )


def is_valid_id(value: object) -> bool:
    """
    Tell whether ``value`` is a well-formed 15 or 18 character Id.

    An 18-character Id must carry the checksum of its first 15 characters.
    """
    if not isinstance(value, str) or _ID_RE.fullmatch(value) is None:
        return False
    return len(value) == 15 or _checksum(value[:15]) == value[15:].upper()


def validate_id(value: object, *, argument: str = "record_id") -> str:
    """
    Return ``value`` as an 18-character Id, or raise :class:`InvalidIdError`.

    The error names the argument and the rule, so a malformed Id never reaches a URL.
    """
    if not is_valid_id(value):
        raise InvalidIdError(
            f"{argument} must be a 15 or 18 character Salesforce Id of letters and digits "
            f"with a valid checksum, got {value!r}",
            error_code="MALFORMED_ID",
            fields=(argument,),
        )
    assert isinstance(value, str)
    return to_id18(value)


def to_id18(value: str) -> str:
    """Convert a 15-character Id to its 18-character form; an 18-character Id is returned as is."""
    if len(value) == 18:
        return value[:15] + value[15:].upper()
    if len(value) != 15:
        raise InvalidIdError(
            f"an Id has 15 or 18 characters, got {len(value)}", error_code="MALFORMED_ID"
        )
    return value + _checksum(value)


def key_prefix(value: str) -> str:
    """Return the three-character key prefix of an Id."""
    return value[:3]
