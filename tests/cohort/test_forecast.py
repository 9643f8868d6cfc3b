"""Personalised forecast: virtual twins of one interpreted sample."""
from __future__ import annotations

import json

import pytest

from refractor.cli import main
from refractor.cohort import forecast
from refractor.errors import InputError


def _sample(tmp_path, mechanisms):
    p = tmp_path / "S1.json"
    p.write_text(json.dumps({"sample": "S1", "disease": "MM", "mechanisms": mechanisms, "agents": []}))
    return p


def _by(res):
    return {r["regimen"]: r for r in res["regimens"]}


def test_observed_crbn_mutation_lowers_response_to_cereblon_binders_only(kb, tmp_path):
    # Seed 003: CRBN mutants modelled in OCI-MY5 cells stay lenalidomide-resistant (ref 41); a
    # clonal CRBN mutation should lower the twins' response to pomalidomide, leave bortezomib
    # alone, and the counterfactual without it should say so.
    mut = _sample(tmp_path, [{"mechanism": "crbn-point-mutation", "status": "detected", "clonal_fraction": 0.9}])
    res = forecast(mut, kb, ["pd", "vd"], state="MM-LEN-REF", refractory=["lenalidomide"], n_twins=600, seed=3)
    r = _by(res)
    assert res["observed"]["crbn-point-mutation"] == {"share_of_twins": 1.0, "clonal_fraction": 0.9}
    pd_eff = r["pd"]["observed_mechanism_effects"][0]
    vd_eff = r["vd"]["observed_mechanism_effects"][0]
    assert pd_eff["mechanism"] == "crbn-point-mutation" and pd_eff["delta_response_probability"] < -0.1
    assert abs(vd_eff["delta_response_probability"]) < 0.05
    assert r["pd"]["relapse_drivers"][0]["mechanism"] == "crbn-point-mutation"
    lo, hi = r["vd"]["pfs_months"]["interval_80"]
    assert lo is not None and (hi is None or lo < hi)  # the uncertainty is part of the answer
    assert "Research use only" in res["disclaimer"]


def test_not_detected_mechanisms_are_fixed_absent(kb, tmp_path):
    s = _sample(tmp_path, [{"mechanism": "cop9-signalosome-2q37-loss", "status": "not_detected"}])
    res = forecast(s, kb, ["pd"], state="MM-LEN-POM-REF", n_twins=200, counterfactuals=False)
    assert res["observed"]["cop9-signalosome-2q37-loss"]["share_of_twins"] == 0.0


def test_forecast_cli_and_bad_input(kb, tmp_path, capsys):
    s = _sample(tmp_path, [{"mechanism": "crbn-exon10-skipping", "status": "detected"}])
    assert main(["forecast", str(s), "--regimens", "pd,iberdomide-dexamethasone", "--refractory",
                 "lenalidomide", "--n", "200", "--no-counterfactuals"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["regimen"] for r in out["regimens"]] == ["pd", "iberdomide-dexamethasone"]
    assert main(["forecast", str(s), "--regimens", "pomalidomde"]) == 2
    assert "did you mean" in capsys.readouterr().err
    bad = _sample(tmp_path, [{"mechanism": "crbn-no-such", "status": "detected"}])
    with pytest.raises(InputError):
        forecast(bad, kb, ["pd"])


def test_composite_crbn_call_is_not_counted_twice(kb, tmp_path):
    # The KB's "any CRBN lesion" composite (seed 003 ref 43: mutations, copy loss/SV and exon-10
    # splicing counted together) is an umbrella over member mechanisms: with a member call it adds
    # nothing; alone it is simulated as one member and the output says so.
    both = _sample(tmp_path, [{"mechanism": "crbn-copy-loss", "status": "detected"},
                              {"mechanism": "crbn-genetic-alteration-composite", "status": "detected"}])
    res = forecast(both, kb, ["pd"], state="MM-LEN-REF", n_twins=200, counterfactuals=False)
    assert "crbn-genetic-alteration-composite" not in res["observed"] and not res["assumptions"]
    alone = _sample(tmp_path, [{"mechanism": "crbn-genetic-alteration-composite", "status": "detected"},
                               {"mechanism": "imid-refractoriness-acquired", "status": "detected"}])
    res = forecast(alone, kb, ["pd"], state="MM-LEN-REF", n_twins=200, counterfactuals=False)
    assert res["observed"]["crbn-point-mutation"]["share_of_twins"] == 1.0
    assert len(res["assumptions"]) == 2 and "--refractory" in res["assumptions"][1]


def test_progress_counts_every_block_of_the_main_run_and_the_counterfactuals(kb, tmp_path):
    """2 regimens x ceil(3,000 / 2,048) = 4 blocks per run; one observed mechanism adds one
    counterfactual run: 8 blocks in one total, reported in order, the same answer as without."""
    mut = _sample(tmp_path, [{"mechanism": "crbn-point-mutation", "status": "detected"}])
    seen = []
    res = forecast(mut, kb, ["pd", "vd"], state="MM-LEN-REF", n_twins=3000, seed=1,
                   progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 8) for k in range(1, 9)]
    assert res == forecast(mut, kb, ["pd", "vd"], state="MM-LEN-REF", n_twins=3000, seed=1)
    seen.clear()
    forecast(mut, kb, ["pd"], state="MM-LEN-REF", n_twins=100, counterfactuals=False,
             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]
