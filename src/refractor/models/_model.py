"""A runnable mechanistic model: a :class:`ModelSpec` simulated with libRoadRunner.

Order in which settings are applied (later wins): model defaults -> agent parameters
(:class:`AgentSpec.parameters`) -> dose (the agent's ``dose_species``) -> ``combination``
(further agents with their doses) -> ``set`` -> ``perturbations`` (``scale`` multiplies the
value reached so far, ``set`` replaces it). Every value is checked against the declared
constraints (:mod:`refractor.models._constraints`): a bad one is an InputError.

``SimulationResult.assumptions`` lists every ``Parameter`` of the spec with ``assumed=True``
that the run used: plain names always (unless the caller overrode them with ``set``), names of
the form ``"<parameter>@<agent>"`` only when that agent was given.
"""
from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from refractor.errors import InputError, ModelError, SolverWarning
from refractor.models import _constraints as K
from refractor.models._compile import Compiled, cached_compiled, cached_sbml, to_sbml
from refractor.models._integrate import ATOL, RTOL, integrate
from refractor.models._potency import summarize_dose_response
from refractor.models._results import DoseResponse, SimulationResult
from refractor.models._spec import ModelSpec

Perturbations = Mapping[str, "float | None"] | Sequence[str]


class Model:
    """A runnable mechanistic model described by a :class:`ModelSpec`.

    Parameters
    ----------
    spec : ModelSpec
        The model description; the Antimony file is read and compiled lazily, once per process.
    rtol, atol : float
        CVODE relative and absolute tolerance (absolute in the model's concentration unit).
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

    def _make_sbml(self) -> str:
        if self._sbml_text is not None:
            return self._sbml_text
        return to_sbml(self.spec.antimony(), self.spec.name)

    def sbml(self) -> str:
        """The model as an SBML Level 3 string (converted from Antimony, cached)."""
        return cached_sbml(self._key(), self._make_sbml)

    def _compiled(self) -> Compiled:
        mine = self.__dict__.get("_cached")
        if mine is None:
            mine = cached_compiled(self._key(), self._make_sbml)
            self.__dict__["_cached"] = mine
        return mine

    def roadrunner(self) -> Any:
        """The process-wide compiled ``roadrunner.RoadRunner`` for this model.

        Shared and mutable: :meth:`simulate` restores defaults before every run, callers
        that change it directly should call :meth:`configure` before simulating.
        """
        return self._compiled().rr

    def parameter_names(self) -> list[str]:
        """Ids that ``set`` accepts: global parameters and species without initial assignment."""
        return sorted(self._compiled().settable)

    def recordable(self) -> set[str]:
        """Ids a time course can record (``selections``)."""
        return self._compiled().recordable()

    # -- configuration ------------------------------------------------------------------
    def configure(
        self,
        *,
        agent: str | None = None,
        dose: float | None = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002 - public API name
        perturbations: Perturbations | None = None,
        combination: Mapping[str, float] | None = None,
    ) -> dict[str, float]:
        """Restore defaults, apply the settings to the compiled model and reset it.

        Returns the dict of every value changed from the defaults. Raises
        :class:`InputError` for an unknown agent, parameter or perturbation and for a value
        outside its declared constraints.
        """
        c = self._compiled()
        values = self.settings_values(agent=agent, dose=dose, set=set,
                                      perturbations=perturbations, combination=combination)
        c.restore(keep=values)
        c.apply(values)
        return {k: v for k, v in values.items() if v != c.defaults.get(k)}

    def settings_values(
        self,
        *,
        agent: str | None = None,
        dose: float | None = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002 - public API name
        perturbations: Perturbations | None = None,
        combination: Mapping[str, float] | None = None,
    ) -> dict[str, float]:
        """Every value :meth:`configure` would apply (checked), without touching the model."""
        c = self._compiled()
        spec = self.spec
        values: dict[str, float] = {}

        def put(name: str, value: float, what: str, column: str) -> None:
            if name not in c.settable:
                hint = ""
                if name in c.initially_assigned:
                    hint = " (its initial value is computed from parameters; set those)"
                elif name in c.assigned:
                    hint = " (it is an assignment rule)"
                raise InputError(
                    f"model {spec.name!r}: unknown or non-settable {what} {name!r}{hint}; "
                    f"valid: {', '.join(sorted(c.settable))}", column=column)
            values[name] = K.check_value(spec, name, value, what, column)

        doses: dict[str, float] = {}
        if agent is not None:
            K.check_agent(spec, agent)
            if dose is None:
                unit = spec.agent(agent).dose_unit
                raise InputError(f"agent {agent!r} needs a dose ({unit})", column="dose")
            doses[agent] = K.number(dose, "dose", "dose")
        elif dose:
            raise InputError("a dose needs an agent", column="agent")
        for a, d in (combination or {}).items():
            K.check_agent(spec, a, column=f"combination.{a}")
            doses[a] = K.number(d, f"dose of {a!r}", f"combination.{a}")
        # an agent that is not given is absent (a model may keep a standard dose as the
        # default of its dose species, e.g. TRAIL 50 ng/mL): an untreated run is untreated
        for ag in spec.agents:
            if ag.agent not in doses and c.defaults.get(ag.dose_species, 0.0) != 0.0:
                values[ag.dose_species] = 0.0
        for a, d in doses.items():
            ag = spec.agent(a)
            for p, v in ag.parameters.items():
                put(p, v, f"parameter of agent {a!r}", "agent")
            put(ag.dose_species, d, "dose species", "dose")
        for p, v in (set or {}).items():
            put(p, v, "parameter", f"set.{p}")
        if perturbations:
            items = (perturbations.items() if isinstance(perturbations, Mapping)
                     else [(n, None) for n in perturbations])
            known = {p.name: p for p in spec.perturbations}
            for name, override in items:
                col = f"perturbations.{name}"
                if name not in known:
                    raise InputError(f"unknown perturbation {name!r} of model {spec.name!r}; "
                                     f"valid: {', '.join(sorted(known)) or 'none'}", column=col)
                pert = known[name]
                v = pert.value if override is None else K.number(
                    override, f"perturbation {name!r} value", col)
                if pert.mode == "scale":
                    base = values.get(pert.parameter, c.defaults.get(pert.parameter))
                    put(pert.parameter, base * v, f"perturbation {name!r} parameter", col)
                elif pert.mode == "set":
                    put(pert.parameter, v, f"perturbation {name!r} parameter", col)
                else:  # pragma: no cover - guards a broken spec
                    raise ModelError(f"perturbation {name!r}: mode must be 'scale' or 'set'")
        return values

    def assumptions(self, agents: Sequence[str] = (),
                    settings: Mapping[str, float] | None = None) -> list[str]:
        """Assumed parameters a run with ``agents`` and ``settings`` (id -> value) uses."""
        out = []
        settings = dict(settings or {})
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
    def _execute(
        self, c: Compiled, grid: Any, sel: list[str], *,
        agent: str | None = None, dose: float | None = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002
        perturbations: Perturbations | None = None,
        combination: Mapping[str, float] | None = None,
        warn: bool = True,
    ) -> tuple[np.ndarray, dict[str, float], RuntimeError | None]:
        """The one run path (:meth:`simulate` and :func:`~refractor.models.run_batch`).

        Configure (defaults -> agent -> dose -> combination -> set -> perturbations),
        pre-equilibrate, integrate. Caller holds ``c.lock``. Returns (data with time in
        column 0, settings changed from defaults, first CVODE error if a retry was needed).
        """
        settings = self.configure(agent=agent, dose=dose, set=set,
                                  perturbations=perturbations, combination=combination)
        key = None
        if c.cacheable and "pre_equilibration_time" in c.parameters:
            dose_ids = {a.dose_species for a in self.spec.agents}
            key = (self.rtol, self.atol) + tuple(
                sorted((k, v) for k, v in settings.items() if k not in dose_ids))
        data, retried = integrate(c, self.spec, grid, sel, rtol=self.rtol, atol=self.atol,
                                  key=key, warn=warn)
        return data, settings, retried

    def selection_ids(self, names: Sequence[str]) -> list[str]:
        """RoadRunner selection strings (``time`` first) for ids; InputError if unknown."""
        c = self._compiled()
        known = c.recordable()
        for n in names:
            if n not in known:
                raise InputError(f"unknown selection {n!r} of model {self.spec.name!r}; valid: "
                                 f"{', '.join(sorted(known))}", column=f"selections.{n}")
        return ["time"] + [f"[{n}]" if n in c.species or n in c.boundary else n for n in names]

    def simulate(
        self,
        *,
        agent: str | None = None,
        dose: float | None = 0.0,
        set: Mapping[str, float] | None = None,  # noqa: A002 - public API name
        perturbations: Perturbations | None = None,
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
            Dose in the agent's ``dose_unit``; ``None`` with an agent is an InputError.
        set : dict, optional
            Parameter or species id -> value (species: initial concentration).
        perturbations : dict or list, optional
            Perturbation names (default values) or name -> value (overriding the default).
        t_end : float, optional
            End time in ``spec.time_unit`` (default ``spec.t_end``).
        points : int
            Number of output time points (>= 2).
        selections : list of str, optional
            Ids to record (default: all floating species, assignment rules and the readout).
        combination : dict, optional
            Further agents given at the same time, agent slug -> dose.
        """
        t_end, points = K.check_time(self.spec, t_end, points)
        c = self._compiled()
        names = list(selections) if selections else c.species + c.assigned
        if self.spec.readout and self.spec.readout not in names and not selections:
            names.append(self.spec.readout)
        sel = self.selection_ids(names) if selections else (
            ["time"] + [f"[{n}]" if n in c.species else n for n in names])
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
            frame=frame, model=self.spec.name, agent=agent,
            dose=float(dose or 0.0), settings=settings,
            assumptions=self.assumptions(agents, settings), time_unit=self.spec.time_unit,
        )

    def response(self, *, agent: str, dose: float, readout: str | None = None,
                 set: Mapping[str, float] | None = None,  # noqa: A002
                 perturbations: Perturbations | None = None, t_end: float | None = None,
                 combination: Mapping[str, float] | None = None) -> float:
        """The readout at ``t_end`` after ``dose`` of ``agent`` (one number)."""
        readout = readout or self.spec.readout
        r = self.simulate(agent=agent, dose=dose, set=set, perturbations=perturbations,
                          t_end=t_end, points=2, selections=[readout], combination=combination)
        return r.final(readout)

    def dose_response(
        self,
        *,
        agent: str,
        doses: Sequence[float],
        set: Mapping[str, float] | None = None,  # noqa: A002
        perturbations: Perturbations | None = None,
        readout: str | None = None,
        t_end: float | None = None,
        combination: Mapping[str, float] | None = None,
    ) -> DoseResponse:
        """Readout at ``t_end`` over ``doses`` of ``agent``, with IC50/DC50, Emax/Dmax, Hill.

        The untreated value (dose 0) is always simulated and is the reference: the effect
        is ``1 - response/response(0)``. The IC50/DC50 is the root of the simulated curve
        (not an interpolation on ``doses``); see :class:`DoseResponse`.
        """
        readout = readout or self.spec.readout
        if not readout:
            raise ModelError(f"model {self.spec.name!r}: no readout given or defined")
        K.check_agent(self.spec, agent)
        ds = K.check_doses(doses)
        grid = ds if ds[0] == 0.0 else [0.0] + ds

        def respond(d: float) -> float:
            return self.response(agent=agent, dose=d, readout=readout, set=set,
                                 perturbations=perturbations, t_end=t_end,
                                 combination=combination)

        resp = [respond(d) for d in grid]
        kind = self.spec.readout_kind if readout == self.spec.readout else "other"
        return summarize_dose_response(
            np.array(grid), np.array(resp), readout=readout,
            unit=self.spec.agent(agent).dose_unit, agent=agent, kind=kind, respond=respond,
        )


__all__ = ["Model"]
