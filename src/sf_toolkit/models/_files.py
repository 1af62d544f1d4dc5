"""
File names for downloaded blobs: taken from the record, made safe to join to a directory.
"""

from __future__ import annotations

import re

from ._base import SObject, api_name_of
from ._convert import get_field

__all__ = [
    "blob_file_name",
    "safe_file_name",
]

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_MAX_BYTES = 255


def safe_file_name(name: object) -> str | None:
    """
    Reduce a name from Salesforce to one plain file name, or None when nothing usable is left.

    Directory parts (``/`` or ``\\``) are dropped, so ``../../etc/passwd`` becomes ``passwd``;
    control characters and characters Windows refuses become ``_``; ``.`` and ``..`` are
    refused; the result is at most 255 bytes of UTF-8, keeping the extension.
    """
    if not isinstance(name, str):
        return None
    base = re.split(r"[\\/]", name)[-1]
    base = _UNSAFE.sub("_", base).strip().rstrip(".")
    if base in ("", ".", ".."):
        return None
    if len(base.encode()) > _MAX_BYTES:
        stem, dot, ext = base.rpartition(".")
        if not dot or len(ext.encode()) > 16:
            stem, ext = base, ""
        suffix = f".{ext}" if ext else ""
        budget = _MAX_BYTES - len(suffix.encode())
        stem = stem.encode()[:budget].decode(errors="ignore")
        base = stem + suffix
    return base


def _text(record: SObject, api_name: str) -> str | None:
    value = get_field(record, api_name)
    return value if isinstance(value, str) and value.strip() else None


def _with_extension(stem: str | None, extension: str | None) -> str | None:
    if stem is None or not extension:
        return stem
    suffix = "." + extension.lstrip(".")
    return stem if stem.lower().endswith(suffix.lower()) else stem + suffix


def blob_file_name(record: SObject) -> str | None:
    """
    Return a safe file name for the record's file body, or None if the record names none.

    ContentVersion: the last part of ``PathOnClient``, else ``Title`` plus
    ``FileExtension``. Document: ``Name`` plus ``Type`` (its extension) when missing.
    Attachment and others: ``Name``, else ``Title``. Only loaded fields are used.
    """
    sf_type = api_name_of(record).lower()
    if sf_type == "contentversion":
        candidate = _text(record, "PathOnClient") or _with_extension(
            _text(record, "Title"), _text(record, "FileExtension")
        )
    elif sf_type == "document":
        candidate = _with_extension(_text(record, "Name"), _text(record, "Type"))
    else:
        candidate = _text(record, "Name") or _text(record, "Title")
    return safe_file_name(candidate)
