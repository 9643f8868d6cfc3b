"""Virtual-cohort pages (scenario runner, forecast) when ``refractor.cohort`` is installed.

Clinic checked: OPTIMISMM (pomalidomide + bortezomib + dexamethasone vs bortezomib +
dexamethasone in lenalidomide-pretreated myeloma; the bundled scenario's targets cite seed 003,
ref 23) favoured PVd, so the simulated PVd arm must have a hazard ratio below 1 against Vd, and
the scenario's published targets are shown next to the simulated values.
"""
from __future__ import annotations

import importlib.util
import time

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("refractor.cohort") is None,
                                reason="refractor.cohort (virtual cohorts) is not part of this install")


def _wait(client, url: str, seconds: float = 180) -> dict:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        doc = client.get(url, params={"format": "json"}).json()
        if doc["job"]["status"] not in ("queued", "running"):
            return doc
        time.sleep(0.5)
    raise AssertionError(f"job {url} did not finish in {seconds} s")


def test_scenario_page_run_and_result(client):
    page = client.get("/cohort")
    assert page.status_code == 200 and 'name="scenario"' in page.text
    doc = client.get("/cohort", params={"format": "json"}).json()
    assert "optimismm-len-pretreated" in {s["name"] for s in doc["scenarios"]}
    r = client.post("/cohort/run", data={"scenario": "optimismm-len-pretreated", "n": 300}, follow_redirects=False)
    assert r.status_code == 303
    done = _wait(client, r.headers["location"])
    assert done["job"]["status"] == "done", done["job"]
    res = done["result"]
    hr = next(c for c in res["comparisons"] if {c["arm"], c["comparator"]} == {"PVd", "Vd"})
    assert (hr["hazard_ratio"]["hr"] < 1) == (hr["arm"] == "PVd")
    assert res["targets"] and all("published" in t and "simulated" in t for t in res["targets"])
    html = client.get(r.headers["location"]).text
    assert '<svg' in html and "Kaplan-Meier" in html and "Published targets next to the simulated values" in html


def test_cohort_limits(client):
    r = client.post("/cohort/run", data={"scenario": "optimismm-len-pretreated", "n": 10_000_000})
    assert r.status_code == 422 and r.json()["column"] == "n"
    r = client.post("/cohort/run", data={"scenario": "no-such-trial", "n": 10})
    assert r.status_code == 422 and r.json()["column"] == "scenario"


def test_forecast_from_a_report(client):
    r = client.post("/upload/sample", data={"sample": "MM1", "disease": "MM", "sequenced": "true",
                                            "refractory_agents": "lenalidomide"})
    rid = r.url.path.rsplit("/", 1)[-1]
    assert f"/forecast?report={rid}" in r.text
    page = client.get("/forecast", params={"report": rid, "sample": "MM1"})
    assert page.status_code == 200 and 'value="pvd"' in page.text
    r = client.post("/forecast/run", data={"report": rid, "sample": "MM1", "regimens": ["pvd", "vd"], "n": 200},
                    follow_redirects=False)
    assert r.status_code == 303
    done = _wait(client, r.headers["location"])
    assert done["job"]["status"] == "done", done["job"]
    regs = {x["regimen"]: x for x in done["result"]["regimens"]}
    assert set(regs) == {"pvd", "vd"}
    for x in regs.values():
        p = x["response_probability"]
        assert 0 <= p["low"] <= p["value"] <= p["high"] <= 1
