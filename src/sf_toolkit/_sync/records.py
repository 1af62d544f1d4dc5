# Generated from src/sf_toolkit/_async/records.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""Single-record operations: fetch, save, delete, reload, describe and file downloads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .. import _rest
from .._concurrency import run_in_thread
from .._registry import resolve_client
from ..exceptions import NotFoundError
from ..models import (
    SObject,
    SObjectDescription,
    check_record_type,
    connection_of,
    mark_clean,
)
from .client import SalesforceClient
from .files import written_whole

__all__ = [
    "delete",
    "describe",
    "download_file",
    "fetch",
    "reload",
    "save",
    "save_insert",
    "save_update",
    "save_upsert",
]

T = TypeVar("T", bound=SObject)

#: Bytes per write while streaming a file body to disk.
CHUNK_SIZE = 1 << 16


def _client_for(sf_client: SalesforceClient | None, target: Any) -> SalesforceClient:
    return resolve_client(sf_client, SalesforceClient, connection_of(target))


def _call(client: SalesforceClient, call: _rest.RestCall) -> httpx.Response:
    response = client.request(
        call.method,
        call.url,
        params=call.params,
        json=call.json,
        extensions=call.extensions(),
    )
    return _rest.check(response)


def fetch(sobject_class: type[T], record_id: str, sf_client: SalesforceClient | None = None) -> T:
    """
    Fetch one record by Id, with the fields its model declares.

    Raises:
        InvalidIdError: If ``record_id`` is malformed (nothing is sent).
        NotFoundError: If no such record exists.
    """
    call = _rest.fetch_call(sobject_class, record_id)
    response = _call(_client_for(sf_client, sobject_class), call)
    return _rest.record_answer(response, sobject_class)


def save_insert(record: SObject, sf_client: SalesforceClient | None = None) -> None:
    """Insert a new record; its ``Id`` is set from Salesforce's answer."""
    call = _rest.insert_call(record)
    response = _call(_client_for(sf_client, record), call)
    _rest.apply_insert(record, response)


def save_update(
    record: SObject,
    sf_client: SalesforceClient | None = None,
    only_changes: bool = False,
) -> None:
    """
    Update an existing record.

    Args:
        only_changes: Send only the fields changed since the record was loaded or saved
            (nothing at all when none changed), instead of every loaded field.
    """
    call = _rest.update_call(record, only_changes=only_changes)
    if call is not None:
        _call(_client_for(sf_client, record), call)
    mark_clean(record)


def save_upsert(
    record: SObject,
    sf_client: SalesforceClient | None = None,
    *,
    external_id_field: str,
) -> bool:
    """
    Insert or update a record by an external id field; return True if it was created.

    The record's ``Id`` is set from the answer when Salesforce returns one.
    """
    call = _rest.upsert_call(record, external_id_field)
    response = _call(_client_for(sf_client, record), call)
    return _rest.apply_upsert(record, response)


def save(
    record: SObject, sf_client: SalesforceClient | None = None, only_changes: bool = False
) -> None:
    """Insert the record if it has no ``Id``, else update it."""
    check_record_type(record, SObject, "save")
    if record.Id is None:
        save_insert(record, sf_client)
    else:
        save_update(record, sf_client, only_changes=only_changes)


def delete(record: SObject, sf_client: SalesforceClient | None = None) -> None:
    """
    Delete a record (to the recycle bin) by its ``Id``.

    A record that is already deleted counts as done: the outcome asked for is there, and a
    delete retried after a dropped connection must not fail because its first try worked.
    """
    call = _rest.delete_call(record)
    try:
        _call(_client_for(sf_client, record), call)
    except NotFoundError as exc:
        if not _rest.already_deleted(exc):
            raise


def reload(record: T, sf_client: SalesforceClient | None = None) -> T:
    """Fetch the record's fields again, in place, discarding unsaved changes; return it."""
    call = _rest.fetch_call(type(record), _rest.record_id_of(record, "reload"))
    response = _call(_client_for(sf_client, record), call)
    _rest.reload_answer(record, response)
    return record


def describe(
    sobject_class: type[SObject] | str, sf_client: SalesforceClient | None = None
) -> SObjectDescription:
    """
    Fetch an sObject's metadata (``GET sobjects/{name}/describe``) as typed field descriptions.

    Args:
        sobject_class: A model class, or an sObject API name such as ``"Account"``: no model
            is needed to describe an object. A name uses the default connection when no
            client is given; a class uses its own.

    Raises:
        TypeError: If ``sobject_class`` is neither a model class nor a string.
        ValueError: If the string is not a Salesforce API name (nothing is sent).
        NotFoundError: If the org has no such sObject.
    """
    call = _rest.describe_call(sobject_class)
    connection = None if isinstance(sobject_class, str) else connection_of(sobject_class)
    client = resolve_client(sf_client, SalesforceClient, connection)
    response = _call(client, call)
    return _rest.describe_answer(response)


def download_file(
    record: SObject,
    dest_path: str | os.PathLike[str],
    sf_client: SalesforceClient | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """
    Stream a file body (Attachment, ContentVersion, Document) to disk in chunks.

    ``dest_path`` is a file path, or a directory to put a file named after the record in (a
    path ending with ``/`` always means a directory). Directories are never created. The body
    goes to a temporary file beside the target first, so a failed download, or an error
    answer, leaves nothing behind and never touches an existing file; a file that appears at
    the target while downloading is not replaced unless ``overwrite`` is true.

    Returns:
        The path written.

    Raises:
        FileExistsError: If the target exists (or appears meanwhile) and ``overwrite`` is
            false.
        FileNotFoundError: If the directory to write in does not exist (before any request).
        NotADirectoryError: If ``dest_path`` ends with ``/`` but names a file.
        SalesforceTimeoutError: If the body did not arrive within the client's retry
            ``budget`` (a server trickling bytes).
        SalesforceConnectionError: If the body broke off midway.
        UnexpectedResponseError: If the body does not match its ``Content-Encoding``.
    """
    call = _rest.blob_call(record)
    target = _rest.download_target(record, dest_path, overwrite=overwrite)
    client = _client_for(sf_client, record)
    with (
        written_whole(target, overwrite) as handle,
        client.stream(call.method, call.url) as response,
    ):
        if response.is_error:
            _rest.check(client.read_body(response))
        for chunk in client.body_chunks(response, CHUNK_SIZE):
            run_in_thread(handle.write, chunk)
    return target
