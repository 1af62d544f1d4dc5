"""Masking secrets in every encoding they travel in."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus, urlencode
from xml.sax.saxutils import escape

import httpx
import pytest

from sf_toolkit._wire.errors import error_from_response
from sf_toolkit._wire.secrets import (
    MASK,
    SECRETS_EXTENSION,
    SecretMask,
    Secrets,
    mask,
    request_secrets,
    response_mask,
)

SECRETS = [
    "Pw&S3cr3t<x>\"q' +%/?=#é",
    "tok+en/with==padding",
    "00D000000000001!AQ4AQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUkWe6H34r1AAwOR",
    "a%20b%2Fc",
    "line\nbreak\ttab\\slash",
]


def _forms(secret: str) -> list[str]:
    return [
        secret,
        quote_plus(secret),
        quote(secret, safe=""),
        quote(secret),
        re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote_plus(secret)),
        escape(secret),
        escape(secret, {'"': "&quot;", "'": "&apos;"}),
        json.dumps(secret)[1:-1],
        urlencode({"password": secret}).partition("=")[2],
    ]


@pytest.mark.parametrize("secret", SECRETS)
def test_every_encoding_of_a_secret_is_masked(secret: str) -> None:
    """Raw, form-encoded, path-encoded, XML- and JSON-escaped forms all become the mask."""
    for form in _forms(secret):
        if len(form) < 4:
            continue
        masked = mask(f"before {form} after", [secret])
        assert masked == f"before {MASK} after", form


def test_short_and_empty_secrets_do_not_mask_words() -> None:
    """An empty security token or a 3-character value leaves ordinary text alone."""
    assert mask("a token of abc", ["", None, "abc"]) == "a token of abc"


def test_longer_secrets_are_masked_first() -> None:
    """password+token is masked whole, not as the password plus a stray token."""
    assert mask("sent hunter2XYZW", ["hunter2", "hunter2XYZW"]) == f"sent {MASK}"


def test_request_secrets_reads_the_bearer_token_and_the_extension() -> None:
    """The bearer token on a request and the client's known secrets are both collected."""
    request = httpx.Request(
        "GET",
        "https://acme.my.salesforce.com/x",
        headers={"Authorization": "Bearer 00Dxx!token"},
        extensions={SECRETS_EXTENSION: ("the-password",)},
    )
    assert set(request_secrets(request)) == {"00Dxx!token", "the-password"}


@pytest.mark.parametrize("secret", SECRETS)
def test_an_error_echoing_a_secret_is_masked_in_str_repr_and_body(secret: str) -> None:
    """error_from_response masks a secret the request knew, wherever the server echoes it."""
    if secret.isascii() and "\n" not in secret:  # a header value: the bearer token
        where = {"headers": {"Authorization": f"Bearer {secret}"}}
    else:  # a secret the client knows (a password), handed over in the extension
        where = {"extensions": {SECRETS_EXTENSION: (secret,)}}
    request = httpx.Request(
        "GET", "https://acme.my.salesforce.com/services/data/v62.0/limits", **where
    )
    echoed = " | ".join(_forms(secret))
    response = httpx.Response(400, json=[{"errorCode": "X", "message": echoed}], request=request)
    error = error_from_response(response)
    for text in (str(error), repr(error), error.message, error.body or ""):
        for form in _forms(secret):
            if len(form) >= 4:
                assert form not in text


def test_the_secrets_on_a_request_do_not_show_in_its_repr() -> None:
    """Event hooks that print a request's extensions see no secret."""
    secrets = Secrets(("the-password", "00Dxx!token"))
    assert repr(secrets) == str(secrets) == "<2 secrets hidden>"
    request = httpx.Request("GET", "https://x.example/", extensions={SECRETS_EXTENSION: secrets})
    assert "the-password" not in repr(request.extensions)
    assert set(request_secrets(request)) == {"the-password", "00Dxx!token"}


def _gson(secret: str) -> str:
    """Gson's HTML-safe JSON: & < > = ' written as \\u0026 and so on."""
    text = json.dumps(secret)[1:-1]
    for char in "&<>='":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _html_numeric(secret: str) -> str:
    return "".join(c if c.isalnum() and c.isascii() else f"&#{ord(c)};" for c in secret)


def _json_upper(secret: str) -> str:
    return "".join(c if c.isalnum() and c.isascii() else f"\\u{ord(c):04X}" for c in secret)


