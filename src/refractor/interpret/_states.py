"""Score hypothetical mechanism states (no sample data): the interpreter's arithmetic for simulators.

:func:`score_mechanism_states` runs the same vectorised scoring as :func:`interpret`
(``_score_matrix.score_matrix``: KB weights, MAX groups, ALL combinations, history terms) on states
given directly as sets of KB mechanism ids, every listed mechanism counted as ``detected``.
Used by :mod:`refractor.cohort` to turn a clone's mechanisms into a resistance score, so that no
second copy of the scoring rules exists.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from refractor.errors import InputError
from refractor.interpret._kbview import view_of
from refractor.interpret._mechanisms import DETECTED, NOT_DETECTED
from refractor.interpret._score_matrix import score_matrix


def score_mechanism_states(
    kb, states: Sequence[frozenset[str] | set[str]], *,
    refractory: frozenset[str] | set[str] = frozenset(),
    exposed: frozenset[str] | set[str] = frozenset(),
) -> tuple[np.ndarray, list[str]]:
    """KB resistance scores for mechanism states.

    Parameters
    ----------
    kb : KnowledgeBase
    states : sequence of sets of KB mechanism ids
        One state per row; listed mechanisms are ``detected``, all others ``not detected``.
    refractory, exposed : set of agent ids
        Clinical history shared by every state (fires the rules' history terms).

    Returns
    -------
    (scores, agents)
        ``scores`` has shape (len(states), len(agents)); ``agents`` are every agent covered by
        a scoring rule, in rule order.
    """
    view = view_of(kb)
    mi = view.mech_index
    status = np.full((len(states), len(mi)), NOT_DETECTED, dtype=np.int8)
    for i, s in enumerate(states):
        for m in s:
            if m not in mi:
                raise InputError(f"unknown mechanism id {m!r}", column="mechanisms")
            status[i, mi[m]] = DETECTED
    n = len(states)
    sets = {"refractory": frozenset(refractory), "exposed": frozenset(exposed)}

    def hist(kind: str):
        return lambda agents: np.full(n, bool(sets[kind] & agents))

    scores, _ = score_matrix(view, status, {"refractory": hist("refractory"),
                                            "exposed": hist("exposed")},
                             np.ones(n, bool))
    return scores, list(view.covered_agents)


__all__ = ["score_mechanism_states"]
