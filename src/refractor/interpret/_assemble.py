"""Assemble one :class:`SampleResult` from biomarker states and observations.

Shared by the vectorised engine (which materialises samples lazily from its matrices) and by
the per-sample reference loop, so both return identical objects for identical states.
"""
from __future__ import annotations

from refractor.interpret._kbview import KBView
from refractor.interpret._mechanisms import biomarker_kinds, mechanism_call
from refractor.interpret._results import Observation, ResultWarning, SampleResult
from refractor.interpret._scoring import score_agent
from refractor.interpret._strategies import rank_strategies


class Assembler:
    """Turns per-sample biomarker states into mechanism, agent and strategy calls."""

    def __init__(self, view: KBView) -> None:
        self.view = view
        self.kinds = biomarker_kinds(view)
        self.order = {b: i for i, b in enumerate(view.biomarker_ids)}
        self._strategies: dict = {}

    def assemble(
        self,
        sample: str,
        disease: str | None,
        subtype: str | None,
        states: dict[str, int],
        obs: dict[str, list[Observation]],
        assessed: set[str],
        sets: dict[str, frozenset],
        warnings: list[ResultWarning],
    ) -> SampleResult:
        v = self.view
        calls = {m: mechanism_call(v, m, states, obs, assessed, disease, self.kinds, self.order)
                 for m in v.mechanism_ids}
        agents = tuple(score_agent(v, a, calls, sets, "history" in assessed)
                       for a in v.covered_agents)
        found = tuple(sorted((m, c.status) for m, c in calls.items()
                             if c.status in ("detected", "possible")))
        key = (found, disease)
        if key not in self._strategies:
            self._strategies[key] = rank_strategies(v, found, disease)
        good, bad = self._strategies[key]
        warns = list(warnings)
        if disease and disease not in v.kb.diseases:
            warns.append(ResultWarning(
                "DataWarning", f"disease {disease!r} is not in the knowledge base; "
                "disease-restricted biomarkers were not applied"))
        if not disease:
            warns.append(ResultWarning(
                "DataWarning", "no disease given; disease-restricted biomarkers were not applied"))
        for a in agents:
            if a.level != "susceptible" and a.confidence == "low":
                warns.append(ResultWarning(
                    "WeakEvidenceWarning",
                    f"{a.agent}: level '{a.level}' rests on weak evidence ({a.confidence_reason})"))
        assumptions = sorted({
            f"{o.gene or o.kind}: threshold {o.comparison} {o.threshold:g} {o.unit or ''}".rstrip()
            + " is an assumed default, not a published cut-off"
            for c in calls.values() for o in c.observations if o.assumed and o.threshold is not None
        })
        assumptions.append(
            f"a 'possible' mechanism adds its weight x {v.scoring.possible_factor:g} "
            f"(scoring {v.scoring.version})")
        return SampleResult(
            sample=sample,
            disease=disease,
            subtype=subtype or None,
            kb_version=v.version,
            kb_hash=v.content_hash,
            scoring_version=v.scoring.version,
            mechanisms=tuple(calls.values()),
            agents=agents,
            strategies=good,
            flagged_harmful=bad,
            warnings=tuple(dict.fromkeys(warns)),
            assumptions=tuple(assumptions),
        )


__all__ = ["Assembler"]
