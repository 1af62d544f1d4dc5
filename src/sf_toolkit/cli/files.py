"""Where output goes: stdout, or a file that appears only once it is complete."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .._files import commit_partial, discard_partial, open_partial

__all__ = ["open_output"]


@contextmanager
def open_output(path: str | None) -> Iterator[TextIO]:
    """
    A text stream for ``path`` (UTF-8, no newline translation), or stdout for None or ``-``.

    A file is written beside its target under a temporary name and moved into place (replacing
    any older file) only when the block ends without error: a failed export leaves no
    half-written file behind.
    """
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    binary, partial = open_partial(target)
    try:
        with io.TextIOWrapper(binary, encoding="utf-8", newline="") as stream:
            yield stream
        commit_partial(partial, target, overwrite=True)
    finally:
        discard_partial(partial)
