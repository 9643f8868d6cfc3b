"""Fixtures for the KB-engine tests: the mini KB under tests/data/kb and broken overlays."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

KB_DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
VALID = KB_DATA / "valid"
BROKEN = KB_DATA / "broken"


@pytest.fixture
def make_kb(tmp_path):
    """Copy the valid mini KB to a temp dir and lay the named broken overlays on top."""

    def make(*overlays: str) -> Path:
        target = tmp_path / "kb"
        shutil.copytree(VALID, target)
        for name in overlays:
            shutil.copytree(BROKEN / name, target, dirs_exist_ok=True)
        return target

    return make


@pytest.fixture
def mini_kb():
    from refractor.kb import KnowledgeBase

    return KnowledgeBase.load(VALID)


@pytest.fixture
def client_factory():
    """FastAPI TestClient (imported here: starlette warns at import about httpx vs httpx2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient
