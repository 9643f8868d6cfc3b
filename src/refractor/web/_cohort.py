"""Virtual cohorts in the browser: the scenario runner and the personalised forecast.

Both are long runs, so they are **jobs**: a form starts one (at most
``ServiceLimits.cohort_jobs`` at a time, else 503 with ``Retry-After``; at most
``max_cohort_patients`` virtual patients per arm or twins per regimen) and answers 303 to
``/cohort/job/{id}``, whose page shows progress (a ``<progress>`` bar that the page script
refreshes from the page's JSON twin) and, when the run is done, the result: Kaplan-Meier
progression-free survival per arm (plot and table), medians and ORR with their intervals,
hazard ratios, each published target next to the simulated value; for a forecast, per
regimen the response probability, PFS and the relapse drivers.

Jobs are kept in the service's state folder (:mod:`refractor.api._state`): a finished job's
page still works after the server restarts, and a job the server was running when it stopped
is shown as failed ("server restarted") instead of running forever.

The work is :func:`refractor.cohort.run_scenario` / :func:`refractor.cohort.forecast`, with
the cohort package's own local process executor; the job thread only orchestrates
(:mod:`refractor.web._jobs`). A job over ``ServiceLimits.cohort_job_seconds`` is stopped and
fails with the reason; the job page's "Cancel" button (``POST /cohort/job/{id}/cancel``) stops
a queued or running job. Either way its worker processes are terminated.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from refractor._jsonsafe import json_safe
from refractor.api._app import get_kb
from refractor.errors import InputError, NotFoundError
from refractor.web._jobs import cancel_job, start_job
from refractor.web._plots import line_plot
from refractor.web._render import entry_url, respond, wants_json

router = APIRouter(include_in_schema=False)


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if k != "server"}


def _check_n(request: Request, n: int, what: str) -> int:
    most = request.app.state.settings.limits.service.max_cohort_patients
    if not 1 <= n <= most:
        raise InputError(f"{what} must be between 1 and {most} (REFRACTOR_MAX_COHORT_PATIENTS)", column="n")
    return n


def scenarios_context(kb: Any, max_n: int) -> dict[str, Any]:
    from refractor.cohort import bundled_scenario, bundled_scenarios

    rows = []
    for name in bundled_scenarios():
        sc = bundled_scenario(name, kb)
        rows.append({"name": name, "title": sc.title, "arms": [a.name for a in sc.arms],
                     "n_per_arm": sc.n_per_arm, "follow_up_months": sc.follow_up_months,
                     "targets": [{"id": t.id, "measure": t.measure, "value": t.value, "source": t.source}
                                 for t in sc.targets]})
    return {"page": "cohort", "title": "Virtual cohorts", "scenarios": rows, "max_n": max_n,
            "default_n": min(1000, max_n)}


def _km_plot(jid: str, arms: list[dict[str, Any]]) -> str | None:
    series = []
    for a in arms:
        pfs = (a.get("lines") or [{}])[0].get("pfs")
        if pfs and pfs.get("survival"):
            series.append((a["name"], pfs["at_risk"]["months"], pfs["survival"]))
    if not series:
        return None
    return line_plot(f"km-{jid}", "Progression-free survival (Kaplan-Meier), first simulated line",
                     "Fraction of virtual patients alive and free of progression against months "
                     "(the Kaplan-Meier estimate read every 6 months, drawn as steps), one line per "
                     "arm; the table below lists the same values.", "months since the line started",
                     "progression-free (fraction)", series, step=True)


def job_context(job: dict[str, Any]) -> dict[str, Any]:
    ctx = {"page": "cohort-job", "title": job["title"],
           "job": {k: v for k, v in _public(job).items() if k != "result"},
           "result": job["result"], "km_plot": None}
    res = job["result"]
    if job["status"] == "done" and job["kind"] == "scenario":
        ctx["km_plot"] = _km_plot(job["id"], res["arms"])
    if job["status"] == "done" and job["kind"] == "forecast":
        for r in res["regimens"]:
            r["url"] = entry_url("agents", r["regimen"])
            for d in r.get("relapse_drivers", []):
                d["url"] = entry_url("mechanisms", d["mechanism"]) if ":" not in d["mechanism"] else None
    return ctx


@router.get("/cohort")
def cohort_page(request: Request, kb=Depends(get_kb)):
    lim = request.app.state.settings.limits.service
    return respond(request, "cohort.html.j2", scenarios_context(kb, lim.max_cohort_patients))


@router.post("/cohort/run")
def cohort_run(request: Request, scenario: str = Form(..., max_length=200), n: int = Form(...),
               kb=Depends(get_kb)):
    from refractor.cohort import bundled_scenarios, run_scenario

    if scenario not in bundled_scenarios():
        raise InputError(f"unknown scenario {scenario!r}; valid: {', '.join(bundled_scenarios())}",
                         column="scenario")
    n = _check_n(request, n, "patients per arm")

    def work(progress, executor):
        run = run_scenario(scenario, kb, executor, n_per_arm=n, trajectories=False, progress=progress)
        return run.summary()

    jid = start_job(request, "scenario", f"Scenario {scenario}, {n} virtual patients per arm", work)
    return RedirectResponse(f"/cohort/job/{jid}", status_code=303)


@router.get("/cohort/job/{jid}")
def cohort_job(request: Request, jid: str):
    job = request.app.state.store.get("jobs", jid)
    if job is None:
        raise NotFoundError(f"no cohort job {jid!r} (finished jobs are kept for a while, "
                            "REFRACTOR_JOBS_KEPT and REFRACTOR_STATE_MAX_AGE_DAYS)")
    return respond(request, "cohort_job.html.j2", job_context(dict(job)))


@router.post("/cohort/job/{jid}/cancel")
def cohort_job_cancel(request: Request, jid: str):
    """Stop a queued or running job (its worker processes are terminated): 303 back to the job
    page, or with ``?format=json`` / ``Accept: application/json`` the job page's JSON twin.
    An unknown job is a 404, one that has already ended a 409."""
    job = cancel_job(request, jid)
    if wants_json(request):
        return JSONResponse(json_safe(job_context(job)))
    return RedirectResponse(f"/cohort/job/{jid}", status_code=303)


@router.get("/forecast")
def forecast_page(request: Request, report: str = Query(..., max_length=40), sample: str = Query(..., max_length=200),
                  kb=Depends(get_kb)):
    from refractor.web._profile import _get

    data = _get(request, report)
    found = next((s for s in data["samples"] if s["sample"] == sample), None)
    if found is None:
        raise NotFoundError(f"no sample {sample!r} in report {report!r}")
    regimens = sorted(a.id for a in kb.agents.values() if a.agent_class == "regimen")
    lim = request.app.state.settings.limits.service
    return respond(request, "forecast.html.j2", {
        "page": "forecast", "title": f"Forecast for sample {sample}", "report": report, "sample": sample,
        "disease": found.get("disease"), "regimens": regimens, "max_n": lim.max_cohort_patients,
        "default_n": min(500, lim.max_cohort_patients), "report_url": f"/report/{report}"})


@router.post("/forecast/run")
def forecast_run(request: Request, report: str = Form(..., max_length=40), sample: str = Form(..., max_length=200),
                 regimens: list[str] = Form(..., max_length=10), n: int = Form(...), kb=Depends(get_kb)):
    from refractor.cohort import forecast
    from refractor.web._profile import _get

    data = _get(request, report)
    found = next((s for s in data["samples"] if s["sample"] == sample), None)
    if found is None:
        raise NotFoundError(f"no sample {sample!r} in report {report!r}")
    regimens = [r for r in regimens if r.strip()]
    if not regimens:
        raise InputError("choose at least one regimen", column="regimens")
    n = _check_n(request, n, "virtual twins per regimen")
    jid = start_job(request, "forecast", f"Forecast for sample {sample}",
                    lambda progress, executor: forecast(found, kb, regimens, n_twins=n, executor=executor,
                                                        progress=progress))
    return RedirectResponse(f"/cohort/job/{jid}", status_code=303)


__all__ = ["job_context", "router", "scenarios_context"]
