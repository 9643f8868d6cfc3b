"""VCFs as somatic pipelines write them: tumour-normal pairs, per-caller read counts, transcripts.

Fixtures in tests/data/io/real/ are hand-written after each tool's documented output (header
lines, FORMAT fields, column naming); their read counts are chosen so the expected allele
fractions can be computed by hand here. Build claims use the shipped chromosome lengths.
"""
import gzip

import pytest

from refractor.errors import InputError
from refractor.io import cohort_from_flags, read_samplesheet, read_vcf


@pytest.fixture
def real(data):
    return data / "real"


def _rows(v):
    return [(r.sample, r.gene, r.consequence, r.protein_change, round(r.vaf, 4)) for r in v.itertuples()]


def test_mutect2_tumour_column_named_by_header(real):
    """Mutect2 two-sample VCF: the tumour column is the one ##tumor_sample names, although the
    normal comes first; the normal is never a sample, and its FORMAT values are never read."""
    v = read_vcf(real / "mutect2_tumor_normal.vep.vcf")
    assert v.attrs["tumor_sample"] == "PT7_tumour" and v.attrs["normal_samples"] == ["PT7_normal"]
    assert v.attrs["samples"] == ["PT7_tumour"]
    assert v.attrs["build"] == "GRCh38"  # contig lengths, Homo_sapiens_assembly38 and VEP assembly agree
    assert _rows(v) == [
        # FORMAT/AF of the tumour (0.247), not the normal's 0.021
        ("PT7_tumour", "BCL2", "missense", "p.G101V", 0.247),
        # the neighbouring TRNT1's canonical upstream annotation is listed first; the CRBN MANE
        # transcript's stop-gain is the more severe of the two MANE annotations and wins
        ("PT7_tumour", "CRBN", "nonsense", "p.R213*", 0.252),
        # multi-allelic 0/1/2: one row per ALT, each with its own AF and its own annotation
        ("PT7_tumour", "TP53", "missense", "p.R248Q", 0.398),
        ("PT7_tumour", "TP53", "missense", "p.R248L", 0.102),
    ]  # FILTER=germline record (line 25) is left out
    assert "MANE Select" in v.attrs["annotation"][1] and "ENST00000231948" in v.attrs["annotation"][1]


def test_mutect2_single_sample_run_takes_tumour_under_the_samplesheet_id(real):
    c = cohort_from_flags(sample="PT7", disease="MM", vcf=real / "mutect2_tumor_normal.vep.vcf")
    assert set(c.variants["sample"]) == {"PT7"} and len(c.variants) == 4
    assert c.build == "GRCh38"


def test_naming_the_normal_column_is_an_error(real):
    with pytest.raises(InputError, match="is the normal .*PT7_tumour"):
        cohort_from_flags(sample="PT7_normal", disease="MM", vcf=real / "mutect2_tumor_normal.vep.vcf")


def test_strelka2_tier1_counts_without_gt(real):
    """Strelka2 somatic: no GT; columns NORMAL/TUMOR. VAF from tier-1 counts as the Strelka2 user
    guide defines it: SNV TU/(TU+CU) = 39/(39+58); indel TIR/(TIR+TAR) = 20/(20+60)."""
    v = read_vcf(real / "strelka2_somatic.snvs_indels.snpeff.vcf")
    assert v.attrs["samples"] == ["TUMOR"] and v.attrs["build"] == "GRCh37"  # hs37d5, GRCh37 lengths, GRCh37.75
    assert _rows(v) == [("TUMOR", "CRBN", "missense", "p.G219R", round(39 / 97, 4)),
                        ("TUMOR", "TP53", "frameshift", "p.V273fs", 0.25)]  # LowEVS record left out


def test_vardict_paired_info_sample_names_the_tumour(real):
    """VarDict paired: INFO/SAMPLE is the tumour; a germline call present in both columns is the
    tumour's row only (never a second row for the normal)."""
    v = read_vcf(real / "vardict_paired.vep.vcf")
    assert v.attrs["tumor_sample"] == "PT9-T" and v.attrs["normal_samples"] == ["PT9-N"]
    assert _rows(v) == [("PT9-T", "BCL2", "missense", "p.G101V", 0.12), ("PT9-T", "CRBN", "missense", "p.L234M", 0.48)]


