# Generated from tests/_async/test_bulk_trust.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Bulk API 2.0 against hostile and broken answers: paths built only from checked values, result
URLs kept under the REST data root, loops refused, downloads bounded by the time budget, and
errors that name the request and hide every secret.

Each test puts one bad answer between the client and the fake org with an
``httpx.MockTransport`` (the HTTP boundary); everything else is the fake org answering.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from sf_toolkit import BulkQueryJob, RetryPolicy, SalesforceClient, SalesforceLogin
from sf_toolkit.exceptions import SalesforceTimeoutError, UnexpectedResponseError
from sf_toolkit.io.api import query_bulk, save_insert_bulk
from sf_toolkit.testing import FakeOrg

Handler = Callable[[httpx.Request], "httpx.Response | None"]

NO_WAIT = RetryPolicy(backoff_initial=0.0, backoff_max=0.0, jitter=False)

#: A password echoed by a hostile server: it must never appear in an error.
PASSWORD = "Pw&S3cr3t<x>+%/?="

SOQL = "SELECT Id, Name FROM Account"


class Recorder:
    """A transport: ``hostile(request)`` when it answers, else the org; every request logged."""

    def __init__(self, org: FakeOrg, hostile: Handler) -> None:
        self.org = org
        self.hostile = hostile
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            answer = self.hostile(request)
            return answer if answer is not None else self.org.handle(request)

        return httpx.MockTransport(handler)

    def paths(self, fragment: str = "") -> list[str]:
        return [r.url.path for r in self.requests if fragment in r.url.path]


def client_for(recorder: Recorder, **kwargs: Any) -> SalesforceClient:
    recorder.org.add_user("nasty@example.com", PASSWORD)
    login = SalesforceLogin(username="nasty@example.com", password=PASSWORD)
    kwargs.setdefault("retry", NO_WAIT)
    return SalesforceClient(login=login, transport=recorder.transport(), **kwargs)


def edited_job(org: FakeOrg, edit: Callable[[dict[str, Any]], None]) -> Handler:
    """Answer job creation and job info with the org's answer, edited."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if "/jobs/" not in path or path.endswith(("/results", "/resultPages", "/batches")):
            return None
        if request.method not in ("GET", "POST"):
            return None
        real = org.handle(request)
        data = real.json()
        if isinstance(data, dict) and "state" in data:
            edit(data)
        return httpx.Response(real.status_code, json=data)

    return hostile


def add_accounts(org: FakeOrg, count: int = 3) -> None:
    for n in range(count):
        org.insert("Account", {"Name": f"Acme {n}"})


# -- T1: the job Id and version from the answer are checked before they enter a path ---------


@pytest.mark.parametrize(
    "edit",
    [
        {"id": "../../../../oauth2/revoke"},
        {"id": "a b?c#d"},
        {"id": "7505g000000QQQQAAA"},  # the right shape, a wrong checksum
        {"apiVersion": "1/../../../../../evil-path"},
        {"apiVersion": "64.0/../../../../oauth2/revoke?"},
    ],
    ids=["dots", "query-chars", "checksum", "version-dots", "version-suffix"],
)
def test_a_job_id_or_version_that_does_not_check_out_is_never_used(
    org: FakeOrg, edit: dict[str, Any]
) -> None:
    recorder = Recorder(org, edited_job(org, lambda data: data.update(edit)))
    with client_for(recorder) as client:
        with pytest.raises(UnexpectedResponseError) as info:
            save_insert_bulk([{"Name": "Acme"}], client, sobject="Account")
    assert info.value.method == "POST"
    assert info.value.url == "/jobs/ingest"
    # Nothing followed the job's creation: no upload, no close, nowhere else.
    assert [r.method for r in recorder.requests if "/jobs/" in r.url.path] == ["POST"]
    assert not [p for p in recorder.paths() if "oauth2" in p or "evil" in p]


def test_checked_job_values_still_build_the_usual_paths(org: FakeOrg) -> None:
    """The other half: a genuine job answer (version as a number) is followed as before."""
    recorder = Recorder(org, edited_job(org, lambda data: data.update(apiVersion=64.0)))
    with client_for(recorder) as client:
        job = save_insert_bulk([{"Name": "Acme"}], client, sobject="Account")
        job.wait()
    upload = [r.url.path for r in recorder.requests if r.method == "PUT"]
    assert upload == [f"/services/data/v64.0/jobs/ingest/{job.id}/batches"]


def test_a_job_object_that_is_not_an_sobject_name_is_not_described(org: FakeOrg) -> None:
    """The describe path is built from the job's ``object`` only when it is an sObject name."""
    add_accounts(org)
    recorder = Recorder(org, edited_job(org, lambda data: data.update(object="Gizmo/../../x")))
    with client_for(recorder) as client:
        job = BulkQueryJob.create(SOQL, client)
        with pytest.raises(UnexpectedResponseError, match="sObject"):
            _ = [r for r in job.records()]
    assert recorder.paths("/describe") == []


