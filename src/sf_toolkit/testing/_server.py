"""
A loopback HTTP/1.1 server (keep-alive, one thread per connection) in front of a fake org.

It binds to ``127.0.0.1`` only. With ``tls=True`` it serves HTTPS with a self-signed certificate
for ``127.0.0.1`` and ``localhost``, generated with ``cryptography`` (imported only then).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._org import FakeOrg

__all__ = ["make_certificate", "serve_org"]

_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_WRITE_CHUNK = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True

    def __init__(self, org: FakeOrg, port: int, context: ssl.SSLContext | None) -> None:
        self.org = org
        self.context = context
        self.scheme = "https" if context else "http"
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        conn, address = self.socket.accept()
        if self.context is not None:
            # The handshake happens in the connection's own thread, on first read.
            conn = self.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        with self.connections_lock:
            self.connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep quiet about clients that vanish; remember anything else as a fake-org bug."""
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, (OSError, ssl.SSLError, ValueError)):
            self.org.internal_errors.append(error)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body would
    # wait for the client's delayed ACK (~40 ms a request), drowning the latency under test.
    disable_nagle_algorithm = True
    server: _Server
    timeout = 60

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (OSError, ssl.SSLError):
                self.close_connection = True
                raise

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, TimeoutError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the org keeps its own request log."""

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        from ._org import ConnectionDropped

        org = self.server.org
        body = self._body()
        request = httpx.Request(
            self.command,
            self.server.base_url + self.path,
            headers=[(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS],
            content=body,
        )
        with org._flight():
            delay = org._delay()
            if delay:
                time.sleep(delay)
            try:
                response = org.respond(request)
            except ConnectionDropped:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
        content = response.read()
        self.send_response(response.status_code)
        for key, value in response.headers.multi_items():
            if key.lower() not in _HOP_HEADERS:
                self.send_header(key, value)
        if response.status_code not in (204, 304):
            self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            for start in range(0, len(content), _WRITE_CHUNK):
                self.wfile.write(content[start : start + _WRITE_CHUNK])
        self.wfile.flush()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve


def make_certificate(directory: str) -> tuple[str, str]:
    """
    Write a self-signed certificate and key for ``127.0.0.1``/``localhost``; return their paths.

    Raises:
        RuntimeError: If the ``cryptography`` package is not installed.
    """
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:  # pragma: no cover - cryptography is a dev dependency
        raise RuntimeError(
            "serving the fake org over TLS needs the 'cryptography' package: "
            "pip install cryptography"
        ) from exc
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sf_toolkit fake org")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "fake-org-cert.pem")
    key_path = os.path.join(directory, "fake-org-key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


@contextlib.contextmanager
def serve_org(org: FakeOrg, *, tls: bool, port: int) -> Iterator[str]:
    """Run the server in a background thread; yield its base URL; stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="sf-fake-org-") as directory:
        context = None
        if tls:
            cert_path, key_path = make_certificate(directory)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_path, key_path)
            org.tls_certificate = cert_path
        server = _Server(org, port, context)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sf-fake-org-server",
            daemon=True,
        )
        thread.start()
        try:
            yield server.base_url
        finally:
            server.shutdown()
            server.close_connections()
            server.server_close()
            thread.join(timeout=5)
            org.tls_certificate = None
