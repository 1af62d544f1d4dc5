"""
Peak memory of ``save_insert_list`` over a generator: flat, whatever the record count.

Issue 9: a generator of records is consumed batch by batch, so the requests in flight are
bounded by ``concurrency x batch_size``, not by the input. For each size (100,000 and 1,000,000
by default) a fresh process inserts that many new Accounts, built by a generator as they are
consumed, through ``save_insert_list(..., batch_size=200, concurrency=10)`` (and its async twin)
into a fresh fake org, then counts the successes: once in the returned results (one per record,
the default, so they grow with the input), once streamed to ``on_batch_done=`` (not kept). The
process reports its peak RSS (``ru_maxrss``) and its RSS when the clock started; the org is
checked to hold every record once.

Run ``python benchmarks/bench_memory.py [--sizes 100000 1000000] [--write]``.
"""

from __future__ import annotations

import sys

from _harness import (
    Case,
    Scenario,
    add_sizes,
    arguments,
    flatness,
    has,
    report,
    run_all,
)

API = "sf_toolkit.io.api"


def scenario(n: int) -> Scenario:
    """Insert ``n`` Accounts from a generator, sync and async, each in a fresh process and org."""
    missing = has(API, "save_insert_list", "save_insert_list_async")
    return Scenario(
        f"`save_insert_list` over a generator of {n:,} Accounts",
        0,
        n,
        [
            Case(
                "sf_toolkit",
                "sync, `save_insert_list(generator, batch_size=200, concurrency=10)`",
                "_ours:insert_list_sync",
                fresh=True,
                missing=missing,
            ),
            Case(
                "sf_toolkit",
                "async, `save_insert_list_async(generator, batch_size=200, concurrency=10)`",
                "_ours:insert_list_async",
                fresh=True,
                missing=missing,
            ),
            Case(
                "sf_toolkit",
                "sync, as above with `on_batch_done=` (results streamed, not kept)",
                "_ours:insert_list_stream_sync",
                fresh=True,
                missing=missing,
            ),
            Case(
                "sf_toolkit",
                "async, as above with `on_batch_done=` (results streamed, not kept)",
                "_ours:insert_list_stream_async",
                fresh=True,
                missing=missing,
            ),
        ],
        org_per_case=True,
        inserts=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every size, print the tables, optionally write RESULTS.md."""
    parser = arguments(__doc__.split("\n\n")[0].strip(), argv)
    parser.set_defaults(rounds=1)
    add_sizes(parser)
    args = parser.parse_args(argv)
    scenarios = [scenario(n) for n in args.sizes]
    run_all(scenarios, args)
    sizes = " and ".join(f"{n:,}" for n in args.sizes)
    sizes += " records, each case once, in a fresh process and a fresh org"
    report("memory", scenarios, args, argv, sizes, flatness(args.sizes, [[s] for s in scenarios]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
