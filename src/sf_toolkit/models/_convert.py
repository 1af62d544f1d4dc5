"""
Between Salesforce JSON and model records: the converter, load plans and payloads.

Each model class gets a load plan the first time it is used: its annotations are resolved and
one converter hook per field is looked up, so loading a page of records runs a tight loop over
the JSON keys with no per-record type dispatch.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar, overload

import attrs
import cattrs

from ..exceptions import InvalidIdError
from ..ids import to_id18, validate_id
from . import _values as v
from ._base import (
    NOT_LOADED,
    GenericRecord,
    SObject,
    _get_attributes,
    _get_changed,
    _get_extra,
    _set_attributes,
    _set_changed,
    _set_dict,
    _set_extra,
    _set_type,
    api_name_of,
    new_record,
    sobject_class,
)
from ._dump import dump_loose, dumper_for

__all__ = [
    "RelatedList",
    "SYSTEM_FIELDS",
    "blob_field_of",
    "configure_converter",
    "field_api_names",
    "from_payload",
    "get_field",
    "incomplete_related_lists",
    "load_into",
    "make_converter",
    "relationship_fields",
    "to_payload",
    "validate_record_id",
]

_S = TypeVar("_S", bound=SObject)
_R = TypeVar("_R", bound=SObject)

#: Fields Salesforce maintains itself; they are never sent (compared case-insensitively).
SYSTEM_FIELDS = frozenset(
    name.lower()
    for name in (
        "Id",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "IsDeleted",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "MasterRecordId",
    )
)

#: Blob fields of the standard objects that hold file bodies.
_STANDARD_BLOBS = {"attachment": "Body", "document": "Body", "contentversion": "VersionData"}


class RelatedList(list[_R]):
    """
    The records of a child relationship (a subquery), with Salesforce's paging state.

    When ``done`` is false, ``next_records_url`` points at the rest of the children: the
    query layer fetches that page and passes it to :meth:`add_page` until ``done``.
    """

    total_size: int
    done: bool
    next_records_url: str | None
    model: type[SObject] | None
    """The model the children load into; None means the registry decides per row."""

    def __init__(
        self,
        records: Iterable[_R] = (),
        *,
        total_size: int | None = None,
        done: bool = True,
        next_records_url: str | None = None,
        model: type[SObject] | None = None,
    ) -> None:
        super().__init__(records)
        self.total_size = len(self) if total_size is None else total_size
        self.done = done
        self.next_records_url = next_records_url
        self.model = model

    def add_page(self, page: Mapping[str, Any]) -> None:
        """
        Append the records of the next page of this relationship and take its paging state.

        Args:
            page: The JSON of ``GET {next_records_url}``: ``{"done", "records", ...}``.
        """
        if not isinstance(page, Mapping) or not isinstance(page.get("records"), list):
            raise TypeError("a page of children must be a query result with 'records'")
        self.extend(typing.cast(_R, _load(row, self.model)) for row in page["records"])
        self.done = bool(page.get("done", True))
        next_url = page.get("nextRecordsUrl")
        self.next_records_url = next_url if isinstance(next_url, str) else None


# ----------------------------------------------------------------------------- converter


def make_converter() -> cattrs.Converter:
    """Return a new private cattrs converter configured for Salesforce's formats."""
    converter = cattrs.Converter()
    configure_converter(converter)
    return converter


