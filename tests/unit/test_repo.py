"""The repository's promises to newcomers and CI stay true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs exactly the test command the README gives."""
    ci = (ROOT / ".ci/run").read_text()
    match = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.MULTILINE)
    assert match is not None
    assert f"\n{match.group(1)}\n" in (ROOT / "README.md").read_text()


def test_readme_first_command_installs_and_runs_the_demo() -> None:
    """The README's first command installs the cli extra and runs `sf-toolkit demo`."""
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```console\n(.+?)\n```", readme, re.DOTALL)
    assert commands[0] == (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[cli]' && .venv/bin/sf-toolkit demo"
    )
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"^cli = \[", pyproject, re.MULTILINE)
    assert '\nsf-toolkit = "sf_toolkit.__main__:main"\n' in pyproject


def test_quickstart_runs() -> None:
    """The README's quickstart runs to completion against its fake org."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "examples/quickstart.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "inserted: 001" in done.stdout
