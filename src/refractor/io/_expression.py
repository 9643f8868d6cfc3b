"""Expression (TPM) from matrices and quantifier outputs; layouts in :mod:`._expression_formats`."""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from refractor.errors import InputError
from refractor.io._limits import IOLimits
from refractor.io._source import read_bytes
from refractor.errors import DataWarning
from refractor.io._genes import current_symbols
from refractor.io._expression_formats import ENSEMBL_GENE, ENSEMBL_TX, Layout, check_gct_size, detect
from refractor.io._dialect import number_hint, sniff_delimiter, split_prefix
from refractor.io._table import MISSING, Table, is_missing, read_table, stripped
from refractor.io._attrs import set_attrs


def peek_header(data: bytes, *, skip_lines: int = 0, comment: str | None = "#", delimiter: str | None = "\t") -> list[str]:
    """Column names of a delimited file's header line (without parsing the body); ``delimiter``
    None: sniffed (quotes around names removed)."""
    if delimiter is None:
        delimiter, quote = sniff_delimiter(data, skip_lines=skip_lines, comment=comment)
        return [h[1:-1] if quote and len(h) >= 2 and h[0] == h[-1] == '"' else h
                for h in peek_header(data, skip_lines=skip_lines, comment=comment, delimiter=delimiter)]
    pos, _ = split_prefix(data, skip_lines, comment)
    nl = data.find(b"\n", pos)
    return [h.strip() for h in data[pos: len(data) if nl < 0 else nl].decode("utf-8").split(delimiter)]


def _matrix(tab: Table, value_cols: list[str], what: str, lo: float | None, hi: float | None, allow_missing: bool,
            rows: np.ndarray | None = None, below_hint: str = "", above_hint: str = "") -> np.ndarray:
    """The value columns as a float matrix (rows x cols); bad cells -> InputError at line/column.
    ``rows``: boolean mask of the rows to use (others, e.g. summary rows, are not checked)."""
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

    use = np.ones(num.shape, dtype=bool) if rows is None else np.repeat(rows, ncol)
    if flat is not None and (np.isnan(num) & ~missing & use).any():
        bad = np.isnan(num) & ~missing & use
        raise fail(bad, "is not a number" + number_hint(flat.iloc[int(np.flatnonzero(bad)[0])]))
    if not allow_missing and (missing & use).any():
        raise fail(missing & use, "is missing (NA/NaN not allowed)")
    if (np.isinf(num) & use).any():
        raise fail(np.isinf(num) & use, "is not finite")
    with np.errstate(invalid="ignore"):
        if lo is not None and (low := (num < lo) & use).any():
            raise fail(low, f"is below {lo:g}{below_hint}")
        if hi is not None and (high := (num > hi) & use).any():
            raise fail(high, f"is above {hi:g}{above_hint}")
    out = num.reshape(len(tab), ncol)
    return out if rows is None else out[rows]


def _check_unique(tab: Table, values: pd.Series, col: str, what: str) -> None:
    dup = values.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise tab.error(f"duplicated {what} {values.iloc[i]!r}", row=i, column=col)


def check_distinct_samples(samples: list[str], cols: list[str], tab: Table, line: int | None = None) -> None:
    """Two value columns naming one sample once their tool's suffixes are taken off (featureCounts
    ``/run1/S1.bam`` and ``/run2/S1.bam``, GenomeStudio ``S1.AVG_Beta`` and ``S1_Beta``) would give
    the sample two values per gene, one of them silently used: an InputError at the second column."""
    seen: dict[str, str] = {}
    for s, c in zip(samples, cols):
        if s in seen:
            raise InputError(f"columns {seen[s]!r} and {c!r} both name sample {s!r}", path=tab.path,
                             line=tab.header_line if line is None else line, column=c)
        seen[s] = c


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


