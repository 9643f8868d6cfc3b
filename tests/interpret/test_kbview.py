"""interpret._kbview: memoised lookups live in the view, so a view (and its KB) can be freed."""
from __future__ import annotations

import gc
import weakref

from refractor.interpret._kbview import KBView
from refractor.interpret._score_matrix import referenced


def test_views_are_not_kept_alive_by_their_memos(kb):
    view = KBView(kb)
    # relapsed/refractory MM is a state of MM: its lineage is itself and its parent
    assert view.lineage("RRMM") == frozenset({"RRMM", "MM"}) and view.lineage(None) == frozenset()
    assert view.lineage("RRMM") is view.lineage("RRMM")  # memoised
    mechs, history = referenced(view, "venetoclax")
    assert mechs == ["bcl2-g101v", "mcl1-up", "monocytic", "npm1-sensitive"] and not history
    ref = weakref.ref(view)
    del view
    gc.collect()
    assert ref() is None  # no module-level cache holds the view (functools.lru_cache did)
