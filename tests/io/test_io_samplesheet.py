"""Samplesheets and single-sample flags -> Cohort."""
import shutil

import pytest

from refractor.errors import InputError
from refractor.io import Cohort, cohort_from_flags, read_samplesheet
from refractor.io.cohort import COLUMNS


def test_samplesheet_cohort(data):
    c = read_samplesheet(data / "samplesheet.csv", genes=["CRBN", "BCL2"])
    assert isinstance(c, Cohort) and c.build == "GRCh38"
    assert c.sample_ids == ["S1", "S2", "S3"]
    for name in COLUMNS:  # the contract columns, then any optional ones the files gave
        assert list(c.table(name).columns)[:len(COLUMNS[name])] == COLUMNS[name]
    assert list(c.variants.columns)[len(COLUMNS["variants"]):] == ["alt_count", "depth"]  # MAF t_alt_count/t_depth
    assessed = {(s, k) for s, k in c.assessed.itertuples(index=False)}
    assert assessed == {
        ("S1", "variant"), ("S1", "copy_number"), ("S1", "expression"), ("S1", "splicing"), ("S1", "history"),
        ("S2", "variant"), ("S2", "copy_number"), ("S2", "expression"), ("S2", "history"), ("S2", "subtype"),
        ("S3", "variant"),  # in the MAF's sheet row but no mutation: assessed, no variants
    }
    assert not c.is_assessed("S3", "history")  # clinical file not named for S3
    assert set(c.variants["sample"]) == {"S1", "S2"}  # S4 in the MAF but not in the sheet
    assert len(c.variants) == 5
    crbn = c.splicing[c.splicing["gene"] == "CRBN"]
    assert crbn["psi"].round(6).tolist() == [0.4]
    # no CD19 junctions in the file: the CD19 exon-2 event is computed but uninformative (0 reads)
    cd19 = c.splicing[c.splicing["gene"] == "CD19"]
    assert cd19["reads"].tolist() == [0] and cd19["psi"].isna().all()
    s = c.samples.set_index("sample")
    # names as written in clinical.tsv; the KB resolves them at interpretation (issue 11)
    assert s.loc["S1", "refractory_agents"] == ["Lenalidomide"] and s.loc["S1", "line"] == 3
    assert c.origin["S1"]["refractory_agents"]["line"] == 2
    assert s.loc["S2", "subtype"] == "M5" and s.loc["S3", "subtype"] is None
    one = c.subset(["S2"])
    assert one.sample_ids == ["S2"] and set(one.variants["gene"]) == {"CRBN", "TP53", "DNMT3A"}


def test_cohort_file_read_once(data, monkeypatch):
    import refractor.io._assemble as asm

    calls = []
    real = asm.read_maf
    monkeypatch.setattr(asm, "read_maf", lambda p, **kw: calls.append(p) or real(p, **kw))
    read_samplesheet(data / "samplesheet.csv", genes=["CRBN"])
    assert len(calls) == 1


def test_flags_single_sample(data):
    c = cohort_from_flags(sample="patient7", disease="MM", vcf=data / "snpeff.vcf",
                          refractory=["Lenalidomide"], subtype="t(4;14)")
    assert c.sample_ids == ["patient7"]
    assert set(c.assessed["kind"]) == {"variant", "history", "subtype"}
    assert c.samples.loc[0, "refractory_agents"] == ["Lenalidomide"]
    assert c.origin["patient7"]["refractory_agents"] == {"column": "--refractory"}
    assert c.variants["protein_change"].tolist() == ["p.G101V", ""]
    # a single-sample file with another internal id is taken as this sample
    c2 = cohort_from_flags(sample="me", disease="MM", vcf=data / "snpeff.vcf")
    assert set(c2.variants["sample"]) == {"me"}
    # junctions on GRCh37 with an explicit build
    c3 = cohort_from_flags(sample="S1", disease="MM", junctions=data / "S1_GRCh37.SJ.out.tab", build="GRCh37")
    assert c3.build == "GRCh37" and c3.splicing["psi"].iloc[0] == pytest.approx(10 / 90)