def configure_converter(converter: cattrs.Converter) -> None:
    """
    Register Salesforce's value formats on ``converter`` (never on cattrs' global one).

    * datetime: read ``+0000``, ``Z`` or ``+05:00`` offsets, with or without milliseconds,
      as aware datetimes; written as ``2024-01-31T12:34:56.000+0000`` in UTC.
    * date ``2024-01-31``; time ``12:34:56.000Z`` (read as a naive time).
    * Decimal from JSON numbers, written back as JSON numbers.
    * ``list[str]`` is a multi-select picklist: ``"a;b"`` both ways.
    * bytes is a blob: base64 text both ways.
    * Address and Location: compound fields, read-only.
    * SObject subclasses are parent relationships, read as nested records (the record's
      ``attributes`` key is consumed, not kept); ``list`` of them is a child relationship,
      read from a subquery result into a :class:`RelatedList`.
    """
    converter.register_structure_hook(datetime, lambda value, _: v.parse_datetime(value))
    converter.register_unstructure_hook(datetime, v.format_datetime)
    converter.register_structure_hook(date, lambda value, _: v.parse_date(value))
    converter.register_unstructure_hook(date, v.format_date)
    converter.register_structure_hook(time, lambda value, _: v.parse_time(value))
    converter.register_unstructure_hook(time, v.format_time)
    converter.register_structure_hook(Decimal, lambda value, _: v.parse_decimal(value))
    converter.register_unstructure_hook(Decimal, v.format_decimal)
    converter.register_structure_hook(bytes, lambda value, _: v.parse_blob(value))
    converter.register_unstructure_hook(bytes, v.format_blob)
    converter.register_structure_hook(v.Address, lambda value, _: v.parse_address(value))
    converter.register_structure_hook(v.Location, lambda value, _: v.parse_location(value))
    converter.register_structure_hook_func(
        lambda tp: tp == list[str], lambda value, _: v.parse_multipicklist(value)
    )
    converter.register_unstructure_hook_func(lambda tp: tp == list[str], v.format_multipicklist)
    converter.register_structure_hook_func(_is_model, _structure_parent)
    converter.register_structure_hook_func(
        lambda tp: _child_model(tp) is not None, _structure_children
    )


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, SObject)


def _child_model(tp: Any) -> type[SObject] | None:
    if typing.get_origin(tp) in (list, RelatedList):
        (arg,) = typing.get_args(tp) or (None,)
        if _is_model(arg):
            return typing.cast("type[SObject]", arg)
    return None


def _structure_parent(value: Any, tp: type[SObject]) -> SObject:
    if isinstance(value, SObject):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"a {tp.__name__} relationship must be a JSON object")
    return from_payload(value, None if tp is SObject else tp)


def _structure_children(value: Any, tp: Any) -> RelatedList[SObject]:
    model = _child_model(tp)
    return _children(value, None if model is SObject else model)


def _children(value: Any, model: type[SObject] | None) -> RelatedList[SObject]:
    if isinstance(value, Mapping):
        rows = value.get("records") or ()
        total = value.get("totalSize")
        next_url = value.get("nextRecordsUrl")
        return RelatedList(
            [_load(row, model) for row in rows],
            total_size=total if isinstance(total, int) else None,
            done=bool(value.get("done", True)),
            next_records_url=next_url if isinstance(next_url, str) else None,
            model=model,
        )
    if isinstance(value, list):
        return RelatedList([_load(row, model) for row in value], model=model)
    raise TypeError(f"a child relationship must be a query result, got {type(value).__name__}")


@functools.cache
def _converter() -> cattrs.Converter:
    return make_converter()


# ----------------------------------------------------------------------------- plans

# How a field travels: its kind decides whether it is sent and how Salesforce's value reads.
_PLAIN, _CONVERTED, _BLOB, _COMPOUND, _PARENT, _CHILDREN = range(6)
_SKIP: Any = object()


@attrs.frozen
class _PlanField:
    attr: str
    api_name: str
    kind: int
    load: Callable[[Any], Any] | None
    dump: Callable[[Any], Any] | None
    writable: bool
    related: type[SObject] | None
    exact: type | None = None
    """Values of exactly this type are sent as they are; any other goes through ``dump``."""


@attrs.frozen
class _Plan:
    fields: tuple[_PlanField, ...]
    by_key: dict[str, tuple[str, Callable[[Any], Any] | None]]
    by_lower_key: dict[str, tuple[str, Callable[[Any], Any] | None]]
    writable: tuple[_PlanField, ...]
    blob: str | None
    fast: bool
    """True when every attribute is named as its API name: JSON can become ``__dict__``."""
    keys: frozenset[str]
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return args[0] if len(args) == 1 else Any
    return tp


def _load_id(value: Any) -> str:
    if isinstance(value, str) and value.isascii() and value.isalnum():
        if len(value) == 18:
            return value
        if len(value) == 15:
            return to_id18(value)
    return validate_id(value, argument="Id")


def _load_datetime(value: Any) -> datetime:
    # The C parser first: Salesforce's own format is by far the most common input.
    if type(value) is str and len(value) > 10:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    return v.parse_datetime(value)


# Direct loaders for the common types; the converter's hooks call the same parsers.
_FAST_LOADERS: dict[Any, Callable[[Any], Any]] = {
    datetime: _load_datetime,
    date: v.parse_date,
    time: v.parse_time,
    Decimal: v.parse_decimal,
}


