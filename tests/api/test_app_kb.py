"""Every endpoint resolves names with the app's own knowledge base (``create_app(settings=...)``
with a custom KB folder), never with the default settings: a name that only the app's KB knows
works on the models endpoints, the playground, profiles and the KB endpoints, and is a 422 on
an app serving the packaged KB."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from refractor.settings import Settings

MINI_KB = Path(__file__).resolve().parents[1] / "data" / "kb" / "valid"
#: a development code that exists only in this test's KB (not a real compound name)
ONLY_HERE = "RFX-TEST-0199"


@pytest.fixture(scope="module")
def own_kb(tmp_path_factory) -> Path:
    """The mini test KB with one more name for venetoclax, known to no other KB."""
    folder = tmp_path_factory.mktemp("own-kb") / "kb"
    shutil.copytree(MINI_KB, folder)
    path = folder / "agents" / "agents.yaml"
    agents = yaml.safe_load(path.read_text())
    (ven,) = [a for a in agents if a["id"] == "venetoclax"]
    ven["names"] = [{"name": ONLY_HERE, "kind": "code", "source": "pmid:30514704",
                     "at": "test-only name added by tests/api/test_app_kb.py"}]
    path.write_text(yaml.safe_dump(agents, sort_keys=False))
    return folder


@pytest.fixture(params=["process", "thread"])
def clients(request, own_kb, tmp_path):
    """A client of an app on ``own_kb`` and one on the packaged KB (same pool mode)."""
    from dataclasses import replace

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from refractor.api import create_app

    apps = []
    for kb_dir in (own_kb, None):
        s = Settings.resolve(kb_dir=kb_dir, state_dir=tmp_path / f"state-{len(apps)}")
        s = replace(s, limits=replace(s.limits, service=replace(s.limits.service, pool=request.param)))
        apps.append(create_app(settings=s))
    yield [TestClient(app, raise_server_exceptions=False) for app in apps]
    for app in apps:
        app.state.pool.shutdown()
        app.state.store.close()


def test_models_endpoints_resolve_agents_with_the_apps_kb(clients):
    own, packaged = clients
    r = own.post("/models/bcl2/simulate", json={"agent": ONLY_HERE, "dose": 10, "points": 5})
    assert r.status_code == 200, r.text
    assert r.json()["agent"] == "venetoclax"
    r = own.post("/models/bcl2/dose-response", json={"agent": ONLY_HERE, "doses": [1, 100]})
    assert r.status_code == 200, r.text
    assert r.json()["agent"] == "venetoclax"
    # the packaged KB has never heard of the name: a 422 naming the field, not a silent default
    r = packaged.post("/models/bcl2/simulate", json={"agent": ONLY_HERE, "dose": 10, "points": 5})
    assert r.status_code == 422 and r.json()["column"] == "agent", r.text


def test_playground_resolves_agents_with_the_apps_kb(clients):
    own, packaged = clients
    params = {"model": "bcl2", "agent": ONLY_HERE, "lo": 0.1, "hi": 1000, "n": 3, "format": "json"}
    r = own.get("/playground", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["ic50"] > 0
    assert packaged.get("/playground", params=params).status_code == 422


def test_profiles_and_kb_queries_use_the_apps_kb(clients):
    own, packaged = clients
    body = {"sample": "S1", "disease": "CLL", "refractory_agents": [ONLY_HERE]}
    r = own.post("/profile", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["kb_version"] == own.get("/kb/stats").json()["version"]
    r = packaged.post("/profile", json=body)
    assert r.status_code == 422 and "refractory_agents" in r.json()["column"], r.text
    # the KB endpoints serve the app's KB: the mini KB has a handful of agents, not hundreds
    assert int(own.get("/kb/agents").headers["x-total-count"]) < \
        int(packaged.get("/kb/agents").headers["x-total-count"])
