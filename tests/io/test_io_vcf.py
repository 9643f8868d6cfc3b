"""VEP and SnpEff annotated VCFs (cyvcf2)."""
import pytest

from refractor.errors import InputError
from refractor.io import read_vcf
from refractor.io._consequence import short_protein_change, so_consequence


def test_vep_multisample(data):
    v = read_vcf(data / "vep.vcf")
    assert v.attrs["build"] == "GRCh38" and v.attrs["samples"] == ["TUMOR1", "TUMOR2"]
    got = [(r.sample, r.gene, r.consequence, r.protein_change, round(r.vaf, 6), int(r.source.rsplit(":", 1)[1]))
           for r in v.itertuples()]
    assert got == [
        # canonical (CANONICAL=YES / MANE) transcript chosen over the first, non-canonical one
        ("TUMOR1", "BCL2", "missense", "p.G101V", 0.25, 11),   # AD 90,30; TUMOR2 0/0 not counted
        ("TUMOR2", "CRBN", "nonsense", "p.R213*", 0.2, 12),     # AD 40,10
        # line 13 FILTER LowQual left out; line 14: TUMOR1 is 0/2 -> only the second ALT (synonymous)
        ("TUMOR1", "TP53", "silent", "p.R248=", 0.5, 14),
        ("TUMOR1", "CRBN", "frameshift", "p.R213Pfs*10", 0.25, 15),
    ]
    assert len(read_vcf(data / "vep.vcf", pass_only=False)) == 6


def test_snpeff_single_sample(data):
    v = read_vcf(data / "snpeff.vcf")
    assert v.attrs["build"] == "GRCh38"
    assert v[["sample", "gene", "consequence", "protein_change"]].values.tolist() == [
        ["patient7", "BCL2", "missense", "p.G101V"],
        ["patient7", "CRBN", "splice_site", ""],
    ]
    assert v["vaf"].tolist() == pytest.approx([0.3, 0.45])


@pytest.mark.parametrize("hgvsp, short", [
    ("ENSP00000329623.3:p.Gly101Val", "p.G101V"),
    ("p.Arg213ProfsTer10", "p.R213Pfs*10"),
    ("p.(Gly12Asp)", "p.G12D"),
    ("p.Gly12%3D", "p.G12="),
    ("p.Ter994TrpextTer?", "p.*994Wext*?"),
    ("G101V", "p.G101V"),
    ("", ""),
])
def test_short_protein_change(hgvsp, short):
    assert short_protein_change(hgvsp) == short


def test_so_terms():
    assert so_consequence("missense_variant&splice_region_variant") == "missense"
    assert so_consequence("splice_donor_variant&frameshift_variant") == "frameshift"
    assert so_consequence("intron_variant") == "other"
    assert so_consequence("disruptive_inframe_deletion") == "inframe_indel"


def test_vcf_errors(tmp_path, data):
    p = tmp_path / "plain.vcf"
    p.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    with pytest.raises(InputError, match="not annotated"):
        read_vcf(p)
    q = tmp_path / "notvcf.vcf"
    q.write_text("hello\n")
    with pytest.raises(InputError) as e:
        read_vcf(q)
    assert e.value.line == 1
    with pytest.raises(InputError, match=r"genome builds disagree \(requested build \(build= / --build\): GRCh37; VCF header: GRCh38\)"):
        read_vcf(data / "vep.vcf", build="GRCh37")


def test_malformed_record_line(tmp_path):
    p = tmp_path / "bad.vcf"
    p.write_text(
        "##fileformat=VCFv4.2\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|HGVSp">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "##contig=<ID=chr1>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n"
        "chr1\t100\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|BCL2|p.Gly101Val\tGT\t0/1\n"
        "chr1\t300\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|BCL2\tGT\t0/1\n"
    )
    with pytest.raises(InputError) as e:
        read_vcf(p)
    assert e.value.line == 7 and "wrong number" in e.value.problem
    q = tmp_path / "badpos.vcf"
    q.write_text(p.read_text().replace("chr1\t300", "chr1\tnotanumber"))
    with pytest.raises(InputError) as e:
        read_vcf(q)
    assert e.value.line == 7 and e.value.path == str(q)
