"""The packaged knowledge base (src/refractor/kb/data): valid, complete enough, queryable, exportable.

Counts are the seed inventory's (../shared/seed-inventory.yaml): 44 resistance mechanisms,
42 strategies, 36 quantitative claims.
"""
from __future__ import annotations

import json

import jsonschema
import pytest

from refractor.cli import main
from refractor.kb import KnowledgeBase, export_schema, validate


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_packaged_kb_validates_with_zero_problems():
    problems = validate()
    assert problems == [], "\n".join(map(str, problems))


def test_inventory_counts(kb):
    assert len(kb.mechanisms) >= 44
    assert len(kb.strategies) >= 42
    assert len(kb.claims) >= 36
    assert kb.version == "0.1.0" and len(kb.content_hash) == 16


def test_every_evidence_item_and_claim_resolves_to_a_source(kb):
    assert kb.evidence, "the KB holds no evidence"
    assert all(e.source in kb.sources for e in kb.evidence.values())
    assert all(c.source in kb.sources for c in kb.claims.values())


def test_lenalidomide_targets_cereblon(kb):
    # Lenalidomide binds cereblon (CRBN), the substrate receptor of CRL4-CRBN (seed 003).
    assert "CRBN" in kb.agents["lenalidomide"].targets


def test_cli_mechanisms_for_lenalidomide_in_mm_are_crbn_mechanisms(capsys):
    code = main(["kb", "mechanisms", "--agent", "lenalidomide", "--disease", "MM", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    found = json.loads(out)
    crbn = [m for m in found if "CRBN" in m["genes"]]
    # the CRBN axis of the seeds: low expression, mutation, copy loss, exon-10 skipping ...
    assert len(crbn) >= 4, [m["id"] for m in found]
    assert any("exon10" in m["id"] or "exon-10" in m["name"].lower() for m in crbn)
    assert all("lenalidomide" in m["agents"] or {"imid"} & set(m["agent_classes"]) for m in found)


def test_export_validates_against_published_schema(kb):
    doc = json.loads(json.dumps(kb.export("json"), allow_nan=False))
    jsonschema.Draft202012Validator(export_schema()).validate(doc)
    for kind in ("agents", "genes", "diseases", "mechanisms", "biomarkers", "strategies", "evidence", "sources"):
        assert doc[kind] and all(item["id"] and item["name"] for item in doc[kind])
    assert all(e["source"] for e in doc["evidence"])
