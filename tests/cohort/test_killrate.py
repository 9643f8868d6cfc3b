"""Kill-rate mapping: model response surfaces and KB weights."""
from __future__ import annotations

import numpy as np

from refractor.cohort import default_params, kill_rate
from refractor.cohort._killrate import line_table, model_surface

MECHS = ["crbn-point-mutation", "crbn-exon10-skipping", "cop9-signalosome-2q37-loss", "psmb5-mutation"]


def test_stronger_binders_keep_more_effect_with_the_crbn_that_is_left(kb):
    # Seed 003: "In patients with low CRBN levels, stronger binders may be able to use the lower
    # levels of CRBN" (CELMoDs: higher CRBN affinity, ref 21). For each CRBN-pathway lesion the
    # model must leave iberdomide at least as much of its effect as pomalidomide, and pomalidomide
    # at least as much as lenalidomide.
    surf = {a: model_surface(kb, a, MECHS, 3.0) for a in ("lenalidomide", "pomalidomide", "iberdomide")}
    assert surf["iberdomide"]["modelled"] == MECHS[:3]  # psmb5 has no glue-model term
    for i in range(3):
        r = [surf[a]["retained"][1 << i] for a in ("lenalidomide", "pomalidomide", "iberdomide")]
        assert r[0] <= r[1] + 1e-9 <= r[2] + 2e-9 and r[0] < 1.0


def test_kb_weights_reduce_kill_of_agents_without_a_model(kb):
    # bortezomib has no mechanistic model: PSMB5 mutation (KB weight) must lower its kill, CRBN
    # lesions must not (bortezomib does not use cereblon).
    p = default_params(kb)
    t = line_table(kb, "vd", ("bortezomib", "dexamethasone"), MECHS, frozenset(), p,
                   ["proteasome_inhibitor", "corticosteroid"])
    bort = t.retained[:, 0]
    assert bort[0] == 1.0 and bort[1] == 1.0 and bort[1 << 3] < 1.0


def test_refractoriness_history_lowers_pomalidomide_kill(kb):
    # KB scoring: lenalidomide refractoriness weighs on pomalidomide (about two thirds of
    # lenalidomide-refractory patients do not respond, seed 003 ref 22).
    p = default_params(kb)
    naive = line_table(kb, "pd", ("pomalidomide",), MECHS, frozenset(), p, ["imid"])
    refr = line_table(kb, "pd", ("pomalidomide",), MECHS, frozenset({"lenalidomide"}), p, ["imid"])
    assert refr.retained[0, 0] < naive.retained[0, 0] == 1.0


def test_kill_rate_is_zero_at_the_high_band_and_never_above_reference():
    assert kill_rate(0.3, 1.0, 1.0, 60.0, 60.0) == 0.0
    assert kill_rate(0.3, 1.0, 1.0, -20.0, 60.0) == 0.3
    np.testing.assert_allclose(kill_rate(0.3, 2.0, 0.5, 30.0, 60.0), 0.15)


CLL = """schema: refractor.cohort.scenario
version: 1
name: cll-venetoclax
population:
  disease: CLL
  state: CLL
  prevalence: {bcl2-g101v: 0.0}
  clonal_fraction: {bcl2-g101v: 0.5}
arms:
  - name: Ven
    agents: [venetoclax]
n_per_arm: 400
follow_up_months: 24
seed: 1
"""


def test_a_cll_trial_is_data_and_bcl2_g101v_removes_venetoclax_response(kb):
    # BCL2 G101V lowers venetoclax affinity ~180-fold (KB scoring comment, PMID 30514704); the
    # bcl2 model's response surface carries it into the kill rate. A CLL scenario written as data
    # (iwCLL-like criteria) must respond without G101V and not when half the clone carries it.
    from refractor.cohort import run_scenario, scenario_from_text
    from refractor.cohort._summary import line_stats

    sc = scenario_from_text(CLL, kb)
    without = run_scenario(sc, kb, workers=1, trajectories=False)
    with_ = run_scenario(sc.with_(prevalence={"bcl2-g101v": 1.0}), kb, workers=1, trajectories=False)
    assert without.plans[0].criteria.disease == "CLL"
    assert without.plans[0].lines[0].surfaces["venetoclax"]["model"] == "bcl2"
    orr0 = line_stats(without, "Ven", 0)["orr"]["value"]
    orr1 = line_stats(with_, "Ven", 0)["orr"]["value"]
    assert orr0 > 0.5 and orr1 < 0.1


def test_umbrella_mechanisms_agree_with_the_model_tables():
    # One concept in one place: the cohort's umbrella list (prevalence.yaml) must name mechanisms
    # that the models also treat as represented through their members, never as a lesion of their own.
    from refractor.cohort._population import umbrellas
    from refractor.models import get_spec, list_models

    represented = {m for n in list_models() for m in getattr(get_spec(n), "represented", {})}
    assert umbrellas() and set(umbrellas()) <= represented


def test_response_surfaces_are_cached_in_the_cache_folder_the_kb_was_loaded_with(tmp_path):
    """A KB loaded with its own settings (as the web app does with ``create_app(settings=...)``)
    keeps the cohort's response-surface cache and default calibration path in that cache folder,
    not in the one the environment names."""
    from refractor.cohort._calibrate import calibration_path
    from refractor.cohort._killrate import model_surface
    from refractor.kb import KnowledgeBase
    from refractor.settings import Settings

    own = tmp_path / "own-cache"
    kb = KnowledgeBase.load(settings=Settings.resolve(cache_dir=own))
    assert model_surface(kb, "venetoclax", ["bcl2-g101v"], 1.0) is not None
    assert list((own / "cohort").glob("surface-*.json")), "surface not cached in the KB's folder"
    assert calibration_path(kb).parent == own / "cohort"
