"""Fixtures of the HTTP service tests: no service limit or token inherited from the shell."""
from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

from refractor.settings import ENV_API_TOKEN, SERVICE_ENV, Settings


@pytest.fixture(autouse=True)
def _no_service_env(monkeypatch):
    for var in (*SERVICE_ENV, ENV_API_TOKEN):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def make_client(tmp_path):
    """``make_client(**service_limits)``: a TestClient of the packaged-KB app with those limits."""
    with warnings.catch_warnings():  # starlette warns at import about httpx
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from refractor.api import create_app

    apps = []

    def make(app_hook=None, **limits):
        s = Settings.resolve(state_dir=tmp_path / f"state-{len(apps)}")  # reports and jobs: this test's
        s = replace(s, limits=replace(s.limits, service=replace(s.limits.service, **limits)))
        app = create_app(settings=s)
        if app_hook is not None:
            app_hook(app)
        apps.append(app)
        return TestClient(app, raise_server_exceptions=False)

    yield make
    for app in apps:  # end the worker processes this test started
        app.state.pool.shutdown()
        app.state.store.close()


def _assert_shape(r, status: int, error: str | None = None) -> dict:
    """The pinned error shape: JSON with ``error``, ``status`` (= the HTTP status), ``message``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert {"error", "status", "message"} <= set(body) and body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    if error is not None:
        assert body["error"] == error
    return body


@pytest.fixture
def assert_shape():
    return _assert_shape
