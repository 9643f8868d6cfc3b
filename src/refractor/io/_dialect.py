"""How a delimited text file is laid out: its separator and quoting, R's row-names header, and why
a numeric-looking cell is not a number. Used by :func:`refractor.io._table.read_table`."""
from __future__ import annotations

import csv
import re


def split_prefix(data: bytes, skip_lines: int, comment: str | None) -> tuple[int, int]:
    """Byte offset and 1-based line number of the first line after skipped/comment/blank lines."""
    pos, line = 0, 1
    cbyte = comment.encode() if comment else None
    n = len(data)
    while pos < n:
        nl = data.find(b"\n", pos)
        end = n if nl < 0 else nl
        text = data[pos:end]
        if line <= skip_lines or not text.strip() or (cbyte and text.startswith(cbyte)):
            pos, line = end + 1, line + 1
            continue
        break
    return pos, line


def sniff_delimiter(data: bytes, *, skip_lines: int = 0, comment: str | None = "#") -> tuple[str, bool]:
    """``(delimiter, quoted)`` of a delimited text from its header line.

    Tab if the header holds one, else comma (CSV saved by Excel or R's ``write.csv``), else
    semicolon (Excel in locales whose decimal mark is a comma), else a single space (R
    ``write.table``'s default). ``quoted``: double quotes are parsed (always for CSV; for TSV when
    the header's names are quoted, R ``write.table``'s default).
    """
    pos, _ = split_prefix(data, skip_lines, comment)
    nl = data.find(b"\n", pos)
    head = data[pos: len(data) if nl < 0 else nl]
    for d in (b"\t", b",", b";", b" "):  # " ": R write.table's default separator, last resort
        if d in head.strip():  # CSV cells may be quoted wherever they hold the delimiter: always parse quotes
            return d.decode(), d != b"\t" or head.lstrip().startswith(b'"') or (d + b'"') in head
    return "\t", head.lstrip().startswith(b'"')


def row_names_column(data: bytes, start: int, comment: str | None, delimiter: str, quote: bool) -> int:
    """Number of fields on the first data line after ``start`` (0 if none)."""
    pos, n = start, len(data)
    while pos < n:
        nl = data.find(b"\n", pos)
        end = n if nl < 0 else nl
        text = data[pos:end]
        if text.strip() and not (comment and text.startswith(comment.encode())):
            line = text.decode("utf-8", "replace")
            if line.endswith(delimiter):
                return 0  # a trailing delimiter, not a row-names column
            if quote:
                return len(next(csv.reader([line], delimiter=delimiter)))
            return line.count(delimiter) + 1
        pos = end + 1
    return 0


def number_hint(text) -> str:
    """Why a cell that looks numeric is not: a decimal comma (``12,5``, spreadsheets in many
    locales) or a thousands separator (``1,234.5``)."""
    t = str(text).strip()
    if re.fullmatch(r"-?\d+,\d+", t):
        return " (decimal comma? write numbers with '.')"
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", t):
        return " (thousands separator? write numbers without ',')"
    return ""


__all__ = ["split_prefix", "sniff_delimiter", "row_names_column", "number_hint"]
