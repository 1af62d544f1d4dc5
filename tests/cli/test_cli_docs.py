"""The commands of docs/cli.rst run as written, against a fake org on loopback."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import textwrap
from pathlib import Path

from sf_toolkit.ids import is_valid_id
from sf_toolkit.testing import FakeOrg

from .conftest import Served, clean_env, run_cli

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.rst"
CONSOLE = re.compile(r"^\.\. code-block:: console\n\n((?:(?: {4}.*)?\n)+)", re.MULTILINE)
FILE = re.compile(
    r"^\.\. code-block:: text\n    :caption: (\S+)\n\n((?:(?: {4}.*)?\n)+)", re.MULTILINE
)
DOC_URL = "http://127.0.0.1:8123"  # the port the page's `python -m sf_toolkit.testing` uses


def _commands(text: str) -> list[str]:
    lines = [line.strip() for block in CONSOLE.findall(text) for line in block.splitlines()]
    return [line[2:] for line in lines if line.startswith("$ sf-toolkit ")]


def _files(text: str) -> dict[str, str]:
    return {name: textwrap.dedent(body).strip("\n") + "\n" for name, body in FILE.findall(text)}


def _fake_sf_cli(folder: Path, url: str, token: str) -> None:
    """A stand-in for the Salesforce CLI: `sf org display --json` for any org."""
    answer = json.dumps({"status": 0, "result": {"instanceUrl": url, "accessToken": token}})
    script = folder / "sf"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n")
    script.chmod(0o755)


def test_page_commands_run(tmp_path: Path) -> None:
    """Each `$ sf-toolkit ...` line succeeds (import: exit 1, as its documented row fails)."""
    text = PAGE.read_text()
    commands = _commands(text)
    assert len(commands) >= 10
    files = _files(text)
    documented_results = files.pop("accounts.results.csv")
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    org = FakeOrg(records=30, seed=2)
    with org.serve() as url:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        _fake_sf_cli(bin_dir, url, org.access_token())
        env = {**clean_env(), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        outputs: dict[str, str] = {}
        for command in commands:
            args = shlex.split(command.replace(DOC_URL, url))[1:]
            result = run_cli(*args, env=env, cwd=tmp_path)
            expected = 1 if args[0] == "import" else 0
            assert result.returncode == expected, f"{command}\n{result.stderr}"
            assert "Traceback" not in result.stderr
            outputs[command] = result.stdout
    # The outputs the page promises.
    assert "\n   Speedup: " in outputs["sf-toolkit demo"]
    assert "\n   Speedup: " in outputs["sf-toolkit demo --url http://127.0.0.1:8123"]
    assert (tmp_path / "owners.csv").read_text().startswith("Id,Name,Owner.Name\n")
    assert json.loads((tmp_path / "contacts.jsonl").read_text().splitlines()[0]).keys() == {
        "Id",
        "Email",
    }
    assert "class Contact(" in (tmp_path / "models.py").read_text()
    produced = list(csv.reader(io.StringIO((tmp_path / "accounts.results.csv").read_text())))
    documented = list(csv.reader(io.StringIO(documented_results)))
    assert len(produced) == len(documented)
    for got, shown in zip(produced[1:], documented[1:], strict=True):
        assert got[:2] + got[3:] == shown[:2] + shown[3:]  # all but the Id, which the org mints
        assert (got[2] == "") == (shown[2] == "")
        assert not got[2] or is_valid_id(got[2])
    assert produced[0] == documented[0]


def test_page_lists_every_login_option() -> None:
    """The login table names every option the commands take, with its variable."""
    from sf_toolkit.cli.login import _OPTIONS

    text = PAGE.read_text()
    for option, variable, _ in _OPTIONS:
        assert f"``{option}``" in text
        assert f"``{variable}``" in text


def test_served_fixture_env_is_what_the_page_describes(served: Served) -> None:
    """SF_* variables alone log in (the page's environment variable column)."""
    result = run_cli("limits", "--format", "json", env=served.env())
    assert json.loads(result.stdout)["DailyApiRequests"]["Max"] == 15000