# -- T2: result URLs stay under the REST data root on the instance ----------------------------


def result_pages(urls: list[str], **extra: Any) -> Handler:
    def hostile(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/resultPages"):
            pages = [{"resultUrl": url} for url in urls]
            return httpx.Response(200, json={"resultPages": pages, "done": True, **extra})
        return None

    return hostile


@pytest.mark.parametrize(
    "url",
    [
        "/secur/frontdoor.jsp",
        "/services/oauth2/revoke",
        "/services/%2e%2e/x",
        "/services/data/v64.0/jobs/query/../../../../oauth2/x",
        "https://evil.example/services/data/v64.0/jobs/query/x/results",
    ],
)
def test_a_result_url_outside_the_data_root_is_refused(org: FakeOrg, url: str) -> None:
    add_accounts(org)
    recorder = Recorder(org, result_pages([url]))
    with client_for(recorder) as client:
        with pytest.raises(UnexpectedResponseError, match="resultUrl") as info:
            _ = [r for r in query_bulk(SOQL, client, concurrency=2)]
    assert info.value.method == "GET"
    assert info.value.url is not None
    assert info.value.url.endswith("/resultPages")
    assert all(r.url.host != "evil.example" for r in recorder.requests)
    assert not [p for p in recorder.paths() if "oauth2" in p or "secur" in p or "%2e" in p]


def test_result_urls_under_the_data_root_are_followed(org: FakeOrg) -> None:
    """The other half: Salesforce's own result URLs are read, in order."""
    add_accounts(org, 5)
    org.bulk.query_page_size = 2
    recorder = Recorder(org, lambda request: None)
    with client_for(recorder) as client:
        names = [a.Name for a in query_bulk(SOQL, client, concurrency=2)]
    assert sorted(names) == [f"Acme {n}" for n in range(5)]
    assert len(recorder.paths("/results")) == 3


# -- T3: a repeated locator or listing ends the call -------------------------------------------


def repeating_locator(org: FakeOrg) -> Handler:
    """
    Answer every result page with the first page and the same locator (five times, then
    ``null``: a client that follows it fails the test instead of hanging it).
    """
    first: list[bytes] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/results"):
            if not first:
                first.append(org.handle(request).content)
            first.append(b"")
            locator = "SAME" if len(first) <= 6 else "null"
            headers = {"Content-Type": "text/csv", "Sforce-Locator": locator}
            return httpx.Response(200, headers=headers, content=first[0])
        return None

    return hostile


def test_a_repeated_locator_is_refused_while_reading_records(org: FakeOrg) -> None:
    add_accounts(org)
    recorder = Recorder(org, repeating_locator(org))
    with client_for(recorder) as client:
        with pytest.raises(UnexpectedResponseError, match="Sforce-Locator 'SAME' a second time"):
            _ = [r for r in query_bulk(SOQL, client)]
    assert len(recorder.paths("/results")) == 2


def test_a_repeated_locator_is_refused_while_writing_csv(org: FakeOrg, tmp_path: Path) -> None:
    add_accounts(org)
    recorder = Recorder(org, repeating_locator(org))
    with client_for(recorder) as client:
        job = BulkQueryJob.create(SOQL, client)
        job.wait()
        with pytest.raises(UnexpectedResponseError, match="a second time"):
            job.write_csv(tmp_path / "out.csv")
    assert len(recorder.paths("/results")) == 2
    assert not (tmp_path / "out.csv").exists()


def test_distinct_locators_are_followed_to_the_end(org: FakeOrg, tmp_path: Path) -> None:
    """The other half: Salesforce's own locators are followed page after page."""
    add_accounts(org, 5)
    org.bulk.query_page_size = 2
    recorder = Recorder(org, lambda request: None)
    with client_for(recorder) as client:
        job = BulkQueryJob.create(SOQL, client)
        job.wait()
        assert len([r for r in job.records()]) == 5
        job.write_csv(tmp_path / "out.csv")
    assert len(recorder.paths("/results")) == 6
    assert len((tmp_path / "out.csv").read_bytes().splitlines()) == 6


def test_a_repeated_result_listing_is_refused(org: FakeOrg) -> None:
    add_accounts(org)
    listings: list[str] = []

    def hostile(request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.endswith("/resultPages"):
            listings.append(path)  # five times, then done: a failing client does not hang
            body = {"resultPages": [], "done": len(listings) > 5, "nextRecordsUrl": path}
            return httpx.Response(200, json=body)
        return None

    recorder = Recorder(org, hostile)
    with client_for(recorder) as client:
        with pytest.raises(UnexpectedResponseError, match="a second time"):
            _ = [r for r in query_bulk(SOQL, client, concurrency=2)]
    assert len(recorder.paths("/resultPages")) == 2


# -- T4: errors built from answers mask the client's secrets ---------------------------------


def echo(status: int, body: Callable[[str], Any], fragment: str) -> Handler:
    """Answer requests whose path ends with ``fragment`` with JSON echoing the password."""

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith(fragment) and request.method != "PUT":
            return httpx.Response(status, json=body(PASSWORD))
        return None

    return hostile


def run_call(client: SalesforceClient, call: str) -> None:
    if call == "insert":
        save_insert_bulk([{"Name": "Acme"}], client, sobject="Account")
    else:
        _ = [r for r in query_bulk(SOQL, client, concurrency=2)]


@pytest.mark.parametrize(
    ("handler", "call"),
    [
        (
            echo(200, lambda pw: {"id": pw, "state": "Open"}, "/jobs/ingest"),
            "insert",
        ),
        (
            echo(200, lambda pw: {"oops": pw, "echo": json.dumps(pw)}, "/jobs/ingest"),
            "insert",
        ),
        (
            echo(200, lambda pw: {"resultPages": pw, "done": True}, "/resultPages"),
            "query",
        ),
        (
            echo(200, lambda pw: {"resultPages": [{"resultUrl": f"/x/{pw}"}]}, "/resultPages"),
            "query",
        ),
    ],
    ids=["job-id", "job-shape", "listing-shape", "result-url"],
)
def test_errors_from_bulk_answers_show_no_secret(org: FakeOrg, handler: Handler, call: str) -> None:
    add_accounts(org)
    recorder = Recorder(org, handler)
    with client_for(recorder) as client:
        with pytest.raises(UnexpectedResponseError) as info:
            run_call(client, call)
    error = info.value
    shown = f"{error} {error!r} {error.message} {error.body}"
    assert error.method is not None
    assert error.url is not None
    for leak in (PASSWORD, json.dumps(PASSWORD)[1:-1], "S3cr3t"):
        assert leak not in shown


# -- T5: an upload resent after a renewal goes to the renewed session's instance -------------


def test_an_upload_after_a_renewal_that_moved_the_instance_goes_to_the_new_one(
    org: FakeOrg,
) -> None:
    moved = "https://moved.my.salesforce.com"

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PUT" and org.instance_url != moved:
            org.instance_url = moved
            org.expire_sessions()  # this PUT is answered 401; the renewal names the new instance
        return None

    recorder = Recorder(org, hostile)
    with client_for(recorder) as client:
        job = save_insert_bulk([{"Name": "Acme"}], client, sobject="Account")
        job.wait()
    puts = [r.url for r in recorder.requests if r.method == "PUT"]
    assert len(puts) == 2
    assert puts[0].host != "moved.my.salesforce.com"
    assert puts[1].host == "moved.my.salesforce.com"
    assert job.records_processed == 1


# -- T8 / T10: result downloads are typed and bounded by the time budget ----------------------


def on_results(answer: Callable[[httpx.Request], httpx.Response]) -> Handler:
    def hostile(request: httpx.Request) -> httpx.Response | None:
        return answer(request) if request.url.path.endswith("/results") else None

    return hostile


def read_all(client: SalesforceClient, how: str, tmp_path: Path) -> None:
    if how == "write_csv":
        job = BulkQueryJob.create(SOQL, client)
        job.wait()
        job.write_csv(tmp_path / "out.csv")
    else:
        concurrency = 2 if how == "concurrent" else 1
        _ = [r for r in query_bulk(SOQL, client, concurrency=concurrency)]


@pytest.mark.parametrize("how", ["records", "concurrent", "write_csv"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_result_body_that_does_not_match_its_encoding_is_typed(
    org: FakeOrg, tmp_path: Path, how: str, encoding: str
) -> None:
    add_accounts(org)

    def answer(request: httpx.Request) -> httpx.Response:
        body = httpx.ByteStream(b'"Id","Name"\n"001","not compressed"\n')
        headers = {"Content-Encoding": encoding, "Content-Type": "text/csv"}
        return httpx.Response(200, headers=headers, stream=body)

    with client_for(Recorder(org, on_results(answer))) as client:
        with pytest.raises(UnexpectedResponseError, match="Content-Encoding") as info:
            read_all(client, how, tmp_path)
    assert info.value.method == "GET"
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("how", ["records", "concurrent", "write_csv"])
def test_a_trickling_result_file_ends_within_the_budget(
    org: FakeOrg, tmp_path: Path, trickle: Any, how: str
) -> None:
    add_accounts(org)
    body = trickle(0.02)
    answer = on_results(
        lambda request: httpx.Response(200, headers={"Content-Type": "text/csv"}, stream=body)
    )
    policy = RetryPolicy(attempts=2, backoff_initial=0.0, backoff_max=0.0, jitter=False, budget=0.3)
    with client_for(Recorder(org, answer), retry=policy, timeout=3) as client:
        with pytest.raises(SalesforceTimeoutError, match=r"time budget of 0\.3 s"):
            read_all(client, how, tmp_path)
    assert 0 < body.sent < body.total


# -- T16: a result file that is not CSV names the request --------------------------------------


@pytest.mark.parametrize("how", ["records", "concurrent"])
def test_an_unreadable_result_file_names_the_request(
    org: FakeOrg, tmp_path: Path, how: str
) -> None:
    add_accounts(org)
    answer = on_results(
        lambda request: httpx.Response(
            200, headers={"Content-Type": "text/csv"}, content=b'"Id","Name"\n"001","open'
        )
    )
    with client_for(Recorder(org, answer)) as client:
        with pytest.raises(UnexpectedResponseError, match="could not be read as CSV") as info:
            read_all(client, how, tmp_path)
    assert info.value.method == "GET"
    assert info.value.url is not None
    assert info.value.url.startswith("/jobs/query/")
