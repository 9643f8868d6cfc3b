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


__all__ = ["check_within_chromosomes"]
