"""Run one model for many parameter sets, in parallel, and return a tidy DataFrame.

Used for dose-response grids, sensitivity analysis, virtual cohorts and the EARM benchmark.
Every parameter set runs through :meth:`Model._execute`, the same code path as
:meth:`Model.simulate` (settings in the same order, pre-equilibration for models that define
``pre_equilibration_time``, the same CVODE tolerances and retry). Each worker process uses the
process-wide compiled libRoadRunner instance of the model (on Linux the pool is forked after the
parent has compiled the model, so workers inherit the compiled code and pay no JIT cost).

``backend="amici"`` integrates with AMICI instead (optional extra ``refractor[amici]``; the
model's SBML is compiled once and cached under the settings' cache folder): every set is still
configured on the libRoadRunner instance (same settings order and checks), AMICI's CVODES with
its sparse symbolic Jacobian integrates, ``n_jobs`` threads share one process. ``"auto"`` takes
AMICI when it is installed and supports the model (no events, rate rules or non-unit
compartments), else libRoadRunner. The default stays libRoadRunner: nothing depends on AMICI.
See :mod:`refractor.models._amici` for what is and is not the same.
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
BACKENDS = ("roadrunner", "amici", "auto")


def _as_model(model: Any, rtol: float | None, atol: float | None) -> Any:
    """A :class:`Model` for a Model, a registered model name or an SBML string."""
    from refractor.models._model import Model

    if isinstance(model, str) and model.lstrip().startswith("<"):
        model = Model.from_sbml(model, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL)
    elif isinstance(model, str):
        from refractor.models._registry import get_model

        model = get_model(model)
    if not isinstance(model, Model):
        raise InputError(f"run_batch: model must be a Model, a model name or an SBML string, "
                         f"not {type(model).__name__}")
    if (rtol is not None and rtol != model.rtol) or (atol is not None and atol != model.atol):
        other = Model(model.spec, rtol=model.rtol if rtol is None else float(rtol),
                      atol=model.atol if atol is None else float(atol))
        other._sbml_text = model._sbml_text
        model = other
    return model


def _run_chunk(task: tuple) -> tuple[int, np.ndarray, list[int]]:
    """Simulate rows ``values`` (n x k) for columns ``cols``; returns (start, n x T x S, failed).

    ``failed`` holds ``i`` for rows that failed (NaN) and ``-i - 1`` for rows that needed the
    looser-tolerance retry.
    """
    model, cols, values, start, grid, sel, agent, dose, perturbations = task
    c = model._compiled()
    n_t = grid[1] if isinstance(grid, tuple) else len(grid)
    out = np.full((values.shape[0], n_t, len(sel) - 1), np.nan)
    failed: list[int] = []
    with c.lock:
        for i, row in enumerate(values):
            try:
                data, _settings, retried = model._execute(
                    c, grid, sel, agent=agent, dose=dose, set=dict(zip(cols, row)),
                    perturbations=perturbations, warn=False)
            except ModelError:
                failed.append(start + i)
                continue
            if not np.all(np.isfinite(data)):
                failed.append(start + i)
                continue
            if retried is not None:
                failed.append(-(start + i) - 1)
            out[i] = data[:, 1:]
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
    backend: str = "roadrunner",
    cache_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Simulate ``model`` once per row of ``params``.

    Parameters
    ----------
    model : Model, str
        A :class:`~refractor.models.Model`, a registered model name (``"trail"``) or an SBML
        string (used as is, e.g. a PySB export).
    params : pandas.DataFrame
        One row per parameter set; columns are parameter ids or species ids (initial amount,
        model units). Each row is passed as ``set`` to the same run path as
        :meth:`Model.simulate`: applied after ``agent``/``dose`` and before ``perturbations``
        (a ``scale`` perturbation multiplies the row's value); models with
        ``pre_equilibration_time`` are pre-equilibrated untreated for every row.
    t_end, points : float, int
        Uniform output grid ``0..t_end`` with ``points`` points (model time unit).
    times : sequence of float, optional
        Explicit output times (first must be 0); overrides ``t_end``/``points``.
    selections : list of str, optional
        Species/parameter/assignment-rule ids to record (default: the model readout, or every
        floating species for raw SBML).
    n_jobs : int
        Worker processes (1 = run in this process); with AMICI, OpenMP threads.
    chunk_size : int, optional
        Rows per task (default: about 4 tasks per worker).
    final_only : bool
        Keep only the last time point (one row per parameter set).
    agent, dose, perturbations
        Applied to every row (registered models only), exactly as in ``Model.simulate``.
    rtol, atol : float, optional
        CVODE tolerances (default: the Model's, else 1e-8 / 1e-10).
    progress : callable, optional
        Called as ``progress(done_rows, total_rows)`` after each finished chunk.
    backend : {"roadrunner", "amici", "auto"}
        Integrator: libRoadRunner processes (default), AMICI threads (``n_jobs`` threads in
        this process; needs ``pip install 'refractor[amici]'``; ModelError if it is missing
        or cannot run the model), or AMICI when possible else libRoadRunner (with a
        :class:`SolverWarning` when AMICI is installed but fails to compile the model).
    cache_dir : path, optional
        Where compiled AMICI models are kept (default: the settings' cache folder,
        :attr:`refractor.settings.Settings.cache_dir`).

    Returns
    -------
    pandas.DataFrame
        Columns ``set`` (row label of ``params``), ``time`` and one column per selection;
        ``len(params) * n_times`` rows (``len(params)`` with ``final_only``). Parameter sets
        whose integration failed have NaN values; a :class:`SolverWarning` names them.
    """
    if not isinstance(params, pd.DataFrame):
        raise InputError("run_batch: params must be a pandas DataFrame (one row per set)")
    model = _as_model(model, rtol, atol)
    if model._sbml_text is not None and (agent is not None or perturbations):
        raise InputError("run_batch: agent/perturbations need a registered model")
    use_amici = _choose_backend(model, backend)
    if times is not None:
        grid: Any = np.asarray(times, dtype=float)
        if grid.ndim != 1 or grid.size < 2 or grid[0] != 0 or np.any(np.diff(grid) <= 0):
            raise InputError("run_batch: times must start at 0 and increase (>= 2 points)")
        t0, t1, n_t = 0.0, float(grid[-1]), len(grid)
        if n_t == 2 or np.allclose(grid, np.linspace(t0, t1, n_t), rtol=1e-12, atol=0):
            grid = (t1, n_t)
    else:
        t_end = model.spec.t_end or None if t_end is None else t_end
        if t_end is None or not t_end > 0:
            raise InputError("run_batch: give t_end > 0 (or times)")
        if points < 2:
            raise InputError("run_batch: points must be >= 2")
        grid = (float(t_end), int(points))
    times_out = (np.linspace(0.0, grid[0], grid[1]) if isinstance(grid, tuple)
                 else np.asarray(grid))

    c = model._compiled()  # compile here once; forked workers inherit it
    cols = [str(col) for col in params.columns]
    unknown = [col for col in cols if col not in c.settable]
    if unknown:
        raise InputError(f"run_batch: unknown or non-settable column(s) {unknown}; "
                         f"settable: {', '.join(sorted(c.settable))}")
    values = params.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        bad = int(np.argwhere(~np.isfinite(values))[0][0])
        raise InputError(f"run_batch: non-finite value in parameter set {params.index[bad]!r}")
    with c.lock:  # validate agent, dose and perturbations once (ModelError names the problem)
        model.configure(agent=agent, dose=dose, perturbations=perturbations)
    if selections is None:
        selections = [model.spec.readout] if model.spec.readout else list(c.species)
    sel = model.selection_ids(list(selections))
    n = len(values)
    n_jobs = max(1, min(int(n_jobs), n or 1))
    runner = None
    if use_amici:
        try:
            runner = _amici_runner(model, c, cache_dir)
            runner.columns(list(selections))  # every selection readable from AMICI
        except ModelError as exc:
            runner = None
            if backend == "amici":
                raise
            warnings.warn(f"run_batch: {exc}; using libRoadRunner", SolverWarning, stacklevel=2)
    if runner is not None:
        from refractor.models import _amici

        result, failed = _amici.run_rows(model, runner, c, cols, values, times_out,
                                         list(selections), agent, dose, perturbations,
                                         n_jobs, final_only, progress)
        grid_out = times_out[-1:] if final_only else times_out
        return _frame(result, failed, params.index, grid_out, selections, False)
    if chunk_size is None:
        chunk_size = max(1, math.ceil(n / (n_jobs * 4)))
    tasks = [
        (model, cols, values[s:s + chunk_size], s, grid, sel, agent, dose, perturbations)
        for s in range(0, n, chunk_size)
    ]
    grid = times_out
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
    return _frame(result, failed, params.index, grid, selections, final_only)


