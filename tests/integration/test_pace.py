"""Fast PACE check: the real pipeline on every PACE patient, and the robust biology of the data.

Data: Dietrich S et al., "Drug-perturbation-based stratification of blood cancer", J Clin
Invest 2018;128(1):427-445, doi:10.1172/JCI93801, PMID 29227286 (../shared/validation/
cll_pace_bcmo2017). The full scoring (Spearman, AUROC, per-disease levels) is printed by
``benchmarks/validate_pace_venetoclax.py``; this test asserts only what must hold whatever
the KB's weights are:

- in the DATA, venetoclax (D_081) kills CLL cells far better than T-PLL or healthy
  mononuclear cells (disease-lineage BCL2 dependence, the check the validation README names
  for this folder), so median viability CLL < T-PLL and < hMNC;
- the conversion into standard files and ``read_samplesheet -> interpret`` run on all 249
  patients without error, every patient gets a venetoclax call, and patients whose genetics
  were not measured get ``not_assessable`` (never a silent ``not_detected``) for variant-based
  mechanisms.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = ROOT.parent / "shared" / "validation"
PACE = VALIDATION / "cll_pace_bcmo2017"

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(not (PACE / "pace_drug_viability_long.csv").is_file(),
                       reason="../shared/validation absent"),
]


def _script():
    spec = importlib.util.spec_from_file_location(
        "validate_pace_venetoclax", ROOT / "benchmarks" / "validate_pace_venetoclax.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def pace(tmp_path_factory):
    v = _script()
    tables = v.load(PACE)
    patients = sorted(set(tables["viab"]["patient_id"]))
    sheet = v.write_inputs(tmp_path_factory.mktemp("pace"), tables, patients)
    cohort, result = v.run_pipeline(sheet)
    return {"v": v, "tables": tables, "patients": patients, "cohort": cohort, "result": result}


def test_data_lineage_dependence(pace):
    v, t = pace["v"], pace["tables"]
    resp = v.response(t["viab"])
    dx = t["meta"].set_index("patient_id")["Diagnosis"].reindex(resp.index)
    ven = resp["venetoclax"]
    assert len(resp) == 249 and resp.notna().all().all()
    assert ven[dx == "CLL"].median() < ven[dx == "T-PLL"].median()
    assert ven[dx == "CLL"].median() < ven[dx == "hMNC"].median()
    lineage = dx.isin(["CLL", "MCL", "T-PLL", "hMNC"])
    resistant = dx[lineage].isin(["T-PLL", "hMNC"]).to_numpy()
    assert v.auroc(ven[lineage].to_numpy(), resistant) > 0.8


def test_pipeline_runs_on_all_pace_patients(pace):
    from refractor.interpret import LEVELS

    result, cohort = pace["result"], pace["cohort"]
    assert result.samples == pace["patients"] and len(result) == 249
    levels = result.to_frame()
    # a level where the call was assessed, `not_assessable` (never a level) where it was not
    for a in ("venetoclax", "navitoclax"):
        ok = result.assessable_frame()[a]
        assert levels.loc[ok, a].isin(LEVELS).all() and (levels.loc[~ok, a] == "not_assessable").all()
    # diseases arrive as KB codes (CLL, MCL, TCL for T-PLL ...)
    dis = dict(zip(result.samples, result.diseases))
    meta = pace["tables"]["meta"].set_index("patient_id")["Diagnosis"]
    assert all(dis[p] == pace["v"].DISEASE_MAP[meta[p]] for p in result.samples)
    # TP53 protein changes reach the cohort with their consequence (H005: p.R209fs*6, p.M246V)
    h005 = cohort.variants[(cohort.variants["sample"] == "H005") & (cohort.variants["gene"] == "TP53")]
    assert set(zip(h005["protein_change"], h005["consequence"])) >= {("p.R209fs*6", "frameshift"),
                                                                     ("p.M246V", "missense")}
    # no genetics measured (e.g. healthy donors) -> variant mechanisms not_assessable
    mech = result.mechanism_frame()
    unsequenced = sorted(set(result.samples) - set(cohort.assessed.loc[cohort.assessed["kind"] == "variant", "sample"]))
    assert unsequenced and (mech.loc[unsequenced, "bcl2-g101v"] == "not_assessable").all()
    assert (mech.loc[unsequenced, "bax-loss"] == "not_assessable").all()
