"""The cohort-level result: columnar matrices plus lazily materialised per-sample results."""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import pandas as pd

from refractor.interpret._results import LEVELS, STATUSES, ResultWarning, SampleResult

#: what the cohort TSV, the HTML report and the CLI show for an agent call that could not be
#: assessed (instead of its nominal level ``susceptible``)
NOT_ASSESSABLE_CALL = "not_assessable"


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
    ) -> None:
        self.samples = list(samples)
        self.diseases = list(diseases)
        self.mechanisms = list(mechanisms)
        self.agents = list(agents)
        self.status = status
        self.scores = scores
        self.levels = levels
        self.assessable = assessable
        self.kb_version = kb_version
        self.kb_hash = kb_hash
        self.scoring_version = scoring_version
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

    # ------------------------------------------------------------------ frames
    def to_frame(self) -> pd.DataFrame:
        """Sample x agent resistance levels (``susceptible`` ... ``high``)."""
        lv = np.array(LEVELS, dtype=object)[self.levels] if self.levels.size else self.levels
        return pd.DataFrame(lv, index=pd.Index(self.samples, name="sample"), columns=self.agents)

    def call_frame(self) -> pd.DataFrame:
        """Sample x agent calls as shown to people: the level, or ``not_assessable`` where no
        mechanism scored for the agent could be assessed and no clinical-history term fired
        (the JSON keeps ``level`` and says ``assessable: false``)."""
        frame = self.to_frame()
        if self.assessable.size:
            frame = frame.where(self.assessable, NOT_ASSESSABLE_CALL)
        return frame

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
                     warnings: list[ResultWarning]) -> "CohortResult":
        """Build the matrices from already materialised per-sample results."""
        n = len(results)
        status = np.zeros((n, len(mechanisms)), dtype=np.int8)
        scores = np.zeros((n, len(agents)))
        levels = np.zeros((n, len(agents)), dtype=np.int8)
        assessable = np.zeros((n, len(agents)), dtype=bool)
        for i, r in enumerate(results):
            status[i] = [STATUSES.index(m.status) for m in r.mechanisms]
            scores[i] = [a.score for a in r.agents]
            levels[i] = [LEVELS.index(a.level) for a in r.agents]
            assessable[i] = [a.assessable for a in r.agents]
        return cls(samples=[r.sample for r in results], diseases=[r.disease for r in results],
                   mechanisms=mechanisms, agents=agents, status=status, scores=scores,
                   levels=levels, assessable=assessable, kb_version=kb_version, kb_hash=kb_hash,
                   scoring_version=scoring_version, warnings=warnings,
                   factory=results.__getitem__)


__all__ = ["CohortResult", "NOT_ASSESSABLE_CALL"]
