"""Delimited text tables (TSV/CSV, optionally gzip) read with pyarrow, with exact error lines.

A :class:`Table` keeps the selected columns as strings plus enough bookkeeping to map a row
back to its 1-based line in the file, so every later check (bad number, out-of-range value,
unknown build) can name the file, line and column.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from refractor.errors import InputError
from refractor.io._source import read_bytes

MISSING = ("", "NA", "N/A", "NaN", "nan", ".", "NULL", "null", "None")


@dataclass
class Table:
    """Selected columns of a delimited file as strings, with row -> line mapping."""

    path: str
    header: list[str]
    df: pd.DataFrame
    header_line: int | None
    first_data_line: int
    line_numbers: np.ndarray | None = None
    actual: dict[str, str] = field(default_factory=dict)  # canonical name -> name in file

    def __len__(self) -> int:
        return len(self.df)

    def lines(self) -> np.ndarray:
        """1-based file line of every row (int64 array)."""
        if self.line_numbers is not None:
            return self.line_numbers
        return np.arange(self.first_data_line, self.first_data_line + len(self.df), dtype=np.int64)

    def line(self, row: int) -> int:
        return int(self.lines()[row])

    def error(self, problem: str, row: int | None = None, column: str | None = None) -> InputError:
        col = self.actual.get(column, column) if column is not None else None
        line = self.line(row) if row is not None else self.header_line
        return InputError(problem, path=self.path, line=line, column=col)

    def sources(self) -> pd.Series:
        """``"path:line"`` for every row."""
        return pd.Series(self.lines()).astype(str).radd(f"{self.path}:").to_numpy()


def _split_prefix(data: bytes, skip_lines: int, comment: str | None) -> tuple[int, int]:
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


def _line_table(body: bytes, first_line: int, comment: str | None) -> tuple[bytes, np.ndarray]:
    """Drop blank/comment lines from ``body``; return the cleaned body and the data lines' numbers."""
    arr = np.frombuffer(body, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [len(body)]))
    keep = ends > starts
    if comment:
        first = np.where(keep, arr[np.minimum(starts, len(body) - 1)], 0)
        keep &= first != ord(comment)
    blank_ws = keep.copy()
    # whitespace-only lines count as blank
    for i in np.flatnonzero(keep & ((ends - starts) < 4)):
        if not body[starts[i]:ends[i]].strip():
            blank_ws[i] = False
    keep = blank_ws
    lines = np.flatnonzero(keep).astype(np.int64) + first_line
    cleaned = b"\n".join(body[s:e] for s, e in zip(starts[keep], ends[keep]))
    return cleaned, lines


def _locate_field_count(path: str, body: bytes, lines: np.ndarray, ncols: int, delim: str) -> InputError:
    d = delim.encode()
    for i, raw in enumerate(body.split(b"\n")):
        if i >= len(lines):
            break
        got = raw.count(d) + 1
        if got != ncols:
            return InputError(f"expected {ncols} fields, found {got}", path=path, line=int(lines[i]))
    return InputError("malformed table", path=path)


def resolve_columns(
    header: list[str], columns: dict[str, tuple[str, ...]], required: set[str], path: str, header_line: int | None
) -> dict[str, str]:
    """Map canonical names to the header's actual names using case-insensitive aliases."""
    lower = {h.strip().lower(): h for h in header}
    out: dict[str, str] = {}
    for canon, aliases in columns.items():
        for a in aliases:
            if a.lower() in lower:
                out[canon] = lower[a.lower()]
                break
        else:
            if canon in required:
                raise InputError(
                    f"missing required column {aliases[0]!r} (accepted names: {', '.join(aliases)}); "
                    f"header has: {', '.join(header[:12])}{' …' if len(header) > 12 else ''}",
                    path=path, line=header_line, column=aliases[0],
                )
    return out


