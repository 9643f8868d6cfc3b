"""Genomic coordinates checked against the build's chromosome lengths."""
from __future__ import annotations

import numpy as np
import pandas as pd

from refractor.reference import chrom_sizes


def check_within_chromosomes(tab, chrom: np.ndarray, end: np.ndarray, build: str, *, column: str, what: str) -> None:
    """Error at the first row whose ``end`` lies beyond its chromosome's length on ``build``.

    Without this a segment running past the end of chr1 would be laid over chr2 on the
    interpreter's genome axis and change the copy number of genes it never covered.
    Names outside the primary assembly (unplaced contigs) are not checked.
    """
    sizes = chrom_sizes(build)
    length = pd.Series(chrom).map(sizes).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        over = end > length  # NaN (contig) compares False
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise tab.error(f"{what} {end[i]} lies beyond the end of {chrom[i]} ({int(length[i]):,} bp on {build})",
                        row=i, column=column)


def require_primary_chromosomes(tab, chrom: np.ndarray, *, column: str, what: str) -> None:
    """Error when no row of a non-empty file is on chr1-22, X, Y or M: names the shipped tables do not
    use (RefSeq ``NC_000003.12``, another species' contigs) would otherwise match no gene silently."""
    from refractor.reference._builds import CHROM_ORDER

    if len(chrom) and not pd.Series(chrom).isin(list(CHROM_ORDER)).any():
        raise tab.error(f"no {what} is on a human primary chromosome (1-22, X, Y, M, with or without 'chr'); "
                        f"the file names {chrom[0]!r}", row=0, column=column)


__all__ = ["check_within_chromosomes", "require_primary_chromosomes"]