def _sheet(tmp_path, data, text, files=("mini.maf", "segments.seg", "clinical.tsv")):
    for f in files:
        shutil.copy(data / f, tmp_path / f)
    p = tmp_path / "sheet.csv"
    p.write_text(text)
    return p


def test_sheet_errors(tmp_path, data):
    cases = [
        ("sample,disease,maf\nS1,MM,mini.maf\nS1,MM,mini.maf\n", 3, "duplicated sample id"),
        ("sample,disease,maf,seg\nS1,MM,mini.maf,\nS2,MM,,\n", 3, "has no data"),
        ("sample,disease,maf\nS1,MM,missing.maf\n", 2, "file not found"),
        ("sample,disease,bam\nS1,MM,x.bam\n", 1, "unknown samplesheet column"),
        ("sample,disease,seg,build\nS1,MM,segments.seg,hg18\n", 2, "unknown genome build"),
        ("sample,disease,seg\nS9,MM,segments.seg\n", 2, "not found in seg file"),
        ("sample,disease,maf\nS1,MM\n", 2, "expected 3 fields"),
    ]
    for text, line, msg in cases:
        p = _sheet(tmp_path, data, text)
        with pytest.raises(InputError) as e:
            read_samplesheet(p)
        assert e.value.path == str(p) and e.value.line == line and msg in e.value.problem, text


def test_build_consistency(tmp_path, data):
    grch37 = (data / "mini.maf").read_text().replace("GRCh38", "GRCh37")
    (tmp_path / "m37.maf").write_text(grch37)
    shutil.copy(data / "segments.seg", tmp_path / "segments.seg")  # valid on both builds
    p = tmp_path / "s.csv"
    p.write_text("sample,disease,maf,seg\nS1,MM,m37.maf,segments.seg\n")
    # segments cannot declare a build: they take the one the MAF declares (issue 12)
    c = read_samplesheet(p, genes=["CRBN"])
    assert c.build == "GRCh37"
    assert read_samplesheet(p, build="GRCh37", genes=["CRBN"]).build == "GRCh37"
    with pytest.raises(InputError, match=r"genome builds disagree \(requested build \(build= / --build\): GRCh38; "
                       r"NCBI_Build on line \d+: GRCh37\)"):
        read_samplesheet(p, build="GRCh38")
    with pytest.raises(InputError, match="unknown genome build 'hg17'"):
        read_samplesheet(p, build="hg17")
    # a row that declares a build contradicting a file is the same one error, at that row
    p.write_text("sample,disease,maf,seg,build\nS1,MM,m37.maf,segments.seg,GRCh38\n")
    with pytest.raises(InputError, match="genome builds disagree") as e:
        read_samplesheet(p)
    assert e.value.line == 2 and e.value.column == "build"


def test_disease_contradiction(tmp_path, data):
    """S2 is AML in clinical.tsv (line 3) but MM in the samplesheet: the KB resolves both names
    and the contradiction names the clinical file's line. The same disease written two ways
    (PCM = OncoTree's plasma cell myeloma = MM) is no contradiction."""
    from refractor.interpret import interpret
    from refractor.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    p = _sheet(tmp_path, data, "sample,disease,clinical\nS2,MM,clinical.tsv\n")
    with pytest.raises(InputError) as e:
        interpret(read_samplesheet(p), kb)
    assert e.value.path.endswith("clinical.tsv") and e.value.line == 3
    p = _sheet(tmp_path, data, "sample,disease,clinical\nS1,PCM,clinical.tsv\n")
    assert interpret(read_samplesheet(p), kb)["S1"].disease == "MM"


def test_row_build_and_single_sample_relabel(tmp_path, data):
    shutil.copy(data / "S1_GRCh37.SJ.out.tab", tmp_path / "sj37.tab")
    (tmp_path / "e.tsv").write_text("gene\tlibrary_42\nMCL1\t88.5\n")
    p = tmp_path / "s.csv"
    p.write_text("sample,disease,build,junctions,expression\nP1,MM,GRCh37,sj37.tab,e.tsv\n")
    c = read_samplesheet(p)
    assert c.build == "GRCh37"
    assert c.splicing["psi"].iloc[0] == pytest.approx(10 / 90)
    assert c.expression.values.tolist() == [["P1", "MCL1", 88.5]]  # one-sample file: its column is P1
