"""sf-toolkit demo: the seed's walk-through, in-process or against the loopback server."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import assert_one_line_error, clean_env, run_cli

TITLES = [
    "1. Log in",
    "2. Fetch and save",
    "3. The async twin",
    "4. Queries",
    "5. List operations",
    "6. A Bulk API 2.0 job",
    "7. Performance Comparison",
]


def _check_walkthrough(stdout: str) -> None:
    for title in TITLES:
        assert f"\n{title}" in stdout, title
    # The comparison: one request per id for the loop, one for fetch_list_async (2000 a request).
    assert "-> 500 records, 500 requests" in stdout
    assert "-> 500 records, 1 request\n" in stdout
    assert re.search(r"^   Sync: \d+\.\d\ds, Async: \d+\.\d\ds$", stdout, re.MULTILINE)
    assert re.search(r"^   Speedup: \d+\.\dx$", stdout, re.MULTILINE)
    # Failures in list operations are results, not exceptions.
    assert "250 saved, 1 failed" in stdout
    assert "REQUIRED_FIELD_MISSING" in stdout
    assert "JobComplete: 1000 processed, 0 failed" in stdout


def test_demo_in_process() -> None:
    """The demo walks every step against an in-process org and prints the speedup."""
    result = run_cli("demo", "--latency-ms", "1", "--records", "40")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "40 Accounts, 1 ms per request" in result.stdout
    _check_walkthrough(result.stdout)


def test_demo_against_the_loopback_server() -> None:
    """--url runs the same steps against `python -m sf_toolkit.testing`, empty at first."""
    with subprocess.Popen(
        [sys.executable, "-m", "sf_toolkit.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**clean_env(), "PYTHONUNBUFFERED": "1"},
    ) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            result = run_cli("demo", "--url", url, "--records", "20")
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert f"the fake Salesforce org at {url}" in result.stdout
    assert "the org had no Accounts: the demo inserted 20 first" in result.stdout
    _check_walkthrough(result.stdout)


@pytest.mark.parametrize(
    "url", ["https://login.salesforce.com", "http://10.0.0.1:8000", "ftp://127.0.0.1/"]
)
def test_demo_refuses_anything_but_loopback(url: str) -> None:
    """The demo writes records: it refuses a URL that is not on this machine."""
    result = run_cli("demo", "--url", url)
    assert_one_line_error(result, "--url", "python -m sf_toolkit.testing")
    assert result.returncode == 2


@pytest.mark.parametrize("args", [["--records", "0"], ["--latency-ms", "-1"]])
def test_demo_rejects_bad_numbers(args: list[str]) -> None:
    """Out-of-range options are usage errors."""
    result = run_cli("demo", *args)
    assert_one_line_error(result, args[0])
    assert result.returncode == 2
