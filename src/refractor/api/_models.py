"""``/models/...``: mechanistic-model endpoints (the JSON twins of ``refractor models`` and
``refractor simulate``).

The bodies are parsed here (types only); every value is checked by the library
(:mod:`refractor.models._constraints`) through the same :func:`~refractor.models.simulation_run`
and :func:`~refractor.models.dose_response_run` that ``refractor simulate`` calls, so a request
gets the same JSON and the same error message as the CLI: an unknown agent, parameter
(``set``), perturbation or selection, a negative or non-finite value, or a request over the
limits (:data:`MAX_POINTS` time points, :data:`MAX_DOSES` doses, :data:`MAX_SELECTIONS`
selections) is an :class:`~refractor.errors.InputError` (HTTP 422, naming the field); an
unknown model is a :class:`~refractor.errors.NotFoundError` (404).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from refractor._jsonsafe import json_safe
from refractor.api._app import get_kb
from refractor.models._constraints import MAX_DOSES, MAX_POINTS, MAX_SELECTIONS, MAX_SETTINGS

router = APIRouter(prefix="/models", tags=["models"])

_NAME = {"min_length": 1, "max_length": 40}
_CELL_HELP = ("reference: the model's stated reference cell (bcl2: CLL-like BCL2-dependent), as "
              "in `refractor simulate`; defaults: the raw model defaults. `set` applies on top.")
# parse-time guard only (the library gives the clear message for anything over its limits)
_PARSE_MAX = 10_000
Perturbations = list[str] | dict[str, float | None]


class SimulateRequest(BaseModel):
    """Body of ``POST /models/{name}/simulate`` (one time course)."""

    model_config = ConfigDict(extra="forbid")

    agent: str | None = Field(None, max_length=60, description="Agent slug of the model.")
    dose: float | None = Field(None, description="Dose in the agent's unit (required with "
                               "an agent; >= 0).")
    set: dict[str, float] = Field(default_factory=dict, max_length=_PARSE_MAX,
                                  description="Parameter or species id -> value (>= 0).")
    perturbations: Perturbations = Field(
        default_factory=list, description="Perturbation names, or name -> value (null = default).")
    t_end: float | None = Field(None, description="End time (model time unit; default the "
                                "model's).")
    points: int = Field(201, description=f"Output time points (2..{MAX_POINTS}).")
    selections: list[str] | None = Field(None, max_length=_PARSE_MAX,
                                         description="Ids to record (default: all).")
    cell: str = Field("reference", description=_CELL_HELP)


class DoseRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lo: float
    hi: float
    n: int = Field(..., description=f"Number of log-spaced doses (2..{MAX_DOSES}).")


class DoseResponseRequest(BaseModel):
    """Body of ``POST /models/{name}/dose-response`` (give ``doses`` or ``range``)."""

    model_config = ConfigDict(extra="forbid")

    agent: str = Field(..., min_length=1, max_length=60)
    doses: list[float] | None = Field(None, max_length=_PARSE_MAX,
                                      description=f"Doses in the agent's unit (>= 0, at most "
                                      f"{MAX_DOSES}).")
    range: DoseRange | None = Field(None, description="Log-spaced doses lo..hi, n points.")
    set: dict[str, float] = Field(default_factory=dict, max_length=_PARSE_MAX)
    perturbations: Perturbations = Field(default_factory=list)
    t_end: float | None = None
    cell: str = Field("reference", description=_CELL_HELP)


def _spec_summary(spec: Any) -> dict[str, Any]:
    ref = spec.reference_sample
    return {
        "name": spec.name, "title": spec.title, "readout": spec.readout,
        "readout_kind": spec.readout_kind, "t_end": spec.t_end, "time_unit": spec.time_unit,
        "agents": [{"agent": a.agent, "dose_unit": a.dose_unit} for a in spec.agents],
        "perturbations": [p.name for p in spec.perturbations],
        "reference_sample": ref.label() if ref else None,
    }


@router.get("", summary="The registered mechanistic models")
def list_models() -> list[dict[str, Any]]:
    from refractor.models import get_spec, list_models as names

    return [json_safe(_spec_summary(get_spec(n))) for n in names()]


@router.get("/{name}", summary="One model: parameters with units and references, agents, "
            "perturbations, reference sample")
def show_model(name: str = Path(..., **_NAME)) -> dict[str, Any]:
    from refractor.models import get_spec

    spec = get_spec(name)
    out = asdict(spec)
    out["summary"] = _spec_summary(spec)
    return json_safe(out)


@router.post("/{name}/simulate", summary="One time course (agent, dose, settings)")
async def simulate(body: SimulateRequest, request: Request, name: str = Path(..., **_NAME),
                   kb=Depends(get_kb)) -> dict[str, Any]:
    from refractor.api._pool import run_heavy  # the bounded worker pool (never the event loop)

    return await run_heavy(request, run_simulate, body, name, kb)


def run_simulate(body: SimulateRequest, name: str, kb: Any) -> dict[str, Any]:
    """The document of ``POST /models/{name}/simulate`` (runs in a worker); agent names are
    resolved by ``kb``, the app's knowledge base."""
    from refractor.models import simulation_run

    run = simulation_run(name, agent=body.agent, dose=body.dose, set=body.set,
                         perturbations=body.perturbations, t_end=body.t_end,
                         points=body.points, selections=body.selections, cell=body.cell, kb=kb)
    return json_safe(run.to_dict())


@router.post("/{name}/dose-response", summary="Readout over doses with IC50/DC50 and Emax")
async def dose_response(body: DoseResponseRequest, request: Request,
                        name: str = Path(..., **_NAME), kb=Depends(get_kb)) -> dict[str, Any]:
    from refractor.api._pool import run_heavy

    return await run_heavy(request, run_dose_response, body, name, kb)


def run_dose_response(body: DoseResponseRequest, name: str, kb: Any) -> dict[str, Any]:
    """The document of ``POST /models/{name}/dose-response`` (runs in a worker); agent names
    are resolved by ``kb``, the app's knowledge base."""
    from refractor.models import dose_response_run

    rng = (body.range.lo, body.range.hi, body.range.n) if body.range is not None else None
    run = dose_response_run(name, agent=body.agent, doses=body.doses, range=rng, set=body.set,
                            perturbations=body.perturbations, t_end=body.t_end, cell=body.cell,
                            kb=kb)
    return json_safe(run.to_dict())


__all__ = ["router", "MAX_POINTS", "MAX_DOSES", "MAX_SELECTIONS", "MAX_SETTINGS",
           "SimulateRequest", "DoseResponseRequest"]
