"""
Describe metadata: typed parsing of ``GET /sobjects/{T}/describe`` and model source generation.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "ChildRelationship",
    "FieldDescription",
    "PicklistValue",
    "SObjectDescription",
    "generate_model_source",
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


# ----------------------------------------------------------------------------- code generation

_TYPES = {
    "boolean": "bool",
    "int": "int",
    "long": "int",
    "double": "float",
    "percent": "float",
    "currency": "decimal.Decimal",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "time": "datetime.time",
    "multipicklist": "list[str]",
    "base64": "bytes",
    "address": "models.Address",
    "location": "models.Location",
    "anyType": "typing.Any",
}
_STRING_TYPES = frozenset(
    [
        "string",
        "textarea",
        "picklist",
        "email",
        "phone",
        "url",
        "reference",
        "combobox",
        "encryptedstring",
        "id",
    ]
)
_LINE_LENGTH = 100
_IDENTIFIER = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?")
_RESERVED = frozenset({"attributes", "datetime", "decimal", "typing", "models"})


def _python_type(field: FieldDescription) -> str:
    if field.type in _STRING_TYPES:
        return "str"
    return _TYPES.get(field.type, "typing.Any")


def _attribute_name(api_name: str, taken: set[str]) -> str:
    name = api_name
    if _IDENTIFIER.fullmatch(name) is None or keyword.iskeyword(name) or name in _RESERVED:
        name = re.sub(r"\W", "_", api_name).strip("_") or "field"
        if name[0].isdigit():
            name = f"f_{name}"
        name = f"{name}_x"
    while name in taken:
        name = f"{name}_x"
    taken.add(name)
    return name


def _class_name(api_name: str, taken: set[str]) -> str:
    name = _attribute_name(api_name, taken)
    return name[0].upper() + name[1:]


def _docstring_text(text: str) -> str:
    cleaned = re.sub(r"[\\\"\s]+", " ", text).strip() or "sObject"
    if len(cleaned) > 80:
        cleaned = cleaned[:77].rstrip() + "..."
    return cleaned if cleaned.endswith(".") else f"{cleaned}."


def _field_line(attr: str, api_name: str | None, annotation: str, read_only: bool) -> list[str]:
    arguments = ["default=None"]
    if api_name is not None:
        arguments.append(f"api_name={api_name!r}".replace("'", '"'))
    if read_only:
        arguments.append("read_only=True")
    head = f"    {attr}: {annotation} | None = "
    if len(arguments) == 1:
        return [head + "None"]
    call = f"models.sf_field({', '.join(arguments)})"
    if len(head) + len(call) <= _LINE_LENGTH:
        return [head + call]
    return [head + "models.sf_field(", f"        {', '.join(arguments)}", "    )"]


def _class_source(description: SObjectDescription, class_name: str) -> list[str]:
    keywords = "" if class_name == description.name else f', api_name="{description.name}"'
    lines = [
        f"class {class_name}(models.SObject{keywords}):",
        f'    """{_docstring_text(description.label)}"""',
    ]
    taken: set[str] = set()
    body: list[str] = []
    for field in description.fields:
        if field.name == "Id":
            continue
        attr = _attribute_name(field.name, taken)
        body.extend(
            _field_line(
                attr,
                None if attr == field.name else field.name,
                _python_type(field),
                field.read_only or field.type in ("address", "location"),
            )
        )
        if field.type == "reference" and field.relationship_name:
            rel = _attribute_name(field.relationship_name, taken)
            body.extend(
                _field_line(
                    rel,
                    None if rel == field.relationship_name else field.relationship_name,
                    "models.SObject",
                    read_only=False,
                )
            )
    if body:
        lines.append("")
        lines.extend(body)
    return lines


def generate_model_source(descriptions: Sequence[SObjectDescription]) -> str:
    """
    Return the Python source of one module declaring a model per description.

    Fields are typed from their describe type (currency as ``decimal.Decimal``, multipicklists
    as ``list[str]``, ...), default to None, and are ``read_only`` when Salesforce lets
    nobody write them. Parent relationships are declared as ``models.SObject`` so that a
    query selecting them loads the registered model. Names that are not valid attributes
    get a safe attribute and ``api_name=``.
    """
    used: set[str] = set()
    bodies = []
    for description in descriptions:
        if not isinstance(description, SObjectDescription):
            raise TypeError(
                f"generate_model_source() takes SObjectDescription values, "
                f"got {type(description).__name__}"
            )
        bodies.append(_class_source(description, _class_name(description.name, used)))
    annotations = {
        _python_type(field) for description in descriptions for field in description.fields
    }
    imports = [
        module
        for module in ("datetime", "decimal", "typing")
        if any(annotation.startswith(f"{module}.") for annotation in annotations)
    ]
    lines = [
        '"""Salesforce models generated by sf_toolkit from describe metadata."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    if imports:
        lines.extend(f"import {module}" for module in imports)
        lines.append("")
    lines.append("from sf_toolkit import models")
    for body in bodies:
        lines.extend(["", ""])
        lines.extend(body)
    return "\n".join(lines) + "\n"
