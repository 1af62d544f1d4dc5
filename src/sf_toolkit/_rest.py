"""
Sans-I/O building blocks of the record operations: which request, and what its answer means.

The async layer sends what these functions describe and hands the answers back, so every
decision here is tested once, with plain data, for both halves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import httpx

from ._wire.errors import (
    error_from_response,
    is_redirect,
    json_body,
    rest_root,
    unexpected_answer,
)
from ._wire.urls import path_segment, sobject_name
from .exceptions import SalesforceApiError
from .ids import is_valid_id, validate_id
from .models import (
    GenericRecord,
    SObject,
    SObjectDescription,
    api_name_of,
    blob_field_of,
    blob_file_name,
    check_record_type,
    field_api_names,
    from_payload,
    load_into,
    mark_clean,
    parse_describe,
    to_payload,
)

_API_NAME_RE = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?")

__all__ = [
    "RestCall",
    "already_deleted",
    "apply_insert",
    "apply_upsert",
    "blob_call",
    "check",
    "check_json",
    "json_answer",
    "delete_call",
    "describe_answer",
    "describe_call",
    "download_target",
    "external_id_api_name",
    "fetch_call",
    "insert_call",
    "raise_for_status",
    "record_answer",
    "record_id_of",
    "reload_answer",
    "update_call",
    "upsert_call",
]

T = TypeVar("T")
M = TypeVar("M", bound=SObject)


@attrs.frozen
class RestCall:
    """One REST request: method, URL relative to the REST root, and its body or parameters."""

    method: str
    url: str
    params: Mapping[str, str] | None = None
    json: Any = None
    idempotent: bool | None = None
    """None lets the retry policy decide by method; True marks a POST that is safe to repeat."""

    def extensions(self) -> dict[str, Any]:
        return {} if self.idempotent is None else {"sf_toolkit.idempotent": self.idempotent}


def check(response: httpx.Response) -> httpx.Response:
    """
    Return a successful response, or raise the matching ``SalesforceApiError`` subclass.

    A redirect is an error too (:class:`~sf_toolkit.exceptions.RedirectError`, naming its
    target): it is never followed. The response body must have been read.
    """
    if response.is_error or response.status_code == 300 or is_redirect(response):
        raise error_from_response(response, base_path=_rest_root(response))
    return response


def raise_for_status(response: httpx.Response) -> httpx.Response:
    """
    Return a Salesforce response that succeeded, or raise the typed error it carries.

    The Salesforce counterpart of httpx's ``Response.raise_for_status``, for calls made
    directly with the client (``client.get("limits")``, Apex REST, ...): the error names the
    request, the HTTP status and Salesforce's ``errorCode`` and message. A 300 (several
    records match an external id) counts as an error too.

    Raises:
        SalesforceApiError: The subclass for the status and error code (``NotFoundError``,
            ``RequestLimitError``, ...).
        httpx.ResponseNotRead: If a streamed error answer was not read first (a successful
            answer is returned as it is, read or not).
    """
    return check(response)


def json_answer(
    response: httpx.Response,
    *,
    expect: type[Any] | tuple[type[Any], ...] = (dict, list),
    items: type[Any] | tuple[type[Any], ...] | None = None,
) -> Any:
    """
    Return a successful answer's parsed JSON body, checked: the one call for any JSON answer.

    Args:
        response: The answer, body read.
        expect: The JSON types the body may be (``dict`` for an object, ``list`` for an array).
        items: For an array, the types each element may be, e.g. ``(dict, type(None))``.

    Raises:
        SalesforceApiError: The subclass matching an error answer or a redirect.
        UnexpectedResponseError: If a 2xx body is not JSON (cut off, HTML, empty) or not of
            the expected shape, naming the method and URL.
    """
    return json_body(check(response), expect=expect, items=items, base_path=_rest_root(response))


def check_json(response: httpx.Response) -> dict[str, Any]:
    """
    Return a successful response's body, which must be a JSON object.

    Raises:
        SalesforceApiError: The subclass matching an error answer or a redirect.
        UnexpectedResponseError: If the body is not a JSON object (cut off, HTML, an array).
    """
    result: dict[str, Any] = json_answer(response, expect=dict)
    return result


def _rest_root(response: httpx.Response) -> str:
    return rest_root(response.request.url.path)


def _segment(value: str) -> str:
    """Percent-encode a value as one path segment: ``/``, ``?`` and ``..`` cannot escape it."""
    return path_segment(value)


def _sobject(target: SObject | type[SObject]) -> str:
    """The sObject API name of a model or record, checked before it enters a path."""
    return path_segment(sobject_name(api_name_of(target)))


def record_id_of(record: SObject, operation: str) -> str:
    """
    The record's Id, validated, for operations that need one.

    Raises:
        ValueError: If the record has no Id (it was never inserted).
        InvalidIdError: If its Id is malformed.
    """
    check_record_type(record, SObject, operation)
    if record.Id is None:
        raise ValueError(
            f"{operation} needs a record with an Id; this {type(record).__name__} has none "
            "(insert it first, or use save_upsert with an external id)"
        )
    return validate_id(record.Id, argument=f"{type(record).__name__}.Id")


def fetch_call(sobject_class: type[SObject], record_id: str) -> RestCall:
    """
    GET one record by Id, asking for exactly the model's fields.

    Raises:
        TypeError: If ``sobject_class`` is not a model class (a record, say).
        InvalidIdError: If the Id is malformed.
    """
    if not (isinstance(sobject_class, type) and issubclass(sobject_class, SObject)):
        raise TypeError(
            "the first argument must be a model class such as Account, got "
            f"{type(sobject_class).__name__} {sobject_class!r}"
        )
    record_id = validate_id(record_id)
    return RestCall(
        "GET",
        f"sobjects/{_sobject(sobject_class)}/{record_id}",
        params={"fields": ",".join(field_api_names(sobject_class))},
    )


def insert_call(record: SObject) -> RestCall:
    """POST a new record; only the fields that were set are sent."""
    check_record_type(record, SObject, "save_insert")
    if record.Id is not None:
        raise ValueError(
            f"save_insert needs a record without an Id; this {type(record).__name__} already "
            f"has Id {record.Id!r} (use save_update or save)"
        )
    return RestCall("POST", f"sobjects/{_sobject(record)}", json=to_payload(record))


def update_call(record: SObject, *, only_changes: bool = False) -> RestCall | None:
    """
    PATCH an existing record; None when ``only_changes`` and nothing changed.

    Without ``only_changes`` every loaded field is sent.
    """
    record_id = record_id_of(record, "save_update")
    payload = to_payload(record, only_changes=only_changes)
    if only_changes and not payload:
        return None
    return RestCall("PATCH", f"sobjects/{_sobject(record)}/{record_id}", json=payload)


def upsert_call(record: SObject, external_id_field: str) -> RestCall:
    """
    PATCH by external id: Salesforce inserts or updates, so the call is safe to repeat.

    Args:
        external_id_field: The external id field, by attribute name (``ext``) or API name
            (``External_ID__c``, any case) of the record's model.

    Raises:
        TypeError: If ``external_id_field`` is not a str.
        ValueError: If the model has no such field, or the record has no value for it.
    """
    check_record_type(record, SObject, "save_upsert")
    api_name = external_id_api_name(record, external_id_field)
    payload = to_payload(record)
    matches = [key for key in payload if key.lower() == api_name.lower()]
    if not matches or payload[matches[0]] in (None, ""):
        raise ValueError(
            f"save_upsert needs a value in {type(record).__name__}.{external_id_field}"
        )
    value = str(payload.pop(matches[0]))
    return RestCall(
        "PATCH",
        f"sobjects/{_sobject(record)}/{_segment(api_name)}/{_segment(value)}",
        json=payload,
        idempotent=True,
    )


def external_id_api_name(record: SObject, external_id_field: object) -> str:
    """
    The API name of the external id field a caller named by attribute or API name.

    Raises:
        TypeError: If the name is not a str.
        ValueError: If the record's model has no such field (a GenericRecord accepts any
            well-formed API name).
    """
    if not isinstance(external_id_field, str):
        raise TypeError(
            "external_id_field must be a str naming a field (attribute or API name), got "
            f"{type(external_id_field).__name__} {external_id_field!r}"
        )
    model = type(record)
    info = model._sf_by_attr.get(external_id_field)
    if info is not None:
        return info.api_name
    lowered = external_id_field.lower()
    for info in model._sf_fields:
        if info.api_name.lower() == lowered:
            return info.api_name
    if isinstance(record, GenericRecord) and _API_NAME_RE.fullmatch(external_id_field):
        return external_id_field
    known = ", ".join(
        info.attr if info.attr == info.api_name else f"{info.attr} ({info.api_name})"
        for info in model._sf_fields
        if info.attr != "Id"
    )
    raise ValueError(
        f"external_id_field {external_id_field!r} is not a field of {model.__name__}, by "
        f"attribute or API name; its fields: {known or 'none'}"
    )


def delete_call(record: SObject) -> RestCall:
    """DELETE a record by its Id."""
    record_id = record_id_of(record, "delete")
    return RestCall("DELETE", f"sobjects/{_sobject(record)}/{record_id}")


def describe_call(sobject: type[SObject] | str) -> RestCall:
    """
    GET an sObject's describe metadata, named by a model class or by its API name.

    Raises:
        TypeError: If ``sobject`` is neither a model class nor a string.
        ValueError: If the string is not an sObject API name.
    """
    if isinstance(sobject, str):
        name = path_segment(sobject_name(sobject))
    elif isinstance(sobject, type) and issubclass(sobject, SObject):
        name = _sobject(sobject)
    else:
        raise TypeError(
            "describe takes a model class or an sObject API name such as 'Account', "
            f"got {type(sobject).__name__}"
        )
    return RestCall("GET", f"sobjects/{name}/describe")


def blob_call(record: SObject) -> RestCall:
    """
    GET the body of a blob record (Attachment ``Body``, ContentVersion ``VersionData``, ...).

    Raises:
        TypeError: If the record's class has no blob field.
    """
    check_record_type(record, SObject, "download_file")
    blob_field = blob_field_of(type(record))
    if blob_field is None:
        raise TypeError(
            f"download_file needs a record with a file body (Attachment, ContentVersion, "
            f"Document or a model with a blob field), got {type(record).__name__}"
        )
    record_id = record_id_of(record, "download_file")
    return RestCall("GET", f"sobjects/{_sobject(record)}/{record_id}/{_segment(blob_field)}")


def download_target(
    record: SObject, dest_path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """
    Where ``download_file`` writes: ``dest_path`` itself, or a file named after the record
    inside it when ``dest_path`` is a directory (the name stripped of any directory parts).

    A path that ends with a separator (``"newdir/"``) always means a directory. Directories
    are never created: a missing one is an error before any request.

    Raises:
        FileExistsError: If the file exists and ``overwrite`` is false.
        FileNotFoundError: If the directory to write in does not exist.
        NotADirectoryError: If ``dest_path`` ends with a separator but is a file.
        ValueError: If ``dest_path`` is a directory and the record carries no file name.
    """
    text = os.fspath(dest_path)
    target = Path(text)
    names_a_directory = text.endswith(("/", os.sep)) or (
        os.altsep is not None and text.endswith(os.altsep)
    )
    if names_a_directory and target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{text} names a directory, but it is a file")
    if names_a_directory and not target.exists():
        raise FileNotFoundError(
            f"the directory {text} does not exist; create it first (download_file never "
            "creates directories)"
        )
    if target.is_dir():
        name = blob_file_name(record)
        if name is None:
            raise ValueError(
                f"{text} is a directory and the {type(record).__name__} has no file name "
                "loaded (PathOnClient, Title or Name); pass a file path instead"
            )
        target = target / name
    elif not target.parent.is_dir():
        raise FileNotFoundError(
            f"the directory {target.parent} of {text} does not exist; create it first "
            "(download_file never creates directories)"
        )
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    return target


def already_deleted(error: SalesforceApiError) -> bool:
    """Whether a delete's error means the record is already gone (``ENTITY_IS_DELETED``)."""
    return error.error_code == "ENTITY_IS_DELETED"