def _gene_symbols(ids: pd.Series, symbols: pd.Series | None, transcript_level: bool, tab: Table,
                  gene_col: str) -> tuple[np.ndarray, bool, int]:
    """Gene symbol per row, whether rows of one symbol are summed, and how many rows were unmapped.

    Rows keyed by symbols keep them. Rows keyed by Ensembl gene ids take the current HGNC symbol
    of the shipped table (so an older GENCODE ``gene_name`` cannot hide a renamed gene), else the
    file's symbol column (``gene_name``, GCT ``Description``); else the ids (version suffix ignored) map through the
    shipped MANE table; GENCODE-style transcript names (``ENST|ENSG|...|SYMBOL|length|biotype|``)
    give their symbol field. Rows of one gene are summed (TPM and counts are additive over the
    features of a gene) whenever genes came from ids; symbol-keyed duplicates are an error.
    """
    from refractor.reference import ensembl_gene_symbols

    ids = ids.astype(str)
    if transcript_level:
        if ids.str.contains("|", regex=False).all():
            parts = ids.str.split("|")
            return parts.str[5].to_numpy(dtype=object), True, 0
        if ids.str.match(ENSEMBL_TX.pattern).any():
            raise tab.error("transcript-level quantification (Ensembl transcript ids) cannot be summed to genes "
                            "without a transcript-to-gene table: give gene-level TPM (salmon quant.genes.sf, "
                            "tximport, RSEM genes.results)", row=0, column=gene_col)
    m = ids.str.extract(ENSEMBL_GENE.pattern)[0]
    ensembl = m.notna().to_numpy()
    if not ensembl.any():
        return ids.to_numpy(dtype=object), False, 0
    out = np.where(ensembl, m.map(ensembl_gene_symbols()).to_numpy(dtype=object), ids.to_numpy(dtype=object))
    if symbols is not None:  # the file's own symbol (gene_name, GCT Description) where the id is not shipped
        filled = ensembl & pd.isna(out) & ~is_missing(symbols.astype(str))
        out = np.where(filled, symbols.astype(str).str.strip().to_numpy(dtype=object), out)
    unmapped = pd.isna(out)
    return out, True, int(unmapped.sum())


def _check_tpm(mat: np.ndarray, genes: np.ndarray, samples: list[str], tab: Table, cols: list[str], kind: str) -> None:
    """TPM cannot sum above 10^6 in a sample, and real transcriptomes are not all below 25."""
    sums = mat.sum(axis=0)
    over = sums > 1e6 * 1.001 + 1  # TPM written with rounding can exceed 10^6 a little
    if over.any():
        j = int(np.flatnonzero(over)[0])
        raise InputError(f"values of sample {samples[j]!r} sum to {sums[j]:,.0f}, but TPM sums to at most 1,000,000 "
                         "per sample: these are not TPM (read counts? FPKM/RPKM? cBioPortal's RSEM normalized counts?); "
                         "give TPM (salmon, RSEM, kallisto) "
                         "or featureCounts output with its Length column", path=tab.path, line=tab.header_line,
                         column=cols[j])
    # log2(TPM + 1) can never exceed log2(10^6 + 1) ~ 19.9, hence the bound 25; that a linear TPM
    # matrix of >= 500 genes has at least one gene above 25 is an ASSUMED heuristic (a format
    # check, not biology), refused with the reason so a user can see it
    if len(genes) >= 500 and mat.size and np.nanmax(mat) < 25:
        raise InputError(f"all {len(genes):,} genes are below 25 ({kind}): the values look log-transformed "
                         "(log2(TPM+1)?); give TPM on the linear scale", path=tab.path, line=tab.header_line)
    if len(genes) >= 500 and np.all(mat == np.round(mat)):
        warnings.warn(DataWarning(f"{tab.path}: every value is a whole number across {len(genes):,} genes; TPM "
                                  "is rarely integral, so check these are TPM and not read counts"), stacklevel=3)


def _check_not_all_zero(mat: np.ndarray, lay: Layout, tab: Table) -> None:
    """A sample column of zeros only (an empty or failed library, a column left blank as 0) would read
    as "no expression" of every gene, e.g. a CRBN loss: refused, naming the column."""
    if mat.shape[0] < 2:
        return
    zero = ~(mat != 0).any(axis=0)
    if zero.any():
        j = int(np.flatnonzero(zero)[0])
        raise InputError(f"every value of sample {lay.samples[j]!r} is 0 ({mat.shape[0]:,} genes): an empty or failed "
                         "library, which would read as no expression of any gene; leave the sample out",
                         path=tab.path, line=tab.header_line, column=lay.value_cols[j])


_PROBE_ID = re.compile(r"^(\d+(_[a-z]+)*_at|AFFX-.*|ILMN_\d+|A_\d+_P\d+)$")


