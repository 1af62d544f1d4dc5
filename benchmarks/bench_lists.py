"""
Many records through the REST API: sf_toolkit's list operations against the peers, one run.

Issue 9's benchmarks, all against the fake org's loopback server with injected latency (see
``_harness.py``), the peers side by side:

1. the seed's Performance Comparison: fetch 500 Accounts by Id, the seed's sync ``fetch`` loop
   vs ``fetch_list_async(..., concurrency=10)``, ``fetch_list`` (sync), simple-salesforce's
   per-record ``get`` loop and aiosalesforce with 10 in flight;
2. insert 2,000 and 3. 100,000 Accounts: ``save_insert_list_async`` (concurrency 5 and 10) and
   ``save_insert_list`` vs the best each peer offers: simple-salesforce ``bulk2``; aiosalesforce
   single creates gathered 10 in flight, Composite Batch (25 creates a request, 10 in flight) and
   Bulk API 2.0. Each case inserts into a fresh org, which is checked to hold every record
   once. aiosalesforce's gather of single creates runs on a sample for the large size
   (``--gather-sample``) and is scaled linearly, as the table says;
4. query 20,000 Accounts (2,000 per page) into Python objects; ``--compare-rev REV`` adds
   sf_toolkit as of another revision (each run in a fresh process importing that revision's
   ``src``), e.g. the one before query read-ahead.

Run ``python benchmarks/bench_lists.py [--latency-ms 20] [--rounds 3] [--write]``; sizes are
flags (``--fetch-ids``, ``--insert-small``, ``--insert-large``, ``--query-records``).
"""

from __future__ import annotations

import sys

from _harness import (
    CONCURRENCY,
    Case,
    Scenario,
    arguments,
    export_revision,
    has,
    report,
    run_all,
)

LOOP = "sync, the seed's `fetch` loop"
GATHER = f"async, single creates, {CONCURRENCY} in flight"
API = "sf_toolkit.io.api"


def fetch_scenario(n: int) -> Scenario:
    """The seed's Performance Comparison on ``n`` ids."""
    lists = has(API, "fetch_list", "fetch_list_async")
    return Scenario(
        f"1. The seed's Performance Comparison: fetch {n:,} Accounts by Id",
        n,
        n,
        [
            Case("sf_toolkit", LOOP, "_ours:fetch_loop", short="the sync loop"),
            Case("sf_toolkit", "sync, `fetch_list`", "_ours:fetch_list_sync", missing=lists),
            Case(
                "sf_toolkit",
                "async, `fetch_list_async(concurrency=10)`",
                "_ours:fetch_list_concurrent",
                missing=lists,
            ),
            Case(
                "sf_toolkit", "async, `fetch_async` per Id, 10 in flight", "_ours:fetch_each_async"
            ),
            Case("simple-salesforce", "sync, `get` per Id", "_peers:fetch_simple"),
            Case(
                "aiosalesforce",
                "async, `get` per Id, 10 in flight",
                "_peers:fetch_aio",
                short="aiosalesforce",
            ),
        ],
        references=[
            f"sf_toolkit | {LOOP}",
            "aiosalesforce | async, `get` per Id, 10 in flight",
        ],
    )


