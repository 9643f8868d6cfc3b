"""Fixtures of the interpreter tests: the small from_records KB of ``_minikb``."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _minikb import build_kb  # noqa: E402


@pytest.fixture(scope="session")
def kb():
    return build_kb()
