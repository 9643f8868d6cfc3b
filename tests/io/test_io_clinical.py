"""Clinical tables: Refractor TSV, cBioPortal, TCGA-style annotation."""
import pandas as pd
import pytest

from refractor.errors import InputError
from refractor.io import read_clinical


def test_design_contract(data):
    c = read_clinical(data / "clinical.tsv")
    assert c["sample"].tolist() == ["S1", "S2", "S3"]
    s1 = c.iloc[0]
    assert s1["disease"] == "MM" and s1["subtype"] is None and s1["line"] == 3
    assert s1["prior_agents"] == ["lenalidomide", "bortezomib", "dexamethasone"]
    assert s1["refractory_agents"] == ["lenalidomide"]  # lower-cased slug
    assert c.iloc[1]["subtype"] == "M5" and c.iloc[2]["subtype"] == "t(11;14)"
    assert pd.isna(c.iloc[2]["line"])


def test_cbioportal(data):
    c = read_clinical(data / "cbioportal_clinical.txt")
    assert c["sample"].tolist() == ["P-001-T01", "P-002-T01", "P-003-T01"]
    assert c["disease"].tolist() == ["AML", "MM", "CLL"]  # ONCOTREE AML / PCM / CLLSLL


def test_column_mapping(tmp_path):
    p = tmp_path / "annot.tsv"
    p.write_text("barcode\tfab\tOS\nTCGA-1\tM4\t1\nTCGA-2\tNA\t0\n")
    c = read_clinical(p, columns={"sample": "barcode", "subtype": "fab"}, disease="AML")
    assert c[["sample", "disease", "subtype"]].values.tolist() == [["TCGA-1", "AML", "M4"], ["TCGA-2", "AML", None]]
    with pytest.raises(InputError) as e:
        read_clinical(p, columns={"sample": "Tumor_Sample_Barcode"})
    assert e.value.line == 1


def test_duplicate_sample(tmp_path):
    p = tmp_path / "c.tsv"
    p.write_text("sample\tdisease\nA\tMM\nB\tMM\nA\tAML\n")
    with pytest.raises(InputError) as e:
        read_clinical(p)
    assert (e.value.line, e.value.column) == (4, "sample")
