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
    CALL_STATUSES,
    CALL_WORDS,
    SCHEMA_NAME,
    READABLE_VERSIONS,
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
from refractor.reference import BUILDS

_RECORDS = (Observation, MechanismCall, TraceTerm, AgentCall, StrategySuggestion, ResultWarning,
            FragileCall)
_ENUMS = {("MechanismCall", "status"): list(STATUSES), ("AgentCall", "level"): list(CALL_WORDS),
          ("AgentCall", "status"): list(CALL_STATUSES)}
_DESCRIPTIONS = {
    ("AgentCall", "assessable"): (
        "false when no mechanism scored for the agent could be assessed with the data given "
        "(none fired, none was evaluated with measured non-history data) and no clinical-history "
        "term fired, or when the KB has no scoring rule for the agent (status no_knowledge)"),
    ("AgentCall", "level"): (
        "resistance level from the score bands (susceptible, low, intermediate, high) when "
        "status is 'assessed'; otherwise the status word itself ('not_assessable' or "
        "'no_knowledge'), never a level. Schema 1.0 wrote a level here even when assessable was "
        "false; 1.1 never does (SampleResult.from_dict reads both)"),
    ("AgentCall", "status"): (
        "assessed | not_assessable (no scored mechanism could be evaluated and no history term "
        "fired) | no_knowledge (no resistance knowledge for the agent in this KB version); added "
        "in schema 1.1"),
    ("AgentCall", "reason"): "why the call is not a level (null when assessed); schema 1.1",
    ("AgentCall", "score"): "sum of the fired terms; null for status no_knowledge (schema 1.1)",
    ("MechanismCall", "clonal_fraction"): (
        "cancer-cell fraction (0-1) of the lesion behind a detected/possible call: the largest "
        "CCF of its variant observations when every observation is a variant with a VAF; null "
        "when unknown (bulk measurement or no VAF; then scored as clonal). Schema 1.1"),
    ("MechanismCall", "clonal_basis"): "how clonal_fraction was derived or why it is null",
    ("Observation", "clonal_fraction"): (
        "CCF = min(1, 2 x 2^log2 x VAF / purity) of a variant observation (Landau et al. 2014, "
        "PMID 23979521); null for other kinds or without VAF. Schema 1.1"),
    ("TraceTerm", "clonal_factor"): (
        "min(1, CCF / clonal_ccf) multiplying the weight (1 = clonal or unknown). Schema 1.1"),
    ("Observation", "ccf_low"): (
        "lower end of the 95% interval of clonal_fraction from the alt/total read counts "
        "(Clopper-Pearson on the VAF, propagated through the CCF formula); null without read "
        "counts. Schema 1.2"),
    ("Observation", "ccf_high"): "upper end of that interval; null without read counts. Schema 1.2",
    ("ResultWarning", "category"): "a declared refractor.errors warning class name",
    ("ResultWarning", "code"): "the situation (e.g. expression-cohort-too-small, psi-reads-unknown)",
}


#: fields added in schema 1.1: optional, so that a 1.0 document still validates
ADDED_IN_1_1 = {
    ("AgentCall", "status"), ("AgentCall", "reason"),
    ("MechanismCall", "clonal_fraction"), ("MechanismCall", "clonal_basis"),
    ("Observation", "clonal_fraction"), ("Observation", "clonal_basis"),
    ("TraceTerm", "clonal_factor"),
    ("ResultWarning", "code"), ("ResultWarning", "gene"), ("ResultWarning", "agent"),
    ("ResultWarning", "n_samples"), ("ResultWarning", "n_needed"),
    # schema 1.2 (optional as well)
    ("Observation", "ccf_low"), ("Observation", "ccf_high"),
}


#: fields added in schema 1.2 (optional): top-level ones of the sample report
ADDED_IN_1_2 = {("SampleResult", "fragility"), ("SampleResult", "build")}


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
    required = [k for k in props if (cls.__name__, k) not in ADDED_IN_1_1]
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": props, "description": (cls.__doc__ or "").strip().splitlines()[0]}


def sample_report_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :meth:`SampleResult.to_dict`."""
    hints = get_type_hints(SampleResult)
    props: dict[str, Any] = {
        "schema": {"const": SCHEMA_NAME},
        "schema_version": {"type": "string", "enum": list(READABLE_VERSIONS),
                           "description": f"this version writes {SCHEMA_VERSION}; 1.0 and 1.1 "
                                          "documents (earlier releases) validate too"},
    }
    for f in dataclasses.fields(SampleResult):
        props[f.name] = _type(hints[f.name])
    props["fragility"] = {**props["fragility"], "description": (
        "written only when the sensitivity analysis ran (refractor profile --fragility): the "
        "sample's calls that change when one curator number moves (each scoring weight +/-10, "
        "each assumed threshold +/-25%, one at a time); an empty list: none changes. Schema 1.2")}
    props["build"] = {**props["build"], "enum": [*BUILDS, None], "description": (
        "the genome build the sample's input coordinates were read on (given, or declared by "
        "the files, else the default GRCh38); optional, schema 1.2")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://refractor.invalid/schemas/sample-report.schema.json",
        "title": "Refractor per-sample resistance report",
        "description": "One sample's mechanism calls, per-agent resistance calls with their "
                       "scoring trace and evidence, and ranked strategies. Research use only, "
                       "not a treatment recommendation.",
        "type": "object",
        "additionalProperties": False,
        "required": [k for k in props if ("SampleResult", k) not in ADDED_IN_1_2],
        "properties": props,
        "$defs": {c.__name__: _record(c) for c in _RECORDS},
    }


def schema_text() -> str:
    """The schema as committed (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(sample_report_schema(), indent=2, sort_keys=True) + "\n"


__all__ = ["sample_report_schema", "schema_text"]
