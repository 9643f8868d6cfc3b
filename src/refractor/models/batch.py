"""Run one model for many parameter sets, in parallel, and return a tidy DataFrame.

Used for dose-response grids, sensitivity analysis, virtual cohorts and the EARM benchmark.
Each worker process holds one compiled libRoadRunner instance, built once from the model's
SBML (on Linux the pool is forked after the parent has compiled the model, so workers inherit
the compiled code and pay no JIT cost); a parameter set costs one ``resetAll`` + one
``simulate`` call.
"""
from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from refractor.errors import InputError, ModelError, SolverWarning

DEFAULT_RTOL = 1e-8
DEFAULT_ATOL = 1e-10
_MAX_STEPS = 50_000

# Per-process state: key -> (RoadRunner, settable-name -> "init(...)" key, defaults, dirty)
_WORKER: dict[str, Any] = {}


def _sbml_of(model: Any) -> tuple[str, str, dict[str, float], float | None, float, float]:
    """(key, sbml, base settings, default t_end, rtol, atol) for a Model, a model name or SBML."""
    from refractor.models._simulate import Model

    if isinstance(model, str) and model.lstrip().startswith("<"):
        import hashlib

        return hashlib.sha1(model.encode()).hexdigest(), model, {}, None, DEFAULT_RTOL, DEFAULT_ATOL
    if isinstance(model, str):
        from refractor.models._registry import get_model

        model = get_model(model)
    if not isinstance(model, Model):
        raise InputError(f"run_batch: model must be a Model, a model name or an SBML string, "
                         f"not {type(model).__name__}")
    key = "spec:" + ":".join(model._key())
    return key, model.sbml(), {}, model.spec.t_end, model.rtol, model.atol


def _load(key: str, sbml: str, rtol: float, atol: float) -> tuple[Any, dict[str, str]]:
    """Compile ``sbml`` once per process (cached under ``key``); restore its defaults."""
    hit = _WORKER.get(key)
    if hit is not None:
        rr, keys, defaults, dirty = hit
        for name in dirty:
            rr.model.setValue(keys[name], defaults[name])
        dirty.clear()
        integ = rr.integrator
        integ.relative_tolerance = rtol
        integ.absolute_tolerance = atol
        return rr, keys
    import roadrunner

    try:
        rr = roadrunner.RoadRunner(sbml)
    except Exception as exc:
        raise ModelError(f"libRoadRunner could not load the model: {exc}") from exc
    integ = rr.integrator
    integ.relative_tolerance = rtol
    integ.absolute_tolerance = atol
    integ.maximum_num_steps = _MAX_STEPS
    m = rr.model
    rules = set(rr.getAssignmentRuleIds()) | set(rr.getRateRuleIds())
    ia = set(rr.getInitialAssignmentIds())
    keys: dict[str, str] = {}
    for p in m.getGlobalParameterIds():
        if p not in rules and p not in ia:
            keys[p] = f"init({p})"
    for s in list(m.getFloatingSpeciesIds()) + list(m.getBoundarySpeciesIds()):
        if s not in ia:
            keys[s] = f"init([{s}])"
    defaults = {name: float(m.getValue(k)) for name, k in keys.items()}
    _WORKER[key] = (rr, keys, defaults, set())
    return rr, keys


def _selection_ids(rr: Any, names: Sequence[str]) -> list[str]:
    m = rr.model
    species = set(m.getFloatingSpeciesIds()) | set(m.getBoundarySpeciesIds())
    known = species | set(m.getGlobalParameterIds()) | set(m.getReactionIds())
    bad = [n for n in names if n not in known]
    if bad:
        raise ModelError(f"unknown selection(s) {bad}")
    return ["time"] + [f"[{n}]" if n in species else n for n in names]


