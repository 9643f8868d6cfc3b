"""MAF (GDC/TCGA Mutation Annotation Format) reading and annotated-copy writing."""
from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from refractor.errors import InputError
from refractor.io._atomic import atomic_write
from refractor.io._genes import normalise_gene_column
from refractor.io._consequence import maf_consequence, normalise_protein_changes
from refractor.io._limits import IOLimits
from refractor.io._source import read_bytes
from refractor.io._table import read_table, require_nonempty, stripped, to_float
from refractor.reference import agree, resolve_build
from refractor.io._attrs import set_attrs

MAF_COLUMNS: dict[str, tuple[str, ...]] = {
    "gene": ("Hugo_Symbol",),
    "classification": ("Variant_Classification",),
    "sample": ("Tumor_Sample_Barcode",),
    # GDC writes HGVSp_Short; TCGA legacy / maftools example MAFs use Protein_Change or
    # amino_acid_change (without the "p." prefix, which is added).
    "protein": ("HGVSp_Short", "Protein_Change", "amino_acid_change", "HGVSp"),
    "t_alt_count": ("t_alt_count",),
    "t_depth": ("t_depth",),
    "tumor_f": ("tumor_f",),  # MuTect: allele fraction 0..1
    "vaf_percent": ("i_TumorVAF_WU",),  # WashU TCGA MAFs: allele fraction in percent
    "build": ("NCBI_Build",),
    "entrez": ("Entrez_Gene_Id",),
}


def _declared_build(tab, build: str | None) -> str | None:
    if not tab.has("build"):
        return build
    col = stripped(tab, "build")
    found: dict[str, int] = {}
    for u in pc.unique(col).to_pylist():
        if u is None or u in ("", "NA", "."):
            continue
        row = pc.index(col, u).as_py()
        b = resolve_build(u, path=tab.path, line=tab.line(row), column=tab.actual.get("build"))
        found[b] = min(found.get(b, row), row)
    where = {b: dict(path=tab.path, line=tab.line(r), column=tab.actual.get("build")) for b, r in found.items()}
    claims = sorted(((b, f"NCBI_Build on line {w['line']}", w) for b, w in where.items()), key=lambda c: c[2]["line"])
    declared = agree(claims, requested=build)
    return declared if declared is not None else build


