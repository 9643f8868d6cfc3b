"""Fixtures for the whole suite.

Every test runs with its own view of the settings environment: caches go to a per-session
temporary folder (never to the real ``~/.cache``), and no ``REFRACTOR_*`` variable of the
developer's shell changes which KB or which limits a test sees.
"""
from __future__ import annotations

import pytest

from refractor.settings import ENV_CACHE_DIR, ENV_KB_DIR, ENV_KB_MAX_ALIASES, ENV_KB_MAX_FILE_BYTES


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Caches in a session temp folder (shared by the tests of one worker); no inherited settings."""
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path_factory.getbasetemp() / "refractor-cache"))
    for var in (ENV_KB_DIR, ENV_KB_MAX_ALIASES, ENV_KB_MAX_FILE_BYTES):
        monkeypatch.delenv(var, raising=False)
