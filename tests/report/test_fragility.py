"""Fragile calls marked in the outputs (issue 11: "mark the calls that are fragile in the report").

A patient refractory to lenalidomide scores exactly the `high` band edge (60, scoring/base.yaml:
clinical refractoriness to the same agent is high-level resistance), so moving that curator weight
by -10 drops the call to `intermediate`: the call is fragile, and the report must say so.
"""
from __future__ import annotations

import pandas as pd
import pytest

from refractor.interpret import interpret
from refractor.interpret.sensitivity import sensitivity
from refractor.io import cohort_from_flags
from refractor.kb import KnowledgeBase
from refractor.report import write_outputs


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_fragile_calls_are_marked_in_tsv_and_html(kb, tmp_path):
    cohort = cohort_from_flags(sample="P1", disease="MM", refractory="lenalidomide")
    result = interpret(cohort, kb)
    assert result["P1"].agent("lenalidomide").level == "high"
    rule_ids = [r.id for r in kb.scoring.rules if "lenalidomide" in r.agents]
    sens = sensitivity(cohort, kb, rules=rule_ids, thresholds="none")
    paths = write_outputs(result, tmp_path / "out", kb=kb, fragility=sens,
                          outputs="tsv,html")
    agents = pd.read_csv(paths["agents"], sep="\t")
    len_row = agents[(agents["sample"] == "P1") & (agents["agent"] == "lenalidomide")].iloc[0]
    assert bool(len_row["fragile"]) is True
    assert "-10" in len_row["fragile_because"]
    fragile = pd.read_csv(paths["fragile_calls"], sep="\t")
    assert ("P1", "lenalidomide") in set(zip(fragile["sample"], fragile["agent"]))
    assert pd.read_csv(paths["fragility"], sep="\t")["changed"].sum() >= 1
    html = paths["report"].read_text(encoding="utf-8")
    assert 'id="fragile"' in html and "(fragile)" in html


def test_without_fragility_no_columns_are_added(kb, tmp_path):
    cohort = cohort_from_flags(sample="P1", disease="MM", refractory="lenalidomide")
    paths = write_outputs(interpret(cohort, kb), tmp_path / "out", kb=kb, outputs="tsv,html")
    assert "fragile" not in pd.read_csv(paths["agents"], sep="\t").columns
    assert "fragile_calls" not in paths and 'id="fragile"' not in paths["report"].read_text("utf-8")
