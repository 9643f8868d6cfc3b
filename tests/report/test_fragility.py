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


def test_fragile_calls_are_in_the_per_sample_json(kb, tmp_path):
    """With a sensitivity analysis the per-sample JSON (schema 1.2) lists the sample's fragile
    calls with the moves that change them; without one the field is absent (not an empty
    list, which would claim the analysis ran and found nothing)."""
    import json

    import jsonschema

    from refractor.interpret._results import SampleResult
    from refractor.report import sample_report_schema

    cohort = cohort_from_flags(sample="P1", disease="MM", refractory="lenalidomide")
    result = interpret(cohort, kb)
    rule_ids = [r.id for r in kb.scoring.rules if "lenalidomide" in r.agents]
    sens = sensitivity(cohort, kb, rules=rule_ids, thresholds="none")
    write_outputs(result, tmp_path / "with", kb=kb, fragility=sens, outputs="json")
    doc = json.loads((tmp_path / "with" / "samples" / "P1.json").read_text("utf-8"))
    jsonschema.validate(doc, sample_report_schema())
    assert doc["schema_version"] == "1.2"
    lena = next(f for f in doc["fragility"] if f["agent"] == "lenalidomide")
    assert lena["call"] == "high" and any("-10" in c for c in lena["changed_by"])
    assert {f["agent"] for f in doc["fragility"]} == set(
        sens.fragile[sens.fragile["sample"] == "P1"]["agent"])
    assert SampleResult.from_dict(doc).to_dict() == doc
    write_outputs(result, tmp_path / "without", kb=kb, outputs="json")
    doc = json.loads((tmp_path / "without" / "samples" / "P1.json").read_text("utf-8"))
    assert "fragility" not in doc


def test_without_fragility_no_columns_are_added(kb, tmp_path):
    cohort = cohort_from_flags(sample="P1", disease="MM", refractory="lenalidomide")
    paths = write_outputs(interpret(cohort, kb), tmp_path / "out", kb=kb, outputs="tsv,html")
    assert "fragile" not in pd.read_csv(paths["agents"], sep="\t").columns
    assert "fragile_calls" not in paths and 'id="fragile"' not in paths["report"].read_text("utf-8")
