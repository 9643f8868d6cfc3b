"""Structural rules of the packaged scoring files (scoring/base.yaml states them).

1. History and mechanism terms that describe the same failure never add: every history term,
   and every mechanism called from clinical history, sits in the agent's one MAX group marked
   ``target_axis`` (the lesions of the drug's own target: CRBN for CRBN binders, BCL2 for
   venetoclax, the antigen of an antibody, the death receptors / DISC for TRAIL agonists), and a
   target lesion is not scored again outside it. Refractory to pomalidomide *because* of CRBN
   loss is one failure, not two.
2. A sensitivity marker never raises a resistance score: a mechanism with ``effect:
   sensitivity`` has weight <= 0 for every agent it is a marker of (its ``agents`` /
   ``agent_classes``), e.g. high CRBN (HOVON-65, seed 003 ref 74) for the IMiDs.
"""
from __future__ import annotations

import pytest

from refractor.interpret._kbview import view_of
from refractor.interpret._prepare import iter_features
from refractor.kb import KnowledgeBase
from refractor.kb.schema import AllTerm, HistoryTerm, MaxTerm, MechanismTerm


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def _history_mechanisms(view) -> set[str]:
    """Mechanisms whose every biomarker is called from clinical history (plus clinical labels)."""
    out = set()
    for m, bms in view.biomarkers_by_mechanism.items():
        kinds = [{f.kind for f in iter_features(b.profile)} for b in bms]
        if kinds and all("history" in k and k <= {"history", "subtype", "disease"} for k in kinds):
            out.add(m)
    return out


def _groups(view, agent, rules=None):
    """Each top-level term of the agent's rules as (group id, term, [(member, effective weight)])."""
    for rule in (view.rules_for(agent) if rules is None else rules):
        ov = rule.overrides.get(agent, {})
        for k, t in enumerate(rule.terms):
            if isinstance(t, AllTerm):
                continue
            members = t.max if isinstance(t, MaxTerm) else [t]
            yield (rule.id, k), t, [(m, ov.get(m.mechanism, m.weight) if isinstance(m, MechanismTerm)
                                     else m.weight) for m in members]


def history_violations(view, agent, rules=None) -> list[str]:
    """What breaks rule 1 for ``agent`` (empty list: nothing). Also says whether any history term
    was seen, as the string "no history" when none."""
    from_history = _history_mechanisms(view)
    hist_groups, target_groups, members_of = set(), set(), {}
    for gid, term, members in _groups(view, agent, rules):
        members_of[gid] = members
        if isinstance(term, MaxTerm) and term.target_axis:
            target_groups.add(gid)
        for m, w in members:
            if w > 0 and (isinstance(m, HistoryTerm) or m.mechanism in from_history):
                hist_groups.add(gid)
    out = []
    if len(target_groups) > 1:
        out.append(f"several target-axis groups {sorted(target_groups)}")
    if not hist_groups:
        return out or ["no history"]
    if not target_groups:  # no target lesion in the KB for this agent (navitoclax): one group
        return out + ([f"history in several groups {sorted(hist_groups)}"] if len(hist_groups) > 1 else [])
    if hist_groups != target_groups:
        out.append(f"a history term outside the target-axis MAX group: {sorted(hist_groups - target_groups)}")
    inside = {m.mechanism for g in target_groups for m, _ in members_of[g] if isinstance(m, MechanismTerm)}
    for gid, members in members_of.items():
        again = inside & {m.mechanism for m, _ in members if isinstance(m, MechanismTerm)}
        if gid not in target_groups and again:
            out.append(f"target lesion(s) {sorted(again)} scored again in {gid}")
    return out


def test_history_shares_one_max_group_with_the_target_axis(kb):
    view = view_of(kb)
    assert {"imid-refractoriness-acquired", "trail-signalling-resistance"} <= _history_mechanisms(view)
    checked = 0
    for agent in view.covered_agents:
        problems = history_violations(view, agent)
        if problems == ["no history"]:
            continue
        checked += 1
        assert not problems, (agent, problems)
    assert checked >= 25  # IMiDs, CELMoDs, BH3 mimetics, antibodies, engagers, CAR-T, TRAIL


def test_the_history_rule_catches_a_history_term_outside_the_target_axis(kb):
    """The layout issue 11 found (history in its own group, adding to the CRBN lesions) fails."""
    view = view_of(kb)
    rule = next(r for r in view.scoring.rules if r.id == "lenalidomide-target-axis")
    group = rule.terms[0]
    hist = [m for m in group.max if isinstance(m, HistoryTerm)]
    mech = [m for m in group.max if isinstance(m, MechanismTerm)]
    split = rule.model_copy(update={"terms": [group.model_copy(update={"max": mech}),
                                              MaxTerm(max=hist)]})
    others = [r for r in view.rules_for("lenalidomide") if r.id != rule.id]
    problems = history_violations(view, "lenalidomide", others + [split])
    assert any("outside the target-axis" in p for p in problems), problems


def test_sensitivity_markers_never_carry_positive_weight_for_their_agents(kb):
    view = view_of(kb)
    seen = 0
    for m in kb.mechanisms.values():
        if m.effect != "sensitivity":
            continue
        marked = set(m.agents) | set(view.agent_set((), tuple(m.agent_classes)))
        for agent in marked & set(view.covered_agents):
            for _, _, members in _groups(view, agent):
                for t, w in members:
                    if isinstance(t, MechanismTerm) and t.mechanism == m.id:
                        seen += 1
                        assert w <= 0, (m.id, agent, w)
    assert seen >= 8


