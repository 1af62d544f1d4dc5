"""
Readable text from a body meant for a browser: a gateway's HTML error or maintenance page.

Salesforce's edge answers 502/503 (and a maintenance window) with an HTML page; a message made
of its raw markup or CSS helps nobody. :func:`readable_text` keeps the title and the visible
text, the way a browser would show it.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["looks_like_html", "readable_text", "shorten"]

_INVISIBLE = frozenset({"script", "style", "head", "noscript", "template", "svg"})
_MAX_TEXT = 300  # characters of a body kept in a message (the exception keeps it all)


def looks_like_html(content_type: str, text: str) -> bool:
    """Whether a body is HTML: by its ``Content-Type``, or by its first tag."""
    if "html" in content_type.lower():
        return True
    start = text.lstrip()[:15].lower()
    return start.startswith(("<!doctype html", "<html"))


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        del attrs
        if tag == "title":
            self._in_title = True
        elif tag in _INVISIBLE:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _INVISIBLE and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden:
            self.text.append(data)


def readable_text(html: str) -> str:
    """
    Return an HTML page's title and visible text as one line: ``"Title: visible text"``.

    Scripts, styles and the document head are dropped; a visible text that repeats the title
    does not repeat it.
    """
    parser = _Visible()
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
