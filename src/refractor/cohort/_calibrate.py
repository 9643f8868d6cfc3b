"""Calibration: fit the few global parameters to the declared published targets, report the fit
per target and the out-of-sample error of the targets held out of the fit.

Objective (declared): the sum over ``use: fit`` targets of the squared relative error
``((simulated - published) / published)**2``, plus a weak pull towards the starting values
(``REGULARISATION`` x the sum of squared log-ratios) because there are as many fitted parameters
as fit targets plus one (growth and kill rates trade off). The seeds publish medians and response rates, not
whole Kaplan-Meier curves, so medians are used (a median not reached within follow-up counts as
1.5 x follow-up). Fitted parameters are searched on a log scale with Nelder-Mead from the
starting values in ``parameters.yaml``, with common random numbers (the scenarios' fixed seeds),
so the objective is a deterministic function of the parameters.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from refractor.cohort._params import Params, default_params, fitted_names
from refractor.cohort._scenario import Scenario, bundled_scenario, bundled_scenarios

CALIBRATION_SCHEMA = "refractor.cohort.calibration"
CALIBRATION_VERSION = 1
REGULARISATION = 0.01


def _targets(scenarios: list[Scenario], params: Params, kb: Any, n: int, executor: Any) -> list[dict[str, Any]]:
    from refractor.cohort._run import run_scenario
    from refractor.cohort._summary import evaluate_targets

    rows = []
    for sc in scenarios:
        if not any(t.use in ("fit", "holdout") for t in sc.targets):
            continue
        run = run_scenario(sc, kb, executor, params=params, n_per_arm=n, trajectories=False)
        for row in evaluate_targets(run):
            if row["simulated"] is None and row["measure"].startswith("median"):
                row["simulated_for_objective"] = 1.5 * sc.follow_up_months
            else:
                row["simulated_for_objective"] = row["simulated"]
            row["scenario"] = sc.name
            rows.append(row)
    return rows


def objective(rows: list[dict[str, Any]]) -> float:
    """Sum of squared relative errors of the ``fit`` targets."""
    out = 0.0
    for r in rows:
        if r["use"] == "fit":
            sim = r["simulated_for_objective"]
            out += 10.0 if sim is None else ((sim - r["published"]) / r["published"]) ** 2
    return out


def calibrate(
    kb: Any,
    scenarios: list[Scenario] | None = None,
    *,
    n_per_arm: int = 1000,
    max_evals: int = 60,
    executor: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Fit the ``fit: true`` parameters; returns the calibration record (JSON-ready)."""
    from scipy.optimize import minimize

    from refractor.cohort._executor import make_executor

    scenarios = scenarios or [bundled_scenario(n, kb) for n in bundled_scenarios()]
    start = default_params(kb, calibrated=False)
    names = fitted_names()
    x0 = np.log([start.values[k] for k in names])
    ex = make_executor(executor, 1)
    trace: list[tuple[float, list[float]]] = []

    def f(x: np.ndarray) -> float:
        p = start.with_values(**dict(zip(names, np.exp(x))))
        val = objective(_targets(scenarios, p, kb, n_per_arm, ex)) + REGULARISATION * float(np.sum((x - x0) ** 2))
        trace.append((val, [float(v) for v in np.exp(x)]))
        if progress:
            progress(len(trace), max_evals)
        return val

    try:
        before = _targets(scenarios, start, kb, n_per_arm, ex)
        res = minimize(f, x0, method="Nelder-Mead",
                       options={"maxfev": max_evals, "xatol": 1e-2, "fatol": 1e-4, "initial_simplex": None})
        best = start.with_values(**dict(zip(names, np.exp(res.x))))
        after = _targets(scenarios, best, kb, n_per_arm, ex)
    finally:
        ex.close()

    def rows(rs: list[dict]) -> list[dict]:
        keep = ("scenario", "id", "measure", "arm", "use", "published", "simulated", "relative_error",
                "low", "high", "within", "source", "claim")
        return [{k: r.get(k) for k in keep} for r in rs]

    hold = [r for r in after if r["use"] == "holdout"]
    errs = [abs(r["relative_error"]) for r in hold if r["relative_error"] is not None]
    return {
        "schema": CALIBRATION_SCHEMA, "version": CALIBRATION_VERSION, "date": date.today().isoformat(),
        "kb_version": str(kb.version), "kb_hash": str(kb.content_hash),
        "objective": "sum over fit targets of squared relative error (medians, response rates, shares at progression; no published KM curves in the seeds)",
        "method": f"Nelder-Mead on log parameters, {n_per_arm} patients per arm, common random numbers, max {max_evals} evaluations",
        "evaluations": len(trace), "objective_start": objective(before), "objective_end": objective(after),
        "parameters": {k: float(v) for k, v in zip(names, np.exp(res.x))},
        "start": {k: float(start.values[k]) for k in names},
        "fit": rows([r for r in after if r["use"] == "fit"]),
        "holdout": rows(hold),
        "holdout_mean_abs_relative_error": float(np.mean(errs)) if errs else None,
        "before": rows(before),
    }


def save_calibration(record: dict[str, Any], path: str | Path) -> Path:
    from refractor._atomic import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as fh:
        json.dump(record, fh, indent=1, allow_nan=False)
    return path


def calibration_path(kb: Any) -> Path:
    """Where ``refractor cohort calibrate`` stores a calibration for ``kb`` by default: the cache
    folder of the settings ``kb`` was loaded with, else the resolved settings'."""
    from refractor.settings import Settings

    settings = getattr(kb, "settings", None) or Settings.resolve()
    return settings.cache_dir / "cohort" / f"calibration-{kb.content_hash}.json"


__all__ = ["calibrate", "objective", "save_calibration", "calibration_path", "CALIBRATION_SCHEMA"]
