"""Survival statistics with lifelines: Kaplan-Meier, medians with 95% CI, at-risk tables, Cox
hazard ratios, response rates with Wilson intervals."""
from __future__ import annotations

import math
from typing import Any

import numpy as np


def km_fit(times: np.ndarray, events: np.ndarray, label: str = "") -> Any:
    """A fitted ``lifelines.KaplanMeierFitter`` (95% CI, Greenwood / exponential log-log)."""
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=0.05).fit(np.asarray(times, float), np.asarray(events, bool), label=label or None)


def median_ci(kmf: Any) -> tuple[float, float, float]:
    """Median survival with its 95% CI (``inf`` when not reached)."""
    from lifelines.utils import median_survival_times

    med = float(kmf.median_survival_time_)
    ci = median_survival_times(kmf.confidence_interval_)
    lo, hi = (float(x) for x in np.asarray(ci).ravel()[:2])
    return med, lo, hi


def at_risk(times: np.ndarray, grid: list[float]) -> list[int]:
    """Patients still at risk (time >= t) at each grid time."""
    t = np.sort(np.asarray(times, float))
    return [int(len(t) - np.searchsorted(t, g, side="left")) for g in grid]


def hazard_ratio(times_a: np.ndarray, events_a: np.ndarray, times_b: np.ndarray, events_b: np.ndarray) -> dict[str, float]:
    """Cox proportional-hazards HR of arm A versus arm B with 95% CI and Wald p-value."""
    import pandas as pd
    from lifelines import CoxPHFitter

    df = pd.DataFrame({
        "time": np.concatenate([times_a, times_b]).astype(float),
        "event": np.concatenate([events_a, events_b]).astype(int),
        "arm": np.concatenate([np.ones(len(times_a)), np.zeros(len(times_b))]),
    })
    # lifelines picks its Efron algorithm ("single" or "batch") by a formula fitted on small data
    # that always says "single" above ~100,000 rows; with heavily tied times (simulated months:
    # ~230 distinct times among 200,000 patients) "batch" gives the same fit (to 1e-12) 17-25x
    # faster (4.6 s -> 0.2 s), while without ties it is ~1.4x slower: so "batch" when ties dominate.
    n_unique = len(np.unique(df["time"].to_numpy()))
    batch = True if n_unique <= 0.5 * len(df) else None
    cph = CoxPHFitter().fit(df, duration_col="time", event_col="event", batch_mode=batch)
    s = cph.summary.loc["arm"]
    return {"hr": float(s["exp(coef)"]), "low": float(s["exp(coef) lower 95%"]),
            "high": float(s["exp(coef) upper 95%"]), "p": float(s["p"])}


def proportion_ci(k: int, n: int) -> dict[str, float]:
    """Proportion with a Wilson 95% interval (Wilson, J Am Stat Assoc 1927)."""
    if n == 0:
        return {"value": math.nan, "low": math.nan, "high": math.nan, "n": 0}
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return {"value": k / n, "low": float(ci.low), "high": float(ci.high), "n": int(n)}


def _finite(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 4)


def survival_summary(times: np.ndarray, events: np.ndarray, grid: list[float]) -> dict[str, Any]:
    """JSON-ready KM summary: median and CI (None = not reached), at-risk table, survival at grid."""
    kmf = km_fit(times, events)
    med, lo, hi = median_ci(kmf)
    surv = kmf.survival_function_at_times(grid).to_numpy()
    return {"median": _finite(med), "median_low": _finite(lo), "median_high": _finite(hi),
            "events": int(np.sum(events)), "n": int(len(times)),
            "at_risk": {"months": grid, "n": at_risk(times, grid)},
            "survival": [round(float(s), 4) for s in surv]}


__all__ = ["km_fit", "median_ci", "at_risk", "hazard_ratio", "proportion_ci", "survival_summary"]
