"""Second knowledge-gap pass (issue 11): integrity of the added content and coverage it must give.

Files under test: ``refractor/kb/data/<kind>/gaps2.yaml`` and ``scoring/rules_gaps2.yaml``, checked
inside the whole packaged KB. Facts asserted come from the sources listed in
``sources/gaps2.yaml`` (each verified with the search tool, as its ``note`` says), e.g.:

* BTK C481S under ibrutinib: Woyach et al. NEJM 2014 (PMID 24869598); pirtobrutinib agnostic to
  C481S (Blood Adv 2024 review); non-C481 mutations after non-covalent inhibitors: Wang et al. NEJM
  2022 (doi:10.1056/NEJMoa2114110).
* IDH2 Q316E / I319M in trans after enasidenib: Intlekofer et al. Nature 2018 (PMID 29950729).
* CD19 exon-2 skipping after CART-19: Sotillo et al. Cancer Discov 2015 (PMID 26516065).
* PSMB5 mutations in 5/8 bortezomib-selected lines, rare in patients (PMID 32561655).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from refractor.kb import KnowledgeBase, default_data_dir, validate
from refractor.kb.schema import Logic, MaxTerm, MechanismTerm

DATA = default_data_dir()
ROOT = Path(__file__).resolve().parents[2]
KINDS = ("sources", "genes", "agents", "mechanisms", "biomarkers", "strategies", "evidence")


def _mine(kind: str) -> list[dict]:
    name = "rules_gaps2.yaml" if kind == "scoring" else "gaps2.yaml"
    return yaml.safe_load((DATA / kind / name).read_text(encoding="utf-8")) or []


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def audit_tool():
    spec = importlib.util.spec_from_file_location("kb_audit", ROOT / "tools" / "kb_audit.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _leaves(term):
    if isinstance(term, Logic):
        kids = term.all or term.any or [term.not_]
        return [x for k in kids for x in _leaves(k)]
    return [term]


def _weights(kb: KnowledgeBase, agent: str) -> dict[str, float]:
    """Mechanism -> weight in the agent's scoring rules (overrides applied; max over rules)."""
    out: dict[str, float] = {}
    for rule in kb.scoring.rules:
        who = set(rule.agents) | {a.id for a in kb.agents.values() if a.agent_class in rule.agent_classes}
        if agent not in who:
            continue
        ov = rule.overrides.get(agent, {})
        for t in rule.terms:
            for m in (t.max if isinstance(t, MaxTerm) else [t]):
                if isinstance(m, MechanismTerm):
                    out[m.mechanism] = max(out.get(m.mechanism, 0.0), ov.get(m.mechanism, m.weight))
    return out


# --------------------------------------------------------------------------- integrity
def test_validator_reports_nothing_in_gaps2_files() -> None:
    problems = [p for p in validate() if "gaps2" in p.file]
    assert problems == [], "\n".join(str(p) for p in problems)


def test_sources_carry_their_identifiers_or_say_unverified() -> None:
    for s in _mine("sources"):
        kind, _, rest = s["id"].partition(":")
        assert s["kind"] == kind and s.get("note"), s["id"]
        if kind == "pmid":
            assert s["pmid"] == rest and rest.isdigit()
        if kind == "doi":
            assert s["doi"] == rest and rest.startswith("10.")
        if kind == "url":  # no verified PMID/DOI: must say so
            assert "not verified" in s["note"], s["id"]


def test_every_added_entry_cites_a_resolving_source_with_a_locator(kb) -> None:
    sources = kb.records("sources")
    for kind in ("genes", "agents", "mechanisms", "biomarkers", "strategies"):
        for entry in _mine(kind):
            assert entry["basis"] in ("literature", "inferred"), entry["id"]
            for ref in entry["sources"]:
                assert ref["source"] in sources and ref.get("at"), (kind, entry["id"], ref)
    for ev in _mine("evidence"):
        assert ev["source"] in sources and ev.get("at") and ev["level"], ev["id"]


def test_added_genes_have_reference_ids(reference_genes) -> None:
    """NCBI Gene and HGNC ids equal the shipped MANE table (copied from ../shared/reference)."""
    for g in _mine("genes"):
        assert (g["entrez_id"], g["hgnc_id"]) == reference_genes[g["id"]], g["id"]


def test_each_added_mechanism_has_evidence_a_measured_biomarker_and_a_score(kb) -> None:
    for m in _mine("mechanisms"):
        assert kb.evidence_for(m["id"]), f"{m['id']}: no evidence item"
        markers = kb.biomarkers_for_mechanism(m["id"])
        measured = [leaf for b in markers for leaf in _leaves(b.profile) if leaf.kind != "history"]
        assert measured, f"{m['id']}: no biomarker on measured data"
        scored = [a for a in kb.agents if _weights(kb, a).get(m["id"], 0) > 0]
        assert scored, f"{m['id']}: no scoring rule gives it weight"


