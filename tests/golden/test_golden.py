"""Golden corpus: every case in ``cases.yaml`` through the packaged knowledge base.

A changed call is always a reviewed change: the test prints a readable diff of every case whose
calls differ from the corpus. Where the corpus records a disagreement between the biology and
the KB's weights, the KB's current level is pinned and the disagreement is printed.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from refractor.interpret import interpret
from refractor.io.cohort import COLUMNS, Cohort, empty
from refractor.kb import KnowledgeBase

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())


def cohort_of(case: dict) -> Cohort:
    s = "case"
    assessed = set(case.get("assessed", []))
    if case.get("refractory") or case.get("prior"):
        assessed.add("history")
    tables = {}
    if "variants" in case:
        assessed.add("variant")
        tables["variants"] = pd.DataFrame(
            [dict(sample=s, gene=g, consequence=c, protein_change=p, vaf=v, source=f"case:{i + 1}")
             for i, (g, c, p, v) in enumerate(case["variants"])], columns=COLUMNS["variants"])
    if "copy_number" in case:
        assessed.add("copy_number")
        tables["copy_number"] = pd.DataFrame(
            [dict(sample=s, gene=g, log2_ratio=v, source="case") for g, v in case["copy_number"].items()],
            columns=COLUMNS["copy_number"])
    if "expression" in case:
        assessed.add("expression")
        tables["expression"] = pd.DataFrame(
            [dict(sample=s, gene=g, value=v) for g, v in case["expression"].items()],
            columns=COLUMNS["expression"])
    if "splicing" in case:
        assessed.add("splicing")
        tables["splicing"] = pd.DataFrame(
            [dict(sample=s, gene=g, event=e, psi=p, reads=pd.NA if r is None else r, source="case")
             for g, e, p, r in case["splicing"]], columns=COLUMNS["splicing"])
    if "methylation" in case:
        assessed.add("methylation")
        tables["methylation"] = pd.DataFrame(
            [dict(sample=s, feature=f, gene=g, region=r, beta=b) for f, g, r, b in case["methylation"]],
            columns=[*COLUMNS["methylation"], *(["region"] if "region" not in COLUMNS["methylation"] else [])])
    row = dict(sample=s, disease=case["disease"], subtype=case.get("subtype"), line=pd.NA,
               prior_agents=case.get("prior", []), refractory_agents=case.get("refractory", []))
    cols = list(COLUMNS["samples"])
    if "purity" in case:
        row["purity"] = case["purity"]
        cols += [] if "purity" in cols else ["purity"]
    samples = pd.DataFrame([row], columns=cols)
    a = pd.DataFrame([(s, k) for k in sorted(assessed)], columns=["sample", "kind"]) if assessed else empty("assessed")
    return Cohort(samples=samples, assessed=a, **tables)


def _expected_level(v) -> tuple[str, str | None]:
    if isinstance(v, dict):
        return v["kb"], f"biology says {v['biology']}, KB gives {v['kb']}: {v['note']}"
    return v, None


def check(case: dict, kb) -> list[str]:
    r = interpret(cohort_of(case), kb)["case"]
    diffs = []
    found = {m.mechanism: m.status for m in r.mechanisms if m.status in ("detected", "possible")}
    want = case.get("found") or {}
    for m in sorted(set(found) | set(want)):
        if found.get(m) != want.get(m):
            diffs.append(f"mechanism {m}: expected {want.get(m, '-')}, got {found.get(m, '-')}")
    levels = {a.agent: a for a in r.agents}
    for agent, v in (case.get("agents") or {}).items():
        lv, _ = _expected_level(v)
        if agent not in levels:
            diffs.append(f"agent {agent}: no scoring rule covers it")
        elif levels[agent].level != lv:
            a = levels[agent]
            terms = "; ".join(f"{'+'.join(t.mechanisms) or t.status} {t.contribution:+g}" for t in a.trace)
            diffs.append(f"agent {agent}: expected {lv}, got {a.level} (score {a.score:g}: {terms or 'no term'})")
    if case.get("others_susceptible"):
        for a in r.agents:
            if (a.agent not in (case.get("agents") or {}) and a.is_level
                    and a.level != "susceptible"):
                diffs.append(f"agent {a.agent}: expected susceptible, got {a.level} (score {a.score:g})")
    for agent in case.get("not_assessable", []):
        if levels[agent].assessable:
            diffs.append(f"agent {agent}: expected not assessable")
    suggested = [x.strategy for x in r.strategies]
    flagged = [x.strategy for x in r.flagged_harmful]
    for sid in case.get("suggested", []):
        if sid not in suggested:
            diffs.append(f"strategy {sid}: expected suggested, got {suggested}")
    for sid in case.get("flagged", []):
        if sid not in flagged or sid in suggested:
            diffs.append(f"strategy {sid}: expected flagged harmful (flagged {flagged})")
    if any(x.harmful for x in r.strategies):
        diffs.append("a harmful strategy was suggested")
    cats = {w.category for w in r.warnings} | {w.code for w in r.warnings if w.code}
    for w in case.get("warnings", []):
        if w not in cats:
            diffs.append(f"warning {w} missing")
    calls = {m.mechanism: m for m in r.mechanisms}
    for m, want_cf in (case.get("clonal_fraction") or {}).items():
        got = calls[m].clonal_fraction
        if (want_cf is None) != (got is None) or (got is not None and abs(got - want_cf) > 0.01):
            diffs.append(f"mechanism {m}: clonal fraction expected {want_cf}, got {got}")
    for m, text in (case.get("observation_says") or {}).items():
        details = " | ".join(o.detail for o in calls[m].observations)
        if text not in details:
            diffs.append(f"mechanism {m}: observations should say {text!r}: {details}")
    return diffs


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_corpus_covers_every_mechanism_family():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    found = {m for c in CASES for m in (c.get("found") or {})}
    for must in ("crbn-point-mutation", "crbn-exon10-skipping", "crbn-low-expression",
                 "cop9-signalosome-2q37-loss", "bcl2-g101v", "mcl1-upregulation",
                 "monocytic-differentiation", "tp53-loss-bh3-mimetic", "npm1-mutation-sensitivity",
                 "casp8-loss", "cflip-upregulation", "imid-refractoriness-acquired"):
        assert must in found, must
    assert sum(1 for c in CASES if not c.get("found")) >= 3  # negatives


def test_golden_corpus(kb, capsys):
    report = []
    for case in CASES:
        d = check(case, kb)
        if d:
            report.append(f"\n[{case['id']}] {case['why'].strip()[:100]}...\n  " + "\n  ".join(d))
    disagreements = [f"  {c['id']} / {a}: {_expected_level(v)[1]}" for c in CASES
                     for a, v in (c.get("agents") or {}).items() if isinstance(v, dict)]
    if disagreements:
        with capsys.disabled():
            print("\nKB weights that disagree with the biology (pinned, please review):\n"
                  + "\n".join(disagreements))
    assert not report, ("golden corpus differs (review: update cases.yaml only if the change is "
                        "intended):" + "".join(report))
