"""Expression files as quantifiers and pipelines write them (fixtures in tests/data/io/real/).

Each expected value is the file's TPM cell (or, for featureCounts, count/Length scaled to 10^6,
computed here by hand): the reader must take the TPM column, never NumReads, expected_count or
FPKM, and must not read a counts or log-scaled matrix as TPM.
"""
import gzip

import pytest

from refractor.errors import DataWarning, InputError
from refractor.io import cohort_from_flags, read_expression
from refractor.reference import gene_table


@pytest.fixture
def real(data):
    return data / "real"


def _values(e):
    return {(r.sample, r.gene): round(r.value, 4) for r in e.itertuples()}


def test_salmon_gencode_transcripts_summed_per_gene(real):
    """salmon quant.sf against GENCODE transcripts: the symbol is field 6 of the pipe-joined name;
    TPM is additive, so CRBN = 18.5 + 4.25. The sample is the salmon output folder (PT3)."""
    e = read_expression(real / "salmon" / "PT3" / "quant.sf")
    assert e.attrs["format"] == "salmon quant.sf"
    assert _values(e) == {("PT3", "CRBN"): 22.75, ("PT3", "BCL2"): 60.0, ("PT3", "MCL1"): 150.0}


def test_salmon_plain_transcript_ids_need_gene_level(tmp_path):
    p = tmp_path / "quant.sf"
    p.write_text("Name\tLength\tEffectiveLength\tTPM\tNumReads\nENST00000231948.9\t5204\t5020.5\t18.5\t612\n")
    with pytest.raises(InputError, match="transcript-to-gene"):
        read_expression(p)


def test_salmon_gene_level_versioned_ensembl_ids(real):
    with pytest.warns(DataWarning, match="1 of 4 gene ids are not in the shipped"):
        e = read_expression(real / "PT3b.quant.genes.sf")
    assert _values(e) == {("PT3b", "CRBN"): 22.75, ("PT3b", "BCL2"): 60.0, ("PT3b", "MCL1"): 150.0}


def test_rsem_takes_tpm_not_expected_count_or_fpkm(real):
    e = read_expression(real / "PT4.genes.results")
    assert _values(e) == {("PT4", "CRBN"): 25.4, ("PT4", "BCL2"): 61.2, ("PT4", "MCL1"): 152.0}


def test_featurecounts_counts_become_tpm(real):
    """TPM_g = (count_g / length_g) / sum(count / length) * 10^6. PT5: rates 0.2, 1.0, 0.2 (sum 1.4);
    PT6: 0.1, 0, 0.9. Sample ids from the BAM paths."""
    with pytest.warns(DataWarning, match="converted to TPM"):
        e = read_expression(real / "featureCounts.txt")
    assert _values(e) == {
        ("PT5", "CRBN"): round(0.2 / 1.4 * 1e6, 4), ("PT5", "BCL2"): round(1.0 / 1.4 * 1e6, 4),
        ("PT5", "MCL1"): round(0.2 / 1.4 * 1e6, 4),
        ("PT6", "CRBN"): 100000.0, ("PT6", "BCL2"): 0.0, ("PT6", "MCL1"): 900000.0,
    }


def test_gdc_star_counts_tpm_column_and_summary_rows(real):
    """GDC STAR augmented counts: tpm_unstranded; N_* rows skipped; the PAR_Y copy of CSF2RA
    (GENCODE's chrY pseudoautosomal duplicate) adds to the X copy."""
    e = read_expression(real / "gdc_star_gene_counts.tsv")
    s = e["sample"].iloc[0]
    assert _values(e) == {(s, "CRBN"): 21.3456, (s, "BCL2"): 55.0012, (s, "CSF2RA"): 3.0001}


