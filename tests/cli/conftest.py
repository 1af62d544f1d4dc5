"""
The command line, run as users run it: a subprocess against a fake org on loopback.

The org is served from the test process (``org.serve()``), so tests can check its store and
request log; the CLI logs in through the ``SF_*`` environment variables, as a script would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from sf_toolkit.testing import FakeOrg


@attrs.frozen
class Served:
    org: FakeOrg
    url: str

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a CLI run logging in to this org."""
        return {
            **clean_env(),
            "SF_USERNAME": "user@example.com",
            "SF_PASSWORD": "password",
            "SF_DOMAIN": self.url,
            **extra,
        }


def clean_env() -> dict[str, str]:
    """This process's environment without any SF_* login settings."""
    return {key: value for key, value in os.environ.items() if not key.startswith("SF_")}


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sf_toolkit ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "sf_toolkit", *args],
        capture_output=True,
        text=True,
        env=env if env is not None else clean_env(),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A non-zero exit with exactly one line on stderr naming the problem, no traceback."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def served() -> Iterator[Served]:
    """A fake org with 25 Accounts (50 Contacts) on a loopback URL."""
    org = FakeOrg(records=25, seed=3)
    with org.serve() as url:
        yield Served(org, url)
    assert org.internal_errors == []
