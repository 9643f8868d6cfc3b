"""Rule semantics of the interpreter on a small from_records knowledge base (see conftest)."""
from __future__ import annotations

import numpy as np
import pytest

from _minikb import make_cohort
from refractor.interpret import interpret, interpret_per_sample


def _one(kb, sample: dict, assessed: list[str], **tables):
    c = make_cohort([{"sample": "S", **sample}], {"S": assessed}, **tables)
    r = interpret(c, kb)
    assert r["S"] == interpret_per_sample(c, kb)["S"]
    return r["S"]


def _var(gene, consequence, pc="", vaf=0.3, sample="S"):
    return dict(sample=sample, gene=gene, consequence=consequence, protein_change=pc, vaf=vaf,
                source=f"t.maf:{gene}")


def test_loss_of_function_group_and_nonsynonymous_resolution(kb):
    for cons in ("nonsense", "frameshift", "splice_site", "start_lost"):
        r = _one(kb, {"disease": "MM"}, ["variant"], variants=[_var("CRBN", cons, "p.Q99*")])
        call = r.mechanism("crbn-lof")
        assert call.status == "detected", cons
        assert call.observations[0].resolution == "gene-level loss-of-function"
    # missense is not LoF: only the 'possible' biomarker matches
    r = _one(kb, {"disease": "MM"}, ["variant"], variants=[_var("CRBN", "missense", "p.H353R")])
    assert r.mechanism("crbn-lof").status == "possible"
    # silent matches nothing -> evaluable, not detected
    r = _one(kb, {"disease": "MM"}, ["variant"], variants=[_var("CRBN", "silent", "p.L5L")])
    assert r.mechanism("crbn-lof").status == "not_detected"


def test_exact_change_codon_and_three_letter_forms(kb):
    r = _one(kb, {"disease": "CLL"}, ["variant"], variants=[_var("BCL2", "missense", "ENSP1:p.Gly101Val")])
    call = r.mechanism("bcl2-g101v")
    assert call.status == "detected" and call.biomarkers == ("bcl2-g101v-bm",)
    assert call.observations[0].resolution == "exact variant"
    # another alternate residue at codon 101: only the codon rule (possible) fires
    r = _one(kb, {"disease": "CLL"}, ["variant"], variants=[_var("BCL2", "missense", "p.G101A")])
    call = r.mechanism("bcl2-g101v")
    assert call.status == "possible"
    assert call.observations[0].resolution == "codon"
    r = _one(kb, {"disease": "CLL"}, ["variant"], variants=[_var("BCL2", "missense", "p.G102V")])
    assert r.mechanism("bcl2-g101v").status == "not_detected"


def test_missing_data_is_not_assessable_never_fine(kb):
    r = _one(kb, {"disease": "MM"}, [])
    assert {m.status for m in r.mechanisms} == {"not_assessable"}
    len_call = r.agent("lenalidomide")
    assert len_call.level == "not_assessable" and not len_call.assessable
    assert "not assessable" in len_call.notes[0]
    assert r.mechanism("crbn-lof").missing_data == ("variant",)


def test_copy_number_and_splicing_reads(kb):
    r = _one(kb, {"disease": "MM"}, ["copy_number", "splicing"],
             copy_number=[dict(sample="S", gene="COPS7B", log2_ratio=-0.6, source="s.seg:3")],
             splicing=[dict(sample="S", gene="CRBN", event="exon10_skipping", psi=0.5, reads=4,
                            source="sj:1")])
    assert r.mechanism("cop9-2q37-loss").status == "detected"
    # 4 reads < min_reads 10: PSI not trusted -> not assessable
    assert r.mechanism("crbn-exon10-skipping").status == "not_assessable"


def test_expression_percentile_vs_absolute_fallback(kb):
    # 30 samples with CRBN expression -> cohort P25 is used
    samples = [{"sample": f"S{i}", "disease": "MM"} for i in range(30)]
    expr = [dict(sample=f"S{i}", gene="CRBN", value=float(i + 1)) for i in range(30)]
    c = make_cohort(samples, {f"S{i}": ["expression"] for i in range(30)}, expression=expr)
    r = interpret(c, kb)
    thr = np.percentile(np.arange(1, 31), 25)  # 8.25 TPM
    low = [s for s in r.samples if r[s].mechanism("crbn-low").status == "possible"]
    assert low == [f"S{i}" for i in range(30) if i + 1 <= thr]
    assert r["S0"].mechanism("crbn-low").observations[0].resolution == "expression vs cohort percentile"
    assert not any(w.category == "ExtrapolationWarning" for w in r["S0"].warnings)
    # 3 samples only -> absolute 5 TPM threshold with a named warning, not an exception
    c3 = c.subset(["S0", "S5", "S9"])
    r3 = interpret(c3, kb)
    assert [r3[s].mechanism("crbn-low").status for s in r3.samples] == ["possible", "not_detected", "not_detected"]
    w = [w for w in r3["S0"].warnings if w.category == "ExtrapolationWarning"]
    assert w and "absolute threshold <= 5 TPM" in w[0].message
    assert r3.to_frame().equals(interpret_per_sample(c3, kb).to_frame())


