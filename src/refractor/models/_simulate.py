"""Simulate a :class:`~refractor.models._spec.ModelSpec` with libRoadRunner.

The Antimony text of a model is converted to SBML and compiled by libRoadRunner once per
process (per model name and source text); every later run restores the default values,
applies the requested agent, dose, parameter settings and perturbations, calls ``resetAll``
and integrates with CVODE at explicit absolute/relative tolerances.

If the model defines a parameter ``pre_equilibration_time`` > 0, every run first integrates
that long with all dose species at 0 (reaching the untreated steady state), then sets the doses
and integrates from time 0 to ``t_end``; a parameter ``pre_equilibration_flag`` (if defined)
is 1 during that phase and 0 afterwards (e.g. to keep a death hazard off while equilibrating).

Order in which settings are applied (later wins): model defaults -> agent parameters
(:class:`AgentSpec.parameters`) -> dose (the agent's ``dose_species``) -> ``combination``
(further agents with their doses) -> ``set`` -> ``perturbations`` (``scale`` multiplies the
value reached so far, ``set`` replaces it).

``SimulationResult.assumptions`` lists every ``Parameter`` of the spec with ``assumed=True``
that the run used: plain names always (unless the caller overrode them with ``set``), names of
the form ``"<parameter>@<agent>"`` only when that agent was given. Pre-equilibrated untreated
states are cached per non-dose settings, so a dose-response pre-equilibrates once.
"""
from __future__ import annotations

import hashlib
import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from refractor.errors import ModelError, SolverWarning
from refractor.models._spec import ModelSpec

# Default CVODE tolerances (concentrations are in uM in the Refractor models, so an
# absolute tolerance of 1e-10 uM is far below any biologically meaningful amount).
RTOL = 1e-8
ATOL = 1e-10
MAX_STEPS = 50_000


@dataclass(frozen=True)
class SimulationResult:
    """One time course.

    Attributes
    ----------
    frame : pandas.DataFrame
        Column ``time`` (model time unit, usually h) and one column per selection
        (species concentrations in uM, or assignment-rule values).
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
    """

    frame: pd.DataFrame
    model: str
    agent: str | None
    dose: float
    settings: dict[str, float]
    assumptions: list[str] = field(default_factory=list)

    def final(self, column: str) -> float:
        """Value of ``column`` at the last time point."""
        return float(self.frame[column].iloc[-1])


class _Compiled:
    """A compiled RoadRunner instance plus the defaults needed to restore it between runs."""

    def __init__(self, sbml: str) -> None:
        import roadrunner

        try:
            self.rr = roadrunner.RoadRunner(sbml)
        except Exception as exc:  # libRoadRunner raises RuntimeError with the SBML problem
            raise ModelError(f"libRoadRunner could not load the model: {exc}") from exc
        m = self.rr.model
        self.lock = threading.Lock()
        rr = self.rr
        rules = set(rr.getAssignmentRuleIds()) | set(rr.getRateRuleIds())
        ia = set(rr.getInitialAssignmentIds())
        self.parameters = [p for p in m.getGlobalParameterIds() if p not in rules and p not in ia]
        self.assigned = [p for p in m.getGlobalParameterIds() if p in rules or p in ia]
        self.species = list(m.getFloatingSpeciesIds())
        self.boundary = list(m.getBoundarySpeciesIds())
        self.initially_assigned = ia
        self.defaults: dict[str, float] = {}
        for p in self.parameters:
            self.defaults[p] = float(m.getValue(f"init({p})"))
        for s in self.species + self.boundary:
            if s not in ia:
                self.defaults[s] = float(m.getValue(f"init([{s}])"))
        self.dirty: set[str] = set()
        # untreated pre-equilibrated states by non-dose settings (models without rate rules)
        self.pre_cache: dict[tuple, np.ndarray] = {}
        self.cacheable = not rr.getRateRuleIds()
        self.settable = set(self.parameters) | {
            s for s in self.species + self.boundary if s not in ia
        }

    def key(self, name: str) -> str:
        return f"init({name})" if name in self.parameters else f"init([{name}])"

    def restore(self, keep: Mapping[str, float] | None = None) -> None:
        """Put every changed value back to its default (except those about to be set)."""
        m = self.rr.model
        keep = keep or {}
        for name in self.dirty:
            if name not in keep:
                m.setValue(self.key(name), self.defaults[name])
        self.dirty.clear()

    def current(self, name: str) -> float:
        return float(self.rr.model.getValue(self.key(name)))

    def apply(self, values: Mapping[str, float]) -> None:
        m = self.rr.model
        for name, v in values.items():
            m.setValue(self.key(name), float(v))
            self.dirty.add(name)
        self.rr.resetAll()


