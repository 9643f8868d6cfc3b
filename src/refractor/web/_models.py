"""The model playground: pick a model, an agent and perturbations; see dose-response and time
course plots with units, IC50/DC50, and the assumptions behind them.

The numbers come from the same functions as ``POST /models/{name}/dose-response`` and
``/simulate`` (:func:`refractor.api._models.run_dose_response`, ``run_simulate``), run in the
service's bounded worker pool.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from refractor.api._models import (DoseResponseRequest, SimulateRequest, run_dose_response,
                                   run_simulate)
from refractor.api._app import get_kb
from refractor.api._pool import run_in_pool
from refractor.errors import InputError
from refractor.web._plots import line_plot
from refractor.web._render import respond

router = APIRouter(include_in_schema=False)


def _catalogue() -> list[dict[str, Any]]:
    from refractor.models import get_spec, list_models

    out = []
    for name in list_models():
        s = get_spec(name)
        out.append({"name": name, "title": s.title, "time_unit": s.time_unit, "readout": s.readout,
                    "agents": [{"agent": a.agent, "dose_unit": a.dose_unit} for a in s.agents],
                    "perturbations": [p.name for p in s.perturbations]})
    return out


def playground_context(model: str | None, agent: str | None, perturbations: list[str],
                       lo: float, hi: float, n: int, dose: float | None, kb: Any = None) -> dict[str, Any]:
    """Everything the playground shows; with a model and agent, the simulations too (agent
    names resolved by ``kb``, the app's knowledge base)."""
    models = _catalogue()
    ctx: dict[str, Any] = {"page": "playground", "title": "Model playground", "models": models,
                           "model": model, "agent": agent, "perturbations": perturbations,
                           "lo": lo, "hi": hi, "n": n, "dose": dose, "result": None}
    if not model or not agent:
        return ctx
    spec = next((m for m in models if m["name"] == model), None)
    if spec is None:
        raise InputError(f"unknown model {model!r}; valid: {', '.join(m['name'] for m in models)}",
                         column="model")
    if not lo < hi:
        raise InputError("the lowest dose must be below the highest", column="lo")
    dr = run_dose_response(DoseResponseRequest(agent=agent, range={"lo": lo, "hi": hi, "n": n},
                                               perturbations=perturbations), model, kb)
    unit = dr["unit"]
    at = dose if dose is not None else (dr["ic50"] if dr["ic50"] else hi / 10)
    tc = run_simulate(SimulateRequest(agent=agent, dose=at, perturbations=perturbations, points=121,
                                      selections=[spec["readout"]]), model, kb)
    doses = [r["dose"] for r in dr["data"]]
    resp = [r["response"] for r in dr["data"]]
    pert = ", ".join(perturbations) or "none"
    series = [(f"with {pert}" if perturbations else dr["readout"], doses, resp)]
    reference = None
    if perturbations:  # the same cell without the perturbations, for comparison
        ref = run_dose_response(DoseResponseRequest(agent=agent, range={"lo": lo, "hi": hi, "n": n}), model, kb)
        reference = {"ic50": ref["ic50"], "emax": ref["emax"], "dose_table": ref["data"]}
        series.append(("reference cell", [r["dose"] for r in ref["data"]], [r["response"] for r in ref["data"]]))
    times = tc["data"]["time"]
    values = tc["data"][spec["readout"]]
    ctx["result"] = {
        "readout": dr["readout"], "unit": unit, "time_unit": tc["time_unit"], "ic50": dr["ic50"],
        "emax": dr["emax"], "hill": dr["hill"], "flags": dr["flags"], "cell": dr["cell"],
        "assumptions": dr["assumptions"], "dose_table": dr["data"], "time_dose": at, "reference": reference,
        "time_table": [{"time": t, "value": v} for t, v in zip(times, values)],
        "dose_plot": line_plot("dose-plot", f"{agent} dose-response ({model} model)",
                               f"{dr['readout']} against {agent} dose in {unit} (log scale); "
                               f"perturbations: {pert}. The table below lists the same points.",
                               f"{agent} dose ({unit}, log scale)", f"{dr['readout']} (fraction)",
                               series, logx=True),
        "time_plot": line_plot("time-plot", f"{spec['readout']} over time at {at:.3g} {unit}",
                               f"{spec['readout']} against time in {tc['time_unit']} at {agent} "
                               f"{at:.3g} {unit}; perturbations: {pert}. The table below lists the same points.",
                               f"time ({tc['time_unit']})", f"{spec['readout']} (fraction)",
                               [(spec["readout"], times, values)], markers_every=10),
    }
    return ctx


@router.get("/playground")
async def playground(request: Request, model: str | None = Query(None, max_length=40),
                     agent: str | None = Query(None, max_length=60),
                     perturbation: list[str] = Query([], max_length=50),
                     lo: float = Query(0.01, gt=0, le=1e9), hi: float = Query(10_000.0, gt=0, le=1e9),
                     n: int = Query(15, ge=2, le=50),
                     dose: str = Query("", max_length=40, description="empty: the IC50"),
                     kb=Depends(get_kb)):
    try:  # an empty form field means "not given"
        at = float(dose) if dose.strip() else None
    except ValueError:
        raise InputError(f"dose {dose!r} is not a number", column="dose") from None
    if at is not None and not 0 <= at <= 1e9:
        raise InputError("dose must be between 0 and 1e9", column="dose")
    args = (model or None, agent or None, [p for p in perturbation if p], lo, hi, n, at)
    ctx = await run_in_pool(request, playground_context, *args, kb) if model and agent \
        else playground_context(*args)
    return respond(request, "playground.html.j2", ctx)


__all__ = ["playground_context", "router"]