def _vaf(tab) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(vaf, alt_count, depth)``; the counts are None when the MAF has no t_alt_count/t_depth."""
    n = len(tab)
    if tab.has("t_alt_count") and tab.has("t_depth"):
        alt = to_float(tab, "t_alt_count", what="t_alt_count", lo=0)
        dep = to_float(tab, "t_depth", what="t_depth", lo=0)
        over = alt > dep
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise tab.error(f"t_alt_count {alt[i]:g} exceeds t_depth {dep[i]:g}", row=i, column="t_alt_count")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(dep > 0, alt / dep, np.nan), alt, dep
    if tab.has("tumor_f"):
        return to_float(tab, "tumor_f", what="tumor_f (allele fraction)", lo=0, hi=1), None, None
    if tab.has("vaf_percent"):
        return (to_float(tab, "vaf_percent", what="i_TumorVAF_WU (allele fraction, %)", lo=0, hi=100) / 100.0,
                None, None)
    return np.full(n, np.nan), None, None


def read_maf(path: str | Path, *, build: str | None = None, limits: IOLimits | None = None,
             genes: Iterable[str] | None = None) -> pd.DataFrame:
    """Read a MAF into the cohort ``variants`` table.

    Parameters
    ----------
    path
        MAF file (plain or gzip). ``#`` comment lines (e.g. ``#version 2.4``) are allowed.
    build
        Expected genome build; an ``NCBI_Build`` column that disagrees is an error.
    limits
        Input caps (default: the resolved settings' :class:`~refractor.io.IOLimits`).
    genes
        Keep only the variants of these genes (HGNC symbols, after the renames below), e.g. the
        genes a knowledge base's rules name: every row is still read and checked, and the index
        still gives each kept row's data-row number. Default: every variant.

    Returns
    -------
    DataFrame
        Columns ``sample gene consequence protein_change vaf source`` in file order; the
        index is the 0-based data-row number (the key :func:`write_annotated_maf` uses).
        ``attrs``: ``build`` (declared or requested, may be None), ``samples`` (every
        ``Tumor_Sample_Barcode`` in the file), ``path``.
        ``vaf`` = t_alt_count / t_depth (else ``tumor_f``, else ``i_TumorVAF_WU`` / 100, else NaN);
        with t_alt_count and t_depth, also the optional columns ``alt_count`` and ``depth``.
        ``gene``: ``Hugo_Symbol``, except that a symbol HGNC has renamed since (not in the shipped
        table) is replaced through ``Entrez_Gene_Id`` when the MAF has one
        (``attrs["renamed_genes"]`` lists ``{old: new}``; see :mod:`refractor.io._genes`).
    """
    build = resolve_build(build, default=None, path=path)
    tab = read_table(path, columns=MAF_COLUMNS, required={"gene", "classification", "sample"},
                     float_columns=["t_alt_count", "t_depth", "tumor_f", "vaf_percent"], limits=limits)
    for col, what in (("gene", "Hugo_Symbol"), ("sample", "Tumor_Sample_Barcode"), ("classification", "Variant_Classification")):
        require_nonempty(tab, col, what=what)
    declared = _declared_build(tab, build)
    sample = stripped(tab, "sample")
    n = len(tab)
    vaf, alt, depth = _vaf(tab)
    sym, renamed = normalise_gene_column(stripped(tab, "gene"),
                                         stripped(tab, "entrez") if tab.has("entrez") else None)
    rows = None  # the data rows kept (None: all)
    if genes is not None:
        rows = np.flatnonzero(pd.Series(sym).isin(set(genes)).to_numpy())

    def kept(col):
        return col if rows is None else pc.take(col, pa.array(rows, pa.int64()))

    table = pa.table(
        {
            "sample": kept(sample),
            "gene": kept(pa.array(sym, pa.string())),
            "consequence": maf_consequence(kept(stripped(tab, "classification"))),
            "protein_change": (normalise_protein_changes(kept(tab.col("protein"))) if tab.has("protein")
                               else pa.array([""] * (n if rows is None else len(rows)), pa.string())),
            "vaf": kept(pa.array(vaf, pa.float64())),
            "source": kept(tab.sources()),
            **({"alt_count": kept(pa.array(alt, pa.float64())),
                "depth": kept(pa.array(depth, pa.float64()))} if alt is not None else {}),
        }
    )
    out = table.to_pandas()
    if rows is not None:
        out.index = pd.Index(rows)
    samples = sorted(s for s in pc.unique(sample).to_pylist() if s is not None)
    set_attrs(out, build=declared, samples=samples, path=str(path), renamed_genes=renamed)
    return out


def write_annotated_maf(
    maf_path: str | Path, extra_columns: pd.DataFrame, out_path: str | Path, *, key: str = "row"
) -> None:
    """Write a copy of ``maf_path`` with ``extra_columns`` appended, atomically.

    Comment lines, the header and every original column are kept byte-for-byte in their
    order; the new columns are appended at the right. ``extra_columns`` is indexed by the
    0-based data-row number (``key="row"``: the index of :func:`read_maf`'s result) or by the
    1-based file line (``key="line"``: the number after the colon in a variant's ``source``).
    Rows it lacks get empty cells, NaN becomes empty. ``out_path`` ending in ``.gz`` is
    gzip-compressed. The output appears only when complete (:func:`~refractor.io.atomic_write`).
    """
    if key not in ("row", "line"):
        raise ValueError("key must be 'row' or 'line'")
    data = read_bytes(maf_path)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    is_body = [bool(ln.strip()) and not ln.startswith(b"#") for ln in lines]
    body_idx = [i for i, b in enumerate(is_body) if b]
    if not body_idx:
        raise InputError("MAF has no header line", path=maf_path)
    header_i, data_idx = body_idx[0], body_idx[1:]
    header = lines[header_i].decode("utf-8").split("\t")
    clash = [c for c in extra_columns.columns if c in header]
    if clash:
        raise InputError(f"annotation columns already present in the MAF: {', '.join(map(str, clash))}", path=maf_path, line=header_i + 1)
    n = len(data_idx)
    if key == "line":
        row_of = {i + 1: r for r, i in enumerate(data_idx)}
        unknown = [ln for ln in extra_columns.index if ln not in row_of]
        if unknown:
            raise InputError(f"annotation line {unknown[0]} is not a data line of the MAF", path=maf_path)
        extra_columns = extra_columns.set_axis([row_of[ln] for ln in extra_columns.index], axis=0)
    bad = extra_columns.index[(extra_columns.index < 0) | (extra_columns.index >= n)] if n else extra_columns.index
    if len(bad):
        raise InputError(f"annotation row {bad[0]} is outside the MAF's {n} data rows", path=maf_path)
    extra = extra_columns.reindex(range(n))
    joined = None
    for c in extra.columns:
        col = extra[c]
        txt = col.astype(object).where(col.notna(), "").astype(str).str.replace("\t", " ").str.replace("\n", " ")
        joined = txt if joined is None else joined + "\t" + txt
    suffix = ("\t" + "\t".join(map(str, extra.columns))).encode() if len(extra.columns) else b""
    lines[header_i] = lines[header_i] + suffix
    if joined is not None:
        for i, add in zip(data_idx, joined.tolist()):
            lines[i] = lines[i] + b"\t" + add.encode("utf-8")
    payload = b"\n".join(lines) + b"\n"
    out_path = Path(out_path)
    with atomic_write(out_path, "wb") as fh:
        if out_path.suffix == ".gz":
            with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
                gz.write(payload)
        else:
            fh.write(payload)


__all__ = ["read_maf", "write_annotated_maf", "MAF_COLUMNS"]
