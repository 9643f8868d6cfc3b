"""Bad `simulate` input: one check in the library, the same one-line message from the CLI
(exit 2) and the HTTP API (422), and nothing simulated (issue 12: these exited 5, and a
negative `--set crbn_level=-5` ran and produced negative concentrations)."""
from __future__ import annotations

import time
import warnings

import pytest

from refractor.cli import main


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from refractor.api import create_app

    return TestClient(create_app())


# (CLI argv after `simulate`, HTTP path, HTTP body, column, words of the message)
CASES = [
    (["glue", "--set", "crbn_level=-5"], "simulate", {"set": {"crbn_level": -5}},
     "set.crbn_level", "must be >= 0"),
    (["glue", "--set", "crbn_exon10_fraction=1.5"], "simulate",
     {"set": {"crbn_exon10_fraction": 1.5}}, "set.crbn_exon10_fraction", "must be <= 1"),
    (["glue", "--set", "kub=nan"], "simulate", {"set": {"kub": float("nan")}}, "set.kub",
     "must be finite"),
    (["glue", "--set", "kub=inf"], "simulate", {"set": {"kub": float("inf")}}, "set.kub",
     "must be finite"),
    (["glue", "--t-end", "-1"], "simulate", {"t_end": -1}, "t_end", "must be > 0"),
    (["glue", "--points", "0"], "simulate", {"points": 0}, "points", "must be >= 2"),
    (["glue", "--agent", "lenalidomide"], "simulate", {"agent": "lenalidomide"}, "dose",
     "needs a dose"),
    (["glue", "--agent", "lenalidomide", "--dose", "-1"], "simulate",
     {"agent": "lenalidomide", "dose": -1}, "dose", "must be >= 0"),
    (["glue", "--agent", "lenalidomide", "--dose", "nan"], "simulate",
     {"agent": "lenalidomide", "dose": float("nan")}, "dose", "must be finite"),
    (["glue", "--agent", "aspirin", "--dose", "1"], "simulate",
     {"agent": "aspirin", "dose": 1}, "agent", "unknown agent 'aspirin'"),
    (["glue", "--perturb", "nope"], "simulate", {"perturbations": ["nope"]},
     "perturbations.nope", "unknown perturbation 'nope'"),
    (["glue", "--perturb", "crbn_low=-2"], "simulate", {"perturbations": {"crbn_low": -2}},
     "perturbations.crbn_low", "must be >= 0"),
    (["glue", "--agent", "lenalidomide", "--dose-range", "0.1:1000:100000"], "dose-response",
     {"agent": "lenalidomide", "range": {"lo": 0.1, "hi": 1000, "n": 100000}}, "range",
     "must be <= 50"),
    (["glue", "--agent", "lenalidomide", "--dose-range", "10:1:5"], "dose-response",
     {"agent": "lenalidomide", "range": {"lo": 10, "hi": 1, "n": 5}}, "range", "lo < hi"),
]


@pytest.mark.parametrize("argv, path, body, column, words", CASES)
def test_cli_and_api_give_the_same_input_error(capsys, client, argv, path, body, column,
                                               words):
    t0 = time.process_time()
    code = main(["simulate", *argv])
    err = capsys.readouterr().err.strip()
    assert time.process_time() - t0 < 2.0  # rejected before any grid is simulated
    assert code == 2, err
    assert err.count("\n") == 0 and words in err and f"column {column}" in err
    import json

    r = client.post(f"/models/glue/{path}", content=json.dumps(body),
                    headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    got = r.json()
    assert got["error"] == "InputError" and got["column"] == column
    assert err == f"error: {got['message']}"


def test_cli_and_api_build_the_same_json_for_one_simulation(capsys, client):
    import json

    code = main(["simulate", "bcl2", "--agent", "venetoclax", "--dose", "10", "--points",
                 "3", "--select", "viability", "--format", "json"])
    cli = json.loads(capsys.readouterr().out)
    api = client.post("/models/bcl2/simulate", json={
        "agent": "venetoclax", "dose": 10, "points": 3, "selections": ["viability"]}).json()
    assert code == 0 and cli == api
    code = main(["simulate", "bcl2", "--agent", "venetoclax", "--dose-range", "0.01:1000:7",
                 "--format", "json"])
    cli = json.loads(capsys.readouterr().out)
    api = client.post("/models/bcl2/dose-response", json={
        "agent": "venetoclax", "range": {"lo": 0.01, "hi": 1000, "n": 7}}).json()
    assert code == 0 and cli == api
    assert cli["ic50_tolerance"] == pytest.approx(1e-4) and cli["time_unit"] == "h"


def test_simulate_accepts_the_names_a_profile_accepts(capsys, client):
    """ABT-199 is venetoclax's development code and Revlimid lenalidomide's brand name (KB
    sources/names.yaml): `simulate` resolves agent names through the KB's one resolver, so the
    same name works in `profile --refractory` and `simulate --agent`; a typo gets a suggestion
    and an agent of another model is named as such (CLI exit 2, HTTP 422)."""
    import json

    assert main(["simulate", "bcl2", "--agent", "ABT-199", "--dose", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["agent"] == "venetoclax"
    r = client.post("/models/glue/simulate", json={"agent": "Revlimid", "dose": 1})
    assert r.status_code == 200 and r.json()["agent"] == "lenalidomide"
    assert main(["simulate", "bcl2", "--agent", "venetoclx", "--dose", "1"]) == 2
    assert "did you mean 'venetoclax'" in capsys.readouterr().err
    assert main(["simulate", "bcl2", "--agent", "Revlimid", "--dose", "1"]) == 2
    assert "unknown agent 'lenalidomide' for model 'bcl2'" in capsys.readouterr().err