def _run_chunk(task: tuple) -> tuple[int, np.ndarray, list[int]]:
    """Simulate rows ``values`` (n x k) for columns ``cols``; returns (start, n x T x S, failed)."""
    key, sbml, rtol, atol, base, cols, values, start, times, sel = task
    rr, keys = _load(key, sbml, rtol, atol)
    _WORKER[key][3].update(cols)
    _WORKER[key][3].update(base)
    m = rr.model
    init_keys = [keys[c] for c in cols]
    for name, v in base.items():
        m.setValue(keys[name], float(v))
    rr.timeCourseSelections = sel
    t0, t1, n = float(times[0]), float(times[-1]), len(times)
    uniform = np.allclose(np.diff(times), (t1 - t0) / (n - 1)) if n > 2 else True
    out = np.full((values.shape[0], n, len(sel) - 1), np.nan)
    failed: list[int] = []
    integ = rr.integrator
    for i, row in enumerate(values):
        for k, v in zip(init_keys, row):
            m.setValue(k, float(v))
        rr.resetAll()
        try:
            res = rr.simulate(t0, t1, n) if uniform else rr.simulate(times=list(times))
        except RuntimeError:
            integ.relative_tolerance = rtol * 100
            integ.absolute_tolerance = atol * 100
            try:
                rr.resetAll()
                res = rr.simulate(t0, t1, n) if uniform else rr.simulate(times=list(times))
            except RuntimeError:
                failed.append(start + i)
                continue
            finally:
                integ.relative_tolerance = rtol
                integ.absolute_tolerance = atol
            failed.append(-(start + i) - 1)  # recovered with looser tolerances
        out[i] = np.asarray(res)[:, 1:]
    return start, out, failed