def _check_known_genes(genes: np.ndarray, tab: Table, col: str) -> None:
    """Rows keyed by something other than genes (array probe sets, Entrez numbers, another species)
    would match no knowledge-base gene and read as "measured, nothing found": refuse them."""
    from refractor.io._genes import known_symbols

    if len(genes) < 20:
        return
    names = pd.Series(genes, dtype=object).astype(str)
    known = names.isin(known_symbols())
    if known.mean() >= 0.01:  # a full GENCODE matrix is ~1/3 protein-coding genes; probe ids match none
        return
    first = names.iloc[0]
    if names.str.match(_PROBE_ID.pattern).mean() > 0.5:
        why = "microarray probe ids (Affymetrix *_at, Illumina ILMN_, Agilent A_..._P...): collapse to gene symbols"
    elif names.str.fullmatch(r"\d+").mean() > 0.5:
        why = "numbers (NCBI Gene ids?): give HGNC symbols or Ensembl gene ids"
    else:
        why = "not HGNC symbols or Ensembl gene ids of the shipped human gene table"
    raise InputError(f"only {int(known.sum()):,} of {len(names):,} gene names (e.g. {first!r}) are known human genes; "
                     f"they look like {why}", path=tab.path, line=tab.header_line, column=col)


def read_expression(path: str | Path, *, limits: IOLimits | None = None,
                    genes: Iterable[str] | None = None) -> pd.DataFrame:
    """Read expression into the cohort ``expression`` table (long format, TPM).

    Formats (recognised by their header, see :mod:`refractor.io._expression_formats`): a genes x
    samples TPM matrix (TSV or CSV; gene symbols or Ensembl ids, versioned or not, with optional
    annotation columns such as ``gene_name`` or ``Entrez_Gene_Id``); GCT 1.2; salmon
    ``quant.sf``/``quant.genes.sf``; kallisto ``abundance.tsv``; RSEM ``genes.results`` /
    ``isoforms.results``; GDC STAR gene counts (``tpm_unstranded``); featureCounts (counts
    converted to TPM: count/Length, scaled to 10^6 per sample; a :class:`DataWarning` says so).
    Ensembl ids are mapped to HGNC symbols through the shipped MANE gene table and rows of one gene
    summed; ids outside it are dropped with a :class:`DataWarning`. Values must be finite and >= 0;
    a column summing above 10^6 is not TPM, and a large matrix all below 25 looks log-scaled: both
    are errors. One-sample files (salmon, RSEM, ...) take the sample id from the file or folder name
    (the samplesheet row's id replaces it).

    ``genes`` (optional): keep only these genes (HGNC symbols) in the result, e.g. those a
    knowledge base's rules name; every row is still read and checked, and the TPM and log-scale
    checks still see the whole matrix.

    Returns ``sample gene value`` (TPM); ``attrs``: ``samples``, ``path``, ``format``.
    """
    wanted = None if genes is None else set(genes)  # ``genes`` is the rows' symbols below
    data = read_bytes(path, limits=limits)
    gct = data.startswith(b"#1.2")
    if gct:
        head = peek_header(data, skip_lines=2, comment=None)
        tab = read_table(path, data=data, comment=None, skip_lines=2, all_columns=True, float_columns=head[2:],
                         limits=limits)
        if len(tab.header) < 3 or [h.lower() for h in tab.header[:2]] != ["name", "description"]:
            raise InputError("GCT header must start with Name<TAB>Description", path=path, line=3)
        lay = Layout("GCT 1.2", tab.header[0], tab.header[2:], tab.header[2:], symbol_col=tab.header[1])
        check_gct_size(data, len(tab), len(lay.samples), path)
    else:
        delim, _ = sniff_delimiter(data)
        head = peek_header(data, delimiter=None)
        first = _first_cell(data, delim)
        lay = detect(head, first, path, None)
        floats = lay.value_cols + ([lay.length_col] if lay.length_col else [])
        tab = read_table(path, data=data, delimiter=None, all_columns=True, float_columns=floats, limits=limits,
                         row_names=True)
        lay = detect(tab.header, first, path, tab.header_line)
    ids = pd.Series(stripped(tab, lay.gene_col).to_pylist(), dtype=object)
    keep = np.ones(len(tab), dtype=bool)
    if lay.skip_prefix:
        keep = ~ids.astype(str).str.startswith(lay.skip_prefix).to_numpy()
    empty_gene = is_missing(ids.astype(str)) & keep
    if empty_gene.any():
        raise tab.error("gene name is empty", row=int(np.flatnonzero(empty_gene)[0]), column=lay.gene_col)
    bad_s = [c for c in lay.samples if not c]
    if bad_s:
        raise InputError("empty sample column name", path=path, line=tab.header_line)
    check_distinct_samples(lay.samples, lay.value_cols, tab)
    what = "read count" if lay.unit == "counts" else "TPM"
    mat = _matrix(tab, lay.value_cols, what, 0.0, None, allow_missing=False, rows=keep,
                  below_hint=" (log-scale values or z-scores? give TPM on the linear scale)")
    _check_not_all_zero(mat, lay, tab)
    symbols = pd.Series(stripped(tab, lay.symbol_col).to_pylist(), dtype=object)[keep] if lay.symbol_col else None
    genes, summed, unmapped = _gene_symbols(ids[keep].reset_index(drop=True), None if symbols is None else
                                            symbols.reset_index(drop=True), lay.transcript_level, tab, lay.gene_col)
    entrez = next((h for h in tab.header if h.lower() in ("entrez_gene_id", "entrez_id")), None)
    renamed: dict[str, str] = {}
    if entrez is not None and not summed:  # cBioPortal: renamed symbols fixed through the NCBI Gene id
        ez = pd.Series(stripped(tab, entrez).to_pylist(), dtype=object)[keep].reset_index(drop=True)
        genes, renamed = current_symbols(genes, ez)
    if lay.unit == "counts":
        length = _matrix(tab, [lay.length_col], "gene length", 1.0, None, allow_missing=False, rows=keep)[:, 0]
        rate = mat / length[:, None]
        tot = rate.sum(axis=0)
        mat = np.divide(rate, tot, out=np.zeros_like(rate), where=tot > 0) * 1e6  # TPM over the file's genes
        warnings.warn(DataWarning(f"{path}: {lay.kind} read counts converted to TPM (count / Length, scaled to "
                                  "1,000,000 per sample; no fragment-length correction)"), stacklevel=2)
    if unmapped:
        ok = ~pd.isna(genes)
        warnings.warn(DataWarning(f"{path}: {unmapped:,} of {len(genes):,} gene ids are not in the shipped MANE "
                                  "gene table (non-coding or retired Ensembl ids); their rows were not used"),
                      stacklevel=2)
        genes, mat = genes[ok], mat[ok]
    if summed:
        frame = pd.DataFrame(mat, columns=range(len(lay.value_cols)))
        frame["gene"] = genes
        agg = frame.groupby("gene", sort=False).sum()
        genes_arr, mat = agg.index.to_numpy(dtype=object), agg.to_numpy(dtype=float)
    else:
        rows = pd.Series(genes)
        dup = rows.duplicated().to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise InputError(f"duplicated gene {rows.iloc[i]!r}", path=tab.path, line=tab.line(int(np.flatnonzero(keep)[i])),
                             column=lay.gene_col)
        genes_arr = genes
    _check_known_genes(genes_arr, tab, lay.gene_col)
    if lay.unit != "counts":
        _check_tpm(mat, genes_arr, lay.samples, tab, lay.value_cols, lay.kind)
    if wanted is not None:
        sel = pd.Series(genes_arr).isin(wanted).to_numpy()
        genes_arr, mat = genes_arr[sel], mat[sel]
    out = long_table(lay.samples, genes_arr, mat, feature_col="gene", value_col="value")
    set_attrs(out, samples=list(lay.samples), path=str(path), format=lay.kind, renamed_genes=renamed)
    return out


def _first_cell(data: bytes, delim: str) -> str | None:
    """First cell of the first data line (after comments and the header)."""
    lines = (ln for ln in data.split(b"\n", 64)[:64] if ln.strip() and not ln.startswith(b"#"))
    next(lines, None)  # header
    ln = next(lines, None)
    if ln is None:
        return None
    cell = ln.decode("utf-8", "replace").split(delim, 1)[0].strip()
    return cell[1:-1] if len(cell) >= 2 and cell[0] == cell[-1] == '"' else cell


__all__ = ["read_expression", "long_table", "check_distinct_samples"]
