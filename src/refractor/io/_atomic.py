"""Atomic file writing (implemented in :mod:`refractor._atomic`, shared with the KB cache)."""
from refractor._atomic import atomic_write

__all__ = ["atomic_write"]
