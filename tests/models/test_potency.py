"""Dose-response maths (refractor.models._potency) on curves with known answers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from refractor.models import IC50_RTOL, summarize_dose_response


def test_dose_response_summary_recovers_a_hill_curve():
    # effect = 0.8 d^1.5/(2^1.5 + d^1.5): half-max dose 2, Hill 1.5, Emax 0.8 (pure maths)
    d = np.concatenate([[0.0], np.logspace(-2, 3, 30)])
    resp = 1 - 0.8 * d**1.5 / (2.0**1.5 + d**1.5)
    dr = summarize_dose_response(d, resp, readout="x", unit="uM", agent="a", kind="degradation")
    assert dr.dc50 == pytest.approx(2.0, rel=0.03)
    assert dr.hill == pytest.approx(1.5, rel=0.05)
    assert dr.dmax == pytest.approx(0.8, rel=0.01)
    # absolute 50 %: 0.8 x/(1+x) = 0.5 -> x = 5/3 -> d = 2*(5/3)^(1/1.5)
    assert dr.ic50_abs == pytest.approx(2.0 * (5 / 3) ** (1 / 1.5), rel=0.03)
    weak = summarize_dose_response(d, 1 - 0.3 * d / (1 + d), readout="x", unit="uM",
                                   agent="a", kind="viability")
    assert math.isnan(weak.ic50) and "ic50_not_reached" in weak.flags


def test_root_finding_gives_the_exact_ic50_of_a_known_curve_on_any_grid():
    """effect = d/(2 + d) (Hill 1, Emax 1): the absolute IC50 is 2 exactly; with a simulator
    (here the formula) the root is found to IC50_RTOL on a coarse or a shifted grid, while a
    log-linear interpolation on the coarse grid is off by percent."""
    def respond(d):
        return 1 - d / (2.0 + d)

    for grid in (np.logspace(-3, 3, 5), np.logspace(-2.3, 2.9, 17)):
        d = np.concatenate([[0.0], grid])
        dr = summarize_dose_response(d, np.array([respond(x) for x in d]), readout="x",
                                     unit="uM", agent="a", kind="viability", respond=respond)
        assert dr.ic50 == pytest.approx(2.0, rel=2 * IC50_RTOL)
        assert dr.ic50_tolerance == IC50_RTOL and "ic50_interpolated" not in dr.flags
    d = np.concatenate([[0.0], np.logspace(-3, 3, 5)])
    coarse = summarize_dose_response(d, np.array([respond(x) for x in d]), readout="x",
                                     unit="uM", agent="a", kind="viability")
    assert "ic50_interpolated" in coarse.flags and math.isnan(coarse.ic50_tolerance)
    assert abs(coarse.ic50 / 2.0 - 1) > 0.01


def test_crossing_below_the_lowest_dose_is_bracketed_downwards():
    def respond(d):
        return 1 - d / (1e-4 + d)  # IC50 1e-4, far below the grid

    d = np.concatenate([[0.0], np.logspace(-1, 2, 4)])
    dr = summarize_dose_response(d, np.array([respond(x) for x in d]), readout="x", unit="uM",
                                 agent="a", kind="viability", respond=respond)
    assert dr.ic50 == pytest.approx(1e-4, rel=2 * IC50_RTOL)
