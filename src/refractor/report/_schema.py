"""JSON Schema of the per-sample report, generated from the result dataclasses.

``docs/schemas/sample-report.schema.json`` is this function's output (a test keeps the
committed copy current and validates real outputs against it).
"""
from __future__ import annotations

import dataclasses
import json
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from refractor.interpret._results import (
    LEVELS,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    STATUSES,
    AgentCall,
    MechanismCall,
    Observation,
    ResultWarning,
    SampleResult,
    StrategySuggestion,
    TraceTerm,
)

_RECORDS = (Observation, MechanismCall, TraceTerm, AgentCall, StrategySuggestion, ResultWarning)
_ENUMS = {("MechanismCall", "status"): list(STATUSES), ("AgentCall", "level"): list(LEVELS)}
_DESCRIPTIONS = {
    ("AgentCall", "assessable"): (
        "false when no mechanism scored for the agent could be assessed with the data given "
        "(none fired, none was evaluated with measured non-history data) and no clinical-history "
        "term fired; the call is then shown as 'not_assessable' (TSV, HTML, CLI) and 'level' "
        "only reflects the absence of data, not susceptibility (see confidence_reason)"),
    ("AgentCall", "level"): (
        "resistance level from the score bands; read together with 'assessable'"),
}


def _type(tp: Any) -> dict:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        inner = _type(args[0]) if len(args) == 1 else {"anyOf": [_type(a) for a in args]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (tuple, list):
        return {"type": "array", "items": _type(get_args(tp)[0])}
    if dataclasses.is_dataclass(tp):
        return {"$ref": f"#/$defs/{tp.__name__}"}
    return {str: {"type": "string"}, float: {"type": "number"}, int: {"type": "integer"},
            bool: {"type": "boolean"}}[tp]


def _record(cls) -> dict:
    hints = get_type_hints(cls)
    props = {}
    for f in dataclasses.fields(cls):
        props[f.name] = _type(hints[f.name])
        if (cls.__name__, f.name) in _ENUMS:
            props[f.name] = {"enum": _ENUMS[(cls.__name__, f.name)]}
        if (cls.__name__, f.name) in _DESCRIPTIONS:
            props[f.name] = {**props[f.name], "description": _DESCRIPTIONS[(cls.__name__, f.name)]}
    return {"type": "object", "additionalProperties": False, "required": list(props),
            "properties": props, "description": (cls.__doc__ or "").strip().splitlines()[0]}


def sample_report_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :meth:`SampleResult.to_dict`."""
    hints = get_type_hints(SampleResult)
    props: dict[str, Any] = {
        "schema": {"const": SCHEMA_NAME},
        "schema_version": {"type": "string", "const": SCHEMA_VERSION},
    }
    for f in dataclasses.fields(SampleResult):
        props[f.name] = _type(hints[f.name])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://refractor.invalid/schemas/sample-report.schema.json",
        "title": "Refractor per-sample resistance report",
        "description": "One sample's mechanism calls, per-agent resistance calls with their "
                       "scoring trace and evidence, and ranked strategies. Research use only, "
                       "not a treatment recommendation.",
        "type": "object",
        "additionalProperties": False,
        "required": list(props),
        "properties": props,
        "$defs": {c.__name__: _record(c) for c in _RECORDS},
    }


def schema_text() -> str:
    """The schema as committed (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(sample_report_schema(), indent=2, sort_keys=True) + "\n"


__all__ = ["sample_report_schema", "schema_text"]
