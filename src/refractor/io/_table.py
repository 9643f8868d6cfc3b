"""Delimited text tables (TSV/CSV, optionally gzip) read with pyarrow, with exact error lines.

A :class:`Table` keeps the selected columns as strings plus enough bookkeeping to map a row
back to its 1-based line in the file, so every later check (bad number, out-of-range value,
unknown build) can name the file, line and column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from refractor.errors import InputError
from refractor.io._dialect import number_hint, row_names_column, sniff_delimiter
from refractor.io._dialect import split_prefix as _split_prefix
from refractor.io._limits import IOLimits, resolve_limits
from refractor.io._source import read_bytes

MISSING = ("", "NA", "N/A", "NaN", "nan", ".", "NULL", "null", "None")


@dataclass
class Table:
    """Selected columns of a delimited file as strings, with row -> line mapping.

    ``arrow`` holds the columns (canonical names) as a pyarrow Table; ``df`` is the same as
    pandas, converted on first use.
    """

    path: str
    header: list[str]
    arrow: pa.Table
    header_line: int | None
    first_data_line: int
    line_numbers: np.ndarray | None = None
    actual: dict[str, str] = field(default_factory=dict)  # canonical name -> name in file
    _df: pd.DataFrame | None = None

    def __len__(self) -> int:
        return self.arrow.num_rows

    @property
    def df(self) -> pd.DataFrame:
        if self._df is None:
            self._df = self.arrow.to_pandas()
        return self._df

    def has(self, col: str) -> bool:
        return col in self.arrow.column_names

    def col(self, col: str) -> pa.ChunkedArray:
        return self.arrow.column(col)

    def lines(self) -> np.ndarray:
        """1-based file line of every row (int64 array)."""
        if self.line_numbers is not None:
            return self.line_numbers
        return np.arange(self.first_data_line, self.first_data_line + len(self), dtype=np.int64)

    def line(self, row: int) -> int:
        return int(self.lines()[row])

    def error(self, problem: str, row: int | None = None, column: str | None = None) -> InputError:
        col = self.actual.get(column, column) if column is not None else None
        line = self.line(row) if row is not None else self.header_line
        return InputError(problem, path=self.path, line=line, column=col)

    def sources(self) -> pa.Array:
        """``"path:line"`` for every row (pyarrow string array)."""
        return pc.binary_join_element_wise(pa.scalar(f"{self.path}:"), pc.cast(pa.array(self.lines()), pa.string()), "")


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
    delimiter: str | None = "\t",
    comment: str | None = "#",
    skip_lines: int = 0,
    names: list[str] | None = None,
    all_columns: bool = False,
    data: bytes | None = None,
    float_columns: list[str] | None = None,
    limits: IOLimits | None = None,
    row_names: bool = False,
) -> Table:
    """Read a delimited text file into a :class:`Table` of string columns.

    Parameters
    ----------
    columns
        Canonical column name -> accepted header names (case-insensitive, first match wins).
        Selected columns are renamed to the canonical names unless ``all_columns``.
    required
        Canonical names that must be present.
    delimiter
        Field separator; ``None``: sniffed from the header line (:func:`sniff_delimiter`).
    comment
        Lines starting with this character are skipped (before the header and in the body).
    skip_lines
        Lines to skip unconditionally before the header (e.g. GCT's version and size lines).
    names
        Column names for a headerless file (then no header line is read).
    all_columns
        Keep every column under its own header name (``columns`` only validated).
    float_columns
        Header names to parse directly as float64 (missing tokens -> null). If any cell
        fails to parse, the table is re-read as text so the caller can locate the bad cell.
    row_names
        A matrix whose first data line has one field more than the header is R ``write.table``
        output with row names: the header gains an unnamed first column. (A trailing delimiter,
        an empty last field, is not taken for that.)
    limits
        Caps on size, columns and cell length (default: :func:`~refractor.io._limits.resolve_limits`).
    """
    spath = str(path)
    limits = resolve_limits(limits)
    if data is None:
        data = read_bytes(path, limits=limits)
    pos, line = _split_prefix(data, skip_lines, comment)
    quote = False
    if delimiter is None:
        delimiter, quote = sniff_delimiter(data, skip_lines=skip_lines, comment=comment)
    if pos >= len(data):
        raise InputError("no header or data lines (file holds only comments/blank lines)", path=spath)
    if names is None:
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        header = [h.strip() for h in data[pos:end].decode("utf-8").split(delimiter)]
        if quote:
            header = [h[1:-1] if len(h) >= 2 and h[0] == h[-1] == '"' else h for h in header]
        header_line: int | None = line
        body_start, first_data = end + 1, line + 1
        if row_names and row_names_column(data, body_start, comment, delimiter, quote) == len(header) + 1:
            header = [""] + header  # R write.table(row.names=TRUE): no header cell for the row names
    else:
        header, header_line, body_start, first_data = list(names), None, pos, line
    if len(header) > limits.max_columns:
        raise InputError(limits.exceeded("max_columns", f"number of columns ({len(header):,})"),
                         path=spath, line=header_line)
    long_head = [h for h in header if len(h) > limits.max_cell_chars]
    if long_head:
        raise InputError(limits.exceeded("max_cell_chars", f"column name of {len(long_head[0]):,} characters"),
                         path=spath, line=header_line)
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise InputError(f"duplicated column name {h!r}", path=spath, line=header_line, column=h)
        seen.add(h)
    actual = resolve_columns(header, columns or {}, set(required), spath, header_line)
    body = memoryview(data)[body_start:] if body_start < len(data) else memoryview(b"")
    line_numbers = None
    cb = comment.encode() if comment is not None else None
    irregular = data.find(b"\n\n", body_start) >= 0 or data.startswith(b"\n", body_start) or (
        cb is not None and (data.startswith(cb, body_start) or data.find(b"\n" + cb, body_start) >= 0)
    )
    if irregular:
        body, line_numbers = _line_table(bytes(body), first_data, comment)
        body = memoryview(body)
    include = list(header) if all_columns else list(dict.fromkeys(actual.values()))
    if len(body) == 0 or bytes(body[:64]).isspace() and bytes(body).isspace():
        tab = pa.table({c: pa.array([], type=pa.string()) for c in include})
        line_numbers = np.zeros(0, dtype=np.int64)
    else:
        types = {c: pa.string() for c in include}
        if float_columns:
            inc = set(include)
            types.update({actual.get(c, c): pa.float64() for c in float_columns if actual.get(c, c) in inc})
        try:
            tab = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(body)),
                read_options=pacsv.ReadOptions(column_names=header, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quote else False,
                                                 newlines_in_values=False),
                convert_options=pacsv.ConvertOptions(
                    include_columns=include,
                    column_types=types,
                    strings_can_be_null=False,
                    null_values=list(MISSING) + ["-NaN", "-nan", "#N/A"],
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            if float_columns and "conversion error" in str(exc).lower():
                # a non-numeric cell: re-read as text so the caller's check can name its line
                return read_table(path, columns=columns, required=required,
                                  delimiter=None if quote else delimiter, comment=comment,
                                  skip_lines=skip_lines, names=names, all_columns=all_columns, data=data,
                                  limits=limits)
            raw = bytes(body)
            lines = line_numbers if line_numbers is not None else np.arange(first_data, first_data + raw.count(b"\n") + 1)
            err = _locate_field_count(spath, raw, lines, len(header), delimiter)
            if err.line is None:
                err = InputError(f"could not parse table ({exc})", path=spath)
            raise err from None
    if not all_columns:
        tab = pa.table({k: tab.column(v) for k, v in actual.items()})
    out = Table(spath, header, tab, header_line, first_data, line_numbers, actual)
    _check_cell_length(out, limits)
    return out


def _check_cell_length(tab: Table, limits: IOLimits) -> None:
    """Error at the first cell longer than ``limits.max_cell_chars`` (string columns only)."""
    for name in tab.arrow.column_names:
        col = tab.col(name)
        if not pa.types.is_string(col.type) or len(col) == 0:
            continue
        n = pc.utf8_length(col)
        longest = pc.max(n).as_py()
        if longest is not None and longest > limits.max_cell_chars:
            row = pc.index(n, longest).as_py()
            raise tab.error(limits.exceeded("max_cell_chars", f"cell of {longest:,} characters"), row=row, column=name)


def is_missing(values: pd.Series) -> np.ndarray:
    """Missing-value tokens in a pandas string Series."""
    return values.astype(str).str.strip().isin(MISSING).to_numpy()


def _arrow_missing(arr) -> np.ndarray:
    arr = pc.utf8_trim_whitespace(arr)
    return pc.fill_null(pc.is_in(arr, value_set=pa.array(MISSING)), True).to_numpy(zero_copy_only=False)


def stripped(tab: Table, col: str) -> pa.ChunkedArray:
    """Column as trimmed strings (arrow)."""
    c = tab.col(col)
    return pc.utf8_trim_whitespace(c) if pa.types.is_string(c.type) else pc.cast(c, pa.string())


def to_float(
    tab: Table,
    col: str,
    *,
    what: str,
    allow_missing: bool = True,
    lo: float | None = None,
    hi: float | None = None,
) -> np.ndarray:
    """Column ``col`` as float64; ``NaN`` where missing (if allowed). Bad values -> InputError."""
    c = tab.col(col)
    if pa.types.is_floating(c.type) or pa.types.is_integer(c.type):
        num = pc.cast(c, pa.float64()).to_numpy().astype(np.float64, copy=False)
        missing = np.isnan(num)
        text = None
    else:
        missing = _arrow_missing(c)
        cleaned = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), pc.utf8_trim_whitespace(c))
        try:
            num = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            s = pd.Series(cleaned.to_pylist(), dtype=object)
            num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isnan(num) & ~missing
            i = int(np.flatnonzero(bad)[0]) if bad.any() else 0
            raise tab.error(f"{what}: {c[i].as_py()!r} is not a number{number_hint(c[i].as_py())}", row=i,
                            column=col) from None
        text = c

    def shown(i: int) -> str:
        return repr(text[i].as_py()) if text is not None else f"{num[i]!r}"

    if not allow_missing and missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise tab.error(f"{what}: missing value {shown(i)} (NA/NaN not allowed)", row=i, column=col)
    inf = np.isinf(num)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise tab.error(f"{what}: {shown(i)} is not finite", row=i, column=col)
    for bound, test, word in ((lo, np.less, "below"), (hi, np.greater, "above")):
        if bound is not None:
            with np.errstate(invalid="ignore"):
                out = test(num, bound)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise tab.error(f"{what}: {shown(i)} is {word} {bound:g}", row=i, column=col)
    return num


def to_int(tab: Table, col: str, *, what: str, lo: int | None = None) -> np.ndarray:
    """Column ``col`` as int64 (no missing values allowed)."""
    num = to_float(tab, col, what=what, allow_missing=False, lo=lo)
    big = np.abs(num) > 2.0**53  # beyond exact float integers (and int64 casts that wrap)
    if big.any():
        i = int(np.flatnonzero(big)[0])
        raise tab.error(f"{what}: {tab.col(col)[i].as_py()!r} is too large", row=i, column=col)
    frac = num != np.round(num)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise tab.error(f"{what}: {tab.col(col)[i].as_py()!r} is not an integer", row=i, column=col)
    return num.astype(np.int64)


def require_nonempty(tab: Table, col: str, *, what: str) -> None:
    """Error at the first row where ``col`` is empty/missing."""
    miss = _arrow_missing(tab.col(col))
    if miss.any():
        i = int(np.flatnonzero(miss)[0])
        raise tab.error(f"{what} is empty", row=i, column=col)


__all__ = ["Table", "read_table", "resolve_columns", "to_float", "to_int", "require_nonempty", "is_missing", "stripped", "MISSING"]
