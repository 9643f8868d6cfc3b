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
    """A caveat of a file every sample of the cohort is read from is the cohort's: stated once
    at cohort level and not copied onto every sample."""
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,expression\nPT5,MM,{REAL / 'featureCounts.txt'}\n"
                     f"PT6,MM,{REAL / 'featureCounts.txt'}\n")
    res = interpret(read_samplesheet(sheet), kb)
    assert [w.code for w in res.warnings].count("input-read") == 1
    assert all(w.code != "input-read" for s in ("PT5", "PT6") for w in res[s].warnings)


@pytest.mark.filterwarnings("ignore::refractor.errors.DataWarning")
def test_caveat_of_a_file_only_some_samples_use_is_theirs(kb, tmp_path):
    """PT5 is read from a featureCounts file (counts converted to TPM), PT7 from a salmon TPM
    file: the conversion concerns PT5 only. Both engines put it on PT5's result, not on PT7's,
    and list it once for the cohort saying it concerns 1 sample."""
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"sample,disease,expression\nPT5,MM,{REAL / 'featureCounts.txt'}\n"
                     f"PT7,MM,{REAL / 'PT3b.quant.genes.sf'}\n")
    cohort = read_samplesheet(sheet)
    note = next(m for m in cohort.read_warnings if "converted to TPM" in m)
    assert cohort.read_warning_samples[note] == ("PT5",)
    fast, ref = interpret(cohort, kb), interpret_per_sample(cohort, kb)
    for res in (fast, ref):
        top = [w for w in res.warnings if w.message == note]
        assert len(top) == 1 and top[0].n_samples == 1
        assert [w.message for w in res["PT5"].warnings].count(note) == 1
        assert note not in [w.message for w in res["PT7"].warnings]
    assert fast["PT5"] == ref["PT5"] and fast["PT7"] == ref["PT7"]
    # a subset without PT5 no longer carries PT5's caveat
    only7 = cohort.subset(["PT7"])
    assert note not in only7.read_warnings and note not in only7.read_warning_samples
