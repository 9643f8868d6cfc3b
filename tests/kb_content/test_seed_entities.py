"""Seed-entity content of the knowledge base, checked against the seed reviews themselves.

The files under test are the ``seeds.yaml`` / ``seed_refs.yaml`` files of ``refractor/kb/data``
(sources, diseases, genes, agents, neosubstrates, claims, trials, contradictions, model systems).
They are loaded on their own through :meth:`KnowledgeBase.from_records`, which applies the same
schema and cross-reference checks as :meth:`KnowledgeBase.load`, so these tests do not depend on
the state of the mechanism / strategy files written elsewhere.  One test also runs the packaged
validator and asserts that none of its problems concern these files.

Reference for every number: the seed files in ``shared/seeds`` (quoted in each test), in
particular seed 003 = Bird & Pawlyn, Blood 2023 (IMiD resistance in MM) and seed 004 = Guo et al.,
Front Immunol 2022 (doi:10.3389/fimmu.2022.1017990).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from refractor.kb import KnowledgeBase, default_data_dir, validate

DATA = default_data_dir()
SEED_FILES = {
    "sources": ["seeds.yaml", "seed_refs.yaml", "names.yaml"],
    "diseases": ["seeds.yaml"],
    "genes": ["seeds.yaml"],
    "agents": ["seeds.yaml"],
    "neosubstrates": ["seeds.yaml"],
    "claims": ["seeds.yaml"],
    "trials": ["seeds.yaml"],
    "contradictions": ["seeds.yaml"],
    "model_systems": ["seeds.yaml"],
}
OWN = {f"{kind}/{name}" for kind, names in SEED_FILES.items() for name in names}
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _entries(kind: str) -> list[dict]:
    out: list[dict] = []
    for name in SEED_FILES[kind]:
        out.extend(yaml.safe_load((DATA / kind / name).read_text(encoding="utf-8")))
    return out


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The seed-entity files alone, validated (schema + every cross reference) by the KB engine.

    Contradiction sides may link evidence items that live in ``evidence/*.yaml`` (another
    curator's files); those links are dropped here and checked by
    :func:`test_packaged_validator_reports_nothing_in_seed_files` on the full packaged KB.
    """
    records = {kind: _entries(kind) for kind in SEED_FILES}
    for item in records["contradictions"]:
        for side in item["sides"]:
            side.pop("evidence", None)
    return KnowledgeBase.from_records(**records)


# --------------------------------------------------------------------------- integrity
def test_packaged_validator_reports_nothing_in_seed_files() -> None:
    problems = [p for p in validate() if p.file.split(":")[0] in OWN]
    assert problems == [], "\n".join(str(p) for p in problems)


def test_every_source_reference_resolves(kb: KnowledgeBase) -> None:
    # from_records already rejects dangling references; assert the key ones explicitly too
    for claim in kb.claims.values():
        assert claim.source in kb.sources, claim.id
    for agent in kb.agents.values():
        for target in agent.targets:
            assert target in kb.genes, (agent.id, target)
        for part in agent.components:
            assert part in kb.agents, (agent.id, part)


def test_five_seeds_and_full_bibliography_of_003(kb: KnowledgeBase) -> None:
    seeds = [s for s in kb.sources.values() if s.kind == "seed"]
    assert sorted(s.id for s in seeds) == [f"seed:00{i}" for i in range(5)]
    for s in seeds:
        assert s.seed_file and s.seed_file.startswith(s.id[-3:])
        if SEEDS_DIR.is_dir():
            assert (SEEDS_DIR / s.seed_file).is_file(), s.seed_file
    refs003 = {s.id for s in kb.sources.values() if s.id.startswith("ref:003-")}
    assert refs003 == {f"ref:003-{n}" for n in range(1, 91)}  # 003 has 90 references
    refs004 = {s.id for s in kb.sources.values() if s.id.startswith("ref:004-")}
    assert refs004 == {f"ref:004-{n}" for n in range(294, 313)}  # only 294-312 survive in 004
    # 003 ref 49: Gooding et al., 2q37 COP9 loss (Blood 2022)
    assert "2q37" in kb.sources["ref:003-49"].title and kb.sources["ref:003-49"].year == 2022


