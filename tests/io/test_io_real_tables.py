"""Spreadsheet-made inputs: Excel CSV (BOM, CRLF, ';' in comma-decimal locales), quoted cells,
capitalised samplesheet headers, clinical tables saved as CSV."""
from refractor.io import read_clinical, read_samplesheet


def test_excel_semicolon_samplesheet_with_bom_and_crlf(data, tmp_path):
    maf = data / "real" / "gdc_masked_somatic.maf"
    p = tmp_path / "sheet.csv"
    p.write_bytes(b"\xef\xbb\xbfSample;Disease;MAF\r\nTCGA-XX-0002-03A-11D-A12B-09;AML;" + str(maf).encode()
                  + b"\r\n;;\r\n")
    c = read_samplesheet(p)
    assert c.sample_ids == ["TCGA-XX-0002-03A-11D-A12B-09"]
    assert c.variants["gene"].tolist() == ["TP53"]


def test_clinical_csv_with_quoted_agent_list(tmp_path):
    p = tmp_path / "clinical.csv"
    p.write_text('sample,disease,refractory_agents,line\nMM 01,MM,"lenalidomide,bortezomib",3\n')
    c = read_clinical(p)
    assert c["refractory_agents"].iloc[0] == ["lenalidomide", "bortezomib"]
    assert c["sample"].iloc[0] == "MM 01" and int(c["line"].iloc[0]) == 3


def test_decimal_comma_is_named(tmp_path):
    """A ';'-separated sheet from a comma-decimal locale writes 12,5 for 12.5: refused with the reason."""
    import pytest

    from refractor.errors import InputError
    from refractor.io import read_expression

    p = tmp_path / "tpm.csv"
    p.write_text("gene;S1\nCRBN;12,5\n")
    with pytest.raises(InputError, match="decimal comma") as e:
        read_expression(p)
    assert (e.value.line, e.value.column) == (2, "S1")


def test_r_mangled_column_names_match(tmp_path):
    """A matrix written from an R data.frame has check.names ids: TCGA-AB-2802 -> TCGA.AB.2802,
    2803 -> X2803; the samplesheet's ids still find their columns."""
    from refractor.io import read_samplesheet

    e = tmp_path / "tpm.tsv"
    e.write_text("gene\tTCGA.AB.2802\tX2803\nCRBN\t20.5\t3.5\n")
    p = tmp_path / "s.csv"
    p.write_text(f"sample,disease,expression\nTCGA-AB-2802,AML,{e}\n2803,AML,{e}\n")
    c = read_samplesheet(p)
    assert dict(zip(c.expression["sample"], c.expression["value"])) == {"TCGA-AB-2802": 20.5, "2803": 3.5}


def test_r_write_table_row_names_without_header_cell(tmp_path):
    """R write.table(m, sep="\\t", quote=FALSE) writes no header cell above the row names: the
    header has one field fewer than the rows. The first column is then the genes."""
    from refractor.io import read_expression

    p = tmp_path / "tpm.txt"
    p.write_text("PT1\tPT2\nCRBN\t20.5\t3.5\nBCL2\t61\t12\n")
    e = read_expression(p)
    assert e.attrs["samples"] == ["PT1", "PT2"]
    assert dict(zip(zip(e["sample"], e["gene"]), e["value"]))[("PT2", "CRBN")] == 3.5


def test_r_scientific_notation_positions(tmp_path):
    """R writes 3000000 as 3e+06 unless told otherwise: still the integer position 3,000,000."""
    import pytest

    from refractor.io import read_segments

    p = tmp_path / "seg.txt"
    p.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\t3\t3e+06\t3.2e+06\t40\t-0.9\n")
    assert read_segments(p, genes=["CRBN"])["log2_ratio"].tolist() == pytest.approx([-0.9])


def test_maf_trailing_tab_is_not_taken_for_row_names(tmp_path):
    """Row-name detection is for matrices only: a MAF row with an extra field stays an error naming
    the line, never a silent shift of every column."""
    import pytest

    from refractor.errors import InputError
    from refractor.io import read_maf

    p = tmp_path / "x.maf"
    p.write_text("Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\nX\tCRBN\tMissense_Mutation\tS1\n")
    with pytest.raises(InputError, match="expected 3 fields, found 4") as e:
        read_maf(p)
    assert e.value.line == 2


def test_reader_warnings_are_kept_on_the_cohort(data):
    """A caveat raised while reading (featureCounts counts converted to TPM) is still a warning, and
    the cohort keeps its text so that a report can show it."""
    import pytest

    from refractor.errors import DataWarning
    from refractor.io import cohort_from_flags

    with pytest.warns(DataWarning, match="converted to TPM"):
        c = cohort_from_flags(sample="PT5", disease="MM", expression=data / "real" / "featureCounts.txt")
    assert any("converted to TPM" in w for w in c.read_warnings)


def test_unicode_and_spaced_sample_ids(tmp_path):
    """Ids as clinics write them (accents, spaces) survive the samplesheet and the MAF unchanged."""
    from refractor.io import read_samplesheet

    maf = tmp_path / "c.maf"
    maf.write_text("Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\nCRBN\tNonsense_Mutation\tPatiënt 07 (relapse)\n",
                   encoding="utf-8")
    p = tmp_path / "s.csv"
    p.write_text(f'sample,disease,maf\n"Patiënt 07 (relapse)",MM,{maf}\n', encoding="utf-8")
    c = read_samplesheet(p)
    assert c.sample_ids == ["Patiënt 07 (relapse)"] and c.variants["sample"].tolist() == ["Patiënt 07 (relapse)"]
