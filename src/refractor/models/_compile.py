"""Compilation cache: Antimony -> SBML -> one libRoadRunner instance per model and process.

A model's Antimony text is converted to SBML and compiled by libRoadRunner once per process
(keyed by model name and a hash of the text). :class:`Compiled` keeps the defaults of every
settable id so that each run can restore them before applying its own settings.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from refractor.errors import ModelError


class Compiled:
    """A compiled RoadRunner instance plus the defaults needed to restore it between runs."""

    def __init__(self, sbml: str) -> None:
        import roadrunner

        try:
            self.rr = roadrunner.RoadRunner(sbml)
        except Exception as exc:  # libRoadRunner raises RuntimeError with the SBML problem
            raise ModelError(f"libRoadRunner could not load the model: {exc}") from exc
        rr = self.rr
        m = rr.model
        self.lock = threading.Lock()
        rules = set(rr.getAssignmentRuleIds()) | set(rr.getRateRuleIds())
        ia = set(rr.getInitialAssignmentIds())
        self.parameters = [p for p in m.getGlobalParameterIds() if p not in rules and p not in ia]
        self.assigned = [p for p in m.getGlobalParameterIds() if p in rules or p in ia]
        self.species = list(m.getFloatingSpeciesIds())
        self.boundary = list(m.getBoundarySpeciesIds())
        self.initially_assigned = ia
        self.defaults: dict[str, float] = {}
        for p in self.parameters:
            self.defaults[p] = float(m.getValue(f"init({p})"))
        for s in self.species + self.boundary:
            if s not in ia:
                self.defaults[s] = float(m.getValue(f"init([{s}])"))
        self.dirty: set[str] = set()
        # untreated pre-equilibrated states by non-dose settings (models without rate rules)
        self.pre_cache: dict[tuple, np.ndarray] = {}
        self.cacheable = not rr.getRateRuleIds()
        self.settable = set(self.parameters) | {
            s for s in self.species + self.boundary if s not in ia
        }

    def key(self, name: str) -> str:
        return f"init({name})" if name in self.parameters else f"init([{name}])"

    def restore(self, keep: Mapping[str, float] | None = None) -> None:
        """Put every changed value back to its default (except those about to be set)."""
        m = self.rr.model
        keep = keep or {}
        for name in self.dirty:
            if name not in keep:
                m.setValue(self.key(name), self.defaults[name])
        self.dirty.clear()

    def current(self, name: str) -> float:
        return float(self.rr.model.getValue(self.key(name)))

    def apply(self, values: Mapping[str, float]) -> None:
        m = self.rr.model
        for name, v in values.items():
            m.setValue(self.key(name), float(v))
            self.dirty.add(name)
        self.rr.resetAll()

    def recordable(self) -> set[str]:
        """Every id that can be recorded in a time course."""
        return set(self.species) | set(self.boundary) | set(self.parameters) | set(self.assigned)


# (kind, sha1 of the text) -> (SBML text, compiled instance or None until first run)
_CACHE: dict[tuple[str, str], tuple[str, Compiled | None]] = {}
_ANTIMONY_LOCK = threading.Lock()


def to_sbml(text: str, name: str) -> str:
    """Convert Antimony ``text`` of model ``name`` to SBML (ModelError on a syntax error)."""
    import antimony

    with _ANTIMONY_LOCK:
        antimony.clearPreviousLoads()
        if antimony.loadAntimonyString(text) < 0:
            raise ModelError(f"model {name!r}: Antimony error: {antimony.getLastError()}")
        sbml = antimony.getSBMLString(antimony.getMainModuleName())
    if not sbml:
        raise ModelError(f"model {name!r}: Antimony produced no SBML")
    return sbml


def cached_sbml(key: tuple[str, str], make) -> str:
    """The SBML text for ``key``, made by ``make()`` on first use."""
    if key not in _CACHE:
        _CACHE[key] = (make(), None)
    return _CACHE[key][0]


def cached_compiled(key: tuple[str, str], make) -> Compiled:
    """The compiled instance for ``key`` (compiled from ``cached_sbml`` on first use)."""
    sbml = cached_sbml(key, make)
    compiled = _CACHE[key][1]
    if compiled is None:
        compiled = Compiled(sbml)
        _CACHE[key] = (sbml, compiled)
    return compiled


__all__ = ["Compiled", "to_sbml", "cached_sbml", "cached_compiled"]