def test_gene_ids_match_reference_table(kb: KnowledgeBase, reference_genes) -> None:
    """entrez_id / hgnc_id must equal the GRCh38 reference table (never typed from memory)."""
    for gene in kb.genes.values():
        if gene.entrez_id is None:
            assert gene.id not in reference_genes, f"{gene.id} is in the reference table but has no entrez_id"
            continue
        assert reference_genes[gene.id] == (gene.entrez_id, gene.hgnc_id), gene.id


# --------------------------------------------------------------------------- entities
def test_lenalidomide_targets_crbn_and_generations(kb: KnowledgeBase) -> None:
    # 003: IMiDs bind the tri-tryptophan pocket of cereblon (CRBN)
    for agent in ("thalidomide", "lenalidomide", "pomalidomide", "iberdomide", "mezigdomide"):
        assert "CRBN" in kb.agents[agent].targets
    gens = {a: kb.agents[a].generation for a in ("thalidomide", "lenalidomide", "pomalidomide", "iberdomide")}
    assert gens == {"thalidomide": 1, "lenalidomide": 2, "pomalidomide": 3, "iberdomide": 4}
    assert "CC-220" in kb.agents["iberdomide"].codes and "CC-92480" in kb.agents["mezigdomide"].codes
    # 004 3.2.2: pomalidomide binds ZAP-70 directly (CRBN-independent)
    assert "ZAP70" in kb.agents["pomalidomide"].targets


def test_venetoclax_pubchem_from_seed_000(kb: KnowledgeBase) -> None:
    # seed 000 Chemicals: venetoclax (PubChem CID 49846579), sonrotoclax (PubChem CID 149553242)
    assert kb.agents["venetoclax"].pubchem_cid == 49846579
    assert kb.agents["sonrotoclax"].pubchem_cid == 149553242
    assert kb.agents["venetoclax"].targets == ["BCL2"]


def test_bcl2l1_uses_human_gene_id(kb: KnowledgeBase) -> None:
    # seed 000 gives 12048 (mouse Bcl2l1) and 598 (human BCL2L1); the human one is kept
    gene = kb.genes["BCL2L1"]
    assert gene.entrez_id == 598 and "12048" in (gene.note or "")


def test_regimens_have_the_seed_components(kb: KnowledgeBase) -> None:
    assert kb.agents["pvd"].components == ["pomalidomide", "bortezomib", "dexamethasone"]
    assert kb.agents["drd"].components == ["daratumumab", "lenalidomide", "dexamethasone"]
    assert kb.agents["r2"].components == ["rituximab", "lenalidomide"]
    assert kb.agents["galen"].components == ["obinutuzumab", "lenalidomide"]
    assert kb.agents["r2-chop"].components[0] == "lenalidomide"
    assert set(kb.agents["r-chop"].components) < set(kb.agents["r2-chop"].components)
    assert all(a.agent_class == "regimen" for a in kb.agents.values() if a.components)


def test_disease_states_hang_under_mm(kb: KnowledgeBase) -> None:
    d = kb.diseases
    assert d["MM"].ontology["MONDO"] == "MONDO:0009693"  # as printed in seed 000
    chain, node = [], "MM-LEN-POM-REF"
    while node:
        chain.append(node)
        node = d[node].parent
    assert chain[:2] == ["MM-LEN-POM-REF", "MM-LEN-REF"] and "MM" in chain
    for code in ("MM-ND", "MM-RR", "MM-PRIMARY-REF", "CLL", "AML", "MDS-DEL5Q", "TMN", "DLBCL-ABC",
                 "FL", "MCL", "MZL", "PCNSL", "NHL"):
        assert code in d
    assert d["MDS-DEL5Q"].parent == "MDS" and d["DLBCL-ABC"].parent == "DLBCL"
    assert "TOXICITY" not in d  # seed 000 entity-linking artefact, not a disease


