"""One place puts a Cohort together (issue 12, "Shells stay thin"): files, flags and the HTTP
API's JSON body all end in :func:`refractor.io.make_cohort`."""
from __future__ import annotations

import pandas as pd
import pytest

from refractor.api._profile import SampleIn, to_cohort
from refractor.errors import InputError
from refractor.io import cohort_from_flags, make_cohort, read_maf


def test_api_body_and_files_give_the_same_cohort(data):
    # the same sample described by a MAF file + flags and by a JSON body must be the same cohort
    maf = read_maf(data / "mini.maf")
    s1 = maf[maf["sample"] == "S1"]
    from_files = cohort_from_flags(sample="S1", disease="MM", maf=data / "mini.maf",
                                   refractory="lenalidomide", line=3, subtype="M5")
    body = SampleIn(sample="S1", disease="MM", refractory_agents=["lenalidomide"], line=3, subtype="M5",
                    variants=[{"gene": g, "consequence": c, "protein_change": p, "vaf": v}
                              for g, c, p, v in zip(s1["gene"], s1["consequence"], s1["protein_change"], s1["vaf"])])
    from_json = to_cohort([body])
    pd.testing.assert_frame_equal(from_files.samples, from_json.samples)
    pd.testing.assert_frame_equal(from_files.assessed, from_json.assessed)
    cols = ["sample", "gene", "consequence", "protein_change", "vaf"]
    pd.testing.assert_frame_equal(from_files.variants[cols].reset_index(drop=True), from_json.variants[cols])
    assert from_files.build == from_json.build == "GRCh38"


def test_make_cohort_rules():
    c = make_cohort([{"sample": "A", "disease": "MM", "history": True, "subtype": "  "},
                     {"sample": "B", "disease": "AML", "subtype": "M5", "line": 2.0}],
                    assessed=[("B", "variant")], build="hg19")
    assert c.build == "GRCh37"
    assert c.assessed.values.tolist() == [["A", "history"], ["B", "subtype"], ["B", "variant"]]
    assert c.samples["subtype"].tolist() == [None, "M5"]
    assert str(c.samples["line"].dtype) == "Int64" and c.samples["line"].tolist()[1] == 2
    where = {"A": {"sample": {"path": "s.csv", "line": 3, "column": "sample"}, "data": {"path": "s.csv", "line": 3}}}
    with pytest.raises(InputError) as e:
        make_cohort([{"sample": "A", "disease": "MM", "history": True}, {"sample": "A", "disease": "MM"}], where=where)
    assert str(e.value) == "s.csv, line 3, column sample: duplicated sample id 'A'"
    with pytest.raises(InputError) as e:  # nothing measured: an error, never all "not assessable"
        make_cohort([{"sample": "A", "disease": "MM"}], where=where)
    assert str(e.value) == ("s.csv, line 3: sample 'A' has no data (no data file or list, clinical history "
                            "or subtype given)")
    with pytest.raises(InputError, match="unknown genome build 'hg18'"):
        make_cohort([{"sample": "A", "disease": "MM", "history": True}], build="hg18")


def test_api_builds_disagree_is_the_one_message():
    bodies = [SampleIn(sample="A", disease="MM", line=1, build="GRCh38"),
              SampleIn(sample="B", disease="MM", line=1, build="hg19")]
    with pytest.raises(InputError) as e:
        to_cohort(bodies)
    assert e.value.column == "samples[1].build"
    assert e.value.problem.startswith("genome builds disagree (sample 'A': GRCh38; sample 'B': GRCh37)")


def test_api_sample_without_build_takes_the_others():
    # like a segment file, a posted sample that states no build takes the one the others state
    bodies = [SampleIn(sample="A", disease="MM", line=1, build="GRCh37"), SampleIn(sample="B", disease="MM", line=1)]
    assert to_cohort(bodies).build == "GRCh37"
    assert to_cohort([SampleIn(sample="C", disease="MM", line=1)]).build == "GRCh38"
