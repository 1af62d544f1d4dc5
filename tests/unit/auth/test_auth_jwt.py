"""JwtBearerLogin: a signed RS256 assertion instead of a password."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sf_toolkit.auth import JwtBearerLogin, Session
from sf_toolkit.exceptions import AuthenticationError

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture(scope="module")
def key_pair() -> tuple[bytes, bytes]:
    """A fresh RSA key pair as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def first_form(login: JwtBearerLogin) -> tuple[httpx.Request, dict[str, str]]:
    """Return the login's token request and its decoded form."""
    request = next(login.flow())
    assert isinstance(request, httpx.Request)
    fields = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    return request, fields


def test_assertion_claims_verify_with_the_public_key(key_pair: tuple[bytes, bytes]) -> None:
    """The assertion is RS256-signed with iss, sub, aud and an exp three minutes ahead."""
    private, public = key_pair
    before = int(time.time())
    request, fields = first_form(JwtBearerLogin("CONSUMER-KEY", "ann@example.com", private))
    assert str(request.url) == "https://login.salesforce.com/services/oauth2/token"
    assert fields["grant_type"] == GRANT
    assert set(fields) == {"grant_type", "assertion"}
    assert jwt.get_unverified_header(fields["assertion"])["alg"] == "RS256"
    claims = jwt.decode(
        fields["assertion"],
        public,
        algorithms=["RS256"],
        audience="https://login.salesforce.com",
    )
    assert claims["iss"] == "CONSUMER-KEY"
    assert claims["sub"] == "ann@example.com"
    assert before + 180 <= claims["exp"] <= int(time.time()) + 180


@pytest.mark.parametrize(
    ("domain", "audience", "expected"),
    [
        ("test", None, "https://test.salesforce.com"),
        ("acme--dev.sandbox.my.salesforce.com", None, "https://test.salesforce.com"),
        ("acme.my.salesforce.com", None, "https://login.salesforce.com"),
        ("http://127.0.0.1:8123", None, "https://login.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.site.com", "https://acme.my.site.com"),
    ],
)
def test_audience_follows_the_domain(
    key_pair: tuple[bytes, bytes], domain: str, audience: str | None, expected: str
) -> None:
    """The aud claim is test for sandboxes, login otherwise, unless given explicitly."""
    private, public = key_pair
    login = JwtBearerLogin("K", "ann@example.com", private.decode(), domain, audience)
    assert login.effective_audience == expected
    _, fields = first_form(login)
    claims = jwt.decode(fields["assertion"], public, algorithms=["RS256"], audience=expected)
    assert claims["aud"] == expected


def test_lifetime_sets_the_expiry(key_pair: tuple[bytes, bytes]) -> None:
    """The exp claim is the given lifetime after now."""
    login = JwtBearerLogin("K", "ann@example.com", key_pair[0], lifetime=60)
    token = login.assertion(now=1_000_000.0)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] == 1_000_060


def test_success_gives_a_session(key_pair: tuple[bytes, bytes]) -> None:
    """A token answer without refresh token or issued_at still gives a session."""
    flow = JwtBearerLogin("K", "ann@example.com", key_pair[0]).flow()
    request = next(flow)
    assert isinstance(request, httpx.Request)
    body = {"access_token": "00D!tok", "instance_url": "https://acme.my.salesforce.com"}
    with pytest.raises(StopIteration) as stop:
        flow.send(httpx.Response(200, json=body, request=request))
    session = stop.value.value
    assert isinstance(session, Session)
    assert session.access_token == "00D!tok"


def test_error_hides_the_assertion_and_key(key_pair: tuple[bytes, bytes]) -> None:
    """An invalid_grant answer raises without the assertion or the key in the message."""
    flow = JwtBearerLogin("K", "ann@example.com", key_pair[0]).flow()
    request = next(flow)
    assert isinstance(request, httpx.Request)
    assertion = parse_qs(request.content.decode())["assertion"][0]
    body = {"error": "invalid_grant", "error_description": f"audience is invalid {assertion}"}
    with pytest.raises(AuthenticationError) as info:
        flow.send(httpx.Response(400, json=body, request=request))
    assert info.value.error_code == "invalid_grant"
    assert assertion not in str(info.value)
    assert "PRIVATE KEY" not in str(info.value)


def test_repr_hides_the_private_key(key_pair: tuple[bytes, bytes]) -> None:
    """repr shows the client id and username but not the key."""
    text = repr(JwtBearerLogin("K", "ann@example.com", key_pair[0]))
    assert "ann@example.com" in text
    assert "PRIVATE" not in text


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"private_key": "not a key"}, ValueError, "PEM-encoded"),
        ({"private_key": 42}, TypeError, "private_key must be PEM"),
        ({"username": ""}, ValueError, "username must not be empty"),
        ({"client_id": ""}, ValueError, "client_id must not be empty"),
        ({"lifetime": 0}, ValueError, "lifetime"),
        ({"domain": "prod"}, ValueError, "unknown login domain"),
    ],
)
def test_bad_arguments_are_refused(
    key_pair: tuple[bytes, bytes], kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    """Bad keys, empty names, bad lifetimes and unknown domains are refused at construction."""
    params: dict[str, object] = {
        "client_id": "K",
        "username": "u@x.com",
        "private_key": key_pair[0],
    }
    params.update(kwargs)
    with pytest.raises(error, match=match):
        JwtBearerLogin(**params)  # type: ignore[arg-type]


def test_unreadable_key_is_refused_without_key_material() -> None:
    """A PEM block that is not a valid key is refused at construction, quoting none of it."""
    fake = "-----BEGIN PRIVATE KEY-----\nQUJDREVGRw==\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ValueError, match="private_key cannot be read") as info:
        JwtBearerLogin("K", "u@x.com", fake)
    assert "QUJDREVGRw" not in str(info.value)
    assert info.value.__cause__ is None


def test_encrypted_key_is_refused() -> None:
    """A passphrase-protected key is refused: the login needs an unencrypted one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    with pytest.raises(ValueError, match="unencrypted"):
        JwtBearerLogin("K", "u@x.com", pem)


def test_non_rsa_key_is_refused() -> None:
    """An EC key cannot sign RS256 and is refused naming its type."""
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="must be an RSA key"):
        JwtBearerLogin("K", "u@x.com", pem)
