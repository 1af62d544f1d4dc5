"""The loopback server: keep-alive, 100 concurrent connections, TLS and the command line."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sf_toolkit.testing import FakeOrg, Faults


def _login(client: httpx.Client) -> str:
    response = client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "fake-client-id",
            "client_secret": "fake-client-secret",
            "username": "user@example.com",
            "password": "password",
        },
    )
    assert response.status_code == 200
    return str(response.json()["access_token"])


def test_serve_binds_loopback_and_answers() -> None:
    """serve() yields an http://127.0.0.1 URL whose instance URL is itself."""
    org = FakeOrg(records=2)
    with org.serve() as url, httpx.Client(base_url=url) as client:
        assert url.startswith("http://127.0.0.1:")
        token = _login(client)
        response = client.get(
            "/services/data/v59.0/query",
            params={"q": "SELECT Id FROM Account"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.json()["totalSize"] == 2
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"


def test_server_keeps_connections_alive() -> None:
    """Several requests on one client reuse one TCP connection."""
    org = FakeOrg()
    with org.serve() as url, httpx.Client(base_url=url) as client:
        for _ in range(5):
            assert client.get("/services/data/").status_code == 200
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as raw:
            raw.sendall(b"GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
            raw.settimeout(10)
            data = b""
            while data.count(b"HTTP/1.1 200") < 2:  # both answers, however they are split
                chunk = raw.recv(65536)
                if not chunk:
                    break
                data += chunk
    assert data.count(b"HTTP/1.1 200") == 2


def test_server_streams_blob_and_handles_errors() -> None:
    """A blob comes back byte for byte; a bad request is an error array, not a 500."""
    org = FakeOrg(records=1)
    attachment = org.records("Attachment")[0]["Id"]
    with org.serve() as url, httpx.Client(base_url=url) as client:
        headers = {"Authorization": f"Bearer {_login(client)}"}
        body = client.get(
            f"/services/data/v59.0/sobjects/Attachment/{attachment}/Body", headers=headers
        )
        bad = client.post("/services/data/v59.0/sobjects/Account", content=b"{", headers=headers)
    assert body.content == org.blob(attachment)
    assert bad.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_server_drop_closes_the_socket() -> None:
    """A drop fault closes the connection without an answer."""
    org = FakeOrg(faults=Faults(rate_drop=1.0))
    with (
        org.serve() as url,
        httpx.Client(base_url=url) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.get("/services/data/")


def test_hundred_concurrent_keep_alive_connections_with_latency() -> None:
    """100 clients, each on its own keep-alive connection, 3 requests each at 20 ms latency."""
    org = FakeOrg(latency=0.02)
    with org.serve() as url:
        token = org.access_token()
        headers = {"Authorization": f"Bearer {token}"}
        barrier = threading.Barrier(100, timeout=10)

        def worker(_: int) -> list[int]:
            limits = httpx.Limits(max_connections=1)
            with httpx.Client(base_url=url, headers=headers, limits=limits, timeout=10) as c:
                statuses = [c.get("/services/data/v59.0/limits").status_code]
                barrier.wait()
                statuses += [c.get("/services/data/v59.0/limits").status_code for _ in range(2)]
                return statuses

        with ThreadPoolExecutor(max_workers=100) as pool:
            results = list(pool.map(worker, range(100)))
    assert all(statuses == [200, 200, 200] for statuses in results)
    # Many connections were served at once (not one by one); exact overlap depends on the load.
    assert org.stats.max_in_flight >= 25
    assert org.internal_errors == []


def test_tls_serving_with_self_signed_certificate() -> None:
    """serve(tls=True) answers HTTPS verified against its own certificate."""
    org = FakeOrg()
    with org.serve(tls=True) as url:
        assert url.startswith("https://127.0.0.1:")
        assert org.tls_certificate is not None
        context = ssl.create_default_context(cafile=org.tls_certificate)
        with httpx.Client(base_url=url, verify=context) as client:
            token = _login(client)
            assert client.get("/services/data/").status_code == 200
    assert len(token) >= 40
    assert org.tls_certificate is None


def test_cli_prints_url_first_and_serves() -> None:
    """python -m sf_toolkit.testing prints its base URL as the first stdout line."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "sf_toolkit.testing", "--port", "0", "--records", "3"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            assert httpx.get(url + "/services/data/", timeout=5).status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert process.returncode == 0


def test_cli_serves_a_connected_app_and_extra_users() -> None:
    """--client-id/--client-secret and --user let OAuth client credentials and password grant in."""
    command = [
        *(sys.executable, "-m", "sf_toolkit.testing", "--port", "0"),
        *("--client-id", "my-app", "--client-secret", "s3cret"),
        *("--user", "ann@example.com:pw:TOKEN", "--user", "bob@example.com:pw2"),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            token_url = f"{url}/services/oauth2/token"
            app = {"client_id": "my-app", "client_secret": "s3cret"}
            credentials = httpx.post(token_url, data={"grant_type": "client_credentials", **app})
            assert credentials.status_code == 200
            assert credentials.json()["instance_url"] == url
            for username, password in [("ann@example.com", "pwTOKEN"), ("bob@example.com", "pw2")]:
                grant = {"grant_type": "password", "username": username, "password": password}
                answer = httpx.post(token_url, data={**grant, **app})
                assert answer.status_code == 200, answer.text
            wrong = {"grant_type": "password", "username": "ann@example.com", "password": "pw"}
            assert httpx.post(token_url, data={**wrong, **app}).status_code == 400
            default_app = {"client_id": "fake-client-id", "client_secret": "fake-client-secret"}
            refused = httpx.post(
                token_url, data={"grant_type": "client_credentials", **default_app}
            )
            assert refused.status_code != 200
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert process.returncode == 0


@pytest.mark.parametrize("user", ["nobody", "ann@example.com:", ":pw"])
def test_cli_rejects_malformed_user(user: str) -> None:
    """--user needs USERNAME:PASSWORD[:TOKEN]; anything else exits 2 without a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "sf_toolkit.testing", "--user", user],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "USERNAME:PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_rejects_negative_records() -> None:
    """Bad arguments exit non-zero with a message, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "sf_toolkit.testing", "--records", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_server_answers_204_without_a_body_and_keeps_the_connection() -> None:
    """An update over the server answers 204, and the next request on the connection works."""
    org = FakeOrg(records=1)
    account = org.records("Account")[0]["Id"]
    with org.serve() as url, httpx.Client(base_url=url) as client:
        headers = {"Authorization": f"Bearer {org.access_token()}"}
        path = f"/services/data/v59.0/sobjects/Account/{account}"
        updated = client.patch(path, json={"Name": "New"}, headers=headers)
        assert updated.status_code == 204
        assert "content-length" not in updated.headers
        assert client.get(path, headers=headers).json()["Name"] == "New"


def test_server_survives_garbage_and_half_requests(capfd: pytest.CaptureFixture[str]) -> None:
    """Junk bytes and a request cut short neither stop the server nor print tracebacks."""
    org = FakeOrg()
    with org.serve() as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"\x16\x03\x01garbage\r\n\r\n")
            raw.recv(1024)
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(b"POST /services/data/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        assert httpx.get(url + "/services/data/").status_code == 200
    assert "Traceback" not in capfd.readouterr().err
    assert org.internal_errors == []
