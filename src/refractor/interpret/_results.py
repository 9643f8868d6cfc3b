"""Immutable result records of the interpreter and their one JSON form.

Every record is a frozen dataclass; ``to_dict()`` gives the JSON form used by the per-sample
report (``docs/schemas/sample-report.schema.json``). Equality is structural, so a result from
the vectorised cohort engine can be compared with the plain per-sample reference loop.
"""
from __future__ import annotations

from typing import Literal

from refractor import errors
from refractor.errors import InputError
from refractor.interpret._record import record

SCHEMA_NAME = "refractor.sample-report"
#: 1.1 (backward compatible with 1.0; a 1.0 reader ignoring unknown fields reads 1.1):
#: AgentCall gains ``status`` and ``reason``, and its ``level`` is the status word
#: (``not_assessable`` / ``no_knowledge``) instead of a level when the call is not a level;
#: ``score`` may be null (no knowledge); MechanismCall, Observation and TraceTerm gain
#: ``clonal_fraction`` / ``clonal_basis`` / ``clonal_factor``; ResultWarning gains structured
#: fields (``code``, ``gene``, ``agent``, ``n_samples``, ``n_needed``).
#: 1.2 (backward compatible with 1.1): Observation gains ``ccf_low`` / ``ccf_high`` (95%
#: read-count interval of ``clonal_fraction``); an optional top-level ``fragility`` (written
#: only when the sensitivity analysis ran, ``refractor profile --fragility``): the sample's
#: calls that change when one curator number moves (:class:`FragileCall`); an optional top-level
#: ``build`` (the genome build the sample's coordinates were read on, GRCh38 or GRCh37).
SCHEMA_VERSION = "1.2"
#: versions :meth:`SampleResult.from_dict` reads
READABLE_VERSIONS = ("1.0", "1.1", "1.2")
DISCLAIMER = (
    "Research use only, not a treatment recommendation. Calls are derived from a curated "
    "knowledge base of published resistance mechanisms and must be interpreted by a qualified "
    "professional together with all clinical information."
)

Status = Literal["detected", "possible", "not_detected", "not_assessable"]
STATUSES: tuple[str, ...] = ("not_assessable", "not_detected", "possible", "detected")
LEVELS: tuple[str, ...] = ("susceptible", "low", "intermediate", "high")
#: an agent call is a level only when ``assessed``; otherwise its ``level`` field carries this
#: word: ``not_assessable`` (data did not allow a call) or ``no_knowledge`` (the KB has no
#: resistance knowledge - no scoring rule - for the agent in this version)
CALL_STATUSES: tuple[str, ...] = ("assessed", "not_assessable", "no_knowledge")
NOT_ASSESSABLE = "not_assessable"
NO_KNOWLEDGE = "no_knowledge"
#: every word an agent call's ``level`` can hold, in display order
CALL_WORDS: tuple[str, ...] = LEVELS + (NOT_ASSESSABLE, NO_KNOWLEDGE)
#: the declared warning classes a recorded warning may name (refractor.errors)
WARNING_CATEGORIES: tuple[str, ...] = ("DataWarning", "ExtrapolationWarning",
                                       "WeakEvidenceWarning", "SolverWarning")


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


@record
class ResultWarning:
    """A named scientific caveat recorded in a result (never raised for normal data).

    ``category`` names a declared :mod:`refractor.errors` warning class (``DataWarning``,
    ``ExtrapolationWarning``, ``WeakEvidenceWarning``, ``SolverWarning``); ``code`` says which
    situation it is (``expression-cohort-too-small``, ``psi-reads-unknown``, ...); the other
    fields carry its numbers so that reports never parse ``message``.
    """

    category: str
    message: str
    code: str | None = None
    gene: str | None = None
    agent: str | None = None
    n_samples: int | None = None
    n_needed: int | None = None

    def __post_init__(self) -> None:
        if self.category not in WARNING_CATEGORIES:
            raise ValueError(f"undeclared warning category {self.category!r}")

    @property
    def warning_class(self) -> type[Warning]:
        """The :mod:`refractor.errors` class this warning belongs to."""
        return getattr(errors, self.category)

    def to_dict(self) -> dict:
        return _plain(self)


@record
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
    clonal_fraction: float | None = None
    clonal_basis: str | None = None
    #: 95% interval of ``clonal_fraction`` from the alt/total read counts (Clopper-Pearson on the
    #: VAF, propagated through the CCF formula); None when the counts are not given. Schema 1.2
    ccf_low: float | None = None
    ccf_high: float | None = None

    def to_dict(self) -> dict:
        # explicit (field order kept): called for every observation of every written sample
        return {"biomarker": self.biomarker, "kind": self.kind, "gene": self.gene,
                "detail": self.detail, "resolution": self.resolution, "value": _f(self.value),
                "threshold": _f(self.threshold), "comparison": self.comparison, "unit": self.unit,
                "source": self.source, "assumed": self.assumed,
                "clonal_fraction": _f(self.clonal_fraction), "clonal_basis": self.clonal_basis,
                "ccf_low": _f(self.ccf_low), "ccf_high": _f(self.ccf_high)}


@record
class MechanismCall:
    """The call of one mechanism in one sample, with the observations behind it.

    ``clonal_fraction``: the largest cancer-cell fraction among the variant observations behind
    a detected / possible call, when every observation behind it is a variant with a VAF;
    ``None`` (unknown: scored as clonal) when the call also rests on bulk measurements
    (expression, copy number, splicing, history) or a VAF is missing. ``clonal_basis`` says how
    it was derived (purity, copy number, assumptions) or why it is unknown.
    """

    mechanism: str
    name: str
    axis: str
    effect: str
    status: Status
    biomarkers: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()
    missing_data: tuple[str, ...] = ()
    in_disease_context: bool = True
    clonal_fraction: float | None = None
    clonal_basis: str | None = None

    def to_dict(self) -> dict:
        return {"mechanism": self.mechanism, "name": self.name, "axis": self.axis,
                "effect": self.effect, "status": self.status, "biomarkers": list(self.biomarkers),
                "observations": [o.to_dict() for o in self.observations],
                "missing_data": list(self.missing_data),
                "in_disease_context": self.in_disease_context,
                "clonal_fraction": _f(self.clonal_fraction), "clonal_basis": self.clonal_basis}


