"""``POST /profile`` and ``POST /profile/cohort`` (FastAPI TestClient, packaged knowledge base).

Biology asserted through the API:
* BCL2 p.G101V in CLL -> venetoclax ``high``: the mutation lowers venetoclax affinity ~180-fold
  and is acquired at progression on venetoclax (Blombery et al. Cancer Discov 2019,
  PMID 30514704).
* CRBN truncating variants in MM -> IMiD (lenalidomide) resistance: CRBN is the IMiD target and
  a truncated CRBN lacks the drug-binding domain (seed 003 and its reference 41, Kortuem et al.
  2016, as cited by the KB rule ``crbn-lof-variant``; PMID not verified here).
* Prior lenalidomide exposure alone is not a resistance mechanism measurement: with no data the
  lenalidomide call is not assessable (never a silent "susceptible").
Responses must validate against docs/schemas/sample-report.schema.json — the same per-sample
JSON as ``refractor profile`` writes.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import jsonschema
import pytest

from refractor.api import create_app
from refractor.api._profile import MAX_SAMPLES, MAX_VARIANTS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "sample-report.schema.json").read_text())
RANK = ["susceptible", "potential_low", "low", "intermediate", "high"]


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():  # starlette warns at import about httpx
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app())


def _agent(report: dict, agent: str) -> dict:
    return next(a for a in report["agents"] if a["agent"] == agent)


def _valid(report: dict) -> dict:
    jsonschema.validate(report, SCHEMA)
    return report


def test_cll_bcl2_g101v_venetoclax_high(client):
    r = client.post("/profile", json={
        "sample": "CLL-G101V", "disease": "CLL", "prior_agents": ["venetoclax"],
        "variants": [{"gene": "BCL2", "variant_classification": "Missense_Mutation",
                      "protein_change": "p.Gly101Val", "vaf": 0.45}]})  # clonal (CCF 0.9)
    assert r.status_code == 200, r.text
    rep = _valid(r.json())
    assert rep["sample"] == "CLL-G101V" and rep["disease"] == "CLL"
    ven = _agent(rep, "venetoclax")
    assert ven["level"] == "high" and ven["assessable"] is True
    g101v = next(m for m in rep["mechanisms"] if m["mechanism"] == "bcl2-g101v")
    assert g101v["status"] == "detected"


def test_same_sample_without_the_variant_is_susceptible(client):
    """Control: the call comes from the variant (BCL2 wild type, assessed -> susceptible)."""
    rep = _valid(client.post("/profile", json={
        "sample": "CLL-wt", "disease": "CLL", "variants": []}).json())
    ven = _agent(rep, "venetoclax")
    assert ven["level"] == "susceptible" and ven["assessable"] is True


def test_mm_crbn_nonsense_lenalidomide_at_least_intermediate(client):
    r = client.post("/profile", json={
        "sample": "MM-CRBN", "disease": "Multiple Myeloma",
        "variants": [{"gene": "CRBN", "consequence": "nonsense", "protein_change": "p.R283*",
                      "vaf": 0.4}]})
    assert r.status_code == 200, r.text
    rep = _valid(r.json())
    assert rep["disease"] == "MM"  # disease name -> KB code, as the readers do
    len_ = _agent(rep, "lenalidomide")
    assert len_["assessable"] and RANK.index(len_["level"]) >= RANK.index("intermediate")


def test_mm_prior_lenalidomide_only_is_not_assessable(client):
    rep = _valid(client.post("/profile", json={
        "sample": "MM-hx", "disease": "MM", "prior_agents": ["lenalidomide"]}).json())
    assert _agent(rep, "lenalidomide")["assessable"] is False


def test_single_sample_expression_uses_absolute_thresholds(client):
    """One sample has no cohort to rank in: the library's absolute thresholds, said in warnings."""
    rep = _valid(client.post("/profile", json={
        "sample": "MM-lowCRBN", "disease": "MM", "expression": [{"gene": "CRBN", "tpm": 1.0}]}).json())
    assert any(w["category"] == "ExtrapolationWarning" and "absolute threshold" in w["message"]
               for w in rep["warnings"])


