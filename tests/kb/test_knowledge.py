"""KnowledgeBase queries, construction from records, content hash and import hygiene."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from refractor.errors import InputError, KnowledgeBaseError, NotFoundError
from refractor.kb import KnowledgeBase, Mechanism
from refractor.kb.schema import Agent, Gene, Source

from .conftest import VALID


def test_load_reads_version_hash_and_every_kind(mini_kb):
    kb = mini_kb
    assert kb.version == "0.0.1" and kb.name == "mini-kb"
    assert len(kb.content_hash) == 16 and int(kb.content_hash, 16) >= 0
    assert list(kb.mechanisms) == ["crbn-exon10-skipping", "crbn-low-expression", "bcl2-g101v", "crbn-orphan-gap"]
    assert kb.agents["lenalidomide"].targets == ["CRBN"]  # lenalidomide's target is cereblon (seed 003)
    assert [r.id for r in kb.scoring.rules] == ["imid", "venetoclax"]
    assert kb.scoring.score_to_level[0].min == float("-inf")
    assert {k: len(kb.records(k)) for k in ("sources", "evidence", "claims", "trials")} == {
        "sources": 3, "evidence": 3, "claims": 1, "trials": 1}


def test_load_is_cached_and_hash_follows_content(make_kb):
    path = make_kb()
    kb1 = KnowledgeBase.load(path)
    assert KnowledgeBase.load(path) is kb1
    claims = path / "claims" / "claims.yaml"
    claims.write_text(claims.read_text().replace("16.4%", "16.4 %"))
    kb2 = KnowledgeBase.load(path)
    assert kb2 is not kb1 and kb2.content_hash != kb1.content_hash


def test_records_handed_out_are_read_only(mini_kb):
    """One KB object is shared by every caller in a process (KnowledgeBase.load caches it): a
    caller's ``kb.agents.pop(...)`` used to remove the agent from every later load()."""
    import pickle

    import pydantic

    kb = mini_kb
    with pytest.raises(AttributeError):
        kb.agents.pop("venetoclax")
    with pytest.raises(TypeError):
        kb.mechanisms["x"] = kb.mechanisms["bcl2-g101v"]
    with pytest.raises(TypeError):
        del kb.records("agents")["venetoclax"]
    with pytest.raises(TypeError, match="read-only"):
        kb.agents["lenalidomide"].targets.append("BCL2")
    with pytest.raises(TypeError, match="read-only"):
        kb.scoring.rules[0].terms.clear()
    with pytest.raises(TypeError, match="read-only"):
        kb.scoring.rules[0].overrides["pomalidomide"]["crbn-low-expression"] = 0.0
    with pytest.raises(pydantic.ValidationError):
        kb.agents["lenalidomide"].name = "x"
    again = KnowledgeBase.load(VALID)
    assert again is kb and "venetoclax" in again.agents and again.agents["lenalidomide"].targets == ["CRBN"]
    # copies are ordinary values a caller may change; the KB pickles (process pools) and stays read-only
    mine = list(kb.agents["lenalidomide"].targets)
    mine.append("BCL2")
    clone = pickle.loads(pickle.dumps(kb))
    assert clone.agents["lenalidomide"].targets == ["CRBN"] and dict(clone.agents).keys() == kb.agents.keys()
    with pytest.raises(TypeError):
        clone.agents["lenalidomide"].targets.append("BCL2")
    assert kb.agents["lenalidomide"].model_dump(mode="json")["targets"] == ["CRBN"]


def test_get_and_kind_of(mini_kb):
    assert mini_kb.get("CRBN").name == "cereblon"
    assert mini_kb.get("MM", kind="disease").parent == "HEME"
    assert mini_kb.kind_of("optimismm") == "trials"
    with pytest.raises(NotFoundError, match=r"no knowledge-base entry with id 'crbn-exon10'; did you mean"):
        mini_kb.get("crbn-exon10")
    with pytest.raises(NotFoundError, match=r"no mechanism with id 'lenalidomide'"):
        mini_kb.get("lenalidomide", kind="mechanisms")
    with pytest.raises(InputError, match="unknown kind 'mechanismz'"):
        mini_kb.get("x", kind="mechanismz")


