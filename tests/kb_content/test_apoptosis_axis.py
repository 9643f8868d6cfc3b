"""BCL2-family and TRAIL-axis content of the knowledge base, checked against published biology.

Files under test (refractor/kb/data): sources/literature_apoptosis.yaml, genes/apoptosis.yaml,
diseases/apoptosis.yaml, agents/apoptosis.yaml, {mechanisms,biomarkers,strategies,evidence}/
{bcl2,trail}_axis.yaml, claims/apoptosis.yaml and scoring/rules_{bcl2,trail}.yaml. They are loaded
together with the seed-entity files they reference through ``KnowledgeBase.from_records`` (same
schema and cross-reference checks as ``KnowledgeBase.load``), so the tests do not depend on the
state of other helpers' files.

References for the facts asserted (each verified with the search tool):
* BCL2 G101V: Blombery et al., Cancer Discov 2019;9:342 (PMID 30514704) - 7/15 patients, ~180-fold.
* NPM1 / IDH2 / FLT3-ITD / RAS / TP53: DiNardo et al., Blood 2020;135:791 (PMID 31932844).
* IDH1/2 -> BCL2 dependence: Nat Med 2015 (doi:10.1038/nm.3788).
* BAX mutations in 17% of venetoclax relapses: Moujalled et al., Blood 2023 (PMID 36219880).
* Monocytic AML resistance: Pei et al., Cancer Discov 2020 (PMID 31974170).
* t(11;14): Blood 2017;130:2401 (venetoclax monotherapy, R/R MM) - ORR 40% in t(11;14) vs 21% overall.
* VIALE-A: DiNardo et al., N Engl J Med 2020;383:617 - median OS 14.7 vs 9.6 months, HR 0.66.
* XIAP / type II signalling: Kaufmann, Strasser & Jost, Cell Death Differ 2012 (doi:10.1038/cdd.2011.121).
* c-FLIP: Irmler et al., Nature 1997 (doi:10.1038/40657); decoy TRID: Science 1997 (PMID 9242610).
"""
from __future__ import annotations


import pandas as pd
import pytest
import yaml

from refractor.io.cohort import COLUMNS, Cohort, empty
from refractor.kb import AgentRule, KnowledgeBase, Scoring, default_data_dir, validate

DATA = default_data_dir()
MINE = {
    "sources": ["literature_apoptosis.yaml"],
    "diseases": ["apoptosis.yaml"],
    "genes": ["apoptosis.yaml"],
    "agents": ["apoptosis.yaml"],
    "mechanisms": ["bcl2_axis.yaml", "trail_axis.yaml"],
    "biomarkers": ["bcl2_axis.yaml", "trail_axis.yaml"],
    "strategies": ["bcl2_axis.yaml", "trail_axis.yaml"],
    "evidence": ["bcl2_axis.yaml", "trail_axis.yaml"],
    "claims": ["apoptosis.yaml"],
}
# the venetoclax rule (rules_bcl2.yaml) references the disease-lineage mechanism, curated in its
# own files (interpreter follow-up: kind `disease` features); loaded with this axis
LINEAGE = {"sources": ["lineage.yaml"], "mechanisms": ["lineage.yaml"],
           "biomarkers": ["lineage.yaml"], "evidence": ["lineage.yaml"]}
for _k, _ns in LINEAGE.items():
    MINE[_k] = MINE[_k] + _ns
SEEDS = {"sources": ["seeds.yaml", "seed_refs.yaml", "names.yaml"], "diseases": ["seeds.yaml"],
         "genes": ["seeds.yaml"], "agents": ["seeds.yaml"]}
RULE_FILES = ["rules_bcl2.yaml", "rules_trail.yaml"]
OWN = ({f"{k}/{n}" for k, ns in MINE.items() for n in ns}
       | {f"scoring/{n}" for n in RULE_FILES})
# Bands given to all helpers for calibration, used only if scoring/base.yaml does not exist yet.
FALLBACK_BASE = dict(
    version="fallback", possible_factor=0.5,
    levels=[dict(order=i, label=lab, code=lab[:1].upper(), comment=lab)
            for i, lab in enumerate(["susceptible", "low", "intermediate", "high"])],
    score_to_level=[{"level": "susceptible"}, {"min": 15, "level": "low"},
                    {"min": 30, "level": "intermediate"}, {"min": 60, "level": "high"}],
)


