"""
Mask secrets in text: every secret the client knows, in every encoding it was sent in.

A server that echoes a request back (a gateway's error page, a login error repeating the form)
shows a secret in the encoding it travelled in: a password in a form body is URL-encoded
(``Pw&S3cr3t<`` becomes ``Pw%26S3cr3t%3C``), in the SOAP login it is XML-escaped
(``Pw&amp;S3cr3t&lt;``), in JSON it is escaped again (``\\u0026``, Gson-style), in a Basic
header it is base64. :class:`SecretMask` replaces each of them, and also masks the decoded text,
so that no mix of escapes hides a secret.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import httpx

__all__ = [
    "MASK",
    "SECRETS_EXTENSION",
    "SecretMask",
    "Secrets",
    "encodings",
    "mask",
    "request_secrets",
    "response_mask",
]

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
    both upper- and lower-case hex; XML- and HTML-escaped, with named and numeric (decimal and
    hex) character references; JSON-escaped, including ``\\uXXXX`` escapes of every
    punctuation character in both hex cases and Gson's escaping of ``&<>='``; and the parts
    of a base64 text (standard and URL-safe alphabets) that carry only the secret's bytes, at
    each of the three byte alignments it can have inside a longer base64 value (a Basic
    ``user:password`` header, say).
    """
    from html import escape as html_escape  # its entity table only once a secret is masked

    xml_escaped = html_escape(secret, quote=False)  # & < > as xml.sax.saxutils.escape does
    forms = {
        secret,
        quote_plus(secret, safe=""),
        quote(secret, safe=""),
        quote(secret),
        xml_escaped,
        xml_escaped.replace('"', "&quot;").replace("'", "&apos;"),
        html_escape(secret),
        html_escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        _gson(secret),
    }
    for pattern in ("\\u{:04x}", "\\u{:04X}", "&#{:d};", "&#x{:x};", "&#x{:X};"):
        forms.add("".join(c if c.isalnum() and c.isascii() else _each(c, pattern) for c in secret))
    lowered = {_lower_hex(form) for form in forms if "%" in form}
    return {form for form in forms | lowered | _base64_cores(secret) if form}


def _each(char: str, pattern: str) -> str:
    """One character escaped by ``pattern``; outside the BMP as a UTF-16 pair for ``\\u``."""
    if pattern.startswith("\\u"):
        units = char.encode("utf-16-be")
        return "".join(
            pattern.format(int.from_bytes(units[i : i + 2], "big")) for i in range(0, len(units), 2)
        )
    return pattern.format(ord(char))


def _gson(secret: str) -> str:
    """JSON as Gson writes it: ``& < > = '`` escaped as ``\\u0026`` and so on."""
    text = json.dumps(secret)[1:-1]
    return "".join(f"\\u{ord(c):04x}" if c in "&<>='" else c for c in text)


def _base64_cores(secret: str) -> set[str]:
    """
    The base64 characters that depend on the secret's bytes alone, at each alignment.

    Inside a longer value, the secret may start at any byte offset modulo 3; the characters
    that straddle its first or last byte change with the neighbours, the others do not.
    """
    data = secret.encode("utf-8")
    cores: set[str] = set()
    for offset in range(3):
        first = -(-8 * offset // 6)  # the first character made of the secret's bits only
        last = 8 * (offset + len(data)) // 6  # one past the last such character
        padded = b"\0" * offset + data
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            cores.add(encode(padded).decode("ascii")[first:last])
    cores.add(base64.b64encode(data).decode("ascii"))
    cores.add(base64.urlsafe_b64encode(data).decode("ascii"))
    return cores


def _lower_hex(text: str) -> str:
    """``%3C`` -> ``%3c``: some servers echo percent-escapes in lower case."""
    parts = text.split("%")
    return parts[0] + "".join(f"%{part[:2].lower()}{part[2:]}" for part in parts[1:])


_JSON_ESCAPE = re.compile(r'\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])')
_JSON_SIMPLE = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def _json_unescape(text: str) -> str:
    """Undo JSON string escapes anywhere in ``text`` (``\\u0021``, ``\\u00E9``, ``\\"``)."""
    if "\\" not in text:
        return text
    decoded = _JSON_ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else _JSON_SIMPLE[m[2]], text)
    try:  # join UTF-16 surrogate pairs (an emoji escaped as two \\uXXXX) into one character
        return decoded.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return decoded


