"""A read-only view of the knowledge base shaped for rule evaluation.

Resolves, once per interpretation, everything the engine asks repeatedly: the ordered
mechanisms and biomarkers, the disease hierarchy, agent classes, the agents covered by scoring
rules and the evidence behind each mechanism. Names (agent aliases, disease abbreviations) are
resolved by the knowledge base itself (``KnowledgeBase.resolve_agents``), not here.
Nothing here holds a rule of its own: every number comes from the knowledge base.
"""
from __future__ import annotations

import functools
from functools import cached_property
from typing import Any, Callable, TypeVar

from refractor.kb.schema import AgentRule, Biomarker, EvidenceLevel, Logic, Mechanism

#: evidence levels that speak about patients -> "high" confidence; experimental -> "moderate";
#: a review statement alone -> "low".
CONFIDENCE_OF_LEVEL = {
    EvidenceLevel.clinical_trial: "high",
    EvidenceLevel.patient_cohort: "high",
    EvidenceLevel.case_report: "high",
    EvidenceLevel.xenograft: "moderate",
    EvidenceLevel.cell_line: "moderate",
    EvidenceLevel.crispr_screen: "moderate",
    EvidenceLevel.biochemical: "moderate",
    EvidenceLevel.review_statement: "low",
}
LINK_RANK = {"seed": 0, "literature": 1, "inferred": 2}
RESISTANCE_SIGNIFICANCE = {"resistance", "reduced_sensitivity", "sensitivity"}


_VIEWS: dict[int, tuple[object, "KBView"]] = {}
_F = TypeVar("_F", bound=Callable[..., Any])


def per_view(maxsize: int | None = None) -> Callable[[_F], _F]:
    """Memoise ``fn(view, *args)`` in the view itself, so the memo dies with the view.

    A ``functools.lru_cache`` keyed by the view would hold every view (and its KB) for the
    life of the process.
    """

    def wrap(fn: _F) -> _F:
        name = fn.__qualname__

        @functools.wraps(fn)
        def memoised(view: "KBView", *args: Any) -> Any:
            memo = view.__dict__.setdefault("_memo", {}).setdefault(name, {})
            try:
                return memo[args]
            except KeyError:
                if maxsize is not None and len(memo) >= maxsize:
                    memo.clear()
                value = memo[args] = fn(view, *args)
                return value

        return memoised  # type: ignore[return-value]

    return wrap


def view_of(kb: Any) -> "KBView":
    """One cached view per knowledge-base object (records are immutable)."""
    hit = _VIEWS.get(id(kb))
    if hit is None or hit[0] is not kb:
        if len(_VIEWS) > 8:
            _VIEWS.clear()
        hit = _VIEWS[id(kb)] = (kb, KBView(kb))
    return hit[1]


