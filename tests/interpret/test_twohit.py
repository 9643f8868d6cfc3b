"""Two heterozygous inactivating hits in one gene are biallelic loss (issue 11 leftover).

Biology: a gene has two alleles; two truncating variants on different alleles, or a truncation
on one allele and deletion of the other, leave no functional protein - the same state as a
homozygous deletion (Knudson's two hits). In CLL the commonest TP53 inactivation is a mutation
with deletion of the other allele (10.5% of 400 patients) and two mutations on separate alleles
occur too (1.3%) (Blood 2009;114:5307, KB source of ev-g3-tp53-biallelic-two-hits). Phase of two
SNVs is not measured by a MAF: the in-trans reading is an assumption and is stated.
"""
from __future__ import annotations

import pandas as pd
import pytest

from refractor.interpret import interpret, interpret_per_sample
from refractor.io.cohort import COLUMNS, Cohort
from refractor.kb import KnowledgeBase


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def _cohort(disease, variants=(), cn=(), purity=None):
    s = dict(sample="S", disease=disease, subtype=None, line=pd.NA, prior_agents=[],
             refractory_agents=[])
    cols = list(COLUMNS["samples"])
    if purity is not None:
        s["purity"] = purity
        cols += [] if "purity" in cols else ["purity"]
    v = pd.DataFrame([dict(sample="S", gene=g, consequence=c, protein_change=p, vaf=x,
                           source=f"t:{i + 2}") for i, (g, c, p, x) in enumerate(variants)],
                     columns=COLUMNS["variants"])
    c = pd.DataFrame([dict(sample="S", gene=g, log2_ratio=r, source="s:1") for g, r in cn],
                     columns=COLUMNS["copy_number"])
    a = pd.DataFrame([("S", "variant"), ("S", "copy_number")], columns=["sample", "kind"])
    return Cohort(samples=pd.DataFrame([s], columns=cols), assessed=a, variants=v, copy_number=c)


def _same(c, kb):
    vec, loop = interpret(c, kb), interpret_per_sample(c, kb)
    assert [r.to_dict() for r in vec] == [r.to_dict() for r in loop]
    return vec["S"]


R100, Q200 = ("CRBN", "nonsense", "p.R100*", 0.3), ("CRBN", "frameshift", "p.Q200fs", 0.3)


def test_two_crbn_truncations_are_no_drug_target_like_a_homozygous_deletion(kb):
    """One truncation leaves one functional CRBN allele (dosage of a single-copy loss:
    intermediate). Two truncations (VAF 0.3 each: neither alone is biallelic) leave no
    drug-binding CRBN, like a homozygous deletion: crbn-point-mutation (the 'no drug-binding
    CRBN' mechanism) is detected and lenalidomide reads high, as for the deletion; the one-allele
    reading (crbn-copy-loss) no longer comes from these variants."""
    one = _same(_cohort("MM", [R100]), kb)
    two = _same(_cohort("MM", [R100, Q200]), kb)
    homdel = _same(_cohort("MM", cn=[("CRBN", -1.6)]), kb)
    assert one.mechanism("crbn-point-mutation").status == "not_detected"
    assert one.agent("lenalidomide").level == "intermediate"
    m = two.mechanism("crbn-point-mutation")
    assert m.status == "detected" and two.mechanism("crbn-copy-loss").status == "not_detected"
    assert two.agent("lenalidomide").level == homdel.agent("lenalidomide").level == "high"
    basis = m.observations[0].clonal_basis
    assert "phase not measured" in basis and "in trans ASSUMED" in basis
    assert any("phase not measured" in a for a in two.assumptions)
    # nested clones: no functional CRBN in the smaller CCF (0.6); pigeonhole lower bound 0.2
    assert m.clonal_fraction == pytest.approx(0.6) and ">= 0.20" in basis


def test_the_same_variant_twice_is_one_hit(kb):
    """The same truncation listed twice (two callers, two files) is one hit, not two."""
    r = _same(_cohort("MM", [R100, R100]), kb)
    assert r.mechanism("crbn-point-mutation").status == "not_detected"
    assert r.agent("lenalidomide").level == "intermediate"