def test_varscan2_alt_only_ad(real):
    """VarScan2 writes AD (Number=1) as the ALT depth and RD as the REF depth: VAF = 30/(30+70),
    not AD read as ref,alt (which gives no ALT count)."""
    v = read_vcf(real / "varscan2_somatic.vep.vcf")
    assert _rows(v) == [("TUMOR", "CRBN", "missense", "p.G219R", 0.3)] and v.attrs["build"] == "GRCh37"


def test_vep_pick_flag_wins_and_undeclared_pair_must_be_named(real, tmp_path):
    p = real / "vep_flag_pick_two_samples.vcf"
    v = read_vcf(p)
    assert _rows(v) == [("LIB-0001", "CRBN", "nonsense", "p.R213*", 0.25)]
    assert v.attrs["annotation"] == ["ENST00000231948 (VEP PICK flag)"]
    # two columns, no declaration, the samplesheet id matches neither: an error, never a guess
    with pytest.raises(InputError, match="none declared the tumour"):
        cohort_from_flags(sample="PT1", disease="MM", vcf=p)
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,vcf\nLIB-0001,MM,{p}\n")
    assert read_samplesheet(sheet).variants["sample"].tolist() == ["LIB-0001"]


def test_gzip_and_crlf_vcf_read_alike(real, tmp_path):
    src = (real / "mutect2_tumor_normal.vep.vcf").read_bytes()
    gz = tmp_path / "m.vcf.gz"
    gz.write_bytes(gzip.compress(src))
    crlf = tmp_path / "crlf.vcf"
    crlf.write_bytes(src.replace(b"\n", b"\r\n"))
    want = _rows(read_vcf(real / "mutect2_tumor_normal.vep.vcf"))
    assert _rows(read_vcf(gz)) == want
    assert _rows(read_vcf(crlf)) == want


def test_header_builds_that_disagree(real, tmp_path):
    text = (real / "mutect2_tumor_normal.vep.vcf").read_text()
    bad = tmp_path / "b.vcf"
    bad.write_text(text.replace('assembly="GRCh38.p14"', 'assembly="GRCh37.p13"'))
    with pytest.raises(InputError, match="genome builds disagree"):
        read_vcf(bad)


def test_declared_tumour_missing_from_columns(real, tmp_path):
    text = (real / "mutect2_tumor_normal.vep.vcf").read_text()
    bad = tmp_path / "b.vcf"
    bad.write_text(text.replace("##tumor_sample=PT7_tumour", "##tumor_sample=PT8_tumour"))
    with pytest.raises(InputError, match="declares sample 'PT8_tumour'"):
        read_vcf(bad)


