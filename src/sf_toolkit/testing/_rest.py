"""
REST handlers of the fake org: describe, sObject CRUD, upsert by external id, blobs and query.

Each handler takes a :class:`~._http.Call` and returns an ``httpx.Response`` or raises
:class:`~._http.ApiError`; the router adds authentication, limits and fault injection.
"""

from __future__ import annotations

import email.policy
import re
from collections import OrderedDict
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any

import httpx

from ..ids import is_valid_id, to_id18
from ._http import (
    ApiError,
    Call,
    blob_response,
    empty,
    json_response,
    not_allowed,
    not_found,
    parse_json,
    require_object,
)
from ._protocols import SoqlError
from ._schema import ObjectDef
from ._store import RecordProblem
from ._values import format_datetime, parse_datetime

__all__ = ["QueryCursors", "describe", "global_describe", "sobject_route"]

_ID_SHAPE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def _object(call: Call, name: str) -> ObjectDef:
    obj = call.store.object(name)
    if obj is None:
        raise not_found()
    return obj


def _lock_check(call: Call, record_id: str | None = None) -> None:
    if call.lock_row():
        raise ApiError(
            400,
            "UNABLE_TO_LOCK_ROW",
            f"unable to obtain exclusive access to this record or 1 records: {record_id or ''}",
        )


def _record_error(problem: RecordProblem) -> ApiError:
    first = problem.errors[0]
    if first.status_code == "INVALID_TYPE" or first.status_code == "NOT_FOUND":
        return not_found()
    return ApiError.from_dml(400, problem.errors)


# --- describe --------------------------------------------------------------------------------


def _urls(call: Call, name: str) -> dict[str, str]:
    # The REST entries of "sObject Describe"'s urls map. The fake serves sobject, describe and
    # rowTemplate; the layout, list view and quick action resources it lists answer 404.
    base = call.url(f"sobjects/{name}")
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def _object_summary(call: Call, obj: ObjectDef) -> dict[str, Any]:
    """One ``DescribeGlobalSObjectResult`` ("Describe Global"): every key Salesforce sends."""
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": True,
        "custom": obj.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": True,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name in ("Account", "Contact"),
        "mruEnabled": True,
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": True,
        "updateable": True,
        "urls": _urls(call, obj.name),
    }


def global_describe(call: Call) -> httpx.Response:
    """``GET /sobjects/``."""
    return json_response(
        200,
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [_object_summary(call, obj) for obj in call.store.objects()],
        },
    )


def describe(call: Call, name: str) -> httpx.Response:
    """``GET /sobjects/{T}/describe``: a ``DescribeSObjectResult`` ("sObject Describe")."""
    obj = _object(call, name)
    data = _object_summary(call, obj)
    data.update(
        {
            "actionOverrides": [],
            "childRelationships": [
                {
                    "cascadeDelete": definition.cascade_delete,
                    "childSObject": child,
                    "deprecatedAndHidden": False,
                    "field": definition.name,
                    "junctionIdListNames": [],
                    "junctionReferenceTo": [],
                    "relationshipName": relationship,
                    "restrictedDelete": False,
                }
                for child, definition, relationship in call.store.children(obj.name)
            ],
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [definition.describe() for definition in obj.fields.values()],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            # Every layoutable object has the "Master" record type (id 012000000000000AAA).
            "recordTypeInfos": [
                {
                    "active": True,
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "developerName": "Master",
                    "master": True,
                    "name": "Master",
                    "recordTypeId": "012000000000000AAA",
                    "urls": {
                        "layout": call.url(
                            f"sobjects/{obj.name}/describe/layouts/012000000000000AAA"
                        )
                    },
                }
            ],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All", "name": "everything"}],
        }
    )
    return json_response(200, dict(sorted(data.items())))


# --- sObject rows -----------------------------------------------------------------------------