def _html_unescape(text: str) -> str:
    """Undo HTML character references (named, decimal, hex), as :func:`html.unescape`."""
    if "&" not in text:
        return text
    from html import unescape  # its entity table only when a text has a reference

    return unescape(text)


#: Decoders applied, one after the other, to a text whose secrets might hide behind an escape
#: the forms miss (a mix of escapes, say); after each, the decoded text is looked at.
_DECODERS: tuple[Callable[[str], str], ...] = (
    _json_unescape,
    _html_unescape,
    unquote,
    unquote_plus,
)
_ROUNDS = 3  # decoded twice more at most: an entity inside a JSON string inside a URL


class SecretMask:
    """
    Masks a fixed set of secrets in any text, in every form (see :func:`encodings`).

    Build one per set of secrets and call it on each text: the forms are computed once. A
    client's current mask is :attr:`AsyncSalesforceClient.secret_mask
    <sf_toolkit.AsyncSalesforceClient.secret_mask>`; a response's is :func:`response_mask`.

    After replacing the known forms, the text is also decoded (JSON escapes, HTML/XML
    character references, percent-encoding); when a decoded text shows a secret, the masked
    decoded text replaces the original, so no mix of escapes can hide one.

    Secrets shorter than four characters are left alone: they would mask ordinary words.
    Forms are matched regardless of case (a server may lower-case its whole echo).
    """

    __slots__ = ("_forms", "_pattern")

    def __init__(self, secrets: Iterable[str | None]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET:
                forms |= {form for form in encodings(secret) if len(form) >= _MIN_SECRET}
        self._forms = tuple(sorted(forms, key=len, reverse=True))
        # Longest first, and regardless of case: an echo may upper- or lower-case it all.
        self._pattern = (
            re.compile("|".join(map(re.escape, self._forms)), re.IGNORECASE)
            if self._forms
            else None
        )

    def __repr__(self) -> str:
        return f"<SecretMask of {len(self._forms)} forms, hidden>"

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every form of every secret replaced by :data:`MASK`."""
        if not self._forms or not text:
            return text
        text = self._replace(text)
        for _ in range(_ROUNDS):
            decoded = text
            for decode in _DECODERS:  # cumulatively: a mix of escapes needs several decoders
                decoded = decode(decoded)
                masked = self._replace(decoded)
                if masked != decoded:
                    text = masked
                    break
            else:
                break
        return text

    def data(self, value: Any) -> Any:
        """
        Return parsed JSON (dicts, lists, strings, numbers) with every string masked, keys too.

        Use it on a per-record result before its messages are kept (``errors[].message``).
        """
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self.data(key): self.data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.data(item) for item in value)
        return value

    def _replace(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern is not None else text


def mask(text: str, secrets: Iterable[str | None]) -> str:
    """
    Replace every form (see :func:`encodings`) of every secret in ``text`` with :data:`MASK`.

    A one-off :class:`SecretMask`; build a :class:`SecretMask` to mask many texts.
    """
    return SecretMask(secrets)(text)


def response_mask(response: httpx.Response) -> SecretMask:
    """
    The mask for texts derived from ``response``: the secrets its request knew (the bearer
    token it carried, and those its client put in :data:`SECRETS_EXTENSION`).

    Sans-I/O code that parses an answer (per-record errors of a Collections or Bulk result)
    calls it to mask what it keeps.
    """
    try:
        request = response.request
    except RuntimeError:  # a response built without a request knows no secret
        return SecretMask(())
    return SecretMask(request_secrets(request))


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
