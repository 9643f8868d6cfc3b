"""Gene symbols as files write them -> the current HGNC symbols of the shipped gene table.

Older files carry symbols HGNC has since renamed (TCGA-era MAFs: ``MLL2`` for KMT2D, ``SFRS2``
for SRSF2, ``C10orf18`` ...). The knowledge base keys genes by current HGNC symbol, so a renamed
gene would silently never match. NCBI Gene ids do not change with renames: where a file gives one
(MAF / cBioPortal ``Entrez_Gene_Id``), a symbol absent from the shipped table is replaced by the
symbol the table holds for that id.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd


@lru_cache(maxsize=1)
def _tables() -> tuple[frozenset, dict[str, str]]:
    from refractor.reference import gene_table

    gt = pd.concat([gene_table("GRCh38"), gene_table("GRCh37")]).drop_duplicates("gene")
    ids = gt["entrez_id"].astype(str).str.strip()
    ok = ids.ne("") & ids.ne("0")
    return frozenset(gt["gene"]), dict(zip(ids[ok], gt["gene"][ok]))


def known_symbols() -> frozenset:
    """Every HGNC symbol of the shipped gene tables (GRCh38 and GRCh37)."""
    return _tables()[0]


def strip_event_suffix(symbols) -> np.ndarray:
    """``FLT3_ITD`` / ``FLT3-ITD`` -> ``FLT3`` where the part before the suffix is a shipped symbol
    (some AML MAFs name the FLT3 internal tandem duplication as a pseudo-gene)."""
    known, _ = _tables()
    sym = pd.Series(np.asarray(symbols, dtype=object)).astype(str)
    base = sym.str.replace(r"[_-](ITD|TKD)$", "", regex=True)
    return np.where(~sym.isin(known) & base.isin(known), base, sym).astype(object)


def current_symbols(symbols, entrez) -> tuple[np.ndarray, dict[str, str]]:
    """``symbols`` with outdated ones replaced through their NCBI Gene id (``entrez``, same length;
    blank/0 = none), and the ``{old: new}`` replacements made."""
    known, by_id = _tables()
    sym = pd.Series(np.asarray(symbols, dtype=object))
    ids = pd.Series(np.asarray(entrez, dtype=object)).astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    stale = ~sym.isin(known)
    new = ids.where(stale).map(by_id)
    swap = stale & new.notna() & (new != sym)
    out = sym.where(~swap, new)
    renamed = dict(zip(sym[swap], new[swap]))
    return out.to_numpy(dtype=object), renamed


def normalise_gene_column(genes, entrez=None) -> tuple[np.ndarray, dict[str, str]]:
    """:func:`strip_event_suffix`, then (with ``entrez``, same length) :func:`current_symbols`, for
    a whole column (pyarrow string array, no nulls): each distinct symbol is looked at once, and
    only the rows whose symbol is not in the shipped table go through their NCBI Gene id. Same
    result as the two functions on every row (a MAF of 1 M rows has ~20,000 distinct genes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(genes)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    if enc.indices.null_count:  # not after require_nonempty; keep the row-wise meaning
        sym = strip_event_suffix(genes.to_pylist())
        return current_symbols(sym, entrez.to_pylist()) if entrez is not None else (sym, {})
    uniq = strip_event_suffix(enc.dictionary.to_pylist())
    idx = enc.indices.to_numpy(zero_copy_only=False)
    out = uniq[idx]
    if entrez is None:
        return out, {}
    known, _ = _tables()
    stale = np.fromiter((u not in known for u in uniq), dtype=bool, count=len(uniq))
    rows = np.flatnonzero(stale[idx])
    if not len(rows):
        return out, {}
    new, renamed = current_symbols(out[rows], pc.take(entrez, pa.array(rows)).to_pylist())
    out[rows] = new
    return out, renamed


__all__ = ["current_symbols", "normalise_gene_column", "strip_event_suffix", "known_symbols"]
