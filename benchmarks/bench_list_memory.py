"""
Peak memory of ``save_insert_list`` over a generator of one-field Accounts (issue 9).

Runs against the fake org's transport; the fake org forgets each created row and its request
log as it goes, so the figure is the client's own: the growth of the process's peak resident
memory (``ru_maxrss``) after login. Each mode runs in a fresh process:

    .venv/bin/python benchmarks/bench_list_memory.py 1000000 list     # results kept
    .venv/bin/python benchmarks/bench_list_memory.py 1000000 stream   # on_batch_done
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator

import httpx

from sf_toolkit import SalesforceClient, SalesforceLogin, SaveResults, SObject
from sf_toolkit.io.api import save_insert_list
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None


def main(count: int, mode: str) -> None:
    org = FakeOrg(seed=1)
    inner = org.transport()

    class Forgetful(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            if request.method == "POST" and request.url.path.endswith("/composite/sobjects"):
                for entry in json.loads(response.read()):
                    if entry.get("id"):
                        org.store.delete("Account", entry["id"], hard=True)
                org.reset_stats()
            return response

    def generate() -> Iterator[Account]:
        for n in range(count):
            yield Account(Name=f"N{n}")

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    handled = 0

    def on_batch_done(results: SaveResults[Account]) -> None:
        nonlocal handled
        handled += len(results)

    login = SalesforceLogin(username="user@example.com", password="password")
    with SalesforceClient(login=login, transport=Forgetful()) as client:
        client.get("limits")
        base = peak_mb()
        started = time.perf_counter()
        if mode == "stream":
            results = save_insert_list(generate(), sf_client=client, on_batch_done=on_batch_done)
        else:
            results = save_insert_list(generate(), sf_client=client)
            handled = len(results)
        print(
            f"{mode}: {count:,} records, {handled:,} results, {len(results):,} returned, "
            f"peak RSS growth {peak_mb() - base:.1f} MB, {time.perf_counter() - started:.0f} s"
        )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        sys.argv[2] if len(sys.argv) > 2 else "stream",
    )