def test_expression_and_splicing_cutoffs_not_from_a_source_are_labelled_assumed(kb) -> None:
    for b in _mine("biomarkers"):
        for leaf in _leaves(kb.biomarkers[b["id"]].profile):
            if leaf.kind == "expression":
                assert "ASSUMED" in leaf.threshold_source, b["id"]
            if leaf.kind == "splicing":
                assert "ASSUMED" in b["note"], b["id"]


# --------------------------------------------------------------------------- coverage (audit)
def test_audit_lists_no_added_or_targeted_agent_without_rule_or_mechanism(kb, audit_tool) -> None:
    """Agents the issue names (BTK, FLT3, IDH, menin, proteasome inhibitors, hypomethylating agents,
    glucocorticoids) now have resistance biology; added agents are all covered."""
    found = audit_tool.audit(kb)
    must = {"ibrutinib", "pirtobrutinib", "acalabrutinib", "zanubrutinib", "gilteritinib", "enasidenib",
            "revumenib", "bortezomib", "azacitidine", "decitabine", "dexamethasone", "prednisone",
            "talquetamab", "teclistamab"}
    assert not must & set(found["agents_without_scoring_rule"])
    assert not must & set(found["agents_without_any_mechanism"])


def test_audit_finds_history_only_mechanisms(kb, audit_tool) -> None:
    """The audit is not vacuous: on the packaged KB it reports the two mechanisms that only a
    treatment history reveals (acquired IMiD refractoriness and TRAIL-signalling resistance)."""
    found = audit_tool.audit(kb)
    assert "imid-refractoriness-acquired" in found["mechanisms_with_history_only_biomarkers"]
    assert "btk-c481-mutation" not in found["mechanisms_with_history_only_biomarkers"]


ANTIGEN_CLASSES = ("car_t", "bispecific", "anti_cd19", "anti_cd20", "anti_cd38")
# Antigen-directed agents still without MEASURED antigen-loss knowledge, and why (issue 11 asks
# for all; these could not be sourced with the search tool in this pass).
NO_MEASURED_ANTIGEN = {
    "cs1-car-t": "no source read for SLAMF7 loss after CS1/SLAMF7-directed therapy",
    "cd23-car-t": "no source read for FCER2 (CD23) loss",
}


def test_every_antigen_directed_agent_scores_measured_antigen_loss(kb) -> None:
    """For each antigen-directed agent some scored mechanism has a biomarker on measured data
    (variant / copy number / expression / splicing) of one of the agent's own target genes."""
    for a in kb.agents.values():
        if a.agent_class not in ANTIGEN_CLASSES or a.id in NO_MEASURED_ANTIGEN:
            continue
        targets = set(a.targets) - {"CD3E"}
        hits = []
        for mech, w in _weights(kb, a.id).items():
            if w <= 0:
                continue
            for b in kb.biomarkers_for_mechanism(mech):
                hits += [leaf for leaf in _leaves(b.profile)
                         if leaf.kind in ("variant", "copy_number", "expression", "splicing")
                         and getattr(leaf, "gene", None) in targets]
        assert hits, f"{a.id} ({a.agent_class}, targets {sorted(targets)}): no measured antigen-loss rule"


def test_no_antigen_directed_agent_is_scored_on_an_antigen_it_does_not_engage(kb) -> None:
    """BCMA loss must not raise a GPRC5D engager, CD19 loss must not raise CD20/CD22-only agents:
    every weighted antigen-loss mechanism's genes intersect the agent's targets."""
    antigen_mechs = {m.id: set(m.genes) for m in kb.mechanisms.values()
                     if m.id.endswith(("antigen-loss", "exon2-skipping", "ecd-mutation", "ecd-missense"))
                     and m.id != "target-antigen-loss"}
    for a in kb.agents.values():
        if a.agent_class not in ANTIGEN_CLASSES:
            continue
        for mech, w in _weights(kb, a.id).items():
            if mech in antigen_mechs and w > 0:
                assert antigen_mechs[mech] & set(a.targets), (a.id, mech, w)


def test_history_terms_are_not_the_only_term_of_added_rules() -> None:
    for rule in _mine("scoring"):
        kinds = []
        for t in rule["terms"]:
            kinds += [("history" in m) for m in t.get("max", [t])]
        assert not all(kinds), f"{rule['id']}: history only"


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout for --before")
def test_audit_tool_prints_before_and_after_counts(audit_tool, capsys) -> None:
    """`tools/kb_audit.py --before REV` re-measures a curation pass; against HEAD the counts are equal
    to the packaged KB's only when the working tree's KB is committed, so compare the printed AFTER
    counts with audit() rather than with BEFORE."""
    assert audit_tool.main(["--before", "HEAD"]) == 0
    out = capsys.readouterr().out
    after = audit_tool.audit(KnowledgeBase.load())
    assert "counts before -> after" in out
    for key, ids in after.items():
        assert f"{key}: " in out and f"-> {len(ids)}" in out