def test_nfcore_matrix_with_gene_name_and_cbioportal_entrez_column(real):
    e = read_expression(real / "nfcore_salmon.merged.gene_tpm.tsv")
    assert e.attrs["samples"] == ["PT10", "PT11"]
    assert _values(e)[("PT11", "MCL1")] == 900.5
    c = read_expression(real / "cbioportal_data_mrna_seq_tpm.txt")
    # Entrez_Gene_Id is an annotation column, not a sample whose "TPM" would be 51185
    assert c.attrs["samples"] == ["TCGA-AB-2802-03", "TCGA-AB-2803-03"]
    assert _values(c)[("TCGA-AB-2803-03", "CRBN")] == 2.25


def test_counts_matrix_is_not_read_as_tpm(real):
    with pytest.raises(InputError, match="sum to 1,256,908.*not TPM") as e:
        read_expression(real / "nfcore_salmon.merged.gene_counts.tsv")
    assert e.value.column == "PT10"


def test_star_reads_per_gene_rejected(real):
    with pytest.raises(InputError, match="without gene lengths"):
        read_expression(real / "STAR_ReadsPerGene.out.tab")


def test_excel_csv_bom_crlf_quoted_names(real):
    """R write.csv saved via Excel: BOM, CRLF, quoted names, empty first header, trailing blank line;
    sample ids keep their space."""
    e = read_expression(real / "excel_tpm.csv")
    assert e.attrs["samples"] == ["PT 20", "PT-21"]
    assert _values(e)[("PT 20", "BCL2")] == 61.0


def test_log_scaled_matrix_rejected(tmp_path):
    genes = gene_table("GRCh38")["gene"].head(600).tolist()
    p = tmp_path / "log2tpm.tsv"
    p.write_text("gene\tS1\n" + "".join(f"{g}\t{(i % 140) / 10:.2f}\n" for i, g in enumerate(genes)))
    with pytest.raises(InputError, match="look log-transformed"):
        read_expression(p)
    q = tmp_path / "neg.tsv"
    q.write_text("gene\tS1\nCRBN\t-1.2\n")
    with pytest.raises(InputError, match="z-scores"):
        read_expression(q)


def test_integral_matrix_warns(tmp_path):
    genes = gene_table("GRCh38")["gene"].head(600).tolist()
    p = tmp_path / "ints.tsv"
    p.write_text("gene\tS1\n" + "".join(f"{g}\t{i % 50}\n" for i, g in enumerate(genes)))
    with pytest.warns(DataWarning, match="whole number"):
        read_expression(p)


def test_single_sample_file_takes_samplesheet_id(real, tmp_path):
    gz = tmp_path / "x.genes.results.gz"
    gz.write_bytes(gzip.compress((real / "PT4.genes.results").read_bytes()))
    c = cohort_from_flags(sample="MM-042", disease="MM", expression=gz)
    assert dict(zip(c.expression["gene"], c.expression["value"]))["CRBN"] == 25.4
    assert set(c.expression["sample"]) == {"MM-042"}


def test_cbioportal_old_symbol_renamed_through_entrez(real):
    e = read_expression(real / "cbioportal_old_symbols.txt")
    assert set(e["gene"]) == {"SRSF2", "CRBN"} and e.attrs["renamed_genes"] == {"SFRS2": "SRSF2"}


@pytest.mark.parametrize("ids, why", [
    ([f"{200000 + i}_s_at" for i in range(30)], "microarray probe ids"),
    ([str(1000 + i) for i in range(30)], "NCBI Gene ids"),
    ([f"Gm{1000 + i}" for i in range(30)], "not HGNC symbols"),
])
def test_rows_that_are_not_genes_are_refused(tmp_path, ids, why):
    """A matrix keyed by probe sets, Entrez numbers or another species' genes would match no KB
    gene and read as "measured, nothing found"; it is refused instead."""
    p = tmp_path / "m.tsv"
    p.write_text("ID_REF\tS1\n" + "".join(f"{x}\t{i + 1}.5\n" for i, x in enumerate(ids)))
    with pytest.raises(InputError, match=why):
        read_expression(p)