def test_truncation_plus_one_copy_loss_in_an_impure_sample(kb):
    """Truncating CRBN variant on the retained allele of a clonal one-copy loss at 70% purity:
    log2 = log2(1 - 0.7/2) = -0.62 and VAF = 0.7 / 1.3 = 0.54. Purity is not given (assumed 1),
    so the single-variant test sees a wild-type copy left; the two-hit reading recognises the
    second hit: the loss is in 2 x (1 - 2^-0.62) = 0.70 of cells and the VAF reaches the
    2^0.62 - 1 = 0.54 expected if every one of them carries the variant (consistent)."""
    r = _same(_cohort("MM", [("CRBN", "nonsense", "p.R100*", 0.54)], cn=[("CRBN", -0.62)]), kb)
    m = r.mechanism("crbn-point-mutation")
    assert m.status == "detected" and r.agent("lenalidomide").level == "high"
    assert m.clonal_fraction == pytest.approx(0.70, abs=0.01)
    assert "consistent" in m.observations[0].clonal_basis


def test_truncation_in_a_small_part_of_the_deleted_cells_scores_as_subclonal(kb):
    """A one-copy loss in 93% of cells (log2 -0.9, pure: 2 x (1 - 2^-0.9) = 0.93; not deep
    enough for the KB's homozygous-deletion rule at -1.0): a variant on the remaining allele of
    every such cell would have VAF 2^0.9 - 1 = 0.87; VAF 0.1 means it is in ~11% of cells
    (CCF 2 x 2^-0.9 x 0.1 = 0.107, nested clones assumed): the biallelic state is subclonal and
    its weight falls accordingly (clonal factor 0.107 / 0.5 = 0.21)."""
    r = _same(_cohort("MM", [("CRBN", "nonsense", "p.R100*", 0.1)], cn=[("CRBN", -0.9)]), kb)
    m = r.mechanism("crbn-point-mutation")
    assert m.status == "detected" and m.clonal_fraction == pytest.approx(0.107, abs=0.001)
    assert "only part of those cells" in m.observations[0].clonal_basis
    t = next(t for t in r.agent("lenalidomide").trace if "crbn-point-mutation" in t.mechanisms)
    assert t.clonal_factor == pytest.approx(0.214, abs=0.002)


def test_two_nr3c1_truncations_remove_the_glucocorticoid_receptor(kb):
    """Glucocorticoids kill lymphoid blasts through NR3C1 (doi:10.1097/HS9.0000000000000513):
    one truncation leaves one receptor allele (possible, intermediate); two truncations leave
    none, scored like the deep deletion (detected, dexamethasone high)."""
    one = _same(_cohort("ALL", [("NR3C1", "nonsense", "p.R100*", 0.4)]), kb)
    two = _same(_cohort("ALL", [("NR3C1", "nonsense", "p.R100*", 0.4),
                                ("NR3C1", "nonsense", "p.Q300*", 0.45)]), kb)
    deep = _same(_cohort("ALL", cn=[("NR3C1", -1.5)]), kb)
    assert one.mechanism("nr3c1-inactivation").status == "possible"
    assert one.agent("dexamethasone").level == "intermediate"
    assert two.mechanism("nr3c1-inactivation").status == "detected"
    assert two.agent("dexamethasone").level == deep.agent("dexamethasone").level == "high"
    assert two.agent("dexamethasone").score == deep.agent("dexamethasone").score


def test_tp53_truncation_plus_del17p_in_aml_is_biallelic(kb):
    """TP53 truncation with loss of the other TP53 copy (log2 -0.8) in AML: the biallelic TP53
    state enriched at venetoclax resistance (PMID 31932844) - detected, not the 'possible' of
    one truncation or one copy loss alone."""
    single = _same(_cohort("AML", [("TP53", "frameshift", "p.P223fs", 0.45)]), kb)
    both = _same(_cohort("AML", [("TP53", "frameshift", "p.P223fs", 0.45)],
                         cn=[("TP53", -0.8)]), kb)
    assert single.mechanism("tp53-loss-bh3-mimetic").status == "possible"
    assert both.mechanism("tp53-loss-bh3-mimetic").status == "detected"
    assert both.agent("venetoclax").score > single.agent("venetoclax").score


def test_missense_plus_truncation_is_not_read_as_two_truncations(kb):
    """Only truncating (loss-of-function) variants count as inactivating hits here: a missense
    of unknown effect is not assumed to inactivate its allele."""
    r = _same(_cohort("MM", [R100, ("CRBN", "missense", "p.A50T", 0.3)]), kb)
    assert all(o.biomarker != "crbn-lof-variant"
               for o in r.mechanism("crbn-point-mutation").observations)
