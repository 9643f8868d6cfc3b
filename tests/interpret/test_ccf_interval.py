"""The cancer-cell fraction with a read-count interval (issue 11 leftover: CCF had no interval).

The VAF interval is the exact binomial interval of Clopper & Pearson (Biometrika 1934;26:404,
doi:10.1093/biomet/26.4.404), propagated through CCF = min(1, 2 x 2^log2 x VAF / purity)
(Landau et al. Leukemia 2014, PMID 23979521). A lesion whose interval spans the KB's clonal_ccf
is labelled uncertain (confidence, note, trace comment) and keeps its point-estimate level; where
the reads are decisive nothing changes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from refractor.interpret import interpret, interpret_per_sample
from refractor.interpret._clonality import ccf_interval, interval_class, vaf_interval
from refractor.io.cohort import COLUMNS, Cohort
from refractor.kb import KnowledgeBase


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_clopper_pearson_edges_have_closed_forms():
    """With k = 0 alt reads of n the upper 95% limit solves (1 - p)^n = 0.025, so
    p = 1 - 0.025^(1/n); with k = n the lower limit solves p^n = 0.025 (the definition of the
    Clopper-Pearson interval: each tail holds alpha/2 = 0.025)."""
    lo, hi = vaf_interval(np.array([0, 50]), np.array([50, 50]))
    assert lo[0] == 0.0 and hi[0] == pytest.approx(1 - 0.025 ** (1 / 50), rel=1e-9)
    assert hi[1] == 1.0 and lo[1] == pytest.approx(0.025 ** (1 / 50), rel=1e-9)


def test_interval_is_exact_binomial_coverage():
    """At the limits of 21/100 alt reads the binomial tail beyond the observation is 2.5%:
    P(X >= 21 | p = lo) = 0.025 and P(X <= 21 | p = hi) = 0.025."""
    from scipy.stats import binom

    lo, hi = vaf_interval(np.array([21]), np.array([100]))
    assert binom.sf(20, 100, lo[0]) == pytest.approx(0.025, abs=1e-9)
    assert binom.cdf(21, 100, hi[0]) == pytest.approx(0.025, abs=1e-9)
    assert lo[0] < 0.21 < hi[0]


def test_ccf_interval_follows_the_ccf_formula_and_unknown_counts_stay_unknown():
    """Pure, diploid: CCF = 2 x VAF, capped at 1; one-copy loss (log2 -1): CCF = VAF; no counts
    or zero depth: unknown (NaN), never a made-up interval."""
    vlo, vhi = vaf_interval(np.array([21, 21]), np.array([100, 100]))
    lo, hi = ccf_interval(np.array([21, 21, np.nan, 3]), np.array([100, 100, 80, 0]),
                          np.array([np.nan, -1.0, np.nan, np.nan]), np.ones(4))
    assert lo[0] == pytest.approx(2 * vlo[0]) and hi[0] == pytest.approx(min(1, 2 * vhi[0]))
    assert lo[1] == pytest.approx(vlo[0]) and hi[1] == pytest.approx(vhi[0])
    assert np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()
    assert interval_class(0.6, 1.0, 0.5) == "clonal"
    assert interval_class(0.1, 0.4, 0.5) == "subclonal"
    assert interval_class(0.2, 0.9, 0.5) == "uncertain"
    assert interval_class(float("nan"), float("nan"), 0.5) is None


def _g101v(vaf, alt=None, depth=None):
    s = dict(sample="S", disease="CLL", subtype=None, line=pd.NA, prior_agents=[],
             refractory_agents=[])
    row = dict(sample="S", gene="BCL2", consequence="missense", protein_change="p.G101V",
               vaf=vaf, source="t:2")
    cols = list(COLUMNS["variants"])
    if alt is not None:
        row.update(alt_count=alt, depth=depth)
        cols += ["alt_count", "depth"]
    return Cohort(samples=pd.DataFrame([s], columns=COLUMNS["samples"]),
                  assessed=pd.DataFrame([("S", "variant")], columns=["sample", "kind"]),
                  variants=pd.DataFrame([row], columns=cols))


def _same(c, kb):
    vec, loop = interpret(c, kb), interpret_per_sample(c, kb)
    assert [r.to_dict() for r in vec] == [r.to_dict() for r in loop]
    return vec["S"]


def test_decisive_reads_change_nothing(kb):
    """BCL2 G101V (~180-fold lower venetoclax affinity, PMID 30514704) at 90/200 reads: CCF
    0.90, 95% interval 0.76-1.00, wholly clonal: venetoclax stays high with the confidence it
    has without read counts, and the interval is on the observation."""
    with_reads, without = _same(_g101v(0.45, 90, 200), kb), _same(_g101v(0.45), kb)
    v, w = with_reads.agent("venetoclax"), without.agent("venetoclax")
    assert v.level == w.level == "high" and v.score == w.score
    assert v.confidence == w.confidence and not any("uncertain" in n for n in v.notes)
    o = with_reads.mechanism("bcl2-g101v").observations[0]
    assert 0.7 < o.ccf_low < 0.9 and o.ccf_high == 1.0
    assert "Clopper-Pearson" in o.clonal_basis and "clonal" in o.clonal_basis
    d = with_reads.to_dict()["mechanisms"]
    g = next(m for m in d if m["mechanism"] == "bcl2-g101v")["observations"][0]
    assert g["ccf_low"] == pytest.approx(o.ccf_low) and g["ccf_high"] == 1.0


def test_without_read_counts_the_interval_is_said_to_be_unknown(kb):
    o = _same(_g101v(0.45), kb).mechanism("bcl2-g101v").observations[0]
    assert o.ccf_low is None and o.ccf_high is None
    assert "interval unknown" in o.clonal_basis


def test_interval_spanning_clonal_and_subclonal_is_labelled_uncertain(kb):
    """3 of 12 reads: VAF 0.25, CCF 0.50 (clonal at the KB's clonal_ccf 0.5) but the 95%
    interval 0.11-1.00 spans subclonal and clonal: at its lower end G101V would sit in ~1 cell
    in 9 and venetoclax would read susceptible. The level stays the point estimate (high) and is
    labelled uncertain - low confidence, a note, the trace comment and a WeakEvidenceWarning -
    instead of being reported as definite."""
    r = _same(_g101v(0.25, 3, 12), kb)
    v = r.agent("venetoclax")
    assert v.level == "high" and v.score == 60
    assert v.confidence == "low" and "clonality uncertain" in v.confidence_reason
    assert "'susceptible' at the lower" in v.confidence_reason
    assert any("clonality uncertain" in n for n in v.notes)
    t = next(t for t in v.trace if "bcl2-g101v" in t.mechanisms)
    assert "spans clonal_ccf" in t.comment
    assert any(w.category == "WeakEvidenceWarning" and w.agent == "venetoclax" for w in r.warnings)
    assert any("Clopper-Pearson" in a for a in r.assumptions)


def test_subclonal_but_decisive_interval_is_not_flagged(kb):
    """1% VAF with 20/2000 reads: CCF 0.02 (interval ~0.01-0.03) is clearly subclonal; the
    level (susceptible) is the same at both ends, so nothing is labelled uncertain."""
    v = _same(_g101v(0.01, 20, 2000), kb).agent("venetoclax")
    assert v.level == "susceptible"
    assert "clonality uncertain" not in (v.confidence_reason or "")