def sobject_route(call: Call) -> httpx.Response:
    """Everything under ``/sobjects/{T}``: basic info, create, read, update, delete, upsert."""
    segments = call.segments[1:]
    obj = _object(call, segments[0])
    method = call.method
    if len(segments) == 1:
        if method == "GET":
            return json_response(
                200, {"objectDescribe": _object_summary(call, obj), "recentItems": []}
            )
        if method == "POST":
            return _create(call, obj)
        raise not_allowed(method, "HEAD,GET,POST")
    if len(segments) == 2:
        key = segments[1]
        if key == "describe":
            if method == "GET":
                return describe(call, obj.name)
            raise not_allowed(method, "HEAD,GET")
        if key.lower() == "id" and method == "POST":
            return _create(call, obj)
        if key in ("updated", "deleted"):
            if method == "GET":
                return _replication(call, obj, deleted=key == "deleted")
            raise not_allowed(method, "HEAD,GET")
        if method not in ("GET", "PATCH", "DELETE"):
            raise not_allowed(method, "HEAD,GET,PATCH,DELETE")
        record_id = _record_id(call, obj, key)
        if method == "GET":
            return _read(call, obj, record_id)
        if method == "PATCH":
            return _update(call, obj, record_id)
        return _delete(call, obj, record_id)
    if len(segments) == 3:
        key, tail = segments[1], segments[2]
        if is_valid_id(key) and obj.blob_field == _field_name(obj, tail):
            if method == "GET":
                return _blob(call, obj, key)
            raise not_allowed(method, "HEAD,GET")
        if method in ("GET", "PATCH", "DELETE", "POST"):
            return _by_external_id(call, obj, key, tail)
        raise not_allowed(method, "HEAD,GET,PATCH,DELETE")
    raise not_found()


def _replication(call: Call, obj: ObjectDef, *, deleted: bool) -> httpx.Response:
    """``GET /sobjects/{T}/updated/`` and ``/deleted/``: Ids changed in a time window."""
    bounds = []
    for name in ("start", "end"):
        text = call.params.get(name)
        if not text:
            raise ApiError(400, "MISSING_ARGUMENT", f"{name} parameter is required")
        moment = parse_datetime(text)
        if moment is None:
            raise ApiError(400, "INVALID_REPLICATION_DATE", f"invalid {name} date: {text}")
        bounds.append(moment)
    start, end = bounds
    if start > end:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "start date must be before end date")
    changed = []
    for row in call.store.rows(obj.name, include_deleted=True):
        moment = parse_datetime(str(row["SystemModstamp"]))
        if moment is not None and start <= moment <= end and bool(row["IsDeleted"]) == deleted:
            changed.append((row["Id"], row["SystemModstamp"]))
    latest = format_datetime(end)
    if deleted:
        return json_response(
            200,
            {
                "deletedRecords": [{"id": i, "deletedDate": when} for i, when in changed],
                "earliestDateAvailable": format_datetime(start),
                "latestDateCovered": latest,
            },
        )
    return json_response(200, {"ids": [i for i, _ in changed], "latestDateCovered": latest})


def _field_name(obj: ObjectDef, name: str) -> str | None:
    definition = obj.get(name)
    return definition.name if definition else None


def _record_id(call: Call, obj: ObjectDef, key: str) -> str:
    if not _ID_SHAPE.fullmatch(key):
        raise not_found(f"Provided external ID field does not exist or is not accessible: {key}")
    if not is_valid_id(key):
        raise ApiError(400, "MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {key}")
    return to_id18(key)


def _live_row(call: Call, obj: ObjectDef, record_id: str) -> dict[str, Any]:
    row = call.store.find(obj.name, record_id)
    if row is None:
        raise not_found()
    if row["IsDeleted"]:
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
    return row