def _load_blob(value: Any) -> Any:
    # Record JSON carries the URL of the body, not the body: the field stays not loaded.
    if isinstance(value, str) and value.startswith("/"):
        return _SKIP
    return v.parse_blob(value)


def _plan_field(cls: type[SObject], attr: str, api_name: str, read_only: bool, tp: Any) -> Any:
    converter = _converter()
    inner = _strip_optional(tp)
    writable = not read_only and api_name.lower() not in SYSTEM_FIELDS
    if attr == "Id":
        return _PlanField(attr, api_name, _CONVERTED, _load_id, None, False, None)
    if inner in (str, int, bool):
        exact = inner
        return _PlanField(attr, api_name, _PLAIN, None, dumper_for(inner), writable, None, exact)
    if inner in (float, Any, object):
        dump = dumper_for(float) if inner is float else _dump_any
        return _PlanField(attr, api_name, _PLAIN, None, dump, writable, None)
    if inner in _FAST_LOADERS:
        dump = dumper_for(inner)
        return _PlanField(attr, api_name, _CONVERTED, _FAST_LOADERS[inner], dump, writable, None)
    if inner == list[str]:
        return _PlanField(
            attr,
            api_name,
            _CONVERTED,
            v.parse_multipicklist,
            dumper_for(inner),
            writable,
            None,
        )
    if inner is bytes:
        return _PlanField(attr, api_name, _BLOB, _load_blob, dumper_for(bytes), writable, None)
    if inner in (v.Address, v.Location):
        hook = converter.get_structure_hook(inner)
        return _PlanField(attr, api_name, _COMPOUND, lambda x: hook(x, inner), None, False, None)
    if _is_model(inner):
        model = None if inner is SObject else inner
        return _PlanField(
            attr, api_name, _PARENT, lambda x: _structure_parent(x, inner), None, False, model
        )
    child = _child_model(inner)
    if child is not None:
        model = None if child is SObject else child
        return _PlanField(
            attr, api_name, _CHILDREN, lambda x: _children(x, model), None, False, model
        )
    try:
        structure = converter.get_structure_hook(inner)
        unstructure = converter.get_unstructure_hook(inner)
    except Exception as exc:  # cattrs raises several types for unsupported annotations
        raise TypeError(f"{cls.__name__}.{attr}: unsupported field type {tp!r}") from exc
    return _PlanField(
        attr,
        api_name,
        _CONVERTED,
        lambda x: structure(x, inner),
        unstructure,
        writable,
        None,
    )


def _plan(cls: type[SObject]) -> _Plan:
    plan = cls.__dict__.get("_sf_plan")
    if plan is None:
        plan = _build_plan(cls)
        type.__setattr__(cls, "_sf_plan", plan)
    return typing.cast(_Plan, plan)


def _build_plan(cls: type[SObject]) -> _Plan:
    try:
        hints = typing.get_type_hints(cls)
    except NameError as exc:
        raise TypeError(f"cannot resolve the field types of {cls.__name__}: {exc}") from exc
    fields = tuple(
        _plan_field(cls, info.attr, info.api_name, info.read_only, hints.get(info.attr, Any))
        for info in cls._sf_fields
    )
    by_key = {field.api_name: (field.attr, field.load) for field in fields}
    blob = _STANDARD_BLOBS.get(cls._sf_api_name.lower())
    if blob is None:
        blob = next((field.api_name for field in fields if field.kind == _BLOB), None)
    return _Plan(
        fields=fields,
        by_key=by_key,
        by_lower_key={key.lower(): entry for key, entry in by_key.items()},
        writable=tuple(field for field in fields if field.writable),
        blob=blob,
        fast=all(field.attr == field.api_name for field in fields),
        keys=frozenset(by_key) | {"attributes"},
        converted=tuple((field.api_name, field.load) for field in fields if field.load is not None),
    )


def field_api_names(cls: type[SObject]) -> list[str]:
    """
    Return the API names a query selects for a model: Id first, then the declared fields.

    Parent and child relationship fields are left out; they are not columns.
    """
    return [field.api_name for field in _plan(cls).fields if field.kind not in (_PARENT, _CHILDREN)]


def relationship_fields(cls: type[SObject]) -> list[tuple[str, type[SObject] | None, bool]]:
    """Return ``(api_name, related model or None, is_child)`` for each declared relationship."""
    return [
        (field.api_name, field.related, field.kind == _CHILDREN)
        for field in _plan(cls).fields
        if field.kind in (_PARENT, _CHILDREN)
    ]