@record
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
    clonal_factor: float = 1.0  # min(1, CCF / clonal_ccf) applied to the weight (1 = clonal)

    def to_dict(self) -> dict:
        return {"rule": self.rule, "term": self.term, "weight": _f(self.weight),
                "contribution": _f(self.contribution), "mechanisms": list(self.mechanisms),
                "status": self.status, "resolution": self.resolution,
                "observations": [o.to_dict() for o in self.observations],
                "comment": self.comment, "clonal_factor": self.clonal_factor}


@record
class AgentCall:
    """Resistance call for one agent: level on the ordered scale, score, trace, evidence.

    ``status`` is ``assessed`` (``level`` is a level of :data:`LEVELS`), ``not_assessable``
    (no scored mechanism could be evaluated with the data and no history term fired) or
    ``no_knowledge`` (no scoring rule for the agent in this KB version); in the last two
    cases ``level`` holds the status word, never a level, and ``reason`` says why.
    """

    agent: str
    name: str
    agent_class: str
    level: str
    score: float | None
    mechanisms: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    trace: tuple[TraceTerm, ...] = ()
    confidence: Literal["high", "moderate", "low"] = "low"
    confidence_reason: str = ""
    assessable: bool = True
    notes: tuple[str, ...] = ()
    status: Literal["assessed", "not_assessable", "no_knowledge"] = "assessed"
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"agent": self.agent, "name": self.name, "agent_class": self.agent_class,
                "level": self.level, "score": _f(self.score), "mechanisms": list(self.mechanisms),
                "evidence": list(self.evidence), "trace": [t.to_dict() for t in self.trace],
                "confidence": self.confidence, "confidence_reason": self.confidence_reason,
                "assessable": self.assessable, "notes": list(self.notes),
                "status": self.status, "reason": self.reason}

    @property
    def is_level(self) -> bool:
        """True when ``level`` is a resistance level (the call was assessed)."""
        return self.status == "assessed"


@record
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


@record
class FragileCall:
    """A call of this sample that changes when one curator number moves by the amount the
    sensitivity analysis tries (:func:`refractor.interpret.sensitivity.sensitivity`: each
    scoring weight +/-10, each assumed threshold +/-25%, one at a time).

    ``call`` is the call as made; ``n_perturbations`` how many of the moves change it;
    ``changed_by`` up to five of them (``kind target [detail] direction``).
    """

    agent: str
    call: str
    n_perturbations: int
    changed_by: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"agent": self.agent, "call": self.call, "n_perturbations": self.n_perturbations,
                "changed_by": list(self.changed_by)}


@record
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
    #: the fragile calls (schema 1.2), when a sensitivity analysis ran; None: it did not
    fragility: tuple[FragileCall, ...] | None = None
    #: the genome build the input coordinates were read on (``Cohort.build``; schema 1.2,
    #: optional); None: not recorded (results rebuilt from 1.0/1.1 documents)
    build: str | None = None

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
        """The JSON form (``refractor.sample-report``); ``fragility`` and ``build`` only when
        not None."""
        doc = {
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "sample": self.sample,
            "disease": self.disease,
            "subtype": self.subtype,
            "kb_version": self.kb_version,
            "kb_hash": self.kb_hash,
            "scoring_version": self.scoring_version,
        }
        if self.build is not None:
            doc["build"] = self.build
        doc |= {
            "disclaimer": self.disclaimer,
            "mechanisms": [m.to_dict() for m in self.mechanisms],
            "agents": [a.to_dict() for a in self.agents],
            "strategies": [s.to_dict() for s in self.strategies],
            "flagged_harmful": [s.to_dict() for s in self.flagged_harmful],
            "warnings": [w.to_dict() for w in self.warnings],
            "assumptions": list(self.assumptions),
        }
        if self.fragility is not None:
            doc["fragility"] = [f.to_dict() for f in self.fragility]
        return doc

    @classmethod
    def from_dict(cls, data: dict) -> "SampleResult":
        """Rebuild a result from its JSON form (:meth:`to_dict`, schema 1.0, 1.1 or 1.2).

        Raises :class:`~refractor.errors.InputError` when ``schema`` / ``schema_version`` are
        not a per-sample report this version reads. A 1.0 agent with ``assessable: false`` is
        read as ``status: not_assessable`` (its ``level`` replaced by the status word).
        """
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_NAME:
            raise InputError(f"not a {SCHEMA_NAME} document (schema: "
                             f"{data.get('schema') if isinstance(data, dict) else None!r})")
        version = data.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise InputError(f"{SCHEMA_NAME} schema_version {version!r} is not readable by this "
                             f"version (reads {', '.join(READABLE_VERSIONS)})")
        from refractor.interpret._results_read import sample_from

        try:
            return sample_from(data)
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"malformed {SCHEMA_NAME} document: {e!r}") from None


__all__ = [
    "AgentCall",
    "CALL_STATUSES",
    "CALL_WORDS",
    "NOT_ASSESSABLE",
    "NO_KNOWLEDGE",
    "READABLE_VERSIONS",
    "WARNING_CATEGORIES",
    "DISCLAIMER",
    "FragileCall",
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
