"""The bundled seed scenarios against the published numbers they state (seed 003).

Each test names the published figure and its primary reference. Targets used in the calibration
fit are marked; held-out targets are the real test of the model.
"""
from __future__ import annotations

import pytest

from refractor.cohort import bundled_scenario, run_scenario
from refractor.cohort._summary import line_stats

N = 1500  # patients per arm: enough for a stable median / ORR, quick on 2 cores


@pytest.fixture(scope="module")
def runs(kb):
    out = {}
    for name in ("optimismm-len-pretreated", "stratus-pd-after-len", "iberdomide-after-len-pom",
                 "nd-rd-crbn-evolution"):
        out[name] = run_scenario(bundled_scenario(name, kb), kb, n_per_arm=N, trajectories=False, workers=1)
    return out


def test_optimismm_pvd_beats_vd_by_the_published_ratio(runs):
    # Richardson et al. Eur J Haematol 2022;108:73-83 (seed 003 ref 23): median PFS 22.0 vs
    # 13.1 months, PVd vs Vd, first relapse after lenalidomide -> ratio 1.68. Both medians (and the
    # ratio) are calibration fit targets, so this checks the arms' order and the ratio within 25%
    # at another sample size - not an out-of-sample test.
    run = runs["optimismm-len-pretreated"]
    pvd = line_stats(run, "PVd", 0)["pfs"]["median"]
    vd = line_stats(run, "Vd", 0)["pfs"]["median"]
    assert pvd > vd
    assert abs(pvd / vd - 22.0 / 13.1) <= 0.25 * (22.0 / 13.1)
    hr = run.summary()["comparisons"][0]["hazard_ratio"]
    assert hr["high"] < 1.0  # adding pomalidomide lowers the hazard of progression (P = .03)


def test_pomalidomide_after_lenalidomide_about_one_third_respond(runs):
    # Dimopoulos et al. Blood 2016;128:497-503 (STRATUS; seed 003 ref 22): "approximately
    # one-third of patients who have become resistant to lenalidomide still respond to
    # pomalidomide" (fit target). Accepted: 25-42%.
    orr = line_stats(runs["stratus-pd-after-len"], "Pd", 0)["orr"]["value"]
    assert 0.25 <= orr <= 0.42


@pytest.mark.xfail(strict=True, reason=(
    "known out-of-sample miss of the current calibration: ~0.39-0.41 simulated vs ~0.30 published "
    "(held-out target; see data/calibration.json and docs/concepts.md). Strict: passes only when "
    "the model is fixed."))
def test_iberdomide_after_len_pom_orr_about_30_percent(runs):
    # Lonial et al. Lancet Haematol 2022 (CC-220-MM-001; seed 003 ref 27): ORR ~30% in nearly 200
    # patients after lenalidomide/pomalidomide. HELD OUT of the calibration. Accepted: within 25%
    # of 0.30 (the project's tolerance for published figures).
    orr = line_stats(runs["iberdomide-after-len-pom"], "Iberdomide-dex", 0)["orr"]["value"]
    assert 0.225 <= orr <= 0.375


def test_crbn_lesion_share_rises_across_imid_lines(runs, kb):
    # Seed 003: CRBN point mutations <1% at diagnosis (ref 40) -> ~12% after IMiD exposure (ref 41);
    # any CRBN lesion ~30% in relapsed/refractory disease (ref 43); 2q37 loss 5.5% -> 10% -> 16.4%
    # (ref 49). Selection by successive CRBN-binder lines should raise the share of relapses with
    # a CRBN lesion: diagnosis < after lenalidomide < after pomalidomide < after iberdomide.
    nd = runs["nd-rd-crbn-evolution"].summary()
    at_diagnosis = sum(v for m, v in nd["entry_prevalence"].items() if m.startswith("crbn-"))
    after_len = nd["arms"][0]["lines"][0]["any_crbn_lesion_at_progression"]
    st = runs["stratus-pd-after-len"].summary()["arms"][0]["lines"]
    after_pom, after_iber = st[0]["any_crbn_lesion_at_progression"], st[1]["any_crbn_lesion_at_progression"]
    assert at_diagnosis < 0.01 < after_len < after_pom < after_iber
    # the composite after lenalidomide exposure is of the order of the published ~30% (ref 43)
    assert 0.15 <= after_pom <= 0.6


def test_relapses_on_pomalidomide_carry_crbn_lesions_more_often_than_on_bortezomib(runs):
    # Bortezomib/dexamethasone do not use cereblon (seed 003: CRBN expression predicted PFS on
    # thalidomide but not on bortezomib, HOVON-65, ref 74; CRBN alterations were associated with
    # inferior outcome on pomalidomide after lenalidomide, ref 43). From the same
    # lenalidomide-refractory entry state, relapses on Pd should carry a CRBN lesion more often
    # than relapses on Vd.
    vd = {a["name"]: a for a in runs["optimismm-len-pretreated"].summary()["arms"]}["Vd"]["lines"][0]
    pd_ = runs["stratus-pd-after-len"].summary()["arms"][0]["lines"][0]
    assert vd["any_crbn_lesion_at_progression"] + 0.1 < pd_["any_crbn_lesion_at_progression"]


def test_primary_imid_refractoriness_at_diagnosis_about_5_percent(runs):
    # Pawlyn et al. Blood 2016;128:1144 (Myeloma XI, 3,894 patients; seed 003 ref 5): "about 5%"
    # of newly diagnosed patients are refractory to IMiD-based therapy (fit target). Accepted 0-10%.
    t = {r["id"]: r for r in runs["nd-rd-crbn-evolution"].summary()["targets"]}["primary-imid-refractory"]
    assert 0.0 <= t["simulated"] <= 0.10


def test_len_refractory_2q37_share_held_out(runs):
    # Gooding et al. 2022 (seed 003 ref 49): 2q37 (COP9) loss in 10% of lenalidomide-refractory
    # patients, from 5.5% at diagnosis. HELD OUT: the share at progression on lenalidomide.
    t = {r["id"]: r for r in runs["nd-rd-crbn-evolution"].summary()["targets"]}["len-refractory-2q37-share"]
    assert t["use"] == "holdout" and 0.055 < t["simulated"] <= 0.15