def blob_field_of(cls: type[SObject]) -> str | None:
    """
    Return the API name of the field that holds a file body, if the model has one.

    ``Body`` for Attachment and Document, ``VersionData`` for ContentVersion, else the first
    field declared as ``bytes``.
    """
    return _plan(cls).blob


# ----------------------------------------------------------------------------- loading


@overload
def from_payload(data: Mapping[str, Any], cls: type[_S]) -> _S: ...


@overload
def from_payload(data: Mapping[str, Any], cls: None = None) -> SObject: ...


def from_payload(data: Mapping[str, Any], cls: type[SObject] | None = None) -> SObject:
    """
    Build a clean record from Salesforce's JSON for one record.

    Args:
        data: A record object as the REST API returns it (with or without ``attributes``).
        cls: The model to build. Without it, the class registered for ``attributes.type``
            is used, or a :class:`GenericRecord` holding every key when none is registered.

    Only the keys present in ``data`` are loaded. Keys the model does not declare are kept
    in :func:`extra_fields` (nested records and subqueries converted too). Blob fields hold
    the URL of the body in record JSON, so they stay not loaded.

    Raises:
        TypeError: If ``data`` is not a JSON object or a value has the wrong shape.
        ValueError: If a value cannot be parsed (a malformed datetime, ...).
    """
    return _load(data, cls)


def adopt_payload(data: dict[str, Any], cls: type[SObject] | None) -> SObject:
    """
    :func:`from_payload` for a record object the caller hands over: a freshly parsed JSON
    object that nothing else reads afterwards (a query page's row). In the common case the
    object itself, converted in place, becomes the record's ``__dict__``: no copy is made.
    """
    return _load(data, cls, adopt=type(data) is dict)


def _load(data: Any, cls: type[SObject] | None, *, adopt: bool = False) -> SObject:
    # A dict (what JSON parsing gives) skips the slower abstract Mapping check.
    if type(data) is not dict and not isinstance(data, Mapping):
        raise TypeError(f"a record must be a JSON object, got {type(data).__name__}")
    attributes = data.get("attributes")
    if cls is None:
        sf_type = attributes.get("type") if isinstance(attributes, Mapping) else None
        found = sobject_class(sf_type) if isinstance(sf_type, str) else None
        if found is None:
            return _load_generic(data, sf_type if isinstance(sf_type, str) else None)
        cls = found
    plan = _plan(cls)
    record = new_record(cls)
    if plan.fast and plan.keys.issuperset(data):
        # The common case: a copy of the JSON object (or the object itself, when handed
        # over), converted in place, is the __dict__.
        values: dict[str, Any] = typing.cast("dict[str, Any]", data) if adopt else dict(data)
        values.pop("attributes", None)
        for key, convert in plan.converted:
            value = values.get(key)
            if value is not None:
                loaded = convert(value)
                if loaded is _SKIP:
                    del values[key]
                else:
                    values[key] = loaded
        _set_dict(record, values)
        if attributes is not None:
            _set_attributes(record, attributes)
        return record
    values = record.__dict__
    by_key = plan.by_key
    extra: dict[str, Any] | None = None
    for key, value in data.items():
        entry = by_key.get(key)
        if entry is None:
            entry = plan.by_lower_key.get(key.lower())
            if entry is None:
                if key == "attributes":
                    _set_attributes(record, value)
                    continue
                if extra is None:
                    extra = {}
                extra[key] = _generic_value(value)
                continue
        attr, load = entry
        if load is None or value is None:
            values[attr] = value
        else:
            loaded = load(value)
            if loaded is not _SKIP:
                values[attr] = loaded
    if extra is not None:
        _set_extra(record, extra)
    return record


def _load_generic(data: Mapping[str, Any], sf_type: str | None) -> GenericRecord:
    record = new_record(GenericRecord)
    _set_type(record, sf_type)
    extra: dict[str, Any] = {}
    for key, value in data.items():
        if key == "attributes":
            _set_attributes(record, value)
        elif key == "Id" and value is not None:
            record.__dict__["Id"] = _load_id(value)
        else:
            extra[key] = _generic_value(value)
    _set_extra(record, extra)
    return record


def _generic_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        if "records" in value and "done" in value:
            return _children(value, None)
        if "attributes" in value:
            return _load(value, None)
    return value


