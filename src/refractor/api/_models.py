"""``/models/...``: mechanistic-model endpoints (the JSON twins of ``refractor models`` and
``refractor simulate``).

Every request is checked against the model before anything is simulated: an unknown agent,
parameter (``set``), perturbation or selection is an :class:`~refractor.errors.InputError`
(HTTP 422, naming the field and listing valid values); an unknown model is a
:class:`~refractor.errors.NotFoundError` (404). Input limits keep one request cheap:
at most :data:`MAX_POINTS` output time points, :data:`MAX_DOSES` doses and
:data:`MAX_SELECTIONS` selections.
"""
from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from refractor._jsonsafe import json_safe
from refractor.errors import InputError

router = APIRouter(prefix="/models", tags=["models"])

#: largest number of output time points of one simulation
MAX_POINTS = 2001
#: largest number of doses of one dose-response (dose 0 is added when missing)
MAX_DOSES = 50
#: largest number of recorded ids of one simulation
MAX_SELECTIONS = 100
#: largest number of ``set`` entries or perturbations of one request
MAX_SETTINGS = 200

_NAME = {"min_length": 1, "max_length": 40}
_CELL_HELP = ("reference: the model's stated reference cell (bcl2: CLL-like BCL2-dependent), as "
              "in `refractor simulate`; defaults: the raw model defaults. `set` applies on top.")
Perturbations = list[str] | dict[str, float | None]


class SimulateRequest(BaseModel):
    """Body of ``POST /models/{name}/simulate`` (one time course)."""

    model_config = ConfigDict(extra="forbid")

    agent: str | None = Field(None, max_length=60, description="Agent slug of the model.")
    dose: float = Field(0.0, ge=0, allow_inf_nan=False, description="Dose in the agent's unit.")
    set: dict[str, float] = Field(default_factory=dict, max_length=MAX_SETTINGS,
                                  description="Parameter or species id -> value.")
    perturbations: Perturbations = Field(
        default_factory=list, description="Perturbation names, or name -> value (null = default).")
    t_end: float | None = Field(None, gt=0, allow_inf_nan=False,
                                description="End time (model time unit; default the model's).")
    points: int = Field(201, ge=2, le=MAX_POINTS, description="Output time points.")
    selections: list[str] | None = Field(None, max_length=MAX_SELECTIONS,
                                         description="Ids to record (default: all).")
    cell: Literal["reference", "defaults"] = Field("reference", description=_CELL_HELP)


class DoseRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lo: float = Field(..., gt=0, allow_inf_nan=False)
    hi: float = Field(..., gt=0, allow_inf_nan=False)
    n: int = Field(..., ge=2, le=MAX_DOSES)

    @model_validator(mode="after")
    def _order(self) -> DoseRange:
        if not self.lo < self.hi:
            raise ValueError("range needs lo < hi")
        return self


class DoseResponseRequest(BaseModel):
    """Body of ``POST /models/{name}/dose-response`` (give ``doses`` or ``range``)."""

    model_config = ConfigDict(extra="forbid")

    agent: str = Field(..., min_length=1, max_length=60)
    doses: list[float] | None = Field(None, min_length=1, max_length=MAX_DOSES,
                                      description="Doses in the agent's unit (>= 0).")
    range: DoseRange | None = Field(None, description="Log-spaced doses lo..hi, n points.")
    set: dict[str, float] = Field(default_factory=dict, max_length=MAX_SETTINGS)
    perturbations: Perturbations = Field(default_factory=list)
    t_end: float | None = Field(None, gt=0, allow_inf_nan=False)
    cell: Literal["reference", "defaults"] = Field("reference", description=_CELL_HELP)

    @model_validator(mode="after")
    def _one_grid(self) -> DoseResponseRequest:
        if (self.doses is None) == (self.range is None):
            raise ValueError("give exactly one of 'doses' or 'range'")
        if self.doses is not None and any(not math.isfinite(d) or d < 0 for d in self.doses):
            raise ValueError("doses must be finite and >= 0")
        return self


def _model(name: str) -> Any:
    from refractor.models import get_model

    return get_model(name)  # NotFoundError (404) for an unknown model


