"""Report tests reuse the interpreter tests' small from_records knowledge base."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "interpret"))

from _minikb import build_kb  # noqa: E402


@pytest.fixture(scope="session")
def kb():
    return build_kb()