def apply_insert(record: SObject, response: httpx.Response) -> None:
    """
    Record the new Id from a create answer (``{"id": ..., "success": true}``) and clear the
    change set.

    Raises:
        UnexpectedResponseError: If the answer has no valid record Id.
    """
    record.Id = _answer_id(response, check_json(response), "create")
    mark_clean(record)


def _answer_id(response: httpx.Response, data: Mapping[str, Any], operation: str) -> str:
    """The record Id of a create or upsert answer, checked."""
    new_id = data.get("id")
    if not isinstance(new_id, str) or not is_valid_id(new_id):
        raise unexpected_answer(
            response,
            f"the {operation} answer has no record Id (id: {new_id!r})",
            base_path=_rest_root(response),
        )
    return new_id


def _loaded(response: httpx.Response, load: Callable[[dict[str, Any]], T]) -> T:
    """Run a loader over the answer's JSON object; a body it refuses is a typed error."""
    data = check_json(response)
    try:
        return load(data)
    except SalesforceApiError:
        raise
    except (ValueError, TypeError) as exc:
        raise unexpected_answer(
            response, f"the answer does not fit: {exc}", base_path=_rest_root(response)
        ) from exc


def record_answer(response: httpx.Response, sobject_class: type[M]) -> M:
    """
    Return the record of a fetch answer, loaded into ``sobject_class``.

    Raises:
        UnexpectedResponseError: If the body is not a JSON object whose values fit the model.
    """
    return _loaded(response, lambda data: from_payload(data, sobject_class))


def reload_answer(record: SObject, response: httpx.Response) -> None:
    """Load a fetch answer into ``record`` in place (see :func:`record_answer`)."""
    _loaded(response, lambda data: load_into(record, data))


def describe_answer(response: httpx.Response) -> SObjectDescription:
    """
    Return the typed metadata of a describe answer.

    Raises:
        UnexpectedResponseError: If the body is not a describe result.
    """
    return _loaded(response, parse_describe)


def apply_upsert(record: SObject, response: httpx.Response) -> bool:
    """
    Read an upsert answer: set the record's Id when Salesforce returns one, clear the change
    set, and return whether the record was created (201, or ``"created": true``).

    Raises:
        UnexpectedResponseError: If a body is present but is not an upsert result.
    """
    created = response.status_code == 201
    if response.content:
        data = check_json(response)
        created = bool(data.get("created", created))
        if data.get("id"):
            record.Id = _answer_id(response, data, "upsert")
    mark_clean(record)
    return created
