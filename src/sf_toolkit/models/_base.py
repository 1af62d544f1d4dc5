"""
The SObject base class: declaration, registry, "not loaded" and change tracking.

A model is declared with annotations alone and becomes an attrs class with keyword-only
construction. Each instance keeps only the fields it holds in its ``__dict__``; a field that was
never passed, loaded or assigned is *not loaded*: reading it gives the class default, and it is
never sent to Salesforce. Assignments are tracked by API name until :func:`mark_clean`.
"""

from __future__ import annotations

import enum
import inspect
import keyword
import re
import sys
from collections.abc import Callable, ItemsView, KeysView, Mapping, ValuesView
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

import attrs

from .._exports import publish
from ..ids import validate_id

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda cls: cls


__all__ = [
    "GenericRecord",
    "NOT_LOADED",
    "SObject",
    "api_name_of",
    "changed_fields",
    "check_record_type",
    "connection_of",
    "extra_fields",
    "is_loaded",
    "loaded_fields",
    "mark_clean",
    "sf_field",
    "sobject_class",
]

_T = TypeVar("_T")
_S = TypeVar("_S", bound="SObject")
_API_NAME_RE = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?")


class _NotLoaded(enum.Enum):
    NOT_LOADED = "not loaded"

    def __repr__(self) -> str:
        return "<not loaded>"


#: The marker of a field that was never set, loaded or assigned.
NOT_LOADED: Any = _NotLoaded.NOT_LOADED


@attrs.frozen
class FieldInfo:
    """What the class body says about one field, before its type is resolved."""

    attr: str
    api_name: str
    read_only: bool
    default: Any
    """The class-body default, or ``NOT_LOADED`` for a required field."""


@attrs.frozen
class _FieldSpec:
    default: Any
    api_name: str | None
    read_only: bool


@overload
def sf_field(*, default: _T, api_name: str | None = None, read_only: bool = False) -> _T: ...


@overload
def sf_field(*, api_name: str | None = None, read_only: bool = False) -> Any: ...


def sf_field(
    *, default: Any = NOT_LOADED, api_name: str | None = None, read_only: bool = False
) -> Any:
    """
    Declare a field whose API name differs from its attribute, or that is read-only.

    Args:
        default: The value a record built by the user reads when the field was not passed.
            Without it the field is a required constructor argument.
        api_name: The Salesforce API name, for example ``"Class__c"`` for an attribute
            ``class_``. Defaults to the attribute name.
        read_only: Never send this field to Salesforce (formula and roll-up fields).
    """
    if api_name is not None and _API_NAME_RE.fullmatch(api_name) is None:
        raise ValueError(f"not a Salesforce API name: {api_name!r}")
    return _FieldSpec(default=default, api_name=api_name, read_only=read_only)


_REGISTRY: dict[str, type[SObject]] = {}


@dataclass_transform(kw_only_default=True, field_specifiers=(sf_field,))
class _SObjectMeta(type):
    """Exists so type checkers treat SObject and every subclass as keyword-only dataclasses."""


