"""Methylation beta matrices as array pipelines export them (fixtures in tests/data/io/real/methylation/;
probe ids are synthetic ``cgSYN...``, so no real probe annotation is typed from memory)."""
import pytest

from refractor.errors import DataWarning, InputError
from refractor.io import read_methylation


@pytest.fixture
def meth(data):
    return data / "real" / "methylation"


def _rows(m):
    return sorted((r.sample, r.feature, r.gene, r.beta, r.region) for r in m.itertuples())


def test_genomestudio_detection_p_masks_failed_probes(meth):
    """GenomeStudio: ``<sample>.AVG_Beta`` is the beta of <sample>; the ``Detection Pval`` column after
    it is not a sample, and a beta whose detection p exceeds 0.01 is unmeasured (PT2 cgSYN00002, p 0.231)."""
    with pytest.warns(DataWarning) as rec:
        m = read_methylation(meth / "genomestudio_final_report.txt")
    msgs = [str(w.message) for w in rec]
    assert any("1 beta value" in t for t in msgs)
    assert any("no probe carries a gene annotation" in t for t in msgs)  # a bare beta matrix
    assert m.attrs["samples"] == ["PT1", "PT2"]
    assert _rows(m) == [("PT1", "cgSYN00001", None, 0.8123, None), ("PT1", "cgSYN00002", None, 0.771, None),
                        ("PT2", "cgSYN00001", None, 0.1021, None)]


def test_geo_series_matrix_repeated_detection_columns(meth):
    with pytest.warns(DataWarning) as rec:
        m = read_methylation(meth / "geo_series_matrix_table.txt")
    assert any("detection p-value" in str(w.message) for w in rec)
    assert m.attrs["samples"] == ["GSM0000001", "GSM0000002"]


def test_manifest_annotated_csv_one_row_per_gene(meth):
    """Illumina manifest lists genes and groups in parallel: ``TRNT1;CRBN;CRBN`` / ``Body;TSS200;TSS200``
    is TRNT1 gene body and CRBN TSS200 (promoter), so a CRBN promoter rule sees this probe."""
    m = read_methylation(meth / "minfi_annotated_betas.csv")
    assert m.attrs["samples"] == ["PT1", "PT2"]
    assert [r for r in _rows(m) if r[0] == "PT1"] == [
        ("PT1", "cgSYN00003", "CRBN", 0.66, "TSS200"), ("PT1", "cgSYN00003", "TRNT1", 0.66, "Body"),
        ("PT1", "cgSYN00004", "CRBN", 0.58, "TSS1500"), ("PT1", "cgSYN00005", None, 0.91, None)]


@pytest.mark.parametrize("value, hint", [("-2.3", "M-values"), ("82.5", "percent")])
def test_m_values_and_percent_are_named(tmp_path, value, hint):
    p = tmp_path / "m.tsv"
    p.write_text(f"probe\tgene\tS1\ncgSYN1\tCRBN\t{value}\n")
    with pytest.raises(InputError, match=hint) as e:
        read_methylation(p)
    assert (e.value.line, e.value.column) == (2, "S1")
