"""
Readable text from a body meant for a browser: a gateway's HTML error or maintenance page.

Salesforce's edge answers 502/503 (and a maintenance window) with an HTML page; a message made
of its raw markup or CSS helps nobody. :func:`readable_text` keeps the title and the visible
text, the way a browser would show it.
"""

from __future__ import annotations

import re

__all__ = ["looks_like_html", "looks_like_xml", "readable_text", "shorten", "xml_fault"]

_INVISIBLE = frozenset({"script", "style", "head", "noscript", "template", "svg"})
_MAX_TEXT = 300  # characters of a body kept in a message (the exception keeps it all)


def looks_like_html(content_type: str, text: str) -> bool:
    """Whether a body is HTML: by its ``Content-Type``, or by its first tag."""
    if "html" in content_type.lower():
        return True
    start = text.lstrip()[:15].lower()
    return start.startswith(("<!doctype html", "<html"))


def looks_like_xml(content_type: str, text: str) -> bool:
    """Whether a body is XML (a SOAP fault, say): by its ``Content-Type``, or its first tag."""
    if "xml" in content_type.lower():
        return True
    start = text.lstrip()[:20].lower()
    return start.startswith(("<?xml", "<soapenv:", "<soap:", "<env:", "<s:envelope"))


def _element(name: str) -> re.Pattern[str]:
    """The text of ``<name>``, with or without a namespace prefix, up to its closing tag."""
    return re.compile(
        rf"<(?:[\w.-]+:)?{name}(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?{name}\s*>", re.DOTALL
    )


_FAULT_CODES = (_element("exceptionCode"), _element("faultcode"))
_FAULT_MESSAGES = (_element("exceptionMessage"), _element("faultstring"))


def xml_fault(text: str) -> tuple[str | None, str | None]:
    """
    Return the ``(code, message)`` of a SOAP fault or a Salesforce XML error, or ``(None,
    None)``: ``exceptionCode``/``exceptionMessage`` when present (Salesforce's detail), else
    ``faultcode`` (its namespace prefix dropped, ``sf:INVALID_LOGIN`` reads ``INVALID_LOGIN``)
    and ``faultstring``.

    A pattern match, not an XML parser: an untrusted body cannot make it expand entities.
    """
    import html  # its entity table only when an XML body arrives

    def first(patterns: tuple[re.Pattern[str], ...]) -> str | None:
        for pattern in patterns:
            found = pattern.search(text)
            if found and (value := " ".join(html.unescape(found[1]).split())):
                return value
        return None

    code = first(_FAULT_CODES)
    return (code.rpartition(":")[2] or None if code else None), first(_FAULT_MESSAGES)


def readable_text(html: str) -> str:
    """
    Return an HTML page's title and visible text as one line: ``"Title: visible text"``.

    Scripts, styles and the document head are dropped; a visible text that repeats the title
    does not repeat it.
    """
    from ._visible import Visible  # html.parser only when an HTML page arrives

    parser = Visible()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # pragma: no cover - html.parser raises it on some broken markup
        pass
    title = " ".join(" ".join(parser.title).split())
    text = " ".join(" ".join(parser.text).split())
    if title and text.startswith(title):
        text = text[len(title) :].strip(" :-")
    if title and text:
        return f"{title}: {text}"
    return title or text


def shorten(text: str) -> str:
    """Collapse whitespace and cut to a message's length, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else f"{text[:_MAX_TEXT]}…"