def test_cohort_endpoint(client):
    body = {"samples": [
        {"sample": "A", "disease": "CLL",
         "variants": [{"gene": "BCL2", "consequence": "missense", "protein_change": "G101V"}]},
        {"sample": "B", "disease": "MM", "prior_agents": ["lenalidomide"]},
    ]}
    r = client.post("/profile/cohort", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["kb_version"] and [s["sample"] for s in out["samples"]] == ["A", "B"]
    for s in out["samples"]:
        _valid(s)
    levels = {row["sample"]: row for row in out["levels"]}
    assert levels["A"]["disease"] == "CLL" and levels["A"]["venetoclax"] == "high"
    assert levels["B"]["lenalidomide"] == "not_assessable"
    # the per-sample JSON is the same whether posted alone or in a cohort
    alone = client.post("/profile", json=body["samples"][0]).json()
    assert _agent(alone, "venetoclax") == _agent(out["samples"][0], "venetoclax")


def test_unknown_disease_is_422_with_a_suggestion(client):
    """Issue 11/12: an unknown disease used to run with a warning; it is a 422 naming the field."""
    r = client.post("/profile", json={"sample": "X", "disease": "NOTADISEASE", "variants": []})
    assert r.status_code == 422 and r.json()["column"] == "disease"
    r = client.post("/profile", json={"sample": "X", "disease": "CLLL", "variants": []})
    assert r.status_code == 422 and "did you mean 'CLL'" in r.json()["message"]
    # OncoTree's code for myeloma (PCM, 'Plasma Cell Myeloma') is multiple myeloma
    r = client.post("/profile", json={"sample": "X", "disease": "PCM", "variants": []})
    assert r.status_code == 200 and r.json()["disease"] == "MM"


def test_unknown_agent_is_422_naming_the_field_never_a_silent_drop(client):
    """Issue 11: `refractory_agents: ["venetoclx"]` used to be dropped and venetoclax came out
    `susceptible`. A typo is now a 422 naming the JSON field, with the closest KB name."""
    body = {"sample": "CLL-1", "disease": "CLL", "refractory_agents": ["venetoclx"], "variants": []}
    r = client.post("/profile", json=body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["error"] == "InputError" and err["column"] == "refractory_agents"
    assert "unknown agent 'venetoclx'" in err["message"] and "did you mean 'venetoclax'" in err["message"]
    # in a cohort the field names the sample's position
    r = client.post("/profile/cohort", json={"samples": [
        {"sample": "A", "disease": "CLL", "variants": []},
        {"sample": "B", "disease": "CLL", "prior_agents": ["Venclextra"], "variants": []}]})
    assert r.status_code == 422 and r.json()["column"] == "samples[1].prior_agents"


def test_brand_name_and_development_code_resolve_to_the_agent(client):
    """Venclexta (US brand) and ABT-199 (development code) are venetoclax (sources in the KB
    agent entry): refractoriness to the drug itself is high-level resistance (KB rule
    convention), so venetoclax is `high` whichever name the history uses."""
    for name in ("Venclexta", "ABT-199", "abt199", "venetoclax"):
        rep = _valid(client.post("/profile", json={
            "sample": "CLL-R", "disease": "CLL", "refractory_agents": [name], "variants": []}).json())
        assert _agent(rep, "venetoclax")["level"] == "high", name


@pytest.mark.parametrize("body,column", [
    ({"sample": "S", "disease": "MM",
      "variants": [{"gene": "CRBN", "consequence": "nonsense", "vaf": 1.7}]}, "vaf"),
    ({"sample": "S", "disease": "MM", "variants": [], "tumour_purity": 0.5}, "tumour_purity"),
    ({"sample": "S", "disease": "MM", "variants": [{"gene": "CRBN", "consequence": "stopgain"}]},
     "consequence"),
    ({"sample": "S", "disease": "MM", "expression": [{"gene": "CRBN", "tpm": -1}]}, "tpm"),
    ({"sample": "S", "disease": "MM", "variants": [], "build": "hg99"}, "build"),
    ({"sample": "S", "disease": "MM"}, "assessed"),
])
def test_bad_values_are_422_in_the_shared_shape(client, body, column):
    r = client.post("/profile", json=body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["error"] == "InputError" and err["column"] == column
    assert set(err) == {"error", "status", "message", "path", "line", "column", "problem"}


def test_variant_needs_exactly_one_class(client):
    r = client.post("/profile", json={"sample": "S", "disease": "MM", "variants": [
        {"gene": "CRBN", "consequence": "nonsense", "variant_classification": "Nonsense_Mutation"}]})
    assert r.status_code == 422 and "exactly one" in r.json()["message"]


def test_limits(client):
    too_many = [{"gene": "TP53", "consequence": "silent"}] * (MAX_VARIANTS + 1)
    r = client.post("/profile", json={"sample": "S", "disease": "MM", "variants": too_many})
    assert r.status_code == 422 and r.json()["column"] == "variants"
    r = client.post("/profile/cohort", json={"samples": [{"sample": "S", "disease": "MM"}] * (MAX_SAMPLES + 1)})
    assert r.status_code == 422 and r.json()["column"] == "samples"
    r = client.post("/profile/cohort", json={"samples": [{"sample": "S", "disease": "MM", "variants": []}] * 2})
    assert r.status_code == 422 and "duplicated sample" in r.json()["message"]


def test_openapi_lists_every_area(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/profile", "/profile/cohort"} <= set(paths)
    assert any(p.startswith("/kb/") for p in paths)
    assert any(p.startswith("/models/") for p in paths)


def test_build_stated_in_the_responses(client):
    """The build the request's coordinates are on is stated: per sample and for the cohort
    (GRCh38 when no sample names one, the documented default)."""
    one = _valid(client.post("/profile", json={"sample": "A", "disease": "MM", "build": "GRCh37",
                                               "prior_agents": ["lenalidomide"]}).json())
    assert one["build"] == "GRCh37"
    r = client.post("/profile/cohort", json={"samples": [{"sample": "B", "disease": "MM",
                                                          "prior_agents": ["lenalidomide"]}]})
    assert r.status_code == 200, r.text
    assert r.json()["build"] == "GRCh38" and r.json()["samples"][0]["build"] == "GRCh38"
