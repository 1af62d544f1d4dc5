"""
Benchmark: turning a 2,000-record query page into model instances vs parsing its JSON.

The goal (issue 6) is that building the records costs at most twice the ``json.loads`` of the
page. Run ``python benchmarks/bench_models.py``; it prints both timings and their ratio, and
exits non-zero when the ratio is above 2.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date, datetime
from decimal import Decimal

from sf_toolkit.models import SObject, from_payload

PAGE_SIZE = 2000
ROUNDS = 30


class BenchAccount(SObject, api_name="Account"):
    Name: str | None = None
    Type: str | None = None
    Industry: str | None = None
    Phone: str | None = None
    Website: str | None = None
    BillingCity: str | None = None
    BillingCountry: str | None = None
    NumberOfEmployees: int | None = None
    AnnualRevenue: Decimal | None = None
    IsActive__c: bool | None = None
    Rating__c: float | None = None
    Founded__c: date | None = None
    CreatedDate: datetime | None = None
    LastModifiedDate: datetime | None = None


def make_page() -> bytes:
    """A query page as Salesforce sends it."""
    records = []
    for n in range(PAGE_SIZE):
        record_id = f"001D{n:011d}AAA"
        records.append(
            {
                "attributes": {
                    "type": "Account",
                    "url": f"/services/data/v59.0/sobjects/Account/{record_id}",
                },
                "Id": record_id,
                "Name": f"Account number {n}",
                "Type": "Customer - Direct",
                "Industry": "Technology",
                "Phone": "+1 415 555 0100",
                "Website": f"https://example{n}.com",
                "BillingCity": "San Francisco",
                "BillingCountry": None,
                "NumberOfEmployees": n,
                "AnnualRevenue": 1234567.89 + n,
                "IsActive__c": n % 2 == 0,
                "Rating__c": 4.5,
                "Founded__c": "1999-12-31",
                "CreatedDate": "2024-01-31T12:34:56.000+0000",
                "LastModifiedDate": "2024-02-29T01:02:03.000+0000",
            }
        )
    body = {"totalSize": PAGE_SIZE, "done": True, "records": records}
    return json.dumps(body).encode()


def best(fn: object) -> float:
    """The median of ROUNDS timings of a no-argument callable, in seconds."""
    assert callable(fn)
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> int:
    page = make_page()
    rows = json.loads(page)["records"]
    parse = best(lambda: json.loads(page))
    build = best(lambda: [from_payload(row, BenchAccount) for row in rows])
    ratio = build / parse
    print(f"page: {PAGE_SIZE} records, {len(page) / 1e6:.2f} MB of JSON")
    print(f"json.loads:          {parse * 1e3:7.2f} ms")
    print(f"from_payload x {PAGE_SIZE}: {build * 1e3:7.2f} ms")
    print(f"ratio: {ratio:.2f} (goal: at most 2.00)")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
