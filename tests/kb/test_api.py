"""HTTP API over the KB (FastAPI TestClient): endpoints, pinned error shape, input limits."""
from __future__ import annotations

import pytest

from refractor.api import MAX_BODY_BYTES, create_app

from .conftest import VALID


@pytest.fixture
def client(client_factory):
    return client_factory(create_app(data_dir=VALID))


def test_kb_endpoints(client):
    assert client.get("/kb/stats").json()["counts"]["mechanisms"] == 4
    r = client.get("/kb/mechanisms", params={"agent": "lenalidomide", "disease": "MM"})
    assert r.status_code == 200
    assert [m["id"] for m in r.json()] == ["crbn-exon10-skipping", "crbn-low-expression", "crbn-orphan-gap"]
    assert [s["id"] for s in client.get("/kb/strategies", params={"mechanism": "crbn-low-expression"}).json()] \
        == ["switch-to-pomalidomide"]
    assert [e["id"] for e in client.get("/kb/evidence/crbn-exon10-skipping").json()] == [
        "ev-crbn-exon10-len", "ev-crbn-exon10-minor"]
    assert client.get("/kb/item/optimismm").json()["item"]["outcomes"][0]["quantity"]["value"] == 22.0
    assert [a["id"] for a in client.get("/kb/agents").json()][-1] == "venetoclax"
    assert {h["id"] for h in client.get("/kb/search", params={"q": "G101V"}).json()} >= {"bcl2-g101v"}
    doc = client.get("/kb/export").json()
    assert doc["meta"]["schema"] == "refractor.kb-export" and len(doc["evidence"]) == 3


def test_error_shape_is_pinned(client):
    r = client.get("/kb/item/crbn-exon11-skipping")
    assert r.status_code == 404
    assert r.json() == {"error": "NotFoundError", "status": 404,
                        "message": "no knowledge-base entry with id 'crbn-exon11-skipping'; "
                                   "did you mean 'crbn-exon10-skipping', 'crbn-exon10-psi', "
                                   "'ev-crbn-exon10-minor'?",
                        "problems": []}
    r = client.get("/kb/search", params={"q": "x" * 201})
    assert r.status_code == 422
    assert r.json() == {"error": "InputError", "status": 422, "message": "column q: String should have at most 200 characters",
                        "path": None, "line": None, "column": "q",
                        "problem": "String should have at most 200 characters"}
    r = client.get("/kb/item/" + "x" * 201)
    assert r.status_code == 422 and r.json()["column"] == "id"
    r = client.get("/kb/mechanismz")
    assert r.status_code == 422 and r.json()["error"] == "InputError" and r.json()["column"] == "kind"
    r = client.get("/kb/mechanisms")  # agent missing
    assert r.status_code == 422 and r.json()["column"] == "agent"
    r = client.get("/no/such/route")
    assert r.status_code == 404 and r.json()["error"] == "NotFoundError"


def test_invalid_kb_is_500_with_every_problem(client_factory, make_kb):
    client = client_factory(create_app(data_dir=make_kb("dangling_agent")))
    r = client.get("/kb/stats")
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "KnowledgeBaseError"
    assert body["problems"] == [{"file": "mechanisms/dangling.yaml:6", "entry": "crbn-dangling-agent",
                                 "field": "agents.1",
                                 "message": "unknown agent 'lenalidomid' (did you mean 'lenalidomide'?)"}]


def test_body_size_limit(client):
    r = client.post("/kb/stats", content=b"x", headers={"content-length": str(MAX_BODY_BYTES + 1)})
    assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge" and r.json()["status"] == 413


def test_openapi_lists_kb_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/kb/stats", "/kb/search", "/kb/mechanisms", "/kb/strategies", "/kb/evidence/{id}", "/kb/export",
            "/kb/item/{id}", "/kb/{kind}"} <= set(paths)


def test_search_survives_a_damaged_database(client_factory, tmp_path):
    """A damaged compiled database used to make /kb/search answer 500 for the life of the server."""
    from refractor.errors import CacheWarning
    from refractor.settings import Settings

    client = client_factory(create_app(settings=Settings.resolve(kb_dir=VALID, cache_dir=tmp_path / "c")))
    assert {h["id"] for h in client.get("/kb/search", params={"q": "G101V"}).json()} >= {"bcl2-g101v"}
    (db,) = (tmp_path / "c").glob("kb-*.sqlite")
    db.write_bytes(b"garbage" * 1000)
    with pytest.warns(CacheWarning, match="not a usable database"):
        # another URL: the service answers a URL it has answered before from memory
        r = client.get("/kb/search", params={"q": "G101V", "limit": 49})
    assert r.status_code == 200 and {h["id"] for h in r.json()} >= {"bcl2-g101v"}
    assert client.get("/kb/search", params={"q": "G101V"}).status_code == 200


def test_app_settings_name_the_kb_folder(client_factory, make_kb):
    from refractor.settings import Settings

    app = create_app(settings=Settings.resolve(kb_dir=make_kb()))
    assert client_factory(app).get("/kb/stats").json()["name"] == "mini-kb"
    assert create_app(data_dir=VALID).state.settings.kb_dir == VALID  # data_dir still works
