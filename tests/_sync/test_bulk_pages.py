# Generated from tests/_async/test_bulk_pages.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""
Concurrent Bulk API 2.0 result pages: the client's download window and the fake org's serving.

The client downloads up to ``concurrency`` pages in the background (tasks, or threads in the
sync half), each into its own spool, while the caller reads the first; the fake org serves
pages from the result file its job wrote, concurrently. Asserted on the fake's request log and
counters, never on the clock.
"""

import csv
import gc
import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sf_toolkit import BulkQueryJob, RetryPolicy, SalesforceClient, SObject, select
from sf_toolkit._concurrency import SPOOLED_FETCH_NAME, map_bounded, sleep
from sf_toolkit.exceptions import ServerError, UnexpectedResponseError
from sf_toolkit.testing import FakeOrg

LATENCY = 0.05
PATIENT = RetryPolicy(attempts=12, backoff_initial=0.0, backoff_max=0.0, jitter=False)


class Account(SObject):
    Name: str | None = None
    NumberOfEmployees: int | None = None


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Let background work run until ``condition`` holds; fail after about ten seconds."""
    for _ in range(2000):
        if condition():
            return
        sleep(0.005)
    raise AssertionError(f"timed out waiting until {what}")


def download_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == SPOOLED_FETCH_NAME]


def open_files() -> int:
    """How many file descriptors this process holds (Linux; -1 elsewhere)."""
    gc.collect()  # what earlier tests left for the collector is closed now, not mid-test
    try:
        return len(os.listdir("/proc/self/fd"))
    except FileNotFoundError:  # pragma: no cover - not Linux
        return -1


def page_requests(org: FakeOrg) -> list[Any]:
    return [r for r in org.requests if r.route == "bulk" and r.path.endswith("/results")]


def seed(org: FakeOrg, rows: int, page_size: int) -> list[str]:
    """``rows`` Accounts named in order, served ``page_size`` rows per result page."""
    org.bulk.query_page_size = page_size
    names = [f"P{n:03d}" for n in range(rows)]
    for n, name in enumerate(names):
        org.insert("Account", {"Name": name, "NumberOfEmployees": n})
    return names


def finished_job(client: SalesforceClient, org: FakeOrg) -> BulkQueryJob:
    job = BulkQueryJob.create(select(Account, "Name", "NumberOfEmployees").order_by("Name"), client)
    job.wait()
    org.reset_stats()
    return job


def read_names(
    client: SalesforceClient, org: FakeOrg, concurrency: int, names: list[str | None]
) -> None:
    """Read a finished job's records ``concurrency`` pages at a time, keeping each name."""
    job = finished_job(client, org)
    for account in job.records(concurrency=concurrency):
        names.append(account.Name)


# -- the client's window ----------------------------------------------------------------------


