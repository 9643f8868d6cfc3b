"""``refractor profile`` / ``refractor demo`` in-process: outputs, exit codes, no partial output."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from refractor.cli import main

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "examples" / "demo_cohort"


def test_profile_samplesheet(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["profile", str(DEMO / "samplesheet.csv"), "-o", str(out), "-q"]) == 0
    names = sorted(p.name for p in (out / "samples").iterdir())
    assert len(names) == 12 and "MM01.json" in names
    assert {"report.html", "cohort_levels.tsv", "mechanisms.tsv", "agents.tsv",
            "cohort.refractor.maf"} <= {p.name for p in out.iterdir()}
    schema = json.loads((ROOT / "docs" / "schemas" / "sample-report.schema.json").read_text())
    for f in (out / "samples").iterdir():  # real-KB outputs validate against the published schema
        jsonschema.validate(json.loads(f.read_text()), schema)
    doc = json.loads((out / "samples" / "MM01.json").read_text())
    assert doc["schema"] == "refractor.sample-report" and doc["kb_version"]


def test_profile_single_sample_flags(tmp_path, capsys):
    out = tmp_path / "one"
    rc = main(["profile", "--sample", "MM01", "--disease", "MM", "--maf", str(DEMO / "cohort.maf"),
               "--refractory", "lenalidomide", "-o", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "HTML report" in text
    doc = json.loads((out / "samples" / "MM01.json").read_text())
    mech = {m["mechanism"]: m for m in doc["mechanisms"]}
    # CRBN p.R283* at VAF 41/98 = 0.42 with no copy number given: one wild-type allele is left,
    # the dosage of a single-copy loss (issue 11), so crbn-copy-loss, not the no-CRBN state
    assert mech["crbn-copy-loss"]["status"] == "detected"
    assert mech["crbn-point-mutation"]["status"] == "not_detected"
    # CCF = 2 x 0.42 / purity 1 = 0.84 (diploid, purity not given): stated in the JSON
    assert abs(mech["crbn-copy-loss"]["clonal_fraction"] - 2 * 41 / 98) < 1e-9
    assert "ASSUMED" in mech["crbn-copy-loss"]["clonal_basis"]
    # refractory to lenalidomide itself: high by the history term
    assert [d for d in doc["agents"] if d["agent"] == "lenalidomide"][0]["level"] == "high"


def _sheet(tmp_path: Path, maf_text: str, extra_rows: str = "") -> Path:
    (tmp_path / "bad.maf").write_text(maf_text)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample,disease,maf\nS1,MM,bad.maf\n" + extra_rows)
    return sheet


@pytest.mark.parametrize("maf_text, rows, needle", [
    ("Hugo_Symbol\tVariant_Classification\tHGVSp_Short\tTumor_Sample_Barcode\tt_alt_count\tt_depth\n"
     "CRBN\tNonsense_Mutation\tp.Q99*\tS1\t5\tabc\n", "", "line 2"),
    ("Hugo_Symbol\tTumor_Sample_Barcode\nCRBN\tS1\n", "", "bad.maf"),
    ("\x00\x01\x02\xff\xfe binary junk", "", "bad.maf"),
    ("Hugo_Symbol\tVariant_Classification\tHGVSp_Short\tTumor_Sample_Barcode\n"
     "CRBN\tNonsense_Mutation\tp.Q99*\tS1\n", "S1,MM,bad.maf\n", "S1"),
])
def test_bad_input_exit_2_no_output(tmp_path, capsys, maf_text, rows, needle):
    sheet = _sheet(tmp_path, maf_text, rows)
    out = tmp_path / "out"
    assert main(["profile", str(sheet), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and needle in err
    assert not out.exists()


def test_bad_usage_exit_2(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["profile", "-o", str(out)]) == 2
    assert main(["profile", str(DEMO / "samplesheet.csv"), "--sample", "X", "-o", str(out)]) == 2
    assert main(["profile", "--sample", "X", "-o", str(out)]) == 2  # a sample with no data
    assert not out.exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["profile", str(DEMO / "samplesheet.csv"), "-o", str(afile)]) == 2
    assert afile.read_text() == "x"


def test_demo_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "-o", "demo-out"]) == 0
    text = capsys.readouterr().out
    assert "knowledge base" in text and "worked query" in text and "HTML report" in text
    html = (tmp_path / "demo-out" / "report.html").read_text()
    assert "not a treatment recommendation" in html.lower()
    shutil.rmtree(tmp_path / "demo-out")
