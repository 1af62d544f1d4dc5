"""
Bulk API 2.0 with many records: sf_toolkit against simple-salesforce's ``bulk2``, one run.

Issue 10's benchmark, against the fake org's loopback server with injected latency (see
``_harness.py``). For each size (100,000 and 1,000,000 by default) and each library, a fresh org
is started; one fresh process inserts the records through Bulk API 2.0 and waits for the job
(the org is then checked to hold each record once), then fresh processes query them back
through Bulk API 2.0. Every process reports its wall time and its peak RSS (``ru_maxrss``), so
memory is each library's own.

* sf_toolkit: ``save_insert_bulk`` over a generator + ``job.wait()``; ``query_bulk`` yielding
  typed records, with the result pages fetched concurrently (``concurrency=5``) and one after
  the other (``concurrency=1``, the sequential locator walk). Then only the download of a
  finished job, sequential and with 5 and 10 result pages at once: as typed records
  (``job.records``) and as a raw CSV file (``job.write_csv``, no parsing), so the gain of
  concurrent pages shows both with and without the client's parsing.
* simple-salesforce: ``sf.bulk2.Account.insert(records=[...], wait=0)`` (a list of dicts: it
  takes no iterator) and ``sf.bulk2.Account.query`` (its locator walk; each CSV page read with
  ``csv.DictReader``).
* aiosalesforce: ``bulk_v2.ingest.perform_operation`` over a generator, collecting its parsed
  results (it has no Bulk query in 0.6.2).

Run ``python benchmarks/bench_bulk.py [--sizes 100000 1000000] [--write]``.
"""

from __future__ import annotations

import sys

from _harness import (
    Case,
    Scenario,
    Timing,
    add_sizes,
    arguments,
    failing_softly,
    flatness,
    has,
    org_process,
    report,
    round_trip,
    run_case,
)

API = "sf_toolkit.io.api"
SEQUENTIAL = "sync, `query_bulk(concurrency=1)`: sequential locator walk"


def groups(n: int) -> tuple[list[Scenario], list[tuple[Case, list[Case]]]]:
    """
    The insert, query and download scenarios for ``n`` records, and the plan: each insert
    case with the cases that then run on the org it filled.
    """
    insert = has(API, "save_insert_bulk")
    query = has(API, "query_bulk")
    sf_insert = Case(
        "sf_toolkit",
        "sync, `save_insert_bulk(generator)` + `wait()`",
        "_ours:insert_bulk_sync",
        fresh=True,
        missing=insert,
    )
    simple_insert = Case(
        "simple-salesforce",
        "sync, `bulk2.Account.insert(records=list, wait=0)`",
        "_peers:insert_simple_bulk2",
        fresh=True,
        short="simple-salesforce",
    )
    aio_insert = Case(
        "aiosalesforce",
        "async, `ingest.perform_operation(generator, polling_interval=0)`",
        "_peers:insert_aio_bulk",
        fresh=True,
    )
    sf_concurrent = Case(
        "sf_toolkit",
        "sync, `query_bulk(concurrency=5)`: result pages concurrently",
        "_ours:query_bulk_sync",
        {"concurrency": 5},
        fresh=True,
        missing=query,
    )
    sf_sequential = Case(
        "sf_toolkit",
        SEQUENTIAL,
        "_ours:query_bulk_sync",
        {"concurrency": 1},
        fresh=True,
        missing=query,
        short="sequential locator walk",
    )
    simple_query = Case(
        "simple-salesforce",
        "sync, `bulk2.Account.query` + `csv.DictReader`",
        "_peers:bulk_query_simple",
        fresh=True,
        short="simple-salesforce",
    )
    aio_query = Case(
        "aiosalesforce", "—", "", missing="no Bulk API 2.0 query in aiosalesforce 0.6.2"
    )
    downloads = [
        Case(
            "sf_toolkit",
            f"`job.records(concurrency={concurrency})`"
            + (": sequential locator walk" if concurrency == 1 else ": `resultPages`"),
            "_ours:download_bulk_sync",
            {"concurrency": concurrency},
            fresh=True,
            missing=query,
            short="the sequential locator walk" if concurrency == 1 else None,
        )
        for concurrency in (1, 5, 10)
    ]
    raw_downloads = [
        Case(
            "sf_toolkit",
            f"`job.write_csv(path, concurrency={concurrency})`"
            + (": sequential locator walk" if concurrency == 1 else ": `resultPages`"),
            "_ours:download_csv_sync",
            {"concurrency": concurrency},
            fresh=True,
            missing=query,
            short="the sequential locator walk" if concurrency == 1 else None,
        )
        for concurrency in (1, 5, 10)
    ]
    scenarios = [
        Scenario(
            f"Insert {n:,} Accounts through Bulk API 2.0",
            0,
            n,
            [sf_insert, simple_insert, aio_insert],
            references=["simple-salesforce | " + simple_insert.mode],
        ),
        Scenario(
            f"Query {n:,} Accounts back through Bulk API 2.0 (create, wait, download, parse)",
            n,
            n,
            [sf_concurrent, sf_sequential, simple_query, aio_query],
            references=["simple-salesforce | " + simple_query.mode, "sf_toolkit | " + SEQUENTIAL],
        ),
        Scenario(
            f"Download the {n:,} results of a finished query job as typed records "
            "(job created and waited for before the clock)",
            n,
            n,
            downloads,
            references=["sf_toolkit | " + downloads[0].mode],
        ),
        Scenario(
            f"Download the {n:,} results of a finished query job as a raw CSV file, "
            "without parsing (job created and waited for before the clock)",
            n,
            n,
            raw_downloads,
            references=["sf_toolkit | " + raw_downloads[0].mode],
        ),
    ]
    plan = [
        (sf_insert, [sf_concurrent, sf_sequential, *downloads, *raw_downloads]),
        (simple_insert, [simple_query]),
        (aio_insert, []),
    ]
    return scenarios, plan


