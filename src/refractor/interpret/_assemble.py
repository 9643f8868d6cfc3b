"""Assemble one :class:`SampleResult` from biomarker states and observations.

Shared by the vectorised engine (which materialises samples lazily from its matrices) and by
the per-sample reference loop, so both return identical objects for identical states.
"""
from __future__ import annotations

from operator import itemgetter

from refractor.interpret._kbview import KBView
from refractor.interpret._mechanisms import MATCHED, biomarker_kinds, mechanism_call
from refractor.interpret._results import Observation, ResultWarning, SampleResult
from refractor.interpret._score_matrix import FIRING, referenced
from refractor.interpret._agent_call import no_knowledge_call
from refractor.interpret._scoring import score_agent
from refractor.interpret._strategies import rank_strategies


class Assembler:
    """Turns per-sample biomarker states into mechanism, agent and strategy calls."""

    def __init__(self, view: KBView) -> None:
        self.view = view
        self.kinds = biomarker_kinds(view)
        self.order = {b: i for i, b in enumerate(view.biomarker_ids)}
        self._strategies: dict = {}
        # mechanisms some strategy addresses: the others cannot change a ranking
        self._strategic = frozenset(m for m in view.mechanism_ids if view.strategies_for(m))
        # Calls that no observation enters are pure functions of a few codes, so they are built
        # once per distinct input and shared between samples (records are immutable):
        # mechanisms without a matched biomarker, keyed by their biomarkers' states, the
        # assessed data kinds and the disease; agents for which no referenced mechanism and no
        # history term fired, keyed by the status and missing data of their mechanisms.
        self._bm_ids = {m: tuple(b.id for b in bs) for m, bs in view.biomarkers_by_mechanism.items()}
        # the states of a mechanism's biomarkers, as one tuple, in one C call
        self._bm_get = {m: _tuple_getter(ids) for m, ids in self._bm_ids.items()}
        self._mech_getters = [(m, self._bm_get.get(m)) for m in view.mechanism_ids]
        self._quiet_mech: dict = {}
        self._quiet_agent: dict = {}
        self._kept: list = []
        self._agent_mechs = {a: referenced(view, a)[0] for a in view.covered_agents}
        self._agent_mechset = {a: frozenset(m) for a, m in self._agent_mechs.items()}
        # per agent: its mechanisms that have a call (every sample calls all of
        # view.mechanism_ids), fetched together, and its history terms
        mids = set(view.mechanism_ids)
        self._agent_calls = {a: _tuple_getter(tuple(m for m in ms if m in mids))
                             for a, ms in self._agent_mechs.items()}
        self._hist_terms = {a: view.history_terms(a) for a in view.covered_agents}
        #: agents the KB lists but no scoring rule covers: reported as ``no_knowledge``
        self.unscored = unscored_agents(view)
        self._unscored_calls = tuple(no_knowledge_call(view, a, view.version)
                                     for a in self.unscored)

    def _mechanism(self, m, states, obs, assessed, akey, disease):
        try:
            sub = self._bm_get[m](states)
        except KeyError:  # a state missing from ``states`` reads as None
            sub = tuple([states.get(b) for b in self._bm_ids[m]])
        if MATCHED in sub:
            c = mechanism_call(self.view, m, states, obs, assessed, disease, self.kinds,
                               self.order)
            if c.status not in FIRING:
                # cannot happen (a matched applicable biomarker calls detected / possible); kept
                # alive all the same, so that the id-keyed agent cache below stays sound
                self._kept.append(c)
            return c
        key = (m, sub, akey, disease)
        c = self._quiet_mech.get(key)
        if c is None:
            c = self._quiet_mech[key] = mechanism_call(self.view, m, states, obs, assessed,
                                                       disease, self.kinds, self.order)
        return c

    def _agent(self, a, calls, sets, hist_assessed, firing, akey, memo):
        if not self._agent_mechset[a].isdisjoint(firing):
            return score_agent(self.view, a, calls, sets, hist_assessed, firing, akey, memo)
        # no mechanism fired: the call depends only on the status and missing data of its
        # mechanisms and on which history terms fired with which agents (their observations are
        # built from exactly those agent sets)
        # (none of the agent's mechanisms fired, so each call is a record shared through
        # ``_quiet_mech``, which keeps it alive: its id stands for its content)
        key = (a, akey, tuple(map(id, self._agent_calls[a](calls))),
               tuple([sets[h] & agents for h, agents in self._hist_terms[a]]))
        call = self._quiet_agent.get(key)
        if call is None:
            call = self._quiet_agent[key] = score_agent(self.view, a, calls, sets, hist_assessed,
                                                        firing, akey)
        return call

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
        akey = frozenset(assessed)
        # the quiet calls' cache is looked up here, inline (most calls of a sample are quiet);
        # _mechanism builds the others, and any call whose states cannot be fetched at once
        quiet = self._quiet_mech
        calls = {}
        for m, get in self._mech_getters:
            c = None
            if get is not None:
                try:
                    sub = get(states)
                except KeyError:
                    pass
                else:
                    if MATCHED not in sub:
                        c = quiet.get((m, sub, akey, disease))
            calls[m] = (c if c is not None
                        else self._mechanism(m, states, obs, assessed, akey, disease))
        hist = "history" in assessed
        firing = frozenset(m for m, c in calls.items() if c.status in FIRING)
        memo: dict = {}  # traces shared by agents scored by the same rules, this sample only
        agents = tuple(self._agent(a, calls, sets, hist, firing, akey, memo)
                       for a in v.covered_agents) + self._unscored_calls
        found = tuple(sorted((m, c.status) for m, c in calls.items()
                             if c.status in ("detected", "possible")))
        # the ranking is a function of the found mechanisms that strategies address
        strategic = tuple(f for f in found if f[0] in self._strategic)
        key = (strategic, disease)
        if key not in self._strategies:
            self._strategies[key] = rank_strategies(v, strategic, disease)
        good, bad = self._strategies[key]
        warns = list(warnings)
        if disease and disease not in v.kb.diseases:
            warns.append(ResultWarning(
                "DataWarning", f"disease {disease!r} is not in the knowledge base; "
                "disease-restricted biomarkers were not applied", code="disease-unknown"))
        if not disease:
            warns.append(ResultWarning(
                "DataWarning", "no disease given; disease-restricted biomarkers were not applied",
                code="disease-missing"))
        # both engines produce the same warnings, possibly in another order: one order
        warns = sorted(dict.fromkeys(warns), key=lambda w: (w.category, w.code or "",
                                                             w.gene or "", w.message))
        for a in agents:
            if a.is_level and a.level != "susceptible" and a.confidence == "low":
                warns.append(ResultWarning(
                    "WeakEvidenceWarning",
                    f"{a.agent}: level '{a.level}' rests on weak evidence ({a.confidence_reason})",
                    code="weak-evidence", agent=a.agent))
        assumptions = sorted({
            f"{o.gene or o.kind}: threshold {o.comparison} {o.threshold:g} {o.unit or ''}".rstrip()
            + " is an assumed default, not a published cut-off"
            for c in calls.values() for o in c.observations if o.assumed and o.threshold is not None
        })
        assumptions.append(
            f"a 'possible' mechanism adds its weight x {v.scoring.possible_factor:g} "
            f"(scoring {v.scoring.version})")
        clon = getattr(v.scoring, "clonality", None)
        if clon is not None and any(c.clonal_fraction is not None for c in calls.values()):
            assumptions.append(
                f"a variant in a fraction CCF of cancer cells adds its weight x min(1, CCF / "
                f"{clon.clonal_ccf:g}); CCF from VAF with purity (default {clon.default_purity:g} "
                "when not given), local copy number (diploid when not given) and one mutated copy")
        vobs = [o for c in calls.values() for o in c.observations
                if o.kind == "variant" and o.clonal_fraction is not None]
        if any(o.ccf_low is not None for o in vobs):
            assumptions.append(
                "CCF 95% intervals come from the alt/total read counts (Clopper-Pearson on the "
                "VAF) and cover read sampling only; purity and copy number are taken as exact")
        if any(o.ccf_low is None for o in vobs):
            assumptions.append(
                "variants without alt/total read counts have no CCF interval: how certain their "
                "clonal fraction is, is unknown")
        if any(o.clonal_basis and o.clonal_basis.startswith(("two truncating", "truncating "))
               for o in vobs):
            assumptions.append(
                "two inactivating hits in one gene are read as biallelic loss: two truncating "
                "variants are assumed to lie on different alleles (phase not measured), and the "
                "hits are assumed to share cells (nested clones)")
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


def _tuple_getter(keys: tuple):
    """``lambda d: tuple(d[k] for k in keys)`` as one C call (KeyError for a missing key)."""
    if len(keys) == 1:
        k = keys[0]
        return lambda d: (d[k],)
    if not keys:
        return lambda d: ()
    return itemgetter(*keys)


def unscored_agents(view: KBView) -> list[str]:
    """Agents the KB lists that no scoring rule covers (regimens excluded: their components
    are scored), sorted by id."""
    covered = set(view.covered_agents)
    return sorted(a.id for a in view.kb.agents.values()
                  if a.id not in covered and a.agent_class != "regimen")


__all__ = ["Assembler", "unscored_agents"]