ECHOES = {
    "gson": _gson,
    "json-upper-hex": _json_upper,
    "json-one-char": lambda s: s.replace("!", "\\u0021").replace("&", "\\u0026"),
    "json-ascii-upper": lambda s: json.dumps(s)[1:-1].replace("\\u00e9", "\\u00E9"),
    "html-decimal": _html_numeric,
    "html-hex": lambda s: "".join(c if c.isalnum() else f"&#x{ord(c):X};" for c in s),
    "html-mixed": lambda s: s.replace("&", "&#38;").replace("<", "&lt;"),
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "base64-urlsafe": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
    "base64-in-basic": lambda s: base64.b64encode(f"user@example.com:{s}".encode()).decode(),
    "base64-offset-2": lambda s: base64.b64encode(f"ab{s}cd".encode()).decode(),
}
NASTY = ["00D!AQ4&x<y>=z'é+/", "Pw&S3cr3t<>\"' +%/é!~*()", "Cl!ent~Secret*(é) &"]


@pytest.mark.parametrize("secret", NASTY)
@pytest.mark.parametrize("how", sorted(ECHOES))
def test_escaped_and_base64_echoes_are_masked(secret: str, how: str) -> None:
    """JSON \\uXXXX (both cases, Gson), HTML numeric and named references, base64: masked."""
    echoed = ECHOES[how](secret)
    masked = SecretMask([secret])(f"echo: {echoed} end")
    assert echoed not in masked
    assert secret not in masked
    assert MASK in masked
    if how.startswith("base64"):  # at most two boundary characters of the secret's bits remain
        assert base64.b64encode(secret.encode()).decode()[1:-3] not in masked


def test_a_mask_decodes_a_mix_of_escapes() -> None:
    """A secret half JSON-escaped, half HTML-escaped is found once the text is decoded."""
    secret = "Pw&S3cr3t<x>"
    echoed = "Pw\\u0026S3cr3t&lt;x&gt;"
    assert secret not in SecretMask([secret])(echoed)
    assert MASK in SecretMask([secret])(echoed)


def test_a_mask_leaves_text_without_secrets_unchanged() -> None:
    """Escapes in a text that holds no secret are kept as they are."""
    text = 'a \\u0026 b &amp; c %20 d "e"'
    assert SecretMask(["hunter22"])(text) == text


def test_a_mask_masks_parsed_json_strings() -> None:
    """SecretMask.data masks every string of parsed JSON, keys included, keeping the shape."""
    token = "00D!tokenvalue"
    data = [{"message": f"bad {token}", token: 1, "fields": [token], "n": 2}]
    assert SecretMask([token]).data(data) == [
        {"message": f"bad {MASK}", MASK: 1, "fields": [MASK], "n": 2}
    ]


def test_response_mask_knows_the_request_s_secrets() -> None:
    """response_mask masks the bearer token and the client's secrets its request carried."""
    request = httpx.Request(
        "GET",
        "https://acme.my.salesforce.com/x",
        headers={"Authorization": "Bearer 00Dxx!token"},
        extensions={SECRETS_EXTENSION: ("the-password",)},
    )
    response = httpx.Response(200, request=request)
    assert response_mask(response)("00Dxx\\u0021token the-password") == f"{MASK} {MASK}"
    assert not response_mask(httpx.Response(200))


@pytest.mark.parametrize("how", sorted(ECHOES))
def test_an_error_body_is_masked_like_its_message(how: str) -> None:
    """error.body holds no secret even when the JSON escapes it (\\u0021 in a token)."""
    token = "00D!AQ4&x<y>=z'é+/"
    request = httpx.Request(
        "GET",
        "https://acme.my.salesforce.com/services/data/v62.0/limits",
        headers={"Authorization": "Bearer ascii-other-token"},
        extensions={SECRETS_EXTENSION: (token,)},
    )
    content = '[{"errorCode":"X","message":"auth=Bearer ' + ECHOES[how](token) + '"}]'
    response = httpx.Response(400, content=content.encode(), request=request)
    error = error_from_response(response)
    for text in (str(error), repr(error), error.body or ""):
        assert token not in text
        assert ECHOES[how](token) not in text


def test_an_echo_in_another_case_is_masked() -> None:
    """A server that lower- or upper-cases its whole echo still shows no secret."""
    secret = "Pw&S3cr3t<>é"
    for echoed in (quote(secret, safe="").lower(), secret.upper(), escape(secret).lower()):
        assert SecretMask([secret])(f"echo {echoed}!") == f"echo {MASK}!"
