"""
Each benchmark entry point runs once, on tiny sizes, so none can rot unnoticed.

Speed is not asserted here (no timing assertion anywhere; numbers live in benchmarks/RESULTS.md):
each script must exit 0, print a table for every scenario, and report no case as failed. The
four side-by-side scripts run at the same time, each as its own process, with no injected
latency; ``bench_bulk_rows.py`` (no org) runs on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

RUNS = {
    "bench_clients.py": ("--records 3 --query-records 20", 3),
    # Scenario 3 runs scenario 2's code on a larger size: skipped here to save time.
    "bench_lists.py": (
        "--fetch-ids 5 --insert-small 30 --gather-sample 20 --query-records 30 --only 1 2 4",
        3,
    ),
    "bench_memory.py": ("--sizes 20", 2),
    "bench_bulk.py": ("--sizes 20", 2),
}


TINY = ("--rounds", "1", "--latency-ms", "0")


def source_env() -> dict[str, str]:
    """The environment with this checkout's ``src`` first on the path."""
    env = dict(os.environ)
    source = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Start every benchmark at once (tiny sizes, one round, no latency); stop them at the end."""
    env = source_env()
    processes = {
        script: subprocess.Popen(
            [sys.executable, str(BENCHMARKS / script), *arguments.split(), *TINY],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for script, (arguments, _) in RUNS.items()
    }
    yield processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_runs(runs: dict[str, subprocess.Popen[str]], script: str) -> None:
    """The benchmark exits 0 with one table per scenario and no failed case."""
    out, err = runs[script].communicate(timeout=120)
    assert runs[script].returncode == 0, err[-3000:]
    tables = [line for line in out.splitlines() if line.startswith("#### ")]
    assert len(tables) >= RUNS[script][1], out
    assert "| failed:" not in out, out
    assert "FAILED" not in err, err[-3000:]


def test_the_bulk_rows_probe_runs() -> None:
    """bench_bulk_rows.py (client CPU per record, no org) exits 0 with a row for every case."""
    script = str(BENCHMARKS / "bench_bulk_rows.py")
    done = subprocess.run(
        [sys.executable, script, "--records", "50", "--rounds", "1"],
        capture_output=True,
        text=True,
        env=source_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    cases = [line for line in done.stdout.splitlines() if line.startswith(("| encode", "| decode"))]
    assert len(cases) == 4, done.stdout
    references = [line for line in done.stdout.splitlines() if line.startswith("| reference")]
    assert len(references) == 4, done.stdout
