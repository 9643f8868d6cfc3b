"""One simulation request -> one result record with its JSON form, for every shell.

``refractor simulate`` and ``POST /models/{name}/simulate|dose-response`` both call
:func:`simulation_run` / :func:`dose_response_run` and print or return ``.to_dict()``, so one
simulation has one JSON form. The cell (the model's stated reference cell, or the raw model
defaults) is resolved here, and every assumption of the run (assumed parameters, assumed
reference-cell levels) is listed in the result.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from refractor.errors import InputError
from refractor.models import _constraints as K
from refractor.models._results import DoseResponse, SimulationResult

CELLS = ("reference", "defaults")


def _limits(set: Mapping[str, float] | None, perturbations: Any,  # noqa: A002
            selections: Sequence[str] | None = None) -> None:
    K.check_count(set or {}, K.MAX_SETTINGS, "set entries", "set")
    K.check_count(perturbations or [], K.MAX_SETTINGS, "perturbations", "perturbations")
    K.check_count(selections or [], K.MAX_SELECTIONS, "selections", "selections")


def model_agent(spec: Any, name: str | None, *, kb: Any = None, settings: Any = None,
                column: str = "agent") -> str | None:
    """The model's agent id for ``name``: an agent id of the model as is, otherwise the KB's one
    resolver (brand names, development codes: ``ABT-199`` -> ``venetoclax``), so a simulation
    accepts the same names as a profile. InputError (with the resolver's "did you mean") when
    the KB does not know the name, or when the agent it names is not in this model."""
    if name is None or name in {a.agent for a in spec.agents}:
        return name
    if kb is None:
        from refractor.kb import KnowledgeBase

        kb = KnowledgeBase.load(settings=settings)
    agent = kb.resolve_agent(name, where=column, classes=False)
    K.check_agent(spec, agent, column=column)
    return agent


def _cell(model: Any, cell: str, overrides: Mapping[str, float] | None
          ) -> tuple[dict[str, float], str, str, list[str]]:
    if cell not in CELLS:
        raise InputError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}", column="cell")
    spec = model.spec
    settings, label, notes = spec.cell_settings(dict(overrides or {}),
                                                reference=cell == "reference")
    ref = spec.reference_sample
    name = ref.name if (cell == "reference" and ref is not None) else "model defaults"
    return settings, label, name, notes


@dataclass(frozen=True)
class SimulationRun:
    """One time course with what is needed to report it (see :meth:`to_dict`)."""

    model: str
    agent: str | None
    dose: float
    dose_unit: str | None
    cell: str  # one-line label of the cell (reference sample or model defaults)
    cell_name: str
    readout: str
    readout_label: str
    result: SimulationResult
    assumptions: list[str]

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "model": self.model, "agent": self.agent, "dose": self.dose,
            "dose_unit": self.dose_unit, "time_unit": r.time_unit, "cell": self.cell,
            "readout": self.readout, "readout_label": self.readout_label,
            "settings": r.settings, "assumptions": self.assumptions,
            "data": r.frame.to_dict("list"),
        }


@dataclass(frozen=True)
class DoseResponseRun:
    """One dose-response with what is needed to report it (see :meth:`to_dict`)."""

    model: str
    t_end: float
    time_unit: str
    cell: str
    cell_name: str
    readout_label: str
    response: DoseResponse
    assumptions: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, **self.response.to_dict(), "t_end": self.t_end,
                "time_unit": self.time_unit, "cell": self.cell,
                "readout_label": self.readout_label, "assumptions": self.assumptions}


def simulation_run(
    model: str, *, agent: str | None = None, dose: float | None = None,
    set: Mapping[str, float] | None = None,  # noqa: A002
    perturbations: Mapping[str, float | None] | Sequence[str] | None = None,
    t_end: float | None = None, points: int = 201, selections: Sequence[str] | None = None,
    cell: str = "reference", kb: Any = None, settings: Any = None,
) -> SimulationRun:
    """Simulate one time course of registered ``model`` on ``cell`` (InputError if invalid).

    An ``agent`` needs an explicit ``dose`` (0 allowed, stated in the result); a dose needs
    an agent.
    """
    from refractor.models._registry import get_model

    m = get_model(model)
    agent = model_agent(m.spec, agent, kb=kb, settings=settings)
    _limits(set, perturbations, selections)
    K.check_time(m.spec, t_end, points, limited=True)
    settings, label, name, notes = _cell(m, cell, set)
    res = m.simulate(agent=agent, dose=dose if agent is not None else (dose or 0.0),
                     set=settings, perturbations=perturbations or None, t_end=t_end,
                     points=points, selections=selections or None)
    spec = m.spec
    return SimulationRun(
        model=spec.name, agent=agent, dose=float(dose or 0.0),
        dose_unit=spec.agent(agent).dose_unit if agent else None, cell=label, cell_name=name,
        readout=spec.readout, readout_label=spec.readout_label, result=res,
        assumptions=notes + list(res.assumptions),
    )


def dose_response_run(
    model: str, *, agent: str, doses: Sequence[float] | None = None,
    range: tuple[float, float, int] | None = None,  # noqa: A002
    set: Mapping[str, float] | None = None,  # noqa: A002
    perturbations: Mapping[str, float | None] | Sequence[str] | None = None,
    t_end: float | None = None, cell: str = "reference", kb: Any = None, settings: Any = None,
) -> DoseResponseRun:
    """Dose-response of ``agent`` on ``cell``; give ``doses`` or ``range`` = (lo, hi, n)."""
    from refractor.models._registry import get_model

    m = get_model(model)
    spec = m.spec
    agent = model_agent(spec, agent, kb=kb, settings=settings)
    if (doses is None) == (range is None):
        raise InputError("give exactly one of doses or range (LO:HI:N)", column="doses")
    _limits(set, perturbations)
    grid = K.dose_grid(*range) if range is not None else K.check_doses(doses or [],
                                                                       limited=True)
    K.check_agent(spec, agent)
    t, _ = K.check_time(spec, t_end, limited=True)
    settings, label, name, notes = _cell(m, cell, set)
    dr = m.dose_response(agent=agent, doses=grid, set=settings,
                         perturbations=perturbations or None, t_end=t)
    return DoseResponseRun(
        model=spec.name, t_end=t, time_unit=spec.time_unit, cell=label, cell_name=name,
        readout_label=spec.readout_label, response=dr,
        assumptions=notes + m.assumptions([agent], settings),
    )


__all__ = ["SimulationRun", "DoseResponseRun", "simulation_run", "dose_response_run", "CELLS"]
