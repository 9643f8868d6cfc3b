"""``refractor profile`` carries the input readers' work to the user: ``--vcf-sample`` names the
tumour column of an undeclared multi-sample VCF, the readers' caveats reach the report, and the
genome build the coordinates were read on is stated in the outputs.

Fixtures in tests/data/io/real/ are hand-written after each tool's documented output (see
tests/io/test_io_real_vcf.py and tests/io/test_io_real_expression.py for how they read).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from refractor.cli import main

REAL = Path(__file__).parents[1] / "data" / "io" / "real"
TWO_SAMPLES = REAL / "vep_flag_pick_two_samples.vcf"  # LIB-0001 0/1 CRBN p.R213*, LIB-0002 0/0
MUTECT2 = REAL / "mutect2_tumor_normal.vep.vcf"  # ##tumor_sample / ##normal_sample=PT7_normal
STRELKA2 = REAL / "strelka2_somatic.snvs_indels.snpeff.vcf"  # hs37d5 contigs, SnpEff GRCh37.75


def _one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def _crbn_details(doc: dict) -> list[str]:
    return [o["detail"] for m in doc["mechanisms"] for o in m["observations"] if o["gene"] == "CRBN"]


def test_two_sample_vcf_needs_vcf_sample(tmp_path, capsys):
    """Neither column is declared the tumour and the sample id names neither: refused, never a
    guess (the wrong column would read a germline or another library's calls as the tumour's)."""
    out = tmp_path / "o"
    line = _one_line_error(capsys, ["profile", "--sample", "PT1", "--disease", "MM", "--vcf",
                                    str(TWO_SAMPLES), "-o", str(out), "-q"])
    assert "none declared the tumour" in line and str(TWO_SAMPLES) in line
    assert not out.exists()


def test_vcf_sample_names_the_tumour_column(tmp_path):
    """--vcf-sample LIB-0001 reads the column carrying the CRBN stop-gain (GT 0/1, AD 30,10) under
    the patient id PT1; naming LIB-0002 (GT 0/0, the reference homozygote) gives no CRBN lesion.
    A truncating CRBN variant is the IMiD-resistance lesion the KB's CRBN mechanisms score, so
    whether it appears shows which column was read."""
    out = tmp_path / "o"
    assert main(["profile", "--sample", "PT1", "--disease", "MM", "--vcf", str(TWO_SAMPLES),
                 "--vcf-sample", "LIB-0001", "-o", str(out), "-q"]) == 0
    doc = json.loads((out / "samples" / "PT1.json").read_text())
    assert doc["sample"] == "PT1" and "p.R213*" in " ".join(_crbn_details(doc))
    other = tmp_path / "p"
    assert main(["profile", "--sample", "PT1", "--disease", "MM", "--vcf", str(TWO_SAMPLES),
                 "--vcf-sample", "LIB-0002", "-o", str(other), "-q"]) == 0
    assert _crbn_details(json.loads((other / "samples" / "PT1.json").read_text())) == []


def test_vcf_sample_naming_the_normal_is_an_error(tmp_path, capsys):
    """The matched normal's calls are germline: reading them as the tumour is refused."""
    line = _one_line_error(capsys, ["profile", "--sample", "PT7", "--disease", "MM", "--vcf",
                                    str(MUTECT2), "--vcf-sample", "PT7_normal", "-o",
                                    str(tmp_path / "o"), "-q"])
    assert "'PT7_normal' is the normal" in line and str(MUTECT2) in line


def test_vcf_sample_without_vcf_is_an_error(tmp_path, capsys):
    line = _one_line_error(capsys, ["profile", "--sample", "PT1", "--disease", "MM", "--refractory",
                                    "lenalidomide", "--vcf-sample", "LIB-0001", "-o",
                                    str(tmp_path / "o"), "-q"])
    assert "--vcf-sample" in line and "--vcf" in line


TPM_NOTE = "featureCounts read counts converted to TPM"


