"""
Side-by-side benchmark: sf_toolkit against simple-salesforce and aiosalesforce, in one run.

Every library talks real HTTP/1.1 to the same fake org (``sf_toolkit.testing.FakeOrg``) served on
the loopback interface with an injected latency per request. The org runs in a child process,
so the client process measures only client work (its CPU time is reported too); the child
reports the requests it answered (``org.stats``).

The peers insist on ``https://*.salesforce.com`` hosts, so each gets the smallest shim at its own
HTTP boundary, as in ``tests/unit/testing/test_fakeorg_peers_loopback.py``: a ``requests``
adapter (simple-salesforce) or an httpx transport (aiosalesforce) that sends the request, unchanged
but for scheme and host, to the loopback server. Everything on the wire is real.

Scenarios (``N`` = 200, or 100 with ``--quick``):

1. fetch ``N`` Accounts by Id, one request each;
2. query 10,000 Accounts, 2,000 per page, into Python objects;
3. insert ``N`` Accounts, one request each.

Sequential clients send one request at a time; async ones keep 10 in flight. Login and one
warm-up request happen before the clock starts. Each cell is the median of ``--rounds`` runs
(the order of the libraries rotates between rounds).

Run ``python benchmarks/bench_clients.py [--quick] [--latency-ms 20] [--write]``; ``--write``
rewrites the results block of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import requests
from aiosalesforce import Salesforce as AioSalesforce
from aiosalesforce.auth import SoapLogin
from simple_salesforce.api import Salesforce as SimpleSalesforce

from sf_toolkit import AsyncSalesforceClient, SalesforceClient, SalesforceLogin, SObject, select
from sf_toolkit._concurrency import map_bounded_async
from sf_toolkit.io.api import fetch, fetch_async, query, query_async, save_insert, save_insert_async
from sf_toolkit.testing import FakeOrg, LoopbackTransport, _server, loopback_requests_adapter

USERNAME = "user@example.com"
PASSWORD = "password"
PEER_HOST = "https://fake-org.my.salesforce.com"
API_VERSION = "59.0"
CONCURRENCY = 10
QUERY_RECORDS = 10_000
PAGE_SIZE = 2_000
FIELDS = (
    "Id",
    "Name",
    "Industry",
    "Type",
    "AnnualRevenue",
    "NumberOfEmployees",
    "BillingCity",
    "External_ID__c",
)
SOQL = f"SELECT {', '.join(FIELDS)} FROM Account"
RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


class Account(SObject):
    """The typed model sf_toolkit loads; the peers return plain dicts."""

    Name: str | None = None
    Industry: str | None = None
    Type: str | None = None
    AnnualRevenue: float | None = None
    NumberOfEmployees: int | None = None
    BillingCity: str | None = None
    External_ID__c: str | None = None


def new_values(number: int) -> dict[str, Any]:
    """The fields of the ``number``-th inserted Account, the same for every library."""
    return {"Name": f"Bench {number}", "Industry": "Energy", "NumberOfEmployees": number}


# -- the fake org, in a child process -------------------------------------------------------------


def _serve_org(conn: Connection, records: int, latency: float, nagle: bool) -> None:
    """Child process: serve a fake org and answer ``stats``/``reset``/``stop`` over a pipe."""
    if not nagle:
        # The fake's handler writes the status line and headers, then the body, in two sends;
        # with Nagle's algorithm on, the body waits for the client's delayed ACK (~40 ms on
        # Linux) and every request takes latency + 40 ms whatever the client. TCP_NODELAY on
        # the server's sockets removes that artifact (see RESULTS.md); ``--server-nagle``
        # keeps the server as it ships.
        _server._Handler.disable_nagle_algorithm = True
    org = FakeOrg(records=records, seed=1)
    org.faults.latency = latency
    ids = [row["Id"] for row in org.records("Account")]
    with org.serve(tls=False) as url:
        conn.send((url, ids))
        while True:
            command = conn.recv()
            if command == "reset":
                org.reset_stats()
                gc.collect()
                conn.send(None)
            elif command == "stats":
                routes = dict(org.stats.requests_by_route)
                conn.send((sum(routes.values()), routes, [repr(e) for e in org.internal_errors]))
            else:
                conn.send(None)
                return


@dataclass
class OrgProcess:
    """Handle on the child process serving the org."""

    url: str
    ids: list[str]
    conn: Connection

    def reset(self) -> None:
        """Zero the org's request counters."""
        self.conn.send("reset")
        self.conn.recv()

    def stats(self) -> tuple[int, dict[str, int], list[str]]:
        """Requests answered since the last reset, per route, and the org's internal errors."""
        self.conn.send("stats")
        answer: tuple[int, dict[str, int], list[str]] = self.conn.recv()
        return answer