def _check(model: Any, *, agent: str | None, settings: dict[str, float],
           perturbations: Perturbations, selections: list[str] | None = None) -> None:
    """InputError (422) naming the first unknown agent, parameter, perturbation or selection."""
    spec = model.spec
    agents = [a.agent for a in spec.agents]
    if agent is not None and agent not in agents:
        raise InputError(f"unknown agent {agent!r} for model {spec.name!r}; valid: "
                         f"{', '.join(agents)}", column="agent")
    settable = set(model.parameter_names())
    for key, value in settings.items():
        if key not in settable:
            raise InputError(f"unknown or non-settable parameter {key!r} of model "
                             f"{spec.name!r}; see GET /models/{spec.name} (parameters)",
                             column=f"set.{key}")
        if not math.isfinite(value):
            raise InputError(f"parameter {key!r} is not finite", column=f"set.{key}")
    names = list(perturbations)
    if len(names) > MAX_SETTINGS:
        raise InputError(f"at most {MAX_SETTINGS} perturbations", column="perturbations")
    known = {p.name for p in spec.perturbations}
    for name in names:
        if name not in known:
            raise InputError(f"unknown perturbation {name!r} of model {spec.name!r}; valid: "
                             f"{', '.join(sorted(known))}", column=f"perturbations.{name}")
    if selections:
        from refractor.models._simulate import set_of

        valid = set_of(model._compiled())
        for s in selections:
            if s not in valid:
                raise InputError(f"unknown selection {s!r} of model {spec.name!r}",
                                 column=f"selections.{s}")


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
async def simulate(body: SimulateRequest, request: Request, name: str = Path(..., **_NAME)) -> dict[str, Any]:
    from refractor.api._pool import run_heavy  # the bounded worker pool (never the event loop)

    return await run_heavy(request, run_simulate, body, name)


def run_simulate(body: SimulateRequest, name: str) -> dict[str, Any]:
    """The document of ``POST /models/{name}/simulate`` (runs in a worker)."""
    m = _model(name)
    _check(m, agent=body.agent, settings=body.set, perturbations=body.perturbations,
           selections=body.selections)
    if body.dose and body.agent is None:
        raise InputError("a dose needs an agent", column="agent")
    settings, cell, cell_notes = m.spec.cell_settings(body.set, reference=body.cell != "defaults")
    res = m.simulate(agent=body.agent, dose=body.dose, set=settings,
                     perturbations=body.perturbations or None, t_end=body.t_end,
                     points=body.points, selections=body.selections or None)
    unit = m.spec.agent(body.agent).dose_unit if body.agent else None
    return json_safe({
        "model": name, "agent": body.agent, "dose": body.dose, "dose_unit": unit,
        "time_unit": m.spec.time_unit, "cell": cell, "settings": res.settings,
        "assumptions": cell_notes + list(res.assumptions), "data": res.frame.to_dict("list"),
    })


@router.post("/{name}/dose-response", summary="Readout over doses with IC50/DC50 and Emax")
async def dose_response(body: DoseResponseRequest, request: Request,
                        name: str = Path(..., **_NAME)) -> dict[str, Any]:
    from refractor.api._pool import run_heavy

    return await run_heavy(request, run_dose_response, body, name)


def run_dose_response(body: DoseResponseRequest, name: str) -> dict[str, Any]:
    """The document of ``POST /models/{name}/dose-response`` (runs in a worker)."""
    m = _model(name)
    _check(m, agent=body.agent, settings=body.set, perturbations=body.perturbations)
    if body.range is not None:
        r = body.range
        doses = list(np.logspace(math.log10(r.lo), math.log10(r.hi), r.n))
    else:
        doses = list(body.doses or [])
    settings, cell, cell_notes = m.spec.cell_settings(body.set, reference=body.cell != "defaults")
    dr = m.dose_response(agent=body.agent, doses=doses, set=settings,
                         perturbations=body.perturbations or None, t_end=body.t_end)
    res_assumptions = cell_notes + m.assumptions([body.agent], settings)
    return json_safe({
        "model": name, "agent": body.agent, "readout": dr.readout, "kind": dr.kind,
        "unit": dr.unit, "ic50": dr.ic50, "ic50_abs": dr.ic50_abs, "ic50_rel": dr.ic50_rel,
        "emax": dr.emax, "hill": dr.hill, "dose_at_emax": dr.dose_at_emax,
        "flags": list(dr.flags), "cell": cell, "assumptions": res_assumptions,
        "data": dr.frame.to_dict("records"),
    })


__all__ = ["router", "MAX_POINTS", "MAX_DOSES", "MAX_SELECTIONS", "SimulateRequest",
           "DoseResponseRequest"]