@pytest.mark.filterwarnings("always::refractor.errors.DataWarning")
def test_reader_warning_reaches_the_report_single_sample(tmp_path, capsys):
    """featureCounts gives read counts, not TPM; the reader converts them (count / Length, scaled
    to 10^6) and says so. The KB's expression thresholds are in TPM, so a user reading the calls
    must see that the values were converted: on stderr while reading, in the summary, once at the
    top of the HTML report, in warnings.tsv and in the sample's own JSON."""
    out = tmp_path / "o"
    assert main(["profile", "--sample", "PT5", "--disease", "MM", "--expression",
                 str(REAL / "featureCounts.txt"), "-o", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert TPM_NOTE in stderr and "1 from reading the inputs" in stdout
    html = (out / "report.html").read_text()
    assert html.count(TPM_NOTE) == 1
    table = pd.read_csv(out / "warnings.tsv", sep="\t")
    rows = table[table["code"] == "input-read"]
    assert len(rows) == 1 and TPM_NOTE in rows["message"].iloc[0]
    assert (rows["category"] == "DataWarning").all()
    doc = json.loads((out / "samples" / "PT5.json").read_text())
    assert [w["code"] for w in doc["warnings"] if TPM_NOTE in w["message"]] == ["input-read"]


@pytest.mark.filterwarnings("always::refractor.errors.DataWarning")
def test_reader_warning_is_cohort_level_for_a_cohort(tmp_path):
    """Two samples read from one featureCounts matrix: the caveat is the cohort's, stated once."""
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,expression\nPT5,MM,{REAL / 'featureCounts.txt'}\n"
                     f"PT6,MM,{REAL / 'featureCounts.txt'}\n")
    out = tmp_path / "o"
    assert main(["profile", str(sheet), "-o", str(out), "-q"]) == 0
    assert (out / "report.html").read_text().count(TPM_NOTE) == 1
    table = pd.read_csv(out / "warnings.tsv", sep="\t")
    assert (table["message"].str.contains(TPM_NOTE)).sum() == 1


def test_build_stated_in_json_and_html(tmp_path):
    """Strelka2's VCF declares GRCh37 (hs37d5 contig lengths, SnpEff database GRCh37.75): the
    positions were read on GRCh37, not the default GRCh38, and the outputs say so."""
    out = tmp_path / "o"
    assert main(["profile", "--sample", "PT9", "--disease", "MM", "--vcf", str(STRELKA2),
                 "-o", str(out), "-q"]) == 0
    doc = json.loads((out / "samples" / "PT9.json").read_text())
    assert doc["build"] == "GRCh37"
    assert "genome build GRCh37" in (out / "report.html").read_text()
    assert pq.read_schema(out / "agents.parquet").metadata[b"refractor.build"] == b"GRCh37"
    # with no declaration the run's default build is stated
    plain = tmp_path / "p"
    assert main(["profile", "--sample", "PT1", "--disease", "MM", "--refractory", "lenalidomide",
                 "-o", str(plain), "-q"]) == 0
    assert json.loads((plain / "samples" / "PT1.json").read_text())["build"] == "GRCh38"


@pytest.mark.filterwarnings("always::refractor.errors.DataWarning")
def test_reader_warning_of_one_samples_file_is_that_samples(tmp_path):
    """PT5's featureCounts file is converted to TPM, PT7's salmon file is TPM already: the caveat
    is in PT5's JSON only, and once in warnings.tsv with n_samples 1."""
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,expression\nPT5,MM,{REAL / 'featureCounts.txt'}\n"
                     f"PT7,MM,{REAL / 'PT3b.quant.genes.sf'}\n")
    out = tmp_path / "o"
    assert main(["profile", str(sheet), "-o", str(out), "-q"]) == 0
    own = {s: [w["message"] for w in json.loads((out / "samples" / f"{s}.json").read_text())["warnings"]]
           for s in ("PT5", "PT7")}
    assert any(TPM_NOTE in m for m in own["PT5"]) and not any(TPM_NOTE in m for m in own["PT7"])
    table = pd.read_csv(out / "warnings.tsv", sep="\t")
    rows = table[table["message"].str.contains(TPM_NOTE, regex=False)]
    assert len(rows) == 1 and rows["n_samples"].iloc[0] == 1
