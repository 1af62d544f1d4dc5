"""Files written beside their target: permissions as open() would give, errors naming the target."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_toolkit._files import commit_partial, open_partial

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _write(target: Path, data: bytes) -> None:
    handle, partial = open_partial(target)
    with handle:
        handle.write(data)
    commit_partial(partial, target, overwrite=True)


def test_a_new_file_follows_the_umask(tmp_path: Path, umask_027: None) -> None:
    """rw-rw-rw- less the umask (027): rw-r-----, not the temporary file's rw-------."""
    target = tmp_path / "out.csv"
    _write(target, b"a\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask_027: None) -> None:
    """Replacing a file keeps the permissions its owner gave it."""
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    target.chmod(0o604)
    _write(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604


def test_an_unusable_place_is_named_by_the_target(tmp_path: Path) -> None:
    """The error names the path asked for, never the hidden temporary name."""
    target = tmp_path / "missing" / "out.csv"
    with pytest.raises(FileNotFoundError) as caught:
        open_partial(target)
    assert caught.value.filename == str(target)
    assert ".part" not in str(caught.value)
