"""Cache files that cannot lie: trust checks, a private fallback folder and checksummed blobs.

A cache is only a faster way to get a value that can be recomputed, so any doubt about a
cache file means "recompute", never "trust". Three rules, used by every cache in Refractor
(the compiled KB database, the YAML parse cache):

* a cache file must be a regular file owned by the current user and writable by nobody else
  (another user could otherwise plant a database or a parse result that changes calls);
* its payload carries a hash of itself and of what it was built from, recomputed on load;
* a file that fails either check is reported with a :class:`~refractor.errors.CacheWarning`
  and rebuilt.

Top-level (not under :mod:`refractor.kb`) so the model compilation cache can share it.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import warnings
from pathlib import Path

from refractor.errors import CacheWarning

#: mode of the cache files written here: readable by all, writable by the owner only
CACHE_FILE_MODE = 0o644
_MAGIC = b"refractor-cache\x00"
_DIGEST = 32  # bytes of a sha256 digest


def untrusted_reason(path: Path, *, folder: bool = False) -> str | None:
    """Why the existing cache file ``path`` must not be trusted, or ``None`` if it may be.

    Refuses symbolic links, anything but a regular file (a folder with ``folder=True``),
    files owned by another user and files that the group or others may write.
    """
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if folder and not stat.S_ISDIR(st.st_mode):
        return "is not a folder"
    if not folder and not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    getuid = getattr(os, "getuid", None)
    if getuid is not None and st.st_uid != getuid():
        return f"is owned by user id {st.st_uid}, not by you (user id {getuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by other users (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def warn_rebuild(path: Path, reason: str, what: str) -> None:
    """The one message for a cache file that is ignored and rebuilt."""
    warnings.warn(CacheWarning(path, reason, what), stacklevel=3)


def private_temp_dir() -> Path:
    """A cache folder in the shared temp directory that only the current user can write.

    ``<tmp>/refractor-cache-<uid>`` created with mode 0700; if that name is taken by
    something this user does not own, or others may write it, a fresh ``mkdtemp`` folder
    is used instead (never a folder someone else prepared).
    """
    uid = getattr(os, "getuid", lambda: None)()
    base = Path(tempfile.gettempdir()) / f"refractor-cache-{uid if uid is not None else 'user'}"
    with contextlib.suppress(FileExistsError):
        base.mkdir(mode=0o700)
    try:
        st = os.lstat(base)
    except OSError:
        return Path(tempfile.mkdtemp(prefix="refractor-cache-"))
    if (not stat.S_ISDIR(st.st_mode) or (uid is not None and st.st_uid != uid)
            or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return Path(tempfile.mkdtemp(prefix="refractor-cache-"))
    return base


def seal(payload: bytes, source_digest: bytes) -> bytes:
    """``payload`` framed with the digest of its source and its own sha256 digest."""
    if len(source_digest) != _DIGEST:
        raise ValueError("source_digest must be a sha256 digest")
    return _MAGIC + source_digest + hashlib.sha256(payload).digest() + payload


def unseal(blob: bytes, source_digest: bytes) -> bytes:
    """The payload of a :func:`seal`-ed blob; ``ValueError`` naming the mismatch otherwise."""
    head = len(_MAGIC)
    if len(blob) < head + 2 * _DIGEST or not blob.startswith(_MAGIC):
        raise ValueError("not a Refractor cache file (truncated or foreign)")
    if blob[head:head + _DIGEST] != source_digest:
        raise ValueError("built from other source content")
    payload = blob[head + 2 * _DIGEST:]
    if hashlib.sha256(payload).digest() != blob[head + _DIGEST:head + 2 * _DIGEST]:
        raise ValueError("payload does not match its stored hash (altered or corrupted)")
    return payload


def write_cache_file(path: Path, blob: bytes, *, mode: int = CACHE_FILE_MODE) -> None:
    """Write ``blob`` to ``path`` atomically (a temporary file in the same folder, created
    private by ``mkstemp``, then renamed over ``path``) with file mode ``mode``: default
    :data:`CACHE_FILE_MODE`; the service's state files use 0600."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


__all__ = ["CACHE_FILE_MODE", "private_temp_dir", "seal", "unseal", "untrusted_reason", "warn_rebuild",
           "write_cache_file"]