def _one(kb, **tables):
    import pandas as pd

    from refractor.io.cohort import COLUMNS, Cohort

    kinds = {"variants": "variant", "copy_number": "copy_number", "expression": "expression",
             "splicing": "splicing"}
    samples = pd.DataFrame([dict(sample="S", disease="MM", subtype=None, line=pd.NA,
                                 prior_agents=[], refractory_agents=tables.pop("refractory", []))],
                           columns=COLUMNS["samples"])
    assessed = [("S", kinds[k]) for k in tables] + ([("S", "history")]
                                                     if samples["refractory_agents"][0] else [])
    frames = {k: pd.DataFrame([dict(sample="S", **r) for r in rows], columns=COLUMNS[k])
              for k, rows in tables.items()}
    from refractor.interpret import interpret

    return interpret(Cohort(samples=samples, assessed=pd.DataFrame(assessed, columns=["sample", "kind"]),
                            **frames), kb)["S"]


def test_refractoriness_and_crbn_loss_do_not_add(kb):
    """Refractory to lenalidomide with a CRBN single-copy loss: for pomalidomide the history term
    (25) and the CRBN lesion (25) describe one failure -> the larger counts, not 50."""
    r = _one(kb, copy_number=[dict(gene="CRBN", log2_ratio=-0.6, source="t")],
             refractory=["lenalidomide"])
    pom = r.agent("pomalidomide")
    target = [t for t in pom.trace if t.rule == "pomalidomide-target-axis"]
    assert len(target) == 1 and "not added" in target[0].comment
    assert pom.score == max(t.contribution for t in target)


def test_crbn_high_cannot_discount_a_crbn_lesion(kb):
    """A CRBN pocket mutation with high total CRBN: the sensitivity marker shares the target MAX
    group, so the lesion keeps its full weight (HOVON-65's association is for intact CRBN)."""
    v = [dict(gene="CRBN", consequence="missense", protein_change="p.W386R", vaf=0.45, source="t")]
    with_high = _one(kb, variants=v, expression=[dict(gene="CRBN", value=120.0)])
    alone = _one(kb, variants=v)
    assert with_high.mechanism("crbn-high-expression").status == "detected"
    assert with_high.agent("lenalidomide").score == alone.agent("lenalidomide").score
    high_only = _one(kb, expression=[dict(gene="CRBN", value=120.0)])
    assert high_only.agent("lenalidomide").score < 0  # alone it lowers the score, never raises


def test_heterozygous_truncation_scores_like_a_single_copy_loss(kb):
    """Dosage (issue 11): one functional CRBN allele left either way -> the same score for every
    CRBN binder."""
    trunc = _one(kb, variants=[dict(gene="CRBN", consequence="nonsense", protein_change="p.R283*",
                                    vaf=0.45, source="t")])
    loss = _one(kb, copy_number=[dict(gene="CRBN", log2_ratio=-0.6, source="t")])
    for a in ("lenalidomide", "thalidomide", "pomalidomide", "iberdomide", "mezigdomide",
              "cft7455", "cc-885"):
        assert trunc.agent(a).score == loss.agent(a).score, a


# ------------------------------------------------------------------------------ dosage (issue 11)
#: truncations counted without an allelic test, with the reason
DOSAGE_EXCEPTIONS = {
    ("bax-loss", "BAX"): "acquired BAX frameshift/nonsense mutations at venetoclax relapse are "
                         "reported as inactivating as found (PMID 36219880), allelic state not given",
    ("cul4b-loss", "CUL4B"): "X-linked: a single truncation leaves no wild-type copy in male cells",
}


def _dosage_table(kb):
    from refractor.kb.schema import Logic

    def leaves(t):
        if isinstance(t, Logic):
            for c in (t.any or (t.all if t.all and len(t.all) == 1 else [])):
                yield from leaves(c)
        else:
            yield t

    tab: dict = {}
    for b in kb.biomarkers.values():
        for f in leaves(b.profile):
            if f.kind == "copy_number" and f.comparison in ("<", "<="):
                cls = "deep" if f.threshold <= -1.0 else "single"
            elif f.kind == "variant" and "loss_of_function" in f.consequences:
                cls = {"any": "lof_any", "biallelic": "lof_bi", "monoallelic": "lof_mono"}[f.allelic]
            else:
                continue
            tab.setdefault((b.mechanism, f.gene), {}).setdefault(cls, set()).add(b.call)
    return tab


def test_dosage_is_scored_consistently(kb):
    """A heterozygous truncation and a single-copy loss leave the same dosage (one functional
    allele) and get the same call; a homozygous deletion is called at least as strongly as a
    truncation that leaves no wild-type copy; a truncation counted as loss states its allelic
    requirement (biallelic / monoallelic) unless a documented exception applies."""
    rank = {"detected": 2, "possible": 1}
    tab = _dosage_table(kb)
    assert len(tab) >= 20
    for key, cls in tab.items():
        r = {c: max(rank[x] for x in calls) for c, calls in cls.items()}
        if "single" in r and "lof_mono" in r:
            assert r["single"] == r["lof_mono"], key
        if "deep" in r:
            assert r["deep"] >= max(r.get("lof_bi", 0), r.get("lof_any", 0)), key
        if r.get("lof_any") == 2:
            assert key in DOSAGE_EXCEPTIONS, (key, "a truncation detected without allelic test")
