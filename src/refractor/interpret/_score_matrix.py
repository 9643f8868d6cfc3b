"""Scoring of all samples at once, and the pieces both scorers share.

HIVdb-style scoring: mechanism calls (+ clinical history) -> per-agent score and level.
Everything comes from ``kb.scoring``: per rule ``SCORE FROM`` terms (mechanism weights, history
weights, ``max`` groups of alternatives on one axis, ``all`` combinations), per-agent weight
overrides, the possible-call factor and the score-to-level bands (``min`` inclusive).
Two implementations of the same arithmetic: :func:`score_matrix` here (numpy, all samples at
once) and :func:`refractor.interpret._scoring.score_agent` (one sample, builds the trace). Terms
are summed in rule order in both, so the floating-point sums are identical.
"""
from __future__ import annotations

from bisect import bisect_right

import numpy as np

from refractor.interpret._clonality import clonal_factors
from refractor.interpret._kbview import KBView, per_view
from refractor.interpret._mechanisms import DETECTED, NOT_ASSESSABLE, POSSIBLE
from refractor.interpret._results import LEVELS
from refractor.kb.schema import AllTerm, HistoryTerm, MaxTerm, MechanismTerm

FIRING = ("detected", "possible")
HISTORY = ("refractory", "exposed")


def level_of(view: KBView, score: float) -> str:
    """The level of one score (same rule as :func:`levels_of`: ``min`` inclusive)."""
    mins, labels = view.level_bands
    return labels[max(bisect_right(mins, score) - 1, 0)]


def levels_of(view: KBView, scores: np.ndarray) -> np.ndarray:
    """Level index into :data:`LEVELS` for every score (the one level table:
    :attr:`KBView.level_bands`)."""
    mins, labels = view.level_bands
    i = np.clip(np.searchsorted(np.asarray(mins), scores, side="right") - 1, 0, None)
    codes = np.array([LEVELS.index(x) for x in labels], dtype=np.int8)
    return codes[i]


def clonal_ccf(view: KBView) -> float | None:
    """The KB's CCF at which a lesion counts fully (scoring/base.yaml ``clonality``)."""
    c = getattr(view.scoring, "clonality", None)
    return None if c is None else c.clonal_ccf


@per_view(maxsize=4096)
def referenced(view: KBView, agent: str) -> tuple[list[str], bool]:
    """Mechanisms referenced by the agent's rules, and whether any history term exists."""
    mechs: list[str] = []
    history = False
    for rule in view.rules_for(agent):
        for t in rule.terms:
            members = t.max if isinstance(t, MaxTerm) else [t]
            for m in members:
                if isinstance(m, MechanismTerm):
                    mechs.append(m.mechanism)
                elif isinstance(m, HistoryTerm):
                    history = True
                elif isinstance(m, AllTerm):
                    mechs.extend(m.all)
    return list(dict.fromkeys(mechs)), history


def score_matrix(view: KBView, status: np.ndarray, history: dict[str, object],
                 hist_assessed: np.ndarray, data_assessed: np.ndarray | None = None,
                 clonal: np.ndarray | None = None):
    """Scores and assessability (samples x covered agents).

    ``history`` maps ``"refractory"`` / ``"exposed"`` to a callable ``agents -> bool array``.
    ``data_assessed`` (samples x mechanisms): the mechanism was evaluated by a biomarker whose
    non-history data the sample has (:meth:`KBView.assesses`); an agent call is assessable when
    one of its mechanisms fired or was so evaluated, or one of its history terms fired.
    ``clonal`` (samples x mechanisms): clonal fraction of each call (NaN = unknown, scored as
    clonal); a lesion's weight is multiplied by ``min(1, CCF / clonal_ccf)``.
    """
    n = status.shape[0]
    agents = view.covered_agents
    scores = np.zeros((n, len(agents)))
    assessable = np.zeros((n, len(agents)), dtype=bool)
    f = view.scoring.possible_factor
    mi = view.mech_index
    cfac = clonal_factors(clonal if clonal is not None else np.full(status.shape, np.nan),
                          clonal_ccf(view))

    def mech(m: str, w: float):
        code = status[:, mi[m]] if m in mi else np.zeros(n, np.int8)
        cf = cfac[:, mi[m]] if m in mi else np.ones(n)
        fired = code >= POSSIBLE
        factor = np.where(code == DETECTED, 1.0, f)
        return fired, np.where(fired, w * factor * cf, 0.0)

    hist_fired = np.zeros(n, bool)

    def member(t, ov):
        nonlocal hist_fired
        if isinstance(t, MechanismTerm):
            return mech(t.mechanism, ov.get(t.mechanism, t.weight))
        fired = history[t.history](view.agent_set(tuple(t.agents), tuple(t.agent_classes)))
        hist_fired = hist_fired | fired
        return fired, np.where(fired, t.weight, 0.0)

    for k, agent in enumerate(agents):
        s = np.zeros(n)
        hist_fired = np.zeros(n, bool)
        for rule in view.rules_for(agent):
            ov = rule.overrides.get(agent, {})
            for t in rule.terms:
                if isinstance(t, MaxTerm):
                    best = np.full(n, -np.inf)
                    anyf = np.zeros(n, bool)
                    for m in t.max:
                        fired, c = member(m, ov)
                        better = fired & (~anyf | (c > best))
                        best = np.where(better, c, best)
                        anyf |= fired
                    s = s + np.where(anyf, best, 0.0)
                elif isinstance(t, AllTerm):
                    codes = np.stack([status[:, mi[m]] if m in mi else np.zeros(n, np.int8)
                                      for m in t.all], axis=1)
                    fired = (codes >= POSSIBLE).all(axis=1)
                    factor = np.where((codes == DETECTED).all(axis=1), 1.0, f)
                    cf = np.stack([cfac[:, mi[m]] if m in mi else np.ones(n) for m in t.all],
                                  axis=1).min(axis=1)
                    s = s + np.where(fired, t.weight * factor * cf, 0.0)
                else:
                    s = s + member(t, ov)[1]
        scores[:, k] = s
        mechs, has_hist = referenced(view, agent)
        idx = [mi[m] for m in mechs if m in mi]
        if not idx:
            a = np.zeros(n, bool)
        elif data_assessed is None:
            a = (status[:, idx] != NOT_ASSESSABLE).any(axis=1)
        else:  # fired, or evaluated with non-history data (see KBView.assesses)
            a = ((status[:, idx] >= POSSIBLE) | data_assessed[:, idx]).any(axis=1)
        # clinical history makes the call assessable only when a history term fired: a
        # history that does not mention the agent says nothing about its mechanisms
        assessable[:, k] = a | hist_fired
    return scores, assessable


__all__ = ["FIRING", "HISTORY", "level_of", "levels_of", "clonal_ccf", "referenced", "score_matrix"]
