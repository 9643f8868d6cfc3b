"""LeafCutter intron-cluster counts -> exon-skipping PSI (refractor.io._leafcutter).

The coordinates are checked against the reference README's worked example (CRBN exon 10 on
GRCh38: skip junction 3151046-3153423 in STAR's convention, so 3151045:3153424 in LeafCutter's,
whose scripts write the flanking exon ends) and against the STAR reader on the same counts.
"""
from __future__ import annotations

import gzip
import math
import re
from pathlib import Path

import pytest

from refractor.errors import InputError
from refractor.io import read_psi, read_samplesheet
from refractor.io._leafcutter import read_leafcutter
from refractor.io._splicing import read_junctions

IO = Path(__file__).parents[1] / "data" / "io"
# CRBN (minus strand) GRCh38, reference/README: 9->11 skip 3151046-3153423, 9->10 3152588-3153423,
# 10->11 3151046-3152455 (STAR: first and last intronic base) -> LeafCutter: start - 1, end + 1
SKIP, UP, DOWN = "chr3:3151045:3153424", "chr3:3152587:3153424", "chr3:3151045:3152456"
# the same three on GRCh37 (3192730-3195107, 3194272-3195107, 3192730-3194139)
SKIP37, UP37, DOWN37 = "chr3:3192729:3195108", "chr3:3194271:3195108", "chr3:3192729:3194140"


def _numers(tmp_path, rows: list[tuple[str, list[int]]], samples=("S1", "S2"), name="x_perind_numers.counts.gz"):
    text = " ".join(samples) + "\n" + "".join(f"{k} {' '.join(map(str, v))}\n" for k, v in rows)
    p = tmp_path / name
    with gzip.open(p, "wt") as fh:
        fh.write(text)
    return p


def _perind(tmp_path, rows: list[tuple[str, list[str]]], samples=("S1", "S2")):
    p = tmp_path / "x_perind.counts.gz"
    with gzip.open(p, "wt") as fh:
        fh.write("chrom " + " ".join(samples) + "\n" + "".join(f"{k} {' '.join(v)}\n" for k, v in rows))
    return p


def _crbn(df, sample):
    r = df[(df["sample"] == sample) & (df["gene"] == "CRBN")].iloc[0]
    return r["psi"], r["reads"]


def test_same_psi_as_the_star_reader_on_the_same_counts(tmp_path):
    # S1_GRCh38.SJ.out.tab holds CRBN skip 30, 9->10 40, 10->11 50 unique reads: PSI 30/(30+45)
    star = read_junctions(IO / "S1_GRCh38.SJ.out.tab", sample="S1")
    p = _numers(tmp_path, [("chr1:14829:14970:clu_1_-", [5, 1]), (f"{DOWN}:clu_2_-", [50, 10]),
                           (f"{SKIP}:clu_2_-", [30, 0]), (f"{UP}:clu_2_-", [40, 12])])
    lc = read_leafcutter(p)
    assert _crbn(lc, "S1") == pytest.approx(_crbn(star, "S1")) and _crbn(lc, "S1")[0] == pytest.approx(0.4)
    psi2, reads2 = _crbn(lc, "S2")
    assert psi2 == 0.0 and reads2 == 22  # exon 10 kept in every read
    assert lc.attrs["samples"] == ["S1", "S2"] and lc.attrs["build"] == "GRCh38"
    assert set(lc["event"]) == {"exon10_skipping", "exon2_skipping"}  # CD19 too: no reads, NaN
    cd19 = lc[lc["gene"] == "CD19"]
    assert cd19["psi"].isna().all() and (cd19["reads"] == 0).all()
    assert cd19["source"].str.endswith("no informative junction").all()


