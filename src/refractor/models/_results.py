"""Result records of the simulator: one time course, one summarised dose-response."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class SimulationResult:
    """One time course.

    Attributes
    ----------
    frame : pandas.DataFrame
        Column ``time`` (``time_unit``) and one column per selection (species concentrations
        in the model's concentration unit, or assignment-rule values).
    model : str
        Model name (``ModelSpec.name``).
    agent : str or None
        Agent slug, or None for an untreated run.
    dose : float
        Dose of ``agent`` in the agent's ``dose_unit``.
    settings : dict
        Every value changed from the model defaults, by parameter/species id.
    assumptions : list of str
        Every assumed (not literature-derived) parameter this run used, with the reason.
    time_unit : str
        Unit of the ``time`` column (the model's one time unit).
    """

    frame: pd.DataFrame
    model: str
    agent: str | None
    dose: float
    settings: dict[str, float]
    assumptions: list[str] = field(default_factory=list)
    time_unit: str = ""

    def final(self, column: str) -> float:
        """Value of ``column`` at the last time point."""
        return float(self.frame[column].iloc[-1])


@dataclass(frozen=True)
class DoseResponse:
    """Readout over doses of one agent, summarised.

    Attributes
    ----------
    frame : pandas.DataFrame
        Columns ``dose`` (``unit``), ``response`` (readout at t_end) and ``effect``
        (``1 - response/response(dose 0)``); includes dose 0.
    readout : str
        The readout id.
    unit : str
        Dose unit.
    ic50 : float
        The potency: for ``kind == 'viability'`` the absolute IC50 (dose giving 50 %
        viability relative to untreated, = ``ic50_abs``); otherwise the dose giving half of
        the maximal effect (DC50 for degradation, = ``ic50_rel``). Found by root-finding
        (Brent's method on log dose) on the simulated response at arbitrary doses, inside the
        first grid interval that brackets the crossing, so it does not depend on the grid
        (see ``ic50_tolerance``); NaN with flag ``ic50_not_reached`` when not reached.
    emax : float
        Maximal effect (Dmax for degradation), fraction 0..1; refined by a bounded search
        around the best grid dose when the maximum lies inside the grid.
    hill : float
        Hill coefficient of ``effect = emax*d^h/(ic50^h + d^h)`` fitted up to the dose of
        maximal effect; NaN when the fit fails.
    agent : str
        Agent slug.
    ic50_abs : float
        Dose giving 50 % effect (absolute); NaN with flag ``ic50_abs_not_reached``.
    ic50_rel : float
        Dose giving half of ``emax``; NaN (flag ``ic50_rel_not_reached``) when ``emax`` < 5 %.
    dose_at_emax : float
        Dose where the maximal effect was reached (hook-effect position).
    flags : tuple of str
        ``ic50_not_reached``, ``ic50_abs_not_reached``, ``ic50_rel_not_reached``, ``hook``
        (effect at the top dose below 80 % of the maximum), ``hill_fit_failed``,
        ``ic50_interpolated`` (no simulator available: log-linear interpolation on the grid).
    kind : str
        ``spec.readout_kind`` (``viability``, ``degradation`` ...).
    ic50_tolerance : float
        Relative numerical tolerance of ``ic50``/``ic50_abs``/``ic50_rel`` from the root
        finder (|dose error| / dose); NaN when interpolated. The ODE tolerances (CVODE rtol
        1e-8) add an error far below it.
    """

    frame: pd.DataFrame
    readout: str
    unit: str
    ic50: float
    emax: float
    hill: float
    agent: str
    ic50_abs: float = math.nan
    ic50_rel: float = math.nan
    dose_at_emax: float = math.nan
    flags: tuple[str, ...] = ()
    kind: str = ""
    ic50_tolerance: float = math.nan

    @property
    def dc50(self) -> float:
        """Alias of :attr:`ic50` for degradation readouts."""
        return self.ic50

    @property
    def dmax(self) -> float:
        """Alias of :attr:`emax` for degradation readouts."""
        return self.emax

    def to_dict(self) -> dict:
        """JSON form (NaN kept as float; callers pass it through ``json_safe``)."""
        return {
            "agent": self.agent, "readout": self.readout, "kind": self.kind, "unit": self.unit,
            "ic50": self.ic50, "ic50_abs": self.ic50_abs, "ic50_rel": self.ic50_rel,
            "ic50_tolerance": self.ic50_tolerance, "emax": self.emax, "hill": self.hill,
            "dose_at_emax": self.dose_at_emax, "flags": list(self.flags),
            "data": self.frame.to_dict("records"),
        }


__all__ = ["SimulationResult", "DoseResponse"]
