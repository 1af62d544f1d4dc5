"""
Writing a download to disk without ever leaving a half-written or clobbered file.

The body goes to a uniquely named temporary file beside the target; only a complete body is
moved into place, and then only over an existing file when the caller allowed it. These are
blocking calls: the async half runs them in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

__all__ = ["commit_partial", "discard_partial", "open_partial"]


#: Bytes a file name may have on common file systems (ext4, APFS, NTFS in UTF-16 units).
MAX_NAME_BYTES = 255
# mkstemp adds 8 random characters; with the dots and ".part" the name grows by 15 bytes.
_TEMP_OVERHEAD = len("..") + 8 + len(".part")


def _temp_prefix(name: str) -> str:
    """``.name.`` with ``name`` cut (on a character boundary) so the temporary name fits."""
    budget = MAX_NAME_BYTES - _TEMP_OVERHEAD
    short = name.encode()[:budget].decode(errors="ignore")
    return f".{short}."


def open_partial(target: Path) -> tuple[BinaryIO, Path]:
    """
    Open a new temporary file next to ``target``; return it and its path.

    The temporary name starts with the target's name, shortened when needed so that it never
    exceeds 255 bytes even for a target name of 255 bytes. Its permissions are those the
    target will need: an existing target's mode, else what the umask leaves of ``rw-rw-rw-``
    (as ``open()`` would give), not the owner-only mode temporary files get.

    Raises:
        OSError: If the file cannot be created; its ``filename`` is ``target``, not the
            temporary name.
    """
    try:
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=_temp_prefix(target.name), suffix=".part"
        )
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    # A file system without modes keeps its default.
    with contextlib.suppress(OSError, NotImplementedError):
        os.chmod(fd, _mode_for(target))
    return os.fdopen(fd, "wb"), Path(name)


def _mode_for(target: Path) -> int:
    """The permission bits a new file at ``target`` should have."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def commit_partial(partial: Path, target: Path, overwrite: bool) -> None:
    """
    Move a complete download into place.

    Without ``overwrite`` the move fails if ``target`` appeared in the meantime: a hard link
    is created only when nothing exists at the name.

    Raises:
        FileExistsError: If ``target`` exists and ``overwrite`` is false.
    """
    if overwrite:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)
    except FileExistsError:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it") from None
    except OSError:  # a file system without hard links: check, then move
        if target.exists():
            raise FileExistsError(f"{target} exists; pass overwrite=True to replace it") from None
        os.replace(partial, target)
        return
    partial.unlink()


def discard_partial(partial: Path) -> None:
    """Remove a temporary file if it is still there."""
    partial.unlink(missing_ok=True)