def test_unannotated_and_eff_vcf_errors(tmp_path):
    p = tmp_path / "eff.vcf"
    p.write_text('##fileformat=VCFv4.1\n##INFO=<ID=EFF,Number=.,Type=String,Description="Predicted effects">\n'
                 "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    with pytest.raises(InputError, match="old INFO/EFF"):
        read_vcf(p, sample="X")


def test_gdc_maf_build_vaf_and_barcode_prefix(data, tmp_path):
    """GDC MAF: #version lines, NCBI_Build GRCh38, VAF = t_alt_count / t_depth (21/85), Splice_Region
    is not a splice-site (canonical +/-1,2) variant. A samplesheet naming the TCGA sample
    (TCGA-XX-0001) finds its aliquot barcode."""
    from refractor.io import read_maf

    p = data / "real" / "gdc_masked_somatic.maf"
    m = read_maf(p)
    assert m.attrs["build"] == "GRCh38"
    assert [(r.gene, r.consequence, r.protein_change, round(r.vaf, 4)) for r in m.itertuples()][:3] == [
        ("BCL2", "missense", "p.G101V", round(21 / 85, 4)), ("CRBN", "nonsense", "p.R213*", 0.25),
        ("CRBN", "other", "", 0.3)]
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,maf\nTCGA-XX-0001,AML,{p}\nTCGA-XX-0002,AML,{p}\n")
    c = read_samplesheet(sheet)
    assert c.build == "GRCh38"
    assert c.variants.groupby("sample").size().to_dict() == {"TCGA-XX-0001": 3, "TCGA-XX-0002": 1}


def test_old_maf_symbols_renamed_through_entrez(tmp_path):
    """TCGA-era MAFs use symbols HGNC has since changed (SFRS2 is SRSF2, NCBI Gene 6427 in the
    shipped table); the NCBI Gene id keeps the gene findable by its current symbol."""
    from refractor.io import read_maf

    p = tmp_path / "old.maf"
    p.write_text("Hugo_Symbol\tEntrez_Gene_Id\tVariant_Classification\tTumor_Sample_Barcode\n"
                 "SFRS2\t6427\tMissense_Mutation\tS1\nNOTAGENE1\t0\tSilent\tS1\n")
    m = read_maf(p)
    assert m["gene"].tolist() == ["SRSF2", "NOTAGENE1"] and m.attrs["renamed_genes"] == {"SFRS2": "SRSF2"}


def test_vep_written_under_ann_and_intergenic_alleles(tmp_path):
    """VEP --vcf_info_field ANN writes its own field list under INFO/ANN: the VEP choice rules apply
    (canonical, most severe), not SnpEff's first-is-most-severe. An intergenic annotation has no
    gene and gives no row (counted in attrs)."""
    p = tmp_path / "vep_ann.vcf"
    p.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n"
        '##INFO=<ID=ANN,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        'Format: Allele|Consequence|SYMBOL|Feature|HGVSp|CANONICAL">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr3\t3152500\t.\tG\tA\t50\tPASS\tANN=A|intron_variant|CRBN|ENST00000432408||,"
        "A|stop_gained|CRBN|ENST00000231948|p.Arg213Ter|YES\tGT\t0/1\n"
        "chr3\t1000\t.\tG\tA\t50\tPASS\tANN=A|intergenic_variant||||\tGT\t0/1\n")
    v = read_vcf(p)
    assert [r[:4] for r in _rows(v)] == [("S1", "CRBN", "nonsense", "p.R213*")]  # no AD/AF: VAF unknown
    assert v.attrs["alleles_without_gene"] == 1


def test_freebayes_ao_ro(tmp_path):
    """FreeBayes: RO (reference observations) and AO (per ALT); VAF of ALT 2 = 10 / (60 + 30 + 10)."""
    p = tmp_path / "fb.vcf"
    p.write_text(
        "##fileformat=VCFv4.2\n##source=freeBayes v1.3.6\n##reference=GRCh38\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        'Format: Allele|Consequence|SYMBOL|HGVSp|CANONICAL">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=RO,Number=1,Type=Integer,Description="Reference allele observation count">\n'
        '##FORMAT=<ID=AO,Number=A,Type=Integer,Description="Alternate allele observation count">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr17\t7674220\t.\tC\tT,A\t50\t.\tCSQ=T|missense_variant|TP53|p.Arg248Gln|YES,"
        "A|missense_variant|TP53|p.Arg248Leu|YES\tGT:RO:AO\t0/2:60:30,10\n")
    assert _rows(read_vcf(p)) == [("S1", "TP53", "missense", "p.R248L", 0.1)]


def test_mutect2_two_tumours_one_normal(real, tmp_path):
    """Mutect2 multi-sample (diagnosis + relapse vs one normal): both tumours are samples, the
    normal is not; a samplesheet row must name its tumour."""
    text = (real / "mutect2_tumor_normal.vep.vcf").read_text()
    text = text.replace("##tumor_sample=PT7_tumour", "##tumor_sample=PT7_dx\n##tumor_sample=PT7_rel")
    text = text.replace("PT7_normal\tPT7_tumour\n", "PT7_normal\tPT7_dx\tPT7_rel\n")
    lines = [ln + "\t" + ln.rsplit("\t", 1)[1] if ln.startswith("chr") else ln for ln in text.split("\n")]
    p = tmp_path / "multi.vcf"
    p.write_text("\n".join(lines))
    v = read_vcf(p)
    assert v.attrs["samples"] == ["PT7_dx", "PT7_rel"] and v.attrs["normal_samples"] == ["PT7_normal"]
    assert set(v["sample"]) == {"PT7_dx", "PT7_rel"}
    with pytest.raises(InputError, match="none declared the tumour|not found"):
        cohort_from_flags(sample="PT7", disease="MM", vcf=p)
    assert set(cohort_from_flags(sample="PT7_rel", disease="MM", vcf=p).variants["sample"]) == {"PT7_rel"}