class SObject(metaclass=_SObjectMeta):
    """
    The base of every Salesforce record model.

    Declare a model with annotations; class keywords set the API name (default: the class
    name) and the client connection name used when no client is passed::

        class Account(SObject):
            Name: str | None = None

        class Lead(SObject, connection="sandbox"):
            class_: str | None = sf_field(api_name="Class__c", default=None)

    A record also reads as a read-only mapping of its loaded fields by API name, as query
    rows do in other clients: ``record["Name"]``, ``record.get("Name")``, ``"Name" in
    record``, ``record.items()`` and ``dict(record)``.
    """

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_sf_attributes",
        "_sf_changed",
        "_sf_extra",
        "_sf_type",
    )

    Id: str | None = None

    _sf_api_name: ClassVar[str] = "SObject"
    _sf_connection: ClassVar[str | None] = None
    _sf_fields: ClassVar[tuple[FieldInfo, ...]] = ()
    _sf_by_attr: ClassVar[dict[str, FieldInfo]] = {}

    if not TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            record = new_record(cls)
            # A record built by hand gets its fields set next: its change set and extras are
            # read at once, and an unset slot would raise (and be caught) on that first read.
            _set_changed(record, None)
            _set_extra(record, None)
            return record

    def __init_subclass__(
        cls, *, api_name: str | None = None, connection: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__ if api_name is None else api_name
        if _API_NAME_RE.fullmatch(name) is None:
            raise ValueError(f"not a Salesforce API name: {name!r}")
        cls._sf_api_name = name
        if connection is not None and not isinstance(connection, str):
            raise TypeError(f"connection= takes a connection name, got {connection!r}")
        if connection is not None:
            cls._sf_connection = connection
        _build(cls)
        _REGISTRY[name.lower()] = cls

    if not TYPE_CHECKING:

        def __setattr__(self, name: str, value: Any) -> None:
            info = type(self)._sf_by_attr.get(name)
            if info is None:
                if name.startswith("_sf_") or hasattr(type(self), name):
                    # Bookkeeping slots, and properties or other descriptors of the class.
                    object.__setattr__(self, name, value)
                    return
                _set_unknown(self, name, value)
                return
            if value is NOT_LOADED:
                # attrs' __init__ passes the marker for fields the caller left out.
                return
            if name == "Id" and value is not None:
                value = validate_id(value, argument="Id")
            self.__dict__[name] = value
            changed = _get_changed(self)
            if changed is None:
                _set_changed(self, {info.api_name})
            else:
                changed.add(info.api_name)

        def __getattr__(self, name: str) -> Any:
            info = type(self)._sf_by_attr.get(name)
            if info is None:
                return _get_unknown(self, name)
            if info.default is NOT_LOADED:
                raise AttributeError(
                    f"{type(self).__name__}.{name} was not loaded: query or set it first"
                )
            return info.default

    @property
    def attributes(self) -> dict[str, str]:
        """Salesforce's ``attributes`` of the record: its ``type`` and, when known, ``url``."""
        result = {"type": api_name_of(self)}
        loaded = _get_attributes(self)
        url = loaded.get("url") if isinstance(loaded, Mapping) else None
        if isinstance(url, str):
            result["url"] = url
        return result

    # -- read-only mapping of the loaded fields, by API name ----------------------------------
    # ``record["Name"]``, ``"Name" in record``, ``dict(record)``: the same view for a typed
    # model and a GenericRecord, as a query row reads in other Salesforce clients. There is
    # deliberately no ``__len__``: a record with no loaded field must still be truthy.

    def __getitem__(self, api_name: str) -> Any:
        """
        Return a loaded field's value by API name (case-insensitive, as in Salesforce).

        Relationship fields give the related record, which reads the same way
        (``row["Account"]["Name"]``); subqueries give a :class:`RelatedList` of records.

        Raises:
            KeyError: If no field of that name is loaded in this record.
        """
        found = _find_loaded(self, api_name)
        if found is None:
            raise KeyError(_missing_key_message(self, api_name))
        return found[1]

    def __contains__(self, api_name: object) -> bool:
        """Whether a field of this API name is loaded (case-insensitive)."""
        return isinstance(api_name, str) and _find_loaded(self, api_name) is not None

    # Not iterable, unlike a dict: one record passed where a list of records is expected must
    # fail at once, not run over its field names. keys() and items() give the fields.
    __iter__ = None

    def keys(self) -> KeysView[str]:
        """The API names of the loaded fields, declared ones first, then extra fields."""
        return loaded_fields(self).keys()

    def values(self) -> ValuesView[Any]:
        """The values of the loaded fields, in :meth:`keys` order."""
        return loaded_fields(self).values()

    def items(self) -> ItemsView[str, Any]:
        """``(API name, value)`` pairs of the loaded fields; ``dict(record)`` builds the dict."""
        return loaded_fields(self).items()

    def get(self, api_name: str, default: Any = None) -> Any:
        """Return a loaded field's value by API name, or ``default`` when it is not loaded."""
        found = _find_loaded(self, api_name)
        return default if found is None else found[1]

    def __repr__(self) -> str:
        parts = []
        for info in type(self)._sf_fields:
            if info.attr in self.__dict__:
                parts.append(f"{info.attr}={_short_repr(self.__dict__[info.attr])}")
        for key, value in (_get_extra(self) or {}).items():
            parts.append(f"{key}={_short_repr(value)}")
        cls = type(self)
        head = cls.__name__
        sf_type = _get_type(self)
        if sf_type is not None and sf_type != cls._sf_api_name:
            head = f"{head}[{sf_type}]"
        return f"{head}({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, SObject)
        return (
            self.__dict__ == other.__dict__
            and (_get_extra(self) or {}) == (_get_extra(other) or {})
            and _get_type(self) == _get_type(other)
        )

    __hash__ = None  # type: ignore[assignment]  # records are mutable


def _find_loaded(record: SObject, api_name: str) -> tuple[str, Any] | None:
    """The loaded field named ``api_name`` as ``(key, value)``: exact name first, then any case."""
    if not isinstance(api_name, str):
        raise TypeError(f"field names are strings, got {type(api_name).__name__}")
    values = record.__dict__
    extra = _get_extra(record) or {}
    lowered = api_name.lower()
    for exact in (True, False):
        for info in type(record)._sf_fields:
            name = info.api_name
            if (name == api_name if exact else name.lower() == lowered) and info.attr in values:
                return name, values[info.attr]
        for key, value in extra.items():
            if key == api_name if exact else key.lower() == lowered:
                return key, value
    return None


def _missing_key_message(record: SObject, api_name: str) -> str:
    cls = type(record)
    declared = any(info.api_name.lower() == api_name.lower() for info in cls._sf_fields)
    if declared:
        return f"{cls.__name__}.{api_name} was not loaded: query or set it first"
    loaded = ", ".join(loaded_fields(record)) or "none"
    return f"{api_name!r} is not a loaded field of this {api_name_of(record)} (loaded: {loaded})"


def _short_repr(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return repr(value)


def _slot(name: str) -> tuple[Callable[[SObject], Any], Callable[[SObject, Any], None]]:
    descriptor = SObject.__dict__[name]
    get = descriptor.__get__

    def getter(record: SObject) -> Any:
        try:
            return get(record)
        except AttributeError:  # never set: records are built without touching their slots
            return None

    return getter, descriptor.__set__


# Bookkeeping lives in slots of the base class, outside the instance ``__dict__`` that holds
# exactly the loaded fields. These accessors bypass __setattr__ and __getattr__; an unset slot
# reads as None, so building a record costs nothing here.
_get_changed, _set_changed = _slot("_sf_changed")
_get_extra, _set_extra = _slot("_sf_extra")
_get_type, _set_type = _slot("_sf_type")
_get_attributes, _set_attributes = _slot("_sf_attributes")
_set_dict = SObject.__dict__["__dict__"].__set__


def new_record(cls: type[_S]) -> _S:
    """Return an instance of ``cls`` holding no field at all, with clean bookkeeping."""
    return object.__new__(cls)


def _set_unknown(record: SObject, name: str, value: Any) -> None:
    if isinstance(record, GenericRecord) and not name.startswith("_"):
        if _API_NAME_RE.fullmatch(name) is None:
            raise ValueError(f"not a Salesforce API name: {name!r}")
        extra = _get_extra(record)
        if extra is None:
            extra = {}
            _set_extra(record, extra)
        extra[name] = value
        changed = _get_changed(record)
        if changed is None:
            changed = set()
            _set_changed(record, changed)
        changed.add(name)
        return
    raise AttributeError(f"{type(record).__name__} has no field {name!r}; declare it on the class")


def _get_unknown(record: SObject, name: str) -> Any:
    if isinstance(record, GenericRecord) and not name.startswith("_"):
        extra = _get_extra(record) or {}
        if name in extra:
            return extra[name]
        lowered = name.lower()
        for key, value in extra.items():
            if key.lower() == lowered:
                return value
    raise AttributeError(f"{type(record).__name__!r} object has no attribute {name!r}")


def _build(cls: type[SObject]) -> None:
    """Turn the class body into attrs fields whose runtime default is the NOT_LOADED marker."""
    own: list[FieldInfo] = []
    for attr, annotation in inspect.get_annotations(cls).items():
        if _is_class_var(annotation):
            continue
        if attr.startswith("_sf_") or attr == "attributes":
            raise TypeError(f"{cls.__name__}.{attr}: this name is reserved by SObject")
        value = cls.__dict__.get(attr, NOT_LOADED)
        spec = value if isinstance(value, _FieldSpec) else _FieldSpec(value, None, False)
        if isinstance(spec.default, (list, dict, set)):
            raise TypeError(
                f"{cls.__name__}.{attr}: a mutable default would be shared by every record; "
                "use None"
            )
        api_name = spec.api_name or attr
        if spec.api_name is None and (
            _API_NAME_RE.fullmatch(attr) is None or keyword.iskeyword(attr)
        ):
            raise TypeError(
                f"{cls.__name__}.{attr} is not a Salesforce API name; "
                "give it one with sf_field(api_name=...)"
            )
        own.append(FieldInfo(attr, api_name, spec.read_only, spec.default))
        field = attrs.field(default=NOT_LOADED) if spec.default is not NOT_LOADED else attrs.field()
        type.__setattr__(cls, attr, field)
    inherited = [info for info in cls._sf_fields if info.attr not in {f.attr for f in own}]
    fields = (*inherited, *own)
    seen: dict[str, str] = {}
    for info in fields:
        key = info.api_name.lower()
        if key in seen:
            raise TypeError(
                f"{cls.__name__}.{info.attr} and .{seen[key]} share the API name {info.api_name!r}"
            )
        seen[key] = info.attr
    cls._sf_fields = fields
    cls._sf_by_attr = {info.attr: info for info in fields}
    attrs.define(cls, slots=False, kw_only=True, eq=False, repr=False, order=False, hash=False)


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    return annotation is ClassVar or getattr(annotation, "__origin__", None) is ClassVar


def _define_base() -> None:
    SObject._sf_fields = (FieldInfo("Id", "Id", False, None),)
    SObject._sf_by_attr = {"Id": SObject._sf_fields[0]}
    type.__setattr__(SObject, "Id", attrs.field(default=NOT_LOADED))
    attrs.define(SObject, slots=False, kw_only=True, eq=False, repr=False, order=False, hash=False)


_define_base()
publish("sf_toolkit", [SObject])  # its public path, for reprs and the docs


class GenericRecord(SObject):
    """
    A record of an sObject that has no model class (or an ``AggregateResult`` row).

    Its fields live in :func:`extra_fields` and read as attributes (``record.Name``); assigning
    an attribute sets and tracks a field of that API name. :func:`api_name_of` gives the
    sObject type it was loaded as.
    """

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


del _REGISTRY["genericrecord"]


def make_generic(api_name: str) -> GenericRecord:
    """Return an empty clean :class:`GenericRecord` of the given sObject type."""
    record = new_record(GenericRecord)
    _set_type(record, api_name)
    return record


def _model_class(cls_or_record: type[SObject] | SObject) -> type[SObject]:
    if isinstance(cls_or_record, type) and issubclass(cls_or_record, SObject):
        return cls_or_record
    if isinstance(cls_or_record, SObject):
        return type(cls_or_record)
    raise TypeError(f"expected an SObject class or record, got {type(cls_or_record).__name__}")


def api_name_of(cls_or_record: type[SObject] | SObject) -> str:
    """Return the sObject API name of a model class or record (``"Account"``)."""
    if isinstance(cls_or_record, SObject):
        sf_type = _get_type(cls_or_record)
        if sf_type is not None:
            return str(sf_type)
    return _model_class(cls_or_record)._sf_api_name


def connection_of(cls_or_record: type[SObject] | SObject) -> str | None:
    """Return the connection name bound to a model class, or None for the default."""
    return _model_class(cls_or_record)._sf_connection


def sobject_class(api_name: str) -> type[SObject] | None:
    """Return the model class last declared for an API name (case-insensitive), if any."""
    return _REGISTRY.get(api_name.lower())


def changed_fields(record: SObject) -> frozenset[str]:
    """
    Return the API names of the fields assigned since construction, load or the last save.

    A record built by calling its class starts with every field passed to the constructor
    changed (it was never saved); a record loaded from Salesforce starts clean.
    """
    return frozenset(_get_changed(record) or ())


def mark_clean(record: SObject) -> None:
    """Forget the record's changes, as after a save or a load."""
    _set_changed(record, None)


def is_loaded(record: SObject, attr: str) -> bool:
    """
    Tell whether a field holds a value (passed, loaded or assigned), even None.

    Args:
        attr: The attribute name of a declared field, or an API name for a GenericRecord.
    """
    if attr in type(record)._sf_by_attr:
        return attr in record.__dict__
    return attr in (_get_extra(record) or {})


def loaded_fields(record: SObject) -> dict[str, Any]:
    """Return the loaded fields of a record by API name, extra fields included."""
    result = {
        info.api_name: record.__dict__[info.attr]
        for info in type(record)._sf_fields
        if info.attr in record.__dict__
    }
    result.update(_get_extra(record) or {})
    return result


def extra_fields(record: SObject) -> Mapping[str, Any]:
    """
    Return the values Salesforce sent for keys the model does not declare.

    Query results may hold more than the model knows (a formula field, a relationship
    nobody declared); they are kept here, read-only, and never sent back.
    """
    return dict(_get_extra(record) or {})


def check_record_type(record: object, cls: type[SObject], operation: str) -> None:
    """
    Raise TypeError unless ``record`` is an instance of ``cls``.

    Args:
        operation: The caller's name, for the message (``"save_update"``).
    """
    if not isinstance(record, cls):
        raise TypeError(
            f"{operation}() expects a {cls.__name__} record, got {type(record).__name__}"
        )
