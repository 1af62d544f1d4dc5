"""
Typed Salesforce record models, sans I/O.

Declare a model with annotations; load it from JSON with :func:`from_payload`; write it back
with :func:`to_payload`; generate models from describe metadata with
:func:`generate_model_source`.
"""

from __future__ import annotations

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
    generate_model_source,
    parse_describe,
)
from ._values import Address, Location, format_datetime, parse_datetime

__all__ = [
    "NOT_LOADED",
    "SYSTEM_FIELDS",
    "Address",
    "ChildRelationship",
    "FieldDescription",
    "GenericRecord",
    "Location",
    "PicklistValue",
    "RelatedList",
    "SObject",
    "SObjectDescription",
    "api_name_of",
    "blob_field_of",
    "changed_fields",
    "check_record_type",
    "configure_converter",
    "connection_of",
    "extra_fields",
    "field_api_names",
    "format_datetime",
    "from_payload",
    "generate_model_source",
    "is_loaded",
    "loaded_fields",
    "make_converter",
    "mark_clean",
    "parse_describe",
    "parse_datetime",
    "relationship_fields",
    "sf_field",
    "sobject_class",
    "to_payload",
    "validate_record_id",
]
