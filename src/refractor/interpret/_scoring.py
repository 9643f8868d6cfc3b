"""Scoring of one sample: the same arithmetic as
:func:`refractor.interpret._score_matrix.score_matrix`, building the trace (terms summed in rule
order, so the floating-point sums are identical) and the clonal span of the level; the call is
made from them by :mod:`refractor.interpret._agent_call`.
"""
from __future__ import annotations

from refractor.interpret._agent_call import agent_call, facts, no_knowledge_call
from refractor.interpret._clonality import call_interval, clonal_factor, interval_class
from refractor.interpret._kbview import KBView, per_view
from refractor.interpret._results import AgentCall, MechanismCall, Observation, TraceTerm
from refractor.interpret._score_matrix import FIRING, clonal_ccf, level_of, referenced
from refractor.interpret._vector import history_detail
from refractor.kb.schema import AllTerm, HistoryTerm, MaxTerm, MechanismTerm


def _resolution(obs: tuple[Observation, ...]) -> str | None:
    r = list(dict.fromkeys(o.resolution for o in obs))
    return "; ".join(r) if r else None


def _mech_value(f: float, cc: float | None, w: float, c: MechanismCall, ccf) -> tuple[float, float]:
    """Contribution of a fired mechanism of weight ``w`` whose clonal fraction is ``ccf``, and
    its clonal factor (the one formula of :func:`_member` and :func:`_scores_at`)."""
    cf = clonal_factor(ccf, cc)
    return w * (1.0 if c.status == "detected" else f) * cf, cf


def _call_bits(view: KBView, c: MechanismCall) -> tuple:
    """What a fired call puts into every trace term scoring it: its clonal factor, the texts
    appended to the term's comment (subclonal; clonality uncertain) and its resolution."""
    cc = clonal_ccf(view)
    cf = clonal_factor(c.clonal_fraction, cc)
    extra = []
    if cf < 1.0:
        extra.append(f"subclonal: CCF {c.clonal_fraction:.2f} < {cc:g}, weight x {cf:.2f}")
    iv = call_interval(c)
    if iv is not None and interval_class(iv[0], iv[1], cc) == "uncertain":
        extra.append(
            f"clonality uncertain: CCF 95% interval {iv[0]:.2f}-{iv[1]:.2f} (read counts) "
            f"spans clonal_ccf {cc:g}, weight x {clonal_factor(iv[0], cc):.2f}"
            f"-{clonal_factor(iv[1], cc):.2f}")
    return cf, "; ".join(extra), _resolution(c.observations)


def _member(view, rule, t, ov, calls, sets, bits: dict | None = None,
            agents: frozenset[str] | None = None) -> TraceTerm | None:
    """The trace record of one fired member term (mechanism or history), or None.
    ``bits`` (optional, one dict per sample): :func:`_call_bits` by mechanism; ``agents``
    (optional): a history term's agent set."""
    if isinstance(t, MechanismTerm):
        c = calls.get(t.mechanism)
        if c is None or c.status not in FIRING:
            return None
        w = ov.get(t.mechanism, t.weight)
        if bits is None:
            cf, extra, resolution = _call_bits(view, c)
        else:
            got = bits.get(t.mechanism)
            if got is None:
                got = bits[t.mechanism] = _call_bits(view, c)
            cf, extra, resolution = got
        # the same product as _mech_value (cf is the call's clonal factor)
        contribution = w * (1.0 if c.status == "detected" else view.scoring.possible_factor) * cf
        comment = t.comment
        if extra:
            comment = ((comment + "; ") if comment else "") + extra
        return TraceTerm(rule.id, "mechanism", w, contribution, (t.mechanism,), c.status,
                         resolution, c.observations, comment, cf)
    if agents is None:
        agents = view.agent_set(tuple(t.agents), tuple(t.agent_classes))
    hit = sets[t.history] & agents
    if not hit:
        return None
    ob = Observation(f"rule:{rule.id}", "history", None, history_detail(t.history, hit),
                     "clinical history")
    return TraceTerm(rule.id, "history", t.weight, t.weight, (), t.history, "clinical history",
                     (ob,), t.comment)