def insert_scenario(number: int, n: int, gather_sample: int, rounds: int | None) -> Scenario:
    """Insert ``n`` new Accounts, each case into a fresh org."""
    lists = has(API, "save_insert_list", "save_insert_list_async")
    bulk = has(API, "save_insert_bulk_async")
    sample = min(n, gather_sample)
    cases = [
        Case(
            "sf_toolkit",
            f"async, `save_insert_list_async(concurrency={concurrency})`",
            "_ours:insert_list_async",
            {"concurrency": concurrency},
            missing=lists,
        )
        for concurrency in (5, 10)
    ]
    cases += [
        Case(
            "sf_toolkit",
            "sync, `save_insert_list(concurrency=10)`",
            "_ours:insert_list_sync",
            missing=lists,
        ),
        Case(
            "sf_toolkit",
            "async, Bulk 2.0, `save_insert_bulk_async` + `wait()`",
            "_ours:insert_bulk_async",
            missing=bulk,
        ),
        Case(
            "sf_toolkit",
            "async, Bulk 2.0, as above, polling without pause (`backoff_initial=0`)",
            "_ours:insert_bulk_async",
            {"backoff": 0.0},
            missing=bulk,
        ),
        Case(
            "simple-salesforce",
            "sync, `bulk2.Account.insert(wait=0)`",
            "_peers:insert_simple_bulk2",
            short="simple-salesforce Bulk 2.0",
        ),
        Case(
            "aiosalesforce",
            GATHER,
            "_peers:insert_aio",
            items=sample if sample < n else None,
            short="aiosalesforce gather",
        ),
        Case(
            "aiosalesforce",
            f"async, Composite Batch of 25, {CONCURRENCY} in flight",
            "_peers:insert_aio_composite",
        ),
        Case(
            "aiosalesforce",
            "async, Bulk 2.0, `ingest.perform_operation(polling_interval=0)`",
            "_peers:insert_aio_bulk",
            short="aiosalesforce Bulk 2.0",
        ),
    ]
    return Scenario(
        f"{number}. Insert {n:,} Accounts",
        0,
        n,
        cases,
        references=[
            f"aiosalesforce | {GATHER}",
            "simple-salesforce | sync, `bulk2.Account.insert(wait=0)`",
            "aiosalesforce | async, Bulk 2.0, `ingest.perform_operation(polling_interval=0)`",
        ],
        rounds=rounds,
        org_per_case=True,
        inserts=True,
    )


def query_scenario(n: int, compare: str | None, source: str | None) -> Scenario:
    """Query ``n`` Accounts, 2,000 per page, into Python objects (and at ``compare``)."""
    cases = [
        Case("sf_toolkit", "sync, `query`, typed models", "_ours:query_sync"),
        Case("sf_toolkit", "async, `query_async`, typed models", "_ours:query_async"),
    ]
    if compare is not None:
        cases += [
            Case(f"sf_toolkit @ {compare}", case.mode, case.runner, source=source) for case in cases
        ]
    cases += [
        Case("simple-salesforce", "sync, `query_all`, dicts", "_peers:query_simple"),
        Case("aiosalesforce", "async, `query`, dicts", "_peers:query_aio", short="aiosalesforce"),
    ]
    return Scenario(
        f"4. Query {n:,} Accounts, 2,000 per page, into Python objects",
        n,
        n,
        cases,
        references=["aiosalesforce | async, `query`, dicts"],
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every scenario, print the tables, optionally write RESULTS.md."""
    parser = arguments(__doc__.split("\n\n")[0].strip(), argv)
    parser.add_argument("--fetch-ids", type=int, default=500, help="ids fetched (500)")
    parser.add_argument("--insert-small", type=int, default=2_000, help="(2,000)")
    parser.add_argument("--insert-large", type=int, default=100_000, help="(100,000)")
    parser.add_argument(
        "--gather-sample",
        type=int,
        default=10_000,
        help="records aiosalesforce's single-create gather inserts at most; scaled (10,000)",
    )
    parser.add_argument("--query-records", type=int, default=20_000, help="(20,000)")
    parser.add_argument(
        "--compare-rev",
        metavar="REV",
        help="also query with sf_toolkit as of this git revision (e.g. before read-ahead)",
    )
    parser.add_argument(
        "--only", nargs="*", type=int, choices=(1, 2, 3, 4), help="run only these scenarios"
    )
    args = parser.parse_args(argv)
    source = export_revision(args.compare_rev) if args.compare_rev else None
    query = query_scenario(args.query_records, args.compare_rev, source)
    query.rounds = args.rounds * 5  # short and noisy: more runs
    all_scenarios = [
        fetch_scenario(args.fetch_ids),
        insert_scenario(2, args.insert_small, args.gather_sample, None),
        insert_scenario(3, args.insert_large, args.gather_sample, 1),
        query,
    ]
    if args.only:
        all_scenarios = [s for number, s in enumerate(all_scenarios, 1) if number in args.only]
    run_all(all_scenarios, args)
    sizes = (
        f"{args.fetch_ids:,} ids fetched; {args.insert_small:,} and {args.insert_large:,} "
        f"records inserted (aiosalesforce's single-create gather: at most "
        f"{args.gather_sample:,}, scaled); {args.query_records:,} queried (x5 runs); the "
        f"{args.insert_large:,}-record inserts run once"
    )
    report("lists", all_scenarios, args, argv, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
