"""JSON / TSV export and its committed JSON Schema."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd

from refractor.kb import KINDS, export_schema, write_export
from refractor.kb._export import export_schema_text

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "kb-export.schema.json"
LISTS = ["agents", "genes", "diseases", "mechanisms", "biomarkers", "strategies", "evidence", "sources",
         "neosubstrates", "claims", "trials", "contradictions", "model_systems"]


def test_committed_schema_equals_generated():
    """docs/schemas/kb-export.schema.json is generated: `refractor kb schema -o ...` rewrites it."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == export_schema_text()
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text()))


def test_json_export_shape(mini_kb):
    doc = mini_kb.export("json")
    assert set(LISTS) <= set(doc) and set(doc) == {"meta", "scoring", *KINDS}
    assert doc["meta"] == {"kb_name": "mini-kb", "kb_version": "0.0.1", "content_hash": mini_kb.content_hash,
                           "schema": "refractor.kb-export", "schema_version": "1.0"}
    for kind in LISTS:
        for item in doc[kind]:
            assert isinstance(item["id"], str) and item["id"]
            assert isinstance(item["name"], str) and item["name"]
    assert all(e["source"] in {s["id"] for s in doc["sources"]} for e in doc["evidence"])
    names = {i["id"]: i["name"] for i in doc["neosubstrates"] + doc["contradictions"] + doc["sources"]}
    assert names["lenalidomide-ikzf1"] == "lenalidomide -> IKZF1 (strong)"
    assert names["ct-exon10-specificity"] == "Is CRBN exon-10 skipping specific to IMiD resistance?"
    assert names["seed:003"].startswith("IMiD resistance in multiple myeloma")
    # the open lowest band (-infinity) is omitted; the rest is strict JSON
    assert doc["scoring"]["score_to_level"][0] == {"level": "susceptible"}
    text = json.dumps(doc, allow_nan=False)
    jsonschema.Draft202012Validator(export_schema()).validate(json.loads(text))


def test_schema_rejects_an_item_without_name(mini_kb):
    doc = json.loads(json.dumps(mini_kb.export("json")))
    del doc["evidence"][0]["name"]
    errors = list(jsonschema.Draft202012Validator(export_schema()).iter_errors(doc))
    assert any("'name' is a required property" in e.message for e in errors)
    doc = json.loads(json.dumps(mini_kb.export("json")))
    del doc["evidence"][1]["source"]
    assert not jsonschema.Draft202012Validator(export_schema()).is_valid(doc)


def test_json_export_round_trips_into_records(mini_kb):
    doc = json.loads(json.dumps(mini_kb.export("json")))
    for kind, model in KINDS.items():
        for item in doc[kind]:
            body = {k: v for k, v in item.items() if k != "name" or "name" in model.model_fields}
            assert model.model_validate(body) == mini_kb.records(kind)[item["id"]]


def test_tsv_export(tmp_path, mini_kb):
    written = write_export(mini_kb, "tsv", tmp_path / "tsv")
    assert {p.name for p in written} == {f"{k}.tsv" for k in KINDS} | {"scoring_rules.tsv", "meta.tsv"}
    mech = pd.read_csv(tmp_path / "tsv" / "mechanisms.tsv", sep="\t")
    assert list(mech.columns[:2]) == ["id", "name"] and len(mech) == 4
    row = mech.set_index("id").loc["crbn-exon10-skipping"]
    assert row["agents"] == "lenalidomide;pomalidomide" and row["diseases"] == "MM-LEN-REF"
    ev = pd.read_csv(tmp_path / "tsv" / "evidence.tsv", sep="\t").set_index("id")
    assert ev.loc["ev-g101v", "source"] == "pmid:30514704"
    assert json.loads(ev.loc["ev-g101v", "numbers"])[0]["verbatim"] == "7 of 15"
    written = write_export(mini_kb, "json", tmp_path / "kb.json")
    assert json.loads(written[0].read_text())["meta"]["schema"] == "refractor.kb-export"
