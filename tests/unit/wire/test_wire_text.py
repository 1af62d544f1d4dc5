"""Readable text from HTML error pages."""

from __future__ import annotations

import pytest

from sf_toolkit._wire.text import looks_like_html, readable_text, shorten


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<html><head><title>Maintenance</title><style>p{color:red}</style></head>"
            "<body><script>var x=1;</script><p>Back&nbsp;soon &amp; thanks</p></body></html>",
            "Maintenance: Back soon & thanks",
        ),
        (
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
            "Gateway</h1></center><hr><center>nginx</center></body></html>",
            "502 Bad Gateway: nginx",
        ),
        ("<p>only   text\n here</p>", "only text here"),
        ("<title>Only a title</title>", "Only a title"),
        ("<html><body><svg><text>icon</text></svg>Visible</body></html>", "Visible"),
    ],
)
def test_readable_text_keeps_title_and_visible_text(html: str, text: str) -> None:
    """Title and visible text stay; markup, scripts, styles and a repeated title go."""
    assert readable_text(html) == text


@pytest.mark.parametrize(
    ("content_type", "text", "html"),
    [
        ("text/html; charset=utf-8", "x", True),
        ("", "  <!DOCTYPE html><html>", True),
        ("", "<HTML><body>", True),
        ("application/json", '{"a": 1}', False),
        ("text/plain", "Service Unavailable", False),
    ],
)
def test_looks_like_html(content_type: str, text: str, html: bool) -> None:
    """HTML is recognised by its Content-Type or its first tag."""
    assert looks_like_html(content_type, text) is html


def test_shorten_cuts_long_text() -> None:
    """Long text is cut to 300 characters with an ellipsis; whitespace collapses."""
    assert shorten("a  b\n c") == "a b c"
    assert shorten("x" * 301) == "x" * 300 + "…"