@per_view(maxsize=4096)
def _plan(view: KBView, agent: str) -> tuple:
    """The agent's terms in rule order, each with the mechanisms and history tests that can
    make it fire (a term none of which fired is skipped without being evaluated)."""
    out = []
    for rule in view.rules_for(agent):
        ov = rule.overrides.get(agent, {})
        for t in rule.terms:
            members = t.max if isinstance(t, MaxTerm) else [t]
            mechs: set[str] = set()
            hist = []
            hsets = {}
            for m in members:
                if isinstance(m, MechanismTerm):
                    mechs.add(m.mechanism)
                elif isinstance(m, AllTerm):
                    mechs.update(m.all)
                elif isinstance(m, HistoryTerm):
                    hsets[id(m)] = view.agent_set(tuple(m.agents), tuple(m.agent_classes))
                    hist.append((m.history, hsets[id(m)]))
            # (id(t), overrides) names the term's trace for one sample: agents whose rules share
            # the term share its trace record (see ``_trace``'s ``terms`` memo)
            out.append((rule, t, ov, frozenset(mechs), tuple(hist),
                        (id(t), tuple(sorted(ov.items()))), hsets,
                        tuple((m, m.mechanism if isinstance(m, MechanismTerm) else None,
                               hsets.get(id(m))) for m in members)))
    return tuple(out)


@per_view(maxsize=4096)
def _static(view: KBView, agent: str) -> tuple:
    """What ``score_agent`` needs of the KB for one agent, in one look-up: whether rules cover
    it, its name and class, its plan key, the mechanisms its rules reference and whether one
    of them has a history term."""
    return (bool(view.rules_for(agent)), *view.agent_info(agent), _plan_key(view, agent),
            *referenced(view, agent))


@per_view(maxsize=4096)
def _plan_key(view: KBView, agent: str) -> tuple:
    """Agents with the same rules and weight overrides get the same trace and score."""
    return tuple((r.id, tuple(sorted(r.overrides.get(agent, {}).items())))
                 for r in view.rules_for(agent))


def score_agent(view: KBView, agent: str, calls: dict[str, MechanismCall],
                sets: dict[str, frozenset], hist_assessed: bool = False,
                firing: frozenset[str] | None = None,
                assessed: frozenset[str] | None = None, memo: dict | None = None) -> AgentCall:
    """Score one agent for one sample and keep the trace of every term that fired.

    ``firing`` (optional) is the set of mechanisms called detected or possible in ``calls``;
    given once per sample it saves recomputing it for every agent. ``assessed`` (the sample's
    measured data kinds) decides assessability: the call is assessable when a referenced
    mechanism fired or was evaluated with non-history data (:meth:`KBView.assesses`), or a
    history term fired; clinical history that fired nothing assesses nothing. Without
    ``assessed`` any evaluated mechanism counts. ``hist_assessed`` is kept for callers.
    ``memo`` (optional, one dict per sample) shares the trace between agents scored by the
    same rules with the same overrides (e.g. every agent of a class rule), and each term's
    trace record between agents whose rules share the term (records are immutable).
    """
    covered, name, agent_class, key, mechs, has_hist = _static(view, agent)
    if not covered:
        return no_knowledge_call(view, agent, view.version)
    if firing is None:
        firing = frozenset(m for m, c in calls.items() if c.status in FIRING)
    if memo is None:
        trace, score = _trace(view, agent, calls, sets, firing)
        known = facts(view, trace, score)
        span = _clonal_span(view, agent, trace, calls, sets, firing, fired=known[2])
    else:
        hit = memo.get(key)
        if hit is None:
            terms = memo.get(_TERMS)
            if terms is None:
                terms = memo[_TERMS] = {}
                memo[_CALLS], memo[_LESIONS], memo[_ASSESSES] = {}, {}, {}
            tr, sc = _trace(view, agent, calls, sets, firing, terms, memo[_CALLS])
            fa = facts(view, tr, sc)
            hit = memo[key] = (tr, sc, _clonal_span(view, agent, tr, calls, sets, firing,
                                                    memo[_LESIONS], fa[2], terms), fa)
        trace, score, span, known = hit
    return agent_call(view, agent, name, agent_class, trace, score, calls, assessed, span,
                      (mechs, has_hist), None if memo is None else memo.get(_ASSESSES), known)


