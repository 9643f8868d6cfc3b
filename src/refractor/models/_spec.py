"""Declarative description of a mechanistic model: parameters with units and references.

Every model in ``refractor.models`` is an Antimony file in ``refractor/models/antimony/`` plus
one :class:`ModelSpec` that documents it. Simulation always goes through libRoadRunner
(``refractor.models.simulate`` / ``refractor.models.batch``); the spec carries no solver code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    ``reference`` is a PMID/DOI (with the figure/table where the number is), or the word
    ``assumed`` with a reason in ``note``; ``assumed`` is then True and reports say so.
    ``bounds`` is the declared valid range (every model quantity is >= 0; fractions 0..1);
    :mod:`refractor.models._constraints` checks every setting against it.
    """

    name: str
    value: float
    unit: str
    description: str
    reference: str
    assumed: bool = False
    note: str | None = None
    bounds: tuple[float, float] = (0.0, math.inf)


@dataclass(frozen=True)
class AgentSpec:
    """How an agent enters the model: which dose species it sets and its own parameters."""

    agent: str  # KB agent slug
    dose_species: str  # Antimony species / parameter the dose (in dose_unit) is assigned to
    parameters: dict[str, float] = field(default_factory=dict)  # e.g. {"Kd_drug": 0.15}
    dose_unit: str = "uM"
    reference: str = ""
    note: str | None = None


@dataclass(frozen=True)
class Perturbation:
    """A named change of the model standing for a resistance mechanism.

    ``parameter`` is scaled (``mode='scale'``) or set (``mode='set'``) to ``value``; a sample's
    measured data may override ``value`` (e.g. the measured CRBN level relative to reference).
    ``mechanisms`` are the KB mechanism slugs this perturbation represents (the one
    mechanism -> perturbation table: the sample -> model link reads only this), ``genes`` the
    HGNC symbols whose measured level sets its value (the model's gene -> perturbation table).

    Direction: ``value`` lies on one side of the neutral value (1 for ``scale``, the model
    default for ``set``); a measured value on the other side would move the model against the
    meaning of the mechanism (a sensitivity marker towards resistance, or the reverse) and is
    not applied (see :meth:`direction_ok`).
    """

    name: str
    parameter: str
    mode: str  # "scale" | "set"
    value: float
    description: str
    reference: str
    mechanisms: tuple[str, ...] = ()
    genes: tuple[str, ...] = ()
    # KB biomarker id -> value when that biomarker called the mechanism (its dosage, e.g. a
    # homozygous deletion leaves no drug-binding CRBN: 1.0 instead of a heterozygous 0.5)
    by_biomarker: dict[str, float] = field(default_factory=dict)
    # name of an isoform-fraction perturbation (e.g. ``crbn_exon10``) that the interpreter
    # has already taken out of this gene's measured expression (functional isoform = total x
    # (1 - PSI)); with both measured, the level is divided by (1 - PSI) back to the total, so
    # that the isoform lesion is applied once
    functional_isoform: str | None = None

    def direction_ok(self, value: float, neutral: float) -> bool:
        """True when ``value`` moves the model the same way as the documented default."""
        base = 1.0 if self.mode == "scale" else neutral
        if self.value == base:
            return True
        return (value - base) * (self.value - base) >= 0


@dataclass(frozen=True)
class ReferenceSample:
    """The untreated reference cell that sample predictions are compared against.

    ``set`` holds the parameter values (usually relative protein levels) that turn the model's
    defaults into the reference cell; it is applied in both the reference and the perturbed
    run of :func:`~refractor.models.predict_from_sample`, so a perturbation of ``scale`` mode
    multiplies the reference level. ``assumed`` marks values chosen to match a qualitative
    profile from ``source`` rather than measured numbers.
    """

    name: str
    description: str
    source: str
    set: dict[str, float] = field(default_factory=dict)
    diseases: tuple[str, ...] = ()
    assumed: bool = False
    note: str | None = None

    def label(self) -> str:
        """One-line description used in reports (``reference`` column)."""
        vals = ", ".join(f"{k}={v:g}" for k, v in self.set.items()) or "model defaults"
        flag = "; levels assumed" if self.assumed else ""
        return f"{self.name} ({vals}; {self.source}{flag})"


@dataclass(frozen=True)
class ModelSpec:
    name: str  # "glue", "bcl2", "trail"
    title: str
    antimony_file: str  # file name inside refractor/models/antimony/
    description: str
    parameters: tuple[Parameter, ...]
    agents: tuple[AgentSpec, ...] = ()
    perturbations: tuple[Perturbation, ...] = ()
    readout: str = ""  # species or assignment rule giving the effect readout
    readout_kind: str = ""  # "viability", "degradation", "time_to_momp" ...
    readout_label: str = ""  # axis label of the readout with its unit
    t_end: float = 0.0
    time_unit: str = "h"
    references: tuple[str, ...] = ()
    reference_sample: ReferenceSample | None = None  # reference cell for sample predictions
    # KB mechanism slug -> why the model represents it without a perturbation of its own: an
    # umbrella of component calls (it must not add a second perturbation for the same lesion),
    # or a state the reference cell already has (it must not be counted twice)
    represented: dict[str, str] = field(default_factory=dict)
    concentration_unit: str = ""  # unit of species concentrations (uM, nM, molecules/cell)

    def _index(self, attr: str) -> dict[str, tuple[str, ...]]:
        table: dict[str, list[str]] = {}
        for p in self.perturbations:
            for key in getattr(p, attr):
                table.setdefault(key, []).append(p.name)
        return {k: tuple(v) for k, v in table.items()}

    def gene_table(self) -> dict[str, tuple[str, ...]]:
        """HGNC symbol -> names of the perturbations whose level that gene's data sets."""
        return self._index("genes")

    def level_parameters(self) -> dict[str, str]:
        """HGNC symbol -> the parameter that its measured level scales (``scale`` perturbations),
        e.g. ``{"MCL1": "mcl1_level"}``: how measured protein/RNA levels enter the model."""
        out: dict[str, str] = {}
        for p in self.perturbations:
            if p.mode == "scale":
                for g in p.genes:
                    out.setdefault(g, p.parameter)
        return out

    def mechanism_table(self) -> dict[str, tuple[str, ...]]:
        """KB mechanism slug -> names of the perturbations that represent it."""
        return self._index("mechanisms")

    def cell_settings(self, overrides: dict[str, float] | None = None, *,
                      reference: bool = True) -> tuple[dict[str, float], str, list[str]]:
        """Settings for a run on the stated reference cell (or the bare model defaults).

        Returns ``(settings, label, assumptions)``: the reference cell's ``set`` under the
        caller's ``overrides`` (which win), a one-line label for reports, and the assumption
        to list when the reference levels are assumed. The one place the CLI, the HTTP API
        and :func:`~refractor.models.predict_from_sample` build a cell from.
        """
        overrides = dict(overrides or {})
        ref = self.reference_sample
        if not reference or ref is None:
            return overrides, "model defaults", []
        notes = [f"reference cell {ref.name!r}: {ref.note or 'levels assumed'}"] if ref.assumed else []
        return {**ref.set, **overrides}, ref.label(), notes

    def antimony(self) -> str:
        """The model's Antimony source text, read from the package."""
        return (
            resources.files("refractor.models")
            .joinpath("antimony", self.antimony_file)
            .read_text(encoding="utf-8")
        )

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def agent(self, slug: str) -> AgentSpec:
        for a in self.agents:
            if a.agent == slug:
                return a
        raise KeyError(slug)


__all__ = ["Parameter", "AgentSpec", "Perturbation", "ModelSpec", "ReferenceSample"]
