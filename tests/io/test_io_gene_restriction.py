"""Restricting the gene-level tables to a gene set at read time (``read_samplesheet(genes=...,
restrict=...)``, what ``refractor profile`` does with the KB's genes): rows of other genes are
dropped, but every row is still read and checked, and the calls are those of the full tables."""
import shutil

import pandas as pd
import pytest

from refractor.errors import InputError
from refractor.interpret import interpret
from refractor.io import GENE_TABLES, read_expression, read_maf, read_samplesheet
from refractor.kb import KnowledgeBase

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "demo_cohort"


def test_maf_rows_of_other_genes_are_dropped_and_keep_their_row_numbers(data):
    full = read_maf(data / "mini.maf")
    some = read_maf(data / "mini.maf", genes={"CRBN", "TP53"})
    assert some["gene"].tolist() == ["CRBN", "CRBN", "TP53"]
    # the index is still the data-row number (the annotated MAF's key)
    assert some.index.tolist() == [1, 2, 3]
    pd.testing.assert_frame_equal(some, full.loc[[1, 2, 3]])
    # the file's sample list is the whole file's, not the kept rows'
    assert some.attrs["samples"] == full.attrs["samples"] == ["S1", "S2", "S4"]
    assert read_maf(data / "mini.maf", genes=set()).empty


def test_maf_rows_of_other_genes_are_still_checked(tmp_path, data):
    text = (data / "mini.maf").read_text().replace("KRAS\tchr12", "KRAS\tchr12")
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("KRAS"))
    cells = lines[i].split("\t")
    cells[-2] = "99"  # t_alt_count 99 > t_depth 30, in a gene that is not kept
    lines[i] = "\t".join(cells)
    bad = tmp_path / "bad.maf"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        read_maf(bad, genes={"CRBN"})
    assert "exceeds t_depth" in str(e.value) and f"line {i + 1}" in str(e.value)


def test_expression_checks_see_the_whole_matrix(tmp_path):
    # a read-count matrix is refused as TPM even when the kept gene's values look like TPM
    rows = ["gene\tA\tB", "BCL2\t10\t12"] + [f"G{i}\t{20000 + i}\t{30000 + i}" for i in range(60)]
    f = tmp_path / "counts.tsv"
    f.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError):
        read_expression(f)
    with pytest.raises(InputError):
        read_expression(f, genes={"BCL2"})


def test_expression_rows_of_other_genes_are_dropped(data):
    full = read_expression(data / "expression.tsv")
    some = read_expression(data / "expression.tsv", genes={"MCL1"})
    assert set(some["gene"]) == {"MCL1"}
    pd.testing.assert_frame_equal(some.reset_index(drop=True),
                                  full[full["gene"] == "MCL1"].reset_index(drop=True))
    assert some.attrs["samples"] == full.attrs["samples"]


def test_samplesheet_default_restricts_copy_number_only(data):
    c = read_samplesheet(data / "samplesheet.csv", genes=["CRBN", "BCL2"])
    assert len(c.variants) == 5 and set(c.copy_number["gene"]) <= {"CRBN", "BCL2"}
    r = read_samplesheet(data / "samplesheet.csv", genes=["CRBN", "BCL2"], restrict=GENE_TABLES)
    assert set(r.variants["gene"]) == {"BCL2", "CRBN"} and len(r.variants) == 3
    assert set(r.expression["gene"]) <= {"CRBN", "BCL2"}
    # what was assessed does not change: a sample with variants in other genes only is sequenced
    assert r.assessed.equals(c.assessed)
    with pytest.raises(ValueError, match="unknown table"):
        read_samplesheet(data / "samplesheet.csv", genes=["CRBN"], restrict=("variants", "protein"))


def test_calls_on_kb_genes_only_equal_the_calls_on_every_gene(tmp_path):
    """The demo cohort (plus rows in genes no rule names) read whole and read restricted to the
    KB's genes gives the same calls, traces and warnings."""
    from refractor.cli._profile import _kb_genes

    kb = KnowledgeBase.load()
    genes = _kb_genes(kb)
    assert "TTN" not in genes and "ACTB" not in genes
    d = tmp_path / "demo"
    shutil.copytree(EXAMPLES, d)
    maf = d / "cohort.maf"
    head = maf.read_text().splitlines()[1].split("\t")
    row = {"Hugo_Symbol": "TTN", "NCBI_Build": "GRCh38", "Chromosome": "chr2",
           "Variant_Classification": "Missense_Mutation", "HGVSp_Short": "p.A100T",
           "Tumor_Sample_Barcode": "MM01", "t_alt_count": "10", "t_depth": "50"}
    with maf.open("a") as fh:
        fh.write("\t".join(row.get(h, "") for h in head) + "\n")
    expr = d / "expression_tpm.tsv"
    n = len(expr.read_text().splitlines()[0].split("\t")) - 1
    with expr.open("a") as fh:
        fh.write("ACTB\t" + "\t".join(["900"] * n) + "\n")
    sheet = d / "samplesheet.csv"
    whole = read_samplesheet(sheet, genes=genes)
    kb_only = read_samplesheet(sheet, genes=genes, restrict=GENE_TABLES)
    assert "TTN" in set(whole.variants["gene"]) and "TTN" not in set(kb_only.variants["gene"])
    assert "ACTB" in set(whole.expression["gene"]) and "ACTB" not in set(kb_only.expression["gene"])
    a, b = interpret(whole, kb), interpret(kb_only, kb)
    assert a.samples == b.samples and a.warnings == b.warnings
    assert (a.to_frame() == b.to_frame()).all().all()
    for ra, rb in zip(a, b):
        assert ra.to_dict() == rb.to_dict()
