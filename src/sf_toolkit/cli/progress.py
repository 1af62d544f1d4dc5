"""
Progress bars on stderr, only when stderr is a terminal.

Data goes to stdout (or a file) and stays clean; a script reading stderr gets no bar noise.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

__all__ = ["Progress", "progress", "showing_progress"]


class Progress(Protocol):
    """Counts work done; ``total`` may be learnt late (a query's ``totalSize``)."""

    def advance(self, amount: int = 1) -> None: ...

    def set_total(self, total: int | None) -> None: ...


class _Silent:
    """What a non-terminal stderr gets: nothing."""

    def advance(self, amount: int = 1) -> None:
        pass  # nothing to show

    def set_total(self, total: int | None) -> None:
        pass  # nothing to show


class _Bar:
    def __init__(self, bar: RichProgress, task: TaskID) -> None:
        self._bar, self._task = bar, task

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._task, amount)

    def set_total(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)


def showing_progress(stream: TextIO | None = None) -> bool:
    """Whether progress bars show: only when ``stream`` (stderr) is a terminal."""
    return (stream if stream is not None else sys.stderr).isatty()


@contextmanager
def progress(
    description: str, total: int | None = None, *, stream: TextIO | None = None
) -> Iterator[Progress]:
    """
    A progress bar for ``description`` on ``stream`` (stderr), or a silent counter.

    The bar shows records done, the rate and the time left when the total is known.
    """
    stream = stream if stream is not None else sys.stderr
    if not showing_progress(stream):
        yield _Silent()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress

    console = Console(file=stream)
    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        yield _Bar(bar, bar.add_task(description, total=total))
