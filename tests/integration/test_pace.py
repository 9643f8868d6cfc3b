"""Fast PACE check: the real pipeline on every PACE patient, and the robust biology of the data.

Data: Dietrich S et al., "Drug-perturbation-based stratification of blood cancer", J Clin
Invest 2018;128(1):427-445, doi:10.1172/JCI93801, PMID 29227286 (../shared/validation/
cll_pace_bcmo2017). The full scoring (Spearman, AUROC, per-disease levels) is printed by
``benchmarks/validate_pace_venetoclax.py``; this test asserts only what must hold whatever
the KB's weights are:

- Refractor's venetoclax score orders the lineages as PACE measured them (CLL/MCL sensitive,
  T-PLL and healthy mononuclear cells resistant: disease-lineage BCL2 dependence) and ranks
  the measured-resistant half above the sensitive half; it is reported next to the
  disease-label-only and history-only baselines;
- the conversion into standard files and ``read_samplesheet -> interpret`` run on all 249
  patients without error, every patient gets a venetoclax call, and patients whose genetics
  were not measured get ``not_assessable`` (never a silent ``not_detected``) for variant-based
  mechanisms.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = ROOT.parent / "shared" / "validation"
PACE = VALIDATION / "cll_pace_bcmo2017"

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(not (PACE / "pace_drug_viability_long.csv").is_file(),
                       reason="../shared/validation absent"),
]


def _script():
    return load_script("benchmarks", "validate_pace_venetoclax")


@pytest.fixture(scope="module")
def pace(tmp_path_factory):
    v = _script()
    tables = v.load(PACE)
    patients = sorted(set(tables["viab"]["patient_id"]))
    sheet = v.write_inputs(tmp_path_factory.mktemp("pace"), tables, patients)
    cohort, result = v.run_pipeline(sheet)
    return {"v": v, "tables": tables, "patients": patients, "cohort": cohort, "result": result}


def test_refractor_score_tracks_measured_lineage_response(pace):
    """Refractor's venetoclax CALLS (not the data) against the measured response.

    Biology: CLL and MCL cells depend on BCL2 (Del Gaizo Moore et al., J Clin Invest 2007,
    PMID 17200714) and PACE measured them far more venetoclax-sensitive than T-PLL or healthy
    mononuclear cells. Refractor's score must order the lineages the same way, and rank the
    measured resistant half of the cohort (viability above the median) above the sensitive half
    (AUROC > 0.6; a flat score gives 0.5, a reversed one < 0.5).
    """
    v, t, result = pace["v"], pace["tables"], pace["result"]
    fig = v.analyse(t, result)
    ven = fig["venetoclax"]
    g = ven["groups"]  # group -> (n, median viability, median Refractor score)
    assert g["CLL"][2] < g["T-PLL"][2] and g["CLL"][2] < g["healthy (hMNC)"][2]
    assert ven["auroc"] > 0.6
    assert ven["lineage_auroc_model"] > 0.8


def test_baselines_in_the_same_run(pace):
    """The score is reported next to the disease-label and history baselines (issue 11).

    The history baseline is PACE's pretreatment flag, recorded for CLL only: its n must be the
    number of CLL patients with the flag in the meta table (counted here with pandas). The
    partial correlation given the diagnosis must be undefined exactly when Refractor's score is
    constant inside every diagnosis (then the score is the label, and its overall rho cannot
    exceed the label-only baseline fitted in-sample).
    """
    v, t, result = pace["v"], pace["tables"], pace["result"]
    b = v.analyse(t, result)["venetoclax"]["baselines"]
    meta = t["meta"]
    n_flag = int((meta["Diagnosis"].eq("CLL") & meta["IC50beforeTreatment"].notna()).sum())
    assert b["history only (pretreated = 1; recorded for CLL only)"]["CLL"].n == n_flag
    score = b["Refractor score"]
    dx = meta.set_index("patient_id")["Diagnosis"]
    sf = result.score_frame()["venetoclax"]
    label_only = bool((sf.groupby(dx.reindex(sf.index)).nunique() == 1).all())
    assert bool(score["partial"].note) == label_only
    if label_only:
        fitted = b["disease label only (median viability of the diagnosis, in-sample)"]["all"]
        assert score["all"].rho <= fitted.rho + 1e-12


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
