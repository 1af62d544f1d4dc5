"""
Bulk API 2.0 result files as responses: ingest result CSVs and query-result pages.

Ingest results are written whole (Salesforce serves each as one file); query results are
slices of the result file the job wrote while it ran (:mod:`._bulk_result_file`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ._bulk_csv import result_csv
from ._bulk_jobs import JOB_COMPLETE, Job
from ._bulk_query import decode_locator, encode_locator
from ._bulk_requests import Refusal
from ._bulk_result_file import ResultFile

__all__ = ["ingest_results", "query_results", "result_pages"]

_RESULT_PAGES_PER_RESPONSE = 5


def ingest_results(job: Job, which: str) -> httpx.Response:
    """
    One ingest result file as a response.

    Args:
        which: ``"successful"``, ``"failed"`` or ``"unprocessed"``.
    """
    results = job.results
    options = {"column_delimiter": job.column_delimiter, "line_ending": job.line_ending}
    if which == "successful":
        content = result_csv(
            ("sf__Id", "sf__Created"),
            job.raw_header,
            (
                [id_, "true" if created else "false", *cells]
                for id_, created, cells in results.successful
            ),
            **options,
        )
    elif which == "failed":
        content = result_csv(
            ("sf__Id", "sf__Error"),
            job.raw_header,
            ([id_, error, *cells] for id_, error, cells in results.failed),
            **options,
        )
    else:
        content = result_csv((), job.raw_header, results.unprocessed, **options)
    return httpx.Response(200, content=content, headers={"Content-Type": "text/csv"})


def query_results(
    job: Job, params: Mapping[str, str], api_version: str, page_size: int
) -> httpx.Response:
    """
    One set of a query job's results, with ``Sforce-NumberOfRecords`` and ``Sforce-Locator``.

    The set is a slice of the job's stored result file (see :mod:`._bulk_result_file`): the
    response carries it as a stream, read after the org answered, outside its locks.

    Args:
        params: ``maxRecords`` and ``locator``, both optional.
        page_size: Rows per set when the client sends no ``maxRecords``.

    Raises:
        Refusal: Another API version than the job's (409), a job without results, or a bad
            ``maxRecords`` or locator (400).
    """
    if api_version != job.api_version:
        raise Refusal(
            409,
            "API_ERROR",
            f"The job was created with API version {job.api_version}; "
            f"request its results with the same version, not {api_version}",
        )
    results = _result_file(job)
    limit = page_size
    raw_max = params.get("maxRecords")
    if raw_max not in (None, ""):
        assert raw_max is not None
        if not raw_max.isdigit() or int(raw_max) < 1:
            raise Refusal(400, "API_ERROR", f"maxRecords must be a positive integer, not {raw_max}")
        limit = int(raw_max)
    offset = 0
    locator = params.get("locator")
    if locator:
        decoded = decode_locator(locator)
        if decoded is None or decoded > results.rows:
            raise Refusal(400, "API_ERROR", f"Invalid locator: {locator}")
        offset = decoded
    count = results.size(offset, limit)
    end = offset + count
    length, body = results.download(offset, limit)
    headers = {
        "Content-Type": "text/csv",
        "Content-Length": str(length),
        "Sforce-NumberOfRecords": str(count),
        "Sforce-Locator": encode_locator(end) if end < results.rows else "null",
    }
    return httpx.Response(200, headers=headers, stream=body)


def _result_file(job: Job) -> ResultFile:
    if job.state != JOB_COMPLETE or job.result_file is None:
        raise Refusal(400, "API_ERROR", f"Job {job.id} has no results: its state is {job.state}")
    return job.result_file


def result_pages(
    job: Job, params: Mapping[str, str], api_version: str, page_size: int
) -> httpx.Response:
    """The ``resultPages`` listing (v58+): up to five result URLs, then a next link."""
    total = _result_file(job).rows
    offsets = list(range(0, max(total, 1), page_size))
    start = 0
    if params.get("locator"):
        decoded = decode_locator(params["locator"])
        if decoded is None or decoded not in offsets:
            raise Refusal(400, "API_ERROR", f"Invalid locator: {params['locator']}")
        start = offsets.index(decoded)
    chosen = offsets[start : start + _RESULT_PAGES_PER_RESPONSE]
    base = f"/services/data/v{api_version}/jobs/query/{job.id}"
    rest = offsets[start + len(chosen) :]
    next_url = f"{base}/resultPages?locator={encode_locator(rest[0])}" if rest else None
    body = {
        "resultPages": [
            {"resultUrl": f"{base}/results?locator={encode_locator(offset)}"} for offset in chosen
        ],
        "nextRecordsUrl": next_url,
        "done": next_url is None,
    }
    return httpx.Response(200, json=body)
