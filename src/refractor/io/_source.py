"""Reading a user file's bytes safely: existence, size caps, gzip integrity, binary junk, UTF-8.

Every problem becomes an :class:`~refractor.errors.InputError` naming the file and, where it
can be located, the line.
"""
from __future__ import annotations

import errno
import gzip
import os
import stat
import zlib
from pathlib import Path

from refractor.errors import InputError
from refractor.io._limits import IOLimits, resolve_limits

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def check_input_file(path: str | Path, *, what: str = "file", where: dict | None = None) -> Path:
    """``path`` if it names a readable regular file, else the InputError that says why not.

    Distinguishes a missing file, a directory, a symbolic-link loop, a special file (FIFO,
    device) and an unreadable one, so the message says what is actually wrong. ``what`` names
    the file in the message (``"maf file"``); ``where`` overrides the error location (e.g. the
    samplesheet line that names the file).
    """
    loc = where if where is not None else dict(path=path)
    shown = "" if where is None else f": {path}"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{what} not found{shown}", **loc) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            problem = "is a symbolic link loop (too many levels of symbolic links)"
        elif exc.errno == errno.ENOTDIR:
            problem = "not found (a parent in the path is not a directory)"
        elif exc.errno == errno.ENAMETOOLONG:
            problem = "path is too long for the file system"
        elif exc.errno == errno.EACCES:
            problem = "cannot be read (permission denied)"
        else:
            problem = f"cannot be read ({exc.strerror or exc})"
        raise InputError(f"{what} {problem}{shown}", **loc) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{what} is a directory, not a file{shown}", **loc)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{what} is not a regular file (a FIFO, socket or device){shown}", **loc)
    return Path(path)


def _read_capped(path: str | Path, limits: IOLimits) -> bytes:
    """The file's bytes, gunzipped if gzip (all members, as bgzip writes), never more than the cap."""
    cap = limits.max_input_bytes
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
            fh.seek(0)
            if magic != GZIP_MAGIC:
                if os.fstat(fh.fileno()).st_size > cap:
                    raise InputError(limits.exceeded("max_input_bytes", "file size"), path=path)
                data = fh.read(cap + 1)  # bounded: files such as /proc/* report size 0
                if len(data) > cap:
                    raise InputError(limits.exceeded("max_input_bytes", "file size"), path=path)
                return data
            out = bytearray()
            try:
                with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                    while True:
                        chunk = gz.read(_CHUNK)
                        if not chunk:
                            break
                        out += chunk
                        if len(out) > cap:
                            raise InputError(limits.exceeded("max_input_bytes", "decompressed size"), path=path)
            except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
                raise InputError(f"truncated or corrupt gzip file ({exc})", path=path) from None
            if not out:
                raise InputError("file is empty (empty gzip stream)", path=path)
            return bytes(out)
    except OSError as exc:  # vanished or unreadable between the check and the read
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def read_bytes(path: str | Path, *, limits: IOLimits | None = None) -> bytes:
    """The decoded-safe content of ``path`` (gunzipped if gzip), as UTF-8 bytes with ``\\n`` lines.

    Checks, in order: the path names a regular file (:func:`check_input_file`); its content,
    counted while decompressing, stays within ``limits.max_input_bytes``; it is not empty; a
    gzip stream is complete (truncated or corrupt gzip -> error); no NUL bytes (binary junk);
    valid UTF-8. A UTF-8 byte-order mark is dropped; ``\\r\\n`` and bare ``\\r`` line ends
    become ``\\n``.
    """
    check_input_file(path)
    data = _read_capped(path, resolve_limits(limits))
    if not data:
        raise InputError("file is empty", path=path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError("binary data (NUL byte) where text was expected", path=path, line=_line_of(data, nul))
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not valid UTF-8 text (byte 0x{data[exc.start]:02x})", path=path, line=_line_of(data, exc.start)
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if data.isspace():
        raise InputError("file is empty (only white space)", path=path)
    if data.endswith(b"\n\n"):
        data = data.rstrip(b"\n") + b"\n"  # trailing blank lines: drop cheaply (no line renumbering needed)
    return data


__all__ = ["read_bytes", "check_input_file"]
