"""Result records rebuilt from their JSON form (:meth:`SampleResult.from_dict`): unknown keys
ignored, lists back to tuples, nested records rebuilt, schema 1.0 agent calls upgraded."""
from __future__ import annotations

from dataclasses import fields

from refractor.interpret._results import (
    NOT_ASSESSABLE, AgentCall, FragileCall, MechanismCall, Observation, ResultWarning,
    SampleResult, StrategySuggestion, TraceTerm,
)


def _make(cls, d: dict, **nested):
    """A record from its dict form: unknown keys ignored, lists -> tuples, nested records."""
    kw = {}
    for f in fields(cls):
        if f.name not in d:
            continue
        v = d[f.name]
        if f.name in nested:
            v = tuple(nested[f.name](x) for x in v)
        elif isinstance(v, list):
            v = tuple(v)
        kw[f.name] = v
    return cls(**kw)


def _obs(d: dict) -> Observation:
    return _make(Observation, d)


def _agent(d: dict) -> AgentCall:
    d = dict(d)
    if "status" not in d:  # schema 1.0: level was a level even when not assessable
        d["status"] = "assessed" if d.get("assessable", True) else NOT_ASSESSABLE
        if d["status"] != "assessed":
            d["level"] = d["status"]
    return _make(AgentCall, d, trace=lambda t: _make(TraceTerm, t, observations=_obs))


def sample_from(data: dict) -> SampleResult:
    strat = lambda x: _make(StrategySuggestion, x)  # noqa: E731
    return _make(
        SampleResult, data,
        mechanisms=lambda m: _make(MechanismCall, m, observations=_obs),
        agents=_agent, strategies=strat, flagged_harmful=strat,
        warnings=lambda w: _make(ResultWarning, w),
        fragility=lambda f: _make(FragileCall, f))


__all__ = ["sample_from"]
