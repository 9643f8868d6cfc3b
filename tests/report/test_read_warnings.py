"""The input readers' caveats and the genome build travel from the cohort into the result, the
same way in the columnar engine and in the per-sample reference loop."""
from __future__ import annotations

from pathlib import Path

import pytest

from refractor.interpret import interpret, interpret_per_sample
from refractor.io import cohort_from_flags, read_samplesheet
from refractor.report import warning_table

REAL = Path(__file__).parents[1] / "data" / "io" / "real"


@pytest.mark.filterwarnings("ignore::refractor.errors.DataWarning")
def test_engines_agree_on_read_warnings_and_build(kb):
    """featureCounts counts are converted to TPM (the KB's expression thresholds are in TPM):
    both engines record that caveat once for the cohort, on the one sample of a one-sample run,
    and state the build (GRCh38: nothing declared another)."""
    cohort = cohort_from_flags(sample="PT5", disease="MM", expression=REAL / "featureCounts.txt")
    assert cohort.read_warnings and "converted to TPM" in cohort.read_warnings[0]
    fast, ref = interpret(cohort, kb), interpret_per_sample(cohort, kb)
    assert fast["PT5"] == ref["PT5"]
    for res in (fast, ref):
        codes = [w.code for w in res.warnings]
        assert codes.count("input-read") == 1 and codes[0] == "input-read"
        assert [w.code for w in res["PT5"].warnings].count("input-read") == 1
        assert res.build == res["PT5"].build == "GRCh38"
    table = warning_table(fast)
    assert table["code"].iloc[0] == "input-read" and table["category"].iloc[0] == "DataWarning"


@pytest.mark.filterwarnings("ignore::refractor.errors.DataWarning")
def test_multi_sample_caveat_stays_at_cohort_level(kb, tmp_path):
    """The cohort does not record which of its samples a file's caveat concerns, so in a cohort
    it is stated once at cohort level and not copied onto every sample."""
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,expression\nPT5,MM,{REAL / 'featureCounts.txt'}\n"
                     f"PT6,MM,{REAL / 'featureCounts.txt'}\n")
    res = interpret(read_samplesheet(sheet), kb)
    assert [w.code for w in res.warnings].count("input-read") == 1
    assert all(w.code != "input-read" for s in ("PT5", "PT6") for w in res[s].warnings)
