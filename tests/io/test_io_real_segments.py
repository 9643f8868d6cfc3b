"""Copy-number segment files as CNV callers write them (fixtures in tests/data/io/real/cnv/).

Gene spans (MANE Select, shipped table): CRBN GRCh38 chr3:3,150,011-3,179,691, GRCh37
chr3:3,191,695-3,221,375; MCL1 GRCh38 chr1:150,574,558-150,579,610; BAX GRCh38
chr19:48,954,875-48,961,798. Each fixture puts one segment over the whole gene, so the
gene-level log2 ratio is that segment's value.
"""
import pytest

from refractor.errors import DataWarning, InputError
from refractor.io import cohort_from_flags, read_segments
from refractor.io._segments import ZERO_COPY_LOG2

GENES = ["CRBN", "MCL1", "BAX"]


@pytest.fixture
def cnv(data):
    return data / "real" / "cnv"


def _vals(cn):
    return {(r.sample, r.gene): round(r.log2_ratio, 4) for r in cn.itertuples()}


def test_gatk_model_segments_posterior_median_and_rg_sample(cnv):
    cn = read_segments(cnv / "PT7.modelFinal.seg", genes=GENES)
    assert cn.attrs["build"] == "GRCh38"  # @SQ chr1-3 lengths are GRCh38's
    assert _vals(cn) == {("PT7_tumour", "CRBN"): -1.02, ("PT7_tumour", "MCL1"): 0.58}


def test_gatk_called_seg_grch37_from_sequence_dictionary(cnv):
    """@SQ lengths of GRCh37: the build is GRCh37 without being told, and CRBN is read at its
    GRCh37 position (a GRCh38 reading would put it at 3,150,011, also inside the segment, so the
    build is checked directly); asking for GRCh38 is a contradiction."""
    cn = read_segments(cnv / "PT8.called.seg", genes=["CRBN"])
    assert cn.attrs["build"] == "GRCh37" and _vals(cn) == {("PT8", "CRBN"): -0.98}
    with pytest.raises(InputError, match="genome builds disagree"):
        read_segments(cnv / "PT8.called.seg", build="GRCh38")
    c = cohort_from_flags(sample="PT8", disease="MM", seg=cnv / "PT8.called.seg", genes=["CRBN"])
    assert c.build == "GRCh37"


def test_cnvkit_zero_based_starts(cnv):
    """CNVkit .cns intervals are 0-based half-open: the second segment's start 3,150,010 is the
    1-based base 3,150,011. Read as 1-based it would overlap the first segment (an error)."""
    cn = read_segments(cnv / "PT9.call.cns", genes=GENES)
    assert _vals(cn) == {("PT9", "CRBN"): -1.1, ("PT9", "MCL1"): 0.62}  # log2 column, not cn


def test_ascat_absolute_copy_number(cnv):
    """ASCAT nMajor+nMinor: 3+1 -> log2(4/2) = 1; 1+0 -> -1; 0+0 (homozygous loss) -> the
    documented floor."""
    with pytest.warns(DataWarning, match="ploidy not taken into account"):
        cn = read_segments(cnv / "ascat.segments.txt", genes=GENES)
    assert _vals(cn) == {("PT10", "MCL1"): 1.0, ("PT10", "CRBN"): -1.0, ("PT10", "BAX"): ZERO_COPY_LOG2}


def test_gdc_aliquot_and_quoted_r_output(cnv):
    cn = read_segments(cnv / "gdc.masked_copy_number_segment.txt", genes=["CRBN"])
    assert list(_vals(cn).values()) == [-0.8721]
    q = read_segments(cnv / "dnacopy_quoted.seg", genes=["CRBN"])
    assert _vals(q) == {("PT 11", "CRBN"): -0.75}


def test_no_value_column_is_clear(tmp_path):
    p = tmp_path / "x.seg"
    p.write_text("ID\tchrom\tloc.start\tloc.end\nA\t3\t1\t100\n")
    with pytest.raises(InputError, match="no copy-number column"):
        read_segments(p)


def test_r_write_table_default_space_separated(tmp_path):
    """R write.table(seg) with its defaults: space-separated, strings quoted (a sample id with a space)."""
    p = tmp_path / "seg.txt"
    p.write_text('"ID" "chrom" "loc.start" "loc.end" "num.mark" "seg.mean"\n"PT 13" "3" 3000001 3200000 40 -0.6\n')
    assert _vals(read_segments(p, genes=["CRBN"])) == {("PT 13", "CRBN"): -0.6}


def test_refseq_accession_chromosomes_refused(tmp_path):
    """Chromosomes named by RefSeq accession match no gene of the shipped tables: an error, not a
    sample with no copy-number row (which would read as 'no deletion')."""
    p = tmp_path / "x.seg"
    p.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\tNC_000003.12\t3000001\t3200000\t40\t-1\n")
    with pytest.raises(InputError, match="no segment is on a human primary chromosome") as e:
        read_segments(p)
    assert e.value.line == 2
