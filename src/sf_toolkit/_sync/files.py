# Generated from src/sf_toolkit/_async/files.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""Files written whole or not at all: a temporary file beside the target, then renamed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .._concurrency import run_in_thread
from .._files import commit_partial, discard_partial, open_partial

__all__ = ["written_whole"]


@contextmanager
def written_whole(target: Path, overwrite: bool) -> Iterator[IO[bytes]]:
    """
    Yield a binary file to write ``target``'s content into: a temporary file beside it.

    Leaving the block normally puts it in place of ``target`` (an existing file only when
    ``overwrite`` is true); leaving it any other way (an error, a cancellation) removes it, so
    nothing half-written is ever left behind.

    Raises:
        FileExistsError: If ``target`` appeared meanwhile and ``overwrite`` is false.
        FileNotFoundError: If the directory to write in does not exist.
    """
    handle, partial = run_in_thread(open_partial, target)
    try:
        try:
            yield handle
        finally:
            handle.close()
        run_in_thread(commit_partial, partial, target, overwrite)
    finally:
        # At once, not in a worker thread: a cancelled task could not wait for one.
        discard_partial(partial)