def test_vep_without_symbol_maps_ensembl_gene(tmp_path):
    """VEP run without --symbol writes only Gene (ENSG): mapped to the HGNC symbol of the shipped
    table (ENSG00000113851 is CRBN there)."""
    p = tmp_path / "nosym.vcf"
    p.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
        'Format: Allele|Consequence|IMPACT|Gene|Feature|HGVSp">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr3\t3152500\t.\tG\tA\t50\tPASS\tCSQ=A|stop_gained|HIGH|ENSG00000113851|ENST00000231948|"
        "ENSP00000231948.4:p.Arg213Ter\tGT\t0/1\n")
    assert [r[:4] for r in _rows(read_vcf(p))] == [("S1", "CRBN", "nonsense", "p.R213*")]


def test_all_records_filtered_warns(real, tmp_path):
    """A VCF whose every record failed the caller's filters gives no variant; that is said, since
    the sample then reads as carrying none."""
    from refractor.errors import DataWarning

    text = (real / "mutect2_tumor_normal.vep.vcf").read_text().replace("\t.\tPASS\t", "\t.\tweak_evidence\t")
    p = tmp_path / "f.vcf"
    p.write_text(text)
    with pytest.warns(DataWarning, match="all 4 records have a FILTER"):
        assert len(read_vcf(p)) == 0


def test_vcf_sample_column_names_the_tumour(real, tmp_path):
    """An undeclared two-column VCF for patient PT1: the samplesheet's vcf_sample names the column
    (LIB-0001), and the report keeps the patient id."""
    p = real / "vep_flag_pick_two_samples.vcf"
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,vcf,vcf_sample\nPT1,MM,{p},LIB-0001\n")
    c = read_samplesheet(sheet)
    assert c.variants["sample"].tolist() == ["PT1"] and c.variants["gene"].tolist() == ["CRBN"]
    assert cohort_from_flags(sample="PT1", disease="MM", vcf=p, vcf_sample="LIB-0002").variants.empty
    sheet.write_text(f"sample,disease,vcf,vcf_sample\nPT1,MM,{p},LIB-0009\n")
    with pytest.raises(InputError, match="not a sample column") as e:
        read_samplesheet(sheet)
    assert (e.value.line, e.value.column) == (2, "vcf_sample")
    m = real / "mutect2_tumor_normal.vep.vcf"
    with pytest.raises(InputError, match="is the normal"):
        cohort_from_flags(sample="PT7", disease="MM", vcf=m, vcf_sample="PT7_normal")


def test_read_counts_kept_for_the_ccf_interval(real):
    """The tumour's ALT reads and depth travel with each variant (the interpreter's CCF interval):
    Mutect2 AD 64,21 -> 21 of 85 (its VAF stays the caller's AF, 0.247); Strelka2 tier 1 TU 39,
    CU 58 -> 39 of 97; VarScan2 AD 30, RD 70 -> 30 of 100."""
    m = read_vcf(real / "mutect2_tumor_normal.vep.vcf")
    assert (m["alt_count"].iloc[0], m["depth"].iloc[0], round(m["vaf"].iloc[0], 4)) == (21, 85, 0.247)
    s = read_vcf(real / "strelka2_somatic.snvs_indels.snpeff.vcf")
    assert list(zip(s["alt_count"], s["depth"])) == [(39, 97), (20, 80)]
    v = read_vcf(real / "varscan2_somatic.vep.vcf")
    assert (v["alt_count"].iloc[0], v["depth"].iloc[0]) == (30, 100)
    c = cohort_from_flags(sample="PT7", disease="MM", vcf=real / "mutect2_tumor_normal.vep.vcf")
    assert c.variants["depth"].tolist()[:2] == [85, 60]
