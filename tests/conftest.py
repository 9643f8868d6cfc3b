"""Settings isolation for the whole suite.

Caches go to a temporary folder made for this test run (never to the real ``~/.cache``), and no
``REFRACTOR_*`` variable of the developer's shell changes which KB or which limits a test sees.
The environment is set in ``pytest_configure``, before collection, so module- and
session-scoped fixtures that load the KB are isolated too; each test then starts from the same
settings again (a test's own ``monkeypatch`` changes are undone after it).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import replace

import pytest

from refractor.io._limits import ENV as IO_ENV
from refractor.settings import (
    ENV_CACHE_DIR, ENV_KB_DIR, ENV_KB_MAX_ALIASES, ENV_KB_MAX_FILE_BYTES, ENV_STATE_DIR, Settings,
)

_UNSET = (ENV_KB_DIR, ENV_STATE_DIR, ENV_KB_MAX_ALIASES, ENV_KB_MAX_FILE_BYTES, *IO_ENV.values())
_SAVED: dict[str, str | None] = {}
_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    for var in (ENV_CACHE_DIR, *_UNSET):
        _SAVED[var] = os.environ.pop(var, None)
    _CACHE.append(tempfile.mkdtemp(prefix="refractor-test-cache-"))
    os.environ[ENV_CACHE_DIR] = _CACHE[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    for var, value in _SAVED.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value
    for path in _CACHE:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch):
    """Every test starts with the run's cache folder and no inherited KB folder or limits."""
    monkeypatch.setenv(ENV_CACHE_DIR, _CACHE[0])
    for var in _UNSET:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def make_client(tmp_path):
    """``make_client(app_hook=None, **service_limits)``: a TestClient of the packaged-KB app with
    those limits, its reports and jobs in a state folder of this test's own (the service and
    web-page tests); ``app_hook(app)`` may add routes before the first request."""
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
