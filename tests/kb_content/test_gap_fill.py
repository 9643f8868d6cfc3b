"""Gap-filling content of the knowledge base: strategies for mechanisms that had none, and evidence.

Files under test (refractor/kb/data): {sources,genes,agents,strategies,evidence}/gap_fill.yaml,
checked inside the whole packaged KB (``KnowledgeBase.load``) because they link seed mechanisms.

Facts asserted, with their references (each identifier verified with the search tool, see
sources/gap_fill.yaml):
* BCMA loss after anti-BCMA CAR-T: Da Via et al., Nat Med 2021 (PMID 33619368, homozygous TNFRSF17
  deletion; 37/168 untreated patients with heterozygous loss); Samur et al., Nat Commun 2021
  (PMID 33558511, biallelic loss).
* GPRC5D-directed talquetamab: Chari et al., NEJM 2022 (PMID 36507686); MonumenTAL-1 phase 2 report
  (ASH 2022): ORR 72.2% after prior CAR-T (n=36), 44.4% after prior bispecific (n=18).
* CD22 CAR-T in CD19-negative B-ALL: Fry et al., Nat Med 2018 (PMID 29155426): CR 11/15 (73%),
  5/5 CD19-dim/negative. CD19 absent/low in 10/16 LBCL progressing after CAR19: Spiegel et al.,
  Nat Med 2021 (PMID 34312556).
* Glofitamab (CD20 x CD3), Dickinson et al., NEJM 2022;387:2220: CR 39%, 35% in 52 post-CAR-T patients.
* CD20 loss after mosunetuzumab: Schuster et al., Blood 2024 (PMID 38048694): 11/32 (34%).
* Loncastuximab tesirine (anti-CD19 ADC), LOTIS-2: Caimi et al., Haematologica 2024 (PMID 37646659):
  ORR 70/145 (48.3%).
* DR4/DR5 agonist antibodies avoid decoy-receptor sequestration: Milutinovic et al., Mol Cancer Ther
  (PMID 26516157).
* Venetoclax + BCL-XL inhibitor A1155463 lethal in BIM-knockout cells: Blood Adv 2024;8(13):3532.
* MCL1 induction protects CLL cells from anticancer drugs: Blood 2002;100(5):1795.
"""
from __future__ import annotations


import pytest
import yaml

from refractor.kb import KnowledgeBase, default_data_dir, validate

DATA = default_data_dir()
KINDS = ("sources", "genes", "agents", "strategies", "evidence")
FILES = {f"{k}/gap_fill.yaml" for k in KINDS}


def _mine(kind: str) -> list[dict]:
    return yaml.safe_load((DATA / kind / "gap_fill.yaml").read_text(encoding="utf-8")) or []


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _targets(kb: KnowledgeBase, strategy) -> set[str]:
    out: set[str] = set()
    for a in strategy.agents:
        agent = kb.get(a, "agents")
        out |= set(agent.targets)
        for c in agent.components:
            out |= set(kb.get(c, "agents").targets)
    return out


def _levels(kb: KnowledgeBase, subject_id: str) -> set[str]:
    return {e.level.value for e in kb.evidence_for(subject_id)}


# --------------------------------------------------------------------------- integrity
def test_validator_reports_nothing_in_gap_fill_files() -> None:
    problems = [p for p in validate() if p.file.split(":")[0] in FILES]
    assert problems == [], "\n".join(str(p) for p in problems)


def test_every_new_item_cites_a_source_that_resolves(kb) -> None:
    sources = kb.records("sources")
    for s in _mine("sources"):
        assert s["kind"] in ("pmid", "doi", "url"), s["id"]
        if s["kind"] == "pmid":
            assert s["pmid"] == s["id"].removeprefix("pmid:")
        if s["kind"] == "url":  # no verified PMID/DOI: must say so
            assert "not verified" in s["note"], s["id"]
    for kind in ("genes", "agents", "strategies"):
        for entry in _mine(kind):
            assert entry["basis"] == "literature", entry["id"]
            for ref in entry["sources"]:
                assert ref["source"] in sources, (entry["id"], ref["source"])
                assert ref.get("at"), (entry["id"], ref["source"])
    for ev in _mine("evidence"):
        assert ev["source"] in sources, ev["id"]
        assert ev["basis"] == "literature" and ev.get("at"), ev["id"]


def test_new_genes_match_the_reference_table_and_are_not_duplicated(reference_genes) -> None:
    ref = reference_genes
    others = [g["id"] for p in (DATA / "genes").glob("*.yaml") if p.name != "gap_fill.yaml"
              for g in yaml.safe_load(p.read_text(encoding="utf-8")) or []]
    for g in _mine("genes"):
        assert ref[g["id"]] == (g["entrez_id"], g["hgnc_id"]), g["id"]
        assert g["id"] not in others, g["id"]


