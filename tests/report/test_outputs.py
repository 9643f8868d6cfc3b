"""Outputs of a run: JSON (validated against the committed schema), TSVs, annotated MAF, HTML;
all-or-nothing writing."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from _minikb import make_cohort
from refractor.interpret import interpret
from refractor.errors import InputError
from refractor.report import schema_text, write_outputs

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "docs" / "schemas" / "sample-report.schema.json"

MAF = """#version 2.4
Hugo_Symbol\tVariant_Classification\tHGVSp_Short\tTumor_Sample_Barcode\tt_alt_count\tt_depth
CRBN\tNonsense_Mutation\tp.Q99*\tA\t20\t50
TP53\tSilent\tp.L5L\tA\t10\t50
BCL2\tMissense_Mutation\tp.G101V\tC\t5\t50
"""


@pytest.fixture()
def run(tmp_path, kb):
    from refractor.io import read_maf

    maf = tmp_path / "in.maf"
    maf.write_text(MAF)
    v = read_maf(maf)
    c = make_cohort(
        [dict(sample="A", disease="MM", refractory_agents=["lenalidomide"]),
         dict(sample="B/x", disease="AML", subtype="M5"), dict(sample="C", disease="CLL")],
        {"A": ["variant", "history"], "B/x": ["expression"], "C": ["variant"]},
        variants=v.to_dict("records"),
        expression=[dict(sample="B/x", gene="MCL1", value=150.0)])
    return interpret(c, kb), maf


def test_committed_schema_is_current():
    assert SCHEMA.read_text() == schema_text(), (
        "docs/schemas/sample-report.schema.json is stale: regenerate with "
        "python -c 'from refractor.report import schema_text; print(schema_text(), end=\"\")'")


def test_write_outputs_all_files_valid(run, tmp_path, kb):
    result, maf = run
    out = tmp_path / "out"
    paths = write_outputs(result, out, {"maf": [maf]}, kb=kb)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    files = sorted(p.name for p in (out / "samples").iterdir())
    assert files == ["A.json", "B_x.json", "C.json"]
    for f in (out / "samples").iterdir():
        doc = json.loads(f.read_text())
        jsonschema.validate(doc, schema)
        assert doc["schema"] == "refractor.sample-report"
        assert "not a treatment recommendation" in doc["disclaimer"].lower()
    a = json.loads((out / "samples" / "A.json").read_text())
    len_ = next(x for x in a["agents"] if x["agent"] == "lenalidomide")
    assert len_["level"] == "high" and {"agent", "level", "score", "mechanisms", "evidence", "trace"} <= set(len_)
    levels = pd.read_csv(out / "cohort_levels.tsv", sep="\t", index_col=0)
    assert levels.loc["C", "venetoclax"] == "high" and list(levels.columns[:1]) == ["disease"]
    mech = pd.read_csv(out / "mechanisms.tsv", sep="\t", index_col=0)
    assert mech.loc["A", "crbn-lof"] == "detected"
    # annotated MAF: original bytes kept, columns appended, variant-level mechanism attribution
    ann = (out / "in.refractor.maf").read_text().splitlines()
    orig = MAF.splitlines()
    assert ann[0] == orig[0]
    for a_line, o_line in zip(ann[1:], orig[1:]):
        assert a_line.startswith(o_line + "\t")
    tab = pd.read_csv(out / "in.refractor.maf", sep="\t", comment="#")
    assert tab.loc[0, "refractor_mechanisms"] == "crbn-lof:detected"
    assert pd.isna(tab.loc[1, "refractor_mechanisms"])  # silent TP53 supports nothing
    # the default copy annotates variants only: one column, the sample-level calls live in
    # cohort_levels.tsv / mechanisms.tsv (keyed by the same sample id)
    assert [c for c in tab.columns if c.startswith("refractor_")] == ["refractor_mechanisms"]
    assert set(paths) >= {"report", "levels", "mechanisms", "samples", "maf:in.maf"}


def test_full_maf_columns_and_gzip_input(run, tmp_path, kb):
    """``maf_columns="full"`` adds the sample-level calls on every row of the sample: A is
    lenalidomide-refractory with CRBN loss (imid high), C carries BCL2 G101V (bh3_mimetic
    high). A gzip input gets a gzip copy with the same lines as the plain input's copy."""
    import gzip

    result, maf = run
    gz = tmp_path / "in.maf.gz"
    gz.write_bytes(gzip.compress(maf.read_bytes()))
    out = tmp_path / "out"
    paths = write_outputs(result, out, {"maf": [maf]}, kb=kb, outputs="maf", maf_columns="full")
    tab = pd.read_csv(out / "in.refractor.maf", sep="\t", comment="#")
    assert tab.loc[0, "refractor_mechanisms"] == "crbn-lof:detected"
    assert tab.loc[0, "refractor_imid_level"] == "high"
    assert tab.loc[1, "refractor_imid_level"] == "high"  # the sample's call, on its silent row too
    assert tab.loc[2, "refractor_bh3_mimetic_level"] == "high"
    assert "crbn-lof:detected" in tab.loc[1, "refractor_sample_mechanisms"]
    plain = (out / "in.refractor.maf").read_bytes()
    # the variant table was read from in.maf: the same annotations for in.maf.gz need its own
    # sources, so compare the gzip copy's layout (columns, original bytes) only
    out2 = tmp_path / "out2"
    paths = write_outputs(result, out2, {"maf": [gz]}, kb=kb, outputs="maf", maf_columns="full")
    assert paths["maf:in.maf.gz"].name == "in.refractor.maf.gz"
    copy = gzip.decompress((out2 / "in.refractor.maf.gz").read_bytes())
    assert copy.split(b"\n")[1] == plain.split(b"\n")[1]  # same header
    assert copy.split(b"\n")[2].startswith(MAF.splitlines()[2].encode() + b"\t")
    with pytest.raises(InputError, match="unknown MAF column set 'wide'"):
        write_outputs(result, tmp_path / "o3", {"maf": [maf]}, maf_columns="wide")


def test_html_is_self_contained(run, tmp_path, kb):
    result, _ = run
    write_outputs(result, tmp_path / "o", kb=kb)
    html = (tmp_path / "o" / "report.html").read_text()
    assert "research use only" in html.lower()
    assert result.kb_hash in html
    assert html.count("data:image/png;base64,") == 2
    # no external resources: no script/link/img pointing elsewhere
    # (the inline script that draws the table is allowed, but nothing loaded from elsewhere)
    assert not re.search(r"<link\b", html)
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r'src="(?!data:)', html)
    assert "assumed threshold" in html  # MCL1 absolute threshold is flagged as assumed


def test_failure_leaves_no_partial_output(run, tmp_path, monkeypatch, kb):
    import refractor.report._write as w

    result, maf = run

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(w, "render_html", boom)
    out = tmp_path / "new"
    with pytest.raises(RuntimeError):
        write_outputs(result, out, {"maf": [maf]}, kb=kb)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging directory left
    existing = tmp_path / "existing"  # a directory holding files a run did not write is refused
    existing.mkdir()
    (existing / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="holds files a Refractor run did not write"):
        write_outputs(result, existing, {"maf": [maf]}, kb=kb)
    assert sorted(p.name for p in existing.iterdir()) == ["keep.txt"]
