"""The cohort-level result: columnar matrices plus lazily materialised per-sample results."""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import pandas as pd

from refractor.interpret._results import (
    LEVELS, NO_KNOWLEDGE, NOT_ASSESSABLE, STATUSES, ResultWarning, SampleResult,
)

#: what every output shows for an agent call that could not be assessed (never a level)
NOT_ASSESSABLE_CALL = NOT_ASSESSABLE


class CohortResult:
    """Calls for every sample of a cohort.

    The matrices (mechanism status, agent score / level / assessability) are computed for the
    whole cohort at once; :class:`SampleResult` objects with their traces are built on demand
    (``result["S1"]``, iteration) and cached.
    """

    def __init__(
        self,
        *,
        samples: list[str],
        diseases: list[str | None],
        mechanisms: list[str],
        agents: list[str],
        status: np.ndarray,
        scores: np.ndarray,
        levels: np.ndarray,
        assessable: np.ndarray,
        kb_version: str,
        kb_hash: str,
        scoring_version: str,
        warnings: list[ResultWarning],
        factory: Callable[[int], SampleResult],
        unscored: list[str] = (),
        build: str | None = None,
    ) -> None:
        self.samples = list(samples)
        self.diseases = list(diseases)
        self.mechanisms = list(mechanisms)
        self.scored_agents = list(agents)
        #: agents the KB lists without a scoring rule: status ``no_knowledge``
        self.unscored_agents = list(unscored)
        self.agents = self.scored_agents + self.unscored_agents
        n, k = len(self.samples), len(self.unscored_agents)
        self.status = status
        # no-knowledge columns hold 0 (not a score: ``knowledge`` is False and the JSON says null)
        self.scores = np.hstack([scores.reshape(n, -1), np.zeros((n, k))])
        self.levels = np.hstack([levels.reshape(n, -1), np.zeros((n, k), levels.dtype)])
        self.assessable = np.hstack([assessable.reshape(n, -1), np.zeros((n, k), bool)])
        self.knowledge = np.array([True] * len(self.scored_agents) + [False] * k, dtype=bool)
        self.kb_version = kb_version
        self.kb_hash = kb_hash
        self.scoring_version = scoring_version
        #: the genome build the cohort's coordinates were read on (``Cohort.build``)
        self.build = build
        self.warnings = list(dict.fromkeys(warnings))
        self._factory = factory
        self._index = {s: i for i, s in enumerate(self.samples)}
        self._cache: dict[int, SampleResult] = {}

    # ------------------------------------------------------------------ samples
    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, key: str | int) -> SampleResult:
        i = self._index[key] if isinstance(key, str) else int(key)
        if i not in self._cache:
            self._cache[i] = self._factory(i)
        return self._cache[i]

    def __iter__(self) -> Iterator[SampleResult]:
        for i in range(len(self.samples)):
            yield self[i]

    def iter_uncached(self, start: int = 0, stop: int | None = None) -> Iterator[SampleResult]:
        """Every sample's result in order (samples ``start`` .. ``stop``, default all), built
        without being kept: a streaming writer holds one sample at a time (results already
        cached are reused)."""
        for i in range(start, len(self.samples) if stop is None else min(stop, len(self.samples))):
            r = self._cache.get(i)
            yield r if r is not None else self._factory(i)

    # ------------------------------------------------------------------ frames
    def to_frame(self) -> pd.DataFrame:
        """Sample x agent calls: a level (``susceptible`` ... ``high``) where the call was
        assessed, ``not_assessable`` where no scored mechanism could be evaluated with the data
        and no clinical-history term fired, ``no_knowledge`` for agents without a scoring rule
        in this KB version. The same words as the per-sample JSON's ``level``."""
        words = np.array(LEVELS + (NOT_ASSESSABLE, NO_KNOWLEDGE), dtype=object)
        code = np.where(self.assessable, self.levels, len(LEVELS)).astype(np.intp)
        code[:, ~self.knowledge] = len(LEVELS) + 1
        return pd.DataFrame(words[code], index=pd.Index(self.samples, name="sample"),
                            columns=self.agents)

    def call_frame(self) -> pd.DataFrame:
        """The same as :meth:`to_frame` (kept for callers of earlier versions)."""
        return self.to_frame()

    def level_codes(self) -> np.ndarray:
        """samples x agents: index into :data:`LEVELS` where the call is a level, -1 otherwise."""
        return np.where(self.assessable, self.levels.astype(np.int16), -1)

    def score_frame(self) -> pd.DataFrame:
        """Sample x agent scores."""
        return pd.DataFrame(self.scores, index=pd.Index(self.samples, name="sample"),
                            columns=self.agents)

    def assessable_frame(self) -> pd.DataFrame:
        """Sample x agent: could any scored mechanism (or history) be assessed?"""
        return pd.DataFrame(self.assessable, index=pd.Index(self.samples, name="sample"),
                            columns=self.agents)

    def mechanism_frame(self) -> pd.DataFrame:
        """Sample x mechanism status (``detected`` / ``possible`` / ``not_detected`` / ``not_assessable``)."""
        st = np.array(STATUSES, dtype=object)[self.status] if self.status.size else self.status
        return pd.DataFrame(st, index=pd.Index(self.samples, name="sample"), columns=self.mechanisms)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_samples(cls, results: list[SampleResult], *, mechanisms: list[str], agents: list[str],
                     kb_version: str, kb_hash: str, scoring_version: str,
                     warnings: list[ResultWarning], unscored: list[str] = (),
                     build: str | None = None) -> "CohortResult":
        """Build the matrices from already materialised per-sample results (``agents``: the
        scored agents; ``unscored``: the no-knowledge agents that follow them)."""
        n = len(results)
        k = len(agents)
        status = np.zeros((n, len(mechanisms)), dtype=np.int8)
        scores = np.zeros((n, k))
        levels = np.zeros((n, k), dtype=np.int8)
        assessable = np.zeros((n, k), dtype=bool)
        for i, r in enumerate(results):
            scored = r.agents[:k]
            status[i] = [STATUSES.index(m.status) for m in r.mechanisms]
            scores[i] = [a.score for a in scored]
            levels[i] = [LEVELS.index(a.level) if a.is_level else 0 for a in scored]
            assessable[i] = [a.assessable for a in scored]
        return cls(samples=[r.sample for r in results], diseases=[r.disease for r in results],
                   mechanisms=mechanisms, agents=agents, status=status, scores=scores,
                   levels=levels, assessable=assessable, kb_version=kb_version, kb_hash=kb_hash,
                   scoring_version=scoring_version, warnings=warnings,
                   factory=results.__getitem__, unscored=unscored, build=build)


__all__ = ["CohortResult", "NOT_ASSESSABLE_CALL"]
