"""Describe metadata: typed parsing of ``GET /sobjects/{T}/describe``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "ChildRelationship",
    "FieldDescription",
    "PicklistValue",
    "SObjectDescription",
    "parse_describe",
]


@attrs.frozen(kw_only=True)
class PicklistValue:
    """One value of a picklist field."""

    value: str
    label: str | None = None
    active: bool = True
    default: bool = False


@attrs.frozen(kw_only=True)
class FieldDescription:
    """The metadata of one field, from describe."""

    name: str
    label: str
    type: str
    """Salesforce's field type: ``string``, ``currency``, ``reference``, ..."""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    unique: bool = False
    external_id: bool = False
    id_lookup: bool = False
    calculated: bool = False
    defaulted_on_create: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist_values: tuple[PicklistValue, ...] = ()
    compound_field_name: str | None = None

    @property
    def read_only(self) -> bool:
        """True when the field can be neither set on create nor updated."""
        return self.calculated or not (self.createable or self.updateable)


@attrs.frozen(kw_only=True)
class ChildRelationship:
    """A child relationship: which sObject points here, through which field."""

    child_sobject: str
    field: str
    relationship_name: str | None = None


@attrs.frozen(kw_only=True)
class SObjectDescription:
    """The metadata of one sObject, from describe."""

    name: str
    label: str
    key_prefix: str | None = None
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    fields: tuple[FieldDescription, ...] = ()
    child_relationships: tuple[ChildRelationship, ...] = ()

    def field(self, name: str) -> FieldDescription | None:
        """Return a field by API name, ignoring case."""
        lowered = name.lower()
        return next((field for field in self.fields if field.name.lower() == lowered), None)


def _str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"describe {where} has no {key!r} string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


def _objects(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise ValueError(f"describe {where} has a malformed {key!r} list")
    return value


def _parse_field(data: Mapping[str, Any], where: str) -> FieldDescription:
    name = _str(data, "name", where)
    where = f"field {name!r}"
    return FieldDescription(
        name=name,
        label=_opt_str(data, "label") or name,
        type=_str(data, "type", where),
        length=_opt_int(data, "length"),
        precision=_opt_int(data, "precision"),
        scale=_opt_int(data, "scale"),
        nillable=_bool(data, "nillable", True),
        createable=_bool(data, "createable", True),
        updateable=_bool(data, "updateable", True),
        unique=_bool(data, "unique", False),
        external_id=_bool(data, "externalId", False),
        id_lookup=_bool(data, "idLookup", False),
        calculated=_bool(data, "calculated", False),
        defaulted_on_create=_bool(data, "defaultedOnCreate", False),
        reference_to=tuple(item for item in data.get("referenceTo") or () if isinstance(item, str)),
        relationship_name=_opt_str(data, "relationshipName"),
        picklist_values=tuple(
            PicklistValue(
                value=_str(item, "value", f"picklist value of {where}"),
                label=_opt_str(item, "label"),
                active=_bool(item, "active", True),
                default=_bool(item, "defaultValue", False),
            )
            for item in _objects(data, "picklistValues", where)
        ),
        compound_field_name=_opt_str(data, "compoundFieldName"),
    )


def parse_describe(data: Mapping[str, Any]) -> SObjectDescription:
    """
    Read the JSON of ``GET /sobjects/{T}/describe`` into typed metadata.

    Raises:
        ValueError: If a required key (an object or field ``name``, a field ``type``) is
            missing or a list is malformed; the message names the place.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"describe data must be a JSON object, got {type(data).__name__}")
    name = _str(data, "name", "result")
    where = f"of {name!r}"
    return SObjectDescription(
        name=name,
        label=_opt_str(data, "label") or name,
        key_prefix=_opt_str(data, "keyPrefix"),
        custom=_bool(data, "custom", False),
        createable=_bool(data, "createable", True),
        updateable=_bool(data, "updateable", True),
        deletable=_bool(data, "deletable", True),
        queryable=_bool(data, "queryable", True),
        fields=tuple(
            _parse_field(item, f"field #{index} {where}")
            for index, item in enumerate(_objects(data, "fields", where))
        ),
        child_relationships=tuple(
            ChildRelationship(
                child_sobject=_str(item, "childSObject", f"child relationship {where}"),
                field=_str(item, "field", f"child relationship {where}"),
                relationship_name=_opt_str(item, "relationshipName"),
            )
            for item in _objects(data, "childRelationships", where)
        ),
    )
