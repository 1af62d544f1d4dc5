"""Constructor checks shared by the logins: clear ValueErrors that name the argument."""

from __future__ import annotations

import re
from typing import Any

import attrs

from ._domain import login_base_url

__all__ = ["check_domain", "normalize_api_version", "not_empty"]

_VERSION = re.compile(r"^v?([0-9]{1,3})(?:\.0)?$")


def not_empty(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: the value is a non-blank str (the message names the argument only)."""
    del instance
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def check_domain(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """An attrs validator: the login domain is one :func:`login_base_url` understands."""
    del instance, attribute
    login_base_url(value)


def normalize_api_version(value: object) -> str | None:
    """
    Turn ``"62.0"``, ``"v62.0"``, ``"62"``, ``62`` or ``62.0`` into ``"62.0"``; keep ``None``.

    Raises:
        ValueError: If the value is not an API version.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"api_version must be a str such as '62.0', not {type(value).__name__}")
    text = str(value).strip()
    match = _VERSION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"api_version must look like '62.0', got {value!r}")
    return f"{int(match.group(1))}.0"
