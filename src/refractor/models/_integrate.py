"""Integration of a configured model: pre-equilibration, CVODE tolerances and one retry.

If the model defines a parameter ``pre_equilibration_time`` > 0, every run first integrates
that long with all dose species at 0 (reaching the untreated steady state), then sets the doses
and integrates from time 0 to ``t_end``; a parameter ``pre_equilibration_flag`` (if defined)
is 1 during that phase and 0 afterwards (e.g. to keep a death hazard off while equilibrating).
Pre-equilibrated untreated states are cached per non-dose settings, so a dose-response
pre-equilibrates once.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from refractor.errors import ModelError, SolverWarning
from refractor.models._compile import Compiled

# Default CVODE tolerances (concentrations are in uM or nM in the Refractor models, so an
# absolute tolerance of 1e-10 is far below any biologically meaningful amount).
RTOL = 1e-8
ATOL = 1e-10
MAX_STEPS = 50_000



def _run(c: Compiled, spec: Any, grid: Any, sel: list[str], key: tuple | None = None
         ) -> np.ndarray:
    """Pre-equilibrate (if the model asks for it) and integrate the configured model.

    ``grid`` is ``(t_end, points)`` (uniform) or an array of output times starting at 0.
    During pre-equilibration every agent's dose species is 0 (the untreated state).
    """
    rr = c.rr
    pre = float(rr.model.getValue("pre_equilibration_time")) if (
        "pre_equilibration_time" in c.parameters) else 0.0
    if pre > 0:
        cached = c.pre_cache.get(key) if (key is not None and c.cacheable) else None
        flag = "pre_equilibration_flag" in c.parameters
        if cached is not None:
            rr.model.setFloatingSpeciesAmounts(cached)
        else:
            dose_ids = sorted({a.dose_species for a in spec.agents})
            keys = [d if d in c.parameters else f"[{d}]" for d in dose_ids]
            values = [float(rr.model.getValue(k)) for k in keys]
            for k in keys:
                rr.model.setValue(k, 0.0)
            if flag:
                rr.model.setValue("pre_equilibration_flag", 1.0)
            rr.simulate(0.0, pre, 2, ["time"])
            for k, v in zip(keys, values):
                rr.model.setValue(k, v)
            if key is not None and c.cacheable:
                if len(c.pre_cache) > 512:
                    c.pre_cache.clear()
                c.pre_cache[key] = np.array(rr.model.getFloatingSpeciesAmounts())
        if flag:
            rr.model.setValue("pre_equilibration_flag", 0.0)
    if isinstance(grid, tuple):
        return np.asarray(rr.simulate(0.0, grid[0], grid[1], sel))
    rr.timeCourseSelections = sel
    return np.asarray(rr.simulate(times=list(grid)))


def integrate(c: Compiled, spec: Any, grid: Any, sel: list[str], *, rtol: float, atol: float,
              key: tuple | None = None, warn: bool = True,
              ) -> tuple[np.ndarray, RuntimeError | None]:
    """Integrate; on a CVODE failure retry once with 100x looser tolerances.

    Returns (data, the first error if the retry was needed else None); raises
    :class:`ModelError` when the retry fails too. With ``warn`` a :class:`SolverWarning`
    is issued before the retry (``run_batch`` collects retries and warns once instead).
    """
    integ = c.rr.integrator
    integ.relative_tolerance = rtol
    integ.absolute_tolerance = atol
    integ.maximum_num_steps = MAX_STEPS
    try:
        return _run(c, spec, grid, sel, key), None
    except RuntimeError as exc:
        first = exc
    if warn:
        warnings.warn(
            f"model {spec.name!r}: CVODE failed at rtol={rtol:g}, atol={atol:g} ({first}); "
            "retried with 100x looser tolerances",
            SolverWarning,
            stacklevel=5,
        )
    try:
        integ.relative_tolerance = rtol * 100
        integ.absolute_tolerance = atol * 100
        integ.maximum_num_steps = MAX_STEPS * 10
        c.rr.resetAll()
        return _run(c, spec, grid, sel), first
    except RuntimeError as exc:
        raise ModelError(f"model {spec.name!r}: integration failed: {exc}") from exc
    finally:
        integ.relative_tolerance = rtol
        integ.absolute_tolerance = atol
        integ.maximum_num_steps = MAX_STEPS


__all__ = ["integrate", "RTOL", "ATOL", "MAX_STEPS"]
