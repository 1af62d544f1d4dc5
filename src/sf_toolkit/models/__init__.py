"""
Typed Salesforce record models, sans I/O.

Declare a model with annotations; load it from JSON with :func:`from_payload`; write it back
with :func:`to_payload`; generate models from describe metadata with
:func:`generate_model_source`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports, publish
from ._base import (
    NOT_LOADED,
    GenericRecord,
    SObject,
    api_name_of,
    changed_fields,
    check_record_type,
    connection_of,
    extra_fields,
    is_loaded,
    loaded_fields,
    mark_clean,
    sf_field,
    sobject_class,
)
from ._convert import (
    SYSTEM_FIELDS,
    RelatedList,
    blob_field_of,
    configure_converter,
    field_api_names,
    from_payload,
    get_field,
    incomplete_related_lists,
    load_into,
    make_converter,
    relationship_fields,
    to_payload,
    validate_record_id,
)
from ._describe import (
    ChildRelationship,
    FieldDescription,
    PicklistValue,
    SObjectDescription,
    parse_describe,
)
from ._files import blob_file_name, safe_file_name
from ._values import Address, Location, format_datetime, parse_datetime

if TYPE_CHECKING:
    from ._codegen import generate_model_source

#: Names loaded on first use (PEP 562): code generation is for tools, not for every import.
_EXPORTS = {"generate_model_source": "._codegen"}

if not TYPE_CHECKING:  # hidden from type checkers, which then flag any unknown name
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

__all__ = [
    "Address",
    "ChildRelationship",
    "FieldDescription",
    "GenericRecord",
    "Location",
    "NOT_LOADED",
    "PicklistValue",
    "RelatedList",
    "SObject",
    "SObjectDescription",
    "SYSTEM_FIELDS",
    "api_name_of",
    "blob_field_of",
    "blob_file_name",
    "changed_fields",
    "check_record_type",
    "configure_converter",
    "connection_of",
    "extra_fields",
    "field_api_names",
    "format_datetime",
    "from_payload",
    "generate_model_source",
    "get_field",
    "incomplete_related_lists",
    "is_loaded",
    "load_into",
    "loaded_fields",
    "make_converter",
    "mark_clean",
    "parse_datetime",
    "parse_describe",
    "relationship_fields",
    "safe_file_name",
    "sf_field",
    "sobject_class",
    "to_payload",
    "validate_record_id",
]

publish(__name__, [globals()[name] for name in __all__ if name not in _EXPORTS])
