"""Fixtures of the HTTP service tests: no service limit or token inherited from the shell."""
from __future__ import annotations

import pytest

from refractor.settings import ENV_API_TOKEN, SERVICE_ENV


@pytest.fixture(autouse=True)
def _no_service_env(monkeypatch):
    for var in (*SERVICE_ENV, ENV_API_TOKEN):
        monkeypatch.delenv(var, raising=False)


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