# --------------------------------------------------------------------------- biology
def test_bcma_loss_is_addressed_by_a_gprc5d_strategy_backed_by_a_clinical_trial(kb) -> None:
    strategies = kb.strategies_for_mechanism("bcma-antigen-loss")
    gprc5d = [s for s in strategies if "GPRC5D" in _targets(kb, s)]
    assert gprc5d, [s.id for s in strategies]
    s = gprc5d[0]
    assert "TNFRSF17" not in _targets(kb, s)  # the switch must not need the lost antigen
    assert s.evidence_level.value == "clinical_trial"
    assert "clinical_trial" in _levels(kb, s.id)
    # MonumenTAL-1 phase 2 (ASH 2022): ORR 72.2% after prior CAR-T (n=36)
    values = {q.value for e in kb.evidence_for(s.id) for q in e.numbers}
    assert 72.2 in values and 44.4 in values


def test_bcma_loss_has_case_level_evidence_of_biallelic_tnfrsf17_loss(kb) -> None:
    ev = kb.evidence_for("bcma-antigen-loss")
    sources = {e.source for e in ev}
    assert {"pmid:33619368", "pmid:33558511"} <= sources
    da_via = next(e for e in ev if e.source == "pmid:33619368")
    assert da_via.significance.value == "resistance"
    assert [q.value for q in da_via.numbers] == [37]  # 37 of 168 untreated patients


def test_cd19_loss_is_addressed_by_cd22_car_t_that_worked_in_cd19_negative_b_all(kb) -> None:
    strategies = kb.strategies_for_mechanism("cd19-antigen-loss")
    cd22 = [s for s in strategies if "CD22" in _targets(kb, s)]
    assert cd22, [s.id for s in strategies]
    for a in cd22[0].agents:  # every agent reaches an antigen other than CD19
        assert set(kb.get(a, "agents").targets) - {"CD19"}, a
    fry = [e for e in kb.evidence_for(cd22[0].id) if e.source == "pmid:29155426"]
    assert fry and fry[0].level.value == "clinical_trial"
    assert {73, 5} <= {q.value for q in fry[0].numbers}  # CR 11/15 = 73%; 5/5 CD19-dim/neg


def test_cd19_loss_also_has_a_cd20_bispecific_switch_marked_inferred(kb) -> None:
    strategies = kb.strategies_for_mechanism("cd19-antigen-loss")
    cd20 = [s for s in strategies if "MS4A1" in _targets(kb, s) and "CD19" not in _targets(kb, s)]
    assert cd20, [s.id for s in strategies]
    link = next(m for m in cd20[0].addresses if m.mechanism == "cd19-antigen-loss")
    assert link.link == "inferred"  # the trial did not report CD19 status after CAR-T
    # Dickinson et al. 2022: CR 35% among the 52 patients with prior CAR-T
    assert 35 in {q.value for e in kb.evidence_for(cd20[0].id) for q in e.numbers}


def test_cd20_loss_is_addressed_by_cd19_directed_agents_only(kb) -> None:
    strategies = kb.strategies_for_mechanism("cd20-antigen-loss")
    cd19 = [s for s in strategies if _targets(kb, s) == {"CD19"}]
    assert cd19, [s.id for s in strategies]
    assert "loncastuximab-tesirine" in cd19[0].agents
    # LOTIS-2 did not select CD20-negative disease: the link must say it is inferred
    link = next(m for m in cd19[0].addresses if m.mechanism == "cd20-antigen-loss")
    assert link.link == "inferred"
    lotis = [e for e in kb.evidence_for(cd19[0].id) if e.source == "pmid:37646659"]
    assert lotis and 48.3 in {q.value for q in lotis[0].numbers}
    # Schuster et al. 2024: CD20 lost in 34% of biopsies at progression on mosunetuzumab
    schuster = [e for e in kb.evidence_for("cd20-antigen-loss") if e.source == "pmid:38048694"]
    assert schuster and 34 in {q.value for q in schuster[0].numbers}


def test_decoy_receptors_are_addressed_by_a_strategy_not_using_recombinant_trail(kb) -> None:
    strategies = kb.strategies_for_mechanism("decoy-receptor-expression")
    assert strategies
    for s in strategies:
        # the affected agents (TRAIL ligands, sequestered by DcR1/DcR2) must not be the remedy
        assert "eftozanermin-alfa" not in s.agents and "trail-based-therapy" not in s.agents
    cited = {r.source for s in strategies for r in s.sources}
    assert "pmid:26516157" in cited


def test_bim_loss_is_addressed_by_adding_a_bclxl_inhibitor_to_venetoclax(kb) -> None:
    strategies = kb.strategies_for_mechanism("bh3-only-loss")
    combos = [s for s in strategies if "venetoclax" in s.agents
              and any(kb.get(a, "agents").agent_class == "bclxl_inhibitor" for a in s.agents)]
    assert combos, [s.id for s in strategies]
    assert combos[0].kind == "combination"


def test_bcl2_family_overexpression_now_has_resistance_evidence(kb) -> None:
    ev = kb.evidence_for("bcl2-family-overexpression")
    assert ev
    assert all(e.significance.value == "resistance" for e in ev)
    assert "CLL" in {d for e in ev for d in e.diseases}


def test_mechanisms_without_direct_evidence_were_left_without_strategies(kb) -> None:
    # no agent acting independently of BAX / p53 was found with direct evidence: nothing invented
    for m in ("bax-loss", "tp53-loss-bh3-mimetic"):
        assert kb.strategies_for_mechanism(m) == [], m
