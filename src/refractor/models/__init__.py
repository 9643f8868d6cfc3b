"""Mechanistic models (libRoadRunner): cereblon molecular glue, BCL2-family switch, TRAIL apoptosis.

Public API (imported lazily; importing :mod:`refractor.models` does no work)::

    from refractor.models import list_models, get_model, simulate, dose_response
    m = get_model("trail")   # Model: .spec, .simulate(), .dose_response(), .sbml()
    simulate("trail", agent="trail-based-therapy", dose=50)  # SimulationResult
    simulation_run("bcl2", agent="venetoclax", dose=10)      # request on the reference cell,
    dose_response_run("bcl2", agent="venetoclax", range=(0.01, 1e3, 9))  # .to_dict() = JSON
    run_batch("trail", params_df, t_end=21600)  # tidy DataFrame, parallel over processes
    predict_from_sample("sample.json")          # IC50/Emax shift per agent vs reference sample
    export_sbml("trail", "trail.xml")           # validated SBML file

Modules: ``_spec`` (declarations, gene and mechanism tables), ``_compile`` (Antimony -> SBML ->
libRoadRunner cache), ``_integrate`` (pre-equilibration, CVODE), ``_model`` (Model),
``_results`` (SimulationResult, DoseResponse), ``_potency`` (IC50/DC50 by root-finding),
``_constraints`` (declared input constraints), ``_runs`` (one request -> one JSON for the CLI
and the API), ``_lesions`` (sample -> perturbations and clones), ``from_sample``, ``batch``.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    "list_models": "refractor.models._registry",
    "get_model": "refractor.models._registry",
    "get_spec": "refractor.models._registry",
    "simulate": "refractor.models._registry",
    "dose_response": "refractor.models._registry",
    "Model": "refractor.models._model",
    "SimulationResult": "refractor.models._results",
    "DoseResponse": "refractor.models._results",
    "summarize_dose_response": "refractor.models._potency",
    "IC50_RTOL": "refractor.models._potency",
    "simulation_run": "refractor.models._runs",
    "dose_response_run": "refractor.models._runs",
    "MAX_POINTS": "refractor.models._constraints",
    "MAX_DOSES": "refractor.models._constraints",
    "MAX_SELECTIONS": "refractor.models._constraints",
    "MAX_SETTINGS": "refractor.models._constraints",
    "dose_grid": "refractor.models._constraints",
    "run_batch": "refractor.models.batch",
    "predict_from_sample": "refractor.models.from_sample",
    "export_sbml": "refractor.models._sbml",
    "validate_sbml": "refractor.models._sbml",
    "ModelSpec": "refractor.models._spec",
    "Parameter": "refractor.models._spec",
    "AgentSpec": "refractor.models._spec",
    "Perturbation": "refractor.models._spec",
    "ReferenceSample": "refractor.models._spec",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'refractor.models' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
