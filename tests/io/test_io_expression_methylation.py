"""Expression matrices (TSV, GCT) and methylation beta values."""
import pytest

from refractor.errors import InputError
from refractor.io import read_expression, read_methylation

EXPECTED = {("S1", "BCL2"): 12.5, ("S1", "MCL1"): 80.0, ("S1", "CRBN"): 20.0,
            ("S2", "BCL2"): 3.0, ("S2", "MCL1"): 150.5, ("S2", "CRBN"): 2.5}


@pytest.mark.parametrize("name", ["expression.gct", "expression.tsv"])
def test_expression_long(data, name):
    e = read_expression(data / name)
    assert list(e.columns) == ["sample", "gene", "value"]
    assert dict(zip(zip(e["sample"], e["gene"]), e["value"])) == EXPECTED
    assert e.attrs["samples"] == ["S1", "S2"]


def test_gct_duplicate_symbols_summed(tmp_path):
    p = tmp_path / "dup.gct"
    p.write_text("#1.2\n2\t1\nName\tDescription\tA\nENSG01\tXG\t1.5\nENSG02\tXG\t2.0\n")
    e = read_expression(p)
    assert e["value"].tolist() == [3.5]


def test_methylation_long_and_wide(data):
    lo = read_methylation(data / "methylation_long.tsv")
    wi = read_methylation(data / "methylation_wide.tsv")
    for m in (lo, wi):
        assert list(m.columns) == ["sample", "feature", "gene", "beta", "region"]
        got = {(r.sample, r.feature): (r.gene, r.beta) for r in m.itertuples()}
        assert got == {("S1", "cg00000029"): ("RHBDD1", 0.82), ("S1", "cg00000108"): ("C3orf35", 0.10),
                       ("S2", "cg00000029"): ("RHBDD1", 0.35)}  # the NA cell is unmeasured


def test_beta_out_of_range(tmp_path):
    p = tmp_path / "m.tsv"
    p.write_text("probe\tS1\tS2\ncg1\t0.2\t0.3\ncg2\t1.2\t0.1\n")
    with pytest.raises(InputError) as e:
        read_methylation(p)
    assert (e.value.line, e.value.column) == (3, "S1") and "above 1" in e.value.problem
