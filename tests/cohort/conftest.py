from __future__ import annotations

import pytest

from refractor.kb import KnowledgeBase


@pytest.fixture(scope="session")
def kb():
    return KnowledgeBase.load()
