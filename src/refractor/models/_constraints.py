"""Declared constraints of a simulation request, checked once, in the library.

Every library call (:meth:`Model.simulate`, :meth:`Model.dose_response`, :func:`run_batch`)
checks the physical constraints, and every request (:func:`~refractor.models.simulation_run`,
:func:`~refractor.models.dose_response_run`, the one path of ``refractor simulate`` and
``POST /models/...``) also the size limits, so a bad value gives the same one-line
:class:`~refractor.errors.InputError` (CLI exit 2, HTTP 422) everywhere. ``column`` names the
request field (``set.crbn_level``, ``t_end`` ...).

Physical constraints: every model quantity (concentration, rate, amount, fraction, dose, time)
is finite and >= 0; a parameter may declare tighter ``bounds`` in its :class:`Parameter`
(fractions 0..1). Size limits keep one request cheap (an ODE solve per dose and time point);
library callers (benchmarks, cohorts) are not limited.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from refractor.errors import InputError

#: largest number of output time points of one time course
MAX_POINTS = 2001
#: largest number of doses of one dose-response (dose 0 is added when missing)
MAX_DOSES = 50
#: largest number of recorded ids of one simulation
MAX_SELECTIONS = 100
#: largest number of ``set`` entries or perturbations of one request
MAX_SETTINGS = 200
#: longest simulated time, as a multiple of the model's own ``t_end``
MAX_T_END_FACTOR = 100.0


def number(value: Any, what: str, column: str, *, lower: float = 0.0,
           upper: float = math.inf, open_lower: bool = False) -> float:
    """``value`` as a finite float within [lower, upper] (``(lower, upper]`` when open)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, got {value!r}", column=column) from None
    if not math.isfinite(x):
        raise InputError(f"{what} must be finite, got {value!r}", column=column)
    if x < lower or (open_lower and x == lower):
        sign = ">" if open_lower else ">="
        raise InputError(f"{what} must be {sign} {lower:g}, got {x:g}", column=column)
    if x > upper:
        raise InputError(f"{what} must be <= {upper:g}, got {x:g}", column=column)
    return x


def bounds_of(spec: Any, name: str) -> tuple[float, float]:
    """Declared bounds of parameter ``name`` (default: non-negative)."""
    for p in spec.parameters:
        if p.name == name:
            return p.bounds
    return (0.0, math.inf)


def check_value(spec: Any, name: str, value: Any, what: str, column: str) -> float:
    """A setting of parameter/species ``name``: finite and within its declared bounds."""
    lo, hi = bounds_of(spec, name)
    return number(value, f"{what} {name!r}", column, lower=lo, upper=hi)


def check_count(items: Sequence[Any] | Iterable[Any], limit: int, what: str, column: str) -> None:
    n = len(list(items))
    if n > limit:
        raise InputError(f"at most {limit} {what} per request, got {n}", column=column)


def check_agent(spec: Any, agent: str, column: str = "agent") -> None:
    valid = [a.agent for a in spec.agents]
    if agent not in valid:
        raise InputError(f"unknown agent {agent!r} for model {spec.name!r}; valid: "
                         f"{', '.join(valid) or 'none'}", column=column)


def check_time(spec: Any, t_end: Any, points: Any = None, *, limited: bool = False
               ) -> tuple[float, int | None]:
    """``t_end`` (> 0) and ``points`` (>= 2); ``limited``: the request limits too (t_end at
    most MAX_T_END_FACTOR x the model's own, at most MAX_POINTS points)."""
    top = MAX_T_END_FACTOR * spec.t_end if (limited and spec.t_end > 0) else math.inf
    t = float(spec.t_end) if t_end is None else number(
        t_end, f"t_end ({spec.time_unit})", "t_end", open_lower=True, upper=top)
    if not t > 0:
        raise InputError(f"model {spec.name!r} has no default t_end: give one", column="t_end")
    n = None
    if points is not None:
        if isinstance(points, bool) or not float(points).is_integer():
            raise InputError(f"points must be a whole number, got {points!r}", column="points")
        n = int(number(points, "points", "points", lower=2,
                       upper=MAX_POINTS if limited else math.inf))
    return t, n


def check_doses(doses: Sequence[Any], column: str = "doses", *, limited: bool = False
                ) -> list[float]:
    """A dose grid: finite doses >= 0, sorted (``limited``: at most MAX_DOSES)."""
    doses = list(doses)
    if not doses:
        raise InputError("give at least one dose", column=column)
    if limited:
        check_count(doses, MAX_DOSES, "doses", column)
    return sorted(number(d, "dose", column) for d in doses)


def dose_grid(lo: Any, hi: Any, n: Any, column: str = "range") -> list[float]:
    """``n`` log-spaced doses from ``lo`` to ``hi`` (0 < lo < hi, 2 <= n <= MAX_DOSES)."""
    import numpy as np

    lo = number(lo, "lowest dose", column, open_lower=True)
    hi = number(hi, "highest dose", column, open_lower=True)
    if not lo < hi:
        raise InputError(f"dose range needs lo < hi, got {lo:g}..{hi:g}", column=column)
    if isinstance(n, bool) or not float(n).is_integer():
        raise InputError(f"number of doses must be a whole number, got {n!r}", column=column)
    n = int(number(n, "number of doses", column, lower=2, upper=MAX_DOSES))
    return [float(x) for x in np.logspace(math.log10(lo), math.log10(hi), n)]


__all__ = ["MAX_POINTS", "MAX_DOSES", "MAX_SELECTIONS", "MAX_SETTINGS", "MAX_T_END_FACTOR",
           "number", "check_value", "check_time", "check_doses", "check_agent", "dose_grid",
           "check_count", "bounds_of"]
