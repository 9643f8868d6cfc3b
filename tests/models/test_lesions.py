"""The sample -> model link (refractor.models._lesions) on hand-written per-sample JSON fixtures
(tests/data/models/, written in the interpreter's schema 1.1 form).

Biology behind each expectation:
* High CRBN is an IMiD SENSITIVITY marker (HOVON-65/GMMG-HD4: higher CRBN expression, longer PFS
  on thalidomide; Broyl et al. 2013 via seed 003). More CRBN means more drug-bound CRL4-CRBN and
  faster IKZF1/3 degradation, so the model must predict a lower (or equal) lenalidomide IC50,
  never a loss of response (issue 11: it simulated CRBN loss).
* Exon-10-skipped CRBN binds DDB1 but not the drug (Neri et al. 2016 via seed 003): functional
  CRBN = total x (1 - PSI). The interpreter reports functional CRBN when the PSI is measured, so
  the model must apply the isoform loss once, not once in the level and again as the fraction.
* A tumour is a mixture of cells. BCL2 G101V lowers venetoclax affinity ~180-fold (Blombery et
  al. Cancer Discov 2019, PMID 30514704) in the cells that carry it; a subclone in 10 % of the
  cells cannot keep half of the tumour alive, so the tumour's 50 % kill dose stays near the
  wild-type IC50 while a clonal G101V moves it by orders of magnitude.
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from refractor.errors import InputError
from refractor.models import get_model, predict_from_sample

DATA = Path(__file__).resolve().parents[1] / "data" / "models"
CRBN_REF_TPM = {"CRBN": 25.0}  # cohort median of the fixture cohort (stated, not measured)


def _load(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def _row(df, agent):
    return df[(df["status"] == "predicted") & (df["agent"] == agent)].iloc[0]


def test_high_crbn_predicts_equal_or_greater_lenalidomide_sensitivity():
    row = _row(predict_from_sample(DATA / "crbn_high.json", models=["glue"],
                                   reference_levels=CRBN_REF_TPM), "lenalidomide")
    assert row["perturbations"] == "crbn_high=2.28"  # 57 TPM / 25 TPM
    assert row["ic50_fold"] < 1.0, row.to_dict()
    assert row["emax_shift"] >= -1e-6


def test_a_sensitivity_marker_with_a_low_measured_level_is_not_applied():
    sample = _load("crbn_high.json")
    sample["mechanisms"][0]["observations"][0]["value"] = 10.0  # below the 25 TPM reference
    row = _row(predict_from_sample(sample, models=["glue"], reference_levels=CRBN_REF_TPM),
               "lenalidomide")
    assert row["perturbations"] == ""
    assert row["ic50_fold"] == pytest.approx(1.0, rel=1e-3)
    assert "not applied" in row["assumptions"]


def test_exon10_skipping_is_applied_once_functional_crbn_matches_the_measurement():
    df = predict_from_sample(DATA / "crbn_exon10_functional.json", models=["glue"],
                             reference_levels=CRBN_REF_TPM)
    row = _row(df, "lenalidomide")
    perts = dict(item.split("=") for item in row["perturbations"].split(";"))
    assert float(perts["crbn_exon10"]) == pytest.approx(0.86)
    # the level is the total (57 TPM / 25): the functional 7.98 TPM divided by (1 - 0.86)
    assert float(perts["crbn_low"]) == pytest.approx(7.98 / 25 / 0.14, rel=1e-3)
    m = get_model("glue")
    r = m.simulate(perturbations={k: float(v) for k, v in perts.items()}, points=2,
                   selections=["crbn_functional", "CRBN0"])
    # drug-binding CRBN in the model = the measured functional CRBN relative to the reference
    assert r.final("crbn_functional") / r.final("CRBN0") == pytest.approx(7.98 / 25, rel=1e-3)
    assert row["ic50_fold"] > 1.5 or math.isnan(row["ic50"])  # still IMiD resistance


def test_subclonal_g101v_barely_moves_the_tumour_ic50_clonal_moves_it_far():
    sub = _load("g101v_subclone.json")
    clonal = copy.deepcopy(sub)
    clonal["mechanisms"][0]["clonal_fraction"] = 1.0
    r_sub = _row(predict_from_sample(sub, models=["bcl2"]), "venetoclax")
    r_clo = _row(predict_from_sample(clonal, models=["bcl2"]), "venetoclax")
    assert r_sub["ic50_fold"] < 2.0, r_sub.to_dict()
    assert r_clo["ic50_fold"] >= 50, r_clo.to_dict()
    assert r_sub["clones"] == "0.1 of cells: bcl2_g101v=0.5 | 0.9 of cells: reference cell"
    assert "mixture of cells" in r_sub["assumptions"]
    assert "assumed clonal" not in r_sub["assumptions"]
    assert r_sub["ic50_tolerance"] == pytest.approx(1e-4)


def test_missing_clonal_fraction_is_assumed_clonal_and_said_so():
    row = _row(predict_from_sample(DATA / "g101v_no_ccf.json", models=["bcl2"]), "venetoclax")
    assert "bcl2-g101v: no clonal fraction in the sample; assumed clonal" in row["assumptions"]
    assert row["clones"] == "1 of cells: bcl2_g101v=0.5"
    assert row["ic50_fold"] >= 50


def test_lesions_at_two_clonal_fractions_are_nested_clones():
    sample = _load("g101v_subclone.json")
    sample["mechanisms"][0]["clonal_fraction"] = 0.6
    sample["mechanisms"].append({"mechanism": "mcl1-upregulation", "name": "MCL1 up",
                                 "axis": "bcl2", "effect": "resistance", "status": "detected",
                                 "observations": [], "clonal_fraction": 0.3})
    row = _row(predict_from_sample(sample, models=["bcl2"]), "venetoclax")
    # 60 % carry G101V; the MCL1-up clone (30 %) lies inside it; 40 % carry neither
    assert row["clones"] == ("0.3 of cells: bcl2_g101v=0.5 | 0.3 of cells: bcl2_g101v=0.5, "
                             "mcl1_up=4 | 0.4 of cells: reference cell")
    assert "assumed nested" in row["assumptions"]


@pytest.mark.parametrize("bad", [1.5, -0.1, "half", True])
def test_bad_clonal_fraction_is_an_input_error(tmp_path, bad):
    sample = _load("g101v_subclone.json")
    sample["mechanisms"][0]["clonal_fraction"] = bad
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sample))
    with pytest.raises(InputError, match=r"mechanisms\[0\]\.clonal_fraction") as err:
        predict_from_sample(path, models=["bcl2"])
    assert str(path) in str(err.value)


def test_interpreter_to_model_end_to_end_applies_exon10_once():
    """The interpreter's own per-sample result (issue 11 case: CRBN 57 TPM, exon-10 PSI 0.86)
    read by the model link: the interpreter calls low *functional* CRBN (57 x 0.14 = 8 TPM), and
    the model's drug-binding CRBN must be that functional level, not 0.14 x it again. Without a
    cohort reference the low-CRBN level is the documented default (10 % functional CRBN)."""
    import pandas as pd

    from refractor.interpret import interpret
    from refractor.io.cohort import COLUMNS, Cohort
    from refractor.kb import KnowledgeBase

    s = pd.DataFrame([dict(sample="S", disease="MM", subtype=None, line=pd.NA, prior_agents=[],
                           refractory_agents=[])], columns=COLUMNS["samples"])
    cohort = Cohort(
        samples=s, assessed=pd.DataFrame([("S", "expression"), ("S", "splicing")],
                                         columns=["sample", "kind"]),
        expression=pd.DataFrame([dict(sample="S", gene="CRBN", value=57.0)],
                                columns=COLUMNS["expression"]),
        splicing=pd.DataFrame([dict(sample="S", gene="CRBN", event="exon10_skipping", psi=0.86,
                                    reads=120, source="t")], columns=COLUMNS["splicing"]))
    doc = interpret(cohort, KnowledgeBase.load())[0].to_dict()
    row = _row(predict_from_sample(doc, models=["glue"], agents=["lenalidomide"]),
               "lenalidomide")
    perts = {k: float(v) for k, v in (i.split("=") for i in row["perturbations"].split(";"))}
    r = get_model("glue").simulate(perturbations=perts, points=2,
                                   selections=["crbn_functional", "CRBN0"])
    assert r.final("crbn_functional") / r.final("CRBN0") == pytest.approx(0.1, rel=1e-3)
    assert "crbn_exon10 is applied once" in row["assumptions"]
    assert "crbn_high" not in row["perturbations"]  # the high total is not a sensitivity call


def test_high_crbn_without_a_cohort_reference_uses_the_sensitivity_default():
    """Issue 11 reproduction: with no cohort reference the 57 TPM cannot be scaled; the old link
    then applied the low-CRBN default (CRBN at 10 %: lenalidomide lost its IC50). The
    sensitivity marker's own default (CRBN x2, assumed) moves the model towards sensitivity."""
    row = _row(predict_from_sample(DATA / "crbn_high.json", models=["glue"]), "lenalidomide")
    assert row["perturbations"] == "crbn_high=2"
    assert row["ic50_fold"] < 1.0 and "crbn_high: default scale 2" in row["assumptions"]