def test_kleene_logic_any_all_not(kb):
    # casp8: any(copy loss, LoF). Copy data missing but LoF present -> True (any(None, True))
    r = _one(kb, {"disease": "AML"}, ["variant"], variants=[_var("CASP8", "nonsense", "p.R3*")])
    assert r.mechanism("casp8-loss").status == "detected"
    # no LoF, copy number missing -> any(None, False) = None -> not assessable
    r = _one(kb, {"disease": "AML"}, ["variant"])
    assert r.mechanism("casp8-loss").status == "not_assessable"
    # cflar: all(expr >= 50, not LoF). expression high, no variant data -> all(True, None) = None
    r = _one(kb, {"disease": "AML"}, ["expression"], expression=[dict(sample="S", gene="CFLAR", value=80.0)])
    assert r.mechanism("cflar-high").status == "not_assessable"
    # expression low, no variant data -> all(False, None) = False -> evaluable, not detected
    r = _one(kb, {"disease": "AML"}, ["expression"], expression=[dict(sample="S", gene="CFLAR", value=1.0)])
    assert r.mechanism("cflar-high").status == "not_detected"
    # expression high and CFLAR LoF -> not(True) = False
    r = _one(kb, {"disease": "AML"}, ["expression", "variant"],
             expression=[dict(sample="S", gene="CFLAR", value=80.0)],
             variants=[_var("CFLAR", "frameshift", "p.K5fs")])
    assert r.mechanism("cflar-high").status == "not_detected"
    r = _one(kb, {"disease": "AML"}, ["expression", "variant"],
             expression=[dict(sample="S", gene="CFLAR", value=80.0)])
    assert r.mechanism("cflar-high").status == "detected"


def test_disease_restriction_and_hierarchy(kb):
    # monocytic biomarker is restricted to AML: an MM sample with "M5" is not evaluated
    r = _one(kb, {"disease": "MM", "subtype": "M5"}, [])
    assert r.mechanism("monocytic").status == "not_assessable"
    r = _one(kb, {"disease": "AML", "subtype": "FAB M5"}, [])
    assert r.mechanism("monocytic").status == "detected"
    r = _one(kb, {"disease": "AML", "subtype": "M2"}, [])
    assert r.mechanism("monocytic").status == "not_detected"
    # a disease state inherits its parent's context (RRMM -> MM)
    r = _one(kb, {"disease": "RRMM"}, ["variant"], variants=[_var("CRBN", "nonsense", "p.Q99*")])
    assert r.mechanism("crbn-lof").in_disease_context


def test_history_with_regimen_and_alias(kb):
    r = _one(kb, {"disease": "MM", "refractory_agents": ["Rd"]}, ["history"])
    t = r.agent("lenalidomide").trace
    assert [x.term for x in t] == ["history"] and t[0].contribution == 30
    r = _one(kb, {"disease": "MM", "refractory_agents": ["CC-5013"]}, ["history"])
    assert r.agent("lenalidomide").score == 30
    assert r.agent("lenalidomide").assessable  # a history term fired: the call rests on it
    # exposure is not refractoriness: no term fired and no mechanism had data, so the call is
    # not assessable (a history that does not fire says nothing about the agent's mechanisms)
    r = _one(kb, {"disease": "MM", "prior_agents": ["lenalidomide"]}, ["history"])
    a = r.agent("lenalidomide")
    assert a.score == 0 and not a.assessable and a.level == "not_assessable"


def test_scoring_max_all_override_possible_factor_negative(kb):
    r = _one(kb, {"disease": "MM"}, ["variant", "splicing", "copy_number", "expression"],
             variants=[_var("CRBN", "nonsense", "p.Q99*")],
             splicing=[dict(sample="S", gene="CRBN", event="exon10_skipping", psi=0.5, reads=50)],
             copy_number=[dict(sample="S", gene="COPS7B", log2_ratio=-1.0)],
             expression=[dict(sample="S", gene="CRBN", value=1.0)])
    len_ = r.agent("lenalidomide")
    # MAX(60, 60, 40*0.5) = 60, + 2q37 20, + ALL(crbn-low possible, 2q37 detected) 10*0.5
    assert len_.score == pytest.approx(60 + 20 + 5)
    assert len_.level == "high"
    kinds = [t.term for t in len_.trace]
    assert kinds == ["max", "mechanism", "all"]
    assert "also firing, not added" in len_.trace[0].comment
    # per-agent override: pomalidomide weighs crbn-low 20 instead of 40 (only visible alone)
    r2 = _one(kb, {"disease": "MM"}, ["expression"], expression=[dict(sample="S", gene="CRBN", value=1.0)])
    assert r2.agent("lenalidomide").score == 20 and r2.agent("pomalidomide").score == 10
    # negative weight (sensitivity marker) lowers the venetoclax score
    r3 = _one(kb, {"disease": "AML", "subtype": "M5"}, ["variant"],
              variants=[_var("NPM1", "frameshift", "p.W288fs")])
    assert r3.agent("venetoclax").score == 30 - 20