class KBView:
    """Pre-resolved lookups over a :class:`refractor.kb.KnowledgeBase` (or a typed stand-in)."""

    def __init__(self, kb: Any) -> None:
        self.kb = kb
        self.version: str = str(getattr(kb, "version", "unknown"))
        self.content_hash: str = str(getattr(kb, "content_hash", "unknown"))
        self.scoring = kb.scoring
        self.mechanisms: dict[str, Mechanism] = dict(kb.mechanisms)
        self.mechanism_ids: list[str] = list(self.mechanisms)
        self.biomarkers: list[Biomarker] = [
            b for b in kb.biomarkers.values() if b.mechanism in self.mechanisms
        ]
        self.biomarker_ids: list[str] = [b.id for b in self.biomarkers]
        self.mech_index = {m: i for i, m in enumerate(self.mechanism_ids)}
        self.biomarkers_by_mechanism: dict[str, list[Biomarker]] = {m: [] for m in self.mechanisms}
        for b in self.biomarkers:
            self.biomarkers_by_mechanism[b.mechanism].append(b)

    # ------------------------------------------------------------------ diseases
    @per_view()
    def lineage(self, disease: str | None) -> frozenset[str]:
        """The disease and all its ancestors (empty if unknown)."""
        if not disease:
            return frozenset()
        out, cur, diseases = set(), disease, self.kb.diseases
        while cur and cur not in out:
            out.add(cur)
            rec = diseases.get(cur)
            cur = rec.parent if rec is not None else None
        return frozenset(out)

    def applies(self, restricted_to: tuple[str, ...] | list[str], disease: str | None) -> bool:
        """True when a restriction list is empty or names the disease or one of its ancestors."""
        if not restricted_to:
            return True
        return bool(self.lineage(disease) & set(restricted_to))

    # ------------------------------------------------------------------ agents
    @per_view()
    def agent_set(self, agents: tuple[str, ...], classes: tuple[str, ...]) -> frozenset[str]:
        """Agent ids named directly or through their agent class."""
        out = set(agents)
        for c in classes:
            out.update(a.id for a in self.kb.agents_in_class(c))
        return frozenset(out)

    @cached_property
    def covered_agents(self) -> list[str]:
        """Every agent covered by a scoring rule, in rule order, each once."""
        seen: dict[str, None] = {}
        for rule in self.scoring.rules:
            for a in sorted(self.agent_set(tuple(rule.agents), tuple(rule.agent_classes))):
                seen.setdefault(a, None)
        return list(seen)

    @per_view()
    def rules_for(self, agent: str) -> list[AgentRule]:
        return [
            r for r in self.scoring.rules
            if agent in self.agent_set(tuple(r.agents), tuple(r.agent_classes))
        ]

    @per_view()
    def history_terms(self, agent: str) -> tuple[tuple[str, frozenset[str]], ...]:
        """(history status, agent set) of every history term in the agent's rules (also inside
        ``max`` groups), each once: a quick test of whether any history term can fire."""
        out: dict[tuple[str, frozenset[str]], None] = {}
        for rule in self.rules_for(agent):
            for t in rule.terms:
                for m in getattr(t, "max", None) or [t]:
                    if getattr(m, "history", None) is not None:
                        out.setdefault(
                            (m.history, self.agent_set(tuple(m.agents), tuple(m.agent_classes))),
                            None)
        return tuple(out)

    @cached_property
    def data_kinds(self) -> dict[str, frozenset[str]]:
        """Biomarker id -> the data kinds its features need other than clinical history.

        A biomarker evaluated on clinical history alone is a history term: unless it fired it
        does not make an agent call assessable (see ``_scoring.score_agent``).
        """
        def leaves(term):
            if isinstance(term, Logic):
                for child in term.all or term.any or [term.not_]:
                    yield from leaves(child)
            else:
                yield term.kind

        return {b.id: frozenset(leaves(b.profile)) - {"history"} for b in self.biomarkers}

    def assesses(self, call, assessed) -> bool:
        """Does this mechanism call count as an assessment for an agent call? Yes when it fired,
        or when it was evaluated (not detected) by a biomarker whose non-history data the
        sample has (``assessed``: the sample's measured data kinds)."""
        if call.status in ("detected", "possible"):
            return True
        if call.status != "not_detected":
            return False
        kinds = self.data_kinds
        return any(not kinds.get(b, frozenset()).isdisjoint(assessed) for b in call.biomarkers)

    @cached_property
    def level_bands(self) -> tuple[list[float], list[str]]:
        """Score-to-level table sorted by ``min`` (inclusive lower bounds) and its labels."""
        b = sorted(self.scoring.score_to_level, key=lambda x: x.min)
        return [float(x.min) for x in b], [x.level for x in b]

    # ------------------------------------------------------------------ strategies
    @per_view()
    def strategies_for(self, mechanism: str) -> tuple:
        """Strategies addressing ``mechanism`` (the KB's order), resolved once per mechanism."""
        return tuple(self.kb.strategies_for_mechanism(mechanism))

    def agent_info(self, agent: str) -> tuple[str, str]:
        rec = self.kb.agents.get(agent)
        return (rec.name, rec.agent_class) if rec is not None else (agent, "other")

    # ------------------------------------------------------------------ evidence
    @per_view()
    def evidence(self, mechanism: str, agent: str) -> tuple:
        """Evidence items behind ``mechanism`` that concern ``agent`` (or name no agent).

        Includes evidence attached to the mechanism's biomarkers. Sorted strongest first.
        """
        subjects = [mechanism] + [b.id for b in self.biomarkers_by_mechanism.get(mechanism, [])]
        agent_class = self.agent_info(agent)[1]
        items = []
        for sid in subjects:
            for ev in self.kb.evidence_for(sid):
                if ev.significance.value not in RESISTANCE_SIGNIFICANCE:
                    continue
                named = {u.agent for u in ev.agents}
                if named and agent not in named and not any(
                    self.agent_info(n)[1] == agent_class for n in named
                ):
                    continue
                items.append(ev)
        items.sort(key=lambda e: (e.level.rank, e.id))
        return tuple(items)

    @per_view()
    def confidence(self, mechanisms: tuple[str, ...], agent: str) -> tuple[str, str]:
        """Confidence (high / moderate / low) of a call resting on ``mechanisms``, and why.

        Only evidence that *supports* the mechanism counts; evidence that does not support it
        is named as contesting the call.
        """
        best, why, against = None, "", []
        for m in mechanisms:
            items = self.evidence(m, agent)
            pro = [e for e in items if e.direction.value == "supports"]
            against += [e for e in items if e.direction.value != "supports"]
            if pro:
                level, src = pro[0].level, f"evidence {pro[0].id}"
            else:
                level, src = self.mechanisms[m].evidence_level, f"mechanism {m} (no supporting evidence item)"
            if best is None or level.rank < best.rank:
                best, why = level, f"{src}: {level.value}"
        if best is None:
            return "low", "no knowledge-base mechanism behind the score"
        text = f"strongest supporting evidence is {why}"
        if against:
            text += "; contested by " + ", ".join(f"{e.id} ({e.level.value})" for e in against[:3])
        return CONFIDENCE_OF_LEVEL[best], text

    def in_context(self, restricted_to: list[str], disease: str | None) -> bool:
        """Is ``disease`` related (itself, an ancestor or a descendant) to any listed disease?"""
        if not restricted_to:
            return True
        return self._in_context(tuple(restricted_to), disease)

    @per_view()
    def _in_context(self, restricted_to: tuple[str, ...], disease: str | None) -> bool:
        mine = self.lineage(disease)
        return bool(mine & set(restricted_to)) or any(
            disease in self.lineage(d) for d in restricted_to if disease)


__all__ = ["KBView", "view_of", "per_view", "CONFIDENCE_OF_LEVEL", "LINK_RANK"]