def _load(kind: str, names: list[str]) -> list[dict]:
    out: list[dict] = []
    for name in names:
        out.extend(yaml.safe_load((DATA / kind / name).read_text(encoding="utf-8")) or [])
    return out


def _rules() -> list[dict]:
    return [r for n in RULE_FILES for r in _load("scoring", [n])]


def _scoring() -> Scoring:
    base_file = DATA / "scoring" / "base.yaml"
    base = yaml.safe_load(base_file.read_text(encoding="utf-8")) if base_file.is_file() else FALLBACK_BASE
    base = {k: v for k, v in base.items() if k != "rules"}
    return Scoring.model_validate({**base, "rules": _rules()})


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """My files + the seed entities they reference, validated with every cross reference."""
    kinds = {k: _load(k, SEEDS.get(k, []) + MINE.get(k, [])) for k in set(SEEDS) | set(MINE)}
    # the one immune-axis mechanism a BCL2 strategy links to (seed 000: BCL2 inhibition + immunotherapy)
    kinds["mechanisms"] += [m for m in _load("mechanisms", ["immune.yaml"]) if m["id"] == "tme-immune-evasion"]
    return KnowledgeBase.from_records(scoring=_scoring(), **kinds)


# --------------------------------------------------------------------------- integrity
def test_packaged_validator_reports_nothing_in_apoptosis_files() -> None:
    problems = [p for p in validate() if p.file.split(":")[0] in OWN]
    assert problems == [], "\n".join(str(p) for p in problems)


def test_every_source_is_literature_with_identifier_and_every_entry_cites_one(kb) -> None:
    for s in _load("sources", MINE["sources"]):
        assert s["kind"] in ("pmid", "doi", "url"), s["id"]
        if s["kind"] == "pmid":
            assert s["pmid"] == s["id"].removeprefix("pmid:")
        if s["kind"] == "doi":
            assert s["doi"] == s["id"].removeprefix("doi:")
        if s["kind"] == "url":  # no verified PMID/DOI: must say so
            assert "not verified" in s["note"], s["id"]
    for kind in ("genes", "agents", "diseases", "mechanisms", "biomarkers", "strategies"):
        for e in _load(kind, MINE[kind]):
            assert e["sources"] and all(r.get("at") for r in e["sources"]), (kind, e["id"])
            assert e.get("basis") in ("seed", "literature", "inferred"), (kind, e["id"])
            if e.get("basis") == "seed":
                assert any(r["source"].startswith("seed:") for r in e["sources"]), e["id"]


def test_gene_identifiers_match_reference_table(reference_genes) -> None:
    for g in _load("genes", MINE["genes"]):
        assert reference_genes[g["id"]] == (g["entrez_id"], g["hgnc_id"]), g["id"]


def test_no_entity_duplicates_a_seed_entity() -> None:
    for kind in ("genes", "agents", "diseases", "sources"):
        seeds = {e["id"] for e in _load(kind, SEEDS[kind])}
        mine = {e["id"] for e in _load(kind, MINE[kind])}
        assert not seeds & mine, (kind, seeds & mine)


# --------------------------------------------------------------------------- BCL2 biology
def test_venetoclax_resistance_mechanisms(kb) -> None:
    ids = {m.id for m in kb.mechanisms_for_agent("venetoclax")}
    # seed 000: MCL1 / BCL-XL up-regulation; Blombery 2019: G101V; Moujalled 2023: BAX
    assert {"mcl1-upregulation", "bclxl-upregulation", "bcl2-g101v", "bax-loss",
            "monocytic-differentiation", "flt3-itd-signalling", "ras-pathway-activation",
            "tp53-loss-bh3-mimetic"} <= ids
    assert kb.mechanisms["bcl2-g101v"].category == "drug_target"
    assert kb.mechanisms["bcl2-g101v"].model_term == "bcl2_g101v"
    assert kb.mechanisms["mcl1-upregulation"].model_term == "mcl1_level"
    assert kb.mechanisms["bclxl-upregulation"].model_term == "bclxl_level"
    assert "seed:000" in {s.source for s in kb.mechanisms["mcl1-upregulation"].sources}


