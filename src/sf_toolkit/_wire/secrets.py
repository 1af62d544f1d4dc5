"""
Mask secrets in text: every secret the client knows, in every encoding it was sent in.

A server that echoes a request back (a gateway's error page, a login error repeating the form)
shows a secret in the encoding it travelled in: a password in a form body is URL-encoded
(``Pw&S3cr3t<`` becomes ``Pw%26S3cr3t%3C``), in the SOAP login it is XML-escaped
(``Pw&amp;S3cr3t&lt;``), in JSON it is escaped again. :func:`mask` replaces each of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape as html_escape
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape as xml_escape

import httpx

__all__ = ["MASK", "SECRETS_EXTENSION", "Secrets", "encodings", "mask", "request_secrets"]

MASK = "[REDACTED]"
"""What a masked secret reads as."""

SECRETS_EXTENSION = "sf_toolkit.secrets"
"""Request extension holding the secrets the sending client knows, for masking its errors."""

_MIN_SECRET = 4  # shorter "secrets" (an empty security token, a PIN) would mask ordinary words


class Secrets(tuple[str, ...]):
    """The secrets a client knows, as put on a request; their repr shows none of them."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} secrets hidden>"

    __str__ = __repr__


def encodings(secret: str) -> set[str]:
    """
    Return the forms a secret can take on the wire and in an echo of it.

    Raw; URL-encoded as in a form body (``+`` for space) and as in a path or query (``%20``),
    both upper- and lower-case hex; XML- and HTML-escaped; JSON-escaped.
    """
    forms = {
        secret,
        quote_plus(secret, safe=""),
        quote(secret, safe=""),
        quote(secret),
        xml_escape(secret),
        xml_escape(secret, {'"': "&quot;", "'": "&apos;"}),
        html_escape(secret),
        html_escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    lowered = {_lower_hex(form) for form in forms if "%" in form}
    return {form for form in forms | lowered if form}


def _lower_hex(text: str) -> str:
    """``%3C`` -> ``%3c``: some servers echo percent-escapes in lower case."""
    parts = text.split("%")
    return parts[0] + "".join(f"%{part[:2].lower()}{part[2:]}" for part in parts[1:])


def mask(text: str, secrets: Iterable[str | None]) -> str:
    """
    Replace every form (see :func:`encodings`) of every secret in ``text`` with :data:`MASK`.

    Secrets shorter than four characters are left alone: they would mask ordinary words.
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET:
            forms |= {form for form in encodings(secret) if len(form) >= _MIN_SECRET}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def request_secrets(request: httpx.Request) -> tuple[str, ...]:
    """
    Return the secrets a request knows: the bearer token it carries, and those its client put
    in the :data:`SECRETS_EXTENSION` extension (password, refresh token, client secret, ...).
    """
    known: list[str] = list(request.extensions.get(SECRETS_EXTENSION, ()))
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        known.append(token.strip())
    return tuple(known)