def test_neosubstrate_spectrum_is_graded(kb: KnowledgeBase) -> None:
    n = kb.neosubstrates
    # 004 2.2: lenalidomide degrades CK1alpha more efficiently than thalidomide and pomalidomide
    assert n["lenalidomide-csnk1a1"].potency == "strong"
    assert n["pomalidomide-csnk1a1"].potency in {"weak", "none"}
    assert n["thalidomide-csnk1a1"].potency in {"weak", "none"}
    # the conflicting 003 reading ("unique neosubstrate") is recorded, not dropped
    assert "unique" in n["pomalidomide-csnk1a1"].note
    # 004 section 5: CC-885 degrades PLK1
    assert n["cc-885-plk1"].substrate == "PLK1"
    assert {r.agent for r in n.values() if r.substrate == "IKZF1"} >= {"lenalidomide", "pomalidomide", "iberdomide", "cft7455"}


# --------------------------------------------------------------------------- claims
def _claims_by_inventory(kb: KnowledgeBase) -> dict[str, list]:
    out: dict[str, list] = {}
    for c in kb.claims.values():
        out.setdefault(c.inventory_id, []).append(c)
    return out


def test_every_inventory_claim_is_present(kb: KnowledgeBase) -> None:
    by_inv = _claims_by_inventory(kb)
    assert len(kb.claims) >= 36
    assert set(by_inv) >= {f"QC{i:02d}" for i in range(1, 43)}


def test_2q37_loss_rises_with_refractoriness(kb: KnowledgeBase) -> None:
    # 003: copy loss at 2q37 (COPS7B, COPS8): ND 5.5%, len-refractory 10%, len->pom-refractory 16.4% (ref 49)
    series = [kb.claims[i] for i in ("q-2q37-loss-nd", "q-2q37-loss-len-ref", "q-2q37-loss-len-pom-ref")]
    assert [c.quantity.value for c in series] == [5.5, 10, 16.4]
    assert [c.diseases for c in series] == [["MM-ND"], ["MM-LEN-REF"], ["MM-LEN-POM-REF"]]
    assert all(c.quantity.unit == "%" and c.source == "ref:003-49" for c in series)


def test_optimismm_pfs(kb: KnowledgeBase) -> None:
    # 003: pomalidomide + bortezomib + dexamethasone vs bortezomib + dexamethasone, median 22.0 vs 13.1 months, P = .03
    assert kb.claims["q-optimismm-pfs-pvd"].quantity.value == 22.0
    assert kb.claims["q-optimismm-pfs-vd"].quantity.value == 13.1
    trial = kb.trials["optimismm"]
    head = [o for o in trial.outcomes if o.comparator_arm]
    assert len(head) == 1 and head[0].quantity.value == 22.0 and head[0].p_value == pytest.approx(0.03)
    assert head[0].quantity.unit == "months"


@pytest.mark.parametrize(
    ("claim", "value", "bound"),
    [
        ("q-crbn-mutation-nd", 1, "high"),            # 003: '(<1%)'
        ("q-crbn-mutation-imid-treated", 12, "value"),  # 003: '~12%'
        ("q-crbn-any-lesion-rrmm", 30, "value"),      # 003: 'nearly 30%'
        ("q-primary-imid-refractory", 5, "value"),    # 003: 'about 5% are refractory'
        ("q-myeloma-xi-n", 3894, "value"),            # 003 ref 5 title: 3894 patients
        ("q-crbn-methylation-resistant", 18, "value"),  # 003: 18 out of 27 samples
        ("q-crbn-methylation-controls", 0, "value"),  # 003: none of the matched controls
        ("q-iberdomide-orr", 30, "value"),            # 003: ORR ~30%
        ("q-len-ofatumumab-orr", 71, "value"),        # 004 4.1: 71% ORR
        ("q-len-ofatumumab-pfs", 16, "value"),        # 004 4.1: PFS of 16 months
        ("q-pembro-imid-early-orr", 50, "value"),     # 004 4.2: ~50% ORR
        ("q-venetoclax-orr-cll-aml", 70, "low"),      # 000: ORR >70%
    ],
)
def test_published_numbers(kb: KnowledgeBase, claim: str, value: float, bound: str) -> None:
    assert getattr(kb.claims[claim].quantity, bound) == value


def _norm(text: str) -> str:
    # the seeds write '\u223c' for '~' and break lines anywhere; compare on normalised text
    text = text.replace("\u223c", "~").replace("\u2019", "'").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text).lower()