#: key of the per-sample term memo inside ``score_agent``'s ``memo`` (cannot equal a plan key)
_TERMS = object()
#: key of the per-sample memo of :func:`_call_bits` (by mechanism) inside the same ``memo``
_CALLS = object()
#: ... of _clonal_span's lesions, and of KBView.assesses, by mechanism (same sample)
_LESIONS, _ASSESSES = object(), object()


def _clonal_span(view: KBView, agent: str, trace, calls, sets, firing, lesions=None,
                 fired=None, terms=None):
    """Levels of the agent at the two ends of the CCF intervals of the lesions behind its
    trace: ``(level_at_low_end, level_at_high_end, [(mechanism, lo, hi), ...])``, or None when
    no lesion's interval moves its clonal factor (the reads are decisive, or unknown).

    Every fired mechanism with an interval is set to its lower (then upper) end together; the
    score is recomputed by :func:`_scores_at` (the arithmetic of :func:`_trace` without the
    trace records), so MAX groups and ALL terms are honoured. ``lesions`` (optional, one dict
    per sample): each mechanism's ``(mechanism, lo, hi)`` or None, as found here; ``fired``
    (optional): the trace's mechanisms, each once; ``terms`` (optional): :func:`_trace`'s
    per-sample records by term, reused for the terms no moved lesion enters.
    """
    cc = clonal_ccf(view)
    if cc is None:
        return None
    moved = []
    if fired is None:
        fired = tuple(dict.fromkeys(m for t in trace for m in t.mechanisms))
    for m in fired:
        if lesions is not None and m in lesions:
            x = lesions[m]
        else:
            c = calls.get(m)
            iv = call_interval(c) if c is not None else None
            x = (m, iv[0], iv[1]) if (iv is not None and clonal_factor(iv[0], cc)
                                      != clonal_factor(iv[1], cc)) else None
            if lesions is not None:
                lesions[m] = x
        if x is not None:
            moved.append(x)
    if not moved:
        return None
    low, high = _scores_at(view, agent, calls, sets, firing,
                           ({m: lo for m, lo, _ in moved}, {m: hi for m, _, hi in moved}), terms)
    return level_of(view, low), level_of(view, high), moved


_UNSEEN = object()


def _scores_at(view: KBView, agent: str, calls: dict[str, MechanismCall],
               sets: dict[str, frozenset], firing: frozenset[str],
               ccfs: tuple[dict[str, float], ...], terms: dict | None = None) -> list[float]:
    """For each dict of ``ccfs``, the score :func:`_trace` gives when the mechanisms in it have
    those clonal fractions instead of their calls' (same terms, same order, same arithmetic:
    the same floating-point sum). One pass over the agent's terms for all of them.

    ``terms`` (optional): :func:`_trace`'s records of this sample by term; a term none of whose
    mechanisms is moved adds its record's contribution (the same product of the same numbers)
    instead of being evaluated again."""
    f = view.scoring.possible_factor
    cc = clonal_ccf(view)
    ks = range(len(ccfs))
    moved = frozenset(m for ccf in ccfs for m in ccf)

    def value(m, ov, hsets, ccf):
        if isinstance(m, MechanismTerm):
            c = calls.get(m.mechanism)
            if c is None or c.status not in FIRING:
                return None
            return _mech_value(f, cc, ov.get(m.mechanism, m.weight), c,
                               ccf.get(m.mechanism, c.clonal_fraction))[0]
        return m.weight if sets[m.history] & hsets[id(m)] else None

    scores = [0.0] * len(ccfs)
    for rule, t, ov, tmechs, thist, tkey, hsets, _ in _plan(view, agent):
        if tmechs.isdisjoint(firing) and not (thist and any(sets[h] & ag for h, ag in thist)):
            continue
        if terms is not None and tmechs.isdisjoint(moved):
            tt = terms.get(tkey, _UNSEEN)
            if tt is not _UNSEEN:
                if tt is not None:
                    for k in ks:
                        scores[k] = scores[k] + tt.contribution
                continue
        for k in ks:
            ccf = ccfs[k]
            x = None
            if isinstance(t, MaxTerm):
                for m in t.max:  # the first largest, as in _trace
                    v = value(m, ov, hsets, ccf)
                    if v is not None and (x is None or v > x):
                        x = v
            elif isinstance(t, AllTerm):
                cs = [calls.get(m) for m in t.all]
                if all(c is not None and c.status in FIRING for c in cs):
                    detected = all(c.status == "detected" for c in cs)
                    cf = min(clonal_factor(ccf.get(m, c.clonal_fraction), cc)
                             for m, c in zip(t.all, cs))
                    x = t.weight * (1.0 if detected else f) * cf
            else:
                x = value(t, ov, hsets, ccf)
            if x is not None:
                scores[k] = scores[k] + x
    return scores


