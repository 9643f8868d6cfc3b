"""Dose-response maths: effect, IC50/DC50 by root-finding, Emax/Dmax, Hill coefficient.

The potency is a property of the simulated curve, not of the dose grid: the grid only finds
the first interval where the effect crosses the level (50 % for the absolute IC50, half of
Emax for the relative one), then Brent's method (:func:`scipy.optimize.brentq`) solves
``effect(dose) = level`` on log dose, calling the simulator at arbitrary doses. Its tolerance
(:data:`IC50_RTOL`, relative) is reported with every result. Without a simulator (a table of
numbers only) the crossing is interpolated log-linearly and flagged ``ic50_interpolated``.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from refractor.models._results import DoseResponse

#: relative tolerance of the IC50/DC50 root (absolute tolerance on the natural log of the dose)
IC50_RTOL = 1e-4
# lowest dose the downward bracket search goes to, as a fraction of the lowest grid dose
_BRACKET_DECADES = 6


def _effect(response: np.ndarray | float, r0: float) -> np.ndarray | float:
    return 1.0 - response / r0 if abs(r0) > 1e-300 else response - r0


def _interpolated(d: np.ndarray, e: np.ndarray, i: int, level: float) -> float:
    d0, d1, e0, e1 = d[i - 1], d[i], e[i - 1], e[i]
    f = (level - e0) / (e1 - e0) if e1 != e0 else 1.0
    if d0 <= 0:
        return float(d0 + f * (d1 - d0))
    return float(math.exp(math.log(d0) + f * (math.log(d1) - math.log(d0))))


def _crossing(d: np.ndarray, e: np.ndarray, level: float,
              effect_at: Callable[[float], float] | None) -> tuple[float, bool]:
    """First dose where the effect reaches ``level``: (dose, solved by root-finding)."""
    idx = np.nonzero(e >= level)[0]
    if not len(idx):
        return math.nan, False
    i = int(idx[0])
    if i == 0:
        return float(d[0]), False
    if effect_at is None:
        return _interpolated(d, e, i, level), False
    from scipy.optimize import brentq

    hi = float(d[i])
    lo = float(d[i - 1])
    if lo <= 0:  # crossing below the lowest positive grid dose: bracket downwards
        lo = hi
        for _ in range(_BRACKET_DECADES):
            lo /= 10.0
            if effect_at(lo) < level:
                break
        else:
            return lo, True  # the effect is reached at every dose tried
    x = brentq(lambda x: effect_at(math.exp(x)) - level, math.log(lo), math.log(hi),
               xtol=IC50_RTOL, maxiter=100)
    return float(math.exp(x)), True


def _refine_emax(d: np.ndarray, e: np.ndarray, imax: int,
                 effect_at: Callable[[float], float] | None) -> tuple[float, float]:
    """Maximal effect and its dose; a bounded search between the grid neighbours of the best
    grid dose when it lies inside the grid (a curve with a hook has its top between doses)."""
    emax, dbest = float(e[imax]), float(d[imax])
    if effect_at is None or imax == 0 or imax == len(d) - 1 or d[imax - 1] <= 0:
        return emax, dbest
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda x: -effect_at(math.exp(x)),
                          bounds=(math.log(d[imax - 1]), math.log(d[imax + 1])),
                          method="bounded", options={"xatol": IC50_RTOL})
    if res.success and -res.fun > emax:
        return float(-res.fun), float(math.exp(res.x))
    return emax, dbest


def _hill_fit(d: np.ndarray, e: np.ndarray, emax: float, ic50: float) -> float:
    from scipy.optimize import curve_fit

    m = d > 0
    if m.sum() < 3 or not math.isfinite(ic50) or ic50 <= 0:
        return math.nan
    x, y = d[m], e[m]

    def f(x: np.ndarray, lc: float, h: float, em: float) -> np.ndarray:
        return em / (1.0 + np.exp(h * (lc - np.log(x))))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, _ = curve_fit(
                f, x, y, p0=[math.log(ic50), 1.0, emax],
                bounds=([-60, 0.05, 0.0], [60, 20.0, 1.5]), maxfev=4000,
            )
    except (RuntimeError, ValueError):
        return math.nan
    return float(popt[1])


def summarize_dose_response(
    doses: np.ndarray, response: np.ndarray, *, readout: str, unit: str, agent: str,
    kind: str = "", respond: Callable[[float], float] | None = None,
) -> DoseResponse:
    """Build a :class:`DoseResponse` from doses (first one 0) and readout values.

    ``respond(dose) -> readout`` simulates one more dose; with it the IC50/DC50 is the root
    of the simulated curve (tolerance :data:`IC50_RTOL`), without it a log-linear
    interpolation on the grid (flag ``ic50_interpolated``).
    """
    doses = np.asarray(doses, dtype=float)
    response = np.asarray(response, dtype=float)
    r0 = float(response[0])
    effect = _effect(response, r0)
    memo: dict[float, float] = {}

    def effect_at(dose: float) -> float:
        if dose not in memo:
            memo[dose] = float(_effect(float(respond(dose)), r0))
        return memo[dose]

    at = effect_at if respond is not None else None
    imax = int(np.argmax(effect))
    emax, dose_at_emax = _refine_emax(doses, effect, imax, at)
    flags = []
    ic50_rel, solved_rel = (_crossing(doses, effect, emax / 2, at) if emax >= 0.05
                            else (math.nan, False))
    if not math.isfinite(ic50_rel):
        flags.append("ic50_rel_not_reached")
    ic50_abs, solved_abs = _crossing(doses, effect, 0.5, at)
    if not math.isfinite(ic50_abs):
        flags.append("ic50_abs_not_reached")
    ic50 = ic50_abs if kind == "viability" else ic50_rel
    solved = solved_abs if kind == "viability" else solved_rel
    if not math.isfinite(ic50):
        flags.append("ic50_not_reached")
    elif not solved:
        flags.append("ic50_interpolated")
    if emax > 0.1 and effect[-1] < 0.8 * emax:
        flags.append("hook")
    upto = imax + 1
    hill = _hill_fit(doses[:upto], effect[:upto], emax, ic50_rel)
    if not math.isfinite(hill):
        flags.append("hill_fit_failed")
    frame = pd.DataFrame({"dose": doses, "response": response, "effect": effect})
    return DoseResponse(
        frame=frame, readout=readout, unit=unit, ic50=ic50, emax=emax, hill=hill,
        agent=agent, ic50_abs=ic50_abs, ic50_rel=ic50_rel, dose_at_emax=dose_at_emax,
        flags=tuple(flags), kind=kind,
        ic50_tolerance=IC50_RTOL if (solved and math.isfinite(ic50)) else math.nan,
    )


__all__ = ["summarize_dose_response", "IC50_RTOL"]
