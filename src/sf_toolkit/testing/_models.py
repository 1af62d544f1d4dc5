"""
Schema from SObject model classes: ``org.add_model(Invoice)`` declares what the model declares.

Only the public API of :mod:`sf_toolkit.models` is used, so a field renamed with
``sf_field(api_name=...)`` whose attribute name differs from its API name is typed as a string.
"""

from __future__ import annotations

import datetime as dt
import decimal
import types
import typing
from typing import Any

__all__ = ["model_describe"]

_TYPES: dict[Any, str] = {
    str: "string",
    bool: "boolean",
    int: "int",
    float: "double",
    decimal.Decimal: "currency",
    dt.date: "date",
    dt.datetime: "datetime",
    dt.time: "time",
    bytes: "base64",
}
_SYSTEM = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "OwnerId",
    }
)


def _plain(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0] if len(args) == 1 else Any
    return annotation


def _describe_type(annotation: Any) -> str:
    plain = _plain(annotation)
    if plain in _TYPES:
        return _TYPES[plain]
    origin = typing.get_origin(plain)
    if origin in (list, tuple, frozenset, set):
        return "multipicklist"
    return "string"


def model_describe(cls: type[Any]) -> dict[str, Any]:
    """
    Build a describe-style dict (``name``, ``fields``) from an SObject model class.

    Raises:
        TypeError: If ``cls`` is not an SObject model class.
    """
    from ..models import (
        SObject,
        api_name_of,
        blob_field_of,
        field_api_names,
        relationship_fields,
    )

    if not (isinstance(cls, type) and issubclass(cls, SObject)):
        raise TypeError(f"add_model() needs an SObject subclass, got {cls!r}")
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):
        hints = {}
    parents = {
        name: related for name, related, is_child in relationship_fields(cls) if not is_child
    }
    lookups: dict[str, tuple[str, str]] = {}
    for relationship, related in parents.items():
        target = api_name_of(related) if related is not None else None
        field = relationship[:-1] + "c" if relationship.endswith("__r") else relationship + "Id"
        if target is not None:
            lookups[field.lower()] = (target, relationship)
    blob = blob_field_of(cls)
    fields: list[dict[str, Any]] = []
    for name in field_api_names(cls):
        if name in _SYSTEM:
            continue
        kind = "base64" if name == blob else _describe_type(hints.get(name, str))
        entry: dict[str, Any] = {"name": name, "type": kind}
        lookup = lookups.get(name.lower())
        if lookup is not None:
            entry.update(type="reference", referenceTo=[lookup[0]], relationshipName=lookup[1])
        if kind == "multipicklist":
            entry["picklistValues"] = []
        fields.append(entry)
    return {"name": api_name_of(cls), "fields": fields}