def test_claim_verbatim_text_is_in_its_seed(kb: KnowledgeBase) -> None:
    """Every number is quoted as printed: the verbatim text must occur in the seed it was read from."""
    if not SEEDS_DIR.is_dir():
        pytest.skip("shared seeds not available")
    texts = {p.name: _norm(p.read_text(encoding="utf-8")) for p in SEEDS_DIR.glob("*.txt")}
    for claim in kb.claims.values():
        if claim.quantity.verbatim:
            assert _norm(claim.quantity.verbatim) in texts[claim.seed_file], claim.id


def test_fused_citation_numbers_are_removed(kb: KnowledgeBase) -> None:
    # 003 prints 'KEYNOTE 18367 and 18568': trials 183 (ref 67) and 185 (ref 68)
    assert {"keynote-183", "keynote-185"} <= set(kb.trials)
    sources = {s.source for s in kb.trials["keynote-183"].sources}
    assert "ref:003-67" in sources and "ref:003-68" in {s.source for s in kb.trials["keynote-185"].sources}
    for c in kb.claims.values():
        assert "18367" not in (c.quantity.verbatim or "")


# --------------------------------------------------------------------------- trials / conflicts
def test_keynote_183_185_stopped_for_harm(kb: KnowledgeBase) -> None:
    # 003: stopped prematurely by the US FDA because of a higher than expected number of deaths;
    # 004 4.2: discontinued due to higher risk of death
    for tid, partner in (("keynote-183", "pomalidomide"), ("keynote-185", "lenalidomide")):
        trial = kb.trials[tid]
        assert "death" in trial.status and "harm" in trial.status
        arm_agents = {c for arm in trial.arms for a in arm.agents for c in kb.agents[a].components}
        assert {"pembrolizumab", partner, "dexamethasone"} <= arm_agents
    assert kb.trials["keynote-185"].diseases == ["MM-ND"]
    assert "HARMFUL" in kb.agents["pembrolizumab-rd"].status


def test_hovon65_crbn_biomarker_is_imid_specific(kb: KnowledgeBase) -> None:
    # 003: CRBN expression predicted PFS in 96 thalidomide-maintenance patients, not in the bortezomib arm
    arms = {a.name: a for a in kb.trials["hovon-65-gmmg-hd4"].arms}
    assert arms["thalidomide maintenance"].n == 96 and "bortezomib maintenance" in arms


def test_contradiction_sides_link_conflicting_evidence() -> None:
    """Where both sides of a contradiction are carried by evidence items, those items are marked as
    conflicting with each other (``conflicts_with``) in the packaged KB - the conflict is explicit."""
    full = {p.file.split(":")[0] for p in validate()}
    if any(f.startswith(("evidence/", "contradictions/")) for f in full):
        pytest.skip("evidence files currently have validation problems")
    evidence = {}
    for path in sorted((DATA / "evidence").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            evidence[item["id"]] = set(item.get("conflicts_with", []))
    for item in _entries("contradictions"):
        linked = [s["evidence"] for s in item["sides"] if s.get("evidence")]
        for ev in linked:
            assert ev in evidence, (item["id"], ev)
        if len(linked) >= 2:
            # every linked item conflicts with at least one other linked side
            for ev in linked:
                assert evidence[ev] & (set(linked) - {ev}), (item["id"], ev)


def test_eighteen_contradictions_each_with_two_sides(kb: KnowledgeBase) -> None:
    c = kb.contradictions
    assert len(c) == 18
    assert sorted(x.inventory_id for x in c.values()) == [f"CT{i:02d}" for i in range(1, 19)]
    for item in c.values():
        assert len(item.sides) >= 2 and item.handling
    # the high-impact MYC/IRF4 order conflict cites both full-text seeds
    sides = c["ct01-myc-irf4-order"].sides
    assert {s.seed_file[:3] for s in sides} == {"003", "004"}


def test_model_systems_cover_inventory(kb: KnowledgeBase) -> None:
    ids = set(kb.model_systems)
    assert {"mm1s", "nci-h929", "opm2", "oci-my5", "l363", "rpmi8226", "xg1-lenres", "namalwa-csn70"} <= ids
    notes = {m.note for m in kb.model_systems.values()}
    for i in range(1, 11):
        assert any(f"MS{i:02d}" in (n or "") for n in notes), f"MS{i:02d}"