def read_table(
    path: str | Path,
    *,
    columns: dict[str, tuple[str, ...]] | None = None,
    required: set[str] | frozenset[str] = frozenset(),
    delimiter: str = "\t",
    comment: str | None = "#",
    skip_lines: int = 0,
    names: list[str] | None = None,
    all_columns: bool = False,
    data: bytes | None = None,
) -> Table:
    """Read a delimited text file into a :class:`Table` of string columns.

    Parameters
    ----------
    columns
        Canonical column name -> accepted header names (case-insensitive, first match wins).
        Selected columns are renamed to the canonical names unless ``all_columns``.
    required
        Canonical names that must be present.
    comment
        Lines starting with this character are skipped (before the header and in the body).
    skip_lines
        Lines to skip unconditionally before the header (e.g. GCT's version and size lines).
    names
        Column names for a headerless file (then no header line is read).
    all_columns
        Keep every column under its own header name (``columns`` only validated).
    """
    spath = str(path)
    if data is None:
        data = read_bytes(path)
    pos, line = _split_prefix(data, skip_lines, comment)
    if pos >= len(data):
        raise InputError("no header or data lines (file holds only comments/blank lines)", path=spath)
    if names is None:
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        header = [h.strip() for h in data[pos:end].decode("utf-8").split(delimiter)]
        header_line: int | None = line
        body_start, first_data = end + 1, line + 1
    else:
        header, header_line, body_start, first_data = list(names), None, pos, line
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise InputError(f"duplicated column name {h!r}", path=spath, line=header_line, column=h)
        seen.add(h)
    actual = resolve_columns(header, columns or {}, set(required), spath, header_line)
    body = data[body_start:] if body_start < len(data) else b""
    line_numbers = None
    irregular = body.startswith(b"\n") or b"\n\n" in body or (
        comment is not None and (body.startswith(comment.encode()) or b"\n" + comment.encode() in body)
    ) or (body.strip() == b"" and body != b"")
    if irregular:
        body, line_numbers = _line_table(body, first_data, comment)
    include = list(header) if all_columns else list(dict.fromkeys(actual.values()))
    if not body.strip():
        df = pd.DataFrame({c: pd.Series(dtype=str) for c in include})
        line_numbers = np.zeros(0, dtype=np.int64)
    else:
        try:
            tab = pacsv.read_csv(
                io.BytesIO(body),
                read_options=pacsv.ReadOptions(column_names=header, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, newlines_in_values=False),
                convert_options=pacsv.ConvertOptions(
                    include_columns=include,
                    column_types={c: pa.string() for c in include},
                    strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            lines = line_numbers if line_numbers is not None else np.arange(first_data, first_data + body.count(b"\n") + 1)
            err = _locate_field_count(spath, body, lines, len(header), delimiter)
            if err.line is None:
                err = InputError(f"could not parse table ({exc})", path=spath)
            raise err from None
        df = tab.to_pandas()
    if not all_columns:
        df = pd.DataFrame({k: df[v] for k, v in actual.items()}, index=df.index)
    return Table(spath, header, df, header_line, first_data, line_numbers, actual)


def is_missing(values: pd.Series) -> np.ndarray:
    return values.str.strip().isin(MISSING).to_numpy()


def to_float(
    tab: Table,
    col: str,
    *,
    what: str,
    allow_missing: bool = True,
    lo: float | None = None,
    hi: float | None = None,
    values: pd.Series | None = None,
) -> np.ndarray:
    """Column ``col`` as float64; ``NaN`` where missing (if allowed). Bad values -> InputError."""
    s = tab.df[col] if values is None else values
    missing = is_missing(s)
    num = pd.to_numeric(s.where(~missing, None), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(num) & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise tab.error(f"{what}: {s.iloc[i]!r} is not a number", row=i, column=col)
    if not allow_missing and missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise tab.error(f"{what}: missing value {s.iloc[i]!r} (NA/NaN not allowed)", row=i, column=col)
    finite = np.isfinite(num) | np.isnan(num)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise tab.error(f"{what}: {s.iloc[i]!r} is not finite", row=i, column=col)
    for bound, test, word in ((lo, np.less, "below"), (hi, np.greater, "above")):
        if bound is not None:
            with np.errstate(invalid="ignore"):
                out = test(num, bound)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise tab.error(f"{what}: {s.iloc[i]!r} is {word} {bound:g}", row=i, column=col)
    return num


def to_int(tab: Table, col: str, *, what: str, lo: int | None = None) -> np.ndarray:
    """Column ``col`` as int64 (no missing values allowed)."""
    num = to_float(tab, col, what=what, allow_missing=False, lo=lo)
    frac = num != np.round(num)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise tab.error(f"{what}: {tab.df[col].iloc[i]!r} is not an integer", row=i, column=col)
    return num.astype(np.int64)


def require_nonempty(tab: Table, col: str, *, what: str) -> None:
    """Error at the first row where ``col`` is empty/missing."""
    miss = is_missing(tab.df[col])
    if miss.any():
        i = int(np.flatnonzero(miss)[0])
        raise tab.error(f"{what} is empty", row=i, column=col)


__all__ = ["Table", "read_table", "resolve_columns", "to_float", "to_int", "require_nonempty", "is_missing", "MISSING"]
