"""One streaming pass over a cohort's per-sample results.

Each :class:`~refractor.interpret.SampleResult` is built, written as JSON (when asked),
reduced to the columns the cohort tables, the annotated MAF and the HTML report need, and
dropped: the cohort is never held as objects all at once (issue 15: bounded memory).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from refractor.interpret import CohortResult

FOUND = ("detected", "possible")
AGENT_COLUMNS = ("agent_class", "level", "score", "assessable", "confidence", "mechanisms",
                 "evidence", "status", "reason")
OBS_COLUMNS = ("sample", "mechanism", "status", "biomarker", "kind", "gene", "detail",
               "resolution", "value", "threshold", "comparison", "unit", "source", "assumed",
               "clonal_fraction")
TRACE_COLUMNS = ("sample", "agent", "rule", "term", "weight", "contribution", "mechanisms",
                 "status", "resolution")


class Collected:
    """What the pass keeps: columns (lists) of the long tables and small per-sample digests."""

    def __init__(self) -> None:
        self.agents: dict[str, list] = {c: [] for c in ("sample", "disease", "agent", *AGENT_COLUMNS)}
        self.observations: dict[str, list] = {c: [] for c in OBS_COLUMNS}
        self.traces: dict[str, list] = {c: [] for c in TRACE_COLUMNS}
        #: sample -> "mechanism:status;..." of its found mechanisms (annotated MAF)
        self.sample_mechs: dict[str, str] = {}
        #: (sample, observation source) -> mechanism:status labels (annotated MAF)
        self.by_source: dict[tuple[str, str], set[str]] = {}
        #: per sample, in cohort order: compact drill-down for the HTML report
        self.digests: list[list] = []


class _JsonText:
    """A sample's JSON text, exactly ``json.dumps(r.to_dict(), ensure_ascii=False,
    allow_nan=False, separators=(",", ":"))``, built from per-record fragments.

    The interpreter shares mechanism and agent call records between samples (every call no
    observation enters is one record per distinct input), so each shared record is serialised
    once. The cache holds the record itself beside its text, so an ``id`` cannot be reused
    while it is cached; it is emptied when it reaches ``limit`` entries (bounded memory).
    """

    def __init__(self, limit: int = 50_000) -> None:
        self._cache: dict[int, tuple[object, str]] = {}
        self._limit = limit
        self._keys: bool | None = None
        self._dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False,
                                       separators=(",", ":")).encode

    def _frag(self, rec) -> str:
        hit = self._cache.get(id(rec))
        if hit is not None and hit[0] is rec:
            return hit[1]
        text = self._dumps(rec.to_dict())
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[id(rec)] = (rec, text)
        return text

    def __call__(self, r) -> str:
        dumps, frag = self._dumps, self._frag
        if self._keys is None:  # the order below is SampleResult.to_dict's: checked once
            self._keys = list(r.to_dict()) == _KEYS
        if not self._keys:
            return dumps(r.to_dict())
        head = {"schema": None, "schema_version": None, "sample": r.sample, "disease": r.disease,
                "subtype": r.subtype, "kb_version": r.kb_version, "kb_hash": r.kb_hash,
                "scoring_version": r.scoring_version, "disclaimer": r.disclaimer}
        return "".join((
            "{", _head(dumps, head, r), ',"mechanisms":[', ",".join(map(frag, r.mechanisms)),
            '],"agents":[', ",".join(map(frag, r.agents)),
            '],"strategies":[', ",".join(map(frag, r.strategies)),
            '],"flagged_harmful":[', ",".join(map(frag, r.flagged_harmful)),
            '],"warnings":', dumps([w.to_dict() for w in r.warnings]),
            ',"assumptions":', dumps(list(r.assumptions)), "}"))


_KEYS = ["schema", "schema_version", "sample", "disease", "subtype", "kb_version", "kb_hash",
         "scoring_version", "disclaimer", "mechanisms", "agents", "strategies", "flagged_harmful",
         "warnings", "assumptions"]


def _head(dumps, head: dict, r) -> str:
    from refractor.interpret._results import SCHEMA_NAME, SCHEMA_VERSION

    head["schema"], head["schema_version"] = SCHEMA_NAME, SCHEMA_VERSION
    return dumps(head)[1:-1]


def _digest(r, cohort_warnings: set) -> list:
    """[subtype, found mechanisms [[id, status, [observation details]]], sample-specific
    warnings ["category: message"], strategy names] - what the HTML drill-down shows."""
    found = [[m.mechanism, m.status, [o.detail for o in m.observations]]
             for m in r.mechanisms if m.status in FOUND]
    warns = [f"{w.category}: {w.message}" for w in r.warnings if w not in cohort_warnings]
    return [r.subtype or "", found, warns, [s.name for s in r.strategies]]


def collect(result: CohortResult, *, json_dir: Path | None, filenames: dict[str, str] | None,
            want: frozenset[str], progress: Callable[[int], None] | None = None) -> Collected:
    """Build every sample once, write its JSON into ``json_dir`` (if given) and keep what the
    other outputs named in ``want`` (``tsv``/``parquet`` tables, ``maf``, ``html``) need."""
    out = Collected()
    tables = bool(want & {"tsv", "parquet"})
    cohort_warnings = set(result.warnings)
    ag, ob, tr = out.agents, out.observations, out.traces
    to_json = _JsonText()
    for i, r in enumerate(result.iter_uncached()):
        if json_dir is not None:
            text = to_json(r)
            (json_dir / filenames[r.sample]).write_text(text + "\n", encoding="utf-8")
        s = r.sample
        if tables:
            for a in r.agents:
                ag["sample"].append(s)
                ag["disease"].append(r.disease)
                ag["agent"].append(a.agent)
                ag["agent_class"].append(a.agent_class)
                ag["level"].append(a.level)
                ag["score"].append(a.score)
                ag["assessable"].append(a.assessable)
                ag["confidence"].append(a.confidence)
                ag["mechanisms"].append(";".join(a.mechanisms))
                ag["evidence"].append(";".join(a.evidence))
                ag["status"].append(a.status)
                ag["reason"].append(a.reason or "")
                for t in a.trace:
                    for c, v in zip(TRACE_COLUMNS, (s, a.agent, t.rule, t.term, t.weight,
                                                    t.contribution, ";".join(t.mechanisms),
                                                    t.status, t.resolution)):
                        tr[c].append(v)
        found = [m for m in r.mechanisms if m.status in FOUND]
        if tables:
            for m in found:
                for o in m.observations:
                    for c, v in zip(OBS_COLUMNS, (s, m.mechanism, m.status, o.biomarker, o.kind,
                                                  o.gene, o.detail, o.resolution, o.value,
                                                  o.threshold, o.comparison, o.unit, o.source,
                                                  o.assumed, o.clonal_fraction)):
                        ob[c].append(v)
        if "maf" in want:
            out.sample_mechs[s] = ";".join(f"{m.mechanism}:{m.status}" for m in found)
            for m in found:
                for o in m.observations:
                    if o.source:
                        out.by_source.setdefault((s, o.source), set()).add(f"{m.mechanism}:{m.status}")
        if "html" in want:
            out.digests.append(_digest(r, cohort_warnings))
        if progress is not None:
            progress(i + 1)
    return out


__all__ = ["collect", "Collected", "AGENT_COLUMNS", "OBS_COLUMNS", "TRACE_COLUMNS"]
