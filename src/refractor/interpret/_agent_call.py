"""An agent's call from its scored trace: the facts read off the trace (level, fired and
score-raising mechanisms), assessability, evidence, confidence with its reason, and the call of
an agent that no scoring rule covers. Used by :func:`refractor.interpret._scoring.score_agent`.
"""
from __future__ import annotations

from refractor.interpret._kbview import KBView, per_view
from refractor.interpret._results import (
    NO_KNOWLEDGE, NOT_ASSESSABLE as NOT_ASSESSABLE_WORD, AgentCall,
)
from refractor.interpret._score_matrix import HISTORY, clonal_ccf, level_of, referenced


def facts(view: KBView, trace, score: float) -> tuple:
    """What an agent call reads off its trace and score: the level, whether a term fired that
    assesses the call (a mechanism or a history term), the fired mechanisms and those that
    raised the score (each once, trace order)."""
    by_trace = any(t.status in HISTORY for t in trace) or any(t.mechanisms for t in trace)
    fired = tuple(dict.fromkeys(m for t in trace for m in t.mechanisms))
    positive = tuple(dict.fromkeys(m for t in trace if t.contribution > 0 for m in t.mechanisms))
    return level_of(view, score), by_trace, fired, positive


def agent_call(view, agent, name, agent_class, trace, score, calls, assessed,
                span=None, refs=None, done=None, known=None) -> AgentCall:
    level, by_trace, fired, positive = facts(view, trace, score) if known is None else known
    mechs, has_hist = referenced(view, agent) if refs is None else refs
    present = [m for m in mechs if m in calls]
    if by_trace:
        assessable = True  # a term fired: its mechanism (or history) was assessed
    elif assessed is None:
        assessable = any(calls[m].status != "not_assessable" for m in present)
    else:
        assessable = any(view.assesses(calls[m], assessed) for m in present)
    notes: list[str] = []
    reason = None
    if not assessable:
        missing = sorted({k for m in present for k in calls[m].missing_data})
        reason = (
            f"not assessable: none of the {len(present)} mechanism(s) scored for {agent} could be "
            f"evaluated with the data given" + (f" (missing: {', '.join(missing)})" if missing else "")
            + ("; no clinical-history term of its rule fired" if has_hist else "")
            + "; this is no call of susceptibility")
        notes.append(reason)
    evidence = _evidence_ids(view, fired, agent) if fired else ()
    confidence, why = _confidence(view, agent, level, trace, positive, present, calls, assessable,
                                  assessed, done)
    if assessable and span is not None and len({span[0], span[1], level}) > 1:
        # the reads do not decide the level: say so instead of reporting it as definite
        lesions = "; ".join(f"{m} CCF 95% interval {lo:.2f}-{hi:.2f}" for m, lo, hi in span[2])
        why = (f"clonality uncertain: the level is '{level}' at the CCF point estimate but "
               f"'{span[0]}' at the lower and '{span[1]}' at the upper end of the read-count "
               f"interval ({lesions}; clonal_ccf {clonal_ccf(view):g})")
        confidence = "low"
        notes.append(why)
    return AgentCall(agent, name, agent_class, level if assessable else NOT_ASSESSABLE_WORD, score,
                     fired, evidence, trace, confidence, why, assessable, tuple(notes),
                     "assessed" if assessable else NOT_ASSESSABLE_WORD, reason)


def no_knowledge_call(view: KBView, agent: str, version: str) -> AgentCall:
    """The call of an agent the KB lists without any scoring rule: a status, not a level."""
    name, agent_class = view.agent_info(agent)
    reason = (f"no resistance knowledge in this KB version ({version}): no scoring rule covers "
              f"{agent}, so no mechanism or history is scored for it")
    return AgentCall(agent, name, agent_class, NO_KNOWLEDGE, None, confidence="low",
                     confidence_reason=reason, assessable=False, notes=(reason,),
                     status=NO_KNOWLEDGE, reason=reason)


@per_view(maxsize=65536)
def _evidence_ids(view: KBView, fired: tuple[str, ...], agent: str) -> tuple[str, ...]:
    """Evidence ids behind the fired mechanisms for ``agent``, each once (KB-only: cached)."""
    return tuple(dict.fromkeys(e.id for m in fired for e in view.evidence(m, agent)))


def _confidence(view, agent, level, trace, positive, present, calls, assessable, assessed=None,
                memo=None):
    history = [t for t in trace if t.term == "history" or (t.status in ("refractory", "exposed"))]
    if level != "susceptible":
        conf, why = view.confidence(positive, agent) if positive else ("low", "")
        if history and conf != "high":
            conf, why = "high", "clinical history of this patient: " + history[0].observations[0].detail
        return conf, why or "no mechanism with evidence behind the score"
    if not assessable:
        return "low", (f"not assessable: none of the {len(present)} scored mechanism(s) could be "
                       "assessed with the data given and no clinical-history term fired")
    if assessed is None:
        done = sum(calls[m].status != "not_assessable" for m in present)
    elif memo is None:
        done = sum(view.assesses(calls[m], assessed) for m in present)
    else:  # memo: KBView.assesses by mechanism, this sample
        done = 0
        for m in present:
            a = memo.get(m)
            if a is None:
                a = memo[m] = view.assesses(calls[m], assessed)
            done += a
    conf = "moderate" if present and 2 * done >= len(present) else "low"
    return conf, (f"no resistance mechanism fired; {done} of {len(present)} scored mechanism(s) "
                  "assessable (absence of a finding, not proof of sensitivity)")


__all__ = ["agent_call", "facts", "no_knowledge_call"]