def test_g101v_rule_is_an_exact_variant_and_codon_rule_is_weaker(kb) -> None:
    b = kb.biomarkers["bcl2-g101v-variant"]
    assert (b.mechanism, b.call, b.resolution) == ("bcl2-g101v", "detected", "exact variant")
    assert b.profile.kind == "variant" and b.profile.gene == "BCL2"
    assert b.profile.protein_changes == ["p.G101V"] and not b.profile.codons
    codon = kb.biomarkers["bcl2-groove-codon"]
    assert codon.call == "possible" and codon.resolution == "codon"


def test_g101v_numbers_match_blombery_2019(kb) -> None:
    nums = {q.unit: q for q in kb.evidence["g101v-affinity-180-fold"].numbers}
    assert nums["fold"].value == 180
    pts = [q.value for q in kb.evidence["g101v-at-progression-cll"].numbers if q.unit == "patients"]
    assert pts == [7, 15]


def test_sensitivity_markers_npm1_idh_t1114(kb) -> None:
    for mid in ("npm1-mutation-sensitivity", "idh-mutation-sensitivity", "t11-14-bcl2-dependence",
                "bcl2-dependence-high"):
        assert kb.mechanisms[mid].effect == "sensitivity", mid
    assert set(kb.mechanisms["idh-mutation-sensitivity"].genes) == {"IDH1", "IDH2"}
    rule = next(r for r in kb.scoring.rules if r.id == "venetoclax-bcl2-axis")
    weights = {}
    for t in rule.terms:
        for m in getattr(t, "max", None) or [t]:
            if getattr(m, "mechanism", None):
                weights[m.mechanism] = m.weight
    for mid in ("npm1-mutation-sensitivity", "idh-mutation-sensitivity", "t11-14-bcl2-dependence"):
        assert weights[mid] < 0, mid
    assert weights["bcl2-g101v"] >= 60  # high on its own


def test_flt3_itd_rule_uses_inframe_indel_and_monocytic_rule_uses_fab(kb) -> None:
    assert kb.biomarkers["flt3-itd-variant"].profile.consequences == ["inframe_indel"]
    mono = kb.biomarkers["monocytic-fab-m4-m5"].profile
    assert mono.kind == "subtype" and {"M4", "M5"} <= set(mono.values) and mono.diseases == ["AML"]


def test_tp53_conflict_between_aml_and_cll_is_kept(kb) -> None:
    aml, cll = kb.evidence["tp53-venetoclax-aml-failure"], kb.evidence["venetoclax-del17p-cll-active"]
    assert cll.id in aml.conflicts_with and aml.id in cll.conflicts_with
    assert cll.direction == "does_not_support"
    for b in kb.biomarkers_for_mechanism("tp53-loss-bh3-mimetic"):
        assert b.diseases == ["AML"], b.id


def test_viale_a_numbers(kb) -> None:
    ev = kb.evidence["viale-a-overall-survival"]
    months = sorted(q.value for q in ev.numbers if q.unit == "months" and "OS" in (q.context or ""))
    assert months == [9.6, 14.7]
    hr = next(q for q in ev.numbers if q.unit == "hazard ratio")
    assert (hr.value, hr.low, hr.high) == (0.66, 0.52, 0.85)


def test_seed_000_unattributed_claims_are_review_statements(kb) -> None:
    # seed 000's 'ORR up to 90%' (IMiDs + CAR-T) is kept once, in evidence/immune.yaml
    for eid in ("seed000-pfs-30-40-unattributed", "seed000-venetoclax-orr-over-70"):
        ev = kb.evidence[eid]
        assert ev.level == "review_statement" and ev.basis == "seed" and ev.source == "seed:000"
        assert "unattributed" in ev.note.lower()
    q = kb.evidence["seed000-pfs-30-40-unattributed"].numbers[0]
    assert (q.low, q.high, q.unit) == (30, 40, "%")


