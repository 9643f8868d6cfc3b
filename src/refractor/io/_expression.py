"""Expression matrices (genes x samples, TPM): TSV with a gene column, or GCT 1.2."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from refractor.errors import InputError
from refractor.io._limits import IOLimits
from refractor.io._source import read_bytes
from refractor.io._table import MISSING, Table, _split_prefix, is_missing, read_table, stripped


def peek_header(data: bytes, *, skip_lines: int = 0, comment: str | None = "#", delimiter: str = "\t") -> list[str]:
    """Column names of a delimited file's header line (without parsing the body)."""
    pos, _ = _split_prefix(data, skip_lines, comment)
    nl = data.find(b"\n", pos)
    return [h.strip() for h in data[pos: len(data) if nl < 0 else nl].decode("utf-8").split(delimiter)]


def _matrix(tab: Table, value_cols: list[str], what: str, lo: float | None, hi: float | None, allow_missing: bool) -> np.ndarray:
    """The value columns as a float matrix (rows x cols); bad cells -> InputError at line/column."""
    ncol = len(value_cols)
    typed = all(pa.types.is_floating(tab.col(c).type) for c in value_cols)
    if typed:
        mat = np.empty((len(tab), ncol), dtype=np.float64)
        for j, c in enumerate(value_cols):
            mat[:, j] = tab.col(c).to_numpy()
        num = mat.ravel()
        missing = np.isnan(num)
        flat = None
    else:
        block = tab.df[value_cols].to_numpy(dtype=object)
        flat = pd.Series(block.ravel(order="C"), dtype=object)
        missing = flat.astype(str).str.strip().isin(MISSING).to_numpy()
        num = pd.to_numeric(flat.where(~missing, None), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def fail(mask: np.ndarray, msg: str) -> InputError:
        k = int(np.flatnonzero(mask)[0])
        r, c = divmod(k, ncol)
        shown = repr(flat.iloc[k]) if flat is not None else ("NA" if np.isnan(num[k]) else repr(float(num[k])))
        return InputError(f"{what}: {shown} {msg}", path=tab.path, line=tab.line(r), column=value_cols[c])

    if flat is not None and (np.isnan(num) & ~missing).any():
        raise fail(np.isnan(num) & ~missing, "is not a number")
    if not allow_missing and missing.any():
        raise fail(missing, "is missing (NA/NaN not allowed)")
    if np.isinf(num).any():
        raise fail(np.isinf(num), "is not finite")
    with np.errstate(invalid="ignore"):
        if lo is not None and (num < lo).any():
            raise fail(num < lo, f"is below {lo:g}")
        if hi is not None and (num > hi).any():
            raise fail(num > hi, f"is above {hi:g}")
    return num.reshape(len(tab), ncol)


def _check_unique(tab: Table, values: pd.Series, col: str, what: str) -> None:
    dup = values.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise tab.error(f"duplicated {what} {values.iloc[i]!r}", row=i, column=col)


def long_table(samples: list[str], features: np.ndarray, mat: np.ndarray, *, feature_col: str, value_col: str) -> pd.DataFrame:
    """Wide (features x samples) -> long ``sample feature value``, dropping NaN cells."""
    nf, ns = mat.shape
    vals = mat.T.ravel()  # sample-major
    keep = ~np.isnan(vals)
    s_idx = np.repeat(np.arange(ns), nf)[keep]
    f_idx = np.tile(np.arange(nf), ns)[keep]
    table = pa.table(
        {
            "sample": pc.take(pa.array(list(samples), type=pa.string()), pa.array(s_idx)),
            feature_col: pc.take(pa.array(list(features), type=pa.string()), pa.array(f_idx)),
            value_col: pa.array(vals[keep], type=pa.float64()),
        }
    )
    return table.to_pandas()


def read_expression(path: str | Path, *, limits: IOLimits | None = None) -> pd.DataFrame:
    """Read a genes x samples TPM matrix into the cohort ``expression`` table (long format).

    Formats: TSV whose first column holds gene symbols and whose other columns are samples;
    or GCT 1.2 (``#1.2`` / ``rows cols`` / ``Name Description samples…``). In a GCT whose
    ``Name`` holds Ensembl ids, the ``Description`` symbol is the gene and TPMs of rows with
    the same symbol are summed (TPM is additive); otherwise duplicated genes are an error.
    Values must be finite and >= 0 (NA, NaN or negative TPM -> InputError).

    Returns ``sample gene value`` (TPM); ``attrs``: ``samples``, ``path``.
    """
    data = read_bytes(path, limits=limits)
    gct = data.startswith(b"#1.2")
    if gct:
        head = peek_header(data, skip_lines=2, comment=None)
        tab = read_table(path, data=data, comment=None, skip_lines=2, all_columns=True, float_columns=head[2:],
                         limits=limits)
        if len(tab.header) < 3 or [h.lower() for h in tab.header[:2]] != ["name", "description"]:
            raise InputError("GCT header must start with Name<TAB>Description", path=path, line=3)
        sample_cols = tab.header[2:]
        names = pd.Series(stripped(tab, tab.header[0]).to_pylist(), dtype=object)
        desc = pd.Series(stripped(tab, tab.header[1]).to_pylist(), dtype=object)
        ensembl = names.str.match(r"^ENS[A-Z]*G\d+").to_numpy()
        use_desc = ensembl & ~is_missing(desc)
        genes = pd.Series(np.where(use_desc, desc.to_numpy(dtype=object), names.to_numpy(dtype=object)))
        sum_dups = bool(use_desc.any())
        gene_col = tab.header[0]
    else:
        head = peek_header(data)
        tab = read_table(path, data=data, all_columns=True, float_columns=head[1:], limits=limits)
        if len(tab.header) < 2:
            raise InputError("expression matrix needs a gene column and at least one sample column", path=path, line=tab.header_line)
        sample_cols = tab.header[1:]
        genes = pd.Series(stripped(tab, tab.header[0]).to_pylist(), dtype=object)
        sum_dups = False
        gene_col = tab.header[0]
    empty_gene = is_missing(genes.astype(str))
    if empty_gene.any():
        raise tab.error("gene name is empty", row=int(np.flatnonzero(empty_gene)[0]), column=gene_col)
    bad_s = [c for c in sample_cols if not c]
    if bad_s:
        raise InputError("empty sample column name", path=path, line=tab.header_line)
    mat = _matrix(tab, sample_cols, "TPM", 0.0, None, allow_missing=False)
    if sum_dups and genes.duplicated().any():
        frame = pd.DataFrame(mat, columns=range(len(sample_cols)))
        frame["gene"] = genes.to_numpy()
        agg = frame.groupby("gene", sort=False).sum()
        genes_arr, mat = agg.index.to_numpy(dtype=object), agg.to_numpy(dtype=float)
    else:
        _check_unique(tab, genes, gene_col, "gene")
        genes_arr = genes.to_numpy(dtype=object)
    out = long_table(sample_cols, genes_arr, mat, feature_col="gene", value_col="value")
    out.attrs.update(samples=list(sample_cols), path=str(path))
    return out


__all__ = ["read_expression", "long_table"]