@contextmanager
def org_process(records: int, latency: float, nagle: bool) -> Iterator[OrgProcess]:
    """Start a fake org with ``records`` Accounts in a child process; stop it on exit."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve_org, args=(theirs, records, latency, nagle), daemon=True
    )
    process.start()
    url, ids = ours.recv()
    try:
        yield OrgProcess(url, ids, ours)
    finally:
        ours.send("stop")
        ours.recv()
        process.join(timeout=10)


# -- timing ---------------------------------------------------------------------------------------


@dataclass
class Timing:
    """One measured run: wall and client CPU seconds, requests the org answered, items done."""

    wall: float = 0.0
    cpu: float = 0.0
    requests: int = 0
    routes: dict[str, int] = field(default_factory=dict)
    items: int = 0


class Stopwatch:
    """``with stopwatch:`` around the measured part only: resets the org, times, counts."""

    def __init__(self, org: OrgProcess) -> None:
        self.org = org
        self.timing = Timing()

    def __enter__(self) -> Stopwatch:
        self.org.reset()
        gc.collect()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.timing.wall = time.perf_counter() - self._wall
        self.timing.cpu = time.process_time() - self._cpu
        self.timing.requests, self.timing.routes, errors = self.org.stats()
        if errors:
            raise RuntimeError(f"the fake org failed internally: {errors}")


Runner = Callable[[OrgProcess, Stopwatch, int], Any]


def run_async(coro: Awaitable[Any]) -> Any:
    """Run a coroutine on a fresh asyncio loop."""

    async def main() -> Any:
        return await coro

    return asyncio.run(main())


# -- peer plumbing --------------------------------------------------------------------------------


@contextmanager
def simple_salesforce(org: OrgProcess) -> Iterator[Any]:
    """A logged-in simple-salesforce client on the loopback org (its sObjects are dynamic)."""
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", loopback_requests_adapter(org.url))
    try:
        yield SimpleSalesforce(
            username=USERNAME,
            password=PASSWORD,
            security_token="",
            session=session,
            version=API_VERSION,
        )
    finally:
        session.close()


def aiosalesforce(http: httpx.AsyncClient) -> AioSalesforce:
    """An aiosalesforce client on the loopback org (it logs in on first use)."""
    return AioSalesforce(
        http, PEER_HOST, auth=SoapLogin(USERNAME, PASSWORD, ""), version=API_VERSION
    )


def sf_login(org: OrgProcess) -> SalesforceLogin:
    """sf_toolkit's SOAP login against the loopback org."""
    return SalesforceLogin(username=USERNAME, password=PASSWORD, domain=org.url)


async def gather_bounded(fn: Callable[[Any], Awaitable[Any]], items: list[Any]) -> list[Any]:
    """``asyncio.gather`` with a semaphore: the usual way to bound aiosalesforce calls."""
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(item: Any) -> Any:
        async with semaphore:
            return await fn(item)

    return await asyncio.gather(*(one(item) for item in items))


# -- scenario 1: fetch by Id ----------------------------------------------------------------------