# ----------------------------------------------------------------------------- payloads


def to_payload(
    record: SObject, *, only_changes: bool = False, include_id: bool = False
) -> dict[str, Any]:
    """
    Return the JSON body that writes ``record``: its loaded, writable fields by API name.

    Never sent: not-loaded fields, ``attributes``, system fields (``CreatedDate``, ...), fields
    declared ``read_only``, compound fields and relationships. A field set to None is sent as
    null. Datetimes go out as ``2024-01-31T12:34:56.000+0000``, multipicklists as ``"a;b"``,
    Decimals as JSON numbers and blobs as base64.

    Args:
        only_changes: Send only the fields changed since load or the last save.
        include_id: Send ``Id`` too (first), when the record has one.
    """
    if not isinstance(record, SObject):
        raise TypeError(f"to_payload() expects an SObject record, got {type(record).__name__}")
    values = record.__dict__
    changed = _get_changed(record) or frozenset()
    payload: dict[str, Any] = {}
    if include_id and values.get("Id") is not None:
        payload["Id"] = values["Id"]
    for field in _plan(type(record)).writable:
        if field.attr not in values or (only_changes and field.api_name not in changed):
            continue
        value = values[field.attr]
        if value is not None and type(value) is not field.exact and field.dump is not None:
            value = _dump_checked(record, field.attr, field.api_name, field.dump, value)
        payload[field.api_name] = value
    if isinstance(record, GenericRecord):
        for key, value in (_get_extra(record) or {}).items():
            if key.lower() in SYSTEM_FIELDS or (only_changes and key not in changed):
                continue
            if isinstance(value, (SObject, RelatedList, v.Address, v.Location, dict)):
                continue
            payload[key] = _dump_checked(record, key, key, _dump_any, value)
    return payload


def _dump_checked(
    record: SObject, attr: str, api_name: str, dump: Callable[[Any], Any], value: Any
) -> Any:
    """Dump one value; a refusal names the model, the field and the value."""
    try:
        return dump(value)
    except (TypeError, ValueError) as exc:
        field = attr if attr == api_name else f"{attr} ({api_name})"
        text = repr(value)
        text = text if len(text) <= 80 else text[:77] + "..."
        raise type(exc)(
            f"{type(record).__name__}.{field} cannot be sent to Salesforce: {exc}; "
            f"the value is {text}"
        ) from None


def _dump_any(value: Any) -> Any:
    return dump_loose(value, _converter().unstructure)


def validate_record_id(record: SObject) -> str:
    """
    Return the record's Id, or raise InvalidIdError when it has none.

    The Id was validated when it was set, so it is safe in a URL path.
    """
    value = record.__dict__.get("Id")
    if value is None:
        raise InvalidIdError(
            f"this {api_name_of(record)} record has no Id: insert it first",
            error_code="MISSING_ID",
            fields=("Id",),
        )
    return str(value)


def load_into(record: SObject, data: Mapping[str, Any]) -> None:
    """
    Replace every field of ``record`` with those of ``data``, leaving it clean.

    What a reload does: the object the caller holds is updated in place, and fields the new
    data lacks become not loaded.
    """
    fresh = from_payload(data, type(record))
    _set_dict(record, fresh.__dict__)
    _set_extra(record, _get_extra(fresh))
    _set_attributes(record, _get_attributes(fresh))
    _set_changed(record, None)


def get_field(record: SObject, api_name: str, default: Any = NOT_LOADED) -> Any:
    """
    Return a loaded field's value by API name (case-insensitive), extra fields included.

    Returns ``default`` (the NOT_LOADED marker unless given) for a field not loaded.
    """
    lowered = api_name.lower()
    for info in type(record)._sf_fields:
        if info.api_name.lower() == lowered:
            return record.__dict__.get(info.attr, default)
    for key, value in (_get_extra(record) or {}).items():
        if key.lower() == lowered:
            return value
    return default


def incomplete_related_lists(record: SObject) -> list[RelatedList[SObject]]:
    """
    Return the child relationships of ``record`` whose remaining pages are still to fetch.

    Each has ``done`` false and a ``next_records_url``; feed the fetched pages to
    :meth:`RelatedList.add_page`.
    """
    candidates = [*record.__dict__.values(), *(_get_extra(record) or {}).values()]
    return [
        value
        for value in candidates
        if isinstance(value, RelatedList) and not value.done and value.next_records_url
    ]