def _trace(view: KBView, agent: str, calls: dict[str, MechanismCall], sets: dict[str, frozenset],
           firing: frozenset[str], terms: dict | None = None, bits: dict | None = None
           ) -> tuple[tuple[TraceTerm, ...], float]:
    """The terms of the agent's rules that fired (rule order) and the summed score.

    ``terms`` (optional, one dict per sample): each term's record (or None) by term and
    overrides, shared with the other agents whose rules hold the term."""
    trace: list[TraceTerm] = []
    score = 0.0
    for rule, t, ov, tmechs, thist, tkey, _, members in _plan(view, agent):
        if tmechs.isdisjoint(firing) and not (thist and any(sets[h] & ag for h, ag in thist)):
            continue  # nothing this term looks at fired: it cannot add to the score or trace
        if terms is None:
            tt = _term(view, rule, t, ov, calls, sets, bits, firing, members)
        else:
            try:
                tt = terms[tkey]
            except KeyError:
                tt = terms[tkey] = _term(view, rule, t, ov, calls, sets, bits, firing,
                                            members)
        if tt is not None:
            trace.append(tt)
            score = score + tt.contribution
    return tuple(trace), score


def _term(view, rule, t, ov, calls, sets, bits, firing, members) -> TraceTerm | None:
    """The trace record of one fired term of ``rule`` (None when it did not fire).
    ``members``: per member term (the term itself unless a ``max`` group), its mechanism (None
    for a history term) and its history agent set (None for a mechanism)."""
    if isinstance(t, MaxTerm):
        # a mechanism member whose call did not fire gives None: not evaluated
        fired = []
        for m, mech, hs in members:
            if mech is None or firing is None or mech in firing:
                x = _member(view, rule, m, ov, calls, sets, bits, hs)
                if x is not None:
                    fired.append(x)
        if not fired:
            return None
        best = fired[0]
        for x in fired[1:]:
            if x.contribution > best.contribution:
                best = x
        others = [", ".join(x.mechanisms) or x.status for x in fired if x is not best]
        note = (t.comment or "largest of alternatives on one axis")
        if others:
            note += f" (also firing, not added: {'; '.join(others)})"
        return TraceTerm(rule.id, "max", best.weight, best.contribution, best.mechanisms,
                         best.status, best.resolution, best.observations,
                         note if best.comment is None else f"{best.comment}; {note}",
                         best.clonal_factor)
    if isinstance(t, AllTerm):
        cs = [calls.get(m) for m in t.all]
        if not all(c is not None and c.status in FIRING for c in cs):
            return None
        f = view.scoring.possible_factor
        detected = all(c.status == "detected" for c in cs)
        obs = tuple(o for c in cs for o in c.observations)
        # the combination exists at most in the smaller of the two clones
        cf = min(clonal_factor(c.clonal_fraction, clonal_ccf(view)) for c in cs)
        return TraceTerm(rule.id, "all", t.weight, t.weight * (1.0 if detected else f) * cf,
                         tuple(t.all), "detected" if detected else "possible",
                         _resolution(obs), obs, t.comment, cf)
    return _member(view, rule, t, ov, calls, sets, bits, members[0][2])


__all__ = ["score_agent", "no_knowledge_call"]
