"""Statistics shared by the ``validate_*.py`` scripts (library, not run on its own).

Rank statistics that say when they are undefined instead of returning a number: a predictor
that is constant in a group (a disease label inside one disease, a score that never moves)
has no rank correlation with anything, and the scripts print that in words.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: ../shared/validation relative to the project root (CI has it there; see its README).
VALIDATION = Path(__file__).resolve().parents[1].parent / "shared" / "validation"


@dataclass(frozen=True)
class Rho:
    """A Spearman correlation with its sample size, p value, bootstrap CI, or why undefined."""

    rho: float
    p: float
    n: int
    lo: float = float("nan")
    hi: float = float("nan")
    note: str = ""

    def text(self) -> str:
        if self.note:
            return f"undefined ({self.note}), n = {self.n}"
        ci = f", 95% CI {self.lo:+.2f}..{self.hi:+.2f}" if self.lo == self.lo else ""
        return f"rho = {self.rho:+.3f} (p = {self.p:.2g}, n = {self.n}{ci})"


def _clean(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def spearman(x, y, *, boot: int = 0, seed: int = 0) -> Rho:
    """Spearman rho of ``x`` vs ``y`` (pairs with a NaN dropped); undefined when either is
    constant. ``boot`` > 0 adds a percentile bootstrap 95 % CI (resampling pairs, seeded)."""
    from scipy.stats import spearmanr

    x, y = _clean(x, y)
    n = len(x)
    if n < 3:
        return Rho(float("nan"), float("nan"), n, note="fewer than 3 pairs")
    if np.unique(x).size < 2:
        return Rho(float("nan"), float("nan"), n, note=f"predictor constant ({x[0]:g}) in all samples")
    if np.unique(y).size < 2:
        return Rho(float("nan"), float("nan"), n, note="response constant")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = spearmanr(x, y)
    lo = hi = float("nan")
    if boot:
        rng = np.random.default_rng(seed)
        vals = []
        for _ in range(boot):
            i = rng.integers(0, n, n)
            if np.unique(x[i]).size > 1 and np.unique(y[i]).size > 1:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    vals.append(spearmanr(x[i], y[i]).statistic)
        lo, hi = (float(v) for v in np.nanpercentile(vals, [2.5, 97.5]))
    return Rho(float(r.statistic), float(r.pvalue), n, lo, hi)


def rho_difference(x1, x2, y, *, boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """rho(x1, y) - rho(x2, y) on the same samples, with a paired bootstrap 95 % CI."""
    from scipy.stats import spearmanr

    x1, x2, y = (np.asarray(a, dtype=float) for a in (x1, x2, y))
    ok = np.isfinite(x1) & np.isfinite(x2) & np.isfinite(y)
    x1, x2, y = x1[ok], x2[ok], y[ok]
    n = len(y)

    def d(i):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return spearmanr(x1[i], y[i]).statistic - spearmanr(x2[i], y[i]).statistic

    rng = np.random.default_rng(seed)
    vals = [d(rng.integers(0, n, n)) for _ in range(boot)]
    lo, hi = np.nanpercentile(vals, [2.5, 97.5])
    return float(d(np.arange(n))), float(lo), float(hi)


def partial_spearman(x, y, groups) -> Rho:
    """Spearman correlation of ``x`` and ``y`` within groups (e.g. diagnoses): both are ranked,
    the group means of the ranks are removed, and the residuals are correlated (Pearson).

    This is the partial rank correlation given the group label. It is undefined when ``x`` is
    constant inside every group (then the group label carries all of ``x``'s information).
    """
    from scipy.stats import pearsonr, rankdata

    x, y, g = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(groups)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y, g = rankdata(x[ok]), rankdata(y[ok]), g[ok]
    n = len(x)
    rx, ry = x.copy(), y.copy()
    for k in np.unique(g):
        m = g == k
        rx[m] -= x[m].mean()
        ry[m] -= y[m].mean()
    if np.allclose(rx, 0):
        return Rho(float("nan"), float("nan"), n,
                   note="predictor constant within every group: it carries only the group label")
    r = pearsonr(rx, ry)
    return Rho(float(r.statistic), float(r.pvalue), n)


def auroc(score, positive) -> float:
    """Area under the ROC curve of ``score`` for ``positive`` (ties count 1/2; Mann-Whitney)."""
    from scipy.stats import rankdata

    score = np.asarray(score, dtype=float)
    pos = np.asarray(positive).astype(bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if not n1 or not n0:
        return float("nan")
    r = rankdata(score)
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
