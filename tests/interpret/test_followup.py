"""Regression tests of the interpreter follow-up: shared (cached) per-sample records, cohort
thresholds computed once in the reference loop, honest ``not_assessable`` agent calls and the
``disease`` (lineage) feature kind."""
from __future__ import annotations

import numpy as np
import pytest

from _minikb import build_kb, make_cohort
from test_equivalence import _random_cohort
from refractor.errors import KnowledgeBaseError
from refractor.interpret import interpret, interpret_per_sample
from refractor.interpret import _format as F
from refractor.interpret._engine import _sample_context
from refractor.interpret._kbview import view_of
from refractor.interpret._prepare import prepare
from refractor.interpret._scoring import score_agent
from refractor.kb import KnowledgeBase
from refractor.kb.schema import DiseaseFeature


# ----------------------------------------------------------------------- 1. per-sample assembly
def test_shared_records_equal_a_fresh_scoring_of_every_agent(kb):
    """Agent calls served from the assembler's caches (quiet calls shared between samples, terms
    skipped when nothing they look at fired) equal a fresh, uncached score_agent call."""
    c = _random_cohort(80, 5)
    r = interpret(c, kb)
    view = view_of(kb)
    prep = prepare(c, view)
    seen: dict[int, int] = {}
    for i in range(len(r)):
        s = r[i]
        calls = {m.mechanism: m for m in s.mechanisms}
        _, _, sets = _sample_context(prep, i)
        for a in s.agents:
            fresh = score_agent(view, a.agent, calls, sets)
            assert fresh == a, (s.sample, a.agent)
            seen[id(a)] = seen.get(id(a), 0) + 1
    shared = sum(1 for k in seen.values() if k > 1)
    assert shared > 0  # identical quiet calls really are one shared record


def test_strategies_resolved_once_per_mechanism(kb, monkeypatch):
    """The KB's strategy scan runs once per mechanism, not once per sample."""
    calls: list[str] = []
    orig = type(kb).strategies_for_mechanism

    def counting(self, m):
        calls.append(m)
        return orig(self, m)

    monkeypatch.setattr(type(kb), "strategies_for_mechanism", counting)
    kb2 = build_kb()  # a fresh KB object -> a fresh view (no cached strategies)
    c = _random_cohort(60, 9)
    r = interpret(c, kb2)
    for s in r:
        pass
    assert calls and len(calls) == len(set(calls))


# ----------------------------------------------------------------------- 2. reference loop
def test_loop_computes_each_cohort_percentile_once(kb, monkeypatch):
    """interpret_per_sample used to recompute the within-cohort percentile for every sample
    (quadratic); it is computed once per (gene, percentile) and the calls are unchanged."""
    n = 60
    rng = np.random.default_rng(3)
    ids = [f"S{i}" for i in range(n)]
    c = make_cohort([dict(sample=s, disease="AML") for s in ids], {s: ["expression"] for s in ids},
                    expression=[dict(sample=s, gene="MCL1", value=float(rng.lognormal(4, 1)))
                                for s in ids])
    count = {"n": 0}
    orig = F.cohort_threshold

    def counting(values, p):
        count["n"] += 1
        return orig(values, p)

    monkeypatch.setattr(F, "cohort_threshold", counting)
    kb_pct = _kb_with_percentile()
    loop = interpret_per_sample(c, kb_pct)
    assert count["n"] == 1  # one (gene, percentile) pair, 60 samples
    vec = interpret(c, kb_pct)
    assert [x.to_dict() for x in vec] == [x.to_dict() for x in loop]
    # upper quartile of 60 samples: 15 above P75 -> 15 detected (percentile semantics kept)
    k = vec.mechanisms.index("mcl1-up")
    assert int((vec.status[:, k] == 3).sum()) == 15


def _kb_with_percentile():
    """The mini KB plus a cohort-percentile MCL1 rule (P75, min cohort 20)."""
    return build_kb([dict(
        id="mcl1-pct", name="mcl1-pct", mechanism="mcl1-up", call="detected",
        profile={"kind": "expression", "gene": "MCL1", "comparison": ">", "percentile": 75,
                 "min_cohort": 20, "threshold": 1e9, "threshold_source": "assumed"},
        diseases=[], sources=[{"source": "seed:003"}])])


# ----------------------------------------------------------------------- 3. honesty
def test_clinical_data_alone_is_not_assessable_unless_a_history_term_fires(kb):
    # exposure only: the IMiD rule's history term (refractory) does not fire, no mechanism has
    # data -> assessable false; level reads not_assessable everywhere (JSON too, issue 11),
    # status says so and reason says why
    c = make_cohort([dict(sample="E", disease="MM", prior_agents=["lenalidomide"]),
                     dict(sample="R", disease="MM", refractory_agents=["lenalidomide"])],
                    {"E": ["history"], "R": ["history"]})
    for r in (interpret(c, kb), interpret_per_sample(c, kb)):
        e, rf = r["E"].agent("lenalidomide"), r["R"].agent("lenalidomide")
        assert not e.assessable and e.level == "not_assessable" and e.score == 0
        assert e.status == "not_assessable" and "not assessable" in e.reason
        assert e.confidence == "low" and "not assessable" in e.confidence_reason
        d = e.to_dict()
        assert d["level"] == "not_assessable" and d["assessable"] is False
        assert rf.assessable and rf.level == "intermediate"  # refractory term fired (30)
        frame = r.call_frame()
        assert frame.loc["E", "lenalidomide"] == "not_assessable"
        assert frame.loc["R", "lenalidomide"] == "intermediate"
        # one meaning everywhere (issue 11): the level table says not_assessable too
        assert r.to_frame().loc["E", "lenalidomide"] == "not_assessable"
        k = r.agents.index("lenalidomide")
        assert not r.assessable[0, k] and r.assessable[1, k]


