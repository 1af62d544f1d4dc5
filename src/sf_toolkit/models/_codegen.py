"""
Model source generation from describe metadata, loaded only when used (the CLI's
``models generate``, or a call to :func:`generate_model_source`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

from ._describe import FieldDescription, SObjectDescription

__all__ = ["generate_model_source"]


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


generate_model_source.__module__ = "sf_toolkit.models"  # its public path
