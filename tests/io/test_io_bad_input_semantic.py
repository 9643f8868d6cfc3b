"""Inputs that parse but would give a wrong result silently: each is an InputError naming where,
or a DataWarning that reaches the report (``Cohort.read_warnings``).

Already covered elsewhere (kept as they are): swapped t_alt_count/t_depth (t_alt_count > t_depth),
segment end before start and duplicated expression sample columns (all test_io_bad_input.py); a VCF
carrier without allele counts keeps VAF NaN, which the interpreter reads as unknown ("not
assessable" for VAF rules), never as zero; a sample in two clinical files is read from the one its
own row names. Overlapping segments were already an error, untested until this file.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from refractor.errors import DataWarning, InputError
from refractor.io import cohort_from_flags, read_samplesheet

IO = Path(__file__).parents[1] / "data" / "io"


@pytest.fixture
def folder(tmp_path) -> Path:
    for f in ("mini.maf", "vep.vcf", "clinical.tsv"):
        shutil.copy(IO / f, tmp_path / f)
    return tmp_path


def _sheet(folder: Path, text: str) -> Path:
    p = folder / "sheet.csv"
    p.write_text(text)
    return p


def test_same_file_for_maf_and_vcf_in_a_samplesheet(folder):
    """Before: the error named the data file ("not a VCF" or "missing column Hugo_Symbol"),
    not the samplesheet cell that is wrong."""
    sheet = _sheet(folder, "sample,disease,maf,vcf\nS1,MM,mini.maf,\nS2,MM,,./mini.maf\n")
    with pytest.raises(InputError) as e:
        read_samplesheet(sheet)
    assert (e.value.path, e.value.line, e.value.column) == (str(sheet), 3, "vcf")
    assert e.value.problem == ("vcf file ./mini.maf is also named as the maf file (line 2); "
                               "a file holds one kind of data")


def test_same_file_for_two_flags(folder):
    with pytest.raises(InputError) as e:
        cohort_from_flags(sample="TUMOR1", disease="MM", vcf=folder / "vep.vcf", maf=folder / "vep.vcf")
    assert e.value.column == "--vcf" and "the same file is given as --maf and --vcf" in e.value.problem


def test_sample_id_differing_only_in_case(folder):
    """Before: 's1' was absent from the MAF (which holds 'S1'), so it read as "no variant" with no
    word of warning, and S1's BCL2 and CRBN variants were dropped."""
    sheet = _sheet(folder, "sample,disease,maf\ns1,MM,mini.maf\nS2,MM,mini.maf\n")
    with pytest.raises(InputError) as e:
        read_samplesheet(sheet)
    assert (e.value.path, e.value.line, e.value.column) == (str(sheet), 2, "maf")
    assert "which holds 'S1': sample ids are case-sensitive" in e.value.problem


def test_sample_id_absent_from_a_maf_is_still_no_variant(folder):
    """A sample with no row in a cohort MAF has no somatic variant (MAF convention): unchanged."""
    sheet = _sheet(folder, "sample,disease,maf\nS1,MM,mini.maf\nS3,MM,mini.maf\n")
    c = read_samplesheet(sheet)
    assert set(c.variants["sample"]) == {"S1"} and ("S3", "variant") in set(map(tuple, c.assessed.to_numpy()))


def test_sample_id_nearly_matching_an_unclaimed_maf_id_is_reported(folder):
    """Before: 'S04' (the MAF holds 'S4', named by no row) read as "no variant" and S4's
    variants were dropped, with no word. Now a DataWarning for S04 alone, naming the id; a
    sample whose id resembles nothing in the file stays silent (a MAF lists mutated samples)."""
    from refractor.interpret import interpret
    from refractor.kb import KnowledgeBase

    sheet = _sheet(folder, "sample,disease,maf\nS1,MM,mini.maf\nS2,MM,mini.maf\nS04,MM,mini.maf\n"
                           "PT-99,MM,mini.maf\n")
    with pytest.warns(DataWarning, match="sample S04: no row in maf file .*mini.maf, so it reads as "
                                         "having no variant; the file holds 'S4'"):
        c = read_samplesheet(sheet)
    near = [w for w in c.read_warnings if "no row in maf file" in w]
    assert len(near) == 1 and "PT-99" not in near[0]
    assert c.read_warning_samples[near[0]] == ("S04",)
    assert set(c.variants["sample"]) == {"S1", "S2"}  # still read as it was, only now flagged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = interpret(c, KnowledgeBase.load())
    by_sample = {r.sample: [w.message for w in r.warnings] for r in res}
    assert any("the file holds 'S4'" in m for m in by_sample["S04"])
    assert not any("the file holds 'S4'" in m for m in by_sample["S1"] + by_sample["PT-99"])


def test_sample_id_nearly_matching_an_unclaimed_clinical_id_is_reported(folder):
    text = (folder / "clinical.tsv").read_text().replace("\nS2\t", "\nPT-0002\t")
    (folder / "clinical.tsv").write_text(text)
    sheet = _sheet(folder, "sample,disease,maf,clinical\nS1,MM,mini.maf,clinical.tsv\n"
                           "PT-002,AML,mini.maf,clinical.tsv\n")
    with pytest.warns(DataWarning, match="sample PT-002: no row in clinical file .*clinical.tsv, so it "
                                         "has no clinical history from it; the file holds 'PT-0002'"):
        read_samplesheet(sheet)


def test_variant_in_both_maf_and_vcf_is_reported(folder):
    """Before: a sample given a MAF and a VCF of the same calls had each shared variant twice, silently."""
    (folder / "t1.maf").write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\tt_alt_count\tt_depth\n"
        "BCL2\tMissense_Mutation\tTUMOR1\tp.G101V\t30\t120\n"
        "CRBN\tFrame_Shift_Del\tTUMOR1\tp.R213Pfs*10\t10\t40\n"
        "KRAS\tMissense_Mutation\tTUMOR1\tp.G12D\t10\t40\n")
    sheet = _sheet(folder, "sample,disease,maf,vcf\nTUMOR1,MM,t1.maf,vep.vcf\n")
    with pytest.warns(DataWarning, match="sample TUMOR1: 2 variant"):
        c = read_samplesheet(sheet)
    assert c.read_warnings == ("sample TUMOR1: 2 variant(s) are in both its MAF and its VCF (e.g. BCL2 p.G101V) "
                               "and are listed twice; give one of the two files",)
    (folder / "t1.maf").write_text(
        "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
        "KRAS\tMissense_Mutation\tTUMOR1\tp.G12D\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # no shared variant: nothing to say
        assert read_samplesheet(sheet).read_warnings == ()


def test_overlapping_segments_of_one_sample(tmp_path):
    """Two segments of S1 covering CRBN would both enter its length-weighted mean."""
    from refractor.io import read_segments

    p = tmp_path / "s.seg"
    p.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
                 "S1\t3\t1\t3200000\t40\t-1.0\nS2\t3\t1\t3200000\t40\t0\nS1\t3\t3100000\t9000000\t40\t0.5\n")
    with pytest.raises(InputError) as e:
        read_segments(p)
    assert (e.value.path, e.value.line) == (str(p), 4)
    assert e.value.problem == "segment overlaps the previous segment of sample S1 on the same chromosome"

