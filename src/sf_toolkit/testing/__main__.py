"""
``python -m sf_toolkit.testing``: serve a fake org on the loopback interface until interrupted.

The first line of standard output is the base URL, so scripts can read it and start talking.
``--client-id``/``--client-secret`` set the connected app and ``--user USERNAME:PASSWORD[:TOKEN]``
(repeatable) adds users, so other clients' OAuth flows (client credentials, password grant) and
SOAP logins can run against it. ``--user`` splits at the first and the last colon, so a password
may hold colons; end with ``:`` for such a password without a token (``ann:pa:ss:``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._org import FakeOrg

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sf_toolkit.testing",
        description="Serve an in-memory fake Salesforce org on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay per request")
    parser.add_argument("--records", type=int, default=0, help="Accounts to seed")
    parser.add_argument("--seed", type=int, default=0, help="seed of Ids, tokens and data")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS (self-signed)")
    parser.add_argument(
        "--client-id", default="fake-client-id", help="consumer key of the connected app"
    )
    parser.add_argument(
        "--client-secret", default="fake-client-secret", help="consumer secret of the app"
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        type=_user,
        metavar="USERNAME:PASSWORD[:TOKEN]",
        help=(
            "another user who can log in (repeatable); split at the first and the last colon, "
            "so a password may hold colons: end with ':' when it has no token"
        ),
    )
    return parser


def _user(text: str) -> tuple[str, str, str]:
    """
    Split ``USERNAME:PASSWORD[:TOKEN]`` at the first colon and, when two or more colons
    follow it, the last: usernames and security tokens hold no colon, so a password may.
    ``ann:pa:ss:TOKEN`` is password ``pa:ss`` with a token; for a password holding a colon
    and no token, end with a colon: ``ann:pa:ss:``.
    """
    username, _, rest = text.partition(":")
    if rest.count(":") >= 1:
        password, _, token = rest.rpartition(":")
    else:
        password, token = rest, ""
    if not username or not password:
        raise argparse.ArgumentTypeError(
            f"expected USERNAME:PASSWORD or USERNAME:PASSWORD:TOKEN, got {text.split(':')[0]!r}..."
        )
    return username, password, token


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, serve, print the URL first, and return 0 when interrupted."""
    args = _parser().parse_args(argv)
    if args.records < 0 or args.latency_ms < 0:
        print("error: --records and --latency-ms must not be negative", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(
            f"error: --port {args.port} is not a TCP port (0 to 65535; 0 picks a free one)",
            file=sys.stderr,
        )
        return 2
    org = FakeOrg(
        records=args.records,
        seed=args.seed,
        latency=args.latency_ms / 1000,
        client_id=args.client_id,
        client_secret=args.client_secret,
    )
    for username, password, token in args.user:
        org.add_user(username, password, security_token=token)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    with org.serve(tls=args.tls, port=args.port) as url:
        print(url, flush=True)
        if org.tls_certificate:
            print(f"certificate: {org.tls_certificate}", flush=True)
        print(f"username: user@example.com  password: password  org: {org.org_id}", flush=True)
        print(f"client_id: {args.client_id}", flush=True)
        for username, _password, _token in args.user:
            print(f"username: {username}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
