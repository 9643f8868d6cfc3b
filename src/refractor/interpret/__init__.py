"""Resistance interpretation: biomarker rules -> mechanism calls -> per-agent calls -> strategies.

>>> from refractor.interpret import interpret          # doctest: +SKIP
>>> result = interpret(cohort, kb)                     # doctest: +SKIP
>>> result.to_frame()          # sample x agent level  # doctest: +SKIP
>>> result["S1"].agent("lenalidomide").trace           # doctest: +SKIP

Every rule, weight and threshold comes from the knowledge base (``kb.biomarkers``,
``kb.scoring``); nothing is hard-coded here. Research use only, not a treatment recommendation.
"""
from refractor.interpret._cohort_result import CohortResult
from refractor.interpret._engine import interpret, interpret_per_sample
from refractor.interpret._states import score_mechanism_states
from refractor.interpret._results import (
    CALL_STATUSES,
    CALL_WORDS,
    DISCLAIMER,
    LEVELS,
    NO_KNOWLEDGE,
    NOT_ASSESSABLE,
    READABLE_VERSIONS,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    STATUSES,
    AgentCall,
    FragileCall,
    MechanismCall,
    Observation,
    ResultWarning,
    SampleResult,
    StrategySuggestion,
    TraceTerm,
)

__all__ = [
    "interpret",
    "interpret_per_sample",
    "score_mechanism_states",
    "CohortResult",
    "SampleResult",
    "MechanismCall",
    "Observation",
    "TraceTerm",
    "AgentCall",
    "FragileCall",
    "StrategySuggestion",
    "ResultWarning",
    "DISCLAIMER",
    "LEVELS",
    "CALL_WORDS",
    "CALL_STATUSES",
    "NOT_ASSESSABLE",
    "NO_KNOWLEDGE",
    "READABLE_VERSIONS",
    "STATUSES",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
]
