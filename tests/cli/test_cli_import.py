"""import: CSV in through Collections or Bulk, a results row per input row; export back out."""

from __future__ import annotations

import csv
import io
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sf_toolkit.testing import FakeOrg

from .conftest import Served, assert_one_line_error, run_cli


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(
    source: Path, operation: str, *extra: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `sf-toolkit import Account SOURCE --operation OPERATION EXTRA...`."""
    return run_cli("import", "Account", str(source), "--operation", operation, *extra, env=env)


def _read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_round_trip_of_100000_rows(tmp_path: Path) -> None:
    """import then export of 100,000 rows: every row saved once, and every one comes back."""
    org = FakeOrg(seed=11)
    rows = [[f"RT {n}", f"RT-{n:06d}", str(n % 5000)] for n in range(100_000)]
    source = _write_csv(
        tmp_path / "accounts.csv", ["Name", "External_ID__c", "NumberOfEmployees"], rows
    )
    with org.serve() as url:
        env = Served(org, url).env()
        imported = _import(source, "insert", env=env)
        exported = run_cli(
            "export",
            "Account",
            "--fields",
            "Id,Name,External_ID__c,NumberOfEmployees",
            "-o",
            str(tmp_path / "export.csv"),
            env=env,
        )
    assert imported.returncode == 0, imported.stderr
    assert "100000 saved" in imported.stderr
    assert "Bulk API 2.0" in imported.stderr  # above 2,000 rows
    results = _read_csv(tmp_path / "accounts.results.csv")
    assert [int(r["sf__Row"]) for r in results] == list(range(1, 100_001))
    assert {r["sf__Outcome"] for r in results} == {"saved"}
    # Each results row carries its input row and the Id Salesforce gave that row.
    by_external = {r["External_ID__c"]: r for r in results}
    assert [r["Name"] for r in results] == [row[0] for row in rows]
    assert exported.returncode == 0, exported.stderr
    back = _read_csv(tmp_path / "export.csv")
    assert len(back) == 100_000
    for row in back:
        sent = by_external[row["External_ID__c"]]
        assert (row["Id"], row["Name"], row["NumberOfEmployees"]) == (
            sent["sf__Id"],
            sent["Name"],
            sent["NumberOfEmployees"],
        )
    assert org.store.count("Account") == 100_000


def test_collections_import_reports_every_row(served: Served, tmp_path: Path) -> None:
    """Collections import: good rows saved, bad rows failed with their reason, exit code 1."""
    rows = [[f"Col {n}", str(n)] for n in range(450)]
    rows[10] = ["", "5"]  # Salesforce refuses it: Name is required
    rows[20] = ["Bad", "twelve"]  # refused before sending
    source = _write_csv(tmp_path / "in.csv", ["Name", "NumberOfEmployees"], rows)
    result = _import(
        source,
        "insert",
        "--results",
        str(tmp_path / "out.csv"),
        env=served.env(),
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"sf-toolkit: insert Account: 450 rows (2 failed, 448 saved) through sObject "
        f"Collections; results in {tmp_path / 'out.csv'}"
    ]
    results = _read_csv(tmp_path / "out.csv")
    assert len(results) == 450
    assert results[10]["sf__Outcome"] == "failed"
    assert results[10]["sf__Error"].startswith("REQUIRED_FIELD_MISSING")
    assert results[20]["sf__Error"] == (
        "INVALID_ROW: NumberOfEmployees: 'twelve' is not a whole number"
    )
    saved_ids = {r["sf__Id"] for r in results if r["sf__Outcome"] == "saved"}
    names = {a["Id"]: a["Name"] for a in served.org.records("Account")}
    assert {names[i] for i in saved_ids} == {
        row[0] for n, row in enumerate(rows) if n not in (10, 20)
    }
    # 448 records at 200 a request.
    creates = [r for r in served.org.requests if r.method == "POST" and r.route == "collections"]
    assert len(creates) == 3


@pytest.mark.parametrize("engine", ["--collections", "--bulk"])
def test_update_upsert_delete(served: Served, tmp_path: Path, engine: str) -> None:
    """update, upsert (by external id) and delete change exactly the rows given."""
    accounts = sorted(served.org.records("Account"), key=lambda a: a["External_ID__c"])
    update = _write_csv(
        tmp_path / "update.csv",
        ["Id", "Name", "Industry"],
        [[a["Id"], f"Updated {n}", "#N/A"] for n, a in enumerate(accounts[:5])],
    )
    upsert = _write_csv(
        tmp_path / "upsert.csv",
        ["External_ID__c", "Name"],
        [[accounts[5]["External_ID__c"], "Upserted"], ["NEW-1", "Brand new"]],
    )
    delete = _write_csv(tmp_path / "delete.csv", ["Id"], [[a["Id"]] for a in accounts[6:9]])
    env = served.env()
    for path, extra in (
        (update, ["--operation", "update"]),
        (upsert, ["--operation", "upsert", "--external-id", "External_ID__c"]),
        (delete, ["--operation", "delete"]),
    ):
        result = run_cli("import", "Account", str(path), engine, *extra, env=env)
        assert result.returncode == 0, result.stderr
    now = {a["Id"]: a for a in served.org.records("Account")}
    assert [now[a["Id"]]["Name"] for a in accounts[:5]] == [f"Updated {n}" for n in range(5)]
    assert all(now[a["Id"]]["Industry"] is None for a in accounts[:5])  # #N/A cleared it
    assert now[accounts[5]["Id"]]["Name"] == "Upserted"
    upserted = _read_csv(tmp_path / "upsert.results.csv")
    assert [r["sf__Created"] for r in upserted] == ["false", "true"]
    assert now[upserted[1]["sf__Id"]]["Name"] == "Brand new"
    assert not {a["Id"] for a in accounts[6:9]} & set(now)
    assert [r["sf__Outcome"] for r in _read_csv(tmp_path / "delete.results.csv")] == ["saved"] * 3


@pytest.mark.parametrize("engine", ["--collections", "--bulk"])
def test_a_malformed_id_fails_its_row_only(served: Served, tmp_path: Path, engine: str) -> None:
    """delete: a malformed Id is INVALID_ROW, the others are deleted; blank lines not counted."""
    good = sorted(a["Id"] for a in served.org.records("Account"))[:2]
    source = tmp_path / "delete.csv"
    source.write_text(f"Id\n{good[0]}\n\n0015g000000000ZZZZ\n{good[1]}\n", encoding="utf-8")
    result = _import(source, "delete", engine, env=served.env())
    assert result.returncode == 1, result.stderr
    results = _read_csv(tmp_path / "delete.results.csv")
    assert [(r["sf__Row"], r["sf__Outcome"]) for r in results] == [
        ("1", "saved"),
        ("2", "failed"),
        ("3", "saved"),
    ]
    assert results[1]["sf__Error"] == "INVALID_ROW: Id: '0015g000000000ZZZZ' is not a Salesforce Id"
    assert not set(good) & {a["Id"] for a in served.org.records("Account")}


def test_bulk_failures_are_tied_to_their_rows(served: Served, tmp_path: Path) -> None:
    """Bulk results come in any order; each failure lands on the row that caused it."""
    rows = [[f"Bulk {n}" if n % 3 else "", str(n)] for n in range(30)]
    source = _write_csv(tmp_path / "in.csv", ["Name", "NumberOfEmployees"], rows)
    result = _import(source, "insert", "--bulk", env=served.env())
    assert result.returncode == 1
    results = _read_csv(tmp_path / "in.results.csv")
    assert [r["sf__Outcome"] for r in results] == [
        "failed" if n % 3 == 0 else "saved" for n in range(30)
    ]
    assert all("REQUIRED_FIELD_MISSING" in r["sf__Error"] for r in results[::3])
    names = {a["Id"]: a["Name"] for a in served.org.records("Account")}
    assert all(names[r["sf__Id"]] == r["Name"] for r in results if r["sf__Outcome"] == "saved")


# -- bad input ---------------------------------------------------------------------------------


def test_unknown_field_in_the_header(served: Served, tmp_path: Path) -> None:
    """A header naming an unknown field is refused before anything is sent, results untouched."""
    source = _write_csv(tmp_path / "in.csv", ["Name", "Revenue__c"], [["A", "1"]])
    before = served.org.store.count("Account")
    result = _import(source, "insert", env=served.env())
    assert_one_line_error(result, "'Revenue__c', which Account does not have")
    assert result.returncode == 2
    assert served.org.store.count("Account") == before
    assert not (tmp_path / "in.results.csv").exists()


def test_unreadable_files(served: Served, tmp_path: Path) -> None:
    """A missing file, a non-UTF-8 file and an empty file each get one clear line."""
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x00Name\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('Name,Phone\nA,1\n"B,2\nC,3\nD,4\n', encoding="utf-8")
    cases = [
        (unclosed, "the quoted cell in the row starting on line 3 is never closed"),
        (tmp_path / "missing.csv", "does not exist"),
        (binary, "is not a UTF-8 CSV file"),
        (empty, "is empty"),
        (tmp_path, "is a directory"),
    ]
    for path, message in cases:
        result = _import(path, "insert", env=served.env())
        assert_one_line_error(result, message)
        assert result.returncode == 2
    assert not (tmp_path / "unclosed.results.csv").exists()


def test_results_in_a_missing_directory(served: Served, tmp_path: Path) -> None:
    """--results in a directory that does not exist: refused before anything is sent."""
    source = _write_csv(tmp_path / "in.csv", ["Name"], [["A"]])
    missing = tmp_path / "nowhere" / "r.csv"
    before = served.org.store.count("Account")
    result = _import(source, "insert", "--results", str(missing), env=served.env())
    assert_one_line_error(result, f"cannot write {str(missing)!r}: no such directory")
    assert result.returncode == 2
    assert served.org.store.count("Account") == before


def test_unknown_object(served: Served, tmp_path: Path) -> None:
    """import into an unknown object names it."""
    source = _write_csv(tmp_path / "in.csv", ["Name"], [["A"]])
    result = run_cli("import", "Acount", str(source), "--operation", "insert", env=served.env())
    assert_one_line_error(result, "unknown object 'Acount'")


def test_upsert_needs_an_external_id(served: Served, tmp_path: Path) -> None:
    """upsert without --external-id, or by a field that is not one, is refused."""
    source = _write_csv(tmp_path / "in.csv", ["Name"], [["A"]])
    for extra, message in (
        ([], "--external-id"),
        (["--external-id", "Name"], "not an external id"),
        (["--external-id", "id"], "upsert cannot match by Id"),
    ):
        result = _import(source, "upsert", *extra, env=served.env())
        assert_one_line_error(result, message)


def test_import_stopped_midway_keeps_its_results(tmp_path: Path) -> None:
    """The daily API limit hit while creating the Bulk job: exit 3, one line, results kept."""
    org = FakeOrg()
    org.faults.request_limit = 3
    source = _write_csv(tmp_path / "in.csv", ["Name"], [[f"L {n}"] for n in range(50)])
    with org.serve() as url:
        result = _import(
            source,
            "insert",
            "--bulk",
            env=Served(org, url).env(),
        )
    assert_one_line_error(
        result, "REQUEST_LIMIT_EXCEEDED", "stopped after 0 rows", "in.results.csv"
    )
    assert result.returncode == 3
    assert (tmp_path / "in.results.csv").read_text().startswith("sf__Row,sf__Outcome")
    assert org.store.count("Account") == 0


def test_interrupt_keeps_the_results_of_finished_batches(tmp_path: Path) -> None:
    """Ctrl-C during a Collections import: exit 130, the batches done have their results."""
    org = FakeOrg(latency=0.05)
    source = _write_csv(tmp_path / "in.csv", ["Name"], [[f"S {n}"] for n in range(400)])
    with org.serve() as url:
        command = [sys.executable, "-m", "sf_toolkit", "import", "Account", str(source)]
        options = ["--operation", "insert", "--batch-size", "10", "--concurrency", "1"]
        process = subprocess.Popen(
            [*command, *options],
            env=Served(org, url).env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        # Not a timing assertion: wait (on the request log) until some batches are through.
        while org.store.count("Account") < 30 and process.poll() is None:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted (stopped after" in stderr
    results = _read_csv(tmp_path / "in.results.csv")
    in_org = {a["Id"] for a in org.records("Account")}
    assert len(results) >= 20  # the third batch may be applied but not yet answered
    assert all(r["sf__Outcome"] == "saved" for r in results)
    assert {r["sf__Id"] for r in results} <= in_org
    assert len(in_org) - len(results) <= 10  # at most the batch in flight lacks its results


def test_interrupt_while_a_bulk_job_runs_names_the_job(tmp_path: Path) -> None:
    """Ctrl-C while waiting for a Bulk job: exit 130 and the job's Id, to find it later."""
    org = FakeOrg()
    org.bulk.polls_in_progress = 1_000_000  # the job never completes by itself
    source = _write_csv(tmp_path / "in.csv", ["Name"], [[f"B {n}"] for n in range(20)])
    with org.serve() as url:
        command = [sys.executable, "-m", "sf_toolkit", "import", "Account", str(source)]
        process = subprocess.Popen(
            [*command, "--operation", "insert", "--bulk"],
            env=Served(org, url).env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait (on the request log) until the closed job is being polled.
        while process.poll() is None and not any(
            r.method == "GET" and r.route == "bulk" for r in org.requests
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert re.search(r"interrupted while waiting for Bulk API 2\.0 job 750\w{15}", stderr)
    assert len(stderr.splitlines()) == 1
    assert (tmp_path / "in.results.csv").read_text().startswith("sf__Row,")


def test_interrupt_during_the_upload_aborts_the_open_job(tmp_path: Path) -> None:
    """Ctrl-C while the rows upload: the job is aborted, not left Open for a day."""
    org = FakeOrg(latency=0.2)
    source = _write_csv(tmp_path / "in.csv", ["Name"], [[f"U {n}"] for n in range(20)])
    with org.serve() as url:
        command = [sys.executable, "-m", "sf_toolkit", "import", "Account", str(source)]
        process = subprocess.Popen(
            [*command, "--operation", "insert", "--bulk"],
            env=Served(org, url).env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait (on the request log) until the rows are uploaded: the job is still Open
        # while the client reads that answer and asks to close it.
        while process.poll() is None and not any(
            r.method == "PUT" and r.route == "bulk" for r in org.requests
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        while org.stats.in_flight:  # the abort may still be answering
            time.sleep(0.01)
    assert process.returncode == 130, stderr
    aborts = [r for r in org.requests if r.method == "PATCH" and r.body == {"state": "Aborted"}]
    assert len(aborts) == 1
    assert aborts[0].status == 200


def test_an_org_gone_midway_stops_the_import_with_exit_3(tmp_path: Path) -> None:
    """The server goes away: a few batches fail to connect, then the import stops (exit 3)."""
    org = FakeOrg(latency=0.02)
    source = _write_csv(tmp_path / "in.csv", ["Name"], [[f"G {n}"] for n in range(1000)])
    options = ["--operation", "insert", "--batch-size", "10", "--concurrency", "2"]
    with org.serve() as url:
        command = [sys.executable, "-m", "sf_toolkit", "import", "Account", str(source)]
        process = subprocess.Popen(
            [*command, *options], env=Served(org, url).env(), stderr=subprocess.PIPE, text=True
        )
        while org.store.count("Account") < 50 and process.poll() is None:
            time.sleep(0.01)
    # The server is closed: nothing listens at its address any more.
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 3, stderr
    assert "no answer from Salesforce" in stderr
    assert "stopped after" in stderr
    results = _read_csv(tmp_path / "in.results.csv")
    failed = [r for r in results if r["sf__Outcome"] == "failed"]
    # Stopped soon: the batches in flight and the ones that proved the org gone, not 95 more.
    assert len(failed) <= 10 * (2 + 3)
    assert all(r["sf__Error"].startswith("CONNECTION_FAILED") for r in failed)
