"""VCF data lines checked in Python before htslib parses them.

htslib (through cyvcf2 0.35) is not a safe judge of a malformed record: a genotype that is not a
number (``GT`` ``x/1``) in a VCF without ``##contig`` lines kills the process with a segmentation
fault (cyvcf2 reads the record's error code after freeing it), and without ``##contig`` lines it
also accepts, silently, a record of six columns or a ``POS`` that is not a number (the record is
then dropped or misplaced). With ``##contig`` lines the same records raise an exception whose text
names neither the line nor the field. So every data line is checked here first, against the
header: the number of columns, ``POS``, and each sample's ``FORMAT`` values of the types htslib
converts (``GT``, ``Integer``, ``Float``), with as many values as a ``Number=R`` (one per allele:
``AD``) or ``Number=A`` (one per ALT: ``AF``) field must hold; htslib accepts ``AD`` ``70,30,50`` on a
one-ALT record, and the allele fraction would read 30/150. A bad line is an
:class:`~refractor.errors.InputError` naming the file, the line and the column (the sample) with what
is wrong.

One regular expression per distinct (``FORMAT``, number of ALT alleles) pair matches all sample
cells of a line at once, so the check costs one ``split`` and one match per line.
"""
from __future__ import annotations

import re

from refractor.errors import InputError

_POS = re.compile(r"[0-9]{1,10}")
_POS_MAX = 2**31 - 1  # htslib's limit with ##contig lines; far beyond any human chromosome
# htslib converts Integer FORMAT values to int32 (a larger value silently becomes "missing"):
# nine digits keep every value in range (read counts, depths and phase sets are far smaller)
_INT = r"(?:[+-]?[0-9]{1,9}|\.)?"
_FLOAT = (r"(?:[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?"
          r"|[nN][aA][nN])|\.)?")
_STR = r"[^:\t]*"


def _list(item: str) -> str:
    return f"{item}(?:,{item})*"


def _gt(n_alt: int) -> str:
    allele = f"(?:\\.|[0-{n_alt}])" if n_alt <= 9 else r"(?:\.|[0-9]{1,9})"
    return f"{allele}(?:[/|]{allele})*"


def format_types(header_lines: list[str]) -> dict[str, tuple[str, str]]:
    """``FORMAT`` id -> declared ``(Type, Number)`` (Integer/Float/String/Character; 1, A, R, G, . ...)."""
    out = {}
    for ln in header_lines:
        if ln.startswith("##FORMAT=<"):
            m_id = re.search(r"[<,]ID=([^,>]+)", ln)
            m_ty = re.search(r"[<,]Type=([^,>]+)", ln)
            m_n = re.search(r"[<,]Number=([^,>]+)", ln)
            if m_id and m_ty:
                out[m_id.group(1)] = (m_ty.group(1), m_n.group(1) if m_n else ".")
    return out


def _values(key: str, types: dict[str, tuple[str, str]], n_alt: int) -> int | None:
    """How many values a numeric field must hold: Number=R one per allele (REF and each ALT),
    Number=A one per ALT, else any number (None)."""
    number = types.get(key, ("", "."))[1]
    return n_alt + 1 if number == "R" else (n_alt if number == "A" else None)


def _value_rx(key: str, types: dict[str, tuple[str, str]], n_alt: int) -> str:
    if key == "GT":
        return _gt(n_alt)
    ty = types.get(key, ("String", "."))[0]
    if ty not in ("Integer", "Float"):
        return _STR
    item = _INT if ty == "Integer" else _FLOAT
    n = _values(key, types, n_alt)
    # AD with Number=R holds REF and ALT depths: an extra or a missing value shifts the allele fraction
    if n is None:
        return _list(item)
    return r"\.?" if n == 0 else f"(?:\\.?|{item}(?:,{item}){{{n - 1}}})"


def _cells_rx(keys: list[str], types: dict[str, str], n_alt: int, n_samples: int) -> re.Pattern:
    """All sample cells of a line: ``v1(:v2(:v3)?)?`` per cell (trailing values may be dropped)."""
    cell = ""
    for k in reversed(keys[1:]):
        cell = f"(?::{_value_rx(k, types, n_alt)}{cell})?"
    cell = f"(?:{_value_rx(keys[0], types, n_alt)}{cell})"
    return re.compile(cell + (f"(?:\t{cell}){{{n_samples - 1}}}" if n_samples > 1 else ""))