def _context() -> Any:
    import multiprocessing as mp

    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def run_batch(
    model: Any,
    params: pd.DataFrame,
    *,
    t_end: float | None = None,
    points: int = 101,
    times: Sequence[float] | None = None,
    selections: Sequence[str] | None = None,
    n_jobs: int = 2,
    chunk_size: int | None = None,
    final_only: bool = False,
    agent: str | None = None,
    dose: float = 0.0,
    perturbations: Mapping[str, float] | Sequence[str] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Simulate ``model`` once per row of ``params``.

    Parameters
    ----------
    model : Model, str
        A :class:`~refractor.models.Model`, a registered model name (``"trail"``) or an SBML
        string (used as is, e.g. a PySB export).
    params : pandas.DataFrame
        One row per parameter set; columns are parameter ids or species ids (initial amount,
        model units). Values replace the model default (after ``agent``/``perturbations``).
    t_end, points : float, int
        Uniform output grid ``0..t_end`` with ``points`` points (model time unit).
    times : sequence of float, optional
        Explicit output times (first must be 0); overrides ``t_end``/``points``.
    selections : list of str, optional
        Species/parameter/assignment-rule ids to record (default: the model readout, or every
        floating species for raw SBML).
    n_jobs : int
        Worker processes (1 = run in this process).
    chunk_size : int, optional
        Rows per task (default: about 4 tasks per worker).
    final_only : bool
        Keep only the last time point (one row per parameter set).
    agent, dose, perturbations
        Applied to every row first (registered models only), as in ``Model.simulate``.
    rtol, atol : float, optional
        CVODE tolerances (default: the Model's, else 1e-8 / 1e-10).
    progress : callable, optional
        Called as ``progress(done_rows, total_rows)`` after each finished chunk.

    Returns
    -------
    pandas.DataFrame
        Columns ``set`` (row label of ``params``), ``time`` and one column per selection;
        ``len(params) * n_times`` rows (``len(params)`` with ``final_only``). Parameter sets
        whose integration failed have NaN values; a :class:`SolverWarning` names them.
    """
    from refractor.models._simulate import Model

    if not isinstance(params, pd.DataFrame):
        raise InputError("run_batch: params must be a pandas DataFrame (one row per set)")
    key, sbml, base, default_t_end, m_rtol, m_atol = _sbml_of(model)
    rtol = m_rtol if rtol is None else float(rtol)
    atol = m_atol if atol is None else float(atol)
    if isinstance(model, str) and not model.lstrip().startswith("<"):
        from refractor.models._registry import get_model

        model = get_model(model)
    if isinstance(model, Model) and (agent is not None or perturbations):
        base = dict(model.configure(agent=agent, dose=dose, perturbations=perturbations))
    elif agent is not None or perturbations:
        raise InputError("run_batch: agent/perturbations need a registered model")
    if times is not None:
        grid = np.asarray(times, dtype=float)
        if grid.ndim != 1 or grid.size < 2 or grid[0] != 0 or np.any(np.diff(grid) <= 0):
            raise InputError("run_batch: times must start at 0 and increase (>= 2 points)")
    else:
        t_end = default_t_end if t_end is None else t_end
        if t_end is None or not t_end > 0:
            raise InputError("run_batch: give t_end > 0 (or times)")
        if points < 2:
            raise InputError("run_batch: points must be >= 2")
        grid = np.linspace(0.0, float(t_end), int(points))

    rr, keys = _load(key, sbml, rtol, atol)  # compile here once; forked workers inherit it
    cols = [str(c) for c in params.columns]
    unknown = [c for c in cols if c not in keys]
    if unknown:
        raise InputError(f"run_batch: unknown or non-settable column(s) {unknown}; "
                         f"settable: {', '.join(sorted(keys))}")
    values = params.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        bad = int(np.argwhere(~np.isfinite(values))[0][0])
        raise InputError(f"run_batch: non-finite value in parameter set {params.index[bad]!r}")
    if selections is None:
        if isinstance(model, Model) and model.spec.readout:
            selections = [model.spec.readout]
        else:
            selections = list(rr.model.getFloatingSpeciesIds())
    sel = _selection_ids(rr, list(selections))
    n = len(values)
    n_jobs = max(1, min(int(n_jobs), n or 1))
    if chunk_size is None:
        chunk_size = max(1, math.ceil(n / (n_jobs * 4)))
    tasks = [
        (key, sbml, rtol, atol, base, cols, values[s:s + chunk_size], s, grid, sel)
        for s in range(0, n, chunk_size)
    ]
    result = np.full((n, len(grid), len(sel) - 1), np.nan)
    failed: list[int] = []
    done = 0
    if n_jobs == 1 or len(tasks) == 1:
        for task in tasks:
            start, out, f = _run_chunk(task)
            result[start:start + len(out)] = out
            failed += f
            done += len(out)
            if progress:
                progress(done, n)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded parent
            pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=_context())
        with pool:
            futures = [pool.submit(_run_chunk, t) for t in tasks]
            for fut in as_completed(futures):
                start, out, f = fut.result()
                result[start:start + len(out)] = out
                failed += f
                done += len(out)
                if progress:
                    progress(done, n)
    _warn_failed(failed, params.index)
    if final_only:
        result = result[:, -1:, :]
        grid = grid[-1:]
    labels = np.repeat(np.asarray(params.index), len(grid))
    frame = pd.DataFrame(result.reshape(-1, len(sel) - 1), columns=list(selections))
    frame.insert(0, "time", np.tile(grid, n))
    frame.insert(0, "set", labels)
    return frame


def _warn_failed(failed: list[int], index: pd.Index) -> None:
    lost = sorted(index[i] for i in failed if i >= 0)
    relaxed = sorted(index[-i - 1] for i in failed if i < 0)
    if relaxed:
        warnings.warn(f"run_batch: {len(relaxed)} parameter set(s) needed 100x looser "
                      f"tolerances: {relaxed[:10]}", SolverWarning, stacklevel=3)
    if lost:
        warnings.warn(f"run_batch: integration failed for {len(lost)} parameter set(s) "
                      f"(NaN in the result): {lost[:10]}", SolverWarning, stacklevel=3)


__all__ = ["run_batch"]