def _field_list(obj: ObjectDef, text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = []
    for raw in text.split(","):
        name = raw.strip()
        if not name:
            continue
        definition = obj.get(name)
        if definition is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a "
                "custom field, be sure to append the '__c' after the custom field name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        names.append(definition.name)
    return names


def _read(call: Call, obj: ObjectDef, record_id: str) -> httpx.Response:
    fields = _field_list(obj, call.params.get("fields"))
    if fields is not None and "Id" not in fields:
        # "Get Field Values from a Standard Object Record": the record's Id comes back even
        # when ``fields`` does not name it (after the named fields).
        fields.append("Id")
    row = _live_row(call, obj, record_id)
    return json_response(200, call.store.record_json(obj.name, row, fields))


def _body_values(call: Call, obj: ObjectDef) -> dict[str, Any]:
    """The record of a JSON body, or of a multipart body carrying a blob part."""
    content_type = call.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return require_object(parse_json(call.body), obj.name)
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + call.body
    )
    if not message.is_multipart():
        raise ApiError(400, "INVALID_MULTIPART_REQUEST", "The multipart body could not be read")
    values: dict[str, Any] | None = None
    blobs: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if name.startswith("entity_"):
            values = require_object(parse_json(payload), obj.name)
        else:
            blobs[name] = payload
    if values is None:
        raise ApiError(
            400, "INVALID_MULTIPART_REQUEST", "A multipart request needs an entity_* JSON part"
        )
    if obj.blob_field is not None:
        for name, payload in blobs.items():
            if name.lower() == obj.blob_field.lower():
                values[obj.blob_field] = payload
    return values


def _create(call: Call, obj: ObjectDef) -> httpx.Response:
    values = _body_values(call, obj)
    _lock_check(call)
    try:
        record_id = call.store.create(obj.name, values)
    except RecordProblem as problem:
        raise _record_error(problem) from None
    return json_response(201, {"id": record_id, "success": True, "errors": []})


def _update(call: Call, obj: ObjectDef, record_id: str) -> httpx.Response:
    values = _body_values(call, obj)
    _live_row(call, obj, record_id)
    _lock_check(call, record_id)
    try:
        call.store.modify(obj.name, record_id, values)
    except RecordProblem as problem:
        raise _record_error(problem) from None
    return empty(204)


def _delete(call: Call, obj: ObjectDef, record_id: str) -> httpx.Response:
    _live_row(call, obj, record_id)
    _lock_check(call, record_id)
    call.store.remove(obj.name, record_id)
    return empty(204)


def _blob(call: Call, obj: ObjectDef, key: str) -> httpx.Response:
    row = _live_row(call, obj, to_id18(key))
    data = call.store.blob(row["Id"])
    if data is None:
        raise not_found()
    content_type = row.get("ContentType")
    return blob_response(data, content_type if isinstance(content_type, str) else None)


def _by_external_id(call: Call, obj: ObjectDef, field: str, value: str) -> httpx.Response:
    definition = obj.get(field)
    if definition is None or not (
        definition.external_id or definition.id_lookup or definition.name == "Id"
    ):
        raise not_found(f"Provided external ID field does not exist or is not accessible: {field}")
    if call.method == "POST" and definition.name != "Id":
        raise not_allowed("POST", "GET,PATCH,DELETE")
    matches = call.store.match_external(obj.name, definition.name, value)
    if len(matches) > 1:
        return json_response(300, [call.store.record_url(obj.name, m) for m in matches])
    if call.method == "GET":
        if not matches:
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {value}"
            )
        return _read(call, obj, matches[0])
    if call.method == "DELETE":
        if not matches:
            raise not_found()
        return _delete(call, obj, matches[0])
    values = require_object(parse_json(call.body), obj.name)
    # "Upsert Records Using sObject Rows by External ID": do not specify Id or an external ID
    # field in the request body, or an error is generated.
    named = [key for key in values if key.lower() in ("id", definition.name.lower())]
    if named:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"Do not specify Id or an external ID field in the request body: {named[0]}",
            [named[0]],
        )
    if not matches and call.params.get("updateOnly", "").lower() == "true":
        raise not_found()
    _lock_check(call, matches[0] if matches else None)
    try:
        record_id, created = call.store.put(obj.name, definition.name, value, values)
    except RecordProblem as problem:
        raise _record_error(problem) from None
    result: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
    if call.version_number >= 46.0:
        result["created"] = created
        return json_response(201 if created else 200, result)
    return json_response(201, result) if created else empty(204)


