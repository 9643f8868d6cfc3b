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
Two separate inactivating hits in one gene (two truncating variants, or a truncation with a
one-copy loss) are recognised in :mod:`refractor.interpret._twohit`.

Interval (read-count uncertainty). With the variant's alt-allele reads ``k`` of depth ``n`` the
VAF has the exact two-sided 95% binomial interval of Clopper & Pearson (Biometrika 1934;26:404,
doi:10.1093/biomet/26.4.404): ``lo = B^-1(0.025; k, n - k + 1)``, ``hi = B^-1(0.975; k + 1,
n - k)`` with ``B^-1`` the beta quantile (``lo = 0`` when ``k = 0``, ``hi = 1`` when ``k = n``).
Both ends are propagated through the same CCF formula (the formula is monotone in the VAF), so
the CCF interval is ``[min(1, 2 * 2**r * lo / p), min(1, 2 * 2**r * hi / p)]``. It covers the
sampling noise of the reads only, not the uncertainty of purity or copy number (stated on the
observation). Relative to the KB's ``clonal_ccf`` (the CCF from which a lesion counts fully) a
variant is *clonal* when the whole interval lies at or above it, *subclonal* when it lies below,
and *uncertain* when it spans both. Without read counts the interval is unknown and says so.
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


#: two-sided level of the Clopper-Pearson interval on the VAF
INTERVAL_LEVEL = 0.95


def vaf_interval(alt: np.ndarray, depth: np.ndarray,
                 level: float = INTERVAL_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson interval of the allele fraction ``alt / depth`` per row (NaN where the
    counts are unknown, the depth is 0 or ``alt`` exceeds ``depth``)."""
    from scipy.special import betaincinv  # lazy: keeps ``import refractor`` light

    k = np.asarray(alt, dtype=float)
    n = np.asarray(depth, dtype=float)
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0) & (k >= 0) & (k <= n)
    a = (1.0 - level) / 2.0
    kk, nn = np.where(ok, k, 1.0), np.where(ok, n, 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(kk > 0, betaincinv(np.maximum(kk, 1e-300), nn - kk + 1.0, a), 0.0)
        hi = np.where(kk < nn, betaincinv(kk + 1.0, np.maximum(nn - kk, 1e-300), 1.0 - a), 1.0)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def ccf_interval(alt: np.ndarray, depth: np.ndarray, log2: np.ndarray,
                 purity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The VAF interval propagated through ``CCF = min(1, 2 * 2**r * VAF / p)`` (NaN = unknown)."""
    vlo, vhi = vaf_interval(alt, depth)
    log2 = np.asarray(log2, dtype=float)
    mixed = 2.0 * np.where(np.isfinite(log2), np.exp2(np.nan_to_num(log2)), 1.0)
    p = np.asarray(purity, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.minimum(1.0, mixed * vlo / p), np.minimum(1.0, mixed * vhi / p)


def interval_class(lo: float, hi: float, clonal_ccf: float | None) -> str | None:
    """``clonal`` / ``subclonal`` / ``uncertain`` (the interval spans ``clonal_ccf``), or None
    when the interval or the KB's clonality rule is unknown."""
    if clonal_ccf is None or lo is None or hi is None or lo != lo or hi != hi:
        return None
    if lo >= clonal_ccf:
        return "clonal"
    return "subclonal" if hi < clonal_ccf else "uncertain"


def interval_text(lo: float, hi: float, alt: float, depth: float,
                  clonal_ccf: float | None) -> str:
    """How the interval was obtained and what it says, for the observation's basis."""
    if lo != lo or hi != hi:
        return ("95% interval unknown: no alt/total read counts for this variant, so the "
                "read-count uncertainty of the CCF is not known")
    cls = interval_class(lo, hi, clonal_ccf)
    where = ({"clonal": f"entirely >= clonal_ccf {clonal_ccf:g}: clonal",
              "subclonal": f"entirely < clonal_ccf {clonal_ccf:g}: subclonal",
              "uncertain": f"spans clonal_ccf {clonal_ccf:g}: clonality uncertain"}[cls]
             if cls else "no clonality rule in the KB")
    return (f"CCF 95% interval {lo:.2f}-{hi:.2f} from {alt:g}/{depth:g} alt/total reads "
            f"(Clopper-Pearson, doi:10.1093/biomet/26.4.404; read sampling only, purity and "
            f"copy number taken as exact), {where}")


def call_interval(call) -> tuple[float, float] | None:
    """The 95% read-count interval of a mechanism call's clonal fraction: the largest lower and
    upper ends over its observations (the call's CCF is their largest), when every observation
    is a variant with an interval; None when any lacks one (no read counts, bulk data)."""
    if call.clonal_fraction is None or not call.observations:
        return None
    lo = hi = -np.inf
    for o in call.observations:
        if o.kind != "variant" or o.ccf_low is None or o.ccf_high is None:
            return None
        lo, hi = max(lo, o.ccf_low), max(hi, o.ccf_high)
    return lo, hi


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


__all__ = ["clonal_columns", "clonal_factor", "clonal_factors", "BIALLELIC_TOLERANCE",
           "INTERVAL_LEVEL", "vaf_interval", "ccf_interval", "interval_class", "interval_text",
           "call_interval"]