class PagesInFlight:
    """Counts the result-page requests a transport is answering at once (tasks or threads)."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._guard = threading.Lock()

    def enter(self) -> None:
        with self._guard:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._guard:
            self.now -= 1


@pytest.mark.parametrize("concurrency", [2, 4])
def test_result_pages_overlap_up_to_concurrency_and_keep_their_order(
    org: FakeOrg, login: Any, concurrency: int
) -> None:
    """Exactly `concurrency` pages are in flight at most; every row comes back once, in order."""
    names = seed(org, 70, 10)
    pages = PagesInFlight()

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        if not request.url.path.endswith("/results"):
            return org.handle(request)
        pages.enter()
        try:
            sleep(LATENCY)
            return org.handle(request)
        finally:
            pages.leave()

    transport = httpx.MockTransport(handler)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        job = finished_job(client, org)
        records = [(a.Name, a.NumberOfEmployees) for a in job.records(concurrency=concurrency)]
    assert records == [(name, n) for n, name in enumerate(names)]
    assert len(page_requests(org)) == 7
    assert pages.peak == concurrency


def test_the_next_listing_is_asked_for_while_pages_download(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """The org sees the pages of the window and the next /resultPages listing at once."""
    seed(org, 70, 10)  # 7 pages: a listing of 5, then one of 2
    job = finished_job(client, org)
    org.faults.latency = LATENCY
    assert len([a for a in job.records(concurrency=5)]) == 70
    listings = [r for r in org.requests if r.path.endswith("/resultPages")]
    assert len(listings) == 2
    assert org.stats.max_in_flight == 6  # five pages and the second listing


ROW = b'"Acme","1"\n'
PAGE_ROWS = 150_000  # 1.6 MB a page: past the 1 MB a spool keeps in memory
PAGES = 4


def listing(path: str, pages: int) -> httpx.Response:
    """A /resultPages answer listing ``pages`` result URLs, locators ``L0``, ``L1``, ..."""
    base = path.removesuffix("/resultPages")
    urls = [{"resultUrl": f"{base}/results?locator=L{n}"} for n in range(pages)]
    return httpx.Response(200, json={"resultPages": urls, "done": True})


def big_pages(
    org: FakeOrg, done: list[bool], generated_body: Callable[..., Any]
) -> Callable[[httpx.Request], httpx.Response]:
    """
    The org, except that its job lists four big pages whose bodies are generated as the
    client reads them; ``done[n]`` turns true once page ``n`` was read to its end.
    """

    def body(page: int) -> Iterator[bytes]:
        yield b'"Name","NumberOfEmployees"\n'
        for _ in range(PAGE_ROWS // 1_000):
            yield ROW * 1_000
        done[page] = True

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        path = request.url.path
        if path.endswith("/resultPages"):
            return listing(path, PAGES)
        if "/jobs/query/" in path and path.endswith("/results"):
            page = int(request.url.params["locator"].removeprefix("L"))
            return httpx.Response(200, stream=generated_body(lambda: body(page)))
        return org.handle(request)

    return handler


def test_later_pages_download_while_the_caller_holds_the_first_row(
    org: FakeOrg, login: Any, generated_body: Callable[..., Any]
) -> None:
    """Holding the first row, the other pages of the window download whole, into spools."""
    done = [False] * PAGES
    transport = httpx.MockTransport(big_pages(org, done, generated_body))
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        job = BulkQueryJob.create(select(Account, "Name"), client)
        job.wait()
        records = job.records(concurrency=PAGES)
        first = records.__next__()
        assert first.Name == "Acme"
        wait_until(lambda: all(done[1:]), "pages 2 to 4 were read to their end")
        records.close()  # type: ignore[attr-defined]


def test_the_first_pages_rows_come_while_it_is_still_downloading(
    org: FakeOrg, login: Any, gated_body: Callable[..., Any]
) -> None:
    """Rows of the first page are yielded as its bytes arrive, before the page has ended."""
    body = gated_body(b'"Name"\n' + b'"Early"\n' * 1_000, b'"Late"\n' * 1_000)

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        path = request.url.path
        if path.endswith("/resultPages"):
            return listing(path, 2)
        if path.endswith("/results") and request.url.params["locator"] == "L0":
            return httpx.Response(200, stream=body)
        if path.endswith("/results"):
            return httpx.Response(200, content=b'"Name"\n"Second"\n')
        return org.handle(request)

    transport = httpx.MockTransport(handler)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        job = BulkQueryJob.create(select(Account, "Name"), client)
        job.wait()
        records = job.records(concurrency=2)
        early = [(records.__next__()).Name for _ in range(1_000)]
        assert not body.sent_rest  # the page is still downloading
        body.open()
        rest = [record.Name for record in records]
    assert early == ["Early"] * 1_000
    assert rest == ["Late"] * 1_000 + ["Second"]


def test_leaving_early_cancels_the_downloads_and_deletes_their_spools(
    org: FakeOrg, login: Any, generated_body: Callable[..., Any]
) -> None:
    """Closing the rows while pages are spooled stops every download and leaves no file."""
    done = [False] * PAGES
    transport = httpx.MockTransport(big_pages(org, done, generated_body))
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        job = BulkQueryJob.create(select(Account, "Name"), client)
        job.wait()
        files = open_files()
        records = job.records(concurrency=PAGES)
        records.__next__()
        wait_until(lambda: all(done[1:]), "pages 2 to 4 were spooled")
        if files >= 0:
            assert open_files() > files  # the spools went to temporary files
        records.close()  # type: ignore[attr-defined]  # what trio asks of an early exit
        assert open_files() == files
        assert not download_threads()


def test_leaving_early_stops_the_requests_in_flight(client: SalesforceClient, org: FakeOrg) -> None:
    """Closing the rows while pages are in flight ends them; no page is asked for after."""
    seed(org, 70, 10)
    job = finished_job(client, org)
    org.faults.latency = LATENCY
    records = job.records(concurrency=3)
    for _ in range(11):  # page 1, then the first row of page 2: page 4 has just been asked for
        records.__next__()
    wait_until(lambda: org.stats.in_flight >= 1, "page 4 is in flight")
    records.close()  # type: ignore[attr-defined]
    assert org.stats.in_flight == 0
    assert not download_threads()
    answered = len(org.requests)
    sleep(4 * LATENCY)
    assert len(org.requests) == answered
    assert len(page_requests(org)) <= 4


def test_a_failing_page_raises_after_the_pages_before_it(org: FakeOrg, login: Any) -> None:
    """A page answered with an error raises once the rows before it were read; nothing stays."""
    seed(org, 50, 10)

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.params.get("locator") == "MjA":  # the third page (offset 20)
            return httpx.Response(500, json=[{"errorCode": "UNKNOWN", "message": "boom"}])
        return org.handle(request)

    transport = httpx.MockTransport(handler)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        names: list[str | None] = []
        with pytest.raises(ServerError):
            read_names(client, org, 3, names)
    assert names == [f"P{n:03d}" for n in range(20)]
    assert not download_threads()


def test_a_failing_listing_raises_after_the_pages_it_follows(org: FakeOrg, login: Any) -> None:
    """The second /resultPages listing fails: the five pages of the first come whole first."""
    seed(org, 80, 10)  # 8 pages: 5 in the first listing, 3 in the second

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.path.endswith("/resultPages") and request.url.params.get("locator"):
            return httpx.Response(500, json=[{"errorCode": "UNKNOWN", "message": "boom"}])
        return org.handle(request)

    transport = httpx.MockTransport(handler)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        names: list[str | None] = []
        with pytest.raises(ServerError):
            read_names(client, org, 3, names)
    assert names == [f"P{n:03d}" for n in range(50)]
    assert not download_threads()


#: Answers a result page might get from something other than Salesforce, each answered 200.
NOT_A_PAGE = {
    "html": httpx.Response(
        200,
        headers={"Content-Type": "text/html", "Sforce-Locator": "MzA"},
        content=b"<html><body>\nDown for maintenance\n</body></html>\n",
    ),
    "empty": httpx.Response(200, headers={"Content-Type": "text/csv", "Sforce-Locator": "MzA"}),
    "no locator": None,  # the real page, without its Sforce-Locator
}


def third_page_replaced(org: FakeOrg, kind: str) -> httpx.MockTransport:
    """The org, with its third result page (offset 20) answered by ``NOT_A_PAGE[kind]``."""

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        answer = org.handle(request)
        if request.url.path.endswith("/results") and request.url.params.get("locator") == "MjA":
            replacement = NOT_A_PAGE[kind]
            if replacement is None:
                headers = {k: v for k, v in answer.headers.items() if k != "sforce-locator"}
                return httpx.Response(200, headers=headers, content=answer.read())
            return httpx.Response(200, headers=replacement.headers, content=replacement.read())
        return answer

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("kind", "concurrency", "rows_before"),
    [("html", 1, 20), ("html", 3, 20), ("empty", 1, 20), ("empty", 3, 20),
     ("no locator", 1, 30)],  # the page is whole, but where the rest is is not known
)  # fmt: skip
def test_a_page_that_is_not_one_is_refused_not_skipped(
    org: FakeOrg, login: Any, kind: str, concurrency: int, rows_before: int
) -> None:
    """A 200 that is no result page raises after the rows before it: no row silently lost."""
    seed(org, 50, 10)
    transport = third_page_replaced(org, kind)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        names: list[str | None] = []
        with pytest.raises(UnexpectedResponseError):
            read_names(client, org, concurrency, names)
    assert names == [f"P{n:03d}" for n in range(rows_before)]
    assert not download_threads()


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize("kind", ["html", "empty"])
def test_write_csv_refuses_a_page_that_is_not_one(
    org: FakeOrg, login: Any, tmp_path: Path, kind: str, concurrency: int
) -> None:
    """write_csv checks each page's header line: a page that is not one leaves no file."""
    seed(org, 50, 10)
    transport = third_page_replaced(org, kind)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        job = finished_job(client, org)
        with pytest.raises(UnexpectedResponseError):
            job.write_csv(tmp_path / "out.csv", concurrency=concurrency)
    assert list(tmp_path.iterdir()) == []