# ----------------------------------------------------------------------- 4. disease feature
def test_disease_feature_schema_needs_a_disease():
    assert DiseaseFeature(kind="disease", diseases=["CLL"]).diseases == ["CLL"]
    with pytest.raises(ValueError):
        DiseaseFeature(kind="disease", diseases=[])


def test_validator_checks_disease_feature_references():
    bad = dict(id="lineage-bad", name="x", mechanism="bcl2-g101v", call="detected",
               profile={"kind": "disease", "diseases": ["NOPE"]}, diseases=[],
               sources=[{"source": "seed:003"}])
    with pytest.raises(KnowledgeBaseError) as e:
        build_kb([bad])
    assert "NOPE" in str(e.value)


@pytest.fixture(scope="module")
def real_kb():
    return KnowledgeBase.load()


def test_lineage_bcl2_dependence_from_the_diagnosis(real_kb):
    """CLL cells require BCL2 to sequester BIM (Del Gaizo Moore et al. JCI 2007, PMID 17200714);
    MCL has the highest venetoclax monotherapy response among NHL (75 %, Davids et al. 2017):
    the lineage is called from the diagnosis (and for children of CLL/MCL in the hierarchy)."""
    child = next((d.id for d in real_kb.diseases.values() if d.parent in ("CLL", "MCL")), None)
    rows = [dict(sample="cll", disease="CLL"), dict(sample="mcl", disease="MCL"),
            dict(sample="tcl", disease="TCL"), dict(sample="mm", disease="MM"),
            dict(sample="none", disease=None),
            dict(sample="g101v", disease="CLL")]
    if child:
        rows.append(dict(sample="child", disease=child))
    # clonal G101V (VAF 0.45, CCF 0.9): full weight, so the MAX with the lineage term is tested
    v = [dict(sample="g101v", gene="BCL2", consequence="missense", protein_change="p.G101V",
              vaf=0.45, source="x")]
    c = make_cohort(rows, {"g101v": ["variant"]}, variants=v)
    vec, loop = interpret(c, real_kb), interpret_per_sample(c, real_kb)
    assert [x.to_dict() for x in vec] == [x.to_dict() for x in loop]
    st = {s.sample: s.mechanism("lineage-bcl2-dependence") for s in vec}
    assert st["cll"].status == "detected" and st["mcl"].status == "detected"
    assert st["cll"].observations[0].kind == "disease"
    assert st["cll"].observations[0].resolution == "disease lineage"
    # restricted to the lineages it speaks about: no claim for T-cell, myeloma or unknown disease
    assert st["tcl"].status == st["mm"].status == st["none"].status == "not_assessable"
    if child:
        assert st["child"].status == "detected"
    ven = {s.sample: s.agent("venetoclax") for s in vec}
    assert ven["cll"].score == -10 and ven["cll"].assessable and ven["cll"].level == "susceptible"
    assert not ven["mm"].assessable  # diagnosis alone assesses nothing for myeloma
    # on the target MAX axis: the lineage cannot discount a drug-binding mutation
    assert ven["g101v"].score == 60 and ven["g101v"].level == "high"


def test_real_kb_clinical_exposure_alone_assesses_no_agent(real_kb):
    """An MM patient known only by diagnosis and prior lenalidomide exposure: history-only
    biomarkers (acquired IMiD refractoriness) evaluate to 'not detected', but no measured data
    and no firing history term stand behind any agent call -> every call is not assessable
    (never a silent 'susceptible'); refractoriness (a firing term) makes the call assessable."""
    c = make_cohort([dict(sample="exp", disease="MM", prior_agents=["lenalidomide"]),
                     dict(sample="ref", disease="MM", refractory_agents=["lenalidomide"])],
                    {"exp": ["history"], "ref": ["history"]})
    vec, loop = interpret(c, real_kb), interpret_per_sample(c, real_kb)
    assert [x.to_dict() for x in vec] == [x.to_dict() for x in loop]
    assert not vec.assessable[0].any()
    # agents without any scoring rule say no_knowledge (a status, not a level)
    assert set(vec.call_frame().loc["exp"][vec.scored_agents]) == {"not_assessable"}
    assert set(vec.call_frame().loc["exp"][vec.unscored_agents]) == {"no_knowledge"}
    ref = vec["ref"].agent("lenalidomide")
    assert ref.assessable and ref.level == "high"
