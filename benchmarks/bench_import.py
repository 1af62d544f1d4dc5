"""
Benchmark: what importing sf_toolkit costs, beside httpx, simple-salesforce and aiosalesforce.

The goal (issue 13) is that ``import sf_toolkit`` costs at most 1.2x ``import httpx``. Each
statement runs in a fresh interpreter, many times; a run times only the statement
(``time.perf_counter`` around it, interpreter start-up excluded), and the table gives the
median and the fastest run of each, and their ratios to ``import httpx``'s; the goal is
judged on the medians. The runs of the statements are interleaved, so a busy machine slows
all of them alike (the fastest runs are the least disturbed).

Run ``python benchmarks/bench_import.py [--runs N]``. It prints a Markdown table, and exits
non-zero when ``import sf_toolkit`` is above the goal. Where to look when a number grows:
``python -X importtime -c "import sf_toolkit" 2> importtime.txt``.

Note that httpx's own import time depends on what else is installed: with its optional CLI
dependencies present (click, rich, pygments), ``import httpx`` also imports those.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys

GOAL = 1.2

#: (label, statement). The first is the baseline; later rows need their package installed.
CASES = [
    ("httpx", "import httpx"),
    ("sf_toolkit", "import sf_toolkit"),
    (
        "sf_toolkit: a client and a login",
        "from sf_toolkit import SalesforceClient, SalesforceLogin",
    ),
    (
        "sf_toolkit: client, login, models and every operation",
        "from sf_toolkit import SalesforceClient, SalesforceLogin, SObject, select; "
        "import sf_toolkit.io.api",
    ),
    ("sf_toolkit.testing (the fake org)", "import sf_toolkit.testing"),
    ("simple-salesforce", "import simple_salesforce"),
    ("aiosalesforce", "import aiosalesforce"),
]

TIMER = "import time; _t = time.perf_counter(); {statement}; print(time.perf_counter() - _t)"


def installed(statement: str) -> bool:
    module = statement.split()[1].rstrip(",;")
    return importlib.util.find_spec(module.split(".")[0]) is not None


def time_once(statement: str) -> float:
    """Seconds one fresh interpreter spends on ``statement``."""
    out = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per statement")
    args = parser.parse_args()

    cases = [(label, statement) for label, statement in CASES if installed(statement)]
    times: dict[str, list[float]] = {label: [] for label, _ in cases}
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs}", file=sys.stderr, end="\r")
        for label, statement in cases:
            times[label].append(time_once(statement))
    print(file=sys.stderr)

    baseline = statistics.median(times["httpx"])
    fastest_baseline = min(times["httpx"])
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh interpreters per row.\n")
    print("| import | median | vs httpx | fastest | vs httpx |")
    print("|---|---:|---:|---:|---:|")
    for label, statement in cases:
        median, fastest = statistics.median(times[label]), min(times[label])
        print(
            f"| {label} (`{statement}`) | {median * 1000:.1f} ms | {median / baseline:.2f}x "
            f"| {fastest * 1000:.1f} ms | {fastest / fastest_baseline:.2f}x |"
        )
    ratio = statistics.median(times["sf_toolkit"]) / baseline
    verdict = "within" if ratio <= GOAL else "ABOVE"
    print(f"\n`import sf_toolkit` is {ratio:.2f}x `import httpx`: {verdict} the {GOAL}x goal.")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
