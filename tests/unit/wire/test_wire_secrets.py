"""Masking secrets in every encoding they travel in."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus, urlencode
from xml.sax.saxutils import escape

import httpx
import pytest

from sf_toolkit._wire.errors import error_from_response
from sf_toolkit._wire.secrets import MASK, SECRETS_EXTENSION, Secrets, mask, request_secrets

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
