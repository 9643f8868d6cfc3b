"""Segments -> gene-level log2 ratios."""
import pytest

from refractor.errors import InputError
from refractor.io import read_segments

# CRBN canonical span GRCh38 chr3:3,150,011-3,179,691 (shared reference PROVENANCE.txt spot checks)
CRBN_START, CRBN_END = 3150011, 3179691


def test_gene_level_values(data):
    cn = read_segments(data / "segments.seg", genes=["CRBN", "BCL2", "TP53"])
    got = {(r.sample, r.gene): r.log2_ratio for r in cn.itertuples()}
    assert got[("S1", "CRBN")] == pytest.approx(-1.0)  # segment 3,000,001-3,200,000 covers CRBN
    assert got[("S1", "BCL2")] == pytest.approx(0.58)
    # S2: breakpoint inside CRBN -> length-weighted mean of 0 and -0.5
    inside = CRBN_END - 3165001 + 1
    assert got[("S2", "CRBN")] == pytest.approx(-0.5 * inside / (CRBN_END - CRBN_START + 1))
    assert ("S2", "BCL2") not in got and ("S1", "TP53") not in got  # no segment -> not measured
    src = dict(zip(zip(cn["sample"], cn["gene"]), cn["source"]))
    assert src[("S2", "CRBN")] == f"{data / 'segments.seg'}:6-7"
    assert cn.attrs["samples"] == ["S1", "S2"] and cn.attrs["build"] == "GRCh38"


def test_header_variant_and_whole_table(data):
    cn = read_segments(data / "segments_alt_header.tsv")
    assert cn.loc[cn.gene == "CRBN", "log2_ratio"].item() == -1.0
    # every gene overlapping chr3:3,000,001-3,200,000 in the shipped GRCh38 table is reported
    assert {"CRBN", "TRNT1", "IL5RA"} <= set(cn["gene"])


def test_build_changes_coordinates(data):
    # on GRCh37 CRBN lies at chr3:3,191,695-3,221,375, i.e. straddling the 3,200,000 breakpoint of S1
    cn = read_segments(data / "segments.seg", build="GRCh37", genes=["CRBN"])
    s1 = cn.loc[cn["sample"] == "S1", "log2_ratio"].item()
    assert s1 == pytest.approx(-1.0 * (3200000 - 3191695 + 1) / (3221375 - 3191695 + 1))


def test_overlapping_segments_rejected(tmp_path):
    p = tmp_path / "ov.seg"
    p.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\t1\t1\t100\t3\t0\nA\t1\t50\t200\t3\t0\n")
    with pytest.raises(InputError) as e:
        read_segments(p)
    assert e.value.line == 3 and "overlaps" in e.value.problem
