"""Third knowledge-gap pass (issue 11 leftover): TP53 mutation / del(17p) and chemo(immuno)therapy
in CLL.

Files under test: ``refractor/kb/data/<kind>/gaps3.yaml`` and ``scoring/rules_gaps3.yaml``, inside
the packaged KB. Facts come from the sources in ``sources/gaps3.yaml`` (each read with the search
tool, as its ``note`` says):

* GCLLSG CLL4 (fludarabine +/- cyclophosphamide): no complete response with a TP53 mutation, PFS
  23.3 v 62.2 months (J Clin Oncol 2010, PMID 20697090, doi:10.1200/JCO.2009.27.8762).
* Bendamustine + rituximab in relapsed CLL: 7.1% responses with del(17p) (J Clin Oncol 2011,
  PMID 21844497, doi:10.1200/JCO.2010.33.8061).
* CLL8 (FC v FCR): 17p deletion and TP53 mutation independent adverse factors; no FCR benefit in
  del(17p) (Blood 2014;123:3247, Blood 2016;127:208).
* Reviews name BTK, PI3K and BCL2 inhibitors as the treatment for TP53-disrupted CLL, so the
  mechanism must not be linked to them.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from refractor.kb import KnowledgeBase, default_data_dir, validate

DATA = default_data_dir()
ROOT = Path(__file__).resolve().parents[2]
MECH = "tp53-disruption-chemoimmunotherapy"
CHEMO = {"fludarabine", "bendamustine", "chlorambucil", "cyclophosphamide", "fcr", "br"}


def _mine(kind: str) -> list[dict]:
    name = "rules_gaps3.yaml" if kind == "scoring" else "gaps3.yaml"
    return yaml.safe_load((DATA / kind / name).read_text(encoding="utf-8")) or []


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_validator_reports_nothing_in_gaps3_files() -> None:
    problems = [p for p in validate() if "gaps3" in p.file]
    assert problems == [], "\n".join(str(p) for p in problems)


def test_sources_carry_identifiers_or_say_unverified() -> None:
    """A pmid/doi source states both identifiers it was read with; a url source says that its
    PMID/DOI was not verified - nothing typed from memory passes as checked."""
    for s in _mine("sources"):
        kind = s["id"].partition(":")[0]
        assert s["kind"] == kind and s.get("note"), s["id"]
        if kind == "pmid":
            assert s["pmid"] == s["id"].split(":", 1)[1] and s.get("doi"), s["id"]
        elif kind == "doi":
            assert s["doi"] == s["id"].split(":", 1)[1], s["id"]
        else:
            assert "not verified" in s["note"] or "not applicable" in s["note"], s["id"]


def test_every_added_entry_cites_a_source_of_this_pass_or_the_kb(kb) -> None:
    known = set(kb.sources)
    for kind in ("agents", "mechanisms", "biomarkers"):
        for e in _mine(kind):
            for ref in e["sources"]:
                assert ref["source"] in known, (kind, e["id"], ref["source"])
    for e in _mine("evidence"):
        assert e["source"] in known, e["id"]


def test_mechanism_is_cll_only_and_not_linked_to_targeted_agents(kb) -> None:
    """TP53 disruption directs CLL treatment TO BTK/BCL2 inhibitors (reviews in sources/gaps3.yaml):
    the chemo-immunotherapy mechanism covers the chemotherapy backbones only, in CLL only."""
    m = kb.mechanisms[MECH]
    assert set(m.diseases) == {"CLL"} and set(m.agents) == CHEMO and not m.agent_classes
    for b in kb.biomarkers.values():
        if b.mechanism == MECH:
            assert b.diseases == ["CLL"], b.id
    scored = {a for r in kb.scoring.rules for t in r.terms
              if getattr(t, "mechanism", None) == MECH for a in r.agents}
    assert scored == CHEMO
    for targeted in ("venetoclax", "ibrutinib", "acalabrutinib", "zanubrutinib", "pirtobrutinib",
                     "rituximab", "obinutuzumab"):
        assert targeted not in scored


def test_evidence_keeps_the_conflicting_reach_result(kb) -> None:
    """REACH found no PFS difference for a heterozygous TP53 mutation, CLL4 found a mutation
    without del(17p) as bad as with it: both items are kept, pointing at each other."""
    ev = {e["id"]: e for e in _mine("evidence")}
    reach, cll4 = ev["ev-g3-tp53-heterozygous-reach"], ev["ev-g3-tp53-mutation-fc-cll4"]
    assert reach["direction"] == "does_not_support"
    assert cll4["id"] in reach["conflicts_with"] and reach["id"] in cll4["conflicts_with"]


def test_kb_evidence_prints_the_pmids(capsys, monkeypatch) -> None:
    """`refractor kb evidence` shows the PMID next to each item (issue 11: no second lookup)."""
    from refractor.cli import main

    monkeypatch.setenv("COLUMNS", "400")
    assert main(["kb", "evidence", MECH]) == 0
    out = capsys.readouterr().out
    assert "20697090" in out and "21844497" in out


def test_audit_shows_the_cyclophosphamide_gap_closed(kb) -> None:
    """Before this pass cyclophosphamide was listed in the KB without any scoring rule (it
    appeared only as an R-CHOP component); now FC/FCR data give it one (tools/kb_audit.py)."""
    spec = importlib.util.spec_from_file_location("kb_audit", ROOT / "tools" / "kb_audit.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    gaps = mod.audit(kb)
    for a in CHEMO - {"fcr", "br"}:
        assert a not in gaps["agents_without_scoring_rule"], a
        assert a not in gaps["agents_without_any_mechanism"], a
    assert MECH not in gaps["mechanisms_without_biomarker"]
    assert MECH not in gaps["mechanisms_with_history_only_biomarkers"]


def test_regimens_resolve_by_their_codes(kb) -> None:
    assert kb.resolve_agent("FCR") == "fcr" and kb.resolve_agent("BR") == "br"
    assert kb.agents["fcr"].components == ["fludarabine", "cyclophosphamide", "rituximab"]
