"""Atomic file writing: a temp file in the target's directory, then ``os.replace``.

Top-level (not under :mod:`refractor.io`) so light modules such as the KB loader can use it
without importing the readers; :mod:`refractor.io` re-exports it.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = "",
                 fsync: bool = True) -> Iterator[IO]:
    """Open ``path`` for writing so that it appears complete or not at all.

    Writes go to a temporary file in the same directory; on normal exit it is flushed,
    fsync'ed and renamed over ``path`` with :func:`os.replace` (atomic on POSIX and Windows).
    If the block raises, the temporary file is removed and ``path`` is left untouched.

    Parameters
    ----------
    path : str or Path
        Final file name. Its directory must exist.
    mode : {"w", "wb"}
        Text or binary.
    encoding, newline
        Passed to :func:`open` in text mode (ignored for ``"wb"``).
    fsync : bool
        Flush the data to disk before the rename (default). ``False`` for caches, where a
        lost file after a crash only costs recomputation.
    """
    if mode not in ("w", "wb"):
        raise ValueError("atomic_write mode must be 'w' or 'wb'")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode == "wb":
            fh = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        # mkstemp creates 0600 files; give the result the mode a plain open() would have
        # (the existing file's mode, else 0666 minus the umask) so outputs stay shareable.
        os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _final_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


__all__ = ["atomic_write"]
