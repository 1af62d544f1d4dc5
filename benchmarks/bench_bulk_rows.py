"""
Benchmark: client CPU per record of Bulk API 2.0 CSV encoding and decoding, without HTTP.

* **Encode**: 100,000 ``NewAccount`` records (Name, Industry, NumberOfEmployees, as
  ``bench_bulk.py`` inserts them) through the code ``save_insert_bulk`` runs before its first
  request: ``RecordEncoder.row`` into the spool, then the spool cut into uploads. Measured over
  records built beforehand, and with the records built by the generator as the benchmark does;
  beside ``csv.DictWriter`` over dicts (what simple-salesforce's ``bulk2`` does).
* **Decode**: 100,000 query result rows (as Salesforce writes them, every value quoted) read
  with ``CsvReader`` and ``RowDecoder`` into typed records, as ``BulkQueryJob.records()``
  does: the 8 columns of ``Account`` (Id and 7 fields) and the 4 columns ``bench_bulk.py``
  queries into ``NewAccount``; beside ``csv.DictReader`` over the same bytes (dicts of text).

CPU seconds (``time.process_time``) of several rounds, best and median, as µs per record.
Run ``python benchmarks/bench_bulk_rows.py`` (about 10 s on a quiet machine, 20 s with
``--compare-rev REV``, which measures ``src/`` of another revision too, in a fresh process);
``--write`` stores the table in RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from _harness import (
    FIELDS,
    INSERT_FIELDS,
    command_line,
    export_revision,
    new_values,
    source_revision,
    write_results,
)
from _ours import Account, NewAccount

from sf_toolkit._sync.bulk import _spool
from sf_toolkit._wire.bulk_csv import CsvReader, UploadSplitter
from sf_toolkit._wire.bulk_rows import RecordEncoder, RowDecoder

RECORDS = 100_000
CHUNK = 1 << 20  # bytes fed to the reader at a time, as a download streams them


def timings(fn: Callable[[], object], rounds: int) -> list[float]:
    """CPU seconds of ``rounds`` calls of ``fn``."""
    spent = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        spent.append(time.process_time() - start)
    return spent


# -- encoding -------------------------------------------------------------------------------------


def encode(records: Iterator[Any] | list[Any]) -> int:
    """What ``save_insert_bulk`` does before its first request: encode, spool, cut."""
    encoder = RecordEncoder("insert")
    spool = _spool(records, encoder, None)
    try:
        uploads = spool.cut(UploadSplitter())
    finally:
        spool.file.close()
    for upload in uploads:
        upload.file.close()
    return sum(upload.rows for upload in uploads)


def dict_writer(rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    """simple-salesforce's way: dicts through ``csv.DictWriter`` into one text buffer."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=INSERT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return len(out.getvalue().encode())


# -- decoding -------------------------------------------------------------------------------------


def result_csv(columns: tuple[str, ...], n: int) -> bytes:
    """A query result file as Salesforce writes it: every value quoted, nulls empty."""
    values = {
        "Id": lambda i: f"001{i:012d}AAA",
        "Name": lambda i: f"Bench {i}",
        "Industry": lambda i: "Energy",
        "Type": lambda i: "Customer - Direct" if i % 3 else "",
        "AnnualRevenue": lambda i: f"{i * 10.5}",
        "NumberOfEmployees": lambda i: str(i),
        "BillingCity": lambda i: "Paris, France",
        "External_ID__c": lambda i: f"EXT-{i}",
    }
    lines = [",".join(f'"{c}"' for c in columns)]
    for i in range(n):
        lines.append(",".join(f'"{values[c](i)}"' for c in columns))
    return ("\n".join(lines) + "\n").encode()


def chunks(data: bytes) -> Iterator[bytes]:
    return (data[i : i + CHUNK] for i in range(0, len(data), CHUNK))


def decode(data: bytes, model: type[Any]) -> int:
    """What ``BulkQueryJob.records()`` does with the bytes of a result file."""
    reader = CsvReader()
    decoder: RowDecoder | None = None
    count = 0
    for chunk in [*chunks(data), b""]:
        rows = reader.feed(chunk) if chunk else reader.close()
        for row in rows:
            if decoder is None:
                decoder = RowDecoder(row, model)
                continue
            decoder.record(row)
            count += 1
    return count


