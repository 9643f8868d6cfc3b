"""Integration: the real TCGA-LAML cohort (maftools extdata of the Cancer Genome Atlas Research
Network, N Engl J Med 2013;368:2059-74, doi:10.1056/NEJMoa1301689).

hg19/GRCh37 MAF of 193 patients with 2,207 variants (maftools' `laml` example: "193 samples"),
CBS segments of 191 patients (184 of them in the MAF) and FAB classes of 200 patients.
"""
from pathlib import Path

import pytest

from refractor.errors import InputError
from refractor.io import read_maf, read_samplesheet, read_segments

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
LAML = SHARED / "validation" / "tcga_laml_maftools"

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(not LAML.is_dir(), reason="../shared/validation not available"),
]
GENES = ["CRBN", "BCL2", "MCL1", "TP53", "FLT3"]


def test_laml_maf():
    maf = read_maf(LAML / "tcga_laml.maf.gz")
    assert maf.attrs["build"] == "GRCh37"  # NCBI_Build 37
    assert len(maf) == 2207 and len(maf.attrs["samples"]) == 193
    top = maf[maf["consequence"] != "silent"]["gene"].value_counts().head(5).index.tolist()
    # doi:10.1056/NEJMoa1301689: NPM1 mutated in 27 % of the 200 cases (abstract); FLT3 and DNMT3A are the
    # other most recurrently mutated genes of that cohort (percentages not restated here: unverified)
    assert {"FLT3", "NPM1", "DNMT3A"} <= set(top)


def test_laml_cohort(tmp_path):
    maf_samples = read_maf(LAML / "tcga_laml.maf.gz").attrs["samples"]
    seg_samples = set(read_segments(LAML / "LAML_CBS_segments.tsv.gz", build="GRCh37", genes=["CRBN"]).attrs["samples"])
    rows = ["sample,disease,maf,seg,clinical"]
    for s in maf_samples:
        seg = LAML / "LAML_CBS_segments.tsv.gz" if s in seg_samples else ""
        rows.append(f"{s},AML,{LAML / 'tcga_laml.maf.gz'},{seg},{LAML / 'tcga_laml_annot.tsv'}")
    p = tmp_path / "laml.csv"
    p.write_text("\n".join(rows) + "\n")
    # the segment file cannot declare a build: it takes the GRCh37 the MAF's NCBI_Build declares
    assert read_samplesheet(p, genes=GENES).build == "GRCh37"
    c = read_samplesheet(p, build="GRCh37", genes=GENES)
    assert len(c) == 193 and c.build == "GRCh37"
    kinds = c.assessed.groupby("kind")["sample"].nunique().to_dict()
    assert kinds["variant"] == 193
    assert kinds["copy_number"] == 184  # patients with both MAF and CBS segments
    assert kinds["history"] == 193  # every MAF patient has an annotation row
    assert kinds["subtype"] == 192  # FAB class; TCGA-AB-2941 is NA in the annotation
    assert set(c.samples["subtype"].dropna()) <= {"M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7"}
    assert c.copy_number.groupby("gene")["sample"].nunique().to_dict() == {g: 184 for g in GENES}
    assert len(c.variants) == 2207 and c.variants["sample"].nunique() == 193


def test_apl_flt3_itd_rows_are_flt3_inframe_insertions():
    """maftools' APL example MAF names FLT3 internal tandem duplications gene "FLT3_ITD", class
    "ITD". An ITD is an in-frame duplication (the KB's flt3-itd biomarker reads FLT3 inframe_indel);
    read as gene "FLT3_ITD" / consequence "other" they would never reach that rule."""
    import gzip

    path = LAML / "APL_primary.maf.gz"
    raw = gzip.decompress(path.read_bytes()).decode().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    n_itd = sum(1 for ln in raw if ln.split("\t")[6:7] == ["ITD"])
    assert n_itd > 0
    m = read_maf(path)
    assert m.attrs["build"] == "GRCh37"  # NCBI_Build hg19
    flt3 = m[(m["gene"] == "FLT3") & (m["consequence"] == "inframe_indel")]
    assert len(flt3) == n_itd and "FLT3_ITD" not in set(m["gene"])


def test_laml_samplesheet_without_build_uses_grch37_coordinates(tmp_path):
    """No --build and no build column: the MAF's NCBI_Build 37 makes the run GRCh37, and the CBS
    segments are laid over the GRCh37 gene spans (the values equal a GRCh37 reading of the file;
    a GRCh38 reading is not even possible)."""
    seg = LAML / "LAML_CBS_segments.tsv.gz"
    maf_samples = read_maf(LAML / "tcga_laml.maf.gz").attrs["samples"]
    seg_samples = set(read_segments(seg, build="GRCh37", genes=["CRBN"]).attrs["samples"])
    both = [s for s in maf_samples if s in seg_samples]
    p = tmp_path / "laml.csv"
    p.write_text("sample,disease,maf,seg\n" + "".join(f"{s},AML,{LAML / 'tcga_laml.maf.gz'},{seg}\n" for s in both))
    c = read_samplesheet(p, genes=GENES)
    assert c.build == "GRCh37"
    got = c.copy_number.set_index(["sample", "gene"])["log2_ratio"]
    g37 = read_segments(seg, build="GRCh37", genes=GENES).set_index(["sample", "gene"])["log2_ratio"]
    assert got.sort_index().equals(g37.loc[got.index].sort_index())
    # read as GRCh38 the file is impossible: a chr2 segment ends past GRCh38's chr2 (UCSC chrom.sizes)
    with pytest.raises(InputError, match="beyond the end of chr2"):
        read_segments(seg, build="GRCh38", genes=GENES)