_CACHE: dict[tuple[str, str], tuple[str, _Compiled | None]] = {}
_ANTIMONY_LOCK = threading.Lock()


def _to_sbml(text: str, name: str) -> str:
    import antimony

    with _ANTIMONY_LOCK:
        antimony.clearPreviousLoads()
        if antimony.loadAntimonyString(text) < 0:
            raise ModelError(f"model {name!r}: Antimony error: {antimony.getLastError()}")
        sbml = antimony.getSBMLString(antimony.getMainModuleName())
    if not sbml:
        raise ModelError(f"model {name!r}: Antimony produced no SBML")
    return sbml


class Model:
    """A runnable mechanistic model described by a :class:`ModelSpec`.

    Parameters
    ----------
    spec : ModelSpec
        The model description; the Antimony file is read and compiled lazily, once per process.
    rtol, atol : float
        CVODE relative and absolute tolerance (absolute in uM).
    """

    def __init__(self, spec: ModelSpec, *, rtol: float = RTOL, atol: float = ATOL) -> None:
        self.spec = spec
        self.rtol = rtol
        self.atol = atol
        self._sbml_text: str | None = None

    @classmethod
    def from_sbml(cls, sbml: str, *, name: str = "sbml", rtol: float = RTOL,
                  atol: float = ATOL) -> Model:
        """A Model of a raw SBML string (no agents, perturbations or documented parameters).

        Used by :func:`~refractor.models.run_batch` for SBML input (e.g. a PySB export), so
        that raw SBML runs through the same code path as the packaged models.
        """
        spec = ModelSpec(name=name, title=f"SBML model {name}", antimony_file="",
                         description="raw SBML", parameters=())
        model = cls(spec, rtol=rtol, atol=atol)
        model._sbml_text = sbml
        return model

    def __getstate__(self) -> dict[str, Any]:  # the compiled RoadRunner stays per process
        return {k: v for k, v in self.__dict__.items() if k != "_cached"}

    # -- compilation -------------------------------------------------------------------
    def _key(self) -> tuple[str, str]:
        text = self._sbml_text if self._sbml_text is not None else self.spec.antimony()
        kind = "sbml" if self._sbml_text is not None else self.spec.name
        return (kind, hashlib.sha1(text.encode()).hexdigest())

    def sbml(self) -> str:
        """The model as an SBML Level 3 string (converted from Antimony, cached)."""
        key = self._key()
        if key not in _CACHE:
            text = self._sbml_text if self._sbml_text is not None else _to_sbml(
                self.spec.antimony(), self.spec.name)
            _CACHE[key] = (text, None)
        return _CACHE[key][0]

    def _compiled(self) -> _Compiled:
        mine = self.__dict__.get("_cached")
        if mine is not None:
            return mine
        key = self._key()
        sbml = self.sbml()
        compiled = _CACHE[key][1]
        if compiled is None:
            compiled = _Compiled(sbml)
            _CACHE[key] = (sbml, compiled)
        self.__dict__["_cached"] = compiled
        return compiled

    def roadrunner(self) -> Any:
        """The process-wide compiled ``roadrunner.RoadRunner`` for this model.

        Shared and mutable: :meth:`simulate` restores defaults before every run, callers
        that change it directly should call :meth:`configure` before simulating.
        """
        return self._compiled().rr

    def parameter_names(self) -> list[str]:
        """Ids that ``set`` accepts: global parameters and species without initial assignment."""
        return sorted(self._compiled().settable)

    # -- configuration ------------------------------------------------------------------
    def configure(
        self,
        *,
        agent: str | None = None,
        dose: float = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002 - public API name
        perturbations: Mapping[str, float] | Sequence[str] | None = None,
        combination: Mapping[str, float] | None = None,
    ) -> dict[str, float]:
        """Restore defaults, apply the settings to the compiled model and reset it.

        Returns the dict of every value changed from the defaults. Raises
        :class:`ModelError` for an unknown agent, parameter or perturbation.
        """
        c = self._compiled()
        values: dict[str, float] = {}

        def put(name: str, value: float, what: str) -> None:
            if name not in c.settable:
                hint = ""
                if name in c.initially_assigned:
                    hint = " (its initial value is computed from parameters; set those)"
                elif name in c.assigned:
                    hint = " (it is an assignment rule)"
                raise ModelError(
                    f"model {self.spec.name!r}: unknown or non-settable {what} {name!r}{hint}; "
                    f"valid: {', '.join(sorted(c.settable))}"
                )
            if not math.isfinite(float(value)):
                raise ModelError(f"model {self.spec.name!r}: {what} {name!r} is not finite")
            values[name] = float(value)

        if dose < 0 or not math.isfinite(dose):
            raise ModelError(f"model {self.spec.name!r}: dose must be finite and >= 0, got {dose}")
        doses: dict[str, float] = {}
        if agent is not None:
            doses[agent] = dose
        elif dose:
            raise ModelError(f"model {self.spec.name!r}: a dose needs an agent")
        for a, d in (combination or {}).items():
            if d < 0 or not math.isfinite(d):
                raise ModelError(f"model {self.spec.name!r}: dose of {a!r} must be >= 0")
            doses[a] = float(d)
        for a, d in doses.items():
            try:
                ag = self.spec.agent(a)
            except KeyError:
                valid = ", ".join(x.agent for x in self.spec.agents)
                raise ModelError(
                    f"model {self.spec.name!r}: unknown agent {a!r}; valid: {valid}"
                ) from None
            for p, v in ag.parameters.items():
                put(p, v, f"parameter of agent {a!r}")
            put(ag.dose_species, d, "dose species")
        for p, v in (set or {}).items():
            put(p, v, "parameter")
        if perturbations:
            items = (
                perturbations.items()
                if isinstance(perturbations, Mapping)
                else [(n, None) for n in perturbations]
            )
            known = {p.name: p for p in self.spec.perturbations}
            for name, override in items:
                if name not in known:
                    raise ModelError(
                        f"model {self.spec.name!r}: unknown perturbation {name!r}; "
                        f"valid: {', '.join(sorted(known))}"
                    )
                pert = known[name]
                v = pert.value if override is None else float(override)
                if pert.mode == "scale":
                    base = values.get(pert.parameter)
                    if base is None:
                        base = c.defaults.get(pert.parameter, math.nan)
                    put(pert.parameter, base * v, f"perturbation {name!r} parameter")
                elif pert.mode == "set":
                    put(pert.parameter, v, f"perturbation {name!r} parameter")
                else:
                    raise ModelError(f"perturbation {name!r}: mode must be 'scale' or 'set'")
        c.restore(keep=values)
        c.apply(values)
        return {k: v for k, v in values.items() if v != c.defaults.get(k)}

    def assumptions(self, agents: Sequence[str] = (),
                    settings: Mapping[str, float] | None = None) -> list[str]:
        """Assumed parameters a run with ``agents`` and ``settings`` (id -> value) uses."""
        return self._assumptions(list(agents), dict(settings or {}))

    def _assumptions(self, agents: Sequence[str], settings: Mapping[str, float]) -> list[str]:
        out = []
        for p in self.spec.parameters:
            if not p.assumed:
                continue
            base, _, tag = p.name.partition("@")  # "Kd@agent" = agent-specific entry
            if tag and tag not in agents:
                continue
            if not tag and base in settings:
                continue  # overridden by the caller
            out.append(f"{p.name}: {p.note or p.description} (assumed)")
        return out

    # -- running ------------------------------------------------------------------------
    def _run(self, c: _Compiled, grid: tuple[float, int] | np.ndarray, sel: list[str],
             key: tuple | None = None) -> np.ndarray:
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
                dose_ids = sorted({a.dose_species for a in self.spec.agents})
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

    def _integrate(self, c: _Compiled, grid: tuple[float, int] | np.ndarray, sel: list[str],
                   key: tuple | None = None, warn: bool = True,
                   ) -> tuple[np.ndarray, RuntimeError | None]:
        """Integrate; on a CVODE failure retry once with 100x looser tolerances.

        Returns (data, the first error if the retry was needed else None); raises
        :class:`ModelError` when the retry fails too. With ``warn`` a :class:`SolverWarning`
        is issued before the retry (``run_batch`` collects retries and warns once instead).
        """
        integ = c.rr.integrator
        integ.relative_tolerance = self.rtol
        integ.absolute_tolerance = self.atol
        integ.maximum_num_steps = MAX_STEPS
        try:
            return self._run(c, grid, sel, key), None
        except RuntimeError as exc:
            first = exc
        if warn:
            warnings.warn(
                f"model {self.spec.name!r}: CVODE failed at rtol={self.rtol:g}, "
                f"atol={self.atol:g} ({first}); retried with 100x looser tolerances",
                SolverWarning,
                stacklevel=4,
            )
        try:
            integ.relative_tolerance = self.rtol * 100
            integ.absolute_tolerance = self.atol * 100
            integ.maximum_num_steps = MAX_STEPS * 10
            c.rr.resetAll()
            return self._run(c, grid, sel), first
        except RuntimeError as exc:
            raise ModelError(f"model {self.spec.name!r}: integration failed: {exc}") from exc
        finally:
            integ.relative_tolerance = self.rtol
            integ.absolute_tolerance = self.atol
            integ.maximum_num_steps = MAX_STEPS

    def _execute(
        self, c: _Compiled, grid: tuple[float, int] | np.ndarray, sel: list[str], *,
        agent: str | None = None, dose: float = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002
        perturbations: Mapping[str, float] | Sequence[str] | None = None,
        combination: Mapping[str, float] | None = None,
        warn: bool = True,
    ) -> tuple[np.ndarray, dict[str, float], RuntimeError | None]:
        """The one run path (:meth:`simulate` and :func:`~refractor.models.run_batch`).

        Configure (defaults -> agent -> dose -> combination -> set -> perturbations),
        pre-equilibrate, integrate. Caller holds ``c.lock``. Returns (data with time in
        column 0, settings changed from defaults, first CVODE error if a retry was needed).
        """
        settings = self.configure(
            agent=agent, dose=dose, set=set, perturbations=perturbations,
            combination=combination,
        )
        key = None
        if c.cacheable and "pre_equilibration_time" in c.parameters:
            dose_ids = {a.dose_species for a in self.spec.agents}
            key = (self.rtol, self.atol) + tuple(
                sorted((k, v) for k, v in settings.items() if k not in dose_ids))
        data, retried = self._integrate(c, grid, sel, key, warn)
        return data, settings, retried

    def selection_ids(self, names: Sequence[str]) -> list[str]:
        """RoadRunner selection strings (``time`` first) for ids; ModelError if unknown."""
        c = self._compiled()
        known = set_of(c)
        bad = [n for n in names if n not in known]
        if bad:
            raise ModelError(
                f"model {self.spec.name!r}: unknown selection(s) {bad}; valid: {sorted(known)}"
            )
        return ["time"] + [f"[{n}]" if n in c.species or n in c.boundary else n for n in names]

    def simulate(
        self,
        *,
        agent: str | None = None,
        dose: float = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002 - public API name
        perturbations: Mapping[str, float] | Sequence[str] | None = None,
        t_end: float | None = None,
        points: int = 201,
        selections: Sequence[str] | None = None,
        combination: Mapping[str, float] | None = None,
    ) -> SimulationResult:
        """Simulate one time course from the untreated initial state.

        Parameters
        ----------
        agent : str, optional
            Agent slug (one of ``spec.agents``); its parameters are applied and ``dose`` is
            assigned to its ``dose_species``.
        dose : float
            Dose in the agent's ``dose_unit`` (uM unless stated).
        set : dict, optional
            Parameter or species id -> value (species: initial concentration, uM).
        perturbations : dict or list, optional
            Perturbation names (default values) or name -> value (overriding the default).
        t_end : float, optional
            End time in ``spec.time_unit`` (default ``spec.t_end``).
        points : int
            Number of output time points.
        selections : list of str, optional
            Ids to record (default: all floating species, assignment rules and the readout).
        combination : dict, optional
            Further agents given at the same time, agent slug -> dose.
        """
        t_end = float(self.spec.t_end if t_end is None else t_end)
        if not t_end > 0:
            raise ModelError(f"model {self.spec.name!r}: t_end must be > 0")
        if points < 2:
            raise ModelError(f"model {self.spec.name!r}: points must be >= 2")
        c = self._compiled()
        names = list(selections) if selections else c.species + c.assigned
        if self.spec.readout and self.spec.readout not in names and not selections:
            names.append(self.spec.readout)
        sel = self.selection_ids(names)
        agents = ([agent] if agent else []) + list(combination or {})
        with c.lock:
            data, settings, _ = self._execute(
                c, (t_end, points), sel, agent=agent, dose=dose, set=set,
                perturbations=perturbations, combination=combination,
            )
        if not np.all(np.isfinite(data)):
            raise ModelError(f"model {self.spec.name!r}: integration produced NaN/inf")
        frame = pd.DataFrame(data, columns=["time"] + names)
        spc = [n for n in names if n in c.species]
        if spc:
            vals = frame[spc].to_numpy()
            scale = max(float(np.abs(vals).max()), 1.0)
            if vals.min() < -1e3 * self.atol - 1e-6 * scale:
                warnings.warn(
                    f"model {self.spec.name!r}: negative concentrations ({vals.min():.3g}) - "
                    "tolerances may be too loose",
                    SolverWarning,
                    stacklevel=2,
                )
        return SimulationResult(
            frame=frame,
            model=self.spec.name,
            agent=agent,
            dose=float(dose),
            settings=settings,
            assumptions=self._assumptions(agents, settings),
        )

    def dose_response(
        self,
        *,
        agent: str,
        doses: Sequence[float],
        set: Mapping[str, float] | None = None,  # noqa: A002
        perturbations: Mapping[str, float] | Sequence[str] | None = None,
        readout: str | None = None,
        t_end: float | None = None,
        combination: Mapping[str, float] | None = None,
    ) -> DoseResponse:
        """Readout at ``t_end`` over ``doses`` of ``agent``, with IC50/DC50, Emax/Dmax, Hill.

        The untreated value (dose 0) is always simulated and is the reference: the effect
        is ``1 - response/response(0)``. See :class:`DoseResponse`.
        """
        readout = readout or self.spec.readout
        if not readout:
            raise ModelError(f"model {self.spec.name!r}: no readout given or defined")
        ds = sorted(float(d) for d in doses)
        if not ds or any(d < 0 or not math.isfinite(d) for d in ds):
            raise ModelError("doses must be a non-empty list of finite values >= 0")
        grid = ds if ds[0] == 0.0 else [0.0] + ds
        resp = []
        for d in grid:
            r = self.simulate(
                agent=agent, dose=d, set=set, perturbations=perturbations, t_end=t_end,
                points=2, selections=[readout], combination=combination,
            )
            resp.append(r.final(readout))
        kind = self.spec.readout_kind if readout == self.spec.readout else "other"
        unit = self.spec.agent(agent).dose_unit
        return summarize_dose_response(
            np.array(grid), np.array(resp), readout=readout, unit=unit, agent=agent,
            kind=kind,
        )