# --- query -----------------------------------------------------------------------------------


@dataclass
class _Cursor:
    records: list[dict[str, Any]]
    total: int
    batch: int


class QueryCursors:
    """
    Open query locators (``01g...``) and the rows they still have to hand out.

    Locators stay valid until ``capacity`` newer ones push them out, so a page can be fetched
    again. Child subquery results longer than ``child_batch_size`` are cut too, with their own
    ``nextRecordsUrl``, as Salesforce does for large child lists.
    """

    def __init__(self, capacity: int = 500, child_batch_size: int = 200) -> None:
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._capacity = capacity
        self.child_batch_size = child_batch_size

    def _open(self, call: Call, records: list[dict[str, Any]], total: int, batch: int) -> str:
        locator = call.store.mint_id("01g")
        self._cursors[locator] = _Cursor(records, total, batch)
        while len(self._cursors) > self._capacity:
            self._cursors.popitem(last=False)
        return locator

    def page(
        self,
        call: Call,
        records: list[dict[str, Any]],
        total: int,
        offset: int,
        batch: int,
        locator: str | None,
    ) -> httpx.Response:
        """One page of a query result, opening a locator when rows remain."""
        end = offset + batch
        data: dict[str, Any] = {"totalSize": total, "done": end >= len(records)}
        if end < len(records):
            locator = locator or self._open(call, records, total, batch)
            data["nextRecordsUrl"] = call.url(f"query/{locator}-{end}")
        data["records"] = [self._cut_children(call, row) for row in records[offset:end]]
        return json_response(200, data)

    def _cut_children(self, call: Call, row: dict[str, Any]) -> dict[str, Any]:
        limit = self.child_batch_size
        copy: dict[str, Any] | None = None
        for key, value in row.items():
            if not (isinstance(value, dict) and isinstance(value.get("records"), list)):
                continue
            children: list[dict[str, Any]] = value["records"]
            if len(children) <= limit or "totalSize" not in value:
                continue
            locator = self._open(call, children, value["totalSize"], limit)
            copy = copy if copy is not None else dict(row)
            copy[key] = {
                "totalSize": value["totalSize"],
                "done": False,
                "nextRecordsUrl": call.url(f"query/{locator}-{limit}"),
                "records": children[:limit],
            }
        return copy if copy is not None else row

    def query(self, call: Call, *, include_deleted: bool) -> httpx.Response:
        """``GET /query?q=`` and ``/queryAll?q=``, or the next page of a locator."""
        batch = _batch_size(call.headers.get("Sforce-Query-Options", ""))
        if len(call.segments) == 2:
            locator, _, offset_text = call.segments[1].rpartition("-")
            cursor = self._cursors.get(locator)
            if cursor is None or not offset_text.isdigit():
                raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            return self.page(
                call, cursor.records, cursor.total, int(offset_text), cursor.batch, locator
            )
        if len(call.segments) != 1:
            raise not_found()
        soql = call.params.get("q")
        if not soql:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            result = call.store.query(soql, include_deleted=include_deleted)
        except SoqlError as error:
            raise ApiError(400, error.error_code, error.message) from None
        if result.is_count:
            return json_response(200, {"totalSize": result.total_size, "done": True, "records": []})
        return self.page(call, result.records, result.total_size, 0, batch, None)


def _batch_size(header: str) -> int:
    match = _BATCH_RE.search(header)
    if match is None:
        return 2000
    return max(200, min(2000, int(match[1])))