def test_trace_confidence_evidence_and_strategies(kb):
    r = _one(kb, {"disease": "MM"}, ["variant", "expression"],
             variants=[_var("CRBN", "nonsense", "p.Q99*")],
             expression=[dict(sample="S", gene="CRBN", value=1.0)])
    a = r.agent("lenalidomide")
    assert a.evidence == ("ev-crbn-lof",)
    assert a.confidence == "high" and "patient_cohort" in a.confidence_reason
    assert a.trace[0].observations[0].source == "t.maf:CRBN"
    assert [s.strategy for s in r.strategies] == ["next-gen-celmod"]
    assert [s.strategy for s in r.flagged_harmful] == ["imid-pd1"]
    assert all(not s.harmful for s in r.strategies)
    # review-statement-only evidence -> low confidence and a WeakEvidenceWarning record
    r = _one(kb, {"disease": "AML"}, ["expression", "variant"],
             expression=[dict(sample="S", gene="CFLAR", value=80.0)])
    d = r.agent("dulanermin")
    assert d.confidence == "low"
    assert any(w.category == "WeakEvidenceWarning" for w in r.warnings)


def test_min_vaf_unknown_is_not_assessable():
    from _minikb import build_kb
    from refractor.kb.schema import Biomarker

    from refractor.kb import KINDS, KnowledgeBase

    base = build_kb()
    bm = Biomarker.model_validate(dict(
        id="crbn-lof-variant", name="x", mechanism="crbn-lof", sources=[{"source": "seed:003"}],
        profile={"kind": "variant", "gene": "CRBN", "consequences": ["loss_of_function"], "min_vaf": 0.1}))
    # KB records are read-only: build a KB where this rule replaces the one with the same id
    records = {k: [bm if r.id == bm.id else r for r in base.records(k).values()] for k in KINDS}
    kb = KnowledgeBase.from_records(scoring=base.scoring, version=base.version, **records)
    rows = [_var("CRBN", "nonsense", "p.Q99*", vaf=float("nan")), _var("CRBN", "nonsense", "p.Q99*", 0.05, "T"),
            _var("CRBN", "nonsense", "p.Q99*", 0.2, "U")]
    samples = [{"sample": s, "disease": "MM"} for s in "STU"]
    c = make_cohort(samples, {s: ["variant"] for s in "STU"}, variants=rows)
    r, q = interpret(c, kb), interpret_per_sample(c, kb)
    st = r.mechanism_frame()["crbn-lof"].tolist()
    # S: VAF unknown -> the LoF rule is not assessable but the missense 'possible' rule ran
    assert st == ["not_detected", "not_detected", "detected"]
    assert r.mechanism_frame().equals(q.mechanism_frame())


def test_unknown_disease_is_an_input_error_and_empty_disease_is_recorded(kb):
    """Issue 11/12: an unknown disease used to run with a warning (disease-restricted rules then
    silently did not apply); it is an input error naming the sample, with a suggestion."""
    from refractor.errors import InputError

    with pytest.raises(InputError, match=r"sample 'S': unknown disease 'XYZ'") as e:
        _one(kb, {"disease": "XYZ", "subtype": "M5"}, ["variant"],
             variants=[_var("CRBN", "nonsense", "p.Q99*")])
    assert e.value.column == "disease"
    with pytest.raises(InputError, match=r"did you mean 'AML'"):
        _one(kb, {"disease": "AMLL"}, ["variant"])
    # names resolve case-insensitively through the KB: 'aml' is AML, so the AML rule applies
    r = _one(kb, {"disease": "aml", "subtype": "M5"}, ["subtype"])
    assert r.disease == "AML" and r.mechanism("monocytic").status == "detected"
    r = _one(kb, {"disease": None}, [])
    assert any("no disease given" in w.message for w in r.warnings)


def test_duplicate_sample_ids_are_an_input_error(kb):
    from refractor.errors import InputError

    c = make_cohort([{"sample": "S", "disease": "MM"}, {"sample": "S", "disease": "AML"}])
    with pytest.raises(InputError, match="duplicated sample id"):
        interpret(c, kb)


def test_json_round_trip_is_plain(kb):
    import json

    r = _one(kb, {"disease": "MM", "refractory_agents": ["lenalidomide"]}, ["variant", "history"],
             variants=[_var("CRBN", "nonsense", "p.Q99*", vaf=float("nan"))])
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    obs = d["mechanisms"][0]["observations"][0]
    assert obs["value"] is None and obs["source"] == "t.maf:CRBN"
    assert d["agents"][0]["trace"][0]["observations"][0]["detail"].startswith("CRBN p.Q99*")
