"""The examples of docs/testing.rst run as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "testing.rst"
_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?: {4}.*)?\n)+)", re.MULTILINE)


def _examples() -> list[str]:
    return [textwrap.dedent(match[1]) for match in _BLOCK.finditer(DOC.read_text())]


def test_the_page_has_examples() -> None:
    """The page holds several Python examples (so the parametrized test is not vacuous)."""
    assert len(_examples()) >= 8


@pytest.mark.parametrize("source", _examples(), ids=lambda s: s.strip().splitlines()[-1][:40])
def test_example_runs(source: str) -> None:
    """Each Python example runs without error in a fresh namespace."""
    exec(compile(source, str(DOC), "exec", dont_inherit=True), {"__name__": "docs_example"})
