"""
Side-by-side benchmark: sf_toolkit against simple-salesforce and aiosalesforce, one request per
record, in one run.

Every library talks real HTTP/1.1 to the same fake org served on the loopback interface with an
injected latency per request (see ``_harness.py``; the peers' shims are in ``_peers.py``).

Scenarios (``N`` = 200, or 100 with ``--quick``):

1. fetch ``N`` Accounts by Id, one request each;
2. query 10,000 Accounts, 2,000 per page, into Python objects;
3. insert ``N`` Accounts, one request each.

Sequential clients send one request at a time; async ones keep 10 in flight. Login and one
warm-up request happen before the clock starts. Each cell is the median of ``--rounds`` runs
(the order of the libraries rotates between rounds).

Run ``python benchmarks/bench_clients.py [--quick] [--latency-ms 20] [--write]``; ``--write``
rewrites the ``clients`` block of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import sys

from _harness import CONCURRENCY, Case, Scenario, arguments, report, run_all

QUERY_RECORDS = 10_000
SEQUENTIAL = "sync, sequential"
IN_FLIGHT = f"async, {CONCURRENCY} in flight"


def scenarios(n: int, query_records: int) -> list[Scenario]:
    """The three scenarios; ``n`` records for the one-by-one ones."""
    simple = f"simple-salesforce | {SEQUENTIAL}"
    return [
        Scenario(
            f"1. Fetch {n} Accounts by Id, one request each",
            n,
            n,
            [
                Case("sf_toolkit", SEQUENTIAL, "_ours:fetch_loop"),
                Case("sf_toolkit", IN_FLIGHT, "_ours:fetch_each_async"),
                Case("simple-salesforce", SEQUENTIAL, "_peers:fetch_simple"),
                Case("aiosalesforce", IN_FLIGHT, "_peers:fetch_aio"),
            ],
            references=[simple],
        ),
        Scenario(
            f"2. Query {query_records:,} Accounts, 2,000 per page, into Python objects",
            query_records,
            query_records,
            [
                Case("sf_toolkit", "sync, typed models", "_ours:query_sync"),
                Case("sf_toolkit", "async, typed models", "_ours:query_async"),
                Case("simple-salesforce", "sync, query_all, dicts", "_peers:query_simple"),
                Case("aiosalesforce", "async, query, dicts", "_peers:query_aio"),
            ],
            references=["simple-salesforce | sync, query_all, dicts"],
        ),
        Scenario(
            f"3. Insert {n} Accounts, one request each",
            n,
            n,
            [
                Case("sf_toolkit", SEQUENTIAL, "_ours:insert_each_sync"),
                Case("sf_toolkit", IN_FLIGHT, "_ours:insert_each_async"),
                Case("simple-salesforce", SEQUENTIAL, "_peers:insert_simple"),
                Case("aiosalesforce", IN_FLIGHT, "_peers:insert_aio"),
            ],
            references=[simple],
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every scenario, print the tables, optionally write RESULTS.md."""
    parser = arguments(__doc__.split("\n\n")[0].strip(), argv)
    parser.add_argument("--quick", action="store_true", help="100 records, one round (~20 s)")
    parser.add_argument("--records", type=int, help="records fetched and inserted (200)")
    parser.add_argument("--query-records", type=int, default=QUERY_RECORDS, help="(10,000)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = 1
    n = args.records or (100 if args.quick else 200)
    all_scenarios = scenarios(n, args.query_records)
    for scenario in all_scenarios[1:2]:
        scenario.rounds = args.rounds * 5  # the short query scenario is noisy: more runs
    run_all(all_scenarios, args)
    sizes = (
        f"{n} records fetched and inserted one by one; {args.query_records:,} queried "
        "(x5 runs for the query scenario)"
    )
    report("clients", all_scenarios, args, argv, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
