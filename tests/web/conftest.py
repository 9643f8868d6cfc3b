"""Fixtures of the web-page tests: an app on the packaged knowledge base, no inherited limits."""
from __future__ import annotations

import warnings

import pytest

from refractor.settings import ENV_API_TOKEN, SERVICE_ENV


@pytest.fixture(autouse=True)
def _no_service_env(monkeypatch):
    for var in (*SERVICE_ENV, ENV_API_TOKEN):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with warnings.catch_warnings():  # starlette warns at import about httpx
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from refractor.api import create_app
    from refractor.settings import Settings

    # reports and jobs in a state folder of this module's own
    app = create_app(settings=Settings.resolve(state_dir=tmp_path_factory.mktemp("web-state")))
    yield TestClient(app)
    app.state.pool.shutdown()  # end the worker processes
    app.state.store.close()