def test_strategies_link_mechanisms_to_the_right_drugs(kb) -> None:
    mcl1 = {s.id for s in kb.strategies_for_mechanism("mcl1-upregulation")}
    assert {"mcl1-inhibitor-combination", "cdk9-inhibitor-mcl1-suppression"} <= mcl1
    assert kb.agents["azd4573"].targets == ["CDK9"]
    combo = kb.strategies["mcl1-inhibitor-combination"]
    assert {kb.agents[a].agent_class for a in combo.agents} >= {"mcl1_inhibitor", "bh3_mimetic"}
    assert "bclxl-targeting" in {s.id for s in kb.strategies_for_mechanism("bclxl-upregulation")}
    assert "dt2216" in kb.strategies["bclxl-targeting"].agents
    assert "flt3-inhibitor-combination" in {s.id for s in kb.strategies_for_mechanism("flt3-itd-signalling")}
    assert "gilteritinib" in kb.strategies["flt3-inhibitor-combination"].agents


# --------------------------------------------------------------------------- TRAIL biology
def test_trail_mechanisms_and_model_terms(kb) -> None:
    terms = {m.model_term for m in kb.mechanisms.values() if m.axis == "trail" and m.model_term}
    assert terms == {"dr_level", "decoy_level", "flip_level", "casp8_level", "xiap_level", "bid_level"}
    assert set(kb.mechanisms["decoy-receptor-expression"].genes) == {"TNFRSF10C", "TNFRSF10D"}
    assert kb.mechanisms["cflip-upregulation"].genes == ["CFLAR"]
    ids = {m.id for m in kb.mechanisms_for_agent("eftozanermin-alfa")}
    assert {"death-receptor-loss", "casp8-loss", "cflip-upregulation", "xiap-overexpression"} <= ids


def test_smac_mimetic_strategy_addresses_xiap(kb) -> None:
    hits = {s.id for s in kb.strategies_for_mechanism("xiap-overexpression")}
    assert "smac-mimetic-plus-trail" in hits
    birinapant = kb.agents["birinapant"]
    assert birinapant.agent_class == "smac_mimetic" and "XIAP" in birinapant.targets
    assert "birinapant" in kb.strategies["smac-mimetic-plus-trail"].agents


def test_trail_sensitisers_address_receptor_and_flip(kb) -> None:
    pi = kb.strategies["proteasome-inhibitor-plus-trail"]
    assert "bortezomib" in pi.agents
    assert {l.mechanism for l in pi.addresses} >= {"death-receptor-loss", "cflip-upregulation"}
    assert "hdac-inhibitor-trail-induction" in {
        s.id for s in kb.strategies_for_mechanism("death-receptor-loss")}
    assert kb.agents["vorinostat"].agent_class == "hdac_inhibitor"
    bh3 = {s.id for s in kb.strategies_for_mechanism("mitochondrial-block-bcl2-family")}
    assert "trail-agonist-plus-bh3-mimetic" in bh3


# --------------------------------------------------------------------------- scoring, end to end
def _cohort(samples: list[dict], variants: list[dict], vaf: dict | None = None) -> Cohort:
    s = pd.DataFrame([{"subtype": None, "line": pd.NA, "prior_agents": [], "refractory_agents": [],
                       **row} for row in samples], columns=COLUMNS["samples"])
    assessed = pd.DataFrame([(r["sample"], k) for r in samples for k in ("variant", "subtype", "history")],
                            columns=["sample", "kind"])
    v = pd.DataFrame([{"vaf": (vaf or {}).get(r["sample"], 0.4), "source": "test", **r}
                      for r in variants])[COLUMNS["variants"]]
    return Cohort(samples=s, assessed=assessed, variants=v if len(v) else empty("variants"))


