"""
sObject Collections (``/composite/sobjects``): create, update, upsert, delete and retrieve.

A well-formed request always gets 200 and one result per input, in input order; only malformed
requests (too many records, bad JSON, an unknown object or field) get a request-level error.
With ``allOrNone`` every write is undone when one fails, and the other items report
``ALL_OR_NONE_OPERATION_ROLLED_BACK``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ..ids import is_valid_id, to_id18
from ._http import ApiError, Call, json_response, not_allowed, not_found, parse_json
from ._protocols import DmlError, DmlOutcome

__all__ = ["collections_route"]

WRITE_LIMIT = 200
RETRIEVE_LIMIT = 2000
_ROLLED_BACK = DmlError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


def collections_route(call: Call) -> httpx.Response:
    """Dispatch ``/composite/sobjects[/{T}[/{extField}]]`` by method and depth."""
    depth = len(call.segments)
    method = call.method
    if depth == 2 and method == "POST":
        return _write(call, "create", None, None)
    if depth == 2 and method == "PATCH":
        return _write(call, "update", None, None)
    if depth == 2 and method == "DELETE":
        return _delete(call)
    if depth == 3 and method in ("GET", "POST"):
        return _retrieve(call, call.segments[2])
    if depth == 4 and method == "PATCH":
        return _write(call, "upsert", call.segments[2], call.segments[3])
    # "Status Codes and Error Responses": an existing resource refuses other methods with 405.
    allowed = {2: "POST,PATCH,DELETE", 3: "HEAD,GET,POST", 4: "PATCH"}.get(depth)
    if allowed is None or (depth > 2 and _store_lacks(call)):
        raise not_found()
    raise not_allowed(method, allowed)


def _store_lacks(call: Call) -> bool:
    """Whether the sObject named in the path is unknown (then the resource does not exist)."""
    return call.store.object(call.segments[2]) is None


def _too_many(limit: int) -> ApiError:
    return ApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {limit} records into this call",
    )


def _all_or_none(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _result(outcome: DmlOutcome, *, upsert: bool) -> dict[str, Any]:
    # "sObject Collections": a failed create or upsert item has no "id" key at all (there is no
    # record); a failed update or delete item keeps the Id it was sent.
    item: dict[str, Any] = {} if outcome.id is None else {"id": outcome.id}
    item["success"] = outcome.success
    item["errors"] = [
        {"statusCode": e.status_code, "message": e.message, "fields": e.fields}
        for e in outcome.errors
    ]
    if upsert and outcome.success:
        item["created"] = outcome.created
    return item


def _run(
    call: Call,
    attempts: list[Callable[[], DmlOutcome]],
    all_or_none: bool,
    *,
    upsert: bool = False,
    keep_ids: bool = False,
) -> httpx.Response:
    """
    Run the attempts in one transaction; with ``allOrNone`` undo all when one fails.

    ``keep_ids``: rolled-back items keep their Id (update and delete, whose Ids the caller sent);
    rolled-back creates and upserts lose it, as the record no longer exists.
    """
    store = call.store
    with store.transaction() as journal:
        outcomes = [attempt() for attempt in attempts]
        if all_or_none and not all(o.success for o in outcomes):
            store.rollback(journal)
            outcomes = [
                o
                if not o.success
                else DmlOutcome(o.id if keep_ids else None, False, errors=[_ROLLED_BACK])
                for o in outcomes
            ]
    return json_response(200, [_result(o, upsert=upsert) for o in outcomes])


def _write(call: Call, op: str, sobject: str | None, ext_field: str | None) -> httpx.Response:
    body = parse_json(call.body)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object with a 'records' array")
    records: list[Any] = body["records"]
    if len(records) > WRITE_LIMIT:
        raise _too_many(WRITE_LIMIT)
    store = call.store
    if sobject is not None:
        obj = store.object(sobject)
        if obj is None:
            raise not_found()
        definition = obj.get(ext_field or "")
        if definition is None:
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {ext_field}"
            )
        if not (definition.external_id or definition.id_lookup or definition.name == "Id"):
            # Salesforce refuses a field that exists but is no external id with this 400 (the
            # message its "Upsert Records Using sObject Collections" callers see).
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"{definition.name} is not an External ID or indexed field for {obj.name}",
                [definition.name],
            )
    attempts: list[Callable[[], DmlOutcome]] = []
    for record in records:
        if not isinstance(record, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        attributes = record.get("attributes")
        kind = attributes.get("type") if isinstance(attributes, dict) else None
        if not isinstance(kind, str):
            raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        if store.object(kind) is None:
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{kind}' is not supported.")
        attempts.append(_attempt(call, op, kind, ext_field, record))
    return _run(
        call,
        attempts,
        _all_or_none(body.get("allOrNone")),
        upsert=op == "upsert",
        keep_ids=op == "update",
    )


def _attempt(
    call: Call, op: str, kind: str, ext_field: str | None, record: dict[str, Any]
) -> Callable[[], DmlOutcome]:
    store = call.store
    values = {k: v for k, v in record.items() if k != "attributes"}
    record_id = next((v for k, v in values.items() if k.lower() == "id"), None)

    def attempt() -> DmlOutcome:
        if op == "create":
            if record_id is not None:
                return DmlOutcome(
                    None,
                    False,
                    errors=[
                        DmlError(
                            "INVALID_FIELD_FOR_INSERT_UPDATE",
                            "cannot specify Id in an insert call",
                            ["Id"],
                        )
                    ],
                )
            return store.insert(kind, values)
        if op == "update":
            if not isinstance(record_id, str) or not record_id:
                return DmlOutcome(
                    None,
                    False,
                    errors=[DmlError("MISSING_ARGUMENT", "Id not specified in an update call")],
                )
            if not is_valid_id(record_id):
                return DmlOutcome(
                    record_id,
                    False,
                    errors=[DmlError("MALFORMED_ID", f"malformed id {record_id}", ["Id"])],
                )
            return store.update(kind, to_id18(record_id), values)
        assert ext_field is not None
        return store.upsert(kind, ext_field, values)

    return attempt


def _delete(call: Call) -> httpx.Response:
    ids = [item for item in call.params.get("ids", "").split(",") if item]
    if not ids:
        raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
    if len(ids) > WRITE_LIMIT:
        raise _too_many(WRITE_LIMIT)
    store = call.store

    def attempt(record_id: str) -> Callable[[], DmlOutcome]:
        def run() -> DmlOutcome:
            if not is_valid_id(record_id):
                return DmlOutcome(
                    record_id,
                    False,
                    errors=[DmlError("MALFORMED_ID", f"malformed id {record_id}")],
                )
            full = to_id18(record_id)
            sobject = store.sobject_of(full)
            if sobject is None:
                return DmlOutcome(
                    full,
                    False,
                    errors=[DmlError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")],
                )
            return store.delete(sobject, full)

        return run

    return _run(
        call,
        [attempt(item) for item in ids],
        _all_or_none(call.params.get("allOrNone", "false")),
        keep_ids=True,
    )


def _retrieve(call: Call, sobject: str) -> httpx.Response:
    store = call.store
    obj = store.object(sobject)
    if obj is None:
        raise not_found()
    if call.method == "POST":
        body = parse_json(call.body)
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object with ids and fields")
        ids_value, fields_value = body.get("ids"), body.get("fields")
        if not isinstance(ids_value, list) or not isinstance(fields_value, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected 'ids' and 'fields' arrays")
        ids = [str(item) for item in ids_value]
        fields = [str(item) for item in fields_value]
    else:
        ids = [item for item in call.params.get("ids", "").split(",") if item]
        fields = [item.strip() for item in call.params.get("fields", "").split(",") if item]
    if not ids or not fields:
        raise ApiError(400, "MISSING_ARGUMENT", "The ids and fields parameters are required")
    if len(ids) > RETRIEVE_LIMIT:
        raise _too_many(RETRIEVE_LIMIT)
    names = []
    for name in fields:
        definition = obj.get(name)
        if definition is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'.")
        names.append(definition.name)
    for record_id in ids:
        if not is_valid_id(record_id):
            raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}")
    results: list[dict[str, Any] | None] = []
    for record_id in ids:
        row = store.find(obj.name, record_id)
        if row is None or row["IsDeleted"]:
            results.append(None)
        else:
            shown = names if "Id" in names else [*names, "Id"]
            results.append(store.record_json(obj.name, row, shown))
    return json_response(200, results)
