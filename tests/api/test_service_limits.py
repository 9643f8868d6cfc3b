"""Service limits: typed settings with environment overrides, each one enforced (issue 14)."""
from __future__ import annotations

import pytest

from refractor.errors import InputError
from refractor.settings import ServiceLimits, Settings



def test_limits_resolve_from_the_environment():
    env = {"REFRACTOR_MAX_BODY_BYTES": "2048", "REFRACTOR_MAX_SAMPLES": "3", "REFRACTOR_PAGE_SIZE": "10",
           "REFRACTOR_WORKERS": "4", "REFRACTOR_QUEUE": "0", "REFRACTOR_REQUEST_TIMEOUT": "9",
           "REFRACTOR_API_TOKEN": "0123456789abcdef0123"}
    s = Settings.resolve(environ=env).limits.service
    assert (s.max_body_bytes, s.max_samples, s.page_size, s.workers, s.queue, s.request_timeout) == \
        (2048, 3, 10, 4, 0, 9)
    assert s.token == "0123456789abcdef0123" and "0123456789abcdef0123" not in repr(s)
    assert Settings.resolve(environ={}).limits.service == ServiceLimits()
    with pytest.raises(InputError, match="REFRACTOR_WORKERS='many' is not a whole number"):
        Settings.resolve(environ={"REFRACTOR_WORKERS": "many"})
    with pytest.raises(InputError, match="workers must be a whole number >= 1"):
        Settings.resolve(environ={"REFRACTOR_WORKERS": "0"})
    with pytest.raises(InputError, match="at least 16 characters"):
        ServiceLimits(token="short")


def test_lists_are_paginated_with_total_and_next_link(make_client, assert_shape):
    c = make_client(page_size=10)
    r = c.get("/kb/agents")
    assert r.status_code == 200 and len(r.json()) == 10
    total = int(r.headers["x-total-count"])
    assert total > 10  # the packaged KB has dozens of agents
    nxt = r.headers["link"].split(">")[0].lstrip("<")
    page2 = c.get(nxt).json()
    assert len(page2) == 10 and {a["id"] for a in page2}.isdisjoint({a["id"] for a in r.json()})
    everything = []
    offset = 0
    while offset < total:
        everything += c.get("/kb/agents", params={"offset": offset}).json()
        offset += 10
    assert len({a["id"] for a in everything}) == total
    assert_shape(c.get("/kb/agents", params={"limit": 11}), 422, "InputError")


def test_samples_per_request(make_client, assert_shape):
    c = make_client(max_samples=2)
    samples = [{"sample": f"S{i}", "disease": "CLL", "variants": []} for i in range(3)]
    body = assert_shape(c.post("/profile/cohort", json={"samples": samples}), 422, "InputError")
    assert "at most 2" in body["message"] and body["column"] == "samples"
    assert c.post("/profile/cohort", json={"samples": samples[:2]}).status_code == 200


def test_response_size_is_bounded(make_client, assert_shape):
    """The issue's 9.5 MB request -> 531 MB response: the response is measured before it is sent."""
    c = make_client(max_response_bytes=20_000)
    body = assert_shape(c.post("/profile", json={"sample": "A", "disease": "CLL", "variants": []}), 413,
                        "PayloadTooLarge")
    assert "REFRACTOR_MAX_RESPONSE_BYTES" in body["message"]
    assert make_client().post("/profile", json={"sample": "A", "disease": "CLL", "variants": []}).status_code == 200


def test_heavy_requests_time_out_with_504(make_client, monkeypatch, assert_shape):
    import time

    from refractor.api import _models

    real = _models.run_dose_response

    def slow(body, name, kb):  # the real computation, after a delay longer than the limit
        time.sleep(1.5)
        return real(body, name, kb)

    monkeypatch.setattr(_models, "run_dose_response", slow)
    c = make_client(request_timeout=1, pool="thread")  # the patch lives in this process
    r = c.post("/models/bcl2/dose-response", json={"agent": "venetoclax", "doses": [1, 10]})
    assert_shape(r, 504, "ServiceTimeout")


def test_search_survives_a_corrupted_kb_cache(make_client):
    """The issue's permanent 500: the compiled SQLite cache damaged while the server runs."""
    c = make_client()
    assert c.get("/kb/search", params={"q": "G101V"}).status_code == 200
    db = c.app.state.kb.database()
    db.write_bytes(b"this is not a database" * 100)
    from refractor.errors import CacheWarning

    with pytest.warns(CacheWarning):  # the library says it rebuilt the cache
        r = c.get("/kb/search", params={"q": "venetoclax"})  # another URL: not an answer from memory
    assert r.status_code == 200, r.text
    assert any(h["id"] == "venetoclax" for h in r.json())
