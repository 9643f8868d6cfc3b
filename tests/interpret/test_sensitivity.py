"""refractor.interpret.sensitivity: one curator number moved at a time, calls compared.

The expectations follow from the scoring design (kb/data/scoring/base.yaml): clinical
refractoriness to the agent itself scores at the `high` band edge (60) on its own, so moving
that weight down by 10 must drop the call out of `high` unless something else holds it there,
and moving it up can never make the call less resistant. Checked against the score and the
band table the same run reports, not against remembered numbers.
"""
from __future__ import annotations

import pytest

from refractor.errors import InputError
from refractor.interpret import interpret
from refractor.interpret.sensitivity import sensitivity
from refractor.io import cohort_from_flags
from refractor.kb import KnowledgeBase


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def cohort():
    return cohort_from_flags(sample="R1", disease="CLL", refractory="venetoclax")


@pytest.fixture(scope="module")
def res(kb, cohort):
    return sensitivity(cohort, kb, thresholds="all", rules=["venetoclax-bcl2-axis"])


def _band(kb, score):
    bands = sorted(kb.scoring.score_to_level, key=lambda b: b.min)
    return [b.level for b in bands if b.min <= score][-1]


def test_refractory_weight_move_changes_the_call_exactly_when_the_band_changes(kb, cohort, res):
    score = float(interpret(cohort, kb).score_frame().loc["R1", "venetoclax"])
    assert _band(kb, score) == "high"
    p = res.perturbations
    rows = p[(p["target"] == "venetoclax-bcl2-axis") & p["detail"].str.contains("refractory")
             & p["detail"].str.contains("venetoclax")]
    assert set(rows["direction"]) == {"+10", "-10"}
    down = rows[rows["direction"] == "-10"].iloc[0]
    call = res.calls.set_index(["sample", "agent"]).loc[("R1", "venetoclax")]
    expect_change = _band(kb, score - 10) != "high"
    assert (down["changed"] >= 1) == expect_change
    assert bool(call["fragile"]) >= expect_change  # another move may also change it
    up = rows[rows["direction"] == "+10"].iloc[0]
    assert up["less_resistant"] == 0


def test_calls_table_covers_every_call_and_flags_match_counts(res):
    c = res.calls
    assert len(c) == res.n_calls and (c["fragile"] == (c["n_perturbations"] > 0)).all()
    assert int(res.perturbations["changed"].sum()) == int(c["n_perturbations"].sum())


def test_percentile_moves_the_tail_and_fractions_stay_fractions(res):
    t = res.perturbations[res.perturbations["kind"] == "threshold"]
    pct = t[t["detail"].str.contains(">= percentile") & (t["old"] == 90.0)]
    assert set(pct["new"]) == {87.5, 92.5}  # the top 10 % becomes the top 12.5 % / 7.5 %
    frac = t[t["detail"].str.startswith(("splicing", "methylation"))]
    assert (frac["new"] <= 1.0).all() and len(frac)


def test_kb_is_not_modified(kb, cohort):
    before = (kb.content_hash, kb.scoring.model_dump_json())
    sensitivity(cohort, kb, thresholds="none", rules=["venetoclax-bcl2-axis"])
    assert (kb.content_hash, kb.scoring.model_dump_json()) == before


def test_bad_settings_are_input_errors(kb, cohort):
    with pytest.raises(InputError, match="thresholds"):
        sensitivity(cohort, kb, thresholds="some")
    with pytest.raises(InputError, match="threshold_fraction"):
        sensitivity(cohort, kb, threshold_fraction=1.5)
    with pytest.raises(InputError, match="unknown scoring rule"):
        sensitivity(cohort, kb, rules=["venetoclax-bcl2-axes"])