def test_mechanisms_for_agent_disease_hierarchy(mini_kb):
    ids = lambda ms: [m.id for m in ms]  # noqa: E731
    # lenalidomide is named on exon-10 skipping and is an IMiD (class-level mechanisms)
    assert ids(mini_kb.mechanisms_for_agent("lenalidomide")) == [
        "crbn-exon10-skipping", "crbn-low-expression", "crbn-orphan-gap"]
    # MM matches mechanisms tagged with its sub-state MM-LEN-REF; MM-LEN-REF matches its parent MM
    assert ids(mini_kb.mechanisms_for_agent("lenalidomide", disease="MM")) == ids(
        mini_kb.mechanisms_for_agent("lenalidomide", disease="MM-LEN-REF"))
    assert ids(mini_kb.mechanisms_for_agent("lenalidomide", disease="CLL")) == []
    assert ids(mini_kb.mechanisms_for_agent("venetoclax", disease="cll")) == ["bcl2-g101v"]
    # by class, by development code, and for a regimen through its components
    assert ids(mini_kb.mechanisms_for_agent("imid")) == ids(mini_kb.mechanisms_for_agent("CC-5013"))
    assert "crbn-exon10-skipping" in ids(mini_kb.mechanisms_for_agent("pvd"))
    with pytest.raises(NotFoundError, match="did you mean 'lenalidomide'"):
        mini_kb.mechanisms_for_agent("lenalidomid")
    with pytest.raises(NotFoundError, match="no disease with id 'AML'"):
        mini_kb.mechanisms_for_agent("lenalidomide", disease="AML")


def test_biomarkers_strategies_evidence(mini_kb):
    assert [b.id for b in mini_kb.biomarkers_for_mechanism("crbn-low-expression")] == ["crbn-low"]
    assert [s.id for s in mini_kb.strategies_for_mechanism("crbn-exon10-skipping")] == ["avoid-imid-after-exon10"]
    assert mini_kb.strategies_for_mechanism("crbn-exon10-skipping")[0].harmful
    assert [e.id for e in mini_kb.evidence_for("crbn-exon10-skipping")] == [
        "ev-crbn-exon10-len", "ev-crbn-exon10-minor"]
    assert [e.id for e in mini_kb.evidence_for("venetoclax")] == ["ev-g101v"]  # named among its agents
    assert [e.id for e in mini_kb.evidence_for("ev-g101v")] == ["ev-g101v"]
    assert [a.id for a in mini_kb.agents_in_class("imid")] == ["lenalidomide", "pomalidomide"]
    with pytest.raises(NotFoundError):
        mini_kb.strategies_for_mechanism("bcl2-g101a")


def test_stats_reports_coverage_gaps_and_levels(mini_kb):
    st = mini_kb.stats()
    assert st["counts"]["mechanisms"] == 4 and st["scoring_rules"] == 2
    assert st["coverage_gaps"]["mechanisms_without_biomarkers"] == ["crbn-orphan-gap"]
    assert st["coverage_gaps"]["mechanisms_without_strategies"] == ["bcl2-g101v", "crbn-orphan-gap"]
    assert st["evidence_levels"]["patient_cohort"] == 3 and sum(st["evidence_levels"].values()) == 3


def test_related_and_item(mini_kb):
    assert mini_kb.related("crbn-exon10-skipping") == {
        "evidence": ["ev-crbn-exon10-len", "ev-crbn-exon10-minor"],
        "biomarkers": ["crbn-exon10-psi"],
        "strategies": ["avoid-imid-after-exon10"],
    }
    item = mini_kb.item("ev-g101v")
    assert (item["kind"], item["source"]) == ("evidence", "pmid:30514704")
    assert item["name"].startswith("BCL2 G101V is acquired") and len(item["name"]) <= 80
    assert mini_kb.related("CRBN")["agents"] == ["lenalidomide", "pomalidomide"]


