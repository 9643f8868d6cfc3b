"""Refractor: explain and predict drug resistance in blood cancers.

Importing this package has no side effects: nothing is read from disk, no database is
built and no network is touched until a function is called.
"""
from refractor.errors import (
    CacheWarning,
    ExtrapolationWarning,
    InputError,
    KnowledgeBaseError,
    ModelError,
    RefractorError,
    RefractorWarning,
    SolverWarning,
    WeakEvidenceWarning,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "RefractorError",
    "InputError",
    "KnowledgeBaseError",
    "ModelError",
    "RefractorWarning",
    "WeakEvidenceWarning",
    "ExtrapolationWarning",
    "SolverWarning",
    "CacheWarning",
]
