"""KM, median, at-risk, HR and ORR intervals against lifelines and known answers."""
from __future__ import annotations

import math

import numpy as np
from lifelines import KaplanMeierFitter

from refractor.cohort._survival import at_risk, hazard_ratio, median_ci, proportion_ci, survival_summary


def _exp(rate, n, seed, censor=40.0):
    rng = np.random.default_rng(seed)
    t = rng.exponential(1.0 / rate, n)
    return np.minimum(t, censor), t <= censor


def test_median_of_exponential_is_ln2_over_rate():
    # known answer: the median of an exponential with rate 0.05/month is ln 2 / 0.05 = 13.86 months
    t, e = _exp(0.05, 20000, 1)
    s = survival_summary(t, e, [0, 6, 12])
    assert abs(s["median"] - math.log(2) / 0.05) < 0.4
    assert s["median_low"] < math.log(2) / 0.05 < s["median_high"]


def test_at_risk_and_median_match_lifelines_event_table():
    t, e = _exp(0.1, 500, 2)
    kmf = KaplanMeierFitter().fit(t, e)
    for g in (0.0, 3.0, 10.0):
        assert at_risk(t, [g])[0] == int((t >= g).sum())
    table = kmf.event_table
    first = table.index[1]
    assert at_risk(t, [first])[0] == int(table.loc[first, "at_risk"])
    assert median_ci(kmf)[0] == kmf.median_survival_time_


def test_hazard_ratio_recovers_the_rate_ratio():
    # known answer: exponential arms with rates 0.05 and 0.10 have HR 0.5
    ta, ea = _exp(0.05, 4000, 3)
    tb, eb = _exp(0.10, 4000, 4)
    hr = hazard_ratio(ta, ea, tb, eb)
    assert hr["low"] < 0.5 < hr["high"] and abs(hr["hr"] - 0.5) < 0.05


def test_wilson_interval_matches_the_formula():
    k, n, z = 30, 100, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    ci = proportion_ci(k, n)
    assert abs(ci["low"] - (centre - half)) < 1e-9 and abs(ci["high"] - (centre + half)) < 1e-9