def dict_reader(data: bytes) -> int:
    """simple-salesforce's result as the benchmark reads it: ``csv.DictReader``, dicts of text."""
    return sum(1 for _ in csv.DictReader(io.StringIO(data.decode())))


# -- the run --------------------------------------------------------------------------------------


def cases(n: int) -> list[tuple[str, Callable[[], object]]]:
    """The measured cases over ``n`` records, titled as the table shows them."""
    built = [NewAccount(**new_values(i)) for i in range(n)]
    dicts = [new_values(i) for i in range(n)]
    wide = result_csv(FIELDS, n)
    narrow = result_csv(("Id", *INSERT_FIELDS), n)
    return [
        ("encode: `NewAccount` records built before, spooled and cut", lambda: encode(built)),
        (
            "encode: `NewAccount(**values)` built by a generator, spooled and cut",
            lambda: encode(NewAccount(**new_values(i)) for i in range(n)),
        ),
        ("reference: `csv.DictWriter` over dicts built before", lambda: dict_writer(dicts)),
        (
            "reference: `csv.DictWriter` over dicts built by a generator",
            lambda: dict_writer(new_values(i) for i in range(n)),
        ),
        (
            "decode: 8 columns into `Account` (`CsvReader` + `RowDecoder`)",
            lambda: decode(wide, Account),
        ),
        (
            "decode: 4 columns into `NewAccount` (`CsvReader` + `RowDecoder`)",
            lambda: decode(narrow, NewAccount),
        ),
        ("reference: `csv.DictReader` over the 8 columns", lambda: dict_reader(wide)),
        ("reference: `csv.DictReader` over the 4 columns", lambda: dict_reader(narrow)),
    ]


def measure(n: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Best and median µs per record of each case."""
    results = {}
    for title, fn in cases(n):
        print(title, file=sys.stderr)
        spent = timings(fn, rounds)
        results[title] = (min(spent) / n * 1e6, statistics.median(spent) / n * 1e6)
    return results


def measure_revision(revision: str, n: int, rounds: int) -> dict[str, tuple[float, float]]:
    """The same cases with ``src/`` of another git revision, in a fresh interpreter."""
    source = export_revision(revision)
    here = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, here])}
    done = subprocess.run(
        [sys.executable, __file__, "--records", str(n), "--rounds", str(rounds), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        check=True,
    )
    return {title: (best, median) for title, (best, median) in json.loads(done.stdout).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=RECORDS, help=f"({RECORDS})")
    parser.add_argument("--rounds", type=int, default=5, help="runs per case (5)")
    parser.add_argument("--compare-rev", help="measure this git revision of sf_toolkit too")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = args.records
    if args.json:  # a child measuring another revision: the numbers only
        print(json.dumps(measure(n, args.rounds)))
        return 0
    other = measure_revision(args.compare_rev, n, args.rounds) if args.compare_rev else None
    ours = measure(n, args.rounds)
    columns = "| case | µs per record, best | median |"
    if other is not None:
        columns += f" `{args.compare_rev}`: best | median | CPU ratio |"
    rows = []
    for title, (best, median) in ours.items():
        row = f"| {title} | {best:.2f} | {median:.2f} |"
        if other is not None:
            was, was_median = other[title]
            row += f" {was:.2f} | {was_median:.2f} | {best / was:.2f} |"
        rows.append(row)
    header = "\n".join(
        [
            f"* Command: `{command_line('bench_bulk_rows.py', argv)}`",
            f"* sf_toolkit: {source_revision()}",
            f"* {n:,} records, {args.rounds} rounds per case, CPU time (`time.process_time`) "
            "of one process; no HTTP, no fake org",
            "* Load average (1, 5, 15 min) when the run ended: "
            + ", ".join(f"{load:.2f}" for load in os.getloadavg()),
        ]
    )
    separator = "|---|---:|---:|" + ("---:|---:|---:|" if other is not None else "")
    block = "\n".join([header, "", columns, separator, *rows])
    print(block)
    if args.write:
        write_results("bulk_rows", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
