"""
Plumbing shared by the side-by-side benchmarks.

* The fake org (``sf_toolkit.testing.FakeOrg``) runs in a forked child process and serves
  loopback HTTP/1.1 with an injected latency per request, so the measuring process does only
  client work. It answers ``reset``, ``stats`` and ``count`` over a pipe.
* :class:`Stopwatch` times only the measured part of a run (login and warm-up stay outside),
  in wall and CPU seconds, and asks the org how many requests it answered meanwhile.
* :func:`run_case` runs a case in this process, or in a fresh ``spawn``-ed interpreter when its
  peak memory matters: that process imports only the module of the library it measures, and
  reports ``ru_maxrss`` (peak RSS) and the RSS when its clock started.
* :func:`table` and :func:`write_results` turn the runs into the Markdown of ``RESULTS.md``;
  each benchmark owns one block there, between its own markers.

Only the standard library is imported at module level, so a fresh measuring process loads
nothing but the library under test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import importlib
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

USERNAME = "user@example.com"
PASSWORD = "password"
PEER_HOST = "https://fake-org.my.salesforce.com"
API_VERSION = "59.0"
CONCURRENCY = 10
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
INSERT_FIELDS = ("Name", "Industry", "NumberOfEmployees")
"""The fields every library writes for an inserted Account (see :func:`new_values`)."""
RESULTS = Path(__file__).with_name("RESULTS.md")


def new_values(number: int) -> dict[str, Any]:
    """The fields of the ``number``-th inserted Account, the same for every library."""
    return {"Name": f"Bench {number}", "Industry": "Energy", "NumberOfEmployees": number}


# -- the fake org, in a child process -------------------------------------------------------------


def _serve_org(conn: Connection, records: int, latency: float) -> None:
    """Child process: serve a fake org and answer commands over a pipe until ``stop``."""
    from sf_toolkit.testing import FakeOrg

    org = FakeOrg(records=records, seed=1)
    org.faults.latency = latency
    ids = [row["Id"] for row in org.records("Account")]
    # The seeded org lives as long as the process: keep it out of every later collection, so
    # that ``reset`` (and the collector between requests) does not walk it again and again.
    gc.freeze()
    with org.serve(tls=False) as url:
        conn.send((url, ids))
        del ids
        while True:
            command, *args = conn.recv()
            if command == "reset":
                org.reset_stats()
                gc.collect()
                conn.send(None)
            elif command == "stats":
                routes = dict(org.stats.requests_by_route)
                errors = [repr(e) for e in org.internal_errors]
                conn.send((sum(routes.values()), routes, org.stats.max_in_flight, errors))
            elif command == "count":
                conn.send(org.count(args[0]))
            else:
                conn.send(None)
                return


@dataclass
class OrgProcess:
    """Handle on the child process serving the org (picklable into a spawned process)."""

    url: str
    ids: list[str]
    conn: Connection

    def _ask(self, *command: Any) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def reset(self) -> None:
        """Zero the org's request counters."""
        self._ask("reset")

    def stats(self) -> tuple[int, dict[str, int], int, list[str]]:
        """
        Since the last reset: requests answered, per route, the most in flight at once, and
        the org's internal errors.
        """
        answer: tuple[int, dict[str, int], int, list[str]] = self._ask("stats")
        return answer

    def count(self, sobject: str = "Account") -> int:
        """How many records of ``sobject`` the org holds."""
        return int(self._ask("count", sobject))


