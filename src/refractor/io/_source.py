"""Reading a user file's bytes safely: existence, gzip integrity, binary junk, UTF-8.

Every problem becomes an :class:`~refractor.errors.InputError` naming the file and, where it
can be located, the line.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from refractor.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def read_bytes(path: str | Path) -> bytes:
    """The decoded-safe content of ``path`` (gunzipped if gzip), as UTF-8 bytes with ``\\n`` lines.

    Checks, in order: the file exists and is a file; it is not empty; a gzip stream is
    complete (truncated or corrupt gzip -> error); no NUL bytes (binary junk); valid UTF-8.
    A UTF-8 byte-order mark is dropped; ``\\r\\n`` and bare ``\\r`` line ends become ``\\n``.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=path)
    if not p.is_file():
        raise InputError("not a regular file", path=path)
    data = p.read_bytes()
    if not data:
        raise InputError("file is empty", path=path)
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise InputError(f"truncated or corrupt gzip file ({exc})", path=path) from None
        if not data:
            raise InputError("file is empty (empty gzip stream)", path=path)
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


__all__ = ["read_bytes"]
