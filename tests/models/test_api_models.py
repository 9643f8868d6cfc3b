"""HTTP API over the mechanistic models (FastAPI TestClient).

Behaviour checked against the literature:
* venetoclax kills a BCL2-dependent, BIM-primed (CLL-like) cell at low-nM concentrations
  (Souers et al. Nat Med 2013; Del Gaizo Moore et al. J Clin Invest 2007, PMID 17200714);
* BCL2 G101V lowers venetoclax affinity ~180-fold (Blombery et al. Cancer Discov 2019,
  PMID 30514704), so the IC50 moves by the same order of magnitude.
Error shape: every error is ``{"error": <class>, "message": ...}`` (InputError adds ``column``
and ``problem``), the one mapping of refractor.api._app.
"""
from __future__ import annotations

import warnings

import pytest

from refractor.api import create_app
from refractor.api._models import MAX_DOSES, MAX_POINTS

BCL2_DEP = {"bcl2_level": 2.0, "mcl1_level": 0.3, "bclxl_level": 0.3}


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():  # starlette warns at import about httpx
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app())


def test_list_and_show(client):
    r = client.get("/models")
    assert r.status_code == 200
    by_name = {m["name"]: m for m in r.json()}
    assert set(by_name) == {"glue", "bcl2", "trail"}
    assert "CLL-like BCL2-dependent" in by_name["bcl2"]["reference_sample"]
    assert {"agent": "venetoclax", "dose_unit": "nM"} in by_name["bcl2"]["agents"]
    r = client.get("/models/bcl2")
    assert r.status_code == 200
    params = {p["name"]: p for p in r.json()["parameters"]}
    assert "Souers" in params["Ki_ven_B2"]["reference"]
    assert "30514704" in params["bcl2_g101v"]["reference"]


def test_unknown_model_is_404_with_error_shape(client):
    r = client.get("/models/nope")
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "NotFoundError" and "nope" in body["message"]
    assert client.post("/models/nope/simulate", json={}).status_code == 404


def test_simulate_venetoclax_kills_bcl2_dependent_cell(client):
    r = client.post("/models/bcl2/simulate", json={
        "agent": "venetoclax", "dose": 100.0, "set": BCL2_DEP, "points": 5,
        "selections": ["viability", "BIM"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dose_unit"] == "nM" and body["time_unit"] == "h"
    assert len(body["data"]["time"]) == 5
    assert body["data"]["viability"][0] == pytest.approx(1.0, abs=1e-3)
    assert body["data"]["viability"][-1] < 0.05
    assert any("assumed" in a for a in body["assumptions"])


def test_dose_response_ic50_and_g101v_shift(client):
    req = {"agent": "venetoclax", "range": {"lo": 0.01, "hi": 10000, "n": 25}, "set": BCL2_DEP}
    ref = client.post("/models/bcl2/dose-response", json=req)
    assert ref.status_code == 200, ref.text
    ref = ref.json()
    assert ref["unit"] == "nM" and ref["ic50"] < 10 and ref["emax"] > 0.9
    assert ref["data"][0]["dose"] == 0.0 and len(ref["data"]) == 26
    g = client.post("/models/bcl2/dose-response",
                    json={**req, "perturbations": ["bcl2_g101v"]}).json()
    assert g["ic50"] / ref["ic50"] >= 50
    # perturbation value override as a mapping (null = documented default)
    g2 = client.post("/models/bcl2/dose-response",
                     json={**req, "perturbations": {"bcl2_g101v": None}}).json()
    assert g2["ic50"] == pytest.approx(g["ic50"])
    # the default cell is the stated reference (the same CLL-like cell) ...
    d = client.post("/models/bcl2/dose-response", json={**req, "set": {}}).json()
    assert d["ic50"] == pytest.approx(ref["ic50"]) and "CLL-like" in d["cell"]
    # ... while the raw defaults (BCL2 = MCL1 = BCL-XL) are not venetoclax-sensitive at <= 10 uM
    raw = client.post("/models/bcl2/dose-response",
                      json={**req, "set": {}, "cell": "defaults"}).json()
    assert raw["cell"] == "model defaults" and raw["ic50"] is None


@pytest.mark.parametrize(
    "path, body, column",
    [
        ("simulate", {"set": {"not_a_parameter": 1.0}}, "set.not_a_parameter"),
        ("simulate", {"agent": "aspirin", "dose": 1.0}, "agent"),
        ("simulate", {"perturbations": ["no_such_thing"]}, "perturbations.no_such_thing"),
        ("simulate", {"selections": ["nope"]}, "selections.nope"),
        ("dose-response", {"agent": "venetoclax", "doses": [1.0],
                           "set": {"bogus": 2.0}}, "set.bogus"),
    ],
)
def test_unknown_names_are_422_input_errors(client, path, body, column):
    r = client.post(f"/models/bcl2/{path}", json=body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["error"] == "InputError" and err["column"] == column
    assert column.split(".")[-1] in err["message"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("simulate", {"points": MAX_POINTS + 1}),
        ("simulate", {"dose": -1.0, "agent": "venetoclax"}),
        ("simulate", {"unknown_field": 1}),
        ("dose-response", {"agent": "venetoclax", "doses": [1.0] * (MAX_DOSES + 1)}),
        ("dose-response", {"agent": "venetoclax"}),  # neither doses nor range
        ("dose-response", {"agent": "venetoclax", "range": {"lo": 10, "hi": 1, "n": 5}}),
        ("dose-response", {"agent": "venetoclax", "range": {"lo": 1, "hi": 10,
                                                            "n": MAX_DOSES + 1}}),
    ],
)
def test_input_limits(client, path, body):
    r = client.post(f"/models/bcl2/{path}", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "InputError"