@contextmanager
def org_process(records: int, latency: float) -> Iterator[OrgProcess]:
    """Start a fake org with ``records`` seeded Accounts in a child process; stop it on exit."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve_org, args=(theirs, records, latency), daemon=True
    )
    process.start()
    url, ids = ours.recv()
    try:
        yield OrgProcess(url, ids, ours)
    finally:
        ours.send(("stop",))
        ours.recv()
        process.join(timeout=30)


def round_trip(org: OrgProcess, samples: int = 20) -> float:
    """
    The floor: median seconds of one request to the org (``GET /services/data/``), any client.

    A plain ``http.client`` connection is used so that no library's overhead is in it.
    """
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(org.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    times = []
    try:
        for _ in range(samples + 1):
            start = time.perf_counter()
            connection.request("GET", "/services/data/")
            connection.getresponse().read()
            times.append(time.perf_counter() - start)
    finally:
        connection.close()
    return statistics.median(times[1:])


# -- timing ---------------------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident set size now, in MiB (``VmRSS`` of ``/proc/self/status``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0  # pragma: no cover - Linux always has the line


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Timing:
    """One measured run: wall and client CPU seconds, requests the org answered, items done."""

    wall: float = 0.0
    cpu: float = 0.0
    requests: int = 0
    routes: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    """The most requests the org was answering at once."""
    items: int = 0
    rss_start: float | None = None
    """MiB resident when the clock started (fresh-process runs only)."""
    rss_peak: float | None = None
    """Peak MiB resident over the whole process (fresh-process runs only)."""


class Stopwatch:
    """``with stopwatch:`` around the measured part only: resets the org, times, counts."""

    def __init__(self, org: OrgProcess) -> None:
        self.org = org
        self.timing = Timing()

    def __enter__(self) -> Stopwatch:
        self.org.reset()
        gc.collect()
        self.timing.rss_start = rss_mb()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.timing.wall = time.perf_counter() - self._wall
        self.timing.cpu = time.process_time() - self._cpu
        self.timing.requests, self.timing.routes, self.timing.in_flight, errors = self.org.stats()
        if errors:
            raise RuntimeError(f"the fake org failed internally: {errors}")


Runner = Callable[..., int]
"""``runner(org, watch, n, **kwargs)``: do ``n`` items inside ``with watch:``, return how many."""


def resolve(ref: str) -> Runner:
    """The runner named ``"module:function"`` (modules of this directory)."""
    module_name, _, name = ref.partition(":")
    here = str(Path(__file__).parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    runner: Runner = getattr(importlib.import_module(module_name), name)
    return runner


def run_async(coro: Awaitable[Any]) -> Any:
    """Run a coroutine on a fresh asyncio loop."""

    async def main() -> Any:
        return await coro

    return asyncio.run(main())


def _fresh_child(
    ref: str,
    org: OrgProcess,
    n: int,
    kwargs: dict[str, Any],
    out: Connection,
    source: str | None,
) -> None:
    """Spawned process: run one case, send back its timing (with peak RSS) or the error."""
    try:
        if source is not None:
            sys.path.insert(0, source)  # sf_toolkit is imported below, from there
        watch = Stopwatch(org)
        done = resolve(ref)(org, watch, n, **kwargs)
        watch.timing.items = done
        watch.timing.rss_peak = peak_rss_mb()
        out.send(("ok", watch.timing))
    except BaseException:
        out.send(("error", traceback.format_exc()))


def run_case(
    ref: str,
    org: OrgProcess,
    n: int,
    kwargs: dict[str, Any],
    fresh: bool,
    source: str | None = None,
) -> Timing:
    """
    Run one case here, or in a fresh interpreter when ``fresh`` (to measure its memory, or to
    import sf_toolkit from ``source``, another revision's ``src`` directory).
    """
    if not fresh:
        watch = Stopwatch(org)
        watch.timing.items = resolve(ref)(org, watch, n, **kwargs)
        watch.timing.rss_start = None
        return watch.timing
    ours, theirs = multiprocessing.Pipe()
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_fresh_child, args=(ref, org, n, kwargs, theirs, source))
    process.start()
    theirs.close()
    try:
        status, payload = ours.recv()
    except EOFError:
        process.join()
        status, payload = "error", f"the measuring process died (exit code {process.exitcode})"
    process.join()
    if status != "ok":
        raise RuntimeError(f"{ref} failed in its own process:\n{payload}")
    timing: Timing = payload
    return timing


# -- cases, scenarios, tables ---------------------------------------------------------------------


@dataclass
class Case:
    """One library's way through one scenario."""

    label: str
    mode: str
    runner: str
    """``"module:function"``, see :data:`Runner`."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    items: int | None = None
    """Items this case handles, when not the scenario's (a measured sample of a long case)."""
    fresh: bool = False
    """Run in a fresh process and report its peak RSS."""
    short: str | None = None
    """How the speed-up column names this case when it is a reference."""
    source: str | None = None
    """Import sf_toolkit from this ``src`` directory (another revision; implies ``fresh``)."""
    missing: str | None = None
    """Why the case cannot run in this checkout (shown in the table instead of numbers)."""
    timings: list[Timing] = field(default_factory=list)

    def median(self) -> Timing:
        """The run with the median wall time."""
        ordered = sorted(self.timings, key=lambda t: t.wall)
        return ordered[(len(ordered) - 1) // 2]

    def scaled_wall(self, items: int) -> float:
        """Median wall time, scaled linearly to ``items`` when this case ran on a sample."""
        timing = self.median()
        return timing.wall * items / timing.items if timing.items else timing.wall


@dataclass
class Scenario:
    """A scenario: its title, the org it needs, how many items each run handles, its cases."""

    title: str
    org_records: int
    items: int
    cases: list[Case]
    references: Sequence[str] = ()
    """Labels ``"library | mode"`` of the cases the others are compared to (speed-up columns)."""
    rounds: int | None = None
    """Runs per case, when not the command line's (long cases run once)."""
    floor: float | None = None
    """One round trip, measured in the run."""
    org_per_case: bool = False
    """Give each case run a fresh org (for inserts, so no case writes into a fuller org)."""
    inserts: bool = False
    """The cases insert their items: with ``org_per_case``, check the org holds each once."""
    notes: list[str] = field(default_factory=list)

    def case(self, key: str) -> Case:
        """The case whose ``"library | mode"`` is ``key``."""
        return next(c for c in self.cases if f"{c.label} | {c.mode}" == key)


def run_scenario(scenario: Scenario, latency: float, rounds: int) -> None:
    """Measure every case ``rounds`` times, rotating the order of cases each round."""
    runnable = [case for case in scenario.cases if case.missing is None]
    with org_process(scenario.org_records, latency) as shared:
        scenario.floor = round_trip(shared)
        for round_number in range(scenario.rounds or rounds):
            shift = round_number % max(len(runnable), 1)
            for case in runnable[shift:] + runnable[:shift]:
                if case.missing is not None:
                    continue  # it failed in an earlier round
                with failing_softly(case):
                    if scenario.org_per_case:
                        with org_process(scenario.org_records, latency) as org:
                            _measure(scenario, case, org)
                    else:
                        _measure(scenario, case, shared)


@contextmanager
def failing_softly(case: Case) -> Iterator[None]:
    """One library failing must not lose the others' numbers: mark the case failed, go on."""
    try:
        yield
    except Exception as error:
        reason = str(error).strip().splitlines()[-1][:200]
        case.missing = f"failed: {type(error).__name__}: {reason}"
        case.timings.clear()
        print(f"  {case.label} ({case.mode}) FAILED: {error}", file=sys.stderr)


def _measure(scenario: Scenario, case: Case, org: OrgProcess) -> None:
    items = case.items or scenario.items
    timing = run_case(
        case.runner, org, items, case.kwargs, case.fresh or case.source is not None, case.source
    )
    if timing.items != items:
        raise RuntimeError(f"{case.label} ({case.mode}) handled {timing.items} of {items} items")
    if scenario.org_per_case and scenario.inserts:
        held = org.count("Account") - scenario.org_records
        if held != items:
            raise RuntimeError(f"{case.label} ({case.mode}): the org holds {held} of {items}")
    case.timings.append(timing)
    rss = f" peak {timing.rss_peak:7.1f} MiB" if timing.rss_peak else ""
    print(
        f"  {case.label:<18} {case.mode:<48} {timing.wall:8.3f} s "
        f"{timing.requests:6d} requests{rss}",
        file=sys.stderr,
    )


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 100 else f"{value:.1f}"


def table(scenario: Scenario) -> str:
    """The Markdown table of one scenario: medians, speed-ups over the references, the floor."""
    ran = [case for case in scenario.cases if case.timings]
    memory = any(t.rss_peak for case in ran for t in case.timings)
    references = [scenario.case(key) for key in scenario.references]
    references = [case for case in references if case.timings]
    head = ["library", "mode", "wall s, median (min–max)", "client CPU s", "requests"]
    head.append("max in flight")
    if memory:
        head += ["RSS at start MiB", "peak RSS MiB"]
    head += [f"speed-up vs {ref.short or f'{ref.label} {ref.mode}'}" for ref in references]
    if scenario.floor:
        head.append("wall / floor")
    lines = [
        f"#### {scenario.title}",
        "",
        "| " + " | ".join(head) + " |",
        "|---|---|" + "---:|" * (len(head) - 2),
    ]
    for case in scenario.cases:
        if case.missing is not None or not case.timings:
            reason = case.missing or "not run"
            lines.append(f"| {case.label} | {case.mode} | {reason} |" + " |" * (len(head) - 3))
            continue
        timing = case.median()
        walls = [t.wall for t in case.timings]
        wall = _seconds(timing.wall)
        if len(walls) > 1:
            wall += f" ({_seconds(min(walls))}–{_seconds(max(walls))})"
        if case.items and case.items != scenario.items:
            wall += (
                f" for {case.items:,}; scaled to {scenario.items:,}: "
                f"{_seconds(case.scaled_wall(scenario.items))}"
            )
        cpu = statistics.median(t.cpu for t in case.timings)
        requests_sent = "/".join(map(str, sorted({t.requests for t in case.timings})))
        in_flight = max(t.in_flight for t in case.timings)
        row = [case.label, case.mode, wall, f"{cpu:.3f}", requests_sent, str(in_flight)]
        if memory:
            start = statistics.median(t.rss_start or 0 for t in case.timings)
            peak = max(t.rss_peak or 0 for t in case.timings)
            row += [f"{start:.0f}", f"{peak:.0f}"] if timing.rss_peak else ["", ""]
        for ref in references:
            ratio = ref.scaled_wall(scenario.items) / case.scaled_wall(scenario.items)
            row.append(f"{ratio:.1f}×" if ratio >= 10 else f"{ratio:.2f}×")
        if scenario.floor:
            row.append(f"{case.scaled_wall(scenario.items) / scenario.floor:.1f}×")
        lines.append("| " + " | ".join(row) + " |")
    if scenario.floor:
        lines += [
            "",
            f"Floor: one round trip to the org measured in this run, "
            f"{scenario.floor * 1000:.1f} ms (`GET /services/data/` over `http.client`).",
        ]
    for note in scenario.notes:
        lines += ["", note]
    return "\n".join(lines)


def flatness(sizes: Sequence[int], per_size: Sequence[Sequence[Scenario]]) -> str:
    """
    Peak RSS of every fresh-process case at every size: does memory grow with the count?

    ``per_size[i]`` holds the scenarios run with ``sizes[i]`` records, each size with the same
    cases in the same order.
    """
    lines = [
        "#### Peak RSS (MiB) by record count",
        "",
        "| library | mode | " + " | ".join(f"{n:,} records" for n in sizes) + " |",
        "|---|---|" + "---:|" * len(sizes),
    ]
    columns = [
        [case for scenario in scenarios for case in scenario.cases] for scenarios in per_size
    ]
    for row in zip(*columns, strict=True):
        peaks = [max((t.rss_peak or 0 for t in case.timings), default=0) for case in row]
        if any(peaks):
            cells = [f"{peak:.0f}" if peak else "—" for peak in peaks]
            lines.append(f"| {row[0].label} | {row[0].mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- the command line and RESULTS.md --------------------------------------------------------------


def arguments(description: str, argv: list[str] | None) -> argparse.ArgumentParser:
    """A parser with the options every benchmark shares; the caller adds its sizes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per request (20)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per case (3)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    return parser


def export_revision(revision: str) -> str:
    """
    Extract ``src/`` of a git revision of sf_toolkit's repository into a temporary directory.

    Returns the path to put first on ``sys.path`` (see :attr:`Case.source`); the directory is
    removed when the benchmark exits.

    Raises:
        RuntimeError: If git cannot export the revision.
    """
    import atexit
    import io
    import shutil
    import subprocess
    import tarfile
    import tempfile

    import sf_toolkit

    # The repository of the sf_toolkit being measured (``src/sf_toolkit`` in a checkout).
    repository = Path(sf_toolkit.__file__).resolve().parents[2]
    done = subprocess.run(
        ["git", "-C", str(repository), "archive", "--format=tar", revision, "src"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git archive {revision} failed: {done.stderr.decode().strip()}")
    target = tempfile.mkdtemp(prefix="sf-bench-src-")
    atexit.register(shutil.rmtree, target, True)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(target, filter="data")
    return str(Path(target) / "src")


def add_sizes(parser: argparse.ArgumentParser) -> None:
    """``--sizes``: the record counts of the benchmarks that compare sizes."""
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        default=[100_000, 1_000_000],
        help="record counts (100000 1000000)",
    )


def command_line(script: str, argv: list[str] | None) -> str:
    """The command as typed, for the results header."""
    given = sys.argv[1:] if argv is None else argv
    return " ".join(["python", f"benchmarks/{script}", *given]).strip()


def source_revision() -> str:
    """The git revision of the sf_toolkit being measured (``describe --always --dirty``)."""
    import subprocess

    import sf_toolkit

    where = Path(sf_toolkit.__file__).parent
    done = subprocess.run(
        ["git", "-C", str(where), "describe", "--always", "--dirty", "--exclude", "*"],
        capture_output=True,
        text=True,
        check=False,
    )
    revision = done.stdout.strip() or "unknown revision"
    return f"`{revision}` ({where})"


def machine(command: str, latency_ms: float, rounds: int, sizes: str) -> str:
    """What ran where: the header of a results block."""
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
            f"* sf_toolkit: {source_revision()}",
            f"* Packages: {packages}",
            "* Load average (1, 5, 15 min) when the run ended: "
            + ", ".join(f"{load:.2f}" for load in os.getloadavg())
            + " (other work on the machine inflates CPU-bound timings)",
            f"* Sizes: {sizes}",
            f"* Injected latency: {latency_ms:g} ms per request (server side, loopback HTTP/1.1, "
            f"fake org in a child process); {rounds} round(s) per case unless the table says "
            "otherwise, median shown with (min–max)",
            "* Speed-up = the reference's wall time / this row's (above 1 is faster). Client "
            "CPU = CPU seconds of the measuring process (the org's CPU is not included).",
        ]
    )


def write_results(name: str, block: str) -> None:
    """Replace the block between ``<!-- name:begin -->`` and ``<!-- name:end -->`` (or append)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    section = f"{begin}\n{block}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def report(
    name: str,
    scenarios: list[Scenario],
    args: argparse.Namespace,
    argv: list[str] | None,
    sizes: str,
    extra: str = "",
) -> str:
    """
    Print the results of ``benchmarks/bench_{name}.py`` to stdout, under a header saying what
    ran where (``sizes`` describes the sizes used); with ``--write``, store them in RESULTS.md.
    """
    header = machine(command_line(f"bench_{name}.py", argv), args.latency_ms, args.rounds, sizes)
    block = "\n\n".join([header] + [table(s) for s in scenarios] + ([extra] if extra else []))
    print(block)
    if args.write:
        write_results(name, block)
    return block


def run_all(scenarios: list[Scenario], args: argparse.Namespace) -> None:
    """Run every scenario in order, with the command line's latency and rounds."""
    for scenario in scenarios:
        print(scenario.title, file=sys.stderr)
        run_scenario(scenario, args.latency_ms / 1000, args.rounds)


def has(module: str, *names: str) -> str | None:
    """``None`` when ``module`` defines every name, else why the case cannot run."""
    try:
        loaded = importlib.import_module(module)
    except ImportError as error:  # pragma: no cover - depends on the checkout
        return f"not available ({error})"
    missing = [name for name in names if not hasattr(loaded, name)]
    if missing:
        return f"not in this checkout: `{'`, `'.join(missing)}`"
    return None