# -- write_csv ----------------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [3, 10])
def test_write_csv_with_concurrent_pages_writes_the_same_file(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path, concurrency: int
) -> None:
    """write_csv(concurrency=n): pages overlap, the file is byte for byte the sequential one."""
    names = seed(org, 45, 10)
    job = finished_job(client, org)
    sequential = job.write_csv(tmp_path / "one.csv")
    org.reset_stats()
    org.faults.latency = LATENCY
    concurrent = job.write_csv(tmp_path / "many.csv", concurrency=concurrency)
    text = concurrent.read_bytes()
    assert text == sequential.read_bytes()
    assert text.decode().splitlines() == [
        '"Name","NumberOfEmployees"',
        *(f'"{name}","{n}"' for n, name in enumerate(names)),
    ]
    assert len(page_requests(org)) == 5
    assert org.stats.max_in_flight == min(concurrency, 5)


def test_write_csv_refuses_a_bad_concurrency_before_any_request(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """write_csv(concurrency=0) is a ValueError, and nothing is downloaded."""
    seed(org, 3, 10)
    job = finished_job(client, org)
    with pytest.raises(ValueError, match="concurrency"):
        job.write_csv(tmp_path / "x.csv", concurrency=0)
    assert not page_requests(org)
    assert not (tmp_path / "x.csv").exists()


def test_write_csv_leaves_no_file_when_a_concurrent_page_fails(
    org: FakeOrg, login: Any, tmp_path: Path
) -> None:
    """A page failing mid-way: the error is raised, no file is left, no download runs on."""
    seed(org, 50, 10)

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.params.get("locator") == "MzA":  # the fourth page (offset 30)
            return httpx.Response(500, json=[{"errorCode": "UNKNOWN", "message": "boom"}])
        return org.handle(request)

    transport = httpx.MockTransport(handler)
    with SalesforceClient(login=login, transport=transport, retry=PATIENT) as client:
        job = finished_job(client, org)
        with pytest.raises(ServerError):
            job.write_csv(tmp_path / "out.csv", concurrency=3)
    assert list(tmp_path.iterdir()) == []
    assert not download_threads()


# -- the fake org serves pages concurrently ---------------------------------------------------


def test_the_fake_serves_result_pages_concurrently_as_written_once(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """Five page requests at once are all in flight together; each is its slice of the file."""
    names = seed(org, 50, 10)
    job = finished_job(client, org)
    listing = (client.get(f"jobs/query/{job.id}/resultPages")).json()
    # Each resultUrl is a path from the host; the client joins paths onto its REST root.
    urls = [
        page["resultUrl"].partition(f"/v{job.info.api_version}/")[2]
        for page in listing["resultPages"]
    ]
    org.faults.latency = LATENCY

    def get(url: str) -> httpx.Response:
        return client.get(url, headers={"Accept": "text/csv"})

    pages = map_bounded(get, urls, 5)
    assert org.stats.max_in_flight == 5
    for number, page in enumerate(pages):
        rows = list(csv.reader(io.StringIO(page.text)))
        assert rows[0] == ["Name", "NumberOfEmployees"]
        offset = 10 * number
        assert rows[1:] == [[names[n], str(n)] for n in range(offset, offset + 10)]
        assert page.headers["Sforce-NumberOfRecords"] == "10"
        assert page.text.count('"') == 2 * 2 * 11  # every cell quoted, header included
