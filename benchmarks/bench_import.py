"""
Benchmark: what importing sf_toolkit costs, beside httpx, simple-salesforce and aiosalesforce.

The goal (issue 13) is that ``import sf_toolkit`` costs at most 1.2x ``import httpx``. Each
statement runs in a fresh interpreter, many times; a run times only the statement
(interpreter start-up excluded), as wall time (``time.perf_counter``) and as the CPU time of
the process (``time.process_time``). The table gives the medians and their ratios to
``import httpx``'s, and the fastest wall time. Importing is CPU work, and the CPU time of a
process is what other processes on a busy machine disturb least, so the goal is judged on
the CPU-time medians. The runs of the statements are interleaved, so load shifts all alike.

Run ``python benchmarks/bench_import.py [--runs N]``. It prints a Markdown table, and exits
non-zero when ``import sf_toolkit`` is above the goal. Where to look when a number grows:
``python -X importtime -c "import sf_toolkit" 2> importtime.txt``.

Note that httpx's own import time depends on what else is installed: with its optional CLI
dependencies present (click, rich, pygments), ``import httpx`` also imports those. A user's
environment is best copied by a venv holding only the runtime dependencies
(``python -m venv /tmp/v && /tmp/v/bin/pip install httpx attrs cattrs``, then
``PYTHONPATH=src /tmp/v/bin/python benchmarks/bench_import.py``).

Installed packages carry compiled bytecode, so the interpreters run with bytecode caching on
(``PYTHONDONTWRITEBYTECODE`` removed, the cache kept under a temporary
``PYTHONPYCACHEPREFIX``) and each statement runs once untimed first: with caching off, every
run would compile sf_toolkit's sources (a checkout's) but not httpx's (installed), about
30 ms unfairly counted against sf_toolkit.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile

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

TIMER = (
    "import time; _w, _c = time.perf_counter(), time.process_time(); {statement}; "
    "print(time.perf_counter() - _w, time.process_time() - _c)"
)


def installed(statement: str) -> bool:
    module = statement.split()[1].rstrip(",;")
    return importlib.util.find_spec(module.split(".")[0]) is not None


#: The children's environment: bytecode cached (as for an installed package), outside the tree.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "sf-toolkit-bench-import-pycache")


def time_once(statement: str) -> tuple[float, float]:
    """Wall and CPU seconds one fresh interpreter spends on ``statement``."""
    out = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per statement")
    args = parser.parse_args()

    cases = [(label, statement) for label, statement in CASES if installed(statement)]
    wall: dict[str, list[float]] = {label: [] for label, _ in cases}
    cpu: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _, statement in cases:  # untimed: writes the bytecode caches
        time_once(statement)
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs}", file=sys.stderr, end="\r")
        for label, statement in cases:
            wall_time, cpu_time = time_once(statement)
            wall[label].append(wall_time)
            cpu[label].append(cpu_time)
    print(file=sys.stderr)

    wall_base, cpu_base = statistics.median(wall["httpx"]), statistics.median(cpu["httpx"])
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh interpreters per row.\n")
    print("| import | CPU (median) | vs httpx | wall (median) | vs httpx | wall (fastest) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, statement in cases:
        cpu_median, wall_median = statistics.median(cpu[label]), statistics.median(wall[label])
        print(
            f"| {label} (`{statement}`) | {cpu_median * 1000:.1f} ms "
            f"| {cpu_median / cpu_base:.2f}x | {wall_median * 1000:.1f} ms "
            f"| {wall_median / wall_base:.2f}x | {min(wall[label]) * 1000:.1f} ms |"
        )
    ratio = statistics.median(cpu["sf_toolkit"]) / cpu_base
    verdict = "within" if ratio <= GOAL else "ABOVE"
    print(f"\n`import sf_toolkit` costs {ratio:.2f}x the CPU time of `import httpx`: {verdict} the")
    print(f"{GOAL}x goal.")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