def _diagnose(keys: list[str], fmt: str, cells: list[str], samples: list[str], types: dict[str, str],
              n_alt: int, spath: str, line: int) -> InputError:
    """The first bad sample value of a line whose cells did not match (the slow path)."""
    for s, cell in zip(samples, cells):
        values = cell.split(":")
        if len(values) > len(keys):
            return InputError(f"sample {s} has {len(values)} ':'-separated values but FORMAT {fmt!r} names "
                              f"{len(keys)}", path=spath, line=line, column=s)
        for k, v in zip(keys, values):
            if re.fullmatch(_value_rx(k, types, n_alt), v):
                continue
            if k == "GT":
                why = (f"is not a genotype: allele numbers 0 to {n_alt} (the record has {n_alt} ALT "
                       f"allele{'s' if n_alt != 1 else ''}) or '.', separated by '/' or '|'")
            elif (n := _values(k, types, n_alt)) is not None and v.count(",") + 1 != n and re.fullmatch(
                    _list(_INT if types[k][0] == "Integer" else _FLOAT), v):
                why = (f"has {v.count(',') + 1} value(s), but FORMAT {k} has Number={types[k][1]}: {n} for a record with "
                       f"{n_alt} ALT allele{'s' if n_alt != 1 else ''} (or '.')")
            elif types.get(k, ("",))[0] == "Integer":
                why = "is not a whole number below 1,000,000,000 (or '.'; a list separated by ',')"
            else:
                why = "is not a number (or '.'; a list separated by ',')"
            return InputError(f"FORMAT/{k} of sample {s}: {v!r} {why}", path=spath, line=line, column=s)
    return InputError("malformed sample columns", path=spath, line=line)  # pragma: no cover - not reached


def check_records(data: bytes, body_start: int, header_lines: list[str], spath: str) -> None:
    """InputError at the first data line htslib would reject, misread or crash on (see module doc).

    ``data``: the whole (decompressed, ``\\n``-normalised) file; ``body_start``: byte offset of the
    first record; ``header_lines``: the ``#`` lines, the last being ``#CHROM``.
    """
    columns = header_lines[-1].split("\t")
    ncols = len(columns)
    if ncols < 8:
        raise InputError(f"the #CHROM line has {ncols} tab-separated column(s); a VCF has at least 8 (CHROM POS ID "
                         "REF ALT QUAL FILTER INFO)", path=spath, line=len(header_lines))
    samples = columns[9:]
    types = format_types(header_lines)
    cache: dict[tuple[str, int], tuple[list[str], re.Pattern]] = {}
    body = data[body_start:].decode("utf-8")
    if body.endswith("\n"):
        body = body[:-1]
    if not body:
        return
    for line, ln in enumerate(body.split("\n"), start=len(header_lines) + 1):
        n = ln.count("\t") + 1
        if n != ncols and not (ncols == 9 and n == 8):
            if not ln.strip():
                raise InputError("empty line among the records", path=spath, line=line)
            if ln.startswith("#"):
                raise InputError("header ('#') line after the first record", path=spath, line=line)
            raise InputError(f"expected {ncols} tab-separated columns (as the #CHROM line), found {n}",
                             path=spath, line=line)
        f = ln.split("\t", 9)
        for i, name in ((0, "CHROM"), (3, "REF"), (4, "ALT")):
            if not f[i].strip():
                raise InputError(f"{name} is empty (write '.' for no ALT allele)" if i == 4 else f"{name} is empty",
                                 path=spath, line=line, column=name)
        if not _POS.fullmatch(f[1]) or int(f[1]) > _POS_MAX:
            raise InputError(f"POS {f[1]!r} is not a whole number from 0 to {_POS_MAX:,}", path=spath, line=line,
                             column="POS")
        if not samples:
            continue
        fmt, n_alt = f[8], 0 if f[4] == "." else f[4].count(",") + 1
        hit = cache.get((fmt, n_alt))
        if hit is None:
            if not fmt or fmt == ".":
                raise InputError("FORMAT is empty but the VCF has sample columns", path=spath, line=line,
                                 column="FORMAT")
            keys = fmt.split(":")
            hit = cache[(fmt, n_alt)] = (keys, _cells_rx(keys, types, n_alt, len(samples)))
        keys, rx = hit
        if not rx.fullmatch(f[9]):
            raise _diagnose(keys, fmt, f[9].split("\t"), samples, types, n_alt, spath, line)


__all__ = ["check_records", "format_types"]