def test_from_records_runs_the_same_checks():
    src = Source(id="seed:003", kind="seed", title="IMiD resistance review")
    gene = Gene(id="CRBN", name="cereblon", roles=["drug_target"], sources=[{"source": "seed:003"}])
    agent = Agent(id="lenalidomide", name="Lenalidomide", agent_class="imid", targets=["CRBN"],
                  sources=[{"source": "seed:003"}])
    mech = dict(id="crbn-loss", name="CRBN loss", category="drug_target", axis="crbn", description="d",
                genes=["CRBN"], agents=["lenalidomide"], diseases=["MM"], evidence_level="cell_line",
                sources=[{"source": "seed:003"}])
    with pytest.raises(KnowledgeBaseError) as info:
        KnowledgeBase.from_records(sources=[src], genes=[gene], agents=[agent], mechanisms=[mech])
    assert [str(p) for p in info.value.problems] == [
        "<records> [crbn-loss] .diseases.0: unknown disease 'MM'"]
    with pytest.raises(KnowledgeBaseError) as info:
        KnowledgeBase.from_records(sources=[src], mechanisms=[mech | {"category": "target"}])
    assert "[crbn-loss] .category: Input should be 'drug_target'" in str(info.value)
    kb = KnowledgeBase.from_records(sources=[src], genes=[gene], agents=[agent],
                                    mechanisms=[Mechanism(**(mech | {"diseases": ["MM"]}))],
                                    diseases=[{"id": "MM", "name": "multiple myeloma",
                                               "sources": [{"source": "seed:003"}]}])
    assert [m.id for m in kb.mechanisms_for_agent("lenalidomide", "MM")] == ["crbn-loss"]
    assert len(kb.content_hash) == 16
    with pytest.raises(KnowledgeBaseError, match="duplicate agent id 'lenalidomide'"):
        KnowledgeBase.from_records(sources=[src], genes=[gene], agents=[agent, agent])


def test_load_performance_few_thousand_entries(tmp_path):
    """3000 evidence items: a cold load (parse + validate) stays near a second, a warm one
    (parsed YAML cached on disk, new process state) well under it. CPU time, not wall time, so
    that other processes on a busy CI machine do not make the test flaky."""
    import shutil
    import time

    from refractor.kb import _knowledge

    kb_dir = tmp_path / "big"
    shutil.copytree(VALID, kb_dir)
    block = "".join(
        f"- id: ev-bulk-{i}\n  subject: {{kind: mechanism, id: crbn-low-expression}}\n"
        f"  statement: bulk item {i} for the load-time test\n  agents: [{{agent: lenalidomide}}]\n"
        f"  diseases: [MM]\n  significance: resistance\n  level: cell_line\n  source: seed:003\n"
        for i in range(3000))
    (kb_dir / "evidence" / "bulk.yaml").write_text(block)
    t0 = time.process_time()
    kb = KnowledgeBase.load(kb_dir)
    cold = time.process_time() - t0
    _knowledge._CACHE.clear()  # forget the in-process KB, keep the on-disk parse cache
    t0 = time.process_time()
    warm_kb = KnowledgeBase.load(kb_dir)
    warm = time.process_time() - t0
    assert warm_kb is not kb and len(warm_kb.evidence) == len(kb.evidence) == 3003
    assert warm_kb.content_hash == kb.content_hash
    assert cold < 3.0, f"cold load took {cold:.2f} s"
    assert warm < 0.8, f"warm load took {warm:.2f} s"


def test_import_reads_no_kb_file():
    """`import refractor.kb` opens no file under kb/data (audit hook on every open)."""
    code = textwrap.dedent("""
        import sys
        opened = []
        sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" else None)
        import refractor.kb
        bad = [p for p in opened if "/kb/data" in p or p.endswith((".yaml", ".sqlite"))]
        print(bad)
        sys.exit(1 if bad else 0)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
