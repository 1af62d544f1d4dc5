"""
The Composite resources: ``POST /composite`` and ``POST /composite/batch`` (up to 25 REST
subrequests in one round trip) and ``POST /composite/tree/{T}`` (nested records, all or none).

Later subrequests may use earlier results through ``@{referenceId.path}`` references. With
``allOrNone`` a failure undoes everything and every other subrequest reports
``PROCESSING_HALTED``; without it, only the subrequests that reference a failed one are halted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from ._http import ApiError, Call, json_response, parse_json

__all__ = ["MAX_SUBREQUESTS", "MAX_TREE_RECORDS", "batch", "composite", "tree"]

MAX_SUBREQUESTS = 25
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_HALTED_ALL = (
    "The transaction was rolled back since another operation in the same transaction failed."
)

#: Runs one subrequest: (method, URL path with query, body bytes) -> response.
Runner = Callable[[str, str, bytes], httpx.Response]


class _Unresolved(Exception):
    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(text)


def _lookup(results: dict[str, Any], name: str, path: str, text: str) -> Any:
    if name not in results:
        raise _Unresolved(text)
    value = results[name]
    for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        key, index = step
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            raise _Unresolved(text) from None
    return value


def _substitute(text: str, results: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        value = _lookup(results, match[1], match[2], match[0])
        return value if isinstance(value, str) else json.dumps(value)

    return _REFERENCE.sub(replace, text)


def _halted(reference: str, message: str) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference,
    }


def composite(call: Call, run: Runner) -> httpx.Response:
    """
    Answer ``POST /composite``.

    Raises:
        ApiError: For a malformed request or more than 25 subrequests.
    """
    if call.method != "POST" or len(call.segments) != 1:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    body = parse_json(call.body)
    requests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest must be a non-empty array")
    if len(requests) > MAX_SUBREQUESTS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"Composite requests cannot have more than {MAX_SUBREQUESTS} subrequests",
        )
    for item in requests:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("method"), str)
            and isinstance(item.get("url"), str)
            and isinstance(item.get("referenceId"), str)
        ):
            raise ApiError(
                400, "JSON_PARSER_ERROR", "Each subrequest needs method, url and referenceId"
            )
    all_or_none = bool(body.get("allOrNone"))
    results: dict[str, Any] = {}
    answers: list[dict[str, Any]] = []
    with call.store.transaction() as journal:
        failed = False
        for item in requests:
            reference = item["referenceId"]
            if all_or_none and failed:
                answers.append(_halted(reference, _HALTED_ALL))
                continue
            try:
                url = _substitute(item["url"], results)
                raw = item.get("body")
                payload = b"" if raw is None else _substitute(json.dumps(raw), results).encode()
            except _Unresolved as missing:
                answers.append(
                    _halted(reference, f"Invalid reference specified. No value for {missing.text}")
                )
                failed = True
                continue
            response = run(item["method"].upper(), url, payload)
            content = response.read()
            try:
                parsed = json.loads(content) if content else None
            except ValueError:
                parsed = content.decode("utf-8", "replace")
            headers = {}
            if response.status_code == 201 and isinstance(parsed, dict) and "id" in parsed:
                headers["Location"] = call.url(f"sobjects/{url.split('/')[-1]}/{parsed['id']}")
            answers.append(
                {
                    "body": parsed,
                    "httpHeaders": headers,
                    "httpStatusCode": response.status_code,
                    "referenceId": reference,
                }
            )
            if response.status_code < 300:
                results[reference] = parsed
            else:
                failed = True
        if all_or_none and failed:
            call.store.rollback(journal)
            answers = [
                a if a["httpStatusCode"] >= 300 else _halted(a["referenceId"], _HALTED_ALL)
                for a in answers
            ]
    return json_response(200, {"compositeResponse": answers})


def _batch_url(url: str) -> str:
    # "Batch Request Body": a subrequest url is either "vXX.X/..." (relative to /services/data/)
    # or the full "/services/data/vXX.X/..." path; both name the same resource.
    path = url.lstrip("/")
    if path.startswith("services/data/"):
        return "/" + path
    return "/services/data/" + path


def batch(call: Call, run: Runner) -> httpx.Response:
    """
    Answer ``POST /composite/batch``: independent subrequests, URLs ``vXX.X/...`` or
    ``/services/data/vXX.X/...``.

    Raises:
        ApiError: For a malformed request or more than 25 subrequests.
    """
    body = parse_json(call.body)
    requests = body.get("batchRequests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise ApiError(400, "JSON_PARSER_ERROR", "batchRequests must be a non-empty array")
    if len(requests) > MAX_SUBREQUESTS:
        raise ApiError(
            400, "LIMIT_EXCEEDED", f"A batch cannot have more than {MAX_SUBREQUESTS} subrequests"
        )
    for item in requests:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("method"), str)
            and isinstance(item.get("url"), str)
        ):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each batch subrequest needs method and url")
    halt = bool(body.get("haltOnError"))
    results: list[dict[str, Any]] = []
    halted = False
    for item in requests:
        if halted:
            results.append(
                {
                    "statusCode": 412,
                    "result": [
                        {
                            "errorCode": "BATCH_PROCESSING_HALTED",
                            "message": "Batch processing halted per request",
                        }
                    ],
                }
            )
            continue
        rich = item.get("richInput")
        payload = b"" if rich is None else json.dumps(rich).encode()
        response = run(item["method"].upper(), _batch_url(item["url"]), payload)
        content = response.read()
        try:
            parsed = json.loads(content) if content else None
        except ValueError:
            parsed = content.decode("utf-8", "replace")
        results.append({"statusCode": response.status_code, "result": parsed})
        halted = halt and response.status_code >= 400
    has_errors = any(r["statusCode"] >= 400 for r in results)
    return json_response(200, {"hasErrors": has_errors, "results": results})


MAX_TREE_RECORDS = 200


class _TreeFailure(Exception):
    def __init__(self, reference: str, errors: list[dict[str, Any]]) -> None:
        self.reference = reference
        self.errors = errors
        super().__init__(reference)


def _count_tree(records: list[Any]) -> int:
    total = 0
    for record in records:
        total += 1
        if isinstance(record, dict):
            for value in record.values():
                if isinstance(value, dict) and isinstance(value.get("records"), list):
                    total += _count_tree(value["records"])
    return total


def tree(call: Call, sobject: str) -> httpx.Response:
    """
    Answer ``POST /composite/tree/{T}``: nested parent and child records, all or none.

    Raises:
        ApiError: For an unknown sObject, a malformed body or more than 200 records.
    """
    store = call.store
    root = store.canonical_object(sobject)
    if root is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    body = parse_json(call.body)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not records:
        raise ApiError(400, "JSON_PARSER_ERROR", "records must be a non-empty array")
    if _count_tree(records) > MAX_TREE_RECORDS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"A tree request cannot hold more than {MAX_TREE_RECORDS} records",
        )
    results: list[dict[str, Any]] = []

    def insert(record: Any, sobject_name: str, parent: tuple[str, str] | None) -> None:
        if not isinstance(record, dict) or not isinstance(record.get("attributes"), dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record needs an attributes object")
        reference = str(record["attributes"].get("referenceId") or "")
        if not reference:
            raise ApiError(400, "INVALID_INPUT", "Each record needs attributes.referenceId")
        values: dict[str, Any] = {}
        children: list[tuple[str, list[Any]]] = []
        for key, value in record.items():
            if key == "attributes":
                continue
            if isinstance(value, dict) and isinstance(value.get("records"), list):
                children.append((key, value["records"]))
            else:
                values[key] = value
        if parent is not None:
            values[parent[0]] = parent[1]
        outcome = store.insert(sobject_name, values)
        if not outcome.success or outcome.id is None:
            raise _TreeFailure(
                reference,
                [
                    {"statusCode": e.status_code, "message": e.message, "fields": e.fields}
                    for e in outcome.errors
                ],
            )
        results.append({"referenceId": reference, "id": outcome.id})
        for relationship, child_records in children:
            found = store.child_relationship(sobject_name, relationship)
            if found is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{relationship}' in field path",
                )
            child_sobject, lookup, _ = found
            for child in child_records:
                insert(child, child_sobject, (lookup, outcome.id))

    with store.transaction() as journal:
        try:
            for record in records:
                insert(record, root, None)
        except _TreeFailure as failure:
            store.rollback(journal)
            return json_response(
                400,
                {
                    "hasErrors": True,
                    "results": [{"referenceId": failure.reference, "errors": failure.errors}],
                },
            )
        except ApiError:
            store.rollback(journal)
            raise
    return json_response(201, {"hasErrors": False, "results": results})
