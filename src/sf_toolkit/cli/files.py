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
def open_output(path: str | None, *, keep_on_error: bool = False) -> Iterator[TextIO]:
    """
    A text stream for ``path`` (UTF-8, no newline translation), or stdout for None or ``-``.

    A file is written beside its target under a temporary name and moved into place (replacing
    any older file) only when the block ends without error: a failed export leaves no
    half-written file behind. With ``keep_on_error`` what was written is moved into place
    even when the block fails (an import's results for the rows already sent).
    """
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    binary, partial = open_partial(target)
    try:
        with io.TextIOWrapper(binary, encoding="utf-8", newline="") as stream:
            try:
                yield stream
            except BaseException:
                if keep_on_error:
                    stream.close()
                    commit_partial(partial, target, overwrite=True)
                raise
        commit_partial(partial, target, overwrite=True)
    finally:
        discard_partial(partial)
