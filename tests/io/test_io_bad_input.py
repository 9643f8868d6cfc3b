"""Every malformed input gives one InputError naming file and line (never a traceback)."""
import gzip

import pytest

from refractor.errors import InputError
from refractor.io import (
    read_clinical,
    read_expression,
    read_maf,
    read_methylation,
    read_psi,
    read_segments,
)

MAF_HEAD = "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\tt_alt_count\tt_depth\tNCBI_Build\n"
MAF_ROW = "BCL2\tMissense_Mutation\tS1\tp.G101V\t3\t10\tGRCh38\n"

# (reader, file content (str or bytes), expected line, expected column, words in the problem)
CASES = [
    (read_maf, b"", None, None, "empty"),
    (read_maf, "#version 2.4\n#only comments\n", None, None, "no header"),
    (read_maf, "Hugo_Symbol\tTumor_Sample_Barcode\nBCL2\tS1\n", 1, "Variant_Classification", "missing required column"),
    (read_maf, MAF_HEAD + MAF_ROW + "BCL2\tMissense_Mutation\tS1\tp.G101V\tthree\t10\tGRCh38\n", 3, "t_alt_count", "not a number"),
    (read_maf, MAF_HEAD + MAF_ROW + "BCL2\tMissense_Mutation\tS1\tp.G101V\t30\t10\tGRCh38\n", 3, "t_alt_count", "exceeds"),
    (read_maf, MAF_HEAD + MAF_ROW + "BCL2\tMissense_Mutation\tS1\tp.G101V\t3\t10\tNCBI36\n", 3, "NCBI_Build", "unknown genome build"),
    (read_maf, MAF_HEAD + MAF_ROW + MAF_ROW.replace("GRCh38", "37"), 3, "NCBI_Build", "genome builds disagree (NCBI_Build on line 2: GRCh38; NCBI_Build on line 3: GRCh37)"),
    (read_maf, MAF_HEAD + MAF_ROW + "BCL2\tMissense_Mutation\tS1\n", 3, None, "expected 7 fields"),
    (read_maf, MAF_HEAD + MAF_ROW + "\tMissense_Mutation\tS1\tp.G101V\t3\t10\tGRCh38\n", 3, "Hugo_Symbol", "empty"),
    (read_maf, MAF_HEAD + MAF_ROW + "\n# a comment\nBCL2\tMissense_Mutation\tS1\tp.G101V\t-1\t10\tGRCh38\n", 5, "t_alt_count", "below 0"),
    (read_maf, MAF_HEAD.encode() + MAF_ROW.encode() + b"BCL2\tMiss\xff\xfe\tS1\tp\t3\t10\tGRCh38\n", 3, None, "UTF-8"),
    (read_maf, MAF_HEAD.encode() + b"\x00\x01\x02binary junk\n", 2, None, "binary"),
    (read_maf, "Hugo_Symbol\tHugo_Symbol\tX\n", 1, "Hugo_Symbol", "duplicated column"),
    (read_segments, "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\t1\t100\t50\t3\t0.1\n", 2, "loc.end", "before start"),
    (read_segments, "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\t1\t1.5\t50\t3\t0.1\n", 2, "loc.start", "not an integer"),
    (read_segments, "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\t1\t1\t50\t3\tdeep\n", 2, "seg.mean", "not a number"),
    (read_segments, "ID\tchrom\tstart\nS1\t1\t1\n", 1, "loc.end", "missing required column"),
    (read_expression, "gene\tS1\tS2\nBCL2\t1\t2\nMCL1\t-3\t4\n", 3, "S1", "below 0"),
    (read_expression, "gene\tS1\tS2\nBCL2\t1\tNaN\n", 2, "S2", "missing"),
    (read_expression, "gene\tS1\tS1\nBCL2\t1\t2\n", 1, "S1", "duplicated column"),
    (read_expression, "gene\tS1\nBCL2\t1\nBCL2\t2\n", 3, "gene", "duplicated gene"),
    (read_expression, "#1.2\n1\t1\nName\tS1\nBCL2\t1\n", 3, None, "Name<TAB>Description"),
    (read_methylation, "sample\tfeature\tbeta\nS1\tcg1\t-0.1\n", 2, "beta", "below 0"),
    (read_psi, "sample\tgene\tevent\tpsi\nS1\tCRBN\texon10_skipping\tNA\n", 2, "psi", "missing"),
    (read_clinical, "sample\tdisease\tline\nS1\tMM\tsecond\n", 2, "line", "not a number"),
]


@pytest.mark.parametrize("reader, content, line, column, words", CASES)
def test_bad_input(tmp_path, reader, content, line, column, words):
    p = tmp_path / "input.tsv"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(InputError) as e:
        reader(p)
    err = e.value
    assert err.path == str(p)
    assert err.line == line
    assert err.column == column
    assert words.lower() in err.problem.lower()
    assert str(p) in str(err)


def test_truncated_gzip(tmp_path):
    whole = gzip.compress((MAF_HEAD + MAF_ROW * 200).encode())
    p = tmp_path / "t.maf.gz"
    p.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="truncated or corrupt gzip") as e:
        read_maf(p)
    assert e.value.path == str(p)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_maf(tmp_path / "nope.maf")
    with pytest.raises(InputError, match="^.*: file is a directory, not a file$"):
        read_maf(tmp_path)


def test_crlf_and_bom_are_fine(tmp_path):
    p = tmp_path / "win.maf"
    p.write_bytes(b"\xef\xbb\xbf" + (MAF_HEAD + MAF_ROW).replace("\n", "\r\n").encode())
    v = read_maf(p)
    assert v.loc[0, "vaf"] == pytest.approx(0.3) and v.loc[0, "source"].endswith(":2")
