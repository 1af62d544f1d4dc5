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


def test_readme_quickstart_script_exists() -> None:
    """The README's quickstart command names a script that exists."""
    readme = (ROOT / "README.md").read_text()
    scripts = re.findall(r"\.venv/bin/python (\S+\.py)", readme)
    assert scripts
    for script in scripts:
        assert (ROOT / script).is_file(), script


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
