"""Clonal (cancer-cell) fraction and allelic state of variant observations.

The standard relation between a variant's allele fraction and the fraction of cancer cells that
carry it (Landau, Carter, Getz & Wu, Leukemia 2014;28:34, PMID 23979521, Figure 1; the same
formula underlies McGranahan et al., Sci Transl Med 2015;7:283ra54, PMID 25877892)::

    VAF = p * CCF * m / (p * n_t + 2 * (1 - p))
    CCF = VAF * (p * n_t + 2 * (1 - p)) / (p * m)

with ``p`` the tumour purity, ``n_t`` the local total copy number in tumour cells, ``m`` the
number of mutated copies per carrying cell and a diploid normal. Landau et al.'s worked example:
VAF 0.125, n_t 3, purity 0.67 -> CCF 0.5 (a test checks this number).

Our copy-number input is a gene-level log2 ratio ``r`` of tumour sample to normal (segment
means, centred on the diploid genome), so ``2 * 2**r = p * n_t + 2 * (1 - p)`` and::

    CCF = min(1, 2 * 2**r * VAF / (p * m))

Assumptions, each stated on the observation (``clonal_basis``): purity ``p`` = the sample's
``purity`` column when given, else the scoring default (1, ASSUMED: underestimates the CCF of an
impure sample, never overestimates it); ``r`` = 0 (diploid) when the gene has no copy-number
row; ``m`` = 1 (heterozygous; a mutation on several copies would be over-estimated, hence the cap
at 1); the segment ratio is centred on a diploid genome (no whole-genome doubling).

Allelic state (does a wild-type copy remain in the cells that carry the variant?): with the cell
fraction taken as 1, the mutated copies are ``m = 2 * 2**r * VAF / p`` and the total copies
``n_t = (2 * 2**r - 2 * (1 - p)) / p``; the variant is *biallelic* (no wild-type copy left: LOH,
hemizygous or homozygous) when ``m >= n_t - 0.5`` (half a copy of rounding tolerance, ASSUMED),
otherwise *monoallelic*. Diploid and pure: biallelic from VAF 0.75; with a one-copy loss
(r = -1): from VAF 0.5. An unknown VAF is taken as monoallelic (the weaker reading) and says so.
"""
from __future__ import annotations

import numpy as np

#: half a copy of tolerance when deciding that no wild-type copy is left (ASSUMED)
BIALLELIC_TOLERANCE = 0.5


def clonal_columns(vaf: np.ndarray, log2: np.ndarray, purity: np.ndarray,
                   purity_given: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CCF (NaN when the VAF is unknown), biallelic flag and the basis text per variant row.

    ``log2`` is NaN where the gene has no copy-number row (taken as diploid); ``purity`` is the
    purity used (already defaulted), ``purity_given`` whether the sample stated it.
    """
    vaf = np.asarray(vaf, dtype=float)
    cn_given = np.isfinite(log2)
    ratio = np.where(cn_given, np.exp2(np.where(cn_given, log2, 0.0)), 1.0)
    p = np.asarray(purity, dtype=float)
    mixed = 2.0 * ratio  # p * n_t + 2 * (1 - p)
    with np.errstate(invalid="ignore"):
        ccf = np.minimum(1.0, mixed * vaf / p)
        mutated = mixed * vaf / p
        total = (mixed - 2.0 * (1.0 - p)) / p
        biallelic = np.isfinite(vaf) & (mutated >= total - BIALLELIC_TOLERANCE)
    basis = np.array([_basis(pg, pv, cg, lv) for pg, pv, cg, lv
                      in zip(purity_given, p, cn_given, log2)], dtype=object)
    return ccf, biallelic, basis


def _basis(purity_given: bool, purity: float, cn_given: bool, log2: float) -> str:
    pur = f"purity {purity:g}" + ("" if purity_given else " (not given; ASSUMED)")
    cn = (f"local log2 ratio {log2:.2f}" if cn_given
          else "diploid (no copy number for the gene; ASSUMED)")
    return (f"CCF = min(1, 2 x 2^log2 x VAF / purity), one mutated copy (ASSUMED); {pur}; {cn} "
            "(Landau et al. 2014, PMID 23979521)")


def clonal_factor(ccf: float | None, clonal_ccf: float | None) -> float:
    """Weight multiplier of a lesion in a fraction ``ccf`` of cancer cells:
    ``min(1, ccf / clonal_ccf)``; 1 when the CCF is unknown or the KB sets no clonality rule."""
    if ccf is None or clonal_ccf is None or ccf != ccf:
        return 1.0
    return min(1.0, ccf / clonal_ccf)


def clonal_factors(ccf: np.ndarray, clonal_ccf: float | None) -> np.ndarray:
    """:func:`clonal_factor` over an array (NaN = unknown -> 1)."""
    if clonal_ccf is None:
        return np.ones_like(ccf, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(ccf), np.minimum(1.0, ccf / clonal_ccf), 1.0)


__all__ = ["clonal_columns", "clonal_factor", "clonal_factors", "BIALLELIC_TOLERANCE"]