def set_of(c: _Compiled) -> set[str]:
    """Every id that can be recorded in a time course."""
    return set(c.species) | set(c.boundary) | set(c.parameters) | set(c.assigned)


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
        the maximal effect (DC50 for degradation, = ``ic50_rel``). Log-linear interpolation at
        the first crossing; NaN with flag ``ic50_not_reached`` when not reached.
    emax : float
        Maximal effect over the doses (Dmax for degradation), fraction 0..1.
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
        ``ic50_not_reached``, ``ic50_abs_not_reached``, ``hook`` (effect at the top dose
        below 80 % of the maximum), ``hill_fit_failed``.
    kind : str
        ``spec.readout_kind`` (``viability``, ``degradation`` ...).
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

    @property
    def dc50(self) -> float:
        """Alias of :attr:`ic50` for degradation readouts."""
        return self.ic50

    @property
    def dmax(self) -> float:
        """Alias of :attr:`emax` for degradation readouts."""
        return self.emax


def _crossing(d: np.ndarray, e: np.ndarray, level: float) -> float:
    """First dose where ``e`` reaches ``level`` (log-linear interpolation), NaN if never."""
    idx = np.nonzero(e >= level)[0]
    if not len(idx):
        return math.nan
    i = int(idx[0])
    if i == 0:
        return float(d[0])
    d0, d1, e0, e1 = d[i - 1], d[i], e[i - 1], e[i]
    f = (level - e0) / (e1 - e0) if e1 != e0 else 1.0
    if d0 <= 0:
        return float(d0 + f * (d1 - d0))
    return float(math.exp(math.log(d0) + f * (math.log(d1) - math.log(d0))))


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
    kind: str = "",
) -> DoseResponse:
    """Build a :class:`DoseResponse` from doses (first one 0) and readout values."""
    r0 = float(response[0])
    effect = 1.0 - response / r0 if abs(r0) > 1e-300 else response - r0
    emax = float(np.max(effect))
    imax = int(np.argmax(effect))
    flags = []
    ic50_rel = _crossing(doses, effect, emax / 2) if emax >= 0.05 else math.nan
    if not math.isfinite(ic50_rel):
        flags.append("ic50_rel_not_reached")
    ic50_abs = _crossing(doses, effect, 0.5)
    if not math.isfinite(ic50_abs):
        flags.append("ic50_abs_not_reached")
    ic50 = ic50_abs if kind == "viability" else ic50_rel
    if not math.isfinite(ic50):
        flags.append("ic50_not_reached")
    if emax > 0.1 and effect[-1] < 0.8 * emax:
        flags.append("hook")
    upto = imax + 1
    hill = _hill_fit(doses[:upto], effect[:upto], emax, ic50_rel)
    if not math.isfinite(hill):
        flags.append("hill_fit_failed")
    frame = pd.DataFrame({"dose": doses, "response": response, "effect": effect})
    return DoseResponse(
        frame=frame, readout=readout, unit=unit, ic50=ic50, emax=emax, hill=hill,
        agent=agent, ic50_abs=ic50_abs, ic50_rel=ic50_rel, dose_at_emax=float(doses[imax]), flags=tuple(flags),
        kind=kind,
    )


__all__ = [
    "Model",
    "SimulationResult",
    "DoseResponse",
    "summarize_dose_response",
    "RTOL",
    "ATOL",
]