def fetch_sf_sync(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    ids = org.ids[:n]
    with SalesforceClient(login=sf_login(org)) as client:
        fetch(Account, ids[-1], client)
        with watch:
            records = [fetch(Account, record_id, client) for record_id in ids]
    return len(records)


def fetch_sf_async(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    ids = org.ids[:n]

    async def main() -> int:
        async with AsyncSalesforceClient(login=sf_login(org)) as client:
            await fetch_async(Account, ids[-1], client)

            async def one(record_id: str) -> Account:
                return await fetch_async(Account, record_id, client)

            with watch:
                records = await map_bounded_async(one, ids, CONCURRENCY)
        return len(records)

    return int(run_async(main()))


def fetch_simple(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    ids = org.ids[:n]
    params = {"fields": ",".join(FIELDS)}
    with simple_salesforce(org) as sf:
        sf.Account.get(ids[-1], params=params)
        with watch:
            records = [sf.Account.get(record_id, params=params) for record_id in ids]
    return len(records)


def fetch_aio(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    ids = org.ids[:n]

    async def main() -> int:
        async with httpx.AsyncClient(transport=LoopbackTransport(org.url)) as http:
            sf = aiosalesforce(http)
            await sf.sobject.get("Account", ids[-1], fields=FIELDS)

            async def one(record_id: str) -> dict[str, Any]:
                return await sf.sobject.get("Account", record_id, fields=FIELDS)

            with watch:
                records = await gather_bounded(one, ids)
        return len(records)

    return int(run_async(main()))


# -- scenario 2: query with pagination ------------------------------------------------------------


def query_sf_sync(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    with SalesforceClient(login=sf_login(org)) as client:
        fetch(Account, org.ids[0], client)
        with watch:
            records = list(query(select(Account, *FIELDS), client, batch_size=PAGE_SIZE))
    return len(records)


def query_sf_async(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    async def main() -> int:
        async with AsyncSalesforceClient(login=sf_login(org)) as client:
            await fetch_async(Account, org.ids[0], client)
            with watch:
                records = [
                    record
                    async for record in query_async(
                        select(Account, *FIELDS), client, batch_size=PAGE_SIZE
                    )
                ]
        return len(records)

    return int(run_async(main()))


def query_simple(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    with simple_salesforce(org) as sf:
        sf.Account.get(org.ids[0])
        with watch:
            records = sf.query_all(SOQL)["records"]
    return len(records)


def query_aio(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    async def main() -> int:
        async with httpx.AsyncClient(transport=LoopbackTransport(org.url)) as http:
            sf = aiosalesforce(http)
            await sf.sobject.get("Account", org.ids[0])
            with watch:
                records = [record async for record in sf.query(SOQL)]
        return len(records)

    return int(run_async(main()))


# -- scenario 3: insert one by one ----------------------------------------------------------------


def insert_sf_sync(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    with SalesforceClient(login=sf_login(org)) as client:
        fetch(Account, org.ids[0], client)
        with watch:
            for number in range(n):
                save_insert(Account(**new_values(number)), client)
    return n


def insert_sf_async(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    async def main() -> int:
        async with AsyncSalesforceClient(login=sf_login(org)) as client:
            await fetch_async(Account, org.ids[0], client)

            async def one(number: int) -> str | None:
                record = Account(**new_values(number))
                await save_insert_async(record, client)
                return record.Id

            with watch:
                ids = await map_bounded_async(one, range(n), CONCURRENCY)
        return sum(1 for record_id in ids if record_id)

    return int(run_async(main()))


def insert_simple(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    with simple_salesforce(org) as sf:
        sf.Account.get(org.ids[0])
        with watch:
            results = [sf.Account.create(new_values(number)) for number in range(n)]
    return sum(1 for result in results if result["success"])


def insert_aio(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    async def main() -> int:
        async with httpx.AsyncClient(transport=LoopbackTransport(org.url)) as http:
            sf = aiosalesforce(http)
            await sf.sobject.get("Account", org.ids[0])

            async def one(number: int) -> str:
                return await sf.sobject.create("Account", new_values(number))

            with watch:
                ids = await gather_bounded(one, list(range(n)))
        return sum(1 for record_id in ids if record_id)

    return int(run_async(main()))


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Case:
    """One library's way through one scenario."""

    label: str
    mode: str
    runner: Runner
    baseline: bool = False
    timings: list[Timing] = field(default_factory=list)

    def median(self) -> Timing:
        """The run with the median wall time."""
        ordered = sorted(self.timings, key=lambda t: t.wall)
        return ordered[(len(ordered) - 1) // 2]


@dataclass
class Scenario:
    """A scenario: its title, the org it needs, how many items each run handles, its cases."""

    title: str
    org_records: int
    items: int
    cases: list[Case]
    round_factor: int = 1
    """Runs per round: more for the short query scenario, where one run is noisy."""


def scenarios(n: int) -> list[Scenario]:
    """The three scenarios; ``n`` records for the one-by-one ones."""
    conc = f"async, {CONCURRENCY} in flight"
    return [
        Scenario(
            f"1. Fetch {n} Accounts by Id, one request each",
            n,
            n,
            [
                Case("sf_toolkit", "sync, sequential", fetch_sf_sync),
                Case("sf_toolkit", conc, fetch_sf_async),
                Case("simple-salesforce", "sync, sequential", fetch_simple, baseline=True),
                Case("aiosalesforce", conc, fetch_aio),
            ],
        ),
        Scenario(
            f"2. Query {QUERY_RECORDS:,} Accounts, {PAGE_SIZE:,} per page, into Python objects",
            QUERY_RECORDS,
            QUERY_RECORDS,
            [
                Case("sf_toolkit", "sync, typed models", query_sf_sync),
                Case("sf_toolkit", "async, typed models", query_sf_async),
                Case("simple-salesforce", "sync, query_all, dicts", query_simple, baseline=True),
                Case("aiosalesforce", "async, query, dicts", query_aio),
            ],
            round_factor=5,
        ),
        Scenario(
            f"3. Insert {n} Accounts, one request each",
            n,
            n,
            [
                Case("sf_toolkit", "sync, sequential", insert_sf_sync),
                Case("sf_toolkit", conc, insert_sf_async),
                Case("simple-salesforce", "sync, sequential", insert_simple, baseline=True),
                Case("aiosalesforce", conc, insert_aio),
            ],
        ),
    ]


def run_scenario(scenario: Scenario, latency: float, rounds: int, nagle: bool) -> None:
    """Measure every case ``rounds`` times against one org, rotating the order each round."""
    with org_process(scenario.org_records, latency, nagle) as org:
        for round_number in range(rounds * scenario.round_factor):
            shift = round_number % len(scenario.cases)
            for case in scenario.cases[shift:] + scenario.cases[:shift]:
                watch = Stopwatch(org)
                done = case.runner(org, watch, scenario.items)
                if done != scenario.items:
                    raise RuntimeError(f"{case.label} ({case.mode}) handled {done} items")
                watch.timing.items = done
                case.timings.append(watch.timing)
                print(
                    f"  {case.label:<18} {case.mode:<24} {watch.timing.wall:7.3f} s "
                    f"{watch.timing.requests:5d} requests",
                    file=sys.stderr,
                )


def table(scenario: Scenario) -> str:
    """The Markdown table of one scenario: medians and the ratio to simple-salesforce."""
    base = next(case for case in scenario.cases if case.baseline).median().wall
    lines = [
        f"#### {scenario.title}",
        "",
        "| library | mode | wall s, median (min–max) | client CPU s, median | requests | "
        "wall vs simple-salesforce |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for case in scenario.cases:
        timing = case.median()
        spread = [t.wall for t in case.timings]
        ratio = timing.wall / base
        cpu = statistics.median(t.cpu for t in case.timings)
        requests_sent = sorted({t.requests for t in case.timings})
        lines.append(
            f"| {case.label} | {case.mode} | {timing.wall:.3f}"
            + (f" ({min(spread):.3f}–{max(spread):.3f})" if len(spread) > 1 else "")
            + f" | {cpu:.3f} | {'/'.join(map(str, requests_sent))} | {ratio:.2f}× |"
        )
    return "\n".join(lines)


def machine(args: argparse.Namespace, command: str) -> str:
    """What ran where: the header of the results block."""
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("simple-salesforce", "aiosalesforce", "httpx", "requests", "anyio")
    )
    return "\n".join(
        [
            f"* Command: `{command}`",
            f"* Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
            f"* Machine: {os.cpu_count()} CPUs (`nproc`: {len(os.sched_getaffinity(0))}), "
            f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
            f"* Packages: {packages}",
            f"* Injected latency: {args.latency_ms:g} ms per request (server side, loopback "
            f"HTTP/1.1, fake org in a child process, server TCP_NODELAY "
            f"{'off (as shipped)' if args.server_nagle else 'on'}); {args.rounds} round(s) "
            "(x5 runs for the query scenario), median shown with (min–max)",
            "* Ratio = wall time / simple-salesforce's wall time in the same scenario "
            "(below 1 is faster). Client CPU = CPU seconds of the benchmark process (the org's "
            "CPU is not included).",
        ]
    )


def write_results(block: str) -> None:
    """Replace the results block in RESULTS.md (or append one)."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    section = f"{BEGIN}\n{block}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every scenario, print the tables, optionally write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--quick", action="store_true", help="100 records, one round (~20 s)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per request (20)")
    parser.add_argument("--rounds", type=int, help="runs per case (3; 1 with --quick)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument(
        "--server-nagle",
        action="store_true",
        help="leave Nagle's algorithm on in the fake server (adds ~40 ms per request)",
    )
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    n = 100 if args.quick else 200
    command = "python benchmarks/bench_clients.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )

    all_scenarios = scenarios(n)
    for scenario in all_scenarios:
        print(scenario.title, file=sys.stderr)
        run_scenario(scenario, args.latency_ms / 1000, args.rounds, args.server_nagle)
    block = "\n\n".join([machine(args, command.strip())] + [table(s) for s in all_scenarios])
    print(block)
    if args.write:
        write_results(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