def test_perind_counts_and_numers_give_the_same_table(tmp_path):
    a = read_leafcutter(_numers(tmp_path, [(f"{SKIP}:clu_2_-", [30, 3]), (f"{UP}:clu_2_-", [40, 9]),
                                           (f"{DOWN}:clu_2_-", [50, 9])]))
    b = read_leafcutter(_perind(tmp_path, [(f"{SKIP}:clu_2_-", ["30/120", "3/21"]),
                                           (f"{UP}:clu_2_-", ["40/120", "9/21"]),
                                           (f"{DOWN}:clu_2_-", ["50/120", "9/21"])]))
    assert a.drop(columns="source").equals(b.drop(columns="source"))
    assert _crbn(b, "S2")[0] == pytest.approx(3 / (3 + 9))


def test_the_other_strand_is_not_counted_and_na_is(tmp_path):
    p = _numers(tmp_path, [(f"{SKIP}:clu_2_+", [30, 30]), (f"{UP}:clu_2_NA", [40, 40]),
                           (f"{DOWN}:clu_2", [50, 50])])
    psi, reads = _crbn(read_leafcutter(p), "S1")
    assert psi == 0.0 and reads == 90


def test_a_grch37_file_read_as_grch38_is_an_error_naming_the_build(tmp_path):
    p = _numers(tmp_path, [(f"{SKIP37}:clu_2_-", [30, 3]), (f"{UP37}:clu_2_-", [40, 9]),
                           (f"3:{DOWN37.split(':', 1)[1]}:clu_2_-", [50, 9])])
    with pytest.raises(InputError, match="aligned to GRCh37; give build GRCh37"):
        read_leafcutter(p)
    assert _crbn(read_leafcutter(p, build="GRCh37"), "S1")[0] == pytest.approx(0.4)


@pytest.mark.parametrize("text,line,message", [
    ("S1 S2\nchr3:1:2:clu_1 4 5\nchr3-1-2 4 5\n", 3, "is not LeafCutter's"),
    ("S1 S2\nchr3:1:2:clu_1 4 5\nchr3:5:9:clu_1 4\n", 3, "1 count(s) for 2 sample(s)"),
    (f"S1 S2\n{SKIP}:clu_1_- 4 x\n", 2, "sample S2: count 'x' is not a whole number"),
    (f"chrom S1 S2\n{SKIP}:clu_1_- 4/9 12/10\n", 2, "sample S2: count '12/10' is not k/n"),
    ("S1 S1\nchr3:1:2:clu_1 4 5\n", 1, "sample 'S1' is named twice"),
    ("S1 S2 S3 S4\nchr3:1:2:clu_1 4 5\n", 1, "not a LeafCutter"),
])
def test_malformed_files_name_the_line(tmp_path, text, line, message):
    p = tmp_path / "bad_perind_numers.counts"
    p.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)) as e:
        read_leafcutter(p)
    assert e.value.line == line and e.value.path == str(p)


def test_no_primary_chromosome_is_an_error(tmp_path):
    p = tmp_path / "x.counts"
    p.write_text("S1\nNC_000003.12:1:2:clu_1 4\n")
    with pytest.raises(InputError, match="no intron is on a human primary chromosome"):
        read_leafcutter(p)


def test_read_psi_and_a_samplesheet_take_a_leafcutter_file(tmp_path):
    """Found by its row names through the psi reader, so --psi and the samplesheet's psi column
    take it; a sample of the sheet must be in its header (as for any PSI table)."""
    p = _numers(tmp_path, [(f"{SKIP}:clu_2_-", [60, 0]), (f"{UP}:clu_2_-", [10, 40]),
                           (f"{DOWN}:clu_2_-", [10, 40])])
    assert _crbn(read_psi(p), "S1")[0] == pytest.approx(60 / 70)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"sample,disease,psi\nS1,MM,{p.name}\nS2,MM,{p.name}\n")
    c = read_samplesheet(sheet)
    got = c.splicing.set_index(["sample", "gene"])["psi"]
    assert got[("S1", "CRBN")] == pytest.approx(60 / 70) and got[("S2", "CRBN")] == 0.0
    assert math.isnan(got[("S1", "CD19")])
    sheet.write_text(f"sample,disease,psi\nS9,MM,{p.name}\n")
    with pytest.raises(InputError, match="sample 'S9' not found in psi file"):
        read_samplesheet(sheet)
