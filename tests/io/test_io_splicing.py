"""STAR junctions -> CRBN exon-10 skipping PSI; PSI tables."""
import math

import pytest

from refractor.errors import InputError
from refractor.io import read_junctions, read_psi


def test_psi_grch38(data):
    s = read_junctions(data / "S1_GRCh38.SJ.out.tab", sample="S1")
    r = s.iloc[0]
    assert (r["sample"], r["gene"], r["event"]) == ("S1", "CRBN", "exon10_skipping")
    # skip 30, inclusion 40 (9->10) and 50 (10->11): PSI = 30 / (30 + 45)
    assert r["psi"] == pytest.approx(30 / (30 + 45)) and r["reads"] == 120
    assert r["source"] == f"{data / 'S1_GRCh38.SJ.out.tab'}:2,3,4"


def test_psi_grch37(data):
    r = read_junctions(data / "S1_GRCh37.SJ.out.tab", sample="S1", build="GRCh37").iloc[0]
    assert r["psi"] == pytest.approx(10 / (10 + 80)) and r["reads"] == 170


def test_wrong_build_gives_no_informative_reads(data):
    r = read_junctions(data / "S1_GRCh38.SJ.out.tab", sample="S1", build="GRCh37").iloc[0]
    assert math.isnan(r["psi"]) and r["reads"] == 0


def test_strand_must_match(tmp_path):
    p = tmp_path / "SJ.out.tab"
    p.write_text("chr3\t3151046\t3153423\t1\t1\t0\t30\t0\t40\n")  # + strand: not the CRBN intron
    r = read_junctions(p, sample="x").iloc[0]
    assert r["reads"] == 0


def test_junction_errors(tmp_path):
    p = tmp_path / "SJ.out.tab"
    p.write_text("chr3\t3151046\t3153423\t2\t2\t0\t30\t0\t40\nchr3\t3152588\t3153423\t2\t2\t1\tmany\t1\t50\n")
    with pytest.raises(InputError) as e:
        read_junctions(p, sample="x")
    assert (e.value.line, e.value.column) == (2, "unique_reads")
    q = tmp_path / "short.tab"
    q.write_text("chr3\t3151046\t3153423\t2\n")
    with pytest.raises(InputError) as e:
        read_junctions(q, sample="x")
    assert e.value.line == 1 and "expected 9 fields" in e.value.problem


def test_psi_table(data, tmp_path):
    s = read_psi(data / "psi.tsv")
    assert s[["sample", "psi"]].values.tolist() == [["S1", 0.35], ["S2", 0.02]]
    assert s["reads"].tolist() == [80, 150]
    p = tmp_path / "bad.tsv"
    p.write_text("sample\tgene\tevent\tpsi\nS1\tCRBN\texon10_skipping\t1.5\n")
    with pytest.raises(InputError) as e:
        read_psi(p)
    assert (e.value.line, e.value.column) == (2, "psi")