def _frame(result: np.ndarray, failed: list[int], index: pd.Index, grid: np.ndarray,
           selections: Sequence[str], final_only: bool) -> pd.DataFrame:
    """The tidy result (warning once about failed or retried sets)."""
    _warn_failed(failed, index)
    if final_only:
        result = result[:, -1:, :]
        grid = grid[-1:]
    labels = np.repeat(np.asarray(index), len(grid))
    frame = pd.DataFrame(result.reshape(-1, len(selections)), columns=list(selections))
    frame.insert(0, "time", np.tile(grid, len(index)))
    frame.insert(0, "set", labels)
    return frame


def _choose_backend(model: Any, backend: str) -> bool:
    """True to integrate with AMICI (see ``backend`` in :func:`run_batch`)."""
    if backend not in BACKENDS:
        raise InputError(f"run_batch: backend must be one of {', '.join(BACKENDS)}, "
                         f"not {backend!r}")
    if backend == "roadrunner":
        return False
    from refractor.models import _amici

    reason = None if _amici.available() else (
        "the optional AMICI package is not installed (pip install 'refractor[amici]')")
    reason = reason or _amici.unsupported(model.sbml())
    if reason and backend == "amici":
        raise ModelError(f"run_batch: backend 'amici' cannot run model {model.spec.name!r}: "
                         f"{reason}")
    return reason is None


def _amici_runner(model: Any, c: Any, cache_dir: Any) -> Any:
    from refractor.models import _amici, _amici_build
    from refractor.settings import Settings

    folder = Settings.resolve(cache_dir=cache_dir).cache_dir
    module = _amici_build.load_module(model.sbml(), folder)
    return _amici.runner_for(module, c)


def _warn_failed(failed: list[int], index: pd.Index) -> None:
    lost = sorted(index[i] for i in failed if i >= 0)
    relaxed = sorted(index[-i - 1] for i in failed if i < 0)
    if relaxed:
        warnings.warn(f"run_batch: {len(relaxed)} parameter set(s) needed 100x looser "
                      f"tolerances: {relaxed[:10]}", SolverWarning, stacklevel=4)
    if lost:
        warnings.warn(f"run_batch: integration failed for {len(lost)} parameter set(s) "
                      f"(NaN in the result): {lost[:10]}", SolverWarning, stacklevel=4)


__all__ = ["run_batch"]