def run_group(insert: Case, queries: list[Case], n: int, latency: float) -> float:
    """Insert ``n`` records with one library into a fresh org, then query them back."""
    with org_process(0, latency) as org:
        floor = round_trip(org)
        if insert.missing is not None:
            return floor
        with failing_softly(insert):
            timing = run_case(insert.runner, org, n, insert.kwargs, fresh=True)
            held = org.count("Account")
            if timing.items != n or held != n:
                raise RuntimeError(f"{timing.items} saved, the org holds {held} of {n}")
            insert.timings.append(timing)
            _progress(insert, timing)
        if insert.missing is not None:
            return floor
        for case in queries:
            if case.missing is not None:
                continue
            with failing_softly(case):
                timing = run_case(case.runner, org, n, case.kwargs, fresh=True)
                if timing.items != n:
                    raise RuntimeError(f"read {timing.items} of {n}")
                case.timings.append(timing)
                _progress(case, timing)
    return floor


def _progress(case: Case, timing: Timing) -> None:
    print(
        f"  {case.label:<18} {case.mode[:60]:<60} {timing.wall:8.2f} s "
        f"{timing.requests:5d} requests peak {timing.rss_peak or 0:7.1f} MiB",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every size, print the tables, optionally write RESULTS.md."""
    parser = arguments(__doc__.split("\n\n")[0].strip(), argv)
    parser.set_defaults(rounds=1)
    add_sizes(parser)
    args = parser.parse_args(argv)
    by_size = []
    for n in args.sizes:
        scenarios, plan = groups(n)
        print(f"{n:,} records", file=sys.stderr)
        for _ in range(args.rounds):
            for insert, follow_ups in plan:
                floor = run_group(insert, follow_ups, n, args.latency_ms / 1000)
        for scenario in scenarios:
            scenario.floor = floor
        by_size.append(scenarios)
    sizes = " and ".join(f"{n:,}" for n in args.sizes) + (
        " records inserted and queried back; every case in a fresh process (its peak RSS is "
        "its own), every library on a fresh org"
    )
    every = [scenario for scenarios in by_size for scenario in scenarios]
    report("bulk", every, args, argv, sizes, flatness(args.sizes, by_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
