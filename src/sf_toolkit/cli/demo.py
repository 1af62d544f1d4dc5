"""
``sf-toolkit demo``: the seed page's walk-through, live, against a fake org with latency.

No org and no network needed: the fake org (:class:`sf_toolkit.testing.FakeOrg`) runs in this
process and every request pays ``--latency-ms`` as a real org would, so the Performance
Comparison at the end measures what concurrency buys. ``--url`` runs the same steps against a
fake org served by ``python -m sf_toolkit.testing`` instead.

The walk-through itself (:mod:`.walkthrough`) is imported only when the demo runs: it declares
an ``Account`` model, which must not be registered for the other commands' queries.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import click

__all__ = ["check_loopback", "demo"]

DEFAULT_RECORDS = 500


def check_loopback(url: str) -> str:
    """
    Return ``url`` if it points at this machine (``http://127.0.0.1:PORT``, ``localhost``).

    The demo writes and deletes records: it runs only against a fake org on loopback.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise click.BadParameter(
            "the demo writes records, so it only runs against a fake org on this machine: "
            "give the URL that 'python -m sf_toolkit.testing' prints, such as "
            "http://127.0.0.1:8123",
            param_hint="--url",
        )
    return url.rstrip("/")


@click.command(name="demo")
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Milliseconds each request of the in-process fake org waits.",
)
@click.option(
    "--records",
    type=click.IntRange(min=1, max=100_000),
    default=DEFAULT_RECORDS,
    show_default=True,
    help="Accounts in the in-process fake org (with --url: inserted if the org has none).",
)
@click.option(
    "--url",
    default=None,
    help="Use the fake org served by 'python -m sf_toolkit.testing' at this loopback URL.",
)
def demo(latency_ms: float, records: int, url: str | None) -> None:
    """
    Walk through sf_toolkit against a fake org, then compare sync and async speed.

    Needs no org and no network: a fake Salesforce org runs in this process, each request
    waiting --latency-ms as over the internet. Shows fetch and save, the async twins, queries,
    list operations, a Bulk API 2.0 job and the seed's Performance Comparison.
    """
    from .walkthrough import run_demo

    if url is not None:
        url = check_loopback(url)
    run_demo(latency_ms=latency_ms, records=records, url=url)
