"""Immutable result records of the interpreter and their one JSON form.

Every record is a frozen dataclass; ``to_dict()`` gives the JSON form used by the per-sample
report (``docs/schemas/sample-report.schema.json``). Equality is structural, so a result from
the vectorised cohort engine can be compared with the plain per-sample reference loop.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCHEMA_NAME = "refractor.sample-report"
SCHEMA_VERSION = "1.0"
DISCLAIMER = (
    "Research use only, not a treatment recommendation. Calls are derived from a curated "
    "knowledge base of published resistance mechanisms and must be interpreted by a qualified "
    "professional together with all clinical information."
)

Status = Literal["detected", "possible", "not_detected", "not_assessable"]
STATUSES: tuple[str, ...] = ("not_assessable", "not_detected", "possible", "detected")
LEVELS: tuple[str, ...] = ("susceptible", "low", "intermediate", "high")


def _plain(obj) -> dict:
    """Shallow field dict of a dataclass instance (cheaper than a recursive asdict)."""
    return dict(obj.__dict__)


def _f(x):
    """A float field in JSON form (NaN -> None)."""
    return None if x is not None and x != x else x


def _clean(d: dict) -> dict:
    """One level: tuples -> lists, NaN -> None (nested records convert themselves)."""
    for k, v in d.items():
        if isinstance(v, tuple):
            d[k] = list(v)
        elif isinstance(v, float) and v != v:
            d[k] = None
    return d


@dataclass(frozen=True)
class ResultWarning:
    """A named scientific caveat recorded in a result (never raised for normal data).

    ``category`` is the name of a :mod:`refractor.errors` warning class
    (``ExtrapolationWarning``, ``WeakEvidenceWarning``) or ``DataWarning``.
    """

    category: str
    message: str

    def to_dict(self) -> dict:
        return _plain(self)


@dataclass(frozen=True)
class Observation:
    """One measured fact that made a biomarker feature match.

    ``value``/``threshold`` are in ``unit`` (log2 ratio, TPM, PSI fraction, beta value, VAF).
    ``assumed`` is True when the threshold used is a documented default rather than a
    cohort-derived or literature-sourced value.
    """

    biomarker: str
    kind: str
    gene: str | None
    detail: str
    resolution: str
    value: float | None = None
    threshold: float | None = None
    comparison: str | None = None
    unit: str | None = None
    source: str | None = None
    assumed: bool = False

    def to_dict(self) -> dict:
        # explicit (field order kept): called for every observation of every written sample
        return {"biomarker": self.biomarker, "kind": self.kind, "gene": self.gene,
                "detail": self.detail, "resolution": self.resolution, "value": _f(self.value),
                "threshold": _f(self.threshold), "comparison": self.comparison, "unit": self.unit,
                "source": self.source, "assumed": self.assumed}


@dataclass(frozen=True)
class MechanismCall:
    """The call of one mechanism in one sample, with the observations behind it."""

    mechanism: str
    name: str
    axis: str
    effect: str
    status: Status
    biomarkers: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()
    missing_data: tuple[str, ...] = ()
    in_disease_context: bool = True

    def to_dict(self) -> dict:
        return {"mechanism": self.mechanism, "name": self.name, "axis": self.axis,
                "effect": self.effect, "status": self.status, "biomarkers": list(self.biomarkers),
                "observations": [o.to_dict() for o in self.observations],
                "missing_data": list(self.missing_data),
                "in_disease_context": self.in_disease_context}


@dataclass(frozen=True)
class TraceTerm:
    """One scoring term that fired for an agent: what, on which observations, adding how much."""

    rule: str
    term: Literal["mechanism", "history", "max", "all"]
    weight: float
    contribution: float
    mechanisms: tuple[str, ...] = ()
    status: str | None = None
    resolution: str | None = None
    observations: tuple[Observation, ...] = ()
    comment: str | None = None

    def to_dict(self) -> dict:
        return {"rule": self.rule, "term": self.term, "weight": _f(self.weight),
                "contribution": _f(self.contribution), "mechanisms": list(self.mechanisms),
                "status": self.status, "resolution": self.resolution,
                "observations": [o.to_dict() for o in self.observations],
                "comment": self.comment}


@dataclass(frozen=True)
class AgentCall:
    """Resistance call for one agent: level on the ordered scale, score, trace, evidence."""

    agent: str
    name: str
    agent_class: str
    level: str
    score: float
    mechanisms: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    trace: tuple[TraceTerm, ...] = ()
    confidence: Literal["high", "moderate", "low"] = "low"
    confidence_reason: str = ""
    assessable: bool = True
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"agent": self.agent, "name": self.name, "agent_class": self.agent_class,
                "level": self.level, "score": _f(self.score), "mechanisms": list(self.mechanisms),
                "evidence": list(self.evidence), "trace": [t.to_dict() for t in self.trace],
                "confidence": self.confidence, "confidence_reason": self.confidence_reason,
                "assessable": self.assessable, "notes": list(self.notes)}


@dataclass(frozen=True)
class StrategySuggestion:
    """A strategy addressing detected/possible mechanisms (ranked), or one flagged harmful."""

    strategy: str
    name: str
    kind: str
    agents: tuple[str, ...]
    addresses: tuple[str, ...]
    detected_addressed: int
    possible_addressed: int
    evidence_level: str
    link: str
    harmful: bool = False
    rank: int = 0

    def to_dict(self) -> dict:
        return _clean(_plain(self))


@dataclass(frozen=True)
class SampleResult:
    """Everything Refractor concludes for one sample."""

    sample: str
    disease: str | None
    subtype: str | None
    kb_version: str
    kb_hash: str
    scoring_version: str
    mechanisms: tuple[MechanismCall, ...]
    agents: tuple[AgentCall, ...]
    strategies: tuple[StrategySuggestion, ...] = ()
    flagged_harmful: tuple[StrategySuggestion, ...] = ()
    warnings: tuple[ResultWarning, ...] = ()
    assumptions: tuple[str, ...] = ()
    disclaimer: str = DISCLAIMER

    def mechanism(self, mechanism_id: str) -> MechanismCall:
        """The call of ``mechanism_id`` (KeyError if the KB has no such mechanism)."""
        for m in self.mechanisms:
            if m.mechanism == mechanism_id:
                return m
        raise KeyError(mechanism_id)

    def agent(self, agent_id: str) -> AgentCall:
        """The call of ``agent_id`` (KeyError if no scoring rule covers it)."""
        for a in self.agents:
            if a.agent == agent_id:
                return a
        raise KeyError(agent_id)

    def to_dict(self) -> dict:
        """The JSON form (``refractor.sample-report``)."""
        return {
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "sample": self.sample,
            "disease": self.disease,
            "subtype": self.subtype,
            "kb_version": self.kb_version,
            "kb_hash": self.kb_hash,
            "scoring_version": self.scoring_version,
            "disclaimer": self.disclaimer,
            "mechanisms": [m.to_dict() for m in self.mechanisms],
            "agents": [a.to_dict() for a in self.agents],
            "strategies": [s.to_dict() for s in self.strategies],
            "flagged_harmful": [s.to_dict() for s in self.flagged_harmful],
            "warnings": [w.to_dict() for w in self.warnings],
            "assumptions": list(self.assumptions),
        }


__all__ = [
    "AgentCall",
    "DISCLAIMER",
    "LEVELS",
    "MechanismCall",
    "Observation",
    "ResultWarning",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "STATUSES",
    "SampleResult",
    "StrategySuggestion",
    "TraceTerm",
]
