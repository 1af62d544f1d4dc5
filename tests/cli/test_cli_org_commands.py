"""query, export, describe, models generate and limits against a fake org on loopback."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Served, assert_one_line_error, clean_env, run_cli


def test_query_csv_flattens_parents_and_children(served: Served) -> None:
    """CSV rows: parents as dotted columns, a child subquery as one JSON cell."""
    result = run_cli(
        "query",
        "SELECT Id, Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account "
        "ORDER BY External_ID__c LIMIT 2",
        env=served.env(),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    accounts = sorted(served.org.records("Account"), key=lambda r: r["External_ID__c"])[:2]
    assert [row["Id"] for row in rows] == [a["Id"] for a in accounts]
    assert list(rows[0]) == ["Id", "Name", "Owner.Name", "Contacts"]
    assert rows[0]["Owner.Name"]
    assert len(json.loads(rows[0]["Contacts"])) == 2


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_query_json_formats_to_a_file(served: Served, tmp_path: Path, fmt: str) -> None:
    """-o FILE gets every row, nested as Salesforce sends them; stdout stays empty."""
    target = tmp_path / f"accounts.{fmt}"
    result = run_cli(
        "query",
        "SELECT Id, Name, Owner.Name FROM Account",
        "--format",
        fmt,
        "-o",
        str(target),
        env=served.env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    rows = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert sorted(row["Id"] for row in rows) == sorted(
        r["Id"] for r in served.org.records("Account")
    )
    assert all(isinstance(row["Owner"], dict) for row in rows)


def test_query_pages_through_everything(tmp_path: Path) -> None:
    """A result larger than one page (2,000) comes back whole."""
    from sf_toolkit.testing import FakeOrg

    org = FakeOrg(records=2100, seed=5)
    with org.serve() as url:
        env = Served(org, url).env()
        result = run_cli("query", "SELECT Id FROM Account", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Id"
    assert len(set(lines[1:])) == 2100
    assert org.stats.requests_by_route["query_more"] >= 1


def test_query_count(served: Served) -> None:
    """SELECT COUNT() prints the count."""
    result = run_cli("query", "SELECT COUNT() FROM Contact", env=served.env())
    assert (result.returncode, result.stdout) == (0, "50\n")


def test_query_count_honours_output_and_format(served: Served, tmp_path: Path) -> None:
    """-o and --format json apply to SELECT COUNT() too: the file holds {"totalSize": N}."""
    target = tmp_path / "count.json"
    soql = "SELECT COUNT() FROM Contact"
    result = run_cli("query", soql, "-o", str(target), "--format", "json", env=served.env())
    assert (result.returncode, result.stdout) == (0, "")
    assert json.loads(target.read_text()) == {"totalSize": 50}


def test_query_aggregate_columns(served: Served) -> None:
    """GROUP BY rows get Salesforce's expr0 for an unaliased aggregate."""
    result = run_cli(
        "query", "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry", env=served.env()
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sum(int(row["expr0"]) for row in rows) == 25


def test_export_selected_fields_with_where(served: Served, tmp_path: Path) -> None:
    """export OBJECT --fields --where writes those fields of the matching records."""
    target = tmp_path / "energy.csv"
    result = run_cli(
        "export",
        "Account",
        "--fields",
        "Id,Name",
        "--fields",
        "Industry",
        "--where",
        "Industry = 'Energy'",
        "-o",
        str(target),
        env=served.env(),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    energy = {r["Id"] for r in served.org.records("Account") if r["Industry"] == "Energy"}
    assert {row["Id"] for row in rows} == energy
    assert list(rows[0]) == ["Id", "Name", "Industry"]
    assert f"exported {len(energy)} Account records" in result.stderr


def test_export_defaults_to_every_simple_field(served: Served) -> None:
    """Without --fields, every field but compound and file-body ones is exported."""
    result = run_cli("export", "Account", "--limit", "1", env=served.env())
    header = result.stdout.splitlines()[0].split(",")
    assert {"Id", "Name", "BillingCity", "External_ID__c", "CreatedDate"} <= set(header)
    assert "BillingAddress" not in header


def test_describe_text_and_json(served: Served) -> None:
    """describe shows the fields as a table, or Salesforce's JSON."""
    text = run_cli("describe", "Account", env=served.env())
    assert text.returncode == 0, text.stderr
    name_line = next(line for line in text.stdout.splitlines() if line.startswith("Name "))
    assert "string(255)" in name_line
    assert "required" in name_line
    raw = run_cli("describe", "account", "--format", "json", env=served.env())
    assert json.loads(raw.stdout)["name"] == "Account"


def test_models_generate_writes_importable_models(served: Served, tmp_path: Path) -> None:
    """models generate writes a module whose classes load the org's records."""
    target = tmp_path / "models.py"
    result = run_cli(
        "models", "generate", "Account", "Contact", "-o", str(target), env=served.env()
    )
    assert result.returncode == 0, result.stderr
    # In a child process: the generated classes register themselves under their sObject
    # names, and must not replace the models other tests of this process registered.
    check = (
        "import runpy, sys; names = set(runpy.run_path(sys.argv[1]));"
        "assert {'Account', 'Contact'} <= names, names"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", check, str(target)], capture_output=True, text=True, check=False
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "External_ID__c" in target.read_text()


def test_limits(served: Served) -> None:
    """limits shows DailyApiRequests with used, max and remaining."""
    result = run_cli("limits", env=served.env())
    line = next(x for x in result.stdout.splitlines() if x.startswith("DailyApiRequests"))
    used, maximum, remaining = (int(x) for x in line.split()[1:])
    assert maximum == 15000
    assert used + remaining == maximum
    assert used >= 1


def test_progress_stays_off_when_stderr_is_not_a_terminal(served: Served) -> None:
    """Piped stderr gets no progress bar: nothing at all for a successful query."""
    result = run_cli("query", "SELECT Id FROM Account", env=served.env())
    assert result.returncode == 0
    assert result.stderr == ""


# -- bad input: one line on stderr, a non-zero exit, no traceback ------------------------------


def test_unknown_object(served: Served) -> None:
    """export and describe of an unknown object name it."""
    for command in ("export", "describe"):
        result = run_cli(command, "Acount", env=served.env())
        assert_one_line_error(result, "unknown object 'Acount'")
        assert result.returncode == 2


def test_unknown_object_in_soql(served: Served) -> None:
    """A query on an unknown object gives Salesforce's INVALID_TYPE."""
    result = run_cli("query", "SELECT Id FROM Acount", env=served.env())
    assert_one_line_error(result, "INVALID_TYPE", "Acount")


def test_malformed_soql(served: Served) -> None:
    """Malformed SOQL gives MALFORMED_QUERY and where, and no partial output."""
    result = run_cli("query", "SELECT Id FRM Account", env=served.env())
    assert_one_line_error(result, "MALFORMED_QUERY", "ERROR at Row:1")
    assert result.returncode == 2
    assert result.stdout == ""


def test_unknown_field(served: Served, tmp_path: Path) -> None:
    """An unknown export field gives INVALID_FIELD, and -o leaves no file behind."""
    target = tmp_path / "out.csv"
    result = run_cli(
        "export", "Account", "--fields", "Id,Nmae", "-o", str(target), env=served.env()
    )
    assert_one_line_error(result, "INVALID_FIELD", "Nmae")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_wrong_credentials(served: Served) -> None:
    """A wrong password exits 2 with the login failure, and never echoes the password."""
    result = run_cli("limits", env=served.env(SF_PASSWORD="hunter2"))
    assert_one_line_error(result, "login failed", "Invalid username")
    assert result.returncode == 2
    assert "hunter2" not in result.stderr


def test_no_login(served: Served) -> None:
    """No login options at all: a usage error that says what to pass."""
    result = run_cli("limits")
    assert_one_line_error(result, "no login given", "--target-org")
    assert result.returncode == 2


def test_unreachable_org_exits_3(tmp_path: Path) -> None:
    """Nothing listening: exit 3 (try again later), one line."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **clean_env(),
        "SF_USERNAME": "user@example.com",
        "SF_PASSWORD": "password",
        "SF_DOMAIN": f"http://127.0.0.1:{port}",
    }
    result = run_cli("limits", env=env)
    assert_one_line_error(result, "no answer from Salesforce")
    assert result.returncode == 3
    debugged = run_cli("--debug", "limits", env=env)
    assert debugged.returncode == 3  # --debug adds the traceback, keeps the exit code
    assert "Traceback" in debugged.stderr
    assert debugged.stderr.splitlines()[-1] == result.stderr.splitlines()[0]


def test_bad_object_name_is_refused_before_sending(served: Served) -> None:
    """A name that cannot be an sObject is refused without a request."""
    before = served.org.stats.api_usage
    result = run_cli("describe", "Account/../limits", env=served.env())
    assert_one_line_error(result, "not an sObject API name")
    assert served.org.stats.api_usage == before


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_bar_when_stderr_is_a_terminal(served: Served, tmp_path: Path) -> None:
    """On a terminal, export shows a bar on stderr counting up to the records' total."""
    import pty
    import select

    master, slave = pty.openpty()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sf_toolkit",
            "export",
            "Account",
            "--fields",
            "Id",
            "-o",
            str(tmp_path / "a.csv"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env={**served.env(), "COLUMNS": "100"},
    ) as process:
        os.close(slave)
        shown = b""
        while select.select([master], [], [], 30)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
    assert process.returncode == 0
    assert b"25/25" in shown
    assert len((tmp_path / "a.csv").read_text().splitlines()) == 26


def test_a_closed_pipe_stops_quietly() -> None:
    """`query ... | head -1`: the reader leaves; no traceback, SIGPIPE's status (141)."""
    from sf_toolkit.testing import FakeOrg

    org = FakeOrg(records=3000)  # about 120 kB of rows: more than a pipe holds
    with (
        org.serve() as url,
        subprocess.Popen(
            [sys.executable, "-m", "sf_toolkit", "query", "SELECT Id, Name FROM Account"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=Served(org, url).env(),
        ) as process,
    ):
        assert process.stdout is not None
        assert process.stdout.readline() == b"Id,Name\n"
        process.stdout.close()
        _, stderr = process.communicate(timeout=60)
    assert stderr == b""
    assert process.returncode == 141


def test_option_wins_over_its_variable(served: Served) -> None:
    """--password on the command line beats a wrong SF_PASSWORD."""
    result = run_cli("limits", "--password", "password", env=served.env(SF_PASSWORD="wrong"))
    assert result.returncode == 0, result.stderr


def test_target_org_without_the_salesforce_cli(tmp_path: Path) -> None:
    """--target-org with no `sf` on PATH: one line saying how to get it, exit 2."""
    result = run_cli("limits", "--target-org", "prod", env={**clean_env(), "PATH": str(tmp_path)})
    assert_one_line_error(result, "login failed", "Salesforce CLI")
    assert result.returncode == 2


def test_typed_login_wins_over_a_leftover_session(served: Served) -> None:
    """--username/--password typed: a leftover SF_ACCESS_TOKEN/SF_INSTANCE_URL is ignored."""
    env = {**clean_env(), "SF_DOMAIN": served.url, "SF_ACCESS_TOKEN": "00Dstale!x"}
    env["SF_INSTANCE_URL"] = served.url
    typed = ["--username", "user@example.com", "--password", "password"]
    result = run_cli("limits", *typed, env=env)
    assert result.returncode == 0, result.stderr


def test_bulk_query_values_are_typed(served: Served) -> None:
    """--bulk gives numbers and checkboxes typed from describe, as docs/cli.rst says."""
    soql = "SELECT Name, NumberOfEmployees FROM Account WHERE NumberOfEmployees != null"
    result = run_cli("query", soql, "--bulk", "--format", "jsonl", env=served.env())
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows
    assert all(isinstance(row["NumberOfEmployees"], int) for row in rows)