def test_calls_on_canonical_samples(kb) -> None:
    from refractor.interpret import interpret

    samples = [
        dict(sample="CLL-G101V", disease="CLL"),
        dict(sample="AML-TP53-FLT3", disease="AML"),
        dict(sample="AML-BAX", disease="AML"),
        dict(sample="AML-M5", disease="AML", subtype="M5"),
        dict(sample="AML-NPM1", disease="AML"),
        dict(sample="MM-T1114", disease="MM", subtype="t(11;14)"),
        dict(sample="CLL-TP53", disease="CLL"),
        dict(sample="AML-CASP8", disease="AML"),
        dict(sample="CLL-VEN-REF", disease="CLL", refractory_agents=["venetoclax"]),
    ]
    variants = [
        dict(sample="CLL-G101V", gene="BCL2", consequence="missense", protein_change="p.G101V"),
        dict(sample="AML-TP53-FLT3", gene="TP53", consequence="missense", protein_change="p.R248Q"),
        dict(sample="AML-TP53-FLT3", gene="FLT3", consequence="inframe_indel",
             protein_change="p.599_600insDFREYEY"),
        dict(sample="AML-BAX", gene="BAX", consequence="frameshift", protein_change="p.E41fs"),
        dict(sample="AML-NPM1", gene="NPM1", consequence="frameshift", protein_change="p.W288fs"),
        dict(sample="CLL-TP53", gene="TP53", consequence="nonsense", protein_change="p.R196*"),
        dict(sample="AML-CASP8", gene="CASP8", consequence="nonsense", protein_change="p.R68*"),
    ]
    res = interpret(_cohort(samples, variants, vaf={"AML-CASP8": 0.9}), kb)
    level = {s: {a: res[s].agent(a).level for a in ("venetoclax", "sonrotoclax", "s63845",
                                                     "eftozanermin-alfa")} for s in res.samples}
    # G101V alone: venetoclax high (Blombery 2019); sonrotoclax stays active (Blood 2024)
    assert level["CLL-G101V"]["venetoclax"] == "high"
    assert level["CLL-G101V"]["sonrotoclax"] in ("susceptible", "low")
    # TP53 + FLT3-ITD in AML: both enriched at venetoclax failure (DiNardo 2020)
    assert level["AML-TP53-FLT3"]["venetoclax"] == "high"
    # BAX loss blocks venetoclax and MCL1 inhibitors alike (Moujalled 2023; Liu 2021)
    assert level["AML-BAX"]["venetoclax"] == "intermediate"
    assert level["AML-BAX"]["s63845"] == "intermediate"
    # monocytic AML: venetoclax-resistant but MCL1-reliant (Pei 2020)
    assert level["AML-M5"]["venetoclax"] == "intermediate"
    assert res["AML-M5"].agent("s63845").score < 0
    # sensitivity markers lower the score below zero
    assert res["AML-NPM1"].agent("venetoclax").score < 0
    assert res["MM-T1114"].agent("venetoclax").score < 0
    assert level["AML-NPM1"]["venetoclax"] == level["MM-T1114"]["venetoclax"] == "susceptible"
    # TP53 loss is not called as venetoclax resistance in CLL (Stilgenbauer 2016)
    assert res["CLL-TP53"].mechanism("tp53-loss-bh3-mimetic").status != "detected"
    assert level["CLL-TP53"]["venetoclax"] == "susceptible"
    # no caspase-8 (truncation at VAF 0.9: no wild-type copy left), no DISC signal: TRAIL agonist
    # high; a heterozygous truncation leaves one allele (issue 11 dosage) and is only `possible`
    assert level["AML-CASP8"]["eftozanermin-alfa"] == "high"
    assert level["AML-CASP8"]["venetoclax"] == "susceptible"
    # clinical refractoriness to the same agent is high-level resistance (scoring/base.yaml)
    assert level["CLL-VEN-REF"]["venetoclax"] == "high"
    assert level["CLL-VEN-REF"]["sonrotoclax"] == "low"


def test_rules_only_reference_own_mechanisms_and_known_agents(kb) -> None:
    mine = {m["id"] for m in _load("mechanisms", MINE["mechanisms"])}
    for raw in _rules():
        rule = AgentRule.model_validate(raw)
        for t in rule.terms:
            for m in getattr(t, "max", None) or [t]:
                if getattr(m, "mechanism", None):
                    assert m.mechanism in mine, (rule.id, m.mechanism)
            for m in getattr(t, "all", None) or []:
                assert m in mine, (rule.id, m)
        for a in rule.agents:
            assert a in kb.agents, (rule.id, a)
