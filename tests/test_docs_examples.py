"""
The Python examples of the manual run as written.

Every ``.. code-block:: python`` of a page runs, in order, in one namespace: a page reads as a
session. Each example may use what the prose says the reader already has: a fake org, a sync
``client`` logged in to it, and its ``login`` (restored before each example). HTTP from any
other client a page creates reaches the same org, because httpx's default transports are
replaced for the duration (the HTTP boundary), so even ``domain="login"`` examples run as
written.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sf_toolkit import SalesforceClient, SalesforceLogin
from sf_toolkit.testing import FakeOrg

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?: {4}.*)?\n)+)", re.MULTILINE)
PAGES = [
    "records.rst",
    "queries.rst",
    "clients.rst",
    "async.rst",
    "many-records.rst",
    "bulk.rst",
    "errors.rst",
    "simple-salesforce.rst",
]


def blocks(page: str) -> list[str]:
    return [textwrap.dedent(match[1]) for match in BLOCK.finditer((DOCS / page).read_text())]


def fake_sf_cli(folder: Path, token: str) -> None:
    """A stand-in for the Salesforce CLI on PATH, answering `sf org display --json`."""
    answer = json.dumps(
        {
            "status": 0,
            "result": {"instanceUrl": "https://acme.my.salesforce.com", "accessToken": token},
        }
    )
    script = folder / "sf"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n")
    script.chmod(0o755)


def rsa_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    org = FakeOrg(records=5, seed=4)
    org.bulk.polls_in_progress = 0  # Bulk jobs finish at the first poll: no waiting between
    # What the pages assume the reader has: a user, a key file, the Salesforce CLI.
    org.add_user("ann@example.com", "correct horse", security_token="XXXXXXXXXXXXXXXXXXXXXXXX")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "server.key").write_bytes(rsa_key_pem())
    fake_sf_cli(tmp_path, org.access_token())
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(httpx._client, "HTTPTransport", lambda *a, **k: org.transport())
    monkeypatch.setattr(httpx._client, "AsyncHTTPTransport", lambda *a, **k: org.async_transport())
    # sf_toolkit builds one async pool per event loop from httpx.AsyncHTTPTransport itself.
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", lambda *a, **k: org.async_transport())
    # A real module, so models declared by the examples resolve their annotations.
    module = types.ModuleType("docs_example")
    monkeypatch.setitem(sys.modules, "docs_example", module)
    login = SalesforceLogin(username="user@example.com", password="password")
    with SalesforceClient(login=login) as client:
        module.__dict__.update(org=org, login=login, client=client)
        yield module.__dict__


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, namespace: dict[str, Any]) -> None:
    """Each page's examples run in order without error."""
    examples = blocks(page)
    assert examples, f"{page} has no Python examples"
    given = {name: namespace[name] for name in ("org", "login", "client")}
    for number, source in enumerate(examples, start=1):
        namespace.update(given)  # an example may rebind them; the next one starts afresh
        try:
            exec(compile(source, f"{page} example {number}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"{page} example {number} failed:\n{source}") from exc
